//! Detectors and the one-pass scanner.
//!
//! A [`Scanner`] is built once per rule set (at VM start in the filter) and
//! then scans each decoded, normalised string once for *all* detectors:
//!
//! * **one Aho-Corasick automaton** holds every literal: keyword-list words,
//!   canary values, and the keywords that gate regex detectors. It runs
//!   ASCII-case-insensitively with overlapping matches, so one pass reports
//!   every literal that occurs;
//! * **one regex set** holds the patterns that must always run (patterns
//!   with no necessary keyword, such as card numbers). The set says which
//!   patterns matched in one pass; only those are then run to locate spans;
//! * **keyword-gated regexes** (most secrets, injection phrasing, imported
//!   gitleaks rules) run only when one of their keywords occurred. They are
//!   compiled lazily, the first time a keyword sees them through, so that a
//!   rule set of hundreds of secret patterns starts a VM in milliseconds and
//!   pays for a pattern only on traffic that could match it;
//! * validators (checksums, entropy), context words and exceptions are
//!   checked on candidates only.
//!
//! Spans are reported in the coordinates of the *decoded* (pre-normalisation)
//! text, so redaction can mask exactly what the model would have read,
//! invisible characters inside a match included.
//!
//! Text hidden in an encoding (base64, hex, ROT13, escapes…) is decoded
//! within a per-body budget and scanned again by [`encoded::rescan`]; its
//! matches map back to the encoded run.

pub(crate) mod bounds;
pub mod builtin;
pub mod encoded;
pub mod phrases;
mod scanner;
pub mod validate;

pub use scanner::{BuildError, EMAIL_CONTEXT, Match, Scanner};
