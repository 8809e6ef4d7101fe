//! `aimsgate scan`: backtest a policy over recorded traffic (JSONL), one
//! decision per line, with a progress bar and a summary on standard error.

use std::fs;
use std::io::{BufReader, Write};
use std::path::PathBuf;

use aimsgate_compiler::scan;
use aimsgate_engine::codec::Api;
use anyhow::{Context, Result, anyhow};
use clap::ValueEnum;

use crate::common::{compiled, engine_of, parse_api};

#[derive(clap::Args)]
pub struct ScanArgs {
    /// Policy file.
    policy: PathBuf,
    /// JSONL input: exchanges, bare bodies, or {"text": …} objects.
    input: PathBuf,
    /// Output format (jsonl).
    #[arg(long, value_enum, default_value_t = ScanFormat::Jsonl)]
    format: ScanFormat,
    /// Output file (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Override the API of bare bodies.
    #[arg(long, value_parser = parse_api)]
    api: Option<Api>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ScanFormat {
    Jsonl,
}

pub fn run(args: ScanArgs) -> Result<()> {
    let ScanArgs {
        policy: path,
        input,
        format: ScanFormat::Jsonl,
        output,
        api,
    } = args;
    let compiled = compiled(&path)?;
    let engine = engine_of(&compiled)?;
    let file =
        fs::File::open(&input).with_context(|| format!("cannot read {}", input.display()))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} scanning [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let writer: Box<dyn Write> = match &output {
        Some(path) => Box::new(std::io::BufWriter::new(
            fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let summary = scan::run(
        &engine,
        BufReader::with_capacity(1 << 20, file),
        writer,
        api,
        |n| bar.inc(n),
    )?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "scanned {} lines in {:.2}s ({:.0} lines/s); {} unreadable",
        summary.lines,
        secs,
        summary.lines as f64 / secs.max(1e-9),
        summary.errors
    );
    for (outcome, n) in &summary.outcomes {
        eprintln!("  {outcome:<24} {n}");
    }
    for (rule, n) in &summary.rules {
        eprintln!("  rule {rule:<38} {n}");
    }
    if summary.errors > 0 {
        Err(anyhow!("{} line(s) could not be read", summary.errors))
    } else {
        Ok(())
    }
}
