//! `aimsgate eval`: a policy's detection measured on labelled data —
//! recall per entity and attack family, false positives per benign set and
//! language, span accuracy, throughput — against the targets of an
//! evaluation configuration (exit 1 when one is missed).

use std::path::PathBuf;

use aimsgate_compiler::eval::{self, Config, Selection, Split};
use anyhow::Result;
use clap::ValueEnum;

use crate::common::{Reported, compiled, engine_of, write_output};

#[derive(clap::Args)]
pub struct EvalArgs {
    /// The evaluation configuration (YAML or JSON): policy, data files,
    /// entity types → detectors, targets.
    config: PathBuf,
    /// Which samples: `test` (report on), `dev` (tune on) or `all`.
    #[arg(long, value_enum, default_value_t = SplitArg::Test)]
    split: SplitArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Md)]
    format: EvalFormat,
    /// Write here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum SplitArg {
    Dev,
    Test,
    All,
}

#[derive(Clone, Copy, ValueEnum)]
enum EvalFormat {
    Md,
    Json,
}

pub fn run(args: EvalArgs) -> Result<()> {
    let config = Config::load(&args.config)?;
    let engine = engine_of(&compiled(&config.policy)?)?;
    let (samples, missing) = config.samples()?;
    for file in &missing {
        eprintln!(
            "note: optional data file {} is missing; skipped (public corpora: `cargo xtask eval-data`)",
            file.display()
        );
    }
    let selection = match args.split {
        SplitArg::Dev => Selection::Only(Split::Dev),
        SplitArg::Test => Selection::Only(Split::Test),
        SplitArg::All => Selection::All,
    };
    let bar = indicatif::ProgressBar::new(samples.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} evaluating [{bar:30}] {pos}/{len} samples {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let report = eval::run(
        &engine,
        &samples,
        &config.entities,
        &config.targets,
        selection,
        || bar.inc(1),
    )?;
    bar.finish_and_clear();
    let text = match args.format {
        EvalFormat::Md => eval::markdown(&report),
        EvalFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    let missed = report.targets.iter().filter(|t| !t.met).count();
    if missed > 0 {
        eprintln!(
            "error: {missed} of {} target(s) missed",
            report.targets.len()
        );
        return Err(Reported.into());
    }
    eprintln!(
        "{} samples; {} target(s) met",
        report.samples,
        report.targets.len()
    );
    Ok(())
}
