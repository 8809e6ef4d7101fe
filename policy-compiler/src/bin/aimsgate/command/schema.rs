//! `aimsgate schema`: print a JSON Schema, the policy file's (for editors),
//! one audit event's, or that of the evidence report's or the Statement of
//! Applicability's JSON.

use anyhow::Result;
use clap::ValueEnum;

#[derive(clap::Args)]
pub struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum, default_value_t = SchemaKind::Policy)]
    which: SchemaKind,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    /// The policy file.
    Policy,
    /// One audit event.
    AuditEvent,
    /// The evidence report (`aimsgate evidence report --format json`).
    EvidenceReport,
    /// The Statement of Applicability (`aimsgate soa --format json`).
    Soa,
}

pub fn run(args: SchemaArgs) -> Result<()> {
    let schema = match args.which {
        SchemaKind::Policy => schemars::schema_for!(aimsgate_compiler::policy::Policy),
        SchemaKind::AuditEvent => aimsgate_compiler::evidence::event_schema(),
        SchemaKind::EvidenceReport => aimsgate_compiler::evidence::report::json_schema(),
        SchemaKind::Soa => aimsgate_compiler::soa::json_schema(),
    };
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(())
}
