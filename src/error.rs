//! The library's one error type.
//!
//! Every variant carries enough context for a user to fix the problem without a debugger:
//! the file, the line where there is one, and the offending value. The CLI prints these
//! messages on one line (control characters and bidirectional overrides shown as U+FFFD) and
//! maps them to exit code 1, or 2 for [`Error::Usage`].
//!
//! A message whose fix is a `stance` option names the option as typed (`lower --min-df`,
//! `use --folds 3`, `set --text-column`): the command line is how nearly every user meets
//! the library. The checks of `TrainParams` and `FeatureConfig` name fields instead
//! (`max_iter must be at least 1`), since the command line validates those values first and
//! only a library caller can reach them.

use std::io;

/// Result alias used throughout the library.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file (`-` for standard input).
        path: String,
        #[source]
        /// What the operating system said.
        source: io::Error,
    },

    /// A file is malformed at a given line: a labelled CSV, a row of tabular input, an
    /// article that is not UTF-8, a lexicon.
    #[error("{path}: line {line}: {message}")]
    Data {
        /// The file.
        path: String,
        /// The 1-based line of the row, as an editor shows it.
        line: u64,
        /// What is wrong and what was expected.
        message: String,
    },

    /// A file (or directory) is unusable as a whole: a labelled CSV that is empty, has one
    /// label only or is too small for the requested folds; an article that is not UTF-8
    /// text; a directory where a file was expected; a lexicon file that cannot be read as
    /// text; an `--out` path that must not be replaced.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What is wrong with it.
        message: String,
    },

    /// A model file is missing, damaged, of an unknown version or inconsistent.
    #[error("{path}: not a usable model file: {message}")]
    Model {
        /// The model file.
        path: String,
        /// What is wrong with it.
        message: String,
    },

    /// A request that cannot be carried out with these settings or on these rows: parameters
    /// out of range (`alpha <= 0`), too few labels or rows for the folds asked, more distinct
    /// words than the tables hold, worker threads that cannot start. (The checks of a model
    /// file's feature table use it too; loading reports those as [`Error::Model`].)
    #[error("invalid parameter: {0}")]
    Param(String),

    /// A request that is wrong as typed, before any file is read: standard input named
    /// twice, a model to be written to standard output or to a path ending in `/`. The CLI
    /// gives these exit code 2, as it does its own usage errors.
    #[error("{0}")]
    Usage(String),

    /// The optimiser failed.
    #[error("training failed: {0}")]
    Train(String),

    /// Another error, with a note on where its input came from (a path set in the
    /// environment, say, which the user may not have in mind).
    #[error("{source} ({note})")]
    Noted {
        /// The error.
        source: Box<Error>,
        /// Where the input came from.
        note: String,
    },
}

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// True for a mistake in the request itself ([`Error::Usage`], also when noted).
    pub fn is_usage(&self) -> bool {
        match self {
            Error::Usage(_) => true,
            Error::Noted { source, .. } => source.is_usage(),
            _ => false,
        }
    }

    /// True when the error is a broken pipe (`stance classify ... | head`), which the CLI
    /// treats as a normal, quiet end of output.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}
