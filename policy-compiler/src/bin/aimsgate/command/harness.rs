//! `aimsgate replay` and `aimsgate test`: traffic and policy tests through
//! the real filter.wasm in the proxy-wasm harness (aimsgate-host), exactly
//! as Envoy would run it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use aimsgate_compiler::cases::{self, Observed, ObservedDecision};
use aimsgate_compiler::deploy_config::{self, PluginConfig};
use aimsgate_compiler::policy;
use aimsgate_engine::recording::Recording;
use aimsgate_engine::ruleset::RuleSet;
use aimsgate_host::replay::{self, LoggedDecision, Replayed};
use aimsgate_host::{HostOptions, Module, Plugin, PluginSpec, Runtime};
use anyhow::{Context, Result, anyhow, bail};

/// Where `cargo xtask` puts the filter it builds.
pub const DEFAULT_FILTER: &str = "target/aimsgate/filter.wasm";

/// Loads the filter module (compiled once per machine, cached).
pub fn filter(path: &Path) -> Result<Module> {
    if !path.exists() {
        bail!(
            "no filter module at {} (build it with `cargo xtask demo`, or pass --filter)",
            path.display()
        );
    }
    Runtime::shared()
        .load(path)
        .map_err(|e| anyhow!("cannot load {}: {e}", path.display()))
}

/// Rule-set bytes from a compiled rule set, or from a policy compiled now.
pub fn rules_bytes(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if RuleSet::from_bytes(&bytes).is_ok() {
        return Ok(bytes);
    }
    let text = String::from_utf8_lossy(&bytes);
    let (compiled, report) = policy::check(&path.display().to_string(), &text);
    match compiled {
        Some(compiled) => Ok(compiled.ruleset.to_bytes()),
        None => {
            eprint!("{}", report.render_fancy());
            bail!(
                "{} is neither a rule set nor a valid policy",
                path.display()
            )
        }
    }
}

/// Where the plugin configuration comes from.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    /// A rule set or policy file.
    Rules(PathBuf),
    /// The wasm filter of an Envoy bootstrap.
    Envoy(PathBuf),
    /// An Istio WasmPlugin.
    Istio(PathBuf),
}

impl ConfigSource {
    /// The one source given on the command line.
    pub fn of(
        rules: Option<PathBuf>,
        envoy: Option<PathBuf>,
        istio: Option<PathBuf>,
    ) -> Result<ConfigSource> {
        match (rules, envoy, istio) {
            (Some(rules), None, None) => Ok(ConfigSource::Rules(rules)),
            (None, Some(envoy), None) => Ok(ConfigSource::Envoy(envoy)),
            (None, None, Some(istio)) => Ok(ConfigSource::Istio(istio)),
            _ => bail!("give one of --rules, --envoy-config or --istio"),
        }
    }

    /// The plugin as the proxy would configure it.
    pub fn plugin_config(&self) -> Result<PluginConfig> {
        match self {
            ConfigSource::Rules(path) => Ok(PluginConfig {
                name: "aimsgate".into(),
                root_id: "aimsgate".into(),
                vm_id: "aimsgate".into(),
                configuration: rules_bytes(path)?,
                fail_open: false,
                clusters: Vec::new(),
                filter: None,
            }),
            ConfigSource::Envoy(path) => deploy_config::from_envoy(path),
            ConfigSource::Istio(path) => deploy_config::from_istio(path),
        }
    }
}

/// A plugin (one Envoy worker's VM) configured with `rules`.
pub fn plugin(module: &Module, rules: Vec<u8>) -> Result<Plugin> {
    plugin_with(
        module,
        PluginConfig {
            name: "aimsgate".into(),
            root_id: "aimsgate".into(),
            vm_id: "aimsgate".into(),
            configuration: rules,
            fail_open: false,
            clusters: Vec::new(),
            filter: None,
        },
    )
}

/// A plugin configured as `config` says, with its clusters defined.
pub fn plugin_with(module: &Module, config: PluginConfig) -> Result<Plugin> {
    let spec = PluginSpec {
        name: config.name,
        root_id: config.root_id,
        vm_id: config.vm_id,
        vm_configuration: Vec::new(),
        configuration: config.configuration,
        fail_open: config.fail_open,
    };
    let options = HostOptions {
        clusters: config.clusters,
        ..HostOptions::default()
    };
    let plugin = Plugin::start(module, spec, options)
        .map_err(|e| anyhow!("the filter did not start: {e}"))?;
    if !plugin.configured() {
        let why: Vec<String> = plugin.logs().iter().map(|l| l.message.clone()).collect();
        bail!("the filter refused the rule set: {}", why.join("; "));
    }
    Ok(plugin)
}

/// Recording files named by `inputs` (files, or directories of `*.json`).
pub fn exchange_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("cannot read {}", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

fn decision_cell(decision: Option<&LoggedDecision>) -> String {
    decision.map_or("-".to_owned(), |d| d.outcome.clone())
}

fn rules_cell(replayed: &Replayed) -> String {
    let mut parts = Vec::new();
    for decision in [&replayed.request, &replayed.response]
        .into_iter()
        .flatten()
    {
        for rule in &decision.rules {
            parts.push(rule.clone());
        }
        if let Some(refusal) = &decision.refusal {
            parts.push(format!("[{refusal}]"));
        }
    }
    for event in &replayed.events {
        if let Some(code) = event["aimsgate.code"].as_str() {
            parts.push(format!("[{code}]"));
        }
    }
    parts.dedup();
    parts.join(", ")
}

fn controls_cell(replayed: &Replayed) -> String {
    let mut controls: Vec<&str> = [&replayed.request, &replayed.response]
        .into_iter()
        .flatten()
        .flat_map(|d| d.controls.iter().map(String::as_str))
        .collect();
    controls.sort_unstable();
    controls.dedup();
    let shown: Vec<&str> = controls.iter().take(3).copied().collect();
    let more = controls.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} +{more}", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// How `aimsgate replay` runs and what it writes.
#[derive(Debug, Clone, Copy)]
pub struct ReplayOptions<'a> {
    /// Bytes per body chunk (0: one piece).
    pub chunk: usize,
    /// One JSON object per exchange.
    pub json: bool,
    /// Bodies, headers and logs under each exchange.
    pub verbose: bool,
    /// Where to write the audit events.
    pub events: Option<&'a Path>,
    /// Milliseconds the proxy clock moves after each exchange (ticks fire:
    /// audit checkpoints, collector delivery).
    pub pace_ms: u64,
}

/// `aimsgate replay`.
pub fn replay_command(
    inputs: &[PathBuf],
    filter_path: &Path,
    source: &ConfigSource,
    options: ReplayOptions<'_>,
) -> Result<()> {
    let ReplayOptions {
        chunk,
        json,
        verbose,
        events,
        pace_ms,
    } = options;
    let module = filter(filter_path)?;
    let mut plugin = plugin_with(&module, source.plugin_config()?)?;
    let files = exchange_files(inputs)?;
    if files.is_empty() {
        bail!("no exchanges found in the inputs");
    }
    if !json {
        println!(
            "{:<52} {:<16} {:>6} {:<8} {:<9} rules (controls)",
            "exchange", "route", "status", "request", "response"
        );
    }
    let started = Instant::now();
    let mut unreadable = 0;
    for file in &files {
        let id = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let exchange = match std::fs::read(file)
            .map_err(|e| e.to_string())
            .and_then(|b| Recording::from_json(&b).map_err(|e| e.to_string()))
        {
            Ok(exchange) => exchange,
            Err(err) => {
                eprintln!("{}: {err}", file.display());
                unreadable += 1;
                continue;
            }
        };
        let replayed = replay::replay(&mut plugin, &exchange, &id, chunk);
        if pace_ms > 0 {
            plugin.advance(pace_ms);
        }
        if json {
            println!("{}", serde_json::to_string(&replayed)?);
            continue;
        }
        let route = replayed
            .request
            .as_ref()
            .and_then(|d| d.route.clone())
            .unwrap_or_else(|| "-".to_owned());
        let rules = rules_cell(&replayed);
        let controls = controls_cell(&replayed);
        println!(
            "{:<52} {:<16} {:>6} {:<8} {:<9} {}{}",
            id,
            route,
            replayed.outcome.status,
            decision_cell(replayed.request.as_ref()),
            decision_cell(replayed.response.as_ref()),
            rules,
            if controls.is_empty() {
                String::new()
            } else {
                format!(" ({controls})")
            }
        );
        if verbose {
            print_details(&replayed);
        }
    }
    if !json {
        let metrics = plugin.metrics();
        let decisions: Vec<String> = metrics
            .iter()
            .filter(|m| m.name.starts_with("aimsgate.decisions."))
            .map(|m| {
                format!(
                    "{}={}",
                    m.name.trim_start_matches("aimsgate.decisions."),
                    m.value
                )
            })
            .collect();
        println!(
            "\n{} exchanges through {} in {:.0?}; counters: {}",
            files.len() - unreadable,
            filter_path.display(),
            started.elapsed(),
            decisions.join(" ")
        );
    }
    if let Some(path) = events {
        // Removing the plugin ends its audit chain, as a drain would.
        plugin
            .shutdown()
            .map_err(|e| anyhow!("the filter failed at shutdown: {e}"))?;
        let lines = replay::audit_lines(plugin.logs());
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {} audit events to {}", lines.len(), path.display());
    }
    if unreadable > 0 {
        bail!("{unreadable} exchange file(s) could not be read");
    }
    Ok(())
}

fn print_details(replayed: &Replayed) {
    let outcome = &replayed.outcome;
    let mut out = String::new();
    match outcome
        .upstream
        .as_ref()
        .filter(|_| replayed.upstream_answered)
    {
        Some(up) => {
            let _ = writeln!(
                out,
                "    upstream saw: {}",
                String::from_utf8_lossy(&up.body)
            );
        }
        None => out.push_str("    upstream: not contacted\n"),
    }
    let _ = writeln!(out, "    client got {}:", outcome.status);
    for (k, v) in &outcome.headers {
        if k.starts_with("x-aimsgate") || k == "content-type" || k == "retry-after" {
            let _ = writeln!(out, "      {k}: {v}");
        }
    }
    let _ = writeln!(
        out,
        "      body: {}",
        String::from_utf8_lossy(&outcome.body)
    );
    for log in &outcome.logs {
        let _ = writeln!(out, "    log: {}", log.message);
    }
    print!("{out}");
}

fn observed(replayed: &Replayed) -> Observed {
    let decision = |d: &Option<LoggedDecision>| {
        d.as_ref().map(|d| ObservedDecision {
            outcome: d.outcome.clone(),
            rules: d.rules.clone(),
            controls: d.controls.clone(),
        })
    };
    Observed {
        request: decision(&replayed.request),
        response: decision(&replayed.response),
        status: replayed.outcome.status,
        headers: replayed.outcome.headers.clone(),
        body: replayed.outcome.body.clone(),
        upstream: replayed
            .outcome
            .upstream
            .as_ref()
            .filter(|_| replayed.upstream_answered)
            .map(|u| u.body.clone()),
    }
}

/// One case's result.
struct CaseResult {
    name: String,
    outcome: Outcome,
    seconds: f64,
    /// The property value naming the rules and controls the case's
    /// expectations name (see `aimsgate_compiler::junit`).
    exercises: String,
}

/// How a case ended. JUnit tells the two ways of not passing apart, and
/// CI systems show them differently: a failure is an expectation the
/// filter did not meet; an error is a case that could not be judged.
enum Outcome {
    Passed,
    /// What was expected and what was observed instead.
    Failed(Vec<String>),
    /// Why the case could not run to a verdict: its exchange could not be
    /// built (a recording missing or unreadable) or the filter trapped.
    Errored(Vec<String>),
}

/// One test file's results: a JUnit test suite.
struct SuiteResult {
    file: String,
    policy: String,
    /// When the suite started, UTC.
    started: String,
    cases: Vec<CaseResult>,
}

/// `aimsgate test`: returns whether every case passed.
pub fn test_command(files: &[PathBuf], filter_path: &Path, junit: Option<&Path>) -> Result<bool> {
    let module = filter(filter_path)?;
    let mut suites: Vec<SuiteResult> = Vec::new();
    let (mut passed, mut failed, mut errored) = (0usize, 0usize, 0usize);
    for file in files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let tests = match cases::load(&file.display().to_string(), &text) {
            Ok(tests) => tests,
            Err(report) => {
                eprint!("{}", report.render_fancy());
                bail!("{} is not a valid test file", file.display());
            }
        };
        let dir = file.parent().unwrap_or(Path::new("."));
        let policy_path = dir.join(&tests.policy);
        let mut plugin = plugin(&module, rules_bytes(&policy_path)?)?;
        plugin.take_logs();
        println!(
            "{} ({} cases, policy {})",
            file.display(),
            tests.cases.len(),
            policy_path.display()
        );
        let started_at = aimsgate_compiler::time::now_rfc3339();
        let mut results = Vec::new();
        for case in &tests.cases {
            let started = Instant::now();
            let outcome = match cases::exchange_of(case, &tests.defaults, dir) {
                Ok(exchange) => {
                    let replayed = replay::replay(&mut plugin, &exchange, &case.name, 1024);
                    let failures = cases::judge(case, &observed(&replayed));
                    match &replayed.outcome.trap {
                        // What a trapped filter left says nothing about
                        // the policy: the failures go with the error.
                        Some(trap) => Outcome::Errored(
                            std::iter::once(format!("the filter trapped: {trap}"))
                                .chain(failures)
                                .collect(),
                        ),
                        None if failures.is_empty() => Outcome::Passed,
                        None => Outcome::Failed(failures),
                    }
                }
                Err(err) => Outcome::Errored(vec![err]),
            };
            let problems = match &outcome {
                Outcome::Passed => {
                    passed += 1;
                    println!("  ok    {}", case.name);
                    &[][..]
                }
                Outcome::Failed(failures) => {
                    failed += 1;
                    println!("  FAIL  {}", case.name);
                    failures.as_slice()
                }
                Outcome::Errored(errors) => {
                    errored += 1;
                    println!("  ERROR {}", case.name);
                    errors.as_slice()
                }
            };
            for problem in problems {
                println!("        - {problem}");
            }
            let (rules, controls) = case.exercises();
            results.push(CaseResult {
                name: case.name.clone(),
                outcome,
                seconds: started.elapsed().as_secs_f64(),
                exercises: aimsgate_compiler::junit::exercises_value(&rules, &controls),
            });
        }
        suites.push(SuiteResult {
            file: file.display().to_string(),
            policy: policy_path.display().to_string(),
            started: started_at,
            cases: results,
        });
    }
    if errored > 0 {
        println!("\n{errored} case(s) could not be judged (errors)");
    }
    // The closing line keeps the `N passed, N failed` form that CI log
    // readers match; errored cases are among the failed (the line above
    // says how many).
    println!("\n{passed} passed, {} failed", failed + errored);
    if let Some(path) = junit {
        std::fs::write(path, junit_xml(&suites, &hostname()))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("JUnit report: {}", path.display());
    }
    Ok(failed + errored == 0)
}

/// This machine's name for JUnit's `hostname`; `localhost` when unknown,
/// as the Ant JUnit schema asks.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML CI systems read: one suite per test file.
///
/// Valid against both schemas consumers check it with (both vendored in
/// `policy-compiler/tests/data/junit/`, and CI validates a real report):
/// the Jenkins xUnit plugin's `junit-10.xsd` and the Apache Ant JUnit
/// schema. Ant's is the stricter: no attributes on `<testsuites>` (totals
/// are left to readers, which add up the suites anyway), a `package` and
/// an `id` on each suite, `timestamp` (without time zone: UTC here) and
/// `hostname` required, `<properties>`, `<system-out>` and `<system-err>`
/// present, and a `type` on each `<failure>` and `<error>`.
fn junit_xml(suites: &[SuiteResult], hostname: &str) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (id, suite) in suites.iter().enumerate() {
        let count = |f: fn(&Outcome) -> bool| suite.cases.iter().filter(|c| f(&c.outcome)).count();
        let failures = count(|o| matches!(o, Outcome::Failed(_)));
        let errors = count(|o| matches!(o, Outcome::Errored(_)));
        let time: f64 = suite.cases.iter().map(|c| c.seconds).sum();
        let name = xml_escape(&suite.file);
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{name}\" package=\"aimsgate\" id=\"{id}\" tests=\"{}\" \
             failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{time:.3}\" \
             timestamp=\"{}\" hostname=\"{}\">",
            suite.cases.len(),
            xml_escape(suite.started.trim_end_matches('Z')),
            xml_escape(hostname),
        );
        let _ = writeln!(
            xml,
            "    <properties>\n      <property name=\"policy\" value=\"{}\"/>",
            xml_escape(&suite.policy)
        );
        // What each case exercises, for `aimsgate soa --tests`.
        for case in &suite.cases {
            let _ = writeln!(
                xml,
                "      <property name=\"{}{}\" value=\"{}\"/>",
                aimsgate_compiler::junit::EXERCISES,
                xml_escape(&case.name),
                xml_escape(&case.exercises)
            );
        }
        xml.push_str("    </properties>");
        xml.push('\n');
        for case in &suite.cases {
            let _ = write!(
                xml,
                "    <testcase classname=\"{name}\" name=\"{}\" time=\"{:.3}\"",
                xml_escape(&case.name),
                case.seconds
            );
            let (element, kind, problems) = match &case.outcome {
                Outcome::Passed => {
                    xml.push_str("/>\n");
                    continue;
                }
                Outcome::Failed(failures) => ("failure", "expectation", failures),
                Outcome::Errored(errors) => ("error", "harness", errors),
            };
            let _ = writeln!(
                xml,
                ">\n      <{element} type=\"{kind}\" message=\"{}\">{}</{element}>\n    </testcase>",
                xml_escape(problems.first().map_or("", String::as_str)),
                xml_escape(&problems.join("\n"))
            );
        }
        xml.push_str("    <system-out/>\n    <system-err/>\n  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}
