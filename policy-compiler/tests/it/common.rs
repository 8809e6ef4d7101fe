//! Helpers shared by the CLI tests: the repository root, the `aimsgate`
//! binary run from it, scratch directories, and the built filter.wasm.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `aimsgate` from the repository root: exit code, stdout, stderr.
pub fn aimsgate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aimsgate"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("aimsgate runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An empty directory of this test's own under target/.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target/aimsgate-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// filter.wasm, built once per test binary.
#[cfg(feature = "harness")]
pub fn filter() -> &'static PathBuf {
    static FILTER: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FILTER.get_or_init(|| aimsgate_host::build_wasm("aimsgate-filter").expect("filter.wasm builds"))
}

/// Validates `instance` against the JSON Schema in `schema` (a path from
/// the repository root), formats included; returns every error, each with
/// where it is.
pub fn schema_errors(schema: &str, instance: &serde_json::Value) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(schema)).expect("the schema file");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}
