//! What several commands share: reading inputs, writing outputs, loading a
//! policy and its engine, and the error that means "already reported".
//!
//! This module sits below the commands: it never imports one.

use std::fs;
use std::io::Write;
use std::path::Path;

use aimsgate_compiler::policy::{self, compile::Compiled};
use aimsgate_compiler::scan;
use aimsgate_engine::Engine;
use aimsgate_engine::codec::Api;
use anyhow::{Context, Result, anyhow};

/// An error already reported to the user: exit 1 without more output.
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reported")
    }
}

impl std::error::Error for Reported {}

/// `--api`: an API by name, listing the known names when it is none.
pub fn parse_api(name: &str) -> Result<Api, String> {
    Api::from_name(name).ok_or_else(|| {
        format!(
            "unknown API `{name}`; one of: {}",
            scan::api_names().join(", ")
        )
    })
}

pub fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Writes to `path` (creating its directory) or, without one, to standard
/// output.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
        None => std::io::stdout()
            .write_all(bytes)
            .context("cannot write to standard output"),
    }
}

/// Loads and compiles a policy; on errors prints them and fails.
pub fn compiled(path: &Path) -> Result<Compiled> {
    let text = read(path)?;
    let (compiled, report) = policy::check(&path.display().to_string(), &text);
    match compiled {
        Some(compiled) => Ok(compiled),
        None => {
            eprint!("{}", report.render_fancy());
            eprintln!("error: {} has {} error(s)", path.display(), report.errors());
            Err(Reported.into())
        }
    }
}

pub fn engine_of(compiled: &Compiled) -> Result<Engine> {
    Engine::new(compiled.ruleset.clone()).map_err(|e| anyhow!("the rule set does not load: {e}"))
}
