//! Where the documents come from: the paths named on the command line, resolved to the files
//! to read (directories walked for the format's files, `-` for standard input), and the notes
//! that earns: directory entries skipped, a file named twice, the output file among the
//! inputs, a data file named as an article of prose.
//!
//! Apart from the readers because all of it happens once, in
//! [`Documents::open`](super::Documents::open), before any file is read as documents.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{CSV_EXTENSIONS, InputFormat, JSONL_EXTENSIONS};
use crate::error::{Error, Result};
use crate::source::{open_error, path_name};

/// The files `paths` name: `-` as it is (standard input, also when `paths` is empty), a
/// directory as the format's files in it, a file as itself.
///
/// Entries of a directory with the format's extension that are not files to read (a broken
/// link, a named pipe, a socket), and links to directories, are skipped with a note in
/// `notes`: opening a pipe would wait for a writer forever, a link may lead back to a parent,
/// and a silent skip would drop articles without a word.
///
/// Returns an error if a path does not exist or a directory holds no file of the format (an
/// empty run would look like a successful one).
pub(super) fn resolve_sources(
    paths: &[PathBuf],
    format: &InputFormat,
    notes: &mut Vec<String>,
) -> Result<Vec<PathBuf>> {
    let mut sources = Vec::new();
    let mut skipped = Vec::new();
    if paths.is_empty() {
        sources.push(PathBuf::from("-"));
    }
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(path.clone());
        } else if path.is_dir() {
            let before = (sources.len(), skipped.len());
            collect_files(path, format.extensions(), &mut sources, &mut skipped)?;
            if sources.len() == before.0 {
                let wanted: Vec<String> = format
                    .extensions()
                    .iter()
                    .map(|e| format!("*.{e}"))
                    .collect();
                let wanted = wanted.join(" or ");
                let besides = match &skipped[before.1..] {
                    [] => String::new(),
                    [only] => format!("; one entry was skipped: {only}"),
                    [first, ..] => format!(
                        "; {} entries were skipped (the first: {first})",
                        skipped.len() - before.1
                    ),
                };
                return Err(Error::File {
                    path: path_name(path),
                    message: format!(
                        "no {wanted} files in this directory or below (name files directly to \
                         read others){besides}"
                    ),
                });
            }
        } else {
            // The system's own reason: missing, a symbolic link loop, no permission, ...
            std::fs::metadata(path).map_err(|e| open_error(&path_name(path), e))?;
            sources.push(path.clone());
        }
    }
    match skipped.as_slice() {
        [] => {}
        [only] => notes.push(format!("skipped a directory entry: {only}")),
        [first, ..] => notes.push(format!(
            "skipped {} directory entries (the first: {first})",
            skipped.len()
        )),
    }
    Ok(sources)
}

/// Adds every file under `dir` whose extension is one of `extensions` to `out`, sorted,
/// recursing into subdirectories.
///
/// Symbolic links to directories are not followed (as ripgrep does by default): a link back to
/// a parent would otherwise list the same articles over and over. Links to files are read.
/// Links to directories, and entries with one of the extensions that are not files (a broken
/// link, a named pipe), go to `skipped`, described, for the caller's note.
fn collect_files(
    dir: &Path,
    extensions: &[&str],
    out: &mut Vec<PathBuf>,
    skipped: &mut Vec<String>,
) -> Result<()> {
    let name = path_name(dir);
    let mut entries: Vec<(PathBuf, Option<std::fs::FileType>)> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(&name, e))?
        .map(|e| {
            let e = e.map_err(|e| Error::io(&name, e))?;
            Ok((e.path(), e.file_type().ok()))
        })
        .collect::<Result<_>>()?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, file_type) in entries {
        let is_link = file_type.is_some_and(|t| t.is_symlink());
        if file_type.is_some_and(|t| t.is_dir()) {
            collect_files(&path, extensions, out, skipped)?;
        } else if is_link && path.is_dir() {
            skipped.push(format!(
                "{}: a link to a directory, not followed (name it to read it)",
                path_name(&path)
            ));
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            // `B.TXT` from a Windows archive or a scanner is an article too.
            .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
        {
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => out.push(path),
                // A link to a directory named `x.txt`: a directory, not an article.
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => skipped.push(format!("{}: not a regular file", path_name(&path))),
                // A broken link: "No such file or directory", a loop: "Too many levels ...".
                Err(e) => skipped.push(format!("{}: {e}", path_name(&path))),
            }
        }
    }
    Ok(())
}

/// Drops the file standard output is being written to, if a source is that file, with a note,
/// and returns its name: `classify dir > dir/out.txt` would otherwise read its own output,
/// truncated or half written, as an article (a rerun labelled the previous run's table as
/// news). One note, however many names (links) it was given under.
pub(super) fn drop_output_file(
    sources: &mut Vec<PathBuf>,
    notes: &mut Vec<String>,
) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let out = std::fs::metadata("/dev/stdout").ok()?;
        if !out.is_file() {
            return None;
        }
        let mut names = Vec::new();
        sources.retain(|path| {
            let same = path.as_os_str() != "-"
                && std::fs::metadata(path)
                    .is_ok_and(|m| m.dev() == out.dev() && m.ino() == out.ino());
            // A name given twice (`classify out.txt out.txt > out.txt`) is listed once:
            // "(also as ...)" is for other names of the same file.
            if same && !names.contains(&path_name(path)) {
                names.push(path_name(path));
            }
            !same
        });
        let (first, others) = names.split_first()?;
        let also = if others.is_empty() {
            String::new()
        } else {
            format!(" (also as {})", others.join(", "))
        };
        notes.push(format!(
            "{first}{also} is where the output is being written (standard output), so it was \
             not read"
        ));
        Some(first.clone())
    }
    #[cfg(not(unix))]
    {
        let _ = (sources, notes);
        None
    }
}

/// Drops the files named a second time (`classify dir dir/a.txt`, overlapping globs, a
/// link), with a note: each would be labelled twice under one `doc` id, and counted twice
/// downstream. `-` is standard input, whatever a file of that name holds, and stays.
pub(super) fn drop_repeats(sources: &mut Vec<PathBuf>, notes: &mut Vec<String>) {
    use std::collections::hash_map::Entry;
    // For each file, the name it was first read under and whether it came again. One note
    // for the run, counting files rather than mentions: naming each (`classify $(files)
    // dir`) printed a line per file, 60,000 for as many articles.
    let mut seen: HashMap<PathBuf, (PathBuf, bool)> = HashMap::new();
    // The first file named again, with its other name if it differs.
    let mut first: Option<(String, String)> = None;
    sources.retain(|path| {
        if path.as_os_str() == "-" {
            return true;
        }
        let Ok(real) = path.canonicalize() else {
            return true;
        };
        match seen.entry(real) {
            Entry::Vacant(entry) => {
                entry.insert((path.clone(), false));
                true
            }
            Entry::Occupied(mut entry) => {
                let (name, again) = entry.get_mut();
                *again = true;
                if first.is_none() {
                    let how = if name.as_os_str() == path.as_os_str() {
                        String::new()
                    } else {
                        format!(" (also as {})", path_name(path))
                    };
                    first = Some((path_name(name), how));
                }
                false
            }
        }
    });
    let files = seen.values().filter(|(_, again)| *again).count();
    match (files, first) {
        (1, Some((only, how))) => notes.push(format!(
            "{only} is named more than once{how}; it was read once"
        )),
        (files, Some((first, how))) => notes.push(format!(
            "{files} files are named more than once (the first: {first}{how}); each was read \
             once"
        )),
        _ => {}
    }
}

/// The note for a data file named as an article of prose (`classify rows.csv` without
/// `--input csv` labels the header and each row as prose), if `path` is one.
pub(super) fn prose_note(path: &Path) -> Option<String> {
    if !path.is_file() {
        return None;
    }
    let extension = path.extension().and_then(|e| e.to_str());
    let extension = extension.map(str::to_ascii_lowercase).unwrap_or_default();
    let tabular = [("csv", CSV_EXTENSIONS), ("jsonl", JSONL_EXTENSIONS)]
        .into_iter()
        .find(|(_, extensions)| extensions.contains(&extension.as_str()))
        .map(|(input, _)| input);
    let name = path_name(path);
    let how = if let Some(input) = tabular {
        format!("to classify each of its rows as a document, pass --input {input}")
    } else if extension == "json" {
        json_advice(path).to_string()
    } else if ["tsv", "tab"].contains(&extension.as_str()) {
        "to classify each of its rows as a document, save it as comma-separated CSV and pass \
         --input csv"
            .to_string()
    } else {
        return None;
    };
    Some(format!("{name} is read as one article of prose; {how}"))
}

/// How to classify the texts of a `.json` file as documents, from how it opens: an array, one
/// object spread over lines, or JSON Lines already (`.json` is a common name for those too).
fn json_advice(path: &Path) -> &'static str {
    let mut head = Vec::new();
    let _ = std::fs::File::open(path).and_then(|f| f.take(4096).read_to_end(&mut head));
    let text = String::from_utf8_lossy(&head);
    let first_line = text.trim_start().lines().next().unwrap_or_default().trim();
    if first_line.starts_with('[') {
        "to classify the texts of a JSON array as documents, convert it to JSON Lines \
         (`jq -c '.[]'`) and pass --input jsonl"
    } else if first_line.starts_with('{') && first_line.ends_with('}') {
        "it looks like JSON Lines already (one object per line): pass --input jsonl"
    } else {
        "to classify its texts as documents, convert it to JSON Lines (`jq -c .` for objects) \
         and pass --input jsonl"
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::input::test_support::{text_csv, write};
    use crate::input::{Documents, InputFormat};

    /// The texts of the documents read from `paths` in `format`, which must all be readable.
    fn texts_of(paths: &[PathBuf], format: InputFormat) -> Vec<String> {
        Documents::open(paths, format)
            .unwrap()
            .map(|d| d.unwrap().text)
            .collect()
    }

    #[test]
    fn directories_recurse_into_txt_in_order() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "b.txt", b"B.");
        write(dir.path(), "a/c.txt", b"C.");
        write(dir.path(), "skip.csv", b"x");
        let texts = texts_of(&[dir.path().to_path_buf()], InputFormat::Text);
        assert_eq!(texts, ["C.", "B."]);
    }

    #[test]
    fn upper_case_extensions_count() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.txt", b"A.");
        write(dir.path(), "B.TXT", b"B.");
        write(dir.path(), "c.Txt", b"C.");
        let texts = texts_of(&[dir.path().to_path_buf()], InputFormat::Text);
        assert_eq!(texts, ["B.", "A.", "C."]);
    }

    #[test]
    fn a_file_named_twice_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.txt", b"A.");
        let b = write(dir.path(), "b.txt", b"B.");
        // Found in the directory first, then named twice as itself: one file, named three
        // times (the count was of mentions, and said "2 files").
        let paths = [dir.path().to_path_buf(), a.clone(), a.clone()];
        let docs = Documents::open(&paths, InputFormat::Text).unwrap();
        let notes = docs.notes().to_vec();
        let texts: Vec<String> = docs.map(|d| d.unwrap().text).collect();
        assert_eq!(texts, ["A.", "B."]);
        let note = format!("{} is named more than once; it was read once", a.display());
        assert_eq!(notes, [note]);
        // Two files named again: one note counts them (one line each used to flood standard
        // error: 60,000 for as many files).
        let paths = [dir.path().to_path_buf(), a.clone(), b, a.clone()];
        let docs = Documents::open(&paths, InputFormat::Text).unwrap();
        let note = format!(
            "2 files are named more than once (the first: {}); each was read once",
            a.display()
        );
        assert_eq!(docs.notes(), [note]);
        // Under another name (a `./` prefix), the note gives both.
        let other = dir.path().join(".").join("a.txt");
        let docs = Documents::open(&[a.clone(), other.clone()], InputFormat::Text).unwrap();
        assert_eq!(
            docs.notes(),
            [format!(
                "{} is named more than once (also as {}); it was read once",
                a.display(),
                other.display()
            )]
        );
    }

    #[test]
    fn tabular_directories_recurse_into_their_format() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "notes.txt", b"text\nNot a row.\n");
        write(dir.path(), "b/rows.csv", b"text\nTalks resumed.\n");
        write(
            dir.path(),
            "rows.jsonl",
            b"{\"text\": \"Talks stalled.\"}\n",
        );
        let csv = text_csv();
        let texts = texts_of(&[dir.path().to_path_buf()], csv);
        assert_eq!(texts, ["Talks resumed."]);
        let jsonl = InputFormat::Jsonl {
            text_field: "text".into(),
        };
        let texts = texts_of(&[dir.path().to_path_buf()], jsonl);
        assert_eq!(texts, ["Talks stalled."]);
    }

    #[test]
    fn a_directory_without_files_of_the_format_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a/page.html", b"<p>Talks resumed.</p>");
        let Err(err) = Documents::open(&[dir.path().to_path_buf()], InputFormat::Text) else {
            panic!("a directory with no *.txt was accepted");
        };
        let err = err.to_string();
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
        assert!(err.contains("no *.txt files"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_directories_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a/x.txt", b"Talks resumed.");
        std::os::unix::fs::symlink(dir.path(), dir.path().join("a/back")).unwrap();
        // A link to a file is followed; a link to a file already in the tree is that file
        // named twice, read once.
        let elsewhere = tempfile::tempdir().unwrap();
        let outside = write(elsewhere.path(), "y.txt", b"Talks stalled.");
        std::os::unix::fs::symlink(&outside, dir.path().join("link.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("a/x.txt"), dir.path().join("same.txt"))
            .unwrap();
        let mut docs = Documents::open(&[dir.path().to_path_buf()], InputFormat::Text).unwrap();
        let texts: Vec<String> = docs.by_ref().map(|d| d.unwrap().text).collect();
        assert_eq!(texts, ["Talks resumed.", "Talks stalled."]);
        // The link to a directory is named, so that the articles behind it are not lost
        // without a word.
        let notes = docs.notes().join("\n");
        assert!(
            notes.contains("back: a link to a directory, not followed (name it to read it)"),
            "{notes}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn entries_that_are_not_files_are_skipped_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.txt", b"Talks resumed.");
        std::os::unix::fs::symlink(dir.path().join("gone.txt"), dir.path().join("b.txt")).unwrap();
        // A named pipe: opening it would wait for a writer, so it is not opened.
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join("c.txt"))
            .status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
        let mut docs = Documents::open(&[dir.path().to_path_buf()], InputFormat::Text).unwrap();
        let texts: Vec<String> = docs.by_ref().map(|d| d.unwrap().text).collect();
        assert_eq!(texts, ["Talks resumed."]);
        let notes = docs.notes().join("\n");
        assert!(
            notes.contains("skipped 2 directory entries (the first:"),
            "{notes}"
        );
        assert!(notes.contains("b.txt: No such file"), "{notes}");
        assert!(!notes.contains("c.txt"), "only the first is named: {notes}");

        // With nothing else to read, the directory's error says why.
        std::fs::remove_file(dir.path().join("a.txt")).unwrap();
        std::fs::remove_file(dir.path().join("c.txt")).unwrap();
        let Err(err) = Documents::open(&[dir.path().to_path_buf()], InputFormat::Text) else {
            panic!("a directory holding only a broken link was accepted");
        };
        let err = err.to_string();
        assert!(err.contains("no *.txt files"), "{err}");
        assert!(err.contains("one entry was skipped"), "{err}");
        assert!(err.contains("b.txt: No such file"), "{err}");
    }
}
