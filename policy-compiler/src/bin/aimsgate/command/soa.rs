//! `aimsgate soa`: write a policy's Statement of Applicability (Markdown,
//! JSON or HTML), optionally with each applied control's runtime evidence
//! from audit events.

use std::path::PathBuf;

use aimsgate_compiler::soa;
use anyhow::{Context as _, Result, anyhow};
use clap::ValueEnum;

use crate::common::{compiled, write_output};

#[derive(clap::Args)]
pub struct SoaArgs {
    /// Policy file.
    policy: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SoaFormat::Md)]
    format: SoaFormat,
    /// Output file (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Audit events (proxy log or OTLP export): show each applied
    /// control's runtime evidence.
    #[arg(long)]
    evidence: Option<PathBuf>,
    /// JUnit reports of `aimsgate test --junit` (repeatable): show, per
    /// control, the policy tests exercising its rules and how they ended
    /// (test-of-design evidence beside the operating evidence).
    #[arg(long = "tests", value_name = "REPORT_XML")]
    tests: Vec<PathBuf>,
    /// An earlier statement's JSON (`--format json`): list what changed
    /// since, control by control (the statement's revision record).
    #[arg(long, value_name = "SOA_JSON")]
    previous: Option<PathBuf>,
    /// Checkpoint keys and TSA certificate the evidence's verification uses.
    #[command(flatten)]
    trust: super::evidence::Trust,
}

#[derive(Clone, Copy, ValueEnum)]
enum SoaFormat {
    Md,
    Json,
    Html,
}

pub fn run(args: SoaArgs) -> Result<()> {
    let SoaArgs {
        policy: path,
        format,
        output,
        evidence: events,
        tests,
        previous,
        trust,
    } = args;
    let compiled = compiled(&path)?;
    let mut soa = soa::build(&compiled, &aimsgate_compiler::time::now_rfc3339());
    if let Some(events) = &events {
        super::evidence::attach_to_statement(&mut soa, &compiled, events, &trust)?;
    }
    if !tests.is_empty() {
        let mut cases = Vec::new();
        for path in &tests {
            let xml = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            cases.extend(
                aimsgate_compiler::junit::read(&xml)
                    .map_err(|e| anyhow!("{}: {e}", path.display()))?,
            );
        }
        let reports = tests.iter().map(|p| p.display().to_string()).collect();
        soa::attach_tests(&mut soa, &cases, reports);
    }
    if let Some(previous) = &previous {
        let text = std::fs::read_to_string(previous)
            .with_context(|| format!("cannot read {}", previous.display()))?;
        let earlier: soa::Soa = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a statement's JSON (`aimsgate soa --format json`)",
                previous.display()
            )
        })?;
        soa::attach_changes(&mut soa, &earlier);
    }
    let text = match format {
        SoaFormat::Md => soa::to_markdown(&soa),
        SoaFormat::Json => soa::to_json(&soa),
        SoaFormat::Html => soa::to_html(&soa),
    };
    write_output(output.as_deref(), text.as_bytes())?;
    if let Some(output) = &output {
        eprintln!("wrote {}", output.display());
    }
    Ok(())
}
