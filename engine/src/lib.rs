//! # aimsgate-engine
//!
//! Everything aimsgate decides about a request or a response lives here, so
//! that the proxy-wasm filter, the edge build and the native CLI behave
//! identically. The crate is pure Rust with no I/O and builds for native
//! targets and `wasm32`.
//!
//! The front doors are two: [`Engine`] (a loaded rule set: route, inspect a
//! body, build an audit event) and [`flow::Flow`] (the one walk of an
//! exchange that every runtime drives — the proxy-wasm filter, the edge
//! build and the CLI's `scan` and `explain` — so that all decide alike).
//!
//! The modules, lowest layer first; a module imports only from its own
//! layer and lower ones (`cargo xtask cycles` keeps the files free of
//! import loops):
//!
//! 0. [`codec`] decodes the body of an LLM API (OpenAI, Anthropic, Gemini;
//!    JSON, SSE framing and stream events) into [`codec::Segment`]s: the
//!    strings the model sees, JSON escapes resolved, each tied to the bytes
//!    it came from. [`normalize`] folds what a human would read the same way
//!    (invisible and tag characters, compatibility forms, confusables) and
//!    keeps a map back to the original offsets. [`decode`] undoes
//!    `content-encoding` within limits (or refuses). [`target`] gives each
//!    host one spelling and refuses paths in any but their plain one.
//! 1. [`ruleset`]: the compiled, versioned rule set the policy compiler
//!    writes and every runtime loads (binary and JSON forms, digests).
//! 2. [`detect`] runs every detector of the phase in one pass: one
//!    Aho-Corasick automaton for all literals, a regex set for patterns that
//!    always run, keyword-gated regexes only when their keyword occurred,
//!    validators (Luhn, IBAN mod-97, entropy…) on candidates; and works out
//!    how far back a match can start, for streaming.
//! 3. [`decision`] evaluates the rules' conditions over the hits and the
//!    request's facts and yields one [`decision::Decision`].
//! 4. [`redact`] rewrites the body (masked spans only, valid JSON, every
//!    other byte unchanged); [`reply`] writes a refusal in the API's own
//!    error format.
//! 5. [`inspect`]: the [`Engine`], routing and whole-body inspection.
//! 6. [`stream`] inspects and rewrites a response stream as it flows;
//!    [`audit`] builds and seals the audit event of a decision.
//! 7. [`flow`]: the walk of one exchange.
//!
//! Beside the layers, [`recording`] reads and writes recordings
//! (`aimsgate/exchange/v1`), the recorded traffic that `scan`, `replay` and
//! the tests feed through a flow.
#![deny(missing_docs)]

pub mod audit;
pub mod codec;
pub mod consult;
pub mod decision;
pub mod decode;
pub mod detect;
pub mod flow;
pub mod inspect;
pub mod normalize;
pub mod recording;
pub mod redact;
pub mod reply;
pub mod ruleset;
pub mod signing;
pub mod stream;
pub mod target;

pub use inspect::{Engine, EngineError, RequestContext, Routing};

// One engine serves every request of a proxy worker or a `scan` thread
// pool: it must stay shareable across threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
    assert_send_sync::<ruleset::RuleSet>();
};
