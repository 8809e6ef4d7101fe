//! `aimsgate replay`: replay recorded exchanges through the real
//! filter.wasm in the proxy-wasm harness and print what the client and the
//! upstream saw. The work is in `command::harness`.

use std::path::PathBuf;

use anyhow::Result;

use crate::command::harness;

#[derive(clap::Args)]
pub struct ReplayArgs {
    /// Exchange files, or directories of `*.json` exchanges.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The filter module.
    #[arg(long, default_value = harness::DEFAULT_FILTER)]
    filter: PathBuf,
    /// Compiled rule set (binary or JSON), or a policy to compile.
    #[arg(long, required_unless_present_any = ["envoy_config", "istio"], conflicts_with_all = ["envoy_config", "istio"])]
    rules: Option<PathBuf>,
    /// Run the filter with exactly the plugin configuration (and
    /// clusters) of this Envoy bootstrap.
    #[arg(long, conflicts_with = "istio")]
    envoy_config: Option<PathBuf>,
    /// Run the filter with the pluginConfig of this Istio WasmPlugin.
    #[arg(long)]
    istio: Option<PathBuf>,
    /// Bytes per body chunk as the proxy delivers them (0: one piece);
    /// recorded streams keep their own chunks.
    #[arg(long, default_value_t = 1024)]
    chunk_size: usize,
    /// One JSON object per exchange instead of the table.
    #[arg(long)]
    json: bool,
    /// Show bodies, headers and log lines under each exchange.
    #[arg(short, long)]
    verbose: bool,
    /// Write the filter's audit events here (JSON lines, as the proxy
    /// log carries them).
    #[arg(long)]
    events: Option<PathBuf>,
    /// Move the proxy clock this many milliseconds after each exchange,
    /// so ticks fire (audit checkpoints) as in a running proxy.
    #[arg(long, default_value_t = 0)]
    pace_ms: u64,
}

pub fn run(args: ReplayArgs) -> Result<()> {
    let ReplayArgs {
        inputs,
        filter,
        rules,
        envoy_config,
        istio,
        chunk_size,
        json,
        verbose,
        events,
        pace_ms,
    } = args;
    harness::replay_command(
        &inputs,
        &filter,
        &harness::ConfigSource::of(rules, envoy_config, istio)?,
        harness::ReplayOptions {
            chunk: chunk_size,
            json,
            verbose,
            events: events.as_deref(),
            pace_ms,
        },
    )
}
