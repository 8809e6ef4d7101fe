//! `aimsgate schema`: print a JSON Schema, the policy file's (for editors)
//! or one audit event's.

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
}

pub fn run(args: SchemaArgs) -> Result<()> {
    let schema = match args.which {
        SchemaKind::Policy => schemars::schema_for!(aimsgate_compiler::policy::Policy),
        SchemaKind::AuditEvent => aimsgate_compiler::evidence::event_schema(),
    };
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(())
}
