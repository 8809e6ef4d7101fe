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

mod anchor;
mod build;
mod event;
mod parts;
mod seal;
mod trail;

pub use anchor::{IMPRINT_DOMAIN, granted, imprint, timestamp_request};
pub use build::{GEN_AI_PROVIDER_NAMES, Subject, decision_event, event_time};
pub use event::{
    Anchor, AuditEvent, BlockRecord, Checkpoint, HitRecord, MARKER, MAX_HIT_RECORDS, RuleRecord,
    SCHEMA, SeqRange, Witness, names,
};
pub use parts::{Joined, Joiner, PART_MARKER, split};
pub use seal::{Chain, GENESIS, OpenError, Opened, Sealed, fingerprint, open};
pub use trail::{MAX_DROPPED_RANGES, Trail};
