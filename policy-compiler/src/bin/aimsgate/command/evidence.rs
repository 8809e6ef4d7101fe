//! `aimsgate evidence`: audit evidence from the filter's event logs.
//! `verify` checks the event chains (every event present, unaltered and in
//! order); `report` summarises the events per control of a policy.

use std::path::PathBuf;

use aimsgate_compiler::evidence;
use anyhow::{Result, anyhow};
use clap::{Subcommand, ValueEnum};

use crate::common::{Reported, compiled, write_output};

#[derive(clap::Args)]
pub struct EvidenceArgs {
    #[command(subcommand)]
    command: EvidenceCommand,
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
        /// silent for over two checkpoint intervals before it are cut off,
        /// and events old enough to be covered by a signed checkpoint or an
        /// anchor must be. Default: now.
        #[arg(long)]
        at: Option<String>,
        #[command(flatten)]
        trust: Trust,
        /// Output format.
        #[arg(long, value_enum, default_value_t = VerifyFormat::Text)]
        format: VerifyFormat,
    },
    /// Per control: interactions governed, decisions by mode, top rules,
    /// first and last seen, incidents.
    Report {
        #[command(flatten)]
        selection: Selection,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
        format: ReportFormat,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        trust: Trust,
    },
    /// Every incident, uncapped, for the incident process: time, system,
    /// route, rule, category, serious, the article to report under,
    /// controls, and where the event is (chain, seq).
    Incidents {
        #[command(flatten)]
        selection: Selection,
        /// Output format.
        #[arg(long, value_enum, default_value_t = IncidentFormat::Jsonl)]
        format: IncidentFormat,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// The events a report or an export reads, the policy they were governed
/// by, and the period.
#[derive(clap::Args)]
struct Selection {
    /// Event logs (proxy logs or OTLP JSON exports); read together.
    #[arg(required = true)]
    logs: Vec<PathBuf>,
    /// The policy the events were governed by (controls and titles,
    /// incident markings, systems' roles).
    #[arg(long)]
    policy: PathBuf,
    /// Only events at or after this time (RFC 3339 or Unix seconds).
    #[arg(long)]
    from: Option<String>,
    /// Only events before this time (RFC 3339 or Unix seconds).
    #[arg(long)]
    to: Option<String>,
}

impl Selection {
    /// The compiled policy, the events and the period.
    fn load(
        &self,
    ) -> Result<(
        aimsgate_compiler::policy::compile::Compiled,
        evidence::Events,
        evidence::report::Period,
    )> {
        let period = evidence::report::Period {
            from: self.from.as_deref().map(parse_time).transpose()?,
            to: self.to.as_deref().map(parse_time).transpose()?,
        };
        Ok((compiled(&self.policy)?, read_events(&self.logs)?, period))
    }
}

/// How `evidence incidents` writes them.
#[derive(Clone, Copy, ValueEnum)]
enum IncidentFormat {
    /// One JSON object per line.
    Jsonl,
    /// RFC 4180 CSV with a header row.
    Csv,
}

/// What the verifier checks signatures and anchors with.
#[derive(clap::Args, Default)]
pub struct Trust {
    /// Public key the chains' own events must be signed with (the
    /// runtime's checkpoint key; the text `aimsgate keygen` writes, or a
    /// file holding it). Repeat for rotated keys.
    #[arg(long = "key", value_name = "PUB")]
    keys: Vec<String>,
    /// Certificate (PEM or DER) of the timestamp authority anchors must be
    /// signed by: every event must be covered by one in time.
    #[arg(long, value_name = "CERT")]
    tsa_cert: Option<PathBuf>,
    /// Longest an event may wait for an anchor, in seconds (default: one
    /// checkpoint interval, two anchor intervals and 30 s).
    #[arg(long, value_name = "SECONDS")]
    max_anchor_delay: Option<u64>,
}

impl Trust {
    /// The verifier's options, with reference time `at` (`None`: the
    /// newest event's).
    pub fn options(&self, at: Option<u64>) -> Result<evidence::verify::Options> {
        Ok(evidence::verify::Options {
            at,
            keys: (!self.keys.is_empty())
                .then(|| trusted_keys(&self.keys))
                .transpose()?,
            tsa: self
                .tsa_cert
                .as_deref()
                .map(|path| {
                    let bytes = std::fs::read(path)
                        .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
                    evidence::timestamp::TsaCertificate::read(&bytes)
                        .map_err(|e| anyhow!("{}: {e}", path.display()))
                })
                .transpose()?,
            max_anchor_delay: self
                .max_anchor_delay
                .map(|s| s.saturating_mul(1_000_000_000)),
        })
    }
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

pub fn run(args: EvidenceArgs) -> Result<()> {
    match args.command {
        EvidenceCommand::Verify {
            logs,
            at,
            trust,
            format,
        } => {
            let events = read_events(&logs)?;
            let at = match at.as_deref() {
                Some(at) => parse_time(at)?,
                None => aimsgate_compiler::time::now_unix_nano(),
            };
            let options = trust.options(Some(at))?;
            let verdict = evidence::verify::verify(&events, options);
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
            selection,
            format,
            output,
            trust,
        } => {
            let (compiled, events, period) = selection.load()?;
            let report = evidence::report::build_verified(
                &events,
                &compiled,
                &period,
                &trust.options(None)?,
            );
            say_verification(&report);
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
        EvidenceCommand::Incidents {
            selection,
            format,
            output,
        } => {
            let (compiled, events, period) = selection.load()?;
            let incidents = evidence::report::incidents(&events, &compiled, &period);
            let text = match format {
                IncidentFormat::Jsonl => incidents
                    .iter()
                    .map(|i| serde_json::to_string(i).map(|l| l + "\n"))
                    .collect::<Result<String, _>>()?,
                IncidentFormat::Csv => incidents_csv(&incidents),
            };
            write_output(output.as_deref(), text.as_bytes())?;
            eprintln!("{} incident(s)", incidents.len());
            Ok(())
        }
    }
}

/// Incidents as RFC 4180 CSV: a header row, fields quoted when they hold
/// a comma, a quote or a line break.
fn incidents_csv(incidents: &[evidence::report::Incident]) -> String {
    fn field(text: &str) -> String {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_owned()
        }
    }
    let mut out = String::from(
        "time,system,route,phase,rule,severity,category,serious,report_under,owner,triage,plan,status,controls,request_id,chain,seq\r\n",
    );
    for i in incidents {
        let row = [
            i.time.clone(),
            i.system.clone().unwrap_or_default(),
            i.route.clone().unwrap_or_default(),
            i.phase.clone().unwrap_or_default(),
            i.rule.clone().unwrap_or_default(),
            i.severity.clone(),
            i.category.clone().unwrap_or_default(),
            i.serious.to_string(),
            i.report_under.clone().unwrap_or_default(),
            i.owner.clone().unwrap_or_default(),
            i.triage.clone(),
            i.plan.clone().unwrap_or_default(),
            i.status.map(|s| s.to_string()).unwrap_or_default(),
            i.controls.join(" "),
            i.request_id.clone().unwrap_or_default(),
            i.chain.clone(),
            i.seq.to_string(),
        ];
        let cells: Vec<String> = row.iter().map(|c| field(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Reads `events`, verifies them with `trust` and attaches the report's
/// runtime evidence to `statement`, saying the verification verdict: what
/// `soa --evidence` and `oscal --evidence` share.
pub fn attach_to_statement(
    statement: &mut aimsgate_compiler::soa::Soa,
    compiled: &aimsgate_compiler::policy::compile::Compiled,
    events: &std::path::Path,
    trust: &Trust,
) -> Result<()> {
    let events = evidence::read(events)?;
    let report = evidence::report::build_verified(
        &events,
        compiled,
        &evidence::report::Period::default(),
        &trust.options(None)?,
    );
    say_verification(&report);
    aimsgate_compiler::soa::attach_evidence(statement, &report);
    Ok(())
}

/// The verifier's verdict, on stderr before anything else: the report
/// carries it too, but whoever runs the command should not have to open it
/// to learn that the log it counts is broken.
pub fn say_verification(report: &evidence::report::EvidenceReport) {
    let v = &report.verification;
    if v.intact {
        eprintln!("audit log verification: intact");
    } else {
        eprintln!(
            "audit log verification: NOT intact ({} finding(s)); controls with events in a broken chain are not shown as operational",
            v.findings.len() as u64 + v.more_findings
        );
        for line in &v.findings {
            eprintln!("  {line}");
        }
    }
}

/// The public keys given, each as text or as a file holding it.
fn trusted_keys(given: &[String]) -> Result<aimsgate_engine::signing::TrustedKeys> {
    let mut text = String::new();
    for key in given {
        let key = match std::fs::read_to_string(key) {
            Ok(contents) => contents,
            Err(_) => key.clone(),
        };
        text.push_str(&key);
        text.push('\n');
    }
    aimsgate_engine::signing::TrustedKeys::parse(&text).map_err(|e| anyhow!("--key: {e}"))
}

/// Reads several logs as one, in the order given.
fn read_events(paths: &[PathBuf]) -> Result<evidence::read::Events> {
    let mut all = evidence::read::Events::default();
    for path in paths {
        let mut events = evidence::read(path)?;
        // Each location names its log: the logs are read as one, but a
        // finding must point at the file it came from.
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
