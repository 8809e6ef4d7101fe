//! `aimsgate oscal`: the policy, its Statement of Applicability and its
//! runtime evidence as NIST OSCAL JSON (see `aimsgate_compiler::oscal`).

use std::path::PathBuf;

use aimsgate_compiler::{oscal, soa};
use anyhow::{Context as _, Result, bail};
use clap::ValueEnum;

use crate::common::{compiled, write_output};

#[derive(clap::Args)]
pub struct OscalArgs {
    /// Which document: `all` writes the six side by side into `-o DIR`.
    #[arg(value_enum)]
    kind: Kind,
    /// Policy file.
    policy: PathBuf,
    /// Audit events (proxy log or OTLP export): needed by `ar` (and `all`,
    /// which writes `ar` only with them).
    #[arg(long)]
    evidence: Option<PathBuf>,
    /// Output file (`all`: the directory); default: standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Checkpoint keys and TSA certificate the evidence's verification uses.
    #[command(flatten)]
    trust: super::evidence::Trust,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// The control catalogue (`catalog.json`).
    Catalog,
    /// The applicable controls (`profile.json`).
    Profile,
    /// The rules (`component-definition.json`).
    Component,
    /// The SoA as a system security plan (`ssp.json`).
    Ssp,
    /// The assessment plan (`assessment-plan.json`).
    Ap,
    /// The evidence report as assessment results (`assessment-results.json`).
    Ar,
    /// All of them, into a directory.
    All,
}

pub fn run(args: OscalArgs) -> Result<()> {
    let OscalArgs {
        kind,
        policy: path,
        evidence: events_path,
        output,
        trust,
    } = args;
    let compiled = compiled(&path)?;
    let now = aimsgate_compiler::time::now_rfc3339();
    let mut statement = soa::build(&compiled, &now);
    let mut events_hash = None;
    if let Some(events_path) = &events_path {
        let bytes = std::fs::read(events_path)
            .with_context(|| format!("cannot read {}", events_path.display()))?;
        events_hash = Some(aimsgate_engine::ruleset::Digest::of(&bytes).to_hex());
        super::evidence::attach_to_statement(&mut statement, &compiled, events_path, &trust)?;
    }
    let events_name = events_path
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let document = |kind: Kind| -> Option<serde_json::Value> {
        Some(match kind {
            Kind::Catalog => oscal::catalog(&now),
            Kind::Profile => oscal::profile(&statement, &now),
            Kind::Component => oscal::component_definition(&compiled, &statement, &now),
            Kind::Ssp => oscal::ssp(&statement, &now),
            Kind::Ap => oscal::assessment_plan(&statement, &now),
            Kind::Ar => {
                oscal::assessment_results(&statement, &events_name, events_hash.as_deref()?, &now)
            }
            Kind::All => return None,
        })
    };
    let text = |value: serde_json::Value| {
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    };
    if kind != Kind::All {
        let Some(value) = document(kind) else {
            bail!("`oscal ar` needs --evidence: the audit events it reports on");
        };
        write_output(output.as_deref(), text(value).as_bytes())?;
        if let Some(output) = &output {
            eprintln!("wrote {}", output.display());
        }
        return Ok(());
    }
    let Some(dir) = output else {
        bail!("`oscal all` writes six files: give the directory with -o");
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let kinds = [
        Kind::Catalog,
        Kind::Profile,
        Kind::Component,
        Kind::Ssp,
        Kind::Ap,
        Kind::Ar,
    ];
    for (kind, (_, file)) in kinds.into_iter().zip(oscal::FILES) {
        let Some(value) = document(kind) else {
            eprintln!("skipped {file}: no --evidence");
            continue;
        };
        let path = dir.join(file);
        std::fs::write(&path, text(value))
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
