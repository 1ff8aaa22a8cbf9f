//! Helpers shared by the integration tests.
// Each test crate compiles this module on its own and uses only some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A path in the repository, such as `data/train.csv` or `models/stance.json`.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A file under `tests/data` (or the directory itself for `""`).
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The `stance` binary, with `STANCE_MODEL` cleared so tests never pick up a user's model.
pub fn stance() -> Command {
    let mut cmd = Command::cargo_bin("stance").unwrap();
    cmd.env_remove("STANCE_MODEL");
    cmd
}

/// Trains the fixture model (`tests/data/train_small.csv`, defaults, `--min-df 1`, fixed seed)
/// into `dir` and returns its path.
pub fn fixture_model(dir: &Path) -> PathBuf {
    let out = dir.join("model.json");
    stance()
        .args(["train", "--min-df", "1", "--out"])
        .arg(&out)
        .arg(data("train_small.csv"))
        .assert()
        .success();
    out
}

/// Runs a command that must succeed and returns its standard output.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}
