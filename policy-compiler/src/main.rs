//! `aimsgate`: the command line. It parses arguments, calls the libraries
//! and prints; every decision lives in `aimsgate_compiler` and
//! `aimsgate_engine`.
//!
//! Exit codes: 0 success, 1 policy or input errors (and warnings under
//! `check --strict`), 2 usage errors.

use std::fs;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aimsgate_compiler::diagnostics::Report;
use aimsgate_compiler::policy::{self, compile::Compiled};
use aimsgate_compiler::{catalogue, evidence, import, scan, soa};
use aimsgate_engine::Engine;
use aimsgate_engine::codec::Api;
use aimsgate_engine::exchange::Exchange;
use aimsgate_engine::ruleset::Phase;
use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand, ValueEnum};

#[cfg(feature = "harness")]
mod harness;

#[derive(Parser)]
#[command(
    name = "aimsgate",
    version,
    about = "Compile, check and test AI governance policies for the aimsgate filter"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a policy; diagnostics name file:line:column.
    Check {
        /// Policy file (YAML or JSON).
        policy: PathBuf,
        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiagFormat::Human)]
        format: DiagFormat,
    },
    /// Compile a policy into a rule set for the filter.
    Compile {
        /// Policy file.
        policy: PathBuf,
        /// Output file (a directory with --emit).
        #[arg(short, long)]
        output: PathBuf,
        /// Binary (for Envoy BytesValue) or JSON-wrapped (StringValue, Istio pluginConfig).
        #[arg(long, value_enum, default_value_t = RulesFormat::Bin)]
        format: RulesFormat,
        /// Write ready-to-apply deployment config with the rule set
        /// embedded instead: `envoy` (envoy.yaml) or `istio` (WasmPlugin,
        /// Dockerfile and, given the filter, an OCI image layout).
        #[arg(long, value_enum)]
        emit: Option<Emit>,
        /// The filter module, for the OCI image layout (--emit istio).
        #[arg(long, default_value = "target/aimsgate/filter.wasm")]
        filter: PathBuf,
        /// The upstream the Envoy config fronts, host:port (TLS).
        #[arg(long, default_value = "api.openai.com:443")]
        upstream: String,
        /// The OpenTelemetry Collector (OTLP/HTTP), host:port.
        #[arg(long, default_value = "otel-collector:4318")]
        collector: String,
        /// The OCI image the WasmPlugin pulls.
        #[arg(long)]
        image: Option<String>,
    },
    /// Write the Statement of Applicability.
    Soa {
        /// Policy file.
        policy: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SoaFormat::Md)]
        format: SoaFormat,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Audit events (proxy log or OTLP export): show each applied
        /// control's runtime evidence.
        #[arg(long)]
        evidence: Option<PathBuf>,
    },
    /// Audit evidence: verify event chains, report per control.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// Show what the policy decides for a text or a recorded request.
    Explain {
        /// Policy file.
        policy: PathBuf,
        /// Text to inspect as a user prompt.
        #[arg(long, conflicts_with = "request")]
        text: Option<String>,
        /// Inspect the text as a model completion instead.
        #[arg(long, requires = "text")]
        response: bool,
        /// A recorded exchange (or bare request body) to inspect.
        #[arg(long)]
        request: Option<PathBuf>,
        /// Override the API of the body.
        #[arg(long, value_parser = parse_api)]
        api: Option<Api>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutFormat::Human)]
        format: OutFormat,
    },
    /// Backtest a policy over recorded traffic (JSONL), one decision per line.
    Scan {
        /// Policy file.
        policy: PathBuf,
        /// JSONL input: exchanges, bare bodies, or {"text": …} objects.
        input: PathBuf,
        /// Output format (jsonl).
        #[arg(long, value_enum, default_value_t = ScanFormat::Jsonl)]
        format: ScanFormat,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Override the API of bare bodies.
        #[arg(long, value_parser = parse_api)]
        api: Option<Api>,
    },
    /// Import another tool's rules as a policy.
    Import {
        /// Source format.
        #[arg(value_enum)]
        from: ImportFrom,
        /// Source file.
        input: PathBuf,
        /// Output policy file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Print a JSON Schema: the policy's (for editors) or the audit event's.
    Schema {
        /// Which schema.
        #[arg(value_enum, default_value_t = SchemaKind::Policy)]
        which: SchemaKind,
    },
    /// List the control catalogue.
    Controls {
        /// Only this framework (iso42001, nist-ai-rmf, nist-ai-600-1, eu-ai-act, owasp-llm, atlas).
        #[arg(long)]
        framework: Option<String>,
    },
    /// List the built-in detectors.
    Detectors,
    /// Replay recorded exchanges through the real filter.wasm in the
    /// proxy-wasm harness; print what the client and the upstream saw.
    #[cfg(feature = "harness")]
    Replay {
        /// Exchange files, or directories of `*.json` exchanges.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The filter module.
        #[arg(long, default_value = harness::DEFAULT_FILTER)]
        filter: PathBuf,
        /// Compiled rule set (binary or JSON), or a policy to compile.
        #[arg(long, required_unless_present_any = ["envoy_config", "istio"], conflicts_with_all = ["envoy_config", "istio"])]
        rules: Option<PathBuf>,
        /// Run the filter with exactly the plugin configuration (and
        /// clusters) of this Envoy bootstrap.
        #[arg(long, conflicts_with = "istio")]
        envoy_config: Option<PathBuf>,
        /// Run the filter with the pluginConfig of this Istio WasmPlugin.
        #[arg(long)]
        istio: Option<PathBuf>,
        /// Bytes per body chunk as the proxy delivers them (0: one piece);
        /// recorded streams keep their own chunks.
        #[arg(long, default_value_t = 1024)]
        chunk_size: usize,
        /// One JSON object per exchange instead of the table.
        #[arg(long)]
        json: bool,
        /// Show bodies, headers and log lines under each exchange.
        #[arg(short, long)]
        verbose: bool,
        /// Write the filter's audit events here (JSON lines, as the proxy
        /// log carries them).
        #[arg(long)]
        events: Option<PathBuf>,
        /// Move the proxy clock this many milliseconds after each exchange,
        /// so ticks fire (audit checkpoints) as in a running proxy.
        #[arg(long, default_value_t = 0)]
        pace_ms: u64,
    },
    /// Run policy tests (YAML) through the real filter.wasm.
    #[cfg(feature = "harness")]
    Test {
        /// Test files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The filter module.
        #[arg(long, default_value = harness::DEFAULT_FILTER)]
        filter: PathBuf,
        /// Also write a JUnit XML report here.
        #[arg(long)]
        junit: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Check event chains: every event present, unaltered and in order.
    /// Exit 1 if any event is missing, altered or reordered.
    Verify {
        /// Event logs (proxy logs or OTLP JSON exports); read together.
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// When the logs were collected (RFC 3339 or Unix seconds): chains
        /// silent for over two checkpoint intervals before it are cut off.
        /// Default: the newest event's time.
        #[arg(long)]
        at: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = VerifyFormat::Text)]
        format: VerifyFormat,
    },
    /// Per control: interactions governed, decisions by mode, top rules,
    /// first and last seen, incidents.
    Report {
        /// Event logs (proxy logs or OTLP JSON exports); read together.
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// The policy the events were governed by (controls and titles).
        #[arg(long)]
        policy: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
        format: ReportFormat,
        /// Only events at or after this time (RFC 3339 or Unix seconds).
        #[arg(long)]
        from: Option<String>,
        /// Only events before this time (RFC 3339 or Unix seconds).
        #[arg(long)]
        to: Option<String>,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    /// A complete Envoy bootstrap.
    Envoy,
    /// An Istio WasmPlugin and the filter's OCI image.
    Istio,
}

#[derive(Clone, Copy, ValueEnum)]
enum VerifyFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Md,
    Json,
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    /// The policy file.
    Policy,
    /// One audit event.
    AuditEvent,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiagFormat {
    Human,
    Plain,
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Bin,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum SoaFormat {
    Md,
    Json,
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ScanFormat {
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportFrom {
    Gitleaks,
}

fn parse_api(name: &str) -> Result<Api, String> {
    Api::from_name(name).ok_or_else(|| {
        format!(
            "unknown API `{name}`; one of: {}",
            scan::api_names().join(", ")
        )
    })
}

/// An error already reported to the user: exit 1 without more output.
#[derive(Debug)]
struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reported")
    }
}

impl std::error::Error for Reported {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<Reported>() => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
        None => std::io::stdout()
            .write_all(bytes)
            .context("cannot write to standard output"),
    }
}

fn print_report(report: &Report, format: DiagFormat) {
    match format {
        DiagFormat::Human => eprint!("{}", report.render_fancy()),
        DiagFormat::Plain => eprint!("{}", report.render_plain()),
        DiagFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
        ),
        DiagFormat::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&report.to_sarif()).unwrap_or_default()
        ),
    }
}

/// Loads and compiles a policy; on errors prints them and fails.
fn compiled(path: &Path) -> Result<Compiled> {
    let text = read(path)?;
    let (compiled, report) = policy::check(&path.display().to_string(), &text);
    match compiled {
        Some(compiled) => Ok(compiled),
        None => {
            eprint!("{}", report.render_fancy());
            eprintln!("error: {} has {} error(s)", path.display(), report.errors());
            Err(Reported.into())
        }
    }
}

fn engine_of(compiled: &Compiled) -> Result<Engine> {
    Engine::new(compiled.ruleset.clone()).map_err(|e| anyhow!("the rule set does not load: {e}"))
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        #[cfg(feature = "harness")]
        Command::Replay {
            inputs,
            filter,
            rules,
            envoy_config,
            istio,
            chunk_size,
            json,
            verbose,
            events,
            pace_ms,
        } => harness::replay_command(
            &inputs,
            &filter,
            &harness::ConfigSource::of(rules, envoy_config, istio)?,
            harness::ReplayOptions {
                chunk: chunk_size,
                json,
                verbose,
                events: events.as_deref(),
                pace_ms,
            },
        ),
        #[cfg(feature = "harness")]
        Command::Test {
            files,
            filter,
            junit,
        } => {
            if harness::test_command(&files, &filter, junit.as_deref())? {
                Ok(())
            } else {
                Err(Reported.into())
            }
        }
        Command::Check {
            policy: path,
            strict,
            format,
        } => {
            let text = read(&path)?;
            let (compiled, report) = policy::check(&path.display().to_string(), &text);
            print_report(&report, format);
            let failed = compiled.is_none() || (strict && report.warnings() > 0);
            if !matches!(format, DiagFormat::Json | DiagFormat::Sarif) {
                let verdict = if failed { "FAILED" } else { "ok" };
                eprintln!(
                    "{}: {verdict} ({} error(s), {} warning(s){})",
                    path.display(),
                    report.errors(),
                    report.warnings(),
                    if strict { ", strict" } else { "" }
                );
            }
            if failed { Err(Reported.into()) } else { Ok(()) }
        }
        Command::Compile {
            policy: path,
            output,
            format,
            emit,
            filter,
            upstream,
            collector,
            image,
        } => {
            let compiled = compiled(&path)?;
            engine_of(&compiled)?;
            if let Some(emit) = emit {
                let mut deployment = aimsgate_compiler::emit::Deployment {
                    upstream,
                    collector,
                    ..Default::default()
                };
                if let Some(image) = image {
                    deployment.image = image;
                }
                return emit_config(&compiled, emit, &deployment, &filter, &output);
            }
            let bytes = match format {
                RulesFormat::Bin => compiled.ruleset.to_bytes(),
                RulesFormat::Json => compiled.ruleset.to_json().into_bytes(),
            };
            write_output(Some(&output), &bytes)?;
            let rs = &compiled.ruleset;
            eprintln!(
                "wrote {} ({} bytes): policy {} {} digest {}, {} detectors, {} rules, {} routes",
                output.display(),
                bytes.len(),
                rs.policy.name,
                rs.policy.version,
                rs.policy.digest.short(),
                rs.detectors.len(),
                rs.rules.len(),
                rs.routes.len()
            );
            Ok(())
        }
        Command::Soa {
            policy: path,
            format,
            output,
            evidence: events,
        } => {
            let compiled = compiled(&path)?;
            let mut soa = soa::build(&compiled, &aimsgate_compiler::time::now_rfc3339());
            if let Some(events) = &events {
                let events = evidence::read(events)?;
                let report = evidence::report::build(
                    &events,
                    &compiled,
                    &evidence::report::Period::default(),
                );
                soa::attach_evidence(&mut soa, &report);
            }
            let text = match format {
                SoaFormat::Md => soa::to_markdown(&soa),
                SoaFormat::Json => soa::to_json(&soa),
                SoaFormat::Html => soa::to_html(&soa),
            };
            write_output(output.as_deref(), text.as_bytes())?;
            if let Some(output) = &output {
                eprintln!("wrote {}", output.display());
            }
            Ok(())
        }
        Command::Explain {
            policy: path,
            text,
            response,
            request,
            api,
            format,
        } => {
            let compiled = compiled(&path)?;
            let engine = engine_of(&compiled)?;
            match (text, request) {
                (Some(text), _) => explain_text(&engine, &text, response, format),
                (None, Some(request)) => explain_request(&engine, &request, api, format),
                (None, None) => Err(anyhow!("give --text or --request")),
            }
        }
        Command::Scan {
            policy: path,
            input,
            format: ScanFormat::Jsonl,
            output,
            api,
        } => {
            let compiled = compiled(&path)?;
            let engine = engine_of(&compiled)?;
            let file = fs::File::open(&input)
                .with_context(|| format!("cannot read {}", input.display()))?;
            let total = file.metadata().map(|m| m.len()).unwrap_or(0);
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} scanning [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            let started = std::time::Instant::now();
            let writer: Box<dyn Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    fs::File::create(path)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let summary = scan::run(
                &engine,
                BufReader::with_capacity(1 << 20, file),
                writer,
                api,
                |n| bar.inc(n),
            )?;
            bar.finish_and_clear();
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "scanned {} lines in {:.2}s ({:.0} lines/s); {} unreadable",
                summary.lines,
                secs,
                summary.lines as f64 / secs.max(1e-9),
                summary.errors
            );
            for (outcome, n) in &summary.outcomes {
                eprintln!("  {outcome:<24} {n}");
            }
            for (rule, n) in &summary.rules {
                eprintln!("  rule {rule:<38} {n}");
            }
            if summary.errors > 0 {
                Err(anyhow!("{} line(s) could not be read", summary.errors))
            } else {
                Ok(())
            }
        }
        Command::Import {
            from: ImportFrom::Gitleaks,
            input,
            output,
        } => {
            let text = read(&input)?;
            let result = import::gitleaks::import(&text, &input.display().to_string())?;
            for (id, outcome) in &result.outcomes {
                match outcome {
                    import::gitleaks::Outcome::Imported => {}
                    import::gitleaks::Outcome::ImportedMonitor => {
                        eprintln!(
                            "  {id}: imported into the monitor-mode rule (its file-path restriction cannot apply to LLM traffic)"
                        )
                    }
                    import::gitleaks::Outcome::ImportedPartly(why) => {
                        eprintln!("  {id}: imported; {why}")
                    }
                    import::gitleaks::Outcome::Skipped(why) => eprintln!("  {id}: skipped: {why}"),
                }
            }
            write_output(Some(&output), result.policy_yaml.as_bytes())?;
            eprintln!(
                "imported {} of {} gitleaks rules into {}",
                result.imported(),
                result.outcomes.len(),
                output.display()
            );
            Ok(())
        }
        Command::Schema { which } => {
            let schema = match which {
                SchemaKind::Policy => schemars::schema_for!(aimsgate_compiler::policy::Policy),
                SchemaKind::AuditEvent => aimsgate_compiler::evidence::event_schema(),
            };
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(())
        }
        Command::Evidence { command } => evidence_command(command),
        Command::Controls { framework } => {
            let wanted = match framework.as_deref() {
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
        Command::Detectors => {
            for b in aimsgate_engine::detect::builtin::all() {
                println!("{:<22} {}", b.name, b.description);
            }
            Ok(())
        }
    }
}

/// `compile --emit`: deployment config into `dir`.
fn emit_config(
    compiled: &Compiled,
    emit: Emit,
    deployment: &aimsgate_compiler::emit::Deployment,
    filter: &Path,
    dir: &Path,
) -> Result<()> {
    use aimsgate_compiler::{emit, oci};
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let ruleset = &compiled.ruleset;
    match emit {
        Emit::Envoy => {
            let path = dir.join("envoy.yaml");
            fs::write(&path, emit::envoy_bootstrap(ruleset, deployment))?;
            eprintln!("wrote {}", path.display());
        }
        Emit::Istio => {
            let path = dir.join("wasmplugin.yaml");
            fs::write(&path, emit::istio_wasmplugin(ruleset, deployment))?;
            eprintln!("wrote {}", path.display());
            let path = dir.join("Dockerfile");
            fs::write(&path, emit::DOCKERFILE)?;
            eprintln!("wrote {}", path.display());
            match fs::read(filter) {
                Ok(wasm) => {
                    let tag = env!("CARGO_PKG_VERSION");
                    let layout = dir.join("oci");
                    let digest = oci::write_layout(&wasm, tag, &layout)?;
                    eprintln!(
                        "wrote {} (OCI image layout of {}, manifest {digest}; push with `crane push {} REF` or `skopeo copy oci:{}:{tag} docker://REF`)",
                        layout.display(),
                        filter.display(),
                        layout.display(),
                        layout.display()
                    );
                }
                Err(_) => eprintln!(
                    "note: no filter at {} (build it with `cargo xtask demo`, or pass --filter) — the OCI image layout was not written",
                    filter.display()
                ),
            }
        }
    }
    Ok(())
}

fn evidence_command(command: EvidenceCommand) -> Result<()> {
    match command {
        EvidenceCommand::Verify { logs, at, format } => {
            let events = read_events(&logs)?;
            let at = at.as_deref().map(parse_time).transpose()?;
            let verdict = evidence::verify::verify(&events, evidence::verify::Options { at });
            match format {
                VerifyFormat::Text => print!("{}", evidence::verify::to_text(&verdict)),
                VerifyFormat::Json => println!("{}", serde_json::to_string_pretty(&verdict)?),
            }
            if verdict.ok() {
                Ok(())
            } else {
                Err(Reported.into())
            }
        }
        EvidenceCommand::Report {
            logs,
            policy,
            format,
            from,
            to,
            output,
        } => {
            let compiled = compiled(&policy)?;
            let events = read_events(&logs)?;
            let period = evidence::report::Period {
                from: from.as_deref().map(parse_time).transpose()?,
                to: to.as_deref().map(parse_time).transpose()?,
            };
            let report = evidence::report::build(&events, &compiled, &period);
            let text = match format {
                ReportFormat::Md => evidence::report::to_markdown(&report),
                ReportFormat::Json => evidence::report::to_json(&report),
                ReportFormat::Html => evidence::report::to_html(&report),
            };
            write_output(output.as_deref(), text.as_bytes())?;
            if let Some(output) = &output {
                eprintln!("wrote {}", output.display());
            }
            Ok(())
        }
    }
}

/// Reads several logs as one, in the order given.
fn read_events(paths: &[PathBuf]) -> Result<evidence::read::Events> {
    let mut all = evidence::read::Events::default();
    for path in paths {
        let mut events = evidence::read(path)?;
        for record in &mut events.records {
            record.location.file = Some(path.display().to_string());
        }
        for (location, _) in &mut events.unreadable {
            location.file = Some(path.display().to_string());
        }
        all.records.append(&mut events.records);
        all.unreadable.append(&mut events.unreadable);
        all.skipped += events.skipped;
    }
    Ok(all)
}

/// A time as nanoseconds since the Unix epoch: Unix seconds, or RFC 3339
/// (`2026-11-28T10:00:00Z`, with optional fraction and offset).
fn parse_time(text: &str) -> Result<u64> {
    aimsgate_compiler::time::parse(text).ok_or_else(|| {
        anyhow!("`{text}` is not a time: use Unix seconds or RFC 3339 (2026-11-28T10:00:00Z)")
    })
}

fn explain_text(engine: &Engine, text: &str, response: bool, format: OutFormat) -> Result<()> {
    let phase = if response {
        Phase::Response
    } else {
        Phase::Request
    };
    let inspection = engine.inspect_text(text, phase);
    match format {
        OutFormat::Json => {
            let mut out = scan::decision_json(engine, &inspection.decision);
            out["redacted"] = serde_json::Value::String(inspection.redacted.clone());
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        OutFormat::Human => {
            print_header(engine);
            print_decision(engine, phase.name(), &inspection.decision);
            println!("\nredacted text:\n  {}", inspection.redacted);
        }
    }
    Ok(())
}

fn explain_request(
    engine: &Engine,
    path: &Path,
    api: Option<Api>,
    format: OutFormat,
) -> Result<()> {
    let text = read(path)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if value.get("request").is_none() {
        // A bare request body: no host or path, every rule applies.
        return explain_body(engine, &text, api, format);
    }
    let recording = Exchange::from_json(text.as_bytes())
        .with_context(|| format!("{} is not a valid exchange", path.display()))?;
    if matches!(format, OutFormat::Json) {
        println!(
            "{}",
            serde_json::to_string_pretty(&scan::scan_exchange(engine, &recording))?
        );
        return Ok(());
    }
    print_header(engine);
    let decided = scan::decide_exchange(engine, &recording);
    let route_name = decided
        .route
        .and_then(|r| engine.ruleset().routes.get(r as usize))
        .map_or("(none)".to_owned(), |r| r.id.clone());
    println!(
        "request:  {} {}{}",
        recording.request.method, recording.request.host, recording.request.path
    );
    println!("route:    {route_name}");
    println!("api:      {}", decided.api.map_or("unknown", |a| a.name()));
    if decided.request.is_none() && decided.response.is_none() {
        println!(
            "request decision: PASS (no route governs this host: forwarded untouched, not recorded)"
        );
    }
    for (phase, record, body) in [
        ("request", &decided.request, &decided.request_body),
        ("response", &decided.response, &decided.response_body),
    ] {
        let Some(record) = record else {
            continue;
        };
        if phase == "response" {
            println!();
        }
        if record.inspected {
            println!(
                "model:    {}   segments: {}",
                record.model.as_deref().unwrap_or("-"),
                record.segments.unwrap_or(0),
            );
        }
        print_decision(engine, phase, &record.decision);
        if let (Some(code), Some(message)) = (&record.code, &record.message) {
            println!("  {code}: {message}");
        }
        if let Some(body) = body {
            println!(
                "\nrewritten {phase} body:\n  {}",
                String::from_utf8_lossy(body)
            );
        }
    }
    Ok(())
}

/// A bare request body, decided with every rule (no route).
fn explain_body(engine: &Engine, text: &str, api: Option<Api>, format: OutFormat) -> Result<()> {
    let inspection = scan::inspect_bare_request(engine, text.as_bytes(), api);
    if matches!(format, OutFormat::Json) {
        let out = serde_json::json!({
            "api": inspection.api.map(|a| a.name()),
            "request": scan::decision_json(engine, &inspection.decision),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    print_header(engine);
    println!("request:  a bare body (no route: every rule applies)");
    println!(
        "api:      {}",
        inspection.api.map_or("unknown", |a| a.name())
    );
    if let Some(view) = &inspection.view {
        println!(
            "model:    {}   segments: {}   skipped media: {}",
            view.model.as_deref().unwrap_or("-"),
            view.segments.len(),
            view.skipped_media
        );
    }
    print_decision(engine, "request", &inspection.decision);
    if let Some(body) = &inspection.body {
        println!(
            "\nrewritten request body:\n  {}",
            String::from_utf8_lossy(body)
        );
    }
    Ok(())
}

fn print_header(engine: &Engine) {
    let p = &engine.ruleset().policy;
    println!(
        "policy:   {} {} (digest {})",
        p.name,
        p.version,
        p.digest.short()
    );
}

fn print_decision(engine: &Engine, phase: &str, decision: &aimsgate_engine::decision::Decision) {
    let rs = engine.ruleset();
    println!(
        "{phase} decision: {}",
        decision.outcome.name().to_uppercase()
    );
    if let Some(block) = &decision.block {
        println!("  answer {}: {}", block.status, block.message);
    }
    for fired in &decision.fired {
        let Some(rule) = rs.rules.get(fired.rule as usize) else {
            continue;
        };
        println!(
            "  rule {} [{} {}{}; severity {}] controls: {}",
            rule.id,
            fired.mode.name(),
            fired.action,
            if fired.applied { "" } else { ", not applied" },
            fired.severity.name(),
            rule.controls.join(", ")
        );
        for &h in &fired.hits {
            if let Some(hit) = decision.hits.get(h as usize) {
                let detector = rs
                    .detectors
                    .get(hit.detector as usize)
                    .map_or("?", |d| d.id.as_str());
                println!(
                    "    - {detector} in message {} ({}) bytes {}..{}",
                    hit.message_index,
                    hit.role.name(),
                    hit.span.start,
                    hit.span.end
                );
            }
        }
    }
    for (name, value) in &decision.headers {
        println!("  header {name}: {value}");
    }
    if let Some(cap) = decision.cap_max_tokens {
        println!("  max tokens capped at {cap}");
    }
}
