//! `cargo xtask eval`: the full detection evaluation (`eval/baseline.yaml`,
//! the test split, a release build for honest throughput) written to
//! docs/detection.md with the machine and the versions it ran on; and the
//! check `cargo xtask ci` runs (`eval/ci.yaml`: the same data, its targets
//! at the levels reached, so a change that detects less fails); and
//! `cargo xtask eval-data`, the public attack corpora the full evaluation
//! also reads, fetched at pinned versions into target/aimsgate/corpora/.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::{aimsgate, cargo, output, run};

/// The full evaluation's configuration.
const FULL: &str = "eval/baseline.yaml";
/// What CI holds.
const CI: &str = "eval/ci.yaml";
/// Where the report goes, between these markers.
const REPORT: &str = "docs/detection.md";
const BEGIN: &str = "<!-- cargo xtask eval: begin -->";
const END: &str = "<!-- cargo xtask eval: end -->";
/// Fetches and extracts the public corpora (pins and extraction inside).
const CORPORA: &str = "eval/corpora.py";
/// Where they go (never committed).
const CORPORA_DIR: &str = "target/aimsgate/corpora";

/// Fetches the public attack corpora at their pinned versions (sha256
/// checked; a download is kept and reused) and extracts them as eval
/// JSONL into target/aimsgate/corpora/.
pub fn data(root: &Path) -> Result<()> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run(Command::new(python)
        .current_dir(root)
        .arg(CORPORA)
        .arg("--out")
        .arg(CORPORA_DIR))
}

/// Runs the full evaluation and writes docs/detection.md.
pub fn full(root: &Path) -> Result<()> {
    data(root)?;
    let mut release = cargo();
    release.args([
        "run",
        "--quiet",
        "--release",
        "--package",
        "aimsgate-compiler",
        "--bin",
        "aimsgate",
        "--",
        "eval",
        FULL,
        "--split",
        "test",
    ]);
    // Targets missed are part of the report, not a reason to write none.
    let table = release
        .current_dir(root)
        .output()
        .context("cannot run aimsgate eval")?;
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    let rustc = output(Command::new("rustc").arg("--version"))?;
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let faker = std::fs::read_to_string(root.join("eval/requirements.txt"))
        .ok()
        .and_then(|pins| {
            pins.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("faker=="))
                .map(|l| l.split_whitespace().next().unwrap_or(l).to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let date = output(Command::new("date").args(["-u", "+%Y-%m-%d"]))?;
    let measured = format!(
        "## Measured\n\n\
         What the baseline policy's detectors catch on labelled data, from\n\
         `cargo xtask eval` ({date}, {cpu}, {cores} cores, {rustc}; data from\n\
         `eval/generate.py` with {faker}; public corpora: `eval/corpora.py`).\n\
         The test split only: thresholds are\n\
         tuned on the dev split. How the numbers are counted: `aimsgate eval\n\
         --help` and `policy-compiler/src/eval.rs`; what the data is:\n\
         `eval/README.md`. Regenerate with `cargo xtask eval`.\n\n{table}\n\
         ### What the numbers do not say\n\n\
         - The data is generated (Faker, four template sets): it shows the\n  \
         formats people type, not the distribution of real traffic.\n\
         - Phone numbers in national formats without `+` (`030 12345678`,\n  \
         `06 12 34 56 78`) are caught next to a word that says so or an\n  \
         e-mail address (`phone-national`); alone in a table they are digit\n  \
         runs like any other. E.164 with `+` is caught.\n\
         - The baseline redacts public IP addresses only (private, loopback,\n  \
         link-local, multicast and documentation ranges are left alone), so\n  \
         the generator labels public IPv4 and global-unicast IPv6 only.\n\
         - Names and street addresses need a model; no detector claims them.\n\
         - \"with a hit outside every label\" counts real values the\n  \
         templates leave unlabelled (BICs, dates) as well as mistakes.\n\
         - Faker's Maestro prefix 0604 is no issuer's: the generator moves\n  \
         those numbers to Maestro's 6304, and the detector does not take\n  \
         0604 numbers for cards.\n\
         - The project's attack data is templates written for this\n  \
         evaluation (eval/attacks.py), independently of the detector's\n  \
         phrase lists: many phrasings, but not the long tail of real\n  \
         jailbreaks.\n\
         - agentdojo's goals contain e-mail addresses, IBANs and URLs: the\n  \
         PII rules catch many of its samples (the \"by\" column); count\n  \
         block-prompt-injection for injection detection.\n",
        date = date.trim(),
        rustc = rustc.trim(),
    );
    // The guide around the measured part is written by hand; only the part
    // between the markers is replaced.
    let path = root.join(REPORT);
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    let text = match (current.find(BEGIN), current.find(END)) {
        (Some(begin), Some(end)) if begin < end => format!(
            "{}{BEGIN}\n{measured}{}",
            &current[..begin],
            &current[end..]
        ),
        _ => format!("# Detection\n\n{BEGIN}\n{measured}{END}\n"),
    };
    std::fs::write(path, text)?;
    eprintln!("eval: wrote {REPORT}");
    Ok(())
}

/// The evaluation CI holds: fails when a target of `eval/ci.yaml` is
/// missed.
pub fn check(root: &Path) -> Result<()> {
    run(aimsgate()
        .current_dir(root)
        .args(["eval", CI, "--split", "all"]))
}
