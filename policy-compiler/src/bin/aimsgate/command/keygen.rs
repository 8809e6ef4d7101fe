//! `aimsgate keygen`: a key pair for signing rule sets
//! (`aimsgate compile --sign`).

use std::fs;
use std::io::Write as _;
use std::path::PathBuf;

use aimsgate_engine::signing::Signer25519;
use anyhow::{Context, Result, bail};

#[derive(clap::Args)]
pub struct KeygenArgs {
    /// Where to write the key pair: `<OUT>.key` (private: keep it where
    /// only whoever approves policies can read it) and `<OUT>.pub` (give
    /// it to the runtimes: the filter's VM configuration or
    /// AIMSGATE_TRUSTED_KEYS, the edge guard's `trustedKeys`).
    #[arg(short, long)]
    output: PathBuf,
}

pub fn run(args: KeygenArgs) -> Result<()> {
    let secret = args.output.with_extension("key");
    let public = args.output.with_extension("pub");
    if secret.exists() {
        bail!(
            "{} exists; a signing key is never overwritten (move it away first)",
            secret.display()
        );
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
    let signer = Signer25519::from_seed(seed);
    let mut file = {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&secret)
            .with_context(|| format!("cannot create {}", secret.display()))?
    };
    writeln!(file, "{}", signer.secret_text())?;
    fs::write(&public, format!("{}\n", signer.public_text()))
        .with_context(|| format!("cannot write {}", public.display()))?;
    eprintln!(
        "wrote {} (private) and {} (public), key id {}",
        secret.display(),
        public.display(),
        signer.key_id()
    );
    Ok(())
}
