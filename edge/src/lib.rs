//! # aimsgate-edge
//!
//! The aimsgate engine for edge workers — Cloudflare Workers (workerd),
//! Deno, Node — built for `wasm32-unknown-unknown` with a wasm-bindgen API,
//! and wrapped by the `@aimsgate/edge` npm package (`edge/js/`).
//!
//! It is the proxy-wasm filter's twin: both drive the engine's exchange
//! flow (`aimsgate_engine::flow`), so they route, refuse (same statuses,
//! same error bodies), redact, inspect streams and write audit events
//! (runtime `aimsgate-edge/<version>`, one per governed phase) alike.
//! Every rule of behaviour is the engine's; this crate only adapts the
//! flow to a runtime that hands over whole requests and response streams
//! instead of proxy callbacks:
//!
//! - [`Guard`] holds the engine, the options, usage budgets (in memory,
//!   per guard) and the audit chain; [`Guard::inspect_request`] returns a
//!   [`Verdict`] and the [`Exchange`] that carries the request's facts to
//!   the response phase;
//! - [`Exchange::response_head`] decides how a response body is treated,
//!   [`Exchange::response_body`] inspects a JSON body whole,
//!   [`Exchange::transform`] / [`Exchange::flush`] inspect an SSE stream
//!   as it flows (they back a JS `TransformStream`);
//! - the `js` module is the wasm-bindgen surface (`Guard`, `Exchange`
//!   classes in JS), a thin conversion layer over the above.
//!
//! Differences from the filter, each by necessity and documented where it
//! happens: a refused request never reaches the upstream at all; a refused
//! JSON response gets the refusal's status (the guard still holds the
//! response head); compressed request bodies are refused with 415 (the
//! module carries no decompressors — runtimes' `fetch` already decodes
//! responses).
//!
//! Nothing here panics on input: no unwrap on external data, and the
//! engine fails closed with a decision instead of an error.
//!
//! ```
//! use aimsgate_edge::{Guard, Request, Verdict};
//!
//! // A guard whose rule set does not load refuses every request: fail
//! // closed, with an audit event saying why.
//! let guard = Guard::new(b"not a rule set", "", || 0, "chain-1".to_owned());
//! assert!(guard.load_error().is_some());
//! let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
//! let result = guard.inspect_request(&Request {
//!     method: "POST",
//!     host: "api.openai.com",
//!     path: "/v1/chat/completions",
//!     headers: &headers,
//!     body: br#"{"model":"gpt-4o","messages":[]}"#,
//! });
//! let Verdict::Refuse(reply) = result.verdict else { panic!("must refuse") };
//! assert_eq!(reply.status, 503);
//! assert_eq!(guard.take_events().len(), 2); // chain start, the refusal
//! ```
#![deny(missing_docs)]

pub mod audit;
pub mod exchange;
pub mod guard;
mod js;
pub mod options;
mod state;

pub use audit::{AnchorCall, RUNTIME, Recorded};
pub use exchange::{
    BodyMode, BodyResult, ClassifierCall, Exchange, Head, RESPONSE_DECISION_HEADER, Reply, Request,
    ResponseResult, Verdict,
};
pub use guard::{Guard, RequestResult};
pub use options::{AnchorOptions, Options};
pub use state::Clock;
