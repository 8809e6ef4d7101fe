//! Audit evidence: one event per governed phase, hash-chained per VM.
//!
//! ISO/IEC 42001 asks for evidence that controls *operate* (A.6.2.6
//! monitoring, A.6.2.8 event logs). Every runtime (the proxy-wasm filter,
//! the edge build, the CLI) builds the same [`AuditEvent`] from a
//! [`Decision`](crate::decision::Decision) — rule and control ids, detector
//! ids and offsets, never the matched text — and seals it into a [`Chain`]:
//! each event carries its chain id, a sequence number and the previous
//! event's digest, and ends with its own digest, so a removed, altered or
//! reordered event is detectable with nothing but the log.
//!
//! The wire form is one JSON object per line. Attribute names follow the
//! OpenTelemetry semantic conventions where one exists (`gen_ai.*`,
//! `user.id`, `server.address`) and live under `aimsgate.*` otherwise, so
//! an event maps one-to-one onto an OTLP log record's attributes.

mod build;
mod event;
mod seal;

pub use build::{Subject, decision_event, event_time};
pub use event::{
    AuditEvent, BlockRecord, Checkpoint, HitRecord, RuleRecord, SeqRange, Witness, names,
};
pub use seal::{Chain, GENESIS, OpenError, Opened, Sealed, fingerprint, open};

/// Schema id every event carries in its first member. Bumped when a field
/// changes meaning; new optional fields keep it.
pub const SCHEMA: &str = "aimsgate.audit/1";

/// Hits listed per event at most; the rest are counted in
/// `aimsgate.hits_omitted`.
pub const MAX_HIT_RECORDS: usize = 256;

/// What a log line must contain for [`open`] to find an event in it (the
/// proxy prefixes its own fields to plugin log lines).
pub const MARKER: &str = "{\"schema\":\"aimsgate.audit/";
