//! `aimsgate`: the command line. It parses arguments, calls the libraries
//! and prints; every decision lives in `aimsgate_compiler` and
//! `aimsgate_engine`.
//!
//! Each subcommand is a module under `command/` holding its arguments and
//! its `run`; `common` holds what several of them share. This file only
//! parses, dispatches and turns errors into exit codes.
//!
//! Exit codes: 0 success, 1 policy or input errors (and warnings under
//! `check --strict`), 2 usage errors.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::command::{
    check, compile, controls, detectors, eval, evidence, explain, import, keygen, oscal, scan,
    schema, soa,
};
#[cfg(feature = "harness")]
use crate::command::{replay, test};
use crate::common::Reported;

mod command;
mod common;

#[derive(Parser)]
#[command(
    name = "aimsgate",
    version,
    about = "Compile, check and test AI governance policies for the aimsgate filter"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a policy; diagnostics name file:line:column.
    Check(check::CheckArgs),
    /// Compile a policy into a rule set for the filter.
    Compile(compile::CompileArgs),
    /// Make a key pair for signing rule sets (`compile --sign`).
    Keygen(keygen::KeygenArgs),
    /// Write the Statement of Applicability.
    Soa(soa::SoaArgs),
    /// Export OSCAL JSON: catalog, profile, component definition, system
    /// security plan, assessment plan and results.
    Oscal(oscal::OscalArgs),
    /// Audit evidence: verify event chains, report per control.
    Evidence(evidence::EvidenceArgs),
    /// Show what the policy decides for a text or a recorded request.
    Explain(explain::ExplainArgs),
    /// Backtest a policy over recorded traffic (JSONL), one decision per line.
    Scan(scan::ScanArgs),
    /// Measure detection on labelled data: recall, false positives, spans,
    /// throughput; exit 1 when a target is missed.
    Eval(eval::EvalArgs),
    /// Import another tool's rules as a policy.
    Import(import::ImportArgs),
    /// Print a JSON Schema: the policy's (for editors) or the audit event's.
    Schema(schema::SchemaArgs),
    /// List the control catalogue.
    Controls(controls::ControlsArgs),
    /// List the built-in detectors.
    Detectors,
    /// Replay recorded exchanges through the real filter.wasm in the
    /// proxy-wasm harness; print what the client and the upstream saw.
    #[cfg(feature = "harness")]
    Replay(replay::ReplayArgs),
    /// Run policy tests (YAML) through the real filter.wasm.
    #[cfg(feature = "harness")]
    Test(test::TestArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<Reported>() => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Check(args) => check::run(args),
        Command::Compile(args) => compile::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Soa(args) => soa::run(args),
        Command::Oscal(args) => oscal::run(args),
        Command::Evidence(args) => evidence::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Import(args) => import::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Controls(args) => controls::run(args),
        Command::Detectors => detectors::run(),
        #[cfg(feature = "harness")]
        Command::Replay(args) => replay::run(args),
        #[cfg(feature = "harness")]
        Command::Test(args) => test::run(args),
    }
}
