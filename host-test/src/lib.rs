//! A [wasmtime] host of the proxy-wasm ABI 0.2.1 that behaves like Envoy.
//!
//! `aimsgate-host` runs a proxy-wasm filter (a `.wasm` module built with the Rust SDK
//! `proxy-wasm` 0.2.5, or anything else that speaks ABI 0.2.1) the way Envoy's
//! `envoy.filters.http.wasm` filter runs it: the same host-call results, the same
//! order of callbacks, the same pausing, buffering and local-reply rules. Tests and
//! the `aimsgate replay`/`aimsgate test` commands use it to exercise the real
//! `filter.wasm` without an Envoy process.
//!
//! The pieces:
//!
//! * [`Runtime`] compiles modules once per process (and once per machine, through an
//!   on-disk cache of precompiled artifacts) and hands out cheap [`Module`] clones.
//! * [`Plugin`] is one VM with its root context: what one Envoy worker thread holds
//!   for one `PluginConfig`. [`Plugin::exchange`] drives one HTTP stream through the
//!   filter and an [`Upstream`], reproducing Envoy's filter manager; lower-level
//!   methods call single callbacks for conformance tests.
//! * [`SharedData`] is what the workers of one Envoy process share: the
//!   `proxy_*_shared_data` store and the stats behind `proxy_define_metric`.
//!
//! Where a behaviour is Envoy's rather than the ABI's, the code names the Envoy or
//! proxy-wasm-cpp-host source file it follows.
#![deny(missing_docs)]

mod abi;
pub mod build;
mod clock;
mod driver;
mod error;
mod flavor;
mod headers;
mod http;
mod imports;
mod logs;
mod metrics;
mod plugin;
mod properties;
pub mod replay;
mod runtime;
mod shared;
mod state;

/// A timestamp authority for tests (`openssl ts`), for anchoring tests
/// that run the filter.
pub use aimsgate_test_tsa as tsa;
pub use build::build_wasm;
pub use error::HostError;
pub use flavor::Flavor;
pub use headers::HeaderMap;
pub use http::{
    ExchangeOutcome, HttpCall, HttpCallResponse, HttpRequest, HttpResponse, LocalReply,
    LocalReplySender, Upstream, UpstreamRequest,
};
pub use logs::{LogLevel, LogRecord, LogSource};
pub use plugin::{Action, HostOptions, HttpCallHandler, Plugin, PluginSpec};
pub use runtime::{CacheStats, Module, Runtime};
pub use shared::{Metric, MetricKind, SharedData};
pub use state::HostAction;
