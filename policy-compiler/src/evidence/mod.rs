//! Audit evidence after the fact: reading event logs, verifying their
//! chains, and turning them into reports for auditors.
//!
//! Events come from the proxy log (one per line, behind whatever prefix
//! the proxy writes) or from an OpenTelemetry Collector's file export
//! (OTLP/HTTP JSON, one export request per line, each event a log
//! record's string body). [`read()`] accepts both, mixed.

pub mod read;
pub mod report;
pub mod timestamp;
pub mod verify;

mod charts;
mod model;
mod report_html;
mod report_md;

pub use read::{Events, Location, Record, read, read_str};

/// The JSON Schema of one audit event (`aimsgate schema audit-event`).
pub fn event_schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(aimsgate_engine::audit::AuditEvent);
    schema.insert(
        "$id".to_owned(),
        "https://aimsgate.dev/schemas/audit-event.v1.schema.json".into(),
    );
    schema
}
