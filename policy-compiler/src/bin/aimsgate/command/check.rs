//! `aimsgate check`: validate a policy and print its diagnostics, with
//! file:line:column, for people, scripts (JSON) or code scanning (SARIF).

use std::path::{Path, PathBuf};

use aimsgate_compiler::diagnostics::Diagnostics;
use aimsgate_compiler::{policy, sarif};
use anyhow::Result;
use clap::ValueEnum;

use crate::common::{Reported, read};

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Policy file (YAML or JSON).
    policy: PathBuf,
    /// Fail on warnings too.
    #[arg(long)]
    strict: bool,
    /// The date review dates are held against (YYYY-MM-DD; default: today,
    /// UTC).
    #[arg(long)]
    today: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiagFormat::Human)]
    format: DiagFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiagFormat {
    Human,
    Plain,
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

pub fn run(args: CheckArgs) -> Result<()> {
    let CheckArgs {
        policy: path,
        strict,
        today,
        format,
    } = args;
    let text = read(&path)?;
    let today = match today {
        Some(day) if policy::compile::is_date(&day) => day,
        Some(day) => anyhow::bail!("--today `{day}` is not a YYYY-MM-DD date"),
        None => aimsgate_compiler::time::now_rfc3339()[..10].to_owned(),
    };
    let (compiled, report) =
        policy::check_reviews(&path.display().to_string(), &text, Some(&today));
    print_report(&report, &path, format)?;
    let failed = compiled.is_none() || (strict && report.warnings() > 0);
    if !matches!(format, DiagFormat::Json | DiagFormat::Sarif) {
        let verdict = if failed { "FAILED" } else { "ok" };
        eprintln!(
            "{}: {verdict} ({} error(s), {} warning(s){})",
            path.display(),
            report.errors(),
            report.warnings(),
            if strict { ", strict" } else { "" }
        );
    }
    if failed { Err(Reported.into()) } else { Ok(()) }
}

fn print_report(report: &Diagnostics, path: &Path, format: DiagFormat) -> Result<()> {
    match format {
        DiagFormat::Human => eprint!("{}", report.render_fancy()),
        DiagFormat::Plain => eprint!("{}", report.render_plain()),
        DiagFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
        ),
        DiagFormat::Sarif => {
            let artifact = sarif::Artifact::locate(path, &std::env::current_dir()?);
            println!(
                "{}",
                serde_json::to_string_pretty(&sarif::log(report, &artifact)).unwrap_or_default()
            );
        }
    }
    Ok(())
}
