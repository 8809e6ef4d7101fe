//! Part of `cargo xtask ci`: the files the CLI writes for other tools pass
//! those tools' own validators, not only our reading of their specs.
//!
//! - SARIF (`aimsgate check --format sarif`), on the baseline pack and on a
//!   policy with findings, through the SARIF Multitool's `validate` with
//!   the SARIF rules and GitHub's (the `Gh` rule kind: what GitHub code
//!   scanning refuses or ignores). The Multitool is the npm package
//!   `@microsoft/sarif-multitool`, pinned by `xtask/sarif-multitool/`'s
//!   package-lock; its platform package is a self-contained executable that
//!   needs no network. Any result of level error or warning fails.
//! - JUnit (`aimsgate test --junit`) against the Jenkins xUnit plugin's and
//!   the Apache Ant JUnit XSDs, with xmllint (Debian's libxml2-utils,
//!   which `.ci/run` installs).
//!
//! - OSCAL (`aimsgate oscal all`), with compliance-trestle's OSCAL models
//!   (generated from NIST's OSCAL JSON schemas, unknown fields refused),
//!   pinned by hash in `xtask/oscal/requirements.txt`, and a round trip
//!   through them (`xtask/oscal/validate.py`).
//!
//! The tests under `cargo test` check the same files against the SARIF
//! JSON schema and, where xmllint is installed, the XSDs; this step adds
//! the Multitool's rules and makes xmllint mandatory.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{aimsgate, output, run};

/// The npm project pinning the Multitool.
const MULTITOOL_PROJECT: &str = "xtask/sarif-multitool";
/// Where it is installed (outside the source tree).
const MULTITOOL_DIR: &str = "target/aimsgate/sarif-multitool";
/// A policy with an error and warnings: SARIF with results and rules.
const FINDINGS: &str = "policy-compiler/tests/data/formats/findings.policy.yaml";
/// The vendored JUnit schemas.
const JUNIT_XSDS: [&str; 2] = [
    "policy-compiler/tests/data/formats/jenkins-xunit-junit-10.xsd",
    "policy-compiler/tests/data/formats/ant-junit.xsd",
];

/// Validates `sarif` (the baseline's SARIF) and `junit` (its policy tests'
/// JUnit report), as written by `examples/ci/policy-ci.sh`.
pub fn check(root: &Path, sarif: &Path, junit: &Path) -> Result<()> {
    for xsd in JUNIT_XSDS {
        run(Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(root.join(xsd))
            .arg(junit))
        .context("xmllint (Debian: libxml2-utils) validates the JUnit report")?;
    }

    let work = root.join(MULTITOOL_DIR);
    std::fs::create_dir_all(&work)?;
    let findings = work.join("findings.sarif");
    // The check fails (the policy has an error): its output is the point.
    let mut check = aimsgate();
    check.args(["check", "--format", "sarif", FINDINGS]);
    eprintln!("$ {}", crate::render(&check));
    let log = String::from_utf8(check.output()?.stdout)?;
    if !log.contains("\"ruleId\"") {
        bail!("`aimsgate check --format sarif {FINDINGS}` wrote no SARIF results");
    }
    std::fs::write(&findings, log)?;

    let multitool = multitool(root)?;
    for file in [sarif, findings.as_path()] {
        let report = work.join("validation.sarif");
        let _ = std::fs::remove_file(&report);
        run(Command::new(&multitool)
            .arg("validate")
            .args(["--rule-kind", "Gh;Sarif", "--level", "Error;Warning"])
            .arg("-o")
            .arg(&report)
            .arg(file))?;
        let text = std::fs::read_to_string(&report)
            .with_context(|| format!("the Multitool wrote no {}", report.display()))?;
        let report: serde_json::Value = serde_json::from_str(&text)?;
        let results = report["runs"][0]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !results.is_empty() {
            for result in &results {
                eprintln!(
                    "{}: {} {}: {}",
                    file.display(),
                    result["level"].as_str().unwrap_or("warning"),
                    result["ruleId"].as_str().unwrap_or("?"),
                    result["message"]["text"].as_str().unwrap_or_default()
                );
            }
            bail!(
                "{}: {} SARIF Multitool finding(s) (rules Gh, Sarif)",
                file.display(),
                results.len()
            );
        }
    }
    eprintln!("formats: SARIF passes the Multitool's GitHub rules, JUnit both XSDs");
    Ok(())
}

/// Installs the pinned Multitool (`npm ci`) and returns its executable.
fn multitool(root: &Path) -> Result<PathBuf> {
    let work = root.join(MULTITOOL_DIR);
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(root.join(MULTITOOL_PROJECT).join(file), work.join(file))?;
    }
    run(Command::new("npm")
        .current_dir(&work)
        .args(["ci", "--no-audit", "--no-fund"]))?;
    // The package's main export is the path of the platform's executable.
    let path = output(
        Command::new("node")
            .current_dir(&work)
            .args(["-p", "require('@microsoft/sarif-multitool')"]),
    )?;
    let path = PathBuf::from(path.trim());
    // Its postinstall only marks it executable, and npm may not run
    // install scripts it was not told to allow.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mut permissions = std::fs::metadata(&path)
            .with_context(|| format!("no Multitool at {}", path.display()))?
            .permissions();
        permissions.set_mode(permissions.mode() | 0o755);
        std::fs::set_permissions(&path, permissions)?;
    }
    Ok(path)
}

/// The OSCAL validator's script and pinned requirements.
const OSCAL_VALIDATOR: &str = "xtask/oscal/validate.py";
const OSCAL_REQUIREMENTS: &str = "xtask/oscal/requirements.txt";
/// Its virtualenv (outside the source tree, kept between runs).
const OSCAL_VENV: &str = "target/aimsgate/oscal-venv";

/// Validates the six documents `aimsgate oscal all` wrote into `dir`.
pub fn oscal(root: &Path, dir: &Path) -> Result<()> {
    let python = crate::venv::pinned(root, &root.join(OSCAL_REQUIREMENTS), OSCAL_VENV)?;
    run(Command::new(python)
        .arg(root.join(OSCAL_VALIDATOR))
        .arg(dir))
}
