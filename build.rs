//! Embeds `models/stance.json` into the binary so that `stance classify` works from any
//! directory without `--model`. If the file is missing (a first bootstrap, before any model
//! was trained), an empty string is embedded and the CLI asks for `--model` instead.

use std::path::Path;

fn main() {
    let model = Path::new("models/stance.json");
    println!("cargo:rerun-if-changed=models/stance.json");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("default_model.json");
    let body = std::fs::read_to_string(model).unwrap_or_default();
    std::fs::write(out, body).expect("OUT_DIR is writable");
}
