//! One integration-test binary for the crate: every test file is a module
//! here, so the suite links once (each link carries wasmtime) instead of
//! once per file.

mod adversarial;
mod anchoring;
mod audit;
mod classifier;
mod common;
mod decode_limit;
mod e2e;
mod portability;
mod responding_model;
mod scan_parity;
mod signing;
mod stream_decode;
