//! `aimsgate detectors`: list the engine's built-in detectors.

use anyhow::Result;

pub fn run() -> Result<()> {
    for b in aimsgate_engine::detect::builtin::all() {
        println!("{:<22} {}", b.name, b.description);
    }
    Ok(())
}
