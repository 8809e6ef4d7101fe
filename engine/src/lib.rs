//! # aimsgate-engine
//!
//! Everything aimsgate decides about a request or a response lives here, so
//! that the proxy-wasm filter, the edge build and the native CLI behave
//! identically. The crate is pure Rust with no I/O and builds for native
//! targets and `wasm32`.
//!
//! The pipeline, per phase of an exchange:
//!
//! 1. [`codec`] decodes the body of an LLM API (OpenAI, Anthropic, Gemini,
//!    JSON or SSE) into [`codec::Segment`]s: the strings the model sees,
//!    JSON escapes resolved, each tied to the bytes it came from;
//! 2. [`normalize`] folds what a human would read the same way (invisible
//!    and tag characters, compatibility forms, confusables) and keeps a map
//!    back to the original offsets;
//! 3. [`detect`] runs every detector of the phase in one pass: one
//!    Aho-Corasick automaton for all literals, a regex set for patterns that
//!    always run, keyword-gated regexes only when their keyword occurred,
//!    validators (Luhn, IBAN mod-97, entropy…) on candidates;
//! 4. [`decision`] evaluates the rules' conditions over the hits and the
//!    request's facts and yields one [`decision::Decision`];
//! 5. [`redact`] rewrites the body: masked spans only, valid JSON, every
//!    other byte unchanged.
//!
//! The [`ruleset`] module defines the compiled, versioned rule set that the
//! policy compiler writes and every runtime loads.
#![deny(missing_docs)]

pub mod audit;
pub mod codec;
pub mod decision;
pub mod decode;
pub mod detect;
pub mod exchange;
pub mod flow;
pub mod inspect;
pub mod normalize;
pub mod redact;
pub mod reply;
pub mod ruleset;
pub mod stream;

pub use inspect::{Engine, EngineError, RequestContext, Routing};
