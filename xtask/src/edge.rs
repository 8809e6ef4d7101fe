//! The edge build: `@aimsgate/edge`, the engine for edge workers.
//!
//! * [`build()`] — `aimsgate-edge` for `wasm32-unknown-unknown` (release,
//!   its own target directory so it never waits on another build's lock),
//!   the JS glue from the wasm-bindgen CLI of exactly the crate's version
//!   (installed when the one on the machine differs), and the npm package
//!   assembled in `target/aimsgate/edge-pkg/`.
//! * [`test()`] — the package's tests: the example Worker in Cloudflare's
//!   workerd in front of a mock upstream, driven by a Node client and by
//!   the official `openai`, `anthropic` and `google-genai` Python SDKs,
//!   and parity with filter.wasm on the recorded traffic. Needs Node.js 20
//!   or later and the npm registry (workerd is an npm package, pinned in
//!   the example's package-lock), Python 3 with `venv` and PyPI (the SDKs
//!   are pinned with hashes in the suite's requirements.txt).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{aimsgate, build_filter, cargo, output, render, run};

/// Where the npm package is assembled.
pub const PACKAGE_DIR: &str = "target/aimsgate/edge-pkg";
/// Target directory of the wasm build.
const TARGET_DIR: &str = "target/edge";
/// Scratch files of the tests (rule set, replay output).
const WORK_DIR: &str = "target/aimsgate/edge";
const EXAMPLE: &str = "examples/cloudflare-worker";
/// The SDK suite (pytest) and its pinned requirements.
const SDK_TESTS: &str = "examples/cloudflare-worker/test/sdk";
/// The virtualenv the SDK suite runs in (kept between runs: see [`sdk_venv`]).
const SDK_VENV: &str = "target/aimsgate/sdk-venv";
const BASELINE: &str = "examples/policies/baseline/policy.yaml";
/// Hand-written files of the package (the rest is wasm-bindgen's).
const PACKAGE_FILES: [&str; 5] = [
    "index.js",
    "index.d.ts",
    "node.js",
    "workerd.js",
    "README.md",
];
/// A test run that takes longer has hung (workerd, a socket): it is killed.
const TEST_TIMEOUT: Duration = Duration::from_secs(240);

/// Runs `cmd`, killing it when it outlives `timeout`: SIGTERM first (the
/// tests kill the workerd they started on it), SIGKILL after a grace.
fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Result<()> {
    eprintln!("$ {}", render(cmd));
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", render(cmd)))?;
    loop {
        if let Some(status) = child.try_wait()? {
            eprintln!("  ({:.1} s)", started.elapsed().as_secs_f64());
            if !status.success() {
                bail!("`{}` failed ({status})", render(cmd));
            }
            return Ok(());
        }
        if started.elapsed() > timeout {
            #[cfg(unix)]
            {
                let _ = Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status();
                let grace = Instant::now();
                while grace.elapsed() < Duration::from_secs(5) {
                    if child.try_wait()?.is_some() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "`{}` did not finish within {} s and was killed",
                render(cmd),
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The version of `name` that Cargo.lock pins (one version expected).
fn locked_version(root: &Path, name: &str) -> Result<String> {
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).context("cannot read Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{name}\"")
            && let Some(version) = lines
                .next()
                .and_then(|l| l.strip_prefix("version = \""))
                .and_then(|l| l.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    bail!("Cargo.lock has no `{name}`")
}

/// The version of the aimsgate-edge crate (the package's version).
fn crate_version(root: &Path) -> Result<String> {
    let id = output(
        cargo()
            .current_dir(root)
            .args(["pkgid", "--package", "aimsgate-edge"]),
    )?;
    // `path+file:///…/edge#aimsgate-edge@0.1.0` or `…/edge#0.1.0`.
    let version = id.trim().rsplit(['@', '#']).next().unwrap_or_default();
    if version.is_empty() {
        bail!("cannot read the crate version from `{}`", id.trim());
    }
    Ok(version.to_owned())
}

fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    home.join("bin").join(name)
}

/// The `wasm-bindgen` version an executable reports, if it runs.
fn cli_version(program: &Path) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    out.status.success().then(|| {
        text.trim()
            .trim_start_matches("wasm-bindgen")
            .trim()
            .to_owned()
    })
}

/// The wasm-bindgen CLI of exactly the version the crate is locked to
/// (their data format must match), installed when missing or different.
fn wasm_bindgen_cli(root: &Path) -> Result<PathBuf> {
    let want = locked_version(root, "wasm-bindgen")?;
    let candidates = [PathBuf::from("wasm-bindgen"), cargo_bin("wasm-bindgen")];
    for candidate in &candidates {
        if cli_version(candidate).as_deref() == Some(want.as_str()) {
            return Ok(candidate.clone());
        }
    }
    eprintln!("installing wasm-bindgen-cli {want} (it must match the wasm-bindgen crate)");
    let exact = format!("={want}");
    // --force: cargo may remember an install whose binary is gone.
    let locked = run(cargo().args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &exact,
        "--locked",
        "--force",
    ]));
    if let Err(err) = locked {
        // Its lock file can name a crate version since yanked from the
        // registry (webpki-roots 1.0.11 for 0.2.130): resolve afresh.
        eprintln!("{err:#}; retrying without --locked");
        run(cargo().args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &exact,
            "--force",
        ]))?;
    }
    let installed = cargo_bin("wasm-bindgen");
    match cli_version(&installed) {
        Some(version) if version == want => Ok(installed),
        other => bail!(
            "{} reports version {other:?} after installing {want}",
            installed.display()
        ),
    }
}

/// Builds the npm package `@aimsgate/edge` into `target/aimsgate/edge-pkg/`
/// and returns its directory.
pub fn build(root: &Path) -> Result<PathBuf> {
    let wasm_bindgen = wasm_bindgen_cli(root)?;
    run(cargo().current_dir(root).args([
        "build",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "--package",
        "aimsgate-edge",
        "--target-dir",
        TARGET_DIR,
    ]))?;
    let built = root
        .join(TARGET_DIR)
        .join("wasm32-unknown-unknown/release/aimsgate_edge.wasm");
    let out = root.join(PACKAGE_DIR);
    // Made afresh: no file of an older layout stays in the package.
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("cannot clear {}", out.display()))?;
    }
    std::fs::create_dir_all(&out)?;
    // `web`: ES modules whose `initSync` takes a compiled module, which is
    // how workerd must get it (no compiling from bytes at run time); the
    // package's node.js entry compiles the bytes itself.
    run(Command::new(&wasm_bindgen)
        .args(["--target", "web", "--out-dir"])
        .arg(&out)
        .arg(&built))?;
    let js = root.join("edge/js");
    for file in PACKAGE_FILES {
        std::fs::copy(js.join(file), out.join(file))
            .with_context(|| format!("cannot copy edge/js/{file}"))?;
    }
    let version = crate_version(root)?;
    let template = std::fs::read_to_string(js.join("package.json"))?;
    let mut manifest: serde_json::Value =
        serde_json::from_str(&template).context("edge/js/package.json is not JSON")?;
    manifest["version"] = serde_json::Value::String(version.clone());
    std::fs::write(
        out.join("package.json"),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )?;
    let size = std::fs::metadata(out.join("aimsgate_edge_bg.wasm"))?.len();
    eprintln!(
        "@aimsgate/edge {version}: {} (aimsgate_edge_bg.wasm {size} bytes)",
        out.display()
    );
    Ok(out)
}

/// Node.js, version 20 or later (the tests use its fetch, streams and
/// test runner).
fn node() -> Result<PathBuf> {
    let node = PathBuf::from("node");
    let version = output(Command::new(&node).arg("--version"))
        .context("Node.js (20 or later) is needed for the edge tests")?;
    let major: u32 = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        bail!(
            "Node.js 20 or later is needed for the edge tests; found {}",
            version.trim()
        );
    }
    Ok(node)
}

/// The SDK suite's virtualenv (see [`crate::venv::pinned`]).
fn sdk_venv(root: &Path) -> Result<PathBuf> {
    crate::venv::pinned(
        root,
        &root.join(SDK_TESTS).join("requirements.txt"),
        SDK_VENV,
    )
}

/// Builds the package and runs its tests: the example Worker in workerd
/// (a Node client and the official Python SDKs), the wrapper in Node, and
/// parity with filter.wasm on `examples/traffic`.
pub fn test(root: &Path) -> Result<()> {
    let started = Instant::now();
    let node = node()?;
    let package = build(root)?;
    let work = root.join(WORK_DIR);
    std::fs::create_dir_all(&work)?;
    let rules = work.join("rules.bin");
    run(aimsgate().args(["compile", BASELINE, "-o"]).arg(&rules))?;
    let classifier_rules = work.join("classifier-rules.bin");
    run(aimsgate()
        .args(["compile", "examples/policies/classifier/policy.yaml", "-o"])
        .arg(&classifier_rules))?;

    // The Worker in workerd. Its dependencies are pinned by its
    // package-lock (workerd; the package just built, linked).
    let example = root.join(EXAMPLE);
    std::fs::copy(&rules, example.join("rules.bin"))?;
    run(Command::new("npm")
        .current_dir(&example)
        .args(["ci", "--no-audit", "--no-fund"]))?;
    run_with_timeout(
        Command::new(&node)
            .current_dir(&example)
            .args(["--test-reporter=spec", "test/worker.test.js"]),
        TEST_TIMEOUT,
    )?;
    // The same Worker driven by the official SDKs, each parsing every
    // answer and raising its own error on every refusal. The suite starts
    // its own workerd and mock providers (its conftest.py).
    let python = sdk_venv(root)?;
    run_with_timeout(
        Command::new(&python)
            .current_dir(root.join(SDK_TESTS))
            .args(["-m", "pytest"])
            // No __pycache__ in the source tree.
            .env("PYTHONDONTWRITEBYTECODE", "1"),
        TEST_TIMEOUT,
    )?;

    // Parity: the same traffic through filter.wasm in the harness.
    let filter = build_filter(root)?;
    let replay = output(
        aimsgate()
            .args(["replay", "--json", "--rules"])
            .arg(&rules)
            .arg("--filter")
            .arg(&filter)
            .arg("examples/traffic"),
    )?;
    let replay_file = work.join("replay.jsonl");
    std::fs::write(&replay_file, replay)?;
    // The wrapper's own paths in Node, and parity (these start no
    // process: the test runner may run them in its own subprocesses).
    run_with_timeout(
        Command::new(&node)
            .current_dir(root)
            .args([
                "--test",
                "--test-reporter=spec",
                "edge/js/test/fetch.test.js",
                "edge/js/test/parity.test.js",
            ])
            .env("AIMSGATE_EDGE_PKG", &package)
            .env("AIMSGATE_RULES", &rules)
            .env("AIMSGATE_CLASSIFIER_RULES", &classifier_rules)
            .env("AIMSGATE_REPLAY", &replay_file)
            .env("AIMSGATE_TRAFFIC", root.join("examples/traffic")),
        TEST_TIMEOUT,
    )?;
    eprintln!(
        "edge: workerd (Node client and Python SDKs), Node and parity tests passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
