//! # aimsgate-filter
//!
//! The aimsgate proxy-wasm filter (ABI 0.2.1) for Envoy, Istio and other
//! proxy-wasm hosts. A thin adapter: configuration in ([`config`]), the
//! engine's decisions applied to headers, bodies and streams ([`http`]),
//! decisions out as hash-chained audit events and counters ([`record`],
//! [`audit`], [`metrics`]).
//! Every rule of behaviour lives in `aimsgate-engine`, so the filter, the
//! edge build and the CLI decide alike.
//!
//! The filter never panics on input: host calls go through [`abi`], which
//! turns every status into a `Result`, and the engine fails closed with a
//! decision instead of an error.
#![deny(missing_docs)]

pub mod abi;
pub mod audit;
pub mod config;
pub mod http;
pub mod ledger;
pub mod metrics;
pub mod record;
pub mod root;
pub mod state;

/// The module's `_initialize` export: registers the root context.
mod entry {
    proxy_wasm::main! {{
        proxy_wasm::set_log_level(proxy_wasm::types::LogLevel::Info);
        proxy_wasm::set_root_context(|context_id| -> Box<dyn proxy_wasm::traits::RootContext> {
            Box::new(crate::root::Root::new(context_id))
        });
    }}
}
