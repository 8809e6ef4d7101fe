//! Python virtualenvs with exactly a pinned, hashed requirements file:
//! what the edge SDK suite and the OSCAL validation run in.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::{output, run};

/// A virtualenv at `dir` (relative to `root`) with exactly the packages of
/// `requirements`, and its interpreter. Installing them takes a while, so
/// the venv is kept and made again only when the requirements or the
/// Python it was made with changed (a stamp in the venv records both).
/// Python is `python3` on PATH: without it (or its `venv` module) this
/// fails, never skips.
pub fn pinned(root: &Path, requirements: &Path, dir: &str) -> Result<PathBuf> {
    let pinned = std::fs::read_to_string(requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    let interpreter = output(Command::new("python3").arg("--version"))
        .context("Python 3 (python3 on PATH, with venv) is needed")?;
    let stamp_text = format!("{}\n{pinned}", interpreter.trim());
    let venv = root.join(dir);
    let python = venv.join("bin/python");
    let stamp = venv.join("aimsgate-requirements.stamp");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&stamp_text) {
        return Ok(python);
    }
    // Made afresh: nothing of an older pinned set stays installed.
    if venv.exists() {
        std::fs::remove_dir_all(&venv)
            .with_context(|| format!("cannot clear {}", venv.display()))?;
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv)).with_context(|| {
        format!(
            "cannot make the virtualenv {} (on Debian, `apt-get install python3-venv`)",
            venv.display()
        )
    })?;
    // --require-hashes: every package, dependencies included, must be the
    // pinned file; --only-binary: wheels only, no package's build code runs.
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--require-hashes",
            "--only-binary",
            ":all:",
            "-r",
        ])
        .arg(requirements))?;
    std::fs::write(&stamp, stamp_text)?;
    Ok(python)
}
