//! `cargo xtask`: the project's own commands.
//!
//! * `cargo xtask demo` — the main job on the bundled example policy and
//!   traffic: build filter.wasm, check and compile the baseline pack,
//!   replay every recorded exchange through the filter in the proxy-wasm
//!   harness, print the decisions, write the rule set and the Statement of
//!   Applicability under `target/aimsgate/`.
//! * `cargo xtask ci` — every check CI runs: formatting, clippy, tests, the
//!   demo, the README's commands on the baseline pack, and what those
//!   commands wrote through its consumers' validators (SARIF Multitool,
//!   xmllint with the JUnit XSDs; `formats`).
//! * `cargo xtask edge` — the edge package (`@aimsgate/edge`) and its tests
//!   in workerd and Node, parity with filter.wasm included (part of `ci`).
//! * `cargo xtask eval` — the detection evaluation on the labelled data
//!   under `eval/` and the public corpora (`eval-data` first), written to
//!   docs/detection.md (`ci` holds its levels with `eval/ci.yaml`).
//! * `cargo xtask eval-data` — the public attack corpora at pinned
//!   versions (sha256 checked) into target/aimsgate/corpora/.
//! * `cargo xtask atlas <ATLAS.yaml>` — the catalogue's MITRE ATLAS
//!   techniques from a release of the ATLAS data repository.
//! * `cargo xtask cycles` — no import loops between a crate's files (part
//!   of `ci`).
//! * `cargo xtask bench` — the criterion benchmarks (not part of `ci`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod atlas;
mod cycles;
mod edge;
mod eval;
mod formats;
mod venv;

fn main() -> std::process::ExitCode {
    match xtask() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn xtask() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match task.as_str() {
        "demo" => demo(&root),
        "ci" => ci(&root),
        "bench" => bench(),
        "edge" => edge::test(&root),
        "cycles" => cycles::check(&root),
        "eval" => eval::full(&root),
        "eval-data" => eval::data(&root),
        "atlas" => atlas::update(&root, std::env::args().nth(2).as_deref()),
        _ => {
            eprintln!("usage: cargo xtask <demo|ci|edge|eval|eval-data|atlas|cycles|bench>");
            eprintln!(
                "  demo   compile the baseline policy, decide examples/traffic, write target/aimsgate/"
            );
            eprintln!("  ci     fmt, clippy, tests, demo: everything CI checks");
            eprintln!(
                "  edge   build @aimsgate/edge, test it in workerd and Node, parity with filter.wasm"
            );
            eprintln!(
                "  eval   detection on eval/ and the public corpora, written to docs/detection.md"
            );
            eprintln!(
                "  eval-data  fetch the public attack corpora (pinned, sha256) into target/aimsgate/corpora/"
            );
            eprintln!(
                "  atlas  ATLAS.yaml of an atlas-data release -> the catalogue's ATLAS techniques"
            );
            eprintln!("  cycles no import loops between a crate's files (part of ci)");
            eprintln!("  bench  criterion benchmarks (engine against a naive baseline)");
            std::process::exit(2);
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", render(cmd));
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {}", render(cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", render(cmd));
    }
    Ok(())
}

pub(crate) fn output(cmd: &mut Command) -> Result<String> {
    eprintln!("$ {}", render(cmd));
    let out = cmd
        .output()
        .with_context(|| format!("cannot start {}", render(cmd)))?;
    if !out.status.success() {
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        bail!("`{}` failed ({})", render(cmd), out.status);
    }
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub(crate) fn render(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

pub(crate) fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

pub(crate) fn aimsgate() -> Command {
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--quiet",
        "--package",
        "aimsgate-compiler",
        "--bin",
        "aimsgate",
        "--",
    ]);
    cmd
}

const BASELINE: &str = "examples/policies/baseline/policy.yaml";
const BASELINE_TESTS: &str = "examples/policies/baseline/tests.yaml";

/// Builds filter.wasm (release, its own target directory — the one the
/// harness's tests use too, so it is built once) and copies it to
/// `target/aimsgate/filter.wasm`, where `aimsgate replay` / `test` look.
pub(crate) fn build_filter(root: &Path) -> Result<PathBuf> {
    run(cargo().args([
        "build",
        "--release",
        "--target",
        "wasm32-wasip1",
        "--package",
        "aimsgate-filter",
        "--target-dir",
        "target/wasm",
    ]))?;
    let built = root.join("target/wasm/wasm32-wasip1/release/aimsgate_filter.wasm");
    let out = root.join("target/aimsgate/filter.wasm");
    std::fs::create_dir_all(root.join("target/aimsgate"))?;
    std::fs::copy(&built, &out)
        .with_context(|| format!("cannot copy {} to {}", built.display(), out.display()))?;
    let size = std::fs::metadata(&out)?.len();
    eprintln!("filter.wasm: {} ({size} bytes)", out.display());
    Ok(out)
}

/// Every traffic example as one JSONL file, for `aimsgate scan`.
fn traffic_jsonl(root: &Path, out: &Path) -> Result<usize> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("examples/traffic"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut jsonl = String::new();
    for file in &files {
        let text = std::fs::read_to_string(file)?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", file.display()))?;
        jsonl.push_str(&serde_json::to_string(&value)?);
        jsonl.push('\n');
    }
    std::fs::write(out, jsonl)?;
    Ok(files.len())
}

fn demo(root: &Path) -> Result<()> {
    let out = root.join("target/aimsgate");
    std::fs::create_dir_all(&out)?;
    run(aimsgate().args(["check", BASELINE]))?;
    run(aimsgate()
        .args(["compile", BASELINE, "-o"])
        .arg(out.join("rules.bin")))?;
    run(aimsgate()
        .args(["compile", BASELINE, "--format", "json", "-o"])
        .arg(out.join("rules.json")))?;
    let filter = build_filter(root)?;
    println!(
        "\nexamples/traffic through {} (proxy-wasm harness, Envoy semantics):\n",
        filter.display()
    );
    // Two seconds of proxy time per exchange, so the filter's ticks write
    // audit checkpoints as in a running proxy.
    let events = out.join("events.jsonl");
    run(aimsgate()
        .args(["replay", "--pace-ms", "2000", "--rules"])
        .arg(out.join("rules.bin"))
        .arg("--filter")
        .arg(&filter)
        .arg("--events")
        .arg(&events)
        .arg("examples/traffic"))?;
    println!("\naudit chain of that run:");
    run(aimsgate().args(["evidence", "verify"]).arg(&events))?;
    for (format, file) in [
        ("html", "evidence.html"),
        ("md", "evidence.md"),
        ("json", "evidence.json"),
    ] {
        run(aimsgate()
            .args([
                "evidence", "report", "--policy", BASELINE, "--format", format,
            ])
            .arg(&events)
            .arg("-o")
            .arg(out.join(file)))?;
    }
    // The same traffic decided natively, for the scan report.
    let traffic = out.join("traffic.jsonl");
    traffic_jsonl(root, &traffic)?;
    output(
        aimsgate()
            .args(["scan", BASELINE])
            .arg(&traffic)
            .arg("-o")
            .arg(out.join("decisions.jsonl")),
    )?;
    // The policy's own tests, as test-of-design evidence for the statement.
    let junit = out.join("junit.xml");
    run(aimsgate()
        .args(["test", "examples/policies/baseline/tests.yaml", "--filter"])
        .arg(&filter)
        .arg("--junit")
        .arg(&junit))?;
    // The Statement of Applicability with the policy tests (design) and the
    // run's operating evidence.
    for (format, file) in [("html", "soa.html"), ("md", "soa.md"), ("json", "soa.json")] {
        run(aimsgate()
            .args(["soa", BASELINE, "--format", format, "--tests"])
            .arg(&junit)
            .arg("--evidence")
            .arg(&events)
            .arg("-o")
            .arg(out.join(file)))?;
    }
    println!(
        "\nwrote {}/:\n  filter.wasm, rules.bin, rules.json      the filter and the compiled baseline policy\n  events.jsonl                            audit events of the replay (hash-chained)\n  evidence.html, evidence.md, evidence.json  evidence report per control\n  junit.xml                               the policy's tests (aimsgate test --junit)\n  soa.html, soa.md, soa.json              Statement of Applicability with test and operating evidence\n  decisions.jsonl                         the same traffic decided natively (aimsgate scan)",
        out.display()
    );
    Ok(())
}

fn ci(root: &Path) -> Result<()> {
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    cycles::check(root)?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The filter is linted as the wasm it ships as, too.
    run(cargo().args([
        "clippy",
        "--package",
        "aimsgate-filter",
        "--target",
        "wasm32-wasip1",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The edge build is linted as the wasm it ships as.
    run(cargo().args([
        "clippy",
        "--package",
        "aimsgate-edge",
        "--target",
        "wasm32-unknown-unknown",
        "--target-dir",
        "target/edge",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Built before the tests: the harness's tests replay through it.
    build_filter(root)?;
    run(cargo().args(["test", "--workspace"]))?;
    // @aimsgate/edge in workerd and Node, and parity with filter.wasm.
    edge::test(root)?;
    let mut doc = cargo();
    doc.args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings");
    run(&mut doc)?;
    demo(root)?;
    // The README's commands, on the baseline pack, must keep working.
    let out = root.join("target/aimsgate");
    run(aimsgate().args(["check", "--strict", BASELINE]))?;
    run(aimsgate().args([
        "explain",
        BASELINE,
        "--text",
        "my card is 4111 1111 1111 1111",
    ]))?;
    let schema = output(aimsgate().arg("schema"))?;
    std::fs::write(out.join("policy.schema.json"), schema)?;
    run(aimsgate().args(["controls", "--framework", "eu-ai-act"]))?;
    // Detection holds the levels it reached on the labelled data.
    eval::check(root)?;
    // The CI recipe users copy (examples/ci/), on the baseline pack: check,
    // policy tests through filter.wasm, manifests, SoA.
    run(Command::new("bash")
        .arg("examples/ci/policy-ci.sh")
        .args([BASELINE, BASELINE_TESTS])
        .arg(out.join("policy-ci"))
        .env("AIMSGATE", root.join("target/debug/aimsgate")))?;
    // What it wrote passes its consumers' validators.
    formats::check(
        root,
        &out.join("policy-ci/policy.sarif"),
        &out.join("policy-ci/policy-tests.xml"),
    )?;
    // The OSCAL export of the baseline and the demo's audit events, through
    // NIST OSCAL models (compliance-trestle).
    let oscal = out.join("oscal");
    run(aimsgate()
        .args(["oscal", "all", BASELINE, "--evidence"])
        .arg(out.join("events.jsonl"))
        .arg("-o")
        .arg(&oscal))?;
    formats::oscal(root, &oscal)?;
    eprintln!("ci: all checks passed");
    Ok(())
}

fn bench() -> Result<()> {
    run(cargo().args(["bench", "--package", "aimsgate-benches"]))
}
