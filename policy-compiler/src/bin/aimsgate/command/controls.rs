//! `aimsgate controls`: list the control catalogue, all of it or one
//! framework's, each framework under the edition it follows.

use std::fmt::Write as _;
use std::io::Write as _;

use aimsgate_compiler::catalogue;
use anyhow::{Result, anyhow};

#[derive(clap::Args)]
pub struct ControlsArgs {
    /// Only this framework (iso42001, iso27001, nist-ai-rmf, nist-ai-600-1, eu-ai-act, owasp-llm, atlas).
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
    let mut out = String::new();
    for framework in catalogue::Framework::ALL
        .into_iter()
        .filter(|f| wanted.is_none_or(|w| w == *f))
    {
        writeln!(
            out,
            "# {}, version {}",
            framework.title(),
            framework.version()
        )?;
        for control in catalogue::controls(framework) {
            // The EU AI Act splits duties between provider and deployer;
            // the list says whose each provision is.
            let duty = control
                .duty
                .map(|d| format!("  [{}]", d.name()))
                .unwrap_or_default();
            writeln!(
                out,
                "{}:{:<16} {}{duty}",
                framework.prefix(),
                control.id,
                control.title
            )?;
        }
    }
    // A reader that stops early (`| head`) is not an error.
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
