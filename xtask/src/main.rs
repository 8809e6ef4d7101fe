//! `cargo xtask`: the project's own commands.
//!
//! * `cargo xtask demo` — the main job on the bundled example policy and
//!   traffic: check and compile the baseline pack, decide every recorded
//!   exchange, print the decisions, write the rule set and the Statement of
//!   Applicability under `target/aimsgate/`.
//! * `cargo xtask ci` — every check CI runs: formatting, clippy, tests, the
//!   demo, and the README's commands on the baseline pack.
//! * `cargo xtask bench` — the criterion benchmarks (not part of `ci`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

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
        _ => {
            eprintln!("usage: cargo xtask <demo|ci|bench>");
            eprintln!(
                "  demo   compile the baseline policy, decide examples/traffic, write target/aimsgate/"
            );
            eprintln!("  ci     fmt, clippy, tests, demo: everything CI checks");
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

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", render(cmd));
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {}", render(cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", render(cmd));
    }
    Ok(())
}

fn output(cmd: &mut Command) -> Result<String> {
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

fn render(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn aimsgate() -> Command {
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
    let traffic = out.join("traffic.jsonl");
    let n = traffic_jsonl(root, &traffic)?;
    let decisions = output(
        aimsgate()
            .args(["scan", BASELINE])
            .arg(&traffic)
            .arg("-o")
            .arg(out.join("decisions.jsonl")),
    )
    .and_then(|_| Ok(std::fs::read_to_string(out.join("decisions.jsonl"))?))?;
    println!("\n{n} recorded exchanges through the baseline policy (engine, native):\n");
    println!(
        "{:<56} {:<18} {:<8} {:<9} rules (controls)",
        "exchange", "route", "request", "response"
    );
    for line in decisions.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let id = v["id"].as_str().unwrap_or("-");
        let route = v["route"].as_str().unwrap_or("-");
        let req = v["request"]["decision"].as_str().unwrap_or("-");
        let resp = v["response"]["decision"].as_str().unwrap_or("-");
        let mut rules = Vec::new();
        for phase in ["request", "response"] {
            for r in v[phase]["rules"].as_array().into_iter().flatten() {
                let controls: Vec<&str> = r["controls"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.as_str())
                    .take(2)
                    .collect();
                rules.push(format!(
                    "{} ({})",
                    r["id"].as_str().unwrap_or("?"),
                    controls.join(", ")
                ));
            }
            let kind = v[phase]["block"]["reason"]["kind"].as_str();
            if let Some(kind) = kind.filter(|k| *k != "rule") {
                rules.push(format!("[{kind}]"));
            }
        }
        println!(
            "{id:<56} {route:<18} {req:<8} {resp:<9} {}",
            rules.join("; ")
        );
    }
    for (format, file) in [("html", "soa.html"), ("md", "soa.md"), ("json", "soa.json")] {
        run(aimsgate()
            .args(["soa", BASELINE, "--format", format, "-o"])
            .arg(out.join(file)))?;
    }
    println!(
        "\nwrote {}/: rules.bin, rules.json, decisions.jsonl, soa.html, soa.md, soa.json",
        out.display()
    );
    Ok(())
}

fn ci(root: &Path) -> Result<()> {
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo().args(["test", "--workspace"]))?;
    // The engine runs inside proxy-wasm and edge workers: it must keep
    // building for wasm.
    run(cargo().args([
        "build",
        "--package",
        "aimsgate-engine",
        "--target",
        "wasm32-wasip1",
    ]))?;
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
    run(aimsgate().args(["controls", "--framework", "iso42001"]))?;
    eprintln!("ci: all checks passed");
    Ok(())
}

fn bench() -> Result<()> {
    run(cargo().args(["bench", "--package", "aimsgate-benches"]))
}
