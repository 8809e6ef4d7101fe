//! Building wasm packages of this workspace for tests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::error::HostError;

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Builds `package` for `wasm32-wasip1` in release mode and returns the path of
/// its `.wasm`.
///
/// Runs `cargo build --release --target wasm32-wasip1 -p <package> --target-dir
/// <workspace>/target/wasm` once per process and package (later calls return the
/// first result). The separate target directory keeps this build from waiting on
/// the lock of the `cargo test` that runs the caller.
pub fn build_wasm(package: &str) -> Result<PathBuf, HostError> {
    /// One build per package; its result (the path, or cargo's complaint) is shared.
    type Builds = Mutex<HashMap<String, Arc<OnceLock<Result<PathBuf, String>>>>>;
    static BUILDS: OnceLock<Builds> = OnceLock::new();
    let once = {
        let mut builds = BUILDS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        builds.entry(package.to_owned()).or_default().clone()
    };
    once.get_or_init(|| run_cargo_build(package))
        .clone()
        .map_err(|reason| HostError::Build {
            package: package.to_owned(),
            reason,
        })
}

fn run_cargo_build(package: &str) -> Result<PathBuf, String> {
    let root = workspace_root();
    let target_dir = root.join("target").join("wasm");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip1",
            "-p",
            package,
            "--target-dir",
        ])
        .arg(&target_dir)
        // Flags meant for the host build (coverage, sanitizers) do not fit wasm.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let wasm = target_dir
        .join("wasm32-wasip1")
        .join("release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    if wasm.is_file() {
        Ok(wasm)
    } else {
        Err(format!("cargo succeeded but {} is missing", wasm.display()))
    }
}
