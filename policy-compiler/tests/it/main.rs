//! One integration-test binary for the crate: every test file is a module
//! here, so the suite links once (each link carries wasmtime) instead of
//! once per file.

mod check_diagnostics;
mod common;
#[cfg(feature = "harness")]
mod deploy_configs;
mod envoy_bootstrap;
mod eval_cli;
mod evidence_cli;
mod evidence_report;
mod gitleaks_import;
#[cfg(feature = "harness")]
mod otlp_batches;
#[cfg(feature = "harness")]
mod policy_tests_cli;
mod scan_cli;
mod signing_cli;
mod stream_inspection;
#[cfg(feature = "harness")]
mod timestamps;
mod traffic_decisions;
