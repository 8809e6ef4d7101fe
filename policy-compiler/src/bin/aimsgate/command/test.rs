//! `aimsgate test`: run policy tests (YAML) through the real filter.wasm;
//! exit 1 when any fails. The work is in `command::harness`.

use std::path::PathBuf;

use anyhow::Result;

use crate::command::harness;
use crate::common::Reported;

#[derive(clap::Args)]
pub struct TestArgs {
    /// Test files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The filter module.
    #[arg(long, default_value = harness::DEFAULT_FILTER)]
    filter: PathBuf,
    /// Also write a JUnit XML report here.
    #[arg(long)]
    junit: Option<PathBuf>,
}

pub fn run(args: TestArgs) -> Result<()> {
    let TestArgs {
        files,
        filter,
        junit,
    } = args;
    // The harness has printed each failure already; only the exit code is left.
    if harness::test_command(&files, &filter, junit.as_deref())? {
        Ok(())
    } else {
        Err(Reported.into())
    }
}
