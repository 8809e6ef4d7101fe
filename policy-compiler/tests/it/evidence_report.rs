//! Evidence reports and the Statement of Applicability with evidence, from
//! realistic audit events: the baseline policy decides recorded exchanges
//! of examples/traffic, the engine builds their audit events at chosen
//! times, two chains seal them, and the report reads the lines back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aimsgate_compiler::catalogue::{self, Resolution};
use aimsgate_compiler::evidence::report::{
    self, CONTROL_INCIDENTS_LISTED, EvidenceReport, INCIDENTS_LISTED, Period,
};
use aimsgate_compiler::policy::compile::Compiled;
use aimsgate_compiler::{evidence, policy, scan, soa};
use aimsgate_engine::Engine;
use aimsgate_engine::audit::{AuditEvent, Chain, Subject, names};
use aimsgate_engine::decision::Decision;
use aimsgate_engine::recording::Recording;

const NANOS: u64 = 1_000_000_000;
const HOUR: u64 = 3600;
/// 2026-11-02T00:00:00Z.
const DAY0: u64 = 1_793_577_600;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn baseline_text() -> String {
    std::fs::read_to_string(root().join("examples/policies/baseline/policy.yaml")).unwrap()
}

fn compile(text: &str) -> Compiled {
    let (compiled, report) = policy::check("baseline", text);
    compiled.unwrap_or_else(|| panic!("{}", report.render_plain()))
}

fn engine(compiled: &Compiled) -> Engine {
    Engine::from_bytes(&compiled.ruleset.to_bytes()).unwrap()
}

fn exchange(prefix: &str) -> Recording {
    let dir = root().join("examples/traffic");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no traffic file {prefix}*"));
    Recording::from_json(&std::fs::read(file).unwrap()).unwrap()
}

/// A log being written: chains, sealed lines and the events they hold.
struct Log {
    chains: BTreeMap<&'static str, Chain>,
    lines: Vec<String>,
    events: Vec<AuditEvent>,
}

impl Log {
    fn new() -> Log {
        Log {
            chains: BTreeMap::new(),
            lines: Vec::new(),
            events: Vec::new(),
        }
    }

    fn seal(&mut self, chain: &'static str, event: AuditEvent) {
        let chain = self
            .chains
            .entry(chain)
            .or_insert_with(|| Chain::new(chain));
        let sealed = chain.seal(event);
        self.events
            .push(serde_json::from_str(&sealed.line).unwrap());
        self.lines.push(sealed.line);
    }

    /// A chain start event, as the filter writes on configuration.
    fn start(&mut self, chain: &'static str, secs: u64) {
        let event = AuditEvent {
            name: names::CHAIN_START.to_owned(),
            time_unix_nano: secs * NANOS,
            runtime: "aimsgate-test/1".to_owned(),
            ..AuditEvent::default()
        };
        self.seal(chain, event);
    }

    /// Decides the traffic file `prefix` with `engine` and logs its
    /// decision events (request at `secs`, response a second later).
    fn exchange(
        &mut self,
        engine: &Engine,
        chain: &'static str,
        prefix: &str,
        secs: u64,
        request_id: &str,
    ) {
        for (offset, decision) in decisions(engine, prefix).iter().enumerate() {
            let event = event(engine, prefix, decision, secs + offset as u64, request_id);
            self.seal(chain, event);
        }
    }

    fn text(&self) -> String {
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }
}

fn decisions(engine: &Engine, prefix: &str) -> Vec<Decision> {
    let decided = scan::decide_exchange(engine, &exchange(prefix));
    let mut out = Vec::new();
    if let Some(request) = decided.request {
        out.push(request.decision);
    }
    if let Some(response) = decided.response {
        out.push(response.decision);
    }
    out
}

fn event(
    engine: &Engine,
    prefix: &str,
    decision: &Decision,
    secs: u64,
    request_id: &str,
) -> AuditEvent {
    let ex = exchange(prefix);
    let headers = ex.request_headers();
    let decided = scan::decide_exchange(engine, &ex);
    engine.audit_event(
        decision,
        &Subject {
            runtime: "aimsgate-test/1",
            time_unix_nano: secs * NANOS,
            request_id,
            host: &ex.request.host,
            headers: &headers,
            route: decided.route,
            api: ex.api(),
            inspected: true,
            ..Subject::default()
        },
    )
}

/// The fixture: two chains over two days, with one exchange before and one
/// after the period, a repeated delivery and non-decision events.
///
/// | file | hour | request | response |
/// |---|---|---|---|
/// | 06 github token | -10 (before the period) | block (critical) | |
/// | 01 benign | 1 | allow | allow |
/// | 02 personal data | 2 | redact | allow |
/// | 05 AWS key | 3 | block (critical): incident | |
/// | 08 prompt injection | 5 | block (high): incident | |
/// | 10 role marker | 8 | flag | allow |
/// | 14 oversize prompt | 9 | block (low) | |
/// | 16 max tokens | 12 | cap | allow |
/// | 17 canary leak | 20 | allow | block (high): incident |
/// | 23 codename | 26 | monitor | allow |
/// | 25 no identity | 30 | block (medium) | |
/// | 24 retired system | 31 | block (no rule) | |
/// | 07 private key | 50 (after the period) | block (critical) | |
fn fixture(engine: &Engine) -> Log {
    let mut log = Log::new();
    log.start("vm-a", DAY0 - 11 * HOUR);
    log.start("vm-b", DAY0 - 11 * HOUR);
    let plan: [(&str, &str, i64); 13] = [
        ("vm-a", "06-", -10),
        ("vm-a", "01-", 1),
        ("vm-b", "02-", 2),
        ("vm-a", "05-", 3),
        ("vm-b", "08-", 5),
        ("vm-a", "10-", 8),
        ("vm-b", "14-", 9),
        ("vm-a", "16-", 12),
        ("vm-b", "17-", 20),
        ("vm-a", "23-", 26),
        ("vm-b", "25-", 30),
        ("vm-a", "24-", 31),
        ("vm-b", "07-", 50),
    ];
    for (chain, prefix, hour) in plan {
        let secs = DAY0.checked_add_signed(hour * HOUR as i64).unwrap();
        let request_id = format!("req-{}", prefix.trim_end_matches('-'));
        log.exchange(engine, chain, prefix, secs, &request_id);
    }
    // An at-least-once collector delivers the AWS-key event twice.
    let repeated = log
        .lines
        .iter()
        .find(|l| l.contains("\"req-05\""))
        .cloned()
        .unwrap();
    log.lines.push(repeated);
    log
}

/// 2026-11-02T00:00:00Z to 2026-11-04T00:00:00Z.
fn two_days() -> Period {
    Period {
        from: Some(DAY0 * NANOS),
        to: Some((DAY0 + 48 * HOUR) * NANOS),
    }
}

struct Built {
    compiled: Compiled,
    log: Log,
    report: EvidenceReport,
}

fn built() -> Built {
    let compiled = compile(&baseline_text());
    let log = fixture(&engine(&compiled));
    let events = evidence::read_str(&log.text());
    let report = report::build(&events, &compiled, &two_days());
    Built {
        compiled,
        log,
        report,
    }
}

fn control<'a>(report: &'a EvidenceReport, reference: &str) -> &'a report::ControlEvidence {
    report
        .controls
        .iter()
        .find(|c| c.reference == reference)
        .unwrap_or_else(|| panic!("{reference} missing from the report"))
}

/// The decision events of the fixture in the two days, counted here
/// independently of the report.
fn in_period(log: &Log) -> Vec<&AuditEvent> {
    let period = two_days();
    log.events
        .iter()
        .filter(|e| e.name == names::DECISION && period.contains(e.time_unix_nano))
        .collect()
}

#[test]
fn per_control_counts_match_the_events() {
    let b = built();
    let events = in_period(&b.log);
    assert_eq!(b.report.totals.interactions, events.len() as u64);
    // Eleven exchanges in the period, six with a response phase.
    assert_eq!(events.len(), 17);
    for c in &b.report.controls {
        let governed: Vec<&&AuditEvent> = events
            .iter()
            .filter(|e| e.controls.contains(&c.reference))
            .collect();
        assert_eq!(c.interactions, governed.len() as u64, "{}", c.reference);
        assert_eq!(c.outcomes.total(), c.interactions, "{}", c.reference);
        assert_eq!(
            c.modes.enforce + c.modes.monitor,
            c.interactions,
            "{}",
            c.reference
        );
        let blocks = governed
            .iter()
            .filter(|e| e.outcome.as_deref() == Some("block"))
            .count() as u64;
        assert_eq!(c.outcomes.block, blocks, "{}", c.reference);
    }

    // A.9.2 (responsible use): the codename rule in monitor mode; the
    // identity, credential and personal-data rules enforced.
    let use_rules = control(&b.report, "iso42001:A.9.2");
    assert_eq!(use_rules.interactions, 4);
    assert_eq!((use_rules.modes.enforce, use_rules.modes.monitor), (3, 1));
    assert_eq!(use_rules.outcomes.monitor, 1);
    assert_eq!(use_rules.outcomes.block, 2);
    assert_eq!(use_rules.incidents.total, 1);
    assert_eq!(
        use_rules.first_seen.as_deref(),
        Some("2026-11-02T02:00:00Z")
    );
    assert_eq!(use_rules.last_seen.as_deref(), Some("2026-11-03T06:00:00Z"));
    let top: Vec<(&str, u64)> = use_rules
        .top_rules
        .iter()
        .map(|r| (r.id.as_str(), r.count))
        .collect();
    assert_eq!(
        top,
        [
            ("block-secrets-in-prompts", 1),
            ("monitor-confidential-codenames", 1),
            ("redact-personal-data", 1),
            ("require-caller-identity", 1)
        ]
    );

    // A.6.2.6 (operation and monitoring): injection, role markers, prompt
    // leakage and the output cap, all enforced.
    let ops = control(&b.report, "iso42001:A.6.2.6");
    assert_eq!(ops.interactions, 4);
    assert_eq!((ops.modes.enforce, ops.modes.monitor), (4, 0));
    assert_eq!(ops.first_seen.as_deref(), Some("2026-11-02T05:00:00Z"));
    assert_eq!(ops.incidents.total, 2);

    // Approved models: no exchange of the fixture tried another model, so
    // the rule never fired; it was in force on every governed OpenAI and
    // Anthropic request, which is its coverage.
    let suppliers = control(&b.report, "iso42001:A.10.3");
    assert_eq!(suppliers.interactions, 0);
    assert!(suppliers.evaluated > 0, "{suppliers:?}");
    assert!(suppliers.evaluated < b.report.totals.interactions);
    assert!(suppliers.evaluated_from.is_some());
    assert_eq!(suppliers.title.as_deref(), Some("Suppliers"));
    assert_eq!(suppliers.rules, ["approved-models-only"]);
    assert_eq!(suppliers.first_seen, None);

    let t = &b.report.totals;
    assert_eq!(t.outcomes.block, 6);
    assert_eq!(t.outcomes.allow, 7);
    // Allowed with no rule fired, and the retired system's refusal.
    assert_eq!(t.modes.none, 8);
    assert_eq!(t.modes.monitor, 1);
    assert_eq!(t.chains, 2);
    assert_eq!(t.duplicates, 1);
    assert_eq!(t.controls, b.report.controls.len() as u64);
    // Every control's rules were in force somewhere; not all fired.
    assert!(t.controls_with_evidence <= t.controls);
    assert!(
        b.report
            .controls
            .iter()
            .filter(|c| c.interactions > 0)
            .count()
            < t.controls as usize
    );
    assert!(b.report.warnings.is_empty(), "{:?}", b.report.warnings);
}

#[test]
fn every_control_of_the_policy_is_listed_and_no_other() {
    let b = built();
    let mut cited: Vec<&str> = b
        .compiled
        .ruleset
        .rules
        .iter()
        .flat_map(|r| r.controls.iter().map(String::as_str))
        .collect();
    cited.sort_unstable();
    cited.dedup();
    let mut listed: Vec<&str> = b
        .report
        .controls
        .iter()
        .map(|c| c.reference.as_str())
        .collect();
    // Annex A first, in catalogue order.
    assert_eq!(listed[0], "iso42001:A.6.2.6");
    listed.sort_unstable();
    assert_eq!(listed, cited);
    for c in &b.report.controls {
        match catalogue::resolve(&c.reference) {
            Resolution::Known(known) => assert_eq!(c.title.as_deref(), Some(known.title)),
            Resolution::Unlisted { .. } => assert_eq!(c.title, None),
            other => panic!("{} does not resolve: {other:?}", c.reference),
        }
        assert!(!c.rules.is_empty(), "{}", c.reference);
    }
    assert!(b.report.unmapped_controls.is_empty());
}

#[test]
fn events_outside_the_period_are_left_out() {
    let b = built();
    let t = &b.report.totals;
    // 06 (before) and 07 (after): one decision each; the chain starts are
    // before the period too.
    assert_eq!(t.outside_period, 4);
    assert!(
        !b.report
            .incidents
            .listed
            .iter()
            .any(|i| ["req-06", "req-07"].contains(&i.request_id.as_deref().unwrap_or("")))
    );
    assert_eq!(
        b.report.period.first_event.as_deref(),
        Some("2026-11-02T01:00:00Z")
    );
    assert_eq!(
        b.report.period.last_event.as_deref(),
        Some("2026-11-03T07:00:00Z")
    );
    assert_eq!(
        b.report.period.from.as_deref(),
        Some("2026-11-02T00:00:00Z")
    );

    // The second day alone: the codename, identity and retired-system
    // exchanges.
    let events = evidence::read_str(&b.log.text());
    let day2 = Period {
        from: Some((DAY0 + 24 * HOUR) * NANOS),
        to: Some((DAY0 + 48 * HOUR) * NANOS),
    };
    let second = report::build(&events, &b.compiled, &day2);
    assert_eq!(second.totals.interactions, 4);
    assert_eq!(second.totals.incidents, 0);
    assert_eq!(control(&second, "iso42001:A.6.2.6").interactions, 0);
    assert_eq!(control(&second, "iso42001:A.9.2").interactions, 2);

    // No period: everything, the repeated delivery still once.
    let all = report::build(&events, &b.compiled, &Period::default());
    assert_eq!(all.totals.interactions, 19);
    assert_eq!(all.totals.incidents, 5);
    assert_eq!(all.totals.outside_period, 0);

    // The timeline spans the period and holds every decision in it.
    let timeline = &b.report.timeline;
    assert_eq!(timeline.bucket_label, "1 hour");
    assert_eq!(timeline.buckets.len(), 48);
    let counted: u64 = timeline.buckets.iter().map(|b| b.outcomes.total()).sum();
    assert_eq!(counted, b.report.totals.interactions);
    assert_eq!(timeline.buckets[3].outcomes.block, 1);
}

#[test]
fn incidents_are_serious_blocks_oldest_first() {
    let b = built();
    let incidents = &b.report.incidents;
    let listed: Vec<(&str, &str, &str, &str)> = incidents
        .listed
        .iter()
        .map(|i| {
            (
                i.request_id.as_deref().unwrap_or(""),
                i.rule.as_deref().unwrap_or(""),
                i.severity.as_str(),
                i.route.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("req-05", "block-secrets-in-prompts", "critical", "openai"),
            ("req-08", "block-prompt-injection", "high", "openai"),
            ("req-17", "block-system-prompt-leak", "high", "openai"),
        ]
    );
    assert_eq!(incidents.total, 3);
    assert_eq!(incidents.more, 0);
    assert_eq!(incidents.listed[0].time, "2026-11-02T03:00:00Z");
    assert_eq!(incidents.listed[2].phase.as_deref(), Some("response"));
    assert_eq!(incidents.listed[0].status, Some(403));
    // Low and medium blocks (oversize prompt, missing identity) and a
    // refusal without a rule (retired system) are not incidents.
    assert_eq!(b.report.totals.outcomes.block, 6);
}

#[test]
fn incident_lists_are_capped_and_say_how_many_more() {
    let compiled = compile(&baseline_text());
    let engine = engine(&compiled);
    let mut log = Log::new();
    for i in 0..60 {
        log.exchange(
            &engine,
            "vm-a",
            "08-",
            DAY0 + i * 60,
            &format!("inj-{i:02}"),
        );
    }
    let report = report::build(
        &evidence::read_str(&log.text()),
        &compiled,
        &Period::default(),
    );
    assert_eq!(report.incidents.total, 60);
    assert_eq!(report.incidents.listed.len(), INCIDENTS_LISTED);
    assert_eq!(report.incidents.more, 60 - INCIDENTS_LISTED as u64);
    assert_eq!(
        report.incidents.listed[0].request_id.as_deref(),
        Some("inj-00")
    );
    let injection = control(&report, "owasp-llm:LLM01");
    assert_eq!(injection.incidents.total, 60);
    assert_eq!(injection.incidents.listed.len(), CONTROL_INCIDENTS_LISTED);
    let md = report::to_markdown(&report);
    assert!(md.contains("…and 10 more incident(s)"), "{md}");
    let html = report::to_html(&report);
    assert!(html.contains("…and <strong>10</strong> more incident(s)"));
}

#[test]
fn other_policy_versions_and_altered_events_are_warned_about() {
    let compiled = compile(&baseline_text());
    let older = compile(&baseline_text().replace("version: \"1.0.0\"", "version: \"0.9.0\""));
    let mut log = Log::new();
    log.exchange(&engine(&compiled), "vm-a", "05-", DAY0, "now");
    log.exchange(&engine(&older), "vm-b", "08-", DAY0 + 60, "before");
    // One byte changed: the event no longer matches its digest.
    let altered = log.lines[0].replace("\"now\"", "\"NOW\"");
    assert_ne!(altered, log.lines[0]);
    log.lines[0] = altered;
    log.lines
        .push("{\"schema\":\"aimsgate.audit/1\",broken".to_owned());

    let report = report::build(
        &evidence::read_str(&log.text()),
        &compiled,
        &Period::default(),
    );
    assert_eq!(report.policies_seen.len(), 2);
    assert_eq!(report.policies_seen.iter().filter(|p| p.matches).count(), 1);
    let warnings = report.warnings.join("\n");
    assert!(
        warnings.contains("governed by policy baseline-iso42001 0.9.0"),
        "{warnings}"
    );
    assert!(
        warnings.contains("1 event(s) failed their digest check — run `aimsgate evidence verify`"),
        "{warnings}"
    );
    assert!(warnings.contains("could not be read"), "{warnings}");
    assert_eq!(report.integrity.not_intact, 1);
    assert_eq!(report.integrity.unreadable, 1);
    let md = report::to_markdown(&report);
    assert!(md.contains("> **Warning:**"));
    let html = report::to_html(&report);
    assert!(html.contains("run `aimsgate evidence verify`"));
    assert!(html.contains("<span class=\"bad\">no</span>"));
}

#[test]
fn markdown_is_tables() {
    let b = built();
    let md = report::to_markdown(&b.report);
    assert!(md.starts_with("# Runtime evidence report — baseline-iso42001 1.0.0"));
    for heading in [
        "## Summary",
        "## Decisions over time",
        "## Controls",
        "## Incidents",
    ] {
        assert!(md.contains(heading), "{heading}");
    }
    assert!(md.contains(
        "| Control | Title | Evaluated | Fired in | Uninspected | Enforce / monitor | Outcomes | Top rules | First seen | Last seen | Incidents |"
    ));
    let suppliers = control(&b.report, "iso42001:A.10.3");
    assert!(
        md.contains(&format!(
            "| iso42001:A.10.3 | Suppliers | {} | 0 |",
            suppliers.evaluated
        )),
        "{md}"
    );
    // Every control once, as a row.
    for c in &b.report.controls {
        let row = format!("| {} |", c.reference);
        assert_eq!(
            md.lines().filter(|l| l.starts_with(&row)).count(),
            1,
            "{}",
            c.reference
        );
    }
    assert!(md.contains(
        "| 2026-11-02T03:00:00Z | req-05 | block-secrets-in-prompts | critical | openai |"
    ));
    assert!(md.contains(&b.report.policy.digest));
    // The timeline lists the hours with decisions only.
    assert!(md.contains("| 2026-11-02T03:00:00Z | 1 | 0 | 0 | 0 | 0 | 0 | 1 |"));
    assert!(!md.contains("| 2026-11-02T04:00:00Z |"));
    // Tables are well formed: every row of a table has its header's cells.
    let mut columns = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let cells = line.replace("\\|", "").matches('|').count();
        match columns {
            None => columns = Some(cells),
            Some(n) => assert_eq!(cells, n, "{line}"),
        }
    }
}

/// Elements open and close in order, void and self-closed ones aside
/// (enough to catch a missing `</td>` or a stray `<` from unescaped text).
fn assert_balanced(html: &str) {
    const VOID: [&str; 4] = ["meta", "br", "hr", "img"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').expect("unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        let self_closing = tag.ends_with('/');
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(!name.is_empty(), "bad tag <{tag}>");
        if !self_closing && !VOID.contains(&name.as_str()) {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

const SECTION_IDS: [&str; 5] = [
    "summary",
    "decisions-over-time",
    "control-coverage",
    "controls",
    "incidents",
];

#[test]
fn html_is_one_offline_page_with_sections_and_charts() {
    let b = built();
    let html = report::to_html(&b.report);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert_balanced(&html);
    for id in SECTION_IDS {
        assert_eq!(
            html.matches(&format!("<section id=\"{id}\">")).count(),
            1,
            "{id}"
        );
    }
    assert_eq!(html.matches("<svg").count(), 2);
    // Nothing from elsewhere: no scripts, stylesheets, fonts or images.
    let lower = html.to_ascii_lowercase();
    for banned in [
        "<script", "<link", "@import", "src=", "url(", "<iframe", "<img",
    ] {
        assert!(!lower.contains(banned), "{banned}");
    }
    let external = lower.matches("http").count();
    assert_eq!(
        external,
        lower.matches("http://www.w3.org/2000/svg").count(),
        "only the SVG namespace may name a URL"
    );
    // Every control is a row of the table and a bar label of the chart.
    for c in &b.report.controls {
        assert!(html.contains(&format!("<td class=\"id\">{}</td>", c.reference)));
    }
    // Approved models: evaluated, never fired.
    let suppliers = control(&b.report, "iso42001:A.10.3");
    assert!(html.contains(&format!(
        "<td class=\"num\">{}</td><td class=\"num\">0</td>",
        suppliers.evaluated
    )));
    assert!(html.contains("block-system-prompt-leak"));
    assert!(html.contains("@media print"));
}

/// The charts are drawn by the markup alone: no scripts, no event
/// handlers, no embedded HTML, and every chart has a viewBox and marks.
#[test]
fn charts_render_without_scripts() {
    let b = built();
    let html = report::to_html(&b.report);
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"));
    assert!(!lower.contains("javascript:"));
    assert!(!lower.contains("<foreignobject"));
    assert!(!lower.contains("<noscript"));
    for attr in [
        " onload=",
        " onclick=",
        " onerror=",
        " onmouseover=",
        " onbegin=",
    ] {
        assert!(!lower.contains(attr), "{attr}");
    }
    let charts: Vec<&str> = html
        .split("<svg")
        .skip(1)
        .map(|rest| &rest[..rest.find("</svg>").expect("unclosed svg")])
        .collect();
    assert_eq!(charts.len(), 2);
    for chart in charts {
        assert!(chart.contains("viewBox=\"0 0 "), "{chart}");
        assert!(chart.contains("<rect"), "no marks");
        assert!(chart.contains("<text"), "no labels");
        assert!(chart.contains("<title>"), "no accessible title");
    }
}

#[test]
fn html_escapes_what_events_say() {
    let compiled = compile(&baseline_text());
    let engine = engine(&compiled);
    let mut log = Log::new();
    let mut event = event(&engine, "08-", &decisions(&engine, "08-")[0], DAY0, "req-1");
    // The engine hashes a request id that is not a plain token; a trail
    // written by anything else may still hold markup, and the report must
    // escape it.
    event.request_id = Some("<img src=x onerror=alert(1)>".to_owned());
    event.route = Some("a&b\"<c>".to_owned());
    log.seal("vm-<a>", event);
    let report = report::build(
        &evidence::read_str(&log.text()),
        &compiled,
        &Period::default(),
    );
    assert_eq!(report.incidents.total, 1);
    let html = report::to_html(&report);
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("a&amp;b&quot;&lt;c&gt;"));
    assert_balanced(&html);
    let md = report::to_markdown(&report);
    assert!(!md.contains("<img"));
}

#[test]
fn json_round_trips_with_a_stable_layout() {
    let b = built();
    let json = report::to_json(&b.report);
    let back: EvidenceReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, b.report);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema"], report::SCHEMA);
    for key in [
        "policy",
        "policies_seen",
        "period",
        "totals",
        "integrity",
        "warnings",
        "timeline",
        "controls",
        "unmapped_controls",
        "incidents",
    ] {
        assert!(value.get(key).is_some(), "{key}");
    }
    assert_eq!(
        value["policy"]["digest"],
        b.compiled.ruleset.policy.digest.to_hex()
    );
    assert_eq!(value["totals"]["outcomes"]["block"], 6);
    let a92 = value["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["reference"] == "iso42001:A.9.2")
        .unwrap();
    assert_eq!(a92["interactions"], 4);
    assert_eq!(a92["modes"]["monitor"], 1);
    assert_eq!(a92["first_seen"], "2026-11-02T02:00:00Z");
    assert_eq!(value["incidents"]["listed"][0]["request_id"], "req-05");
    // Never content: the secrets of the traffic files are not in it.
    for canary in ["AKIA", "ignore all previous", "AIMS-CANARY"] {
        assert!(!json.contains(canary), "{canary}");
    }
}

fn entry<'a>(soa: &'a soa::Soa, id: &str) -> &'a soa::SoaEntry {
    soa.controls.iter().find(|e| e.id == id).unwrap()
}

#[test]
fn soa_shows_operational_and_planned_controls() {
    let b = built();
    let plain = soa::build(&b.compiled, "2026-11-05T00:00:00Z");
    let mut with = plain.clone();
    soa::attach_evidence(&mut with, &b.report);

    // Two days of traffic are under the default minimum (30 days, 100
    // interactions): operating, not operational yet.
    let ops = entry(&with, "A.6.2.6").runtime_evidence.as_ref().unwrap();
    assert_eq!(ops.status, soa::EvidenceStatus::Operating);
    assert!(
        ops.text().starts_with("operating since 2026-11-02T"),
        "{}",
        ops.text()
    );
    // With the policy's minimum lowered, the same evidence is operational.
    let mut lowered = plain.clone();
    lowered.operating_thresholds = soa::OperatingThresholds {
        min_days: 1,
        min_interactions: 5,
    };
    soa::attach_evidence(&mut lowered, &b.report);
    let lowered_ops = entry(&lowered, "A.6.2.6")
        .runtime_evidence
        .as_ref()
        .unwrap();
    assert_eq!(lowered_ops.status, soa::EvidenceStatus::Operational);
    assert!(lowered_ops.text().starts_with("operational (evaluated in "));
    assert_eq!(
        ops.interactions,
        control(&b.report, "iso42001:A.6.2.6").interactions
    );
    assert_eq!(ops.incidents, 2);
    assert_eq!(ops.first_seen.as_deref(), Some("2026-11-02T05:00:00Z"));
    // In force but never fired: coverage is evidence too.
    let suppliers = entry(&with, "A.10.3").runtime_evidence.as_ref().unwrap();
    assert_eq!(suppliers.status, soa::EvidenceStatus::Operating);
    assert_eq!(suppliers.interactions, 0);
    assert!(suppliers.evaluated > 0);
    // Organisational and excluded controls have no runtime evidence to show.
    assert!(entry(&with, "A.2.2").runtime_evidence.is_none());
    assert!(entry(&with, "A.7.2").runtime_evidence.is_none());
    let llm01 = with
        .other_frameworks
        .iter()
        .find(|f| f.reference == "owasp-llm:LLM01")
        .unwrap();
    assert_eq!(
        llm01.runtime_evidence.as_ref().map(|r| r.status),
        Some(soa::EvidenceStatus::Operating)
    );
    let basis = with.runtime_evidence.as_ref().unwrap();
    assert_eq!(basis.interactions, 17);
    assert_eq!(
        basis.operational + basis.operating + basis.planned + basis.unverified,
        with.summary.applied_runtime
    );
    assert_eq!(
        basis.operational, 0,
        "two days are under the default minimum"
    );
    assert!(basis.operating >= 1);
    assert!(basis.policy_digest_matches);

    let md = soa::to_markdown(&with);
    assert!(md.contains("## Operating evidence"));
    assert!(md.contains("| Operating evidence |"));
    let a626 = md.lines().find(|l| l.starts_with("| A.6.2.6 |")).unwrap();
    // Since the first exchange its rules were in force on (an allowed one),
    // not the first they fired on.
    assert!(
        a626.contains(
            "| operating since 2026-11-02T01:00:00Z (1 day, 17 interactions evaluated; fired in 4 interactions) |"
        ),
        "{a626}"
    );
    let a103 = md.lines().find(|l| l.starts_with("| A.10.3 |")).unwrap();
    assert!(a103.contains("fired in 0 interactions) |"), "{a103}");

    let html = soa::to_html(&with);
    assert_balanced(&html);
    assert!(html.contains("<th>Operating evidence</th>"));
    assert!(html.contains("<span class=\"rt rt-operating\">operating</span>"));
    assert!(
        soa::to_html(&lowered).contains("<span class=\"rt rt-operational\">operational</span>")
    );
    assert_eq!(html.matches("<tr class=\"row-").count(), 38);

    let json = soa::to_json(&with);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let a626 = value["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "A.6.2.6")
        .unwrap();
    assert_eq!(a626["runtime_evidence"]["status"], "operating");
    assert_eq!(a626["runtime_evidence"]["evaluated"], 17);
    assert_eq!(a626["runtime_evidence"]["incidents"], 2);
    let back: soa::Soa = serde_json::from_str(&json).unwrap();
    assert_eq!(back, with);

    // Without evidence, nothing of it shows.
    assert!(!soa::to_json(&plain).contains("runtime_evidence"));
    assert!(!soa::to_markdown(&plain).contains("Operating evidence"));
    assert!(!soa::to_html(&plain).contains("Operating evidence"));
}

// ---------------------------------------------------------------------------
// The CLI
// ---------------------------------------------------------------------------

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("evidence_report");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn write_fixture(name: &str) -> PathBuf {
    let b = built();
    let path = scratch(name);
    // Proxy log style: the event behind whatever the proxy prefixes.
    let text: String = b
        .log
        .lines
        .iter()
        .map(|l| format!("[2026-11-02 00:00:00.000][12][info][wasm] {l}\n"))
        .collect();
    std::fs::write(&path, text).unwrap();
    path
}

fn aimsgate(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_aimsgate"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "aimsgate {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const BASELINE: &str = "examples/policies/baseline/policy.yaml";

#[test]
fn cli_evidence_report_and_soa_with_evidence() {
    let events = write_fixture("cli-events.log");
    let events = events.to_str().unwrap();
    let md = aimsgate(&[
        "evidence",
        "report",
        events,
        "--policy",
        BASELINE,
        "--format",
        "md",
        "--from",
        "2026-11-02T00:00:00Z",
        "--to",
        "2026-11-04T00:00:00Z",
    ]);
    assert!(md.contains("# Runtime evidence report — baseline-iso42001 1.0.0"));
    assert!(md.contains("| Governed interactions | 17 |"), "{md}");
    // Approved models: in force (evaluated), never fired.
    let row = md
        .lines()
        .find(|l| l.starts_with("| iso42001:A.10.3 | Suppliers |"))
        .expect("a row for A.10.3");
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    assert!(cells[3].parse::<u64>().unwrap() > 0, "{row}");
    assert_eq!(cells[4], "0", "{row}");

    let html_path = scratch("cli-report.html");
    aimsgate(&[
        "evidence",
        "report",
        events,
        "--policy",
        BASELINE,
        "--format",
        "html",
        "-o",
        html_path.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&html_path).unwrap();
    for id in SECTION_IDS {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // No period: the exchanges before and after count too.
    assert!(html.contains("<div class=\"value\">19</div>"));

    let soa_md = aimsgate(&["soa", BASELINE, "--evidence", events, "--format", "md"]);
    let a626 = soa_md
        .lines()
        .find(|l| l.starts_with("| A.6.2.6 |"))
        .unwrap();
    assert!(a626.contains("operating since "), "{a626}");
    let a103 = soa_md
        .lines()
        .find(|l| l.starts_with("| A.10.3 |"))
        .unwrap();
    assert!(a103.contains("fired in 0 interactions) |"), "{a103}");
}

#[test]
fn json_documents_validate_against_their_published_schemas() {
    let events = write_fixture("schema-events.log");
    let events = events.to_str().unwrap();
    let report = aimsgate(&[
        "evidence", "report", events, "--policy", BASELINE, "--format", "json",
    ]);
    let soa_with = aimsgate(&["soa", BASELINE, "--evidence", events, "--format", "json"]);
    let soa_plain = aimsgate(&["soa", BASELINE, "--format", "json"]);
    for (schema, json, version) in [
        (
            "schemas/evidence-report.v1.schema.json",
            &report,
            report::SCHEMA,
        ),
        ("schemas/soa.v1.schema.json", &soa_with, soa::SCHEMA),
        ("schemas/soa.v1.schema.json", &soa_plain, soa::SCHEMA),
    ] {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(value["schema"], version, "each document names its layout");
        let errors = crate::common::schema_errors(schema, &value);
        assert!(errors.is_empty(), "{schema}: {errors:#?}");
    }
    // The schemas are closed: a member they do not describe is refused.
    let mut value: serde_json::Value = serde_json::from_str(&soa_plain).unwrap();
    value["document"]["surprise"] = serde_json::json!(1);
    assert!(!crate::common::schema_errors("schemas/soa.v1.schema.json", &value).is_empty());
    value["document"]
        .as_object_mut()
        .unwrap()
        .remove("surprise");
    value["schema"] = serde_json::json!("aimsgate.soa/2");
    assert!(!crate::common::schema_errors("schemas/soa.v1.schema.json", &value).is_empty());
}

// ---------------------------------------------------------------------------
// A real browser
// ---------------------------------------------------------------------------

fn find_browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Runs `browser` on `page`, killing it after `limit`; returns the dumped
/// DOM. (Scripts stay enabled: headless Chromium's `--dump-dom` itself runs
/// on script evaluation; that the page needs none is checked statically by
/// `charts_render_without_scripts`.)
fn dump_dom(browser: &Path, page: &Path, limit: Duration) -> String {
    let profile = scratch("chromium-profile");
    // A fresh profile each run: a stale lock from a killed run would stop
    // the browser from starting.
    let _ = std::fs::remove_dir_all(&profile);
    let stdout_path = scratch("chromium-dom.html");
    let stderr_path = scratch("chromium-stderr.txt");
    let mut command = Command::new(browser);
    // Its own process group, so a hung browser goes down with its renderer
    // and GPU processes.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            #[cfg(unix)]
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} hung for over {limit:?}; stderr:\n{}",
                browser.display(),
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "{} exited with {status}; stderr:\n{}",
        browser.display(),
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    std::fs::read_to_string(&stdout_path).unwrap()
}

/// Loads the HTML report in headless Chromium. CI sets
/// `AIMSGATE_REQUIRE_BROWSER=1` so that a missing browser fails the build;
/// elsewhere the test is skipped with a notice.
#[test]
fn report_renders_in_headless_chromium() {
    let Some(browser) = find_browser() else {
        let required = std::env::var("AIMSGATE_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "AIMSGATE_REQUIRE_BROWSER=1 but neither `chromium` nor `chromium-browser` is on PATH: \
             apt-get install -y chromium"
        );
        eprintln!(
            "skipped: no chromium on PATH (apt-get install -y chromium; set \
             AIMSGATE_REQUIRE_BROWSER=1 to make this an error)"
        );
        return;
    };
    let b = built();
    let page = scratch("browser-report.html");
    std::fs::write(&page, report::to_html(&b.report)).unwrap();
    let dom = dump_dom(&browser, &page, Duration::from_secs(60));
    for id in SECTION_IDS {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "{id} missing from:\n{dom}"
        );
    }
    assert!(dom.matches("<svg").count() >= 2, "{dom}");
    assert!(dom.contains("<rect"));
    assert!(dom.contains("block-secrets-in-prompts"));

    // The statement with operating and test-of-design evidence loads too.
    let mut statement = soa::build(&b.compiled, "2026-11-05T00:00:00Z");
    soa::attach_evidence(&mut statement, &b.report);
    let cases = aimsgate_compiler::junit::read(&format!(
        r#"<testsuites><testsuite name="tests.yaml"><properties><property name="{}an unapproved model is refused" value="rule:approved-models-only"/></properties><testcase classname="tests.yaml" name="an unapproved model is refused"/></testsuite></testsuites>"#,
        aimsgate_compiler::junit::EXERCISES
    ))
    .unwrap();
    soa::attach_tests(&mut statement, &cases, vec!["junit.xml".to_owned()]);
    let page = scratch("browser-soa.html");
    std::fs::write(&page, soa::to_html(&statement)).unwrap();
    let dom = dump_dom(&browser, &page, Duration::from_secs(60));
    assert!(dom.contains("<h2>Operating evidence</h2>"), "{dom}");
    assert!(dom.contains("<h2>Test-of-design evidence</h2>"), "{dom}");
    assert!(dom.contains("rt-operating"), "{dom}");
    assert!(dom.contains("1 passed, 0 failed"), "{dom}");
}

#[test]
fn the_report_and_the_soa_verify_the_log_first_and_withhold_operational_from_broken_chains() {
    let b = built();
    // The fixture's log (one event delivered twice) verifies.
    assert!(b.report.verification.intact, "{:?}", b.report.verification);
    let html = report::to_html(&b.report);
    assert!(
        html.contains("intact: every chain complete"),
        "verdict shown"
    );

    // The operator deletes vm-a's event of the AWS-key refusal and re-writes
    // nothing else: vm-a's chain now has a gap.
    let mut log = fixture(&engine(&b.compiled));
    let doomed = log
        .lines
        .iter()
        .position(|l| l.contains("\"req-05\""))
        .unwrap();
    log.lines.retain(|l| !l.contains("\"req-05\""));
    assert!(doomed > 0);
    let events = evidence::read_str(&log.text());
    let report = report::build(&events, &b.compiled, &two_days());
    let v = &report.verification;
    assert!(!v.intact);
    assert!(
        v.findings
            .iter()
            .any(|f| f.starts_with("MISSING  chain vm-a")),
        "{v:?}"
    );
    assert_eq!(v.broken_chains, ["vm-a"]);
    assert!(
        report.warnings[0].contains("failed verification"),
        "{:?}",
        report.warnings
    );
    for format in [report::to_html(&report), report::to_markdown(&report)] {
        assert!(format.contains("NOT intact"), "verdict at the top");
        assert!(format.contains("MISSING  chain vm-a"), "findings listed");
    }
    // Controls with events in vm-a are not operational in the SoA; those
    // evidenced by vm-b alone still are.
    let mut statement = soa::build(&b.compiled, "2026-11-05T00:00:00Z");
    soa::attach_evidence(&mut statement, &report);
    let json: serde_json::Value = serde_json::from_str(&soa::to_json(&statement)).unwrap();
    let statuses: Vec<&str> = json["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["runtime_evidence"]["status"].as_str())
        .collect();
    assert!(statuses.contains(&"unverified"), "{statuses:?}");
    let basis = &json["runtime_evidence"];
    assert_eq!(basis["log_intact"], false);
    assert!(basis["unverified"].as_u64().unwrap() > 0);
    for c in &report.controls {
        if c.unverified > 0 {
            assert!(c.interactions >= c.unverified);
        }
    }
    let soa_html = soa::to_html(&statement);
    assert!(soa_html.contains("rt-unverified"));
    assert!(soa_html.contains("NOT intact"));
}

#[test]
fn interactions_under_rules_no_approved_key_signed_are_flagged() {
    use aimsgate_engine::signing::{Signer25519, TrustedKeys};
    let approved = Signer25519::from_seed([11; 32]);
    let other = Signer25519::from_seed([12; 32]);
    let text = baseline_text().replacen(
        "metadata:\n",
        &format!("metadata:\n  signing_keys: [\"{}\"]\n", approved.key_id()),
        1,
    );
    let compiled = compile(&text);
    let bytes = compiled.ruleset.to_bytes();
    let under = |signer: Option<&Signer25519>| match signer {
        Some(signer) => {
            let trusted = TrustedKeys::parse(&signer.public_text()).unwrap();
            Engine::from_bytes_trusted(&signer.sign(&bytes), &trusted).unwrap()
        }
        None => Engine::from_bytes(&bytes).unwrap(),
    };
    let warnings = |signer: Option<&Signer25519>| {
        let mut log = Log::new();
        log.exchange(&under(signer), "vm-a", "05-", DAY0, "req");
        let report = report::build(
            &evidence::read_str(&log.text()),
            &compiled,
            &Period::default(),
        );
        assert_eq!(
            report.policies_seen[0].key_id,
            signer.map(|s| s.key_id().to_string())
        );
        report.warnings.join("\n")
    };
    assert!(
        !warnings(Some(&approved)).contains("signed"),
        "approved key"
    );
    let foreign = warnings(Some(&other));
    assert!(
        foreign.contains(&format!("signed by key {}", other.key_id())),
        "{foreign}"
    );
    let unchecked = warnings(None);
    assert!(unchecked.contains("checked no signature"), "{unchecked}");
    // A key id that is not one is an error where it is written.
    let (compiled, report) = policy::check(
        "p.yaml",
        &baseline_text().replacen("metadata:\n", "metadata:\n  signing_keys: [nope]\n", 1),
    );
    assert!(compiled.is_none());
    assert!(report.render_plain().contains("is not a key id"));
}

/// A response event: `asked` requested, `answered` answered, flagged by
/// the approved-model rule when `flagged`.
fn response_event(asked: &str, answered: &str, flagged: bool, at: u64) -> AuditEvent {
    use aimsgate_engine::audit::RuleRecord;
    AuditEvent {
        name: names::DECISION.to_owned(),
        time_unix_nano: at * NANOS,
        runtime: "test/1".to_owned(),
        phase: Some("response".to_owned()),
        outcome: Some(if flagged { "flag" } else { "allow" }.to_owned()),
        model: Some(asked.to_owned()),
        response_model: Some(answered.to_owned()),
        rules: flagged
            .then(|| RuleRecord {
                id: "approved-models-only".to_owned(),
                mode: "enforce".to_owned(),
                action: "flag".to_owned(),
                applied: true,
                severity: "high".to_owned(),
                controls: vec!["iso42001:A.10.3".to_owned()],
            })
            .into_iter()
            .collect(),
        controls: if flagged {
            vec!["iso42001:A.10.3".to_owned()]
        } else {
            Vec::new()
        },
        ..AuditEvent::default()
    }
}

#[test]
fn the_report_lists_the_models_that_answered_and_warns_of_unapproved_ones() {
    let compiled = compile(&baseline_text());
    let mut chain = Chain::new("models");
    let lines: Vec<String> = [
        response_event("gpt-4o", "gpt-4o-2024-08-06", false, DAY0),
        response_event("gpt-4o", "gpt-4o-2024-08-06", false, DAY0 + HOUR),
        response_event("gpt-4o", "gpt-3.5-turbo-0125", true, DAY0 + 2 * HOUR),
    ]
    .into_iter()
    .map(|event| chain.seal(event).line)
    .collect();
    let events = evidence::read_str(&lines.join("\n"));
    let report = report::build(&events, &compiled, &Period::default());
    let models: Vec<(&str, u64, bool, u64)> = report
        .models
        .iter()
        .map(|m| (m.answered.as_str(), m.responses, m.changed, m.not_approved))
        .collect();
    assert_eq!(
        models,
        [
            ("gpt-4o-2024-08-06", 2, false, 0),
            ("gpt-3.5-turbo-0125", 1, true, 1)
        ]
    );
    assert!(
        report.warnings.iter().any(|w| w
            .starts_with("1 response(s) came from a model the approved-model list does not name")),
        "{:?}",
        report.warnings
    );
    let md = report::to_markdown(&report);
    assert!(md.contains("### Models that answered"), "{md}");
    assert!(
        md.contains("| gpt-4o | gpt-3.5-turbo-0125 | 1 | **yes** | **1** |"),
        "{md}"
    );
    let html = report::to_html(&report);
    assert!(html.contains("<h3>Models that answered</h3>"));
}

/// Coverage: an inspected exchange counts as evaluated for every control
/// whose rules were in force on its route, fired or not; an exchange that
/// passed uninspected counts, by its code, against the same controls;
/// an exchange of another policy version counts for neither.
#[test]
fn controls_count_what_their_rules_evaluated_and_what_passed_uninspected() {
    let compiled = compile(&baseline_text());
    let digest = compiled.ruleset.policy.digest.to_hex();
    let event = |at: u64, inspected: bool, code: Option<&str>, digest: &str| AuditEvent {
        name: names::DECISION.to_owned(),
        time_unix_nano: (DAY0 + at * HOUR) * NANOS,
        runtime: "test/1".to_owned(),
        policy_digest: Some(digest.to_owned()),
        route: Some("openai".to_owned()),
        phase: Some("request".to_owned()),
        outcome: Some("allow".to_owned()),
        inspected: Some(inspected),
        code: code.map(str::to_owned),
        ..AuditEvent::default()
    };
    let mut chain = Chain::new("coverage");
    let lines: Vec<String> = [
        event(0, true, None, &digest),
        event(1, true, None, &digest),
        event(2, false, Some("unknown_path_allowed"), &digest),
        event(3, true, None, &"0".repeat(64)),
    ]
    .into_iter()
    .map(|e| chain.seal(e).line)
    .collect();
    let report = report::build(
        &evidence::read_str(&lines.join("\n")),
        &compiled,
        &Period::default(),
    );
    // Request rules on the openai route: A.10.3 (approved models) among them.
    let suppliers = control(&report, "iso42001:A.10.3");
    assert_eq!(suppliers.evaluated, 2);
    assert_eq!(suppliers.interactions, 0);
    assert_eq!(suppliers.uninspected_text(), "1 (unknown_path_allowed 1)");
    assert_eq!(
        suppliers.evaluated_from.as_deref(),
        Some("2026-11-02T00:00:00Z")
    );
    assert_eq!(
        suppliers.evaluated_to.as_deref(),
        Some("2026-11-02T01:00:00Z")
    );
    // A response-only control saw none of these request events.
    let leak = report
        .controls
        .iter()
        .find(|c| c.rules.iter().all(|r| r == "block-system-prompt-leak"))
        .expect("a control only the response rule implements");
    assert_eq!(leak.evaluated, 0, "{}", leak.reference);
}

#[test]
fn the_report_breaks_interactions_down_by_system_and_route() {
    let b = built();
    let systems: u64 = b.report.systems.iter().map(|s| s.interactions).sum();
    let routes: u64 = b.report.routes.iter().map(|r| r.interactions).sum();
    assert_eq!(systems, b.report.totals.interactions);
    assert_eq!(routes, b.report.totals.interactions);
    let support = b
        .report
        .systems
        .iter()
        .find(|s| s.id == "customer-support-assistant")
        .expect("the support assistant's interactions");
    assert!(support.interactions > 0);
    let md = report::to_markdown(&b.report);
    assert!(
        md.contains("### By AI system\n\n| System | Interactions | Outcomes | Uninspected |"),
        "{md}"
    );
    assert!(md.contains("### By route"), "{md}");
    assert!(report::to_html(&b.report).contains("<h3>By route</h3>"));
}

/// `soa --previous`: the baseline's statement, then the baseline with one
/// control's status and one system changed, lists exactly what changed.
#[test]
fn cli_soa_lists_what_changed_since_the_previous_statement() {
    let old_json = scratch("soa-previous.json");
    let json = aimsgate(&["soa", BASELINE, "--format", "json"]);
    std::fs::write(&old_json, &json).unwrap();
    let text = std::fs::read_to_string(root().join(BASELINE)).unwrap();
    let changed = text
        .replacen(
            "      status: partial\n      owner: AI Governance Office\n",
            "      status: implemented\n      owner: AI Governance Office\n",
            1,
        )
        .replace("  - id: legacy-faq-bot\n", "  - id: legacy-faq-assistant\n")
        .replace(
            "    version: \"1.0\"\n    approver:",
            "    version: \"1.1\"\n    approver:",
        );
    assert_ne!(changed, text);
    let policy = scratch("soa-previous-policy.yaml");
    std::fs::write(&policy, changed).unwrap();
    let md = aimsgate(&[
        "soa",
        policy.to_str().unwrap(),
        "--previous",
        old_json.to_str().unwrap(),
        "--format",
        "md",
    ]);
    assert!(md.contains("## Changes since version 1.0"), "{md}");
    for row in [
        "| iso42001:A.9.2 | implementation | partial | implemented |",
        "| system legacy-faq-assistant | added | — | in scope |",
        "| system legacy-faq-bot | removed | in scope | — |",
    ] {
        assert!(md.contains(row), "{row}\n{md}");
    }
    // Nothing else moved.
    let section = md.split("## Changes since").nth(1).unwrap();
    let section = section.split("\n## ").next().unwrap();
    assert_eq!(
        section.lines().filter(|l| l.starts_with("| ")).count(),
        1 + 3,
        "{section}"
    );
}

/// `oscal all`: six documents side by side that refer to each other by
/// file name, the profile selecting what the SoA does not exclude, the SSP
/// one requirement per selected control, the results a finding per
/// control with evidence and the events file's SHA-256; the same UUIDs on
/// a second run.
#[test]
fn cli_oscal_writes_six_linked_documents() {
    let events = write_fixture("oscal-events.log");
    let dir = scratch("oscal");
    let _ = std::fs::remove_dir_all(&dir);
    let run = || {
        aimsgate(&[
            "oscal",
            "all",
            BASELINE,
            "--evidence",
            events.to_str().unwrap(),
            "-o",
            dir.to_str().unwrap(),
        ]);
        let read = |name: &str| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
        };
        [
            read("catalog.json"),
            read("profile.json"),
            read("component-definition.json"),
            read("ssp.json"),
            read("assessment-plan.json"),
            read("assessment-results.json"),
        ]
    };
    let [catalog, profile, component, ssp, ap, ar] = run();
    // Linked by file name.
    assert_eq!(profile["profile"]["imports"][0]["href"], "catalog.json");
    assert_eq!(
        component["component-definition"]["components"][0]["control-implementations"][0]["source"],
        "profile.json"
    );
    assert_eq!(
        ssp["system-security-plan"]["import-profile"]["href"],
        "profile.json"
    );
    assert_eq!(ap["assessment-plan"]["import-ssp"]["href"], "ssp.json");
    assert_eq!(
        ar["assessment-results"]["import-ap"]["href"],
        "assessment-plan.json"
    );
    // Every catalogued control is in the catalog; the profile leaves out
    // the exclusions (A.7.2, A.7.3, A.7.6) and keeps the rest of Annex A.
    let catalogued: usize = catalog["catalog"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["controls"].as_array().unwrap().len())
        .sum();
    assert_eq!(catalogued, aimsgate_compiler::catalogue::all().len());
    let ids: Vec<&str> = profile["profile"]["imports"][0]["include-controls"][0]["with-ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"iso42001-a.6.2.8") && !ids.contains(&"iso42001-a.7.2"),
        "{ids:?}"
    );
    assert_eq!(
        ids.iter().filter(|i| i.starts_with("iso42001-a.")).count(),
        35
    );
    // The SSP: one requirement per selected control, statuses from the SoA,
    // the AI systems as components with their EU AI Act role.
    let requirements =
        ssp["system-security-plan"]["control-implementation"]["implemented-requirements"]
            .as_array()
            .unwrap();
    assert_eq!(requirements.len(), ids.len());
    let a92 = requirements
        .iter()
        .find(|r| r["control-id"] == "iso42001-a.9.2")
        .unwrap();
    assert_eq!(
        a92["by-components"][0]["implementation-status"]["state"],
        "partial"
    );
    let components = ssp["system-security-plan"]["system-implementation"]["components"]
        .as_array()
        .unwrap();
    assert!(components.iter().any(|c| {
        c["title"]
            .as_str()
            .unwrap()
            .starts_with("Customer support assistant")
            && c["props"].to_string().contains("\"deployer\"")
    }));
    // The supplier register, each supplier with its approved models and
    // terms.
    let openai = components
        .iter()
        .find(|c| c["title"].as_str().unwrap().starts_with("Supplier: OpenAI"))
        .expect("the OpenAI supplier");
    assert!(
        openai["props"].to_string().contains("\"gpt-4.1*\""),
        "{openai}"
    );
    assert!(
        openai["description"]
            .as_str()
            .unwrap()
            .contains("Contract: MSA-2025-114")
    );
    // The catalog says which edition each framework is read at.
    let groups = catalog["catalog"]["groups"].as_array().unwrap();
    let atlas = groups.iter().find(|g| g["id"] == "atlas").unwrap();
    assert_eq!(atlas["props"][0]["name"], "version");
    assert!(
        groups
            .iter()
            .any(|g| g["id"] == "iso27001" && g["controls"].as_array().unwrap().len() == 93)
    );
    // The results point at the events by their hash.
    let bytes = std::fs::read(&events).unwrap();
    let sha: String =
        sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&bytes))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
    let resource = &ar["assessment-results"]["back-matter"]["resources"][0];
    assert_eq!(resource["rlinks"][0]["hashes"][0]["value"], sha.as_str());
    let findings = ar["assessment-results"]["results"][0]["findings"]
        .as_array()
        .unwrap();
    assert!(!findings.is_empty());
    // Derived UUIDs: a second run names everything the same.
    let [_, _, _, again, _, _] = run();
    assert_eq!(
        ssp["system-security-plan"]["uuid"],
        again["system-security-plan"]["uuid"]
    );
    assert_eq!(
        requirements[0]["uuid"],
        again["system-security-plan"]["control-implementation"]["implemented-requirements"][0]["uuid"]
    );
    // The results need the events.
    let out = Command::new(env!("CARGO_BIN_EXE_aimsgate"))
        .args(["oscal", "ar", BASELINE])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --evidence"));
}

/// `evidence incidents`: every incident, uncapped, as JSONL and as CSV;
/// those of rules the policy marks carry their category, the same count as
/// the report's.
#[test]
fn cli_exports_incidents_for_the_incident_process() {
    let events = write_fixture("incident-events.log");
    let events = events.to_str().unwrap();
    let jsonl = aimsgate(&["evidence", "incidents", events, "--policy", BASELINE]);
    let incidents: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let report: serde_json::Value = serde_json::from_str(&aimsgate(&[
        "evidence", "report", events, "--policy", BASELINE, "--format", "json",
    ]))
    .unwrap();
    assert_eq!(
        incidents.len() as u64,
        report["incidents"]["total"].as_u64().unwrap()
    );
    assert!(!incidents.is_empty());
    let marked = incidents
        .iter()
        .find(|i| i["rule"] == "block-prompt-injection")
        .expect("an injection incident in the fixture");
    assert_eq!(marked["category"], "prompt-injection");
    assert_eq!(marked["serious"], false);
    assert!(marked["system"].is_string() && marked["time"].is_string());
    let csv = aimsgate(&[
        "evidence",
        "incidents",
        events,
        "--policy",
        BASELINE,
        "--format",
        "csv",
    ]);
    let mut lines = csv.split("\r\n").filter(|l| !l.is_empty());
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("time,system,route,phase,rule,severity,category,serious")
    );
    assert_eq!(lines.count(), incidents.len());
    assert!(!csv.contains("4111"), "no matched text");
}
