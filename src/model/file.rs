//! The model file: its JSON layout, versions and checks, and how it is read and written
//! (atomically, so that a failed or interrupted `train` never damages the model a user
//! already had).

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::context::{ContextModel, Link};
use crate::corpus::Stance;
use crate::error::{Error, Result};
use crate::features::{FeatureConfig, Featurizer, FeaturizerSpec};
use crate::source::{MAX_MODEL_BYTES, read_whole};

use super::{StanceModel, TrainingInfo};

/// The model file format this build writes. Version 2 added document context, version 3 its
/// tables for each kind of link between sentences. Older files are still read: version 2 as
/// context with one table for every link, version 1 as models without context.
pub const FORMAT_VERSION: u32 = 3;

/// Largest weight or intercept a model file may hold. Training with any alpha the search
/// tries gives weights under 10 (the shipped model's largest is about 4).
const MAX_WEIGHT: f32 = 1e6;
/// The oldest model file format this build reads.
const OLDEST_FORMAT_VERSION: u32 = 1;

/// The JSON layout of a model file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    format_version: u32,
    labels: Vec<Stance>,
    features: FeaturizerSpec,
    /// One row per feature, one column per label.
    weights: Vec<Vec<f32>>,
    intercepts: Vec<f32>,
    /// Absent in version 1 files: no context.
    #[serde(default)]
    context: Option<ContextFile>,
    training: TrainingInfo,
}

/// The JSON layout of a model's document context ([`ContextModel`], whose fields it names
/// as the file does). Its tables are read as lists and their lengths checked afterwards
/// ([`ContextFile::into_model`]): read as fixed arrays, a list one value too long failed
/// with serde's "trailing characters at line 1 column N".
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextFile {
    transitions: Vec<Vec<f32>>,
    /// Absent in version 2 files (one table for every link), required in version 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    by_link: Option<Vec<Vec<Vec<f32>>>>,
    prior: Vec<f32>,
    pairs: usize,
}

impl From<ContextModel> for ContextFile {
    fn from(c: ContextModel) -> Self {
        let table = |t: [[f32; 3]; 3]| t.iter().map(|row| row.to_vec()).collect();
        ContextFile {
            transitions: table(c.transitions),
            by_link: c
                .by_link
                .map(|tables| tables.into_iter().map(table).collect()),
            prior: c.label_shares.to_vec(),
            pairs: c.pairs,
        }
    }
}

impl ContextFile {
    /// The context, once every list is checked to have its fixed length; the error says
    /// which list and how long it is.
    fn into_model(self) -> std::result::Result<ContextModel, String> {
        let by_link = match self.by_link {
            Some(tables) => {
                let tables: [Vec<Vec<f32>>; 4] = tables.try_into().map_err(|t: Vec<_>| {
                    format!(
                        "context.by_link has {} tables, expected {} (one per kind of link: {})",
                        t.len(),
                        Link::ALL.len(),
                        Link::ALL.map(Link::name).join(", ")
                    )
                })?;
                let mut out = [[[0.0; 3]; 3]; 4];
                for ((slot, table), link) in out.iter_mut().zip(tables).zip(Link::ALL) {
                    *slot = label_table(
                        table,
                        &format!("context.by_link table {} ({})", link as usize, link.name()),
                    )?;
                }
                Some(out)
            }
            None => None,
        };
        Ok(ContextModel {
            transitions: label_table(self.transitions, "context.transitions")?,
            by_link,
            label_shares: per_label(self.prior, "context.prior")?,
            pairs: self.pairs,
        })
    }
}

/// A table of one row per label, each of one value per label; `what` names it in errors.
fn label_table(rows: Vec<Vec<f32>>, what: &str) -> std::result::Result<[[f32; 3]; 3], String> {
    let rows: [Vec<f32>; 3] = rows.try_into().map_err(|rows: Vec<_>| {
        format!("{what} has {} rows, expected 3 (one per label)", rows.len())
    })?;
    let mut out = [[0.0; 3]; 3];
    for (i, (slot, row)) in out.iter_mut().zip(rows).enumerate() {
        *slot = per_label(row, &format!("{what} row {i}"))?;
    }
    Ok(out)
}

/// One value per label; `what` names the list in errors.
fn per_label(values: Vec<f32>, what: &str) -> std::result::Result<[f32; 3], String> {
    values
        .try_into()
        .map_err(|v: Vec<f32>| format!("{what} has {} values, expected 3 (one per label)", v.len()))
}

/// Only the version, read first so that a newer file gets a clear message rather than a
/// confusing field error.
#[derive(Deserialize)]
struct VersionProbe {
    format_version: Option<serde_json::Value>,
}

/// How messages name the model compiled into the binary.
const BUILTIN_NAME: &str = "<built-in model>";

impl StanceModel {
    /// The model compiled into the crate ([`crate::BUILTIN_MODEL_JSON`]), which `classify`
    /// and `evaluate` use when no model is named.
    ///
    /// Returns an error if the crate was built before any model was trained.
    pub fn builtin() -> Result<Self> {
        if crate::BUILTIN_MODEL_JSON.is_empty() {
            return Err(Error::Model {
                path: BUILTIN_NAME.into(),
                message: "this binary was built without models/stance.json; pass --model".into(),
            });
        }
        StanceModel::from_json(crate::BUILTIN_MODEL_JSON, BUILTIN_NAME)
    }

    /// Serialises the model to JSON.
    pub fn to_json(&self) -> String {
        let k = self.labels.len();
        let file = ModelFile {
            format_version: FORMAT_VERSION,
            labels: self.labels.clone(),
            features: self.featurizer.spec().clone(),
            weights: self.weights.chunks(k).map(<[f32]>::to_vec).collect(),
            intercepts: self.intercepts.clone(),
            context: self.context.map(ContextFile::from),
            training: self.info.clone(),
        };
        serde_json::to_string(&file).expect("a model always serialises")
    }

    /// Parses a model from JSON; `name` is used in error messages.
    ///
    /// Returns an error if the text is not JSON, the version is unknown, a field is missing,
    /// or the weights disagree in shape with the vocabulary or labels.
    pub fn from_json(json: &str, name: &str) -> Result<Self> {
        let bad = |message: String| Error::Model {
            path: name.into(),
            message,
        };
        // Notepad and some other editors put a byte-order mark before the text they save.
        let json = json.strip_prefix('\u{FEFF}').unwrap_or(json);
        check_opening(json).map_err(bad)?;
        let probe: VersionProbe =
            serde_json::from_str(json).map_err(|e| bad(format!("invalid JSON: {e}")))?;
        check_version(probe.format_version).map_err(bad)?;
        let file: ModelFile = serde_json::from_str(json).map_err(|e| bad(format!("{e}")))?;
        check_labels(&file.labels).map_err(bad)?;
        let weights = check_weights(
            file.weights,
            &file.intercepts,
            file.labels.len(),
            file.features.features.len(),
        )
        .map_err(bad)?;
        let context = check_context(file.context, file.format_version).map_err(bad)?;
        check_training_info(&file.training, &file.labels).map_err(bad)?;
        // The featurizer's errors are about the file here, not about parameters.
        let featurizer = Featurizer::from_spec(file.features).map_err(|e| match e {
            Error::Param(message) => bad(message),
            e => bad(e.to_string()),
        })?;
        // After the featurizer's own checks, which say more about an option that contradicts
        // the vocabulary.
        if let Some(params) = &file.training.params {
            check_config_as_trained(&featurizer.spec().config, &params.features).map_err(bad)?;
        }
        Ok(StanceModel {
            featurizer,
            labels: file.labels,
            weights,
            intercepts: file.intercepts,
            context,
            info: file.training,
        })
    }

    /// Loads a model file.
    ///
    /// Returns an error if the file cannot be read or is not a usable model, and a usage
    /// error for `-`: standard input is where `classify` and `evaluate` read their data, and
    /// a file named `-` can be given as `./-`.
    pub fn load(path: &Path) -> Result<Self> {
        if path.as_os_str() == "-" {
            return Err(Error::Usage(
                "a model is read from a file, not from standard input (`-`); give its path \
                 (`./-` for a file named `-`)"
                    .into(),
            ));
        }
        let name = crate::source::path_name(path);
        let file = std::fs::File::open(path).map_err(|e| crate::source::open_error(&name, e))?;
        let bytes = read_whole(
            file,
            &name,
            MAX_MODEL_BYTES,
            "this is not a stance model file",
        )?;
        // A model saved as UTF-16 (Windows PowerShell 5's `>` writes it) used to fail as "not
        // UTF-8 text (invalid utf-8 sequence ... from index 17986)"; the readers of data files
        // name it, and compressed or binary files, the same way.
        if let Some(message) = crate::source::encoding_hint(&bytes) {
            return Err(Error::Model {
                path: name,
                message,
            });
        }
        let json = std::str::from_utf8(&bytes).map_err(|e| Error::Model {
            path: name.clone(),
            message: format!("not UTF-8 text ({e})"),
        })?;
        StanceModel::from_json(json, &name)
    }

    /// Writes the model atomically: to a temporary file in the same directory, synced to
    /// disk, then renamed over `path`. On any error the previous file is untouched.
    pub fn save(&self, path: &Path) -> Result<()> {
        let name = crate::source::path_name(path);
        let path = &through_link(path);
        let mut tmp = temp_file_beside(path)?;
        // Temporary files are private (0600); give the model the permissions of the file it
        // replaces, or those of an ordinary new file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode());
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(|e| Error::io(&name, e))?;
        }
        tmp.write_all(self.to_json().as_bytes())
            .and_then(|_| tmp.write_all(b"\n"))
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| Error::io(&name, e))?;
        tmp.persist(path).map_err(|e| Error::io(&name, e.error))?;
        Ok(())
    }
}

/// Refuses a file that cannot be a model before parsing it: serde would call an empty file
/// "EOF while parsing" and anything but an object "expected struct VersionProbe".
fn check_opening(json: &str) -> std::result::Result<(), String> {
    if json.is_empty() {
        return Err("file is empty".into());
    }
    if json.trim().is_empty() {
        return Err("file holds only white space".into());
    }
    if !json.trim_start().starts_with('{') {
        return Err("does not start with a JSON object, as a stance model file does".into());
    }
    Ok(())
}

/// Checks the version a model file states (`None`: no `format_version` key): an integer
/// this build reads. The error says what was found.
fn check_version(version: Option<serde_json::Value>) -> std::result::Result<(), String> {
    let known = OLDEST_FORMAT_VERSION as u64..=FORMAT_VERSION as u64;
    let unknown = |v: &dyn std::fmt::Display| {
        format!(
            "unknown format_version {v} (this build of stance reads versions \
             {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION})"
        )
    };
    let v = match version {
        None => return Err("no format_version field".into()),
        Some(serde_json::Value::Number(v)) => v,
        Some(v) => {
            return Err(format!(
                "format_version must be written as an integer, such as {FORMAT_VERSION}, got {v}"
            ));
        }
    };
    if v.as_u64().is_some_and(|v| known.contains(&v)) {
        return Ok(());
    }
    // serde_json keeps numbers as written (`arbitrary_precision`): `-1` and
    // `1000000000000000000000000000000` are integers, just not versions this build knows.
    let text = v.to_string();
    let digits = text.strip_prefix('-').unwrap_or(&text);
    let integer = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    // A whole number written otherwise (`1e30`, `7.0`) is no version either; a known one so
    // written (`3.0`), or a fraction, is asked for as an integer.
    let other_whole = v.as_f64().is_some_and(|x| {
        x.is_infinite() || (x.fract() == 0.0 && !(x >= 0.0 && known.contains(&(x as u64))))
    });
    if integer || other_whole {
        Err(unknown(&text))
    } else {
        Err(format!(
            "format_version must be written as an integer, such as {FORMAT_VERSION}, got {text}"
        ))
    }
}

/// Checks the labels: two or more, distinct, and in [`Stance::ALL`]'s order.
fn check_labels(labels: &[Stance]) -> std::result::Result<(), String> {
    let unique: std::collections::BTreeSet<_> = labels.iter().collect();
    if labels.len() < 2 || unique.len() != labels.len() {
        return Err(format!(
            "labels must be at least two distinct labels, got {labels:?}"
        ));
    }
    // Weight columns and intercepts follow `labels` by position, and training writes the
    // labels sorted. A list reordered by hand would silently swap every label.
    if !labels.is_sorted() {
        return Err(format!(
            "labels must be in the order {} (weights and intercepts are stored per label in \
             that order), got {labels:?}",
            Stance::ALL.map(Stance::as_str).join(", "),
        ));
    }
    Ok(())
}

/// Checks the weight rows (one per feature of `d`, one value per label of `k`) and the
/// intercepts (one per label), all finite and in range, and returns the weights flattened row
/// by row.
fn check_weights(
    rows: Vec<Vec<f32>>,
    intercepts: &[f32],
    k: usize,
    d: usize,
) -> std::result::Result<Vec<f32>, String> {
    if intercepts.len() != k {
        return Err(format!("{} intercepts for {k} labels", intercepts.len()));
    }
    if rows.len() != d {
        return Err(format!(
            "weights have {} rows but the vocabulary has {d} features",
            rows.len()
        ));
    }
    if let Some((row, w)) = rows.iter().enumerate().find(|(_, w)| w.len() != k) {
        return Err(format!(
            "weight row {row} has {} values, expected one per label ({k})",
            w.len()
        ));
    }
    let weights: Vec<f32> = rows.into_iter().flatten().collect();
    if weights.iter().chain(intercepts).any(|w| !w.is_finite()) {
        // Read as f32, a 1e300 in the file is infinite here as much as a NaN.
        return Err(
            "a weight or intercept is not a finite 32-bit number (NaN, infinite, or beyond \
             +-3.4e38)"
                .into(),
        );
    }
    // Scores add up weights, and weights near f32::MAX overflow to infinity and NaN, which
    // would give every sentence the same meaningless probabilities without an error.
    if let Some(w) = weights
        .iter()
        .chain(intercepts)
        .find(|w| w.abs() > MAX_WEIGHT)
    {
        return Err(format!(
            "weight {w:e} is out of range (a trained model's weights stay far inside \
             +-{MAX_WEIGHT:e})"
        ));
    }
    Ok(weights)
}

/// Reads and checks the document context of a `format_version` file, if it has one.
fn check_context(
    context: Option<ContextFile>,
    format_version: u32,
) -> std::result::Result<Option<ContextModel>, String> {
    let Some(context) = context.map(ContextFile::into_model).transpose()? else {
        return Ok(None);
    };
    // Version 3 added a table for each kind of link; without it (a key renamed or set to
    // null by hand) the pooled table would serve every link, and change the results.
    if format_version >= 3 && context.by_link.is_none() {
        return Err(format!(
            "context has no by_link tables; a format_version {format_version} file's context \
             has one for each kind of link ({})",
            Link::ALL.map(Link::name).join(", ")
        ));
    }
    context.check()?;
    Ok(Some(context))
}

/// Checks that the feature options a model applies (`features.config`) are those it was
/// trained with (`training.params.features`), where they change what a sentence's features
/// are: the weights fit only those. A hand-edited `cue_scale` of 0 took the shipped model from
/// macro-F1 0.888 to 0.605 without a word. `min_df` and `max_features` only shape training
/// (the budget may lower the cap the model applies), so they may differ.
fn check_config_as_trained(
    config: &FeatureConfig,
    trained: &FeatureConfig,
) -> std::result::Result<(), String> {
    // Compared as the file writes them, so that an option added later is compared too.
    let as_map = |c: &FeatureConfig| match serde_json::to_value(c) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (config, trained) = (as_map(config), as_map(trained));
    for (key, value) in &config {
        if ["min_df", "max_features"].contains(&key.as_str()) {
            continue;
        }
        if let Some(was) = trained.get(key).filter(|was| *was != value) {
            return Err(format!(
                "features.config.{key} is {value}, but the model was trained with {was} \
                 (training.params.features.{key}); its weights fit only the options it was \
                 trained with"
            ));
        }
    }
    Ok(())
}

/// Checks the training metadata `stance inspect` reports: cross-validation scores that a
/// run could have produced, and sentence counts only for the model's own labels.
fn check_training_info(info: &TrainingInfo, labels: &[Stance]) -> std::result::Result<(), String> {
    // Settings no training run could have used (alpha -5, max_iter 0) loaded, and `inspect`
    // printed them as the model's.
    if let Some(params) = &info.params {
        // Each error named by the path of its field in the file.
        let at = |path: &'static str| {
            move |e| match e {
                Error::Param(message) => format!("{path}.{message}"),
                e => e.to_string(),
            }
        };
        params
            .features
            .check()
            .map_err(at("training.params.features"))?;
        params.check().map_err(at("training.params"))?;
    }
    if let Some(cv) = &info.cross_validation {
        if cv.folds < 2 {
            return Err(format!(
                "training.cross_validation.folds is {}, expected at least 2 (cross-validation \
                 holds out one fold at a time)",
                cv.folds
            ));
        }
        // Each fold holds out at least one sentence.
        let sentences =
            (info.sentences_per_label.values()).fold(0usize, |n, c| n.saturating_add(*c));
        if sentences > 0 && cv.folds > sentences {
            return Err(format!(
                "training.cross_validation.folds is {}, more than the {sentences} training \
                 sentences of training.sentences_per_label",
                cv.folds
            ));
        }
        for (name, score) in [("accuracy", cv.accuracy), ("macro_f1", cv.macro_f1)] {
            if !(score.is_finite() && (0.0..=1.0).contains(&score)) {
                return Err(format!(
                    "training.cross_validation.{name} is {score}, expected a number from 0 to 1"
                ));
            }
        }
    }
    if let Some(key) = info
        .sentences_per_label
        .keys()
        .find(|key| !labels.iter().any(|l| l.as_str() == key.as_str()))
    {
        return Err(format!(
            "training.sentences_per_label counts {key:?}, which is not a label of the model \
             (its labels: {})",
            labels
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}

/// Checks that a model can be written to `path`, by creating (and removing) a temporary file
/// beside it. Called before training so that a bad `--out` fails in a second, not after a fit.
pub fn check_writable(path: &Path) -> Result<()> {
    if path == Path::new("-") {
        return Err(Error::Usage(
            "--out needs a file path: a model cannot be written to standard output (`-`)".into(),
        ));
    }
    // `newdir/` names a directory, whether or not it exists; its parent would pass the check
    // below and the fit would fail only when saving.
    if path.as_os_str().as_encoded_bytes().ends_with(b"/") {
        let name = crate::source::path_name(path);
        let advice = if path.components().as_path().is_file() {
            "drop the `/`".to_string()
        } else {
            format!("give a file path such as {name}model.json")
        };
        return Err(Error::Usage(format!(
            "--out `{name}` names a directory (it ends in `/`); {advice}"
        )));
    }
    temp_file_beside(&through_link(path)).map(drop)
}

/// The file a symbolic link points to, so that saving a model through `models/current.json ->
/// v3.json` replaces v3.json and keeps the link; other paths as they are. Links are followed
/// one at a time, since a link to a file not yet written (`current.json -> v4.json`) is
/// dangling, which `canonicalize` refuses; a loop is left to fail when the file is opened.
fn through_link(path: &Path) -> std::path::PathBuf {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINK_HOPS {
        let Ok(target) = std::fs::read_link(&path) else {
            break;
        };
        path = match path.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    path
}

/// Links followed at most, as Linux does (`ELOOP` after 40).
const MAX_LINK_HOPS: usize = 40;

/// Checks that writing a model to `out` destroys nothing but an older model: `out` must not be
/// the training data itself (`stance train data.csv -o data.csv`), nor an existing file that
/// is not a model file (a typo such as `-o notes.txt`). An empty file, or a file that starts
/// like a model file (even a damaged one), may be replaced.
pub fn check_replaceable(out: &Path, data: &Path) -> Result<()> {
    let name = crate::source::path_name(out);
    let refuse = |message: String| {
        Err(Error::File {
            path: name.clone(),
            message,
        })
    };
    let meta = match std::fs::metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(&name, e)),
        Ok(meta) => meta,
    };
    // A directory is reported by `check_writable`.
    if meta.is_dir() {
        return Ok(());
    }
    // Renaming a model over /dev/null or a named pipe would replace the device or the pipe
    // with a plain file.
    if !meta.is_file() {
        return refuse(
            "is not a regular file (a device, pipe or socket); a model can only replace a file \
             (choose another --out)"
                .into(),
        );
    }
    // A hard link to the data too: it shares the data's bytes, and was refused only as "not a
    // stance model file".
    if crate::source::same_file(out, data) {
        return refuse(
            "is the training data; writing the model there would destroy it (choose another --out)"
                .into(),
        );
    }
    // The atomic rename that saves a model would go round the protection users give a
    // model they mean to keep.
    if meta.permissions().readonly() {
        return refuse(
            "is read-only; refusing to replace it (make it writable first, or choose another \
             --out)"
                .into(),
        );
    }
    if is_empty_or_model_file(out, &meta).map_err(|e| Error::io(&name, e))? {
        return Ok(());
    }
    refuse(
        "exists and is not a stance model file; refusing to replace it (remove it first, or choose \
         another --out)"
            .into(),
    )
}

/// Whether the file at `path` is empty (white space only) or a model: a JSON object that opens with
/// a numeric `format_version` and then `labels` (as every model stance writes does, even one cut
/// short by a full disk, which is exactly what one retrains over), or a whole JSON object with a
/// numeric `format_version`, `labels` and `features` among its keys (a model re-saved with its keys
/// sorted, `jq -S`). Other tools' files name `format_version` too (Terraform's plans, as a string),
/// so the key alone is not enough. Only a file that starts like a JSON object and is no larger than
/// a model can be is read whole.
fn is_empty_or_model_file(path: &Path, meta: &std::fs::Metadata) -> std::io::Result<bool> {
    use std::io::Read;
    // Bytes read first, and the characters after any white space looked at (Python's
    // json.dump(indent=...) of a model starts with a line break).
    const HEAD_BYTES: u64 = 4096;
    const HEAD_CHARS: usize = 64;
    // A file of white space only up to this size counts as empty.
    const MAX_BLANK_BYTES: u64 = 1 << 20;
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(HEAD_BYTES)
        .read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{FEFF}').trim_start();
    let text: String = text.chars().take(HEAD_CHARS).collect();
    if text.is_empty() {
        // White space so far: empty if it is white space all through.
        if meta.len() > MAX_BLANK_BYTES {
            return Ok(false);
        }
        let bytes = std::fs::read(path)?;
        let text = String::from_utf8_lossy(&bytes);
        return Ok(text.trim_start_matches('\u{FEFF}').trim().is_empty());
    }
    let Some(body) = text.strip_prefix('{') else {
        return Ok(false);
    };
    // `{"format_version": 3, "labels"`, white space allowed between the tokens.
    let after_version = body
        .trim_start()
        .strip_prefix("\"format_version\"")
        .and_then(|rest| rest.trim_start().strip_prefix(':'))
        .map(|rest| rest.trim_start())
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .map(|rest| rest.trim_start_matches(|c: char| c.is_ascii_digit()))
        .and_then(|rest| rest.trim_start().strip_prefix(','));
    if after_version.is_some_and(|rest| rest.trim_start().starts_with("\"labels\"")) {
        return Ok(true);
    }
    if meta.len() > MAX_MODEL_BYTES {
        return Ok(false);
    }
    /// The keys that make a JSON object a stance model, whatever their order.
    #[derive(Deserialize)]
    #[allow(dead_code)] // Only their presence and types are checked.
    struct ModelKeys {
        format_version: serde_json::Number,
        labels: serde::de::IgnoredAny,
        features: serde::de::IgnoredAny,
    }
    let bytes = std::fs::read(path)?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(false);
    };
    let text = text.trim_start_matches('\u{FEFF}');
    Ok(serde_json::from_str::<ModelKeys>(text).is_ok())
}

fn temp_file_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let name = crate::source::path_name(path);
    if path.is_dir() {
        return Err(Error::File {
            path: name,
            message: "is a directory, expected a model file path".into(),
        });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".stance-model-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| {
            // tempfile adds `at path ".../.stance-model-XXXX.tmp"`, a name the user never
            // sees; the directory is named already.
            let message = e.to_string();
            let message = message.split(" at path \"").next().unwrap_or(&message);
            Error::File {
                path: format!("{name} (directory {})", dir.display()),
                message: message.to_string(),
            }
        })
}
