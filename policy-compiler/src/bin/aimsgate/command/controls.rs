//! `aimsgate controls`: list the control catalogue, all of it or one
//! framework's.

use aimsgate_compiler::catalogue;
use anyhow::{Result, anyhow};

#[derive(clap::Args)]
pub struct ControlsArgs {
    /// Only this framework (iso42001, nist-ai-rmf, nist-ai-600-1, eu-ai-act, owasp-llm, atlas).
    #[arg(long)]
    framework: Option<String>,
}

pub fn run(args: ControlsArgs) -> Result<()> {
    let wanted = match args.framework.as_deref() {
        None => None,
        Some(name) => Some(catalogue::Framework::from_prefix(name).ok_or_else(|| {
            let all: Vec<&str> = catalogue::Framework::ALL
                .iter()
                .map(|f| f.prefix())
                .collect();
            anyhow!("unknown framework `{name}`; one of: {}", all.join(", "))
        })?),
    };
    for control in catalogue::all()
        .iter()
        .filter(|c| wanted.is_none_or(|w| c.framework == w))
    {
        println!(
            "{}:{:<16} {}",
            control.framework.prefix(),
            control.id,
            control.title
        );
    }
    Ok(())
}
