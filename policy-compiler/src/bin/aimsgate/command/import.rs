//! `aimsgate import`: turn another tool's rules (gitleaks) into an
//! aimsgate policy, saying per rule what was imported and what was not.

use std::path::PathBuf;

use aimsgate_compiler::import;
use anyhow::Result;
use clap::ValueEnum;

use crate::common::{read, write_output};

#[derive(clap::Args)]
pub struct ImportArgs {
    /// Source format.
    #[arg(value_enum)]
    from: ImportFrom,
    /// Source file.
    input: PathBuf,
    /// Output policy file.
    #[arg(short, long)]
    output: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportFrom {
    Gitleaks,
}

pub fn run(args: ImportArgs) -> Result<()> {
    let ImportArgs {
        from: ImportFrom::Gitleaks,
        input,
        output,
    } = args;
    let text = read(&input)?;
    let result = import::gitleaks::import(&text, &input.display().to_string())?;
    for (id, outcome) in &result.outcomes {
        match outcome {
            import::gitleaks::Outcome::Imported => {}
            import::gitleaks::Outcome::ImportedMonitor => {
                eprintln!(
                    "  {id}: imported into the monitor-mode rule (its file-path restriction cannot apply to LLM traffic)"
                )
            }
            import::gitleaks::Outcome::ImportedPartly(why) => {
                eprintln!("  {id}: imported; {why}")
            }
            import::gitleaks::Outcome::Skipped(why) => eprintln!("  {id}: skipped: {why}"),
        }
    }
    write_output(Some(&output), result.policy_yaml.as_bytes())?;
    eprintln!(
        "imported {} of {} gitleaks rules into {}",
        result.imported(),
        result.outcomes.len(),
        output.display()
    );
    Ok(())
}
