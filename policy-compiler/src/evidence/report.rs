//! Evidence per control: what the audit events of a period say about each
//! control a policy's rules implement.
//!
//! ISO/IEC 42001 auditors ask for evidence that a control *operates*, not
//! only that it is planned. [`build`] reads the decision events of a period
//! and, for every control the policy's rules cite (all frameworks, in
//! catalogue order), counts the interactions it governed, the decisions by
//! outcome and by mode, the rules that fired most, when it was first and last
//! seen and its incidents. Controls without events are listed too, as having
//! no runtime evidence in the period: an absent row would read as an
//! omission.
//!
//! # What counts
//!
//! - An **interaction** is one `aimsgate.decision` event (a request or a
//!   response phase decided); chain start, checkpoint and end events are
//!   not interactions.
//! - An event **governs** a control when the control is in its
//!   `aimsgate.controls`, i.e. a rule implementing it fired (applied or not).
//!   A control's outcome counts are the events' outcomes; its **mode** is
//!   `enforce` when one of its fired rules ran in enforce mode, else
//!   `monitor`.
//! - An **incident** is an event in which a rule the policy marks
//!   `incident:` fired (with its category, and for a serious one the EU AI
//!   Act article to report under), or a blocked event among whose fired
//!   rules one has severity `high` or `critical`.
//! - The same event delivered twice (same chain, sequence number and
//!   digest: an at-least-once retry) counts once.
//! - Events outside the [`Period`] are left out; the period is
//!   `[from, to)`.
//!
//! The report is not the verifier: events that fail their digest check are
//! counted as read, and the report says how many failed and to run
//! `aimsgate evidence verify`.
//!
//! # JSON
//!
//! [`to_json`] serialises [`EvidenceReport`] as is (field names as below,
//! `snake_case`). The layout is versioned by [`SCHEMA`] in the `schema`
//! member: fields may be added, none renamed or removed without a bump.
//! [`json_schema`] describes it (published under `schemas/`).
//! Times are RFC 3339 UTC strings, with nanoseconds since the Unix epoch
//! next to them where tools need to compute.

use std::collections::{HashMap, HashSet};

use aimsgate_engine::audit::{AuditEvent, RuleRecord, names};

use crate::catalogue::{self, Framework};
use crate::policy::compile::Compiled;

use super::read::Events;
use super::verify::{self, Finding};
// The report's data types live in `model`, where the renderers read them
// without importing this module (which calls them); this is their public
// path.
pub use super::model::{
    Breakdown, Bucket, CodeCount, ControlCount, ControlEvidence, EvidenceReport, Incident,
    Incidents, Integrity, Logging, ModeCounts, ModelSeen, NEW_INCIDENT, OUTCOMES, OutcomeCounts,
    PeriodInfo, PolicySeen, ReportVerification, ReportedPolicy, RuleCount, Timeline, Totals,
};

/// Schema id of the JSON report (the `schema` member).
pub const SCHEMA: &str = "aimsgate.evidence-report/1";

/// The JSON Schema of the JSON report (`aimsgate schema evidence-report`,
/// published as `schemas/evidence-report.v1.schema.json`).
pub fn json_schema() -> schemars::Schema {
    crate::schema::document::<EvidenceReport>("evidence-report.v1.schema.json", SCHEMA)
}

/// Incidents listed in the report's incident list; the rest are counted.
pub const INCIDENTS_LISTED: usize = 50;

/// Incidents listed per control; the rest are counted.
pub const CONTROL_INCIDENTS_LISTED: usize = 5;

/// Rules listed per control, most frequent first.
pub const TOP_RULES: usize = 5;

/// Verification findings a report lists at most.
pub const FINDINGS_LISTED: usize = 20;

/// At most this many time buckets in the timeline.
pub const MAX_BUCKETS: u64 = 48;

const NANOS: u64 = 1_000_000_000;

/// The period a report covers (ns since the epoch; open ends when `None`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Period {
    /// Start (inclusive).
    pub from: Option<u64>,
    /// End (exclusive).
    pub to: Option<u64>,
}

impl Period {
    /// Whether `time` (ns since the epoch) is in the period.
    pub fn contains(&self, time: u64) -> bool {
        self.from.is_none_or(|from| time >= from) && self.to.is_none_or(|to| time < to)
    }
}

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------

/// Every incident of `events` in `period`, oldest first, uncapped: what
/// `aimsgate evidence incidents` exports for the incident process.
pub fn incidents(events: &Events, compiled: &Compiled, period: &Period) -> Vec<Incident> {
    let marks = IncidentMarks::of(compiled);
    let selected = select(events, period);
    let mut out: Vec<Incident> = selected
        .decisions
        .iter()
        .filter_map(|e| incident(e, &marks))
        .collect();
    out.sort_by_key(|i| (i.time_unix_nano, i.chain.clone(), i.seq));
    out
}

/// Builds the report of `events` in `period` against `compiled`.
pub fn build(events: &Events, compiled: &Compiled, period: &Period) -> EvidenceReport {
    build_verified(events, compiled, period, &verify::Options::default())
}

/// [`build`], with the verifier given `options`: the checkpoint keys and
/// the TSA certificate to check signatures and anchors with, and the
/// reference time.
pub fn build_verified(
    events: &Events,
    compiled: &Compiled,
    period: &Period,
    options: &verify::Options,
) -> EvidenceReport {
    let info = &compiled.ruleset.policy;
    let selected = select(events, period);
    let verification = verification(events, options);
    let mut report = EvidenceReport {
        schema: SCHEMA.to_owned(),
        policy: ReportedPolicy {
            name: info.name.clone(),
            version: info.version.clone(),
            digest: info.digest.to_hex(),
        },
        policies_seen: Vec::new(),
        logging: logging(events),
        systems: Vec::new(),
        routes: Vec::new(),
        models: Vec::new(),
        period: period_info(period, &selected.decisions),
        totals: selected.totals,
        integrity: Integrity {
            not_intact: events.records.iter().filter(|r| !r.intact).count() as u64,
            unreadable: events.unreadable.len() as u64,
        },
        verification,
        warnings: Vec::new(),
        timeline: timeline(period, &selected.decisions),
        controls: policy_controls(compiled),
        unmapped_controls: Vec::new(),
        incidents: Incidents::default(),
    };
    let index: HashMap<String, usize> = report
        .controls
        .iter()
        .enumerate()
        .map(|(i, c)| (c.reference.clone(), i))
        .collect();
    let implements = rule_controls(compiled);
    let marks = IncidentMarks::of(compiled);
    let model_rules = model_rules(compiled);
    let in_force = InForce::of(compiled, &index);
    for event in &selected.decisions {
        add(&mut report, event, &index, &implements, &marks);
        tally_model(&mut report.models, event, &model_rules);
        tally_coverage(&mut report, event, &in_force);
        tally_breakdown(&mut report.systems, event.system.as_deref(), event);
        tally_breakdown(&mut report.routes, event.route.as_deref(), event);
    }
    for breakdown in [&mut report.systems, &mut report.routes] {
        breakdown.sort_by(|a, b| {
            b.interactions
                .cmp(&a.interactions)
                .then_with(|| a.id.cmp(&b.id))
        });
    }
    finish(&mut report);
    report.warnings.extend(signing_warnings(
        &report.policies_seen,
        &compiled.policy.metadata.signing_keys,
    ));
    report
}

/// Interactions of this policy decided under rules no approved key signed:
/// signed by another key, or loaded by a runtime that checked no signature.
/// Nothing to say when the policy approves no key.
fn signing_warnings(seen: &[PolicySeen], approved: &[String]) -> Vec<String> {
    if approved.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for p in seen.iter().filter(|p| p.matches) {
        match &p.key_id {
            Some(key) if approved.contains(key) => {}
            Some(key) => out.push(format!(
                "{} interaction(s) ran rules signed by key {key}, which the policy does not list \
                 among its signing keys",
                p.interactions
            )),
            None => out.push(format!(
                "{} interaction(s) were decided by a runtime that checked no signature on its \
                 rules, though the policy lists its signing keys: give the runtime the trusted \
                 keys (docs/security.md)",
                p.interactions
            )),
        }
    }
    out
}

/// The verifier's verdict on `events`, for the report's first lines.
fn verification(events: &Events, options: &verify::Options) -> ReportVerification {
    let verdict = verify::verify(events, options.clone());
    let mut broken_chains: Vec<String> = Vec::new();
    let mut input_broken = false;
    for finding in &verdict.findings {
        // Drops the filter declared leave the events present authentic.
        if let Finding::Missing {
            declared_dropped: true,
            ..
        } = finding
        {
            continue;
        }
        match finding.chain() {
            Some(chain) if !broken_chains.iter().any(|c| c == chain) => {
                broken_chains.push(chain.to_owned());
            }
            Some(_) => {}
            None => input_broken = true,
        }
    }
    ReportVerification {
        intact: verdict.ok(),
        findings: verdict
            .findings
            .iter()
            .take(FINDINGS_LISTED)
            .map(verify::finding_line)
            .collect(),
        more_findings: verdict.findings.len().saturating_sub(FINDINGS_LISTED) as u64,
        broken_chains,
        input_broken,
        checks: verify::checks_text(&verdict),
    }
}

impl ReportVerification {
    /// Whether the events of `chain` are in doubt.
    pub fn doubts(&self, chain: &str) -> bool {
        self.input_broken || self.broken_chains.iter().any(|c| c == chain)
    }
}

/// Counts one decision event everywhere it counts.
fn add(
    report: &mut EvidenceReport,
    event: &AuditEvent,
    index: &HashMap<String, usize>,
    implements: &HashMap<&str, &[String]>,
    marks: &IncidentMarks<'_>,
) {
    let totals = &mut report.totals;
    totals.interactions += 1;
    totals.outcomes.add(event.outcome.as_deref());
    count_mode(&mut totals.modes, event.mode.as_deref());
    tally_policy(&mut report.policies_seen, event, &report.policy.digest);
    tally_bucket(&mut report.timeline, event);
    let incident = incident(event, marks);
    if let Some(incident) = &incident {
        report.incidents.push(incident, INCIDENTS_LISTED);
    }
    for reference in &event.controls {
        match index
            .get(reference)
            .and_then(|&i| report.controls.get_mut(i))
        {
            Some(control) => {
                if report.verification.doubts(&event.chain_id) {
                    control.unverified += 1;
                }
                tally_control(control, event, implements, incident.as_ref());
            }
            None => tally_unmapped(&mut report.unmapped_controls, reference),
        }
    }
}

/// Orders and caps what was counted, then derives totals and warnings.
fn finish(report: &mut EvidenceReport) {
    for control in &mut report.controls {
        if let Some((from, to)) = control.evaluated_span_unix_nano {
            control.evaluated_from = Some(rfc3339(from));
            control.evaluated_to = Some(rfc3339(to));
        }
        control.uninspected.sort_by(|a, b| {
            b.interactions
                .cmp(&a.interactions)
                .then_with(|| a.code.cmp(&b.code))
        });
        control
            .top_rules
            .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        control.top_rules.truncate(TOP_RULES);
    }
    report
        .policies_seen
        .sort_by_key(|p| std::cmp::Reverse(p.interactions));
    let totals = &mut report.totals;
    totals.controls = report.controls.len() as u64;
    totals.controls_with_evidence =
        report.controls.iter().filter(|c| c.has_evidence()).count() as u64;
    totals.incidents = report.incidents.total;
    report.warnings = warnings(report);
}

/// The events of the period: decision events sorted by time, and the counts
/// that need every event.
struct Selected<'a> {
    decisions: Vec<&'a AuditEvent>,
    totals: Totals,
}

fn select<'a>(events: &'a Events, period: &Period) -> Selected<'a> {
    let mut totals = Totals {
        events_read: events.records.len() as u64,
        ..Totals::default()
    };
    let mut delivered: HashSet<(&str, u64, Option<&str>)> = HashSet::new();
    let mut chains: HashSet<&str> = HashSet::new();
    let mut decisions = Vec::new();
    for record in &events.records {
        let event = &record.event;
        if !period.contains(event.time_unix_nano) {
            totals.outside_period += 1;
            continue;
        }
        // At-least-once delivery repeats an event byte for byte: same chain,
        // sequence number and digest. Counting it twice would inflate every
        // number below.
        if !delivered.insert((&event.chain_id, event.seq, event.digest.as_deref())) {
            totals.duplicates += 1;
            continue;
        }
        totals.events_in_period += 1;
        chains.insert(&event.chain_id);
        if event.name == names::DECISION {
            decisions.push(event);
        }
    }
    // Chains interleave in a log; time order makes first/last seen and the
    // capped incident lists (oldest first) independent of file order.
    decisions.sort_by(|a, b| {
        (a.time_unix_nano, &a.chain_id, a.seq).cmp(&(b.time_unix_nano, &b.chain_id, b.seq))
    });
    totals.chains = chains.len() as u64;
    Selected { decisions, totals }
}

/// Every control the policy's rules cite, ordered as the Statement of
/// Applicability orders them: by framework, then catalogue position, then
/// first appearance in the policy.
fn policy_controls(compiled: &Compiled) -> Vec<ControlEvidence> {
    let mut order: Vec<&str> = Vec::new();
    let mut rules: HashMap<&str, Vec<String>> = HashMap::new();
    for rule in &compiled.ruleset.rules {
        for control in &rule.controls {
            let ids = rules.entry(control.as_str()).or_insert_with(|| {
                order.push(control.as_str());
                Vec::new()
            });
            if !ids.contains(&rule.id) {
                ids.push(rule.id.clone());
            }
        }
    }
    let mut keyed: Vec<((usize, usize, usize), ControlEvidence)> = order
        .iter()
        .enumerate()
        .map(|(appearance, reference)| {
            let (prefix, id) = reference.split_once(':').unwrap_or(("", reference));
            let framework = Framework::from_prefix(prefix);
            let control = catalogue::resolve(reference).control();
            let (framework_rank, catalogue_rank) = catalogue::rank(framework, control);
            let evidence = ControlEvidence {
                reference: (*reference).to_owned(),
                framework: prefix.to_owned(),
                id: id.to_owned(),
                title: control.map(|c| c.title.to_owned()),
                rules: rules.remove(reference).unwrap_or_default(),
                ..ControlEvidence::default()
            };
            ((framework_rank, catalogue_rank, appearance), evidence)
        })
        .collect();
    keyed.sort_by_key(|(key, _)| *key);
    keyed.into_iter().map(|(_, c)| c).collect()
}

/// Rule id → the controls the policy's rule of that id implements: the
/// fallback for rule records written without their controls.
fn rule_controls(compiled: &Compiled) -> HashMap<&str, &[String]> {
    compiled
        .ruleset
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.controls.as_slice()))
        .collect()
}

fn count_mode(modes: &mut ModeCounts, mode: Option<&str>) {
    match mode {
        Some("enforce") => modes.enforce += 1,
        Some("monitor") => modes.monitor += 1,
        _ => modes.none += 1,
    }
}

/// Which controls' rules are in force on each route, per phase: what a
/// decision event of this policy evaluated, fired or not.
struct InForce {
    /// (route id, phase name) → indices into the report's controls.
    routes: HashMap<(String, &'static str), Vec<usize>>,
    /// With no route: every rule is in force when the policy has no
    /// routes; none when it has (the request was refused before rules).
    unrouted: HashMap<&'static str, Vec<usize>>,
}

impl InForce {
    fn of(compiled: &Compiled, index: &HashMap<String, usize>) -> InForce {
        use aimsgate_engine::ruleset::Phase;
        let ruleset = &compiled.ruleset;
        let controls_of = |rules: &mut dyn Iterator<Item = u32>, phase: Phase| {
            let mut controls: Vec<usize> = rules
                .filter_map(|i| ruleset.rules.get(i as usize))
                .filter(|rule| rule.phase.covers(phase))
                .flat_map(|rule| rule.controls.iter())
                .filter_map(|reference| index.get(reference).copied())
                .collect();
            controls.sort_unstable();
            controls.dedup();
            controls
        };
        let phases = [(Phase::Request, "request"), (Phase::Response, "response")];
        let mut routes = HashMap::new();
        for route in &ruleset.routes {
            for (phase, name) in phases {
                routes.insert(
                    (route.id.clone(), name),
                    controls_of(&mut route.rules.iter().copied(), phase),
                );
            }
        }
        let mut unrouted = HashMap::new();
        for (phase, name) in phases {
            let all = 0..u32::try_from(ruleset.rules.len()).unwrap_or(u32::MAX);
            let controls = if ruleset.routes.is_empty() {
                controls_of(&mut all.into_iter(), phase)
            } else {
                Vec::new()
            };
            unrouted.insert(name, controls);
        }
        InForce { routes, unrouted }
    }

    fn controls(&self, event: &AuditEvent) -> &[usize] {
        let phase = event.phase.as_deref().unwrap_or("request");
        let phase = if phase == "response" {
            "response"
        } else {
            "request"
        };
        match &event.route {
            Some(route) => self
                .routes
                .get(&(route.clone(), phase))
                .map_or(&[][..], Vec::as_slice),
            None => self.unrouted.get(phase).map_or(&[][..], Vec::as_slice),
        }
    }
}

/// Each chain's last checkpoint with counts, against the request events
/// the log holds up to it (the whole log, whatever the period: logging
/// is about the log).
fn logging(events: &Events) -> Option<Logging> {
    // Chain → (checkpoint seq, requests, unrecorded, dropped).
    let mut last: HashMap<&str, (u64, u64, u64, u64)> = HashMap::new();
    for record in &events.records {
        let event = &record.event;
        let Some(checkpoint) = &event.checkpoint else {
            continue;
        };
        let (Some(requests), Some(unrecorded)) = (checkpoint.requests, checkpoint.unrecorded)
        else {
            continue;
        };
        let entry = last.entry(event.chain_id.as_str()).or_insert((
            event.seq,
            requests,
            unrecorded,
            checkpoint.dropped,
        ));
        if event.seq >= entry.0 {
            *entry = (event.seq, requests, unrecorded, checkpoint.dropped);
        }
    }
    if last.is_empty() {
        return None;
    }
    let mut seen = HashSet::new();
    let mut request_events = 0;
    for record in &events.records {
        let event = &record.event;
        if event.name != names::DECISION || event.phase.as_deref() != Some("request") {
            continue;
        }
        let Some((seq, ..)) = last.get(event.chain_id.as_str()) else {
            continue;
        };
        // Counted once, however often it was delivered.
        if event.seq < *seq && seen.insert((event.chain_id.as_str(), event.seq)) {
            request_events += 1;
        }
    }
    let (requests, unrecorded, dropped) = last.values().fold(
        (0, 0, 0),
        |(r, u, d), (_, requests, unrecorded, dropped)| (r + requests, u + unrecorded, d + dropped),
    );
    Some(Logging {
        chains: last.len() as u64,
        requests,
        unrecorded,
        request_events,
        dropped,
        unaccounted: requests.saturating_sub(unrecorded + request_events),
    })
}

/// Counts `event` under `id` (its system or route).
fn tally_breakdown(breakdowns: &mut Vec<Breakdown>, id: Option<&str>, event: &AuditEvent) {
    let id = id.unwrap_or("none");
    let index = match breakdowns.iter().position(|b| b.id == id) {
        Some(index) => index,
        None => {
            breakdowns.push(Breakdown {
                id: id.to_owned(),
                ..Breakdown::default()
            });
            breakdowns.len() - 1
        }
    };
    let breakdown = &mut breakdowns[index];
    breakdown.interactions += 1;
    breakdown.outcomes.add(event.outcome.as_deref());
    if event.inspected == Some(false) {
        count_code(&mut breakdown.uninspected, event.code.as_deref());
    }
}

/// Adds one to `code`'s count (`none` when absent).
fn count_code(counts: &mut Vec<CodeCount>, code: Option<&str>) {
    let code = code.unwrap_or("none");
    match counts.iter_mut().find(|c| c.code == code) {
        Some(count) => count.interactions += 1,
        None => counts.push(CodeCount {
            code: code.to_owned(),
            interactions: 1,
        }),
    }
}

/// Counts `event` as evaluated by (or, uninspected, as passing) every
/// control whose rules were in force on its route — when it was decided
/// under this report's policy, the only rules the report knows.
fn tally_coverage(report: &mut EvidenceReport, event: &AuditEvent, in_force: &InForce) {
    if event.policy_digest.as_deref() != Some(report.policy.digest.as_str()) {
        return;
    }
    let inspected = event.inspected != Some(false);
    for &i in in_force.controls(event) {
        let Some(control) = report.controls.get_mut(i) else {
            continue;
        };
        if inspected {
            control.evaluated += 1;
            let time = event.time_unix_nano;
            let (from, to) = control.evaluated_span_unix_nano.unwrap_or((time, time));
            control.evaluated_span_unix_nano = Some((from.min(time), to.max(time)));
        } else {
            count_code(&mut control.uninspected, event.code.as_deref());
        }
    }
}

/// Ids of the policy's request rules that judge the model: on a response
/// event, one of them firing means the answering model is off the list
/// (`aimsgate_engine::decision::judge_responding_model`).
fn model_rules(compiled: &Compiled) -> Vec<String> {
    use aimsgate_engine::ruleset::Phase;
    compiled
        .ruleset
        .rules
        .iter()
        .filter(|r| r.phase.covers(Phase::Request) && r.when.judges_model())
        .map(|r| r.id.clone())
        .collect()
}

fn tally_model(seen: &mut Vec<ModelSeen>, event: &AuditEvent, model_rules: &[String]) {
    let Some(answered) = &event.response_model else {
        return;
    };
    let flagged = event.rules.iter().any(|r| model_rules.contains(&r.id));
    let time = rfc3339(event.time_unix_nano);
    let found = seen
        .iter_mut()
        .find(|m| m.requested == event.model && m.answered == *answered);
    let entry = match found {
        Some(entry) => entry,
        None => {
            seen.push(ModelSeen {
                requested: event.model.clone(),
                answered: answered.clone(),
                changed: event
                    .model
                    .as_deref()
                    .is_some_and(|asked| !answered.starts_with(asked)),
                first_seen: time.clone(),
                ..ModelSeen::default()
            });
            let last = seen.len() - 1;
            &mut seen[last]
        }
    };
    entry.responses += 1;
    entry.not_approved += u64::from(flagged);
    entry.last_seen = time;
}

fn tally_policy(seen: &mut Vec<PolicySeen>, event: &AuditEvent, digest: &str) {
    let found = seen.iter_mut().find(|p| {
        p.digest == event.policy_digest
            && p.name == event.policy_name
            && p.version == event.policy_version
            && p.key_id == event.policy_key_id
    });
    match found {
        Some(p) => p.interactions += 1,
        None => seen.push(PolicySeen {
            name: event.policy_name.clone(),
            version: event.policy_version.clone(),
            digest: event.policy_digest.clone(),
            key_id: event.policy_key_id.clone(),
            interactions: 1,
            matches: event.policy_digest.as_deref() == Some(digest),
        }),
    }
}

fn tally_unmapped(unmapped: &mut Vec<ControlCount>, reference: &str) {
    match unmapped.iter_mut().find(|c| c.reference == reference) {
        Some(c) => c.interactions += 1,
        None => unmapped.push(ControlCount {
            reference: reference.to_owned(),
            interactions: 1,
        }),
    }
}

/// The fired rules of `event` that implement `reference`.
fn rules_for<'e>(
    event: &'e AuditEvent,
    reference: &str,
    implements: &HashMap<&str, &[String]>,
) -> impl Iterator<Item = &'e RuleRecord> {
    event.rules.iter().filter(move |r| {
        if r.controls.is_empty() {
            implements
                .get(r.id.as_str())
                .is_some_and(|cs| cs.iter().any(|c| c == reference))
        } else {
            r.controls.iter().any(|c| c == reference)
        }
    })
}

fn tally_control(
    control: &mut ControlEvidence,
    event: &AuditEvent,
    implements: &HashMap<&str, &[String]>,
    incident: Option<&Incident>,
) {
    control.interactions += 1;
    control.outcomes.add(event.outcome.as_deref());
    let mut any = false;
    let mut enforced = false;
    for rule in rules_for(event, &control.reference, implements) {
        any = true;
        let enforce = rule.mode == "enforce";
        enforced |= enforce;
        count_rule(&mut control.top_rules, &rule.id, enforce);
    }
    // Without rule records naming the control, the event's own mode is the
    // best evidence there is.
    let enforce = if any {
        enforced
    } else {
        event.mode.as_deref() == Some("enforce")
    };
    if enforce {
        control.modes.enforce += 1;
    } else {
        control.modes.monitor += 1;
    }
    // Events arrive in time order.
    let time = rfc3339(event.time_unix_nano);
    if control.first_seen.is_none() {
        control.first_seen = Some(time.clone());
    }
    control.last_seen = Some(time);
    if let Some(incident) = incident {
        control.incidents.push(incident, CONTROL_INCIDENTS_LISTED);
    }
}

fn count_rule(counts: &mut Vec<RuleCount>, id: &str, enforce: bool) {
    let at = match counts.iter().position(|r| r.id == id) {
        Some(at) => at,
        None => {
            counts.push(RuleCount {
                id: id.to_owned(),
                ..RuleCount::default()
            });
            counts.len() - 1
        }
    };
    if let Some(count) = counts.get_mut(at) {
        count.count += 1;
        if enforce {
            count.enforce += 1;
        } else {
            count.monitor += 1;
        }
    }
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// The rules the policy marks as incidents (`incident:`), and the EU AI
/// Act role of each system.
pub struct IncidentMarks<'a> {
    rules: HashMap<&'a str, &'a crate::policy::model::IncidentDef>,
    roles: HashMap<&'a str, crate::policy::model::EuAiActRole>,
    owners: HashMap<&'a str, &'a str>,
    response: Option<&'a crate::policy::model::IncidentResponse>,
    /// Systems rated high-risk: the EU AI Act's incident reporting (Art.
    /// 26(5), 73) binds those only.
    high_risk: HashSet<&'a str>,
}

impl<'a> IncidentMarks<'a> {
    /// The marks of `compiled`'s policy.
    pub fn of(compiled: &'a Compiled) -> IncidentMarks<'a> {
        let policy = &compiled.policy;
        IncidentMarks {
            rules: policy
                .rules
                .iter()
                .filter_map(|r| r.incident.as_ref().map(|i| (r.id.as_str(), i)))
                .collect(),
            roles: policy
                .systems
                .iter()
                .filter_map(|s| s.eu_ai_act_role.map(|role| (s.id.as_str(), role)))
                .collect(),
            owners: policy
                .systems
                .iter()
                .filter_map(|s| s.owner.as_deref().map(|owner| (s.id.as_str(), owner)))
                .collect(),
            response: policy.incident_response.as_ref(),
            high_risk: policy
                .systems
                .iter()
                .filter(|s| s.risk_tier == crate::policy::model::RiskTier::High)
                .map(|s| s.id.as_str())
                .collect(),
        }
    }
}

/// The incident `event` is, if it is one: a rule the policy marks as an
/// incident fired (in any mode), or the interaction was blocked with a high
/// or critical rule among those that fired.
fn incident(event: &AuditEvent, marks: &IncidentMarks<'_>) -> Option<Incident> {
    // Fired in monitor mode or not applied, the marked rule still says
    // what happened: an incident all the same.
    let marked = event
        .rules
        .iter()
        .filter_map(|r| marks.rules.get(r.id.as_str()).map(|m| (r, *m)))
        .max_by_key(|(_, m)| m.serious);
    let serious = |r: &&RuleRecord| severity_rank(&r.severity) >= severity_rank("high");
    let blocked = event.outcome.as_deref() == Some("block");
    let rule = match marked {
        Some((rule, _)) => rule,
        None if blocked => {
            let first_serious = event.rules.iter().find(serious)?;
            let blocking = event.block.as_ref().and_then(|b| b.rule.as_deref());
            event
                .rules
                .iter()
                .filter(serious)
                .find(|r| Some(r.id.as_str()) == blocking)
                .unwrap_or(first_serious)
        }
        None => return None,
    };
    let mark = marked.map(|(_, m)| m);
    let serious_incident = mark.is_some_and(|m| m.serious);
    let high_risk = event
        .system
        .as_deref()
        .is_some_and(|s| marks.high_risk.contains(s));
    let report_under = (serious_incident && high_risk).then(|| {
        use crate::policy::model::EuAiActRole;
        let role = event.system.as_deref().and_then(|s| marks.roles.get(s));
        match role {
            Some(EuAiActRole::Provider) => "eu-ai-act:Art.73",
            Some(EuAiActRole::ProviderAndDeployer) => "eu-ai-act:Art.73, eu-ai-act:Art.26(5)",
            _ => "eu-ai-act:Art.26(5)",
        }
        .to_owned()
    });
    let severity = event
        .rules
        .iter()
        .map(|r| r.severity.as_str())
        .max_by_key(|s| severity_rank(s))
        .unwrap_or_default();
    Some(Incident {
        time: rfc3339(event.time_unix_nano),
        time_unix_nano: event.time_unix_nano,
        request_id: event.request_id.clone(),
        rule: Some(rule.id.clone()),
        severity: severity.to_owned(),
        route: event.route.clone(),
        system: event.system.clone(),
        phase: event.phase.clone(),
        status: event.block.as_ref().map(|b| b.status),
        controls: event.controls.clone(),
        chain: event.chain_id.clone(),
        seq: event.seq,
        category: mark.map(|m| m.category.clone()),
        serious: serious_incident,
        report_under,
        // A blank owner names nobody: the next one in line triages.
        owner: mark
            .and_then(|m| m.owner.as_deref())
            .filter(|o| !o.trim().is_empty())
            .or_else(|| {
                event
                    .system
                    .as_deref()
                    .and_then(|s| marks.owners.get(s).copied())
            })
            .filter(|o| !o.trim().is_empty())
            .or(marks.response.map(|r| r.owner.as_str()))
            .filter(|o| !o.trim().is_empty())
            .map(str::to_owned),
        triage: NEW_INCIDENT.to_owned(),
        plan: marks.response.map(|r| r.plan.clone()),
    })
}

fn period_info(period: &Period, decisions: &[&AuditEvent]) -> PeriodInfo {
    PeriodInfo {
        from: period.from.map(rfc3339),
        to: period.to.map(rfc3339),
        from_unix_nano: period.from,
        to_unix_nano: period.to,
        first_event: decisions.first().map(|e| rfc3339(e.time_unix_nano)),
        last_event: decisions.last().map(|e| rfc3339(e.time_unix_nano)),
    }
}

fn warnings(report: &EvidenceReport) -> Vec<String> {
    let mut out = Vec::new();
    let not_approved: u64 = report.models.iter().map(|m| m.not_approved).sum();
    if not_approved > 0 {
        out.push(format!(
            "{not_approved} response(s) came from a model the approved-model list does not name: \
             see \"Models that answered\" (ISO/IEC 42001 A.10.3)"
        ));
    }
    let v = &report.verification;
    if !v.intact {
        let shown = v.findings.len() as u64 + v.more_findings;
        out.push(format!(
            "The log failed verification ({shown} finding(s), listed above): events were \
             altered, removed, reordered or cut off, or the input is not a whole log. Controls \
             with events in a broken chain are not shown as operational"
        ));
    }
    let short = |d: &str| d.chars().take(12).collect::<String>();
    for p in report.policies_seen.iter().filter(|p| !p.matches) {
        match &p.digest {
            Some(digest) => out.push(format!(
                "{} interaction(s) were governed by policy {} {} (digest {}), not by the policy \
                 given (digest {}): their controls are those of that version",
                p.interactions,
                p.name.as_deref().unwrap_or("(unnamed)"),
                p.version.as_deref().unwrap_or("(no version)"),
                short(digest),
                short(&report.policy.digest)
            )),
            None => out.push(format!(
                "{} interaction(s) name no policy digest: the runtime decided them without a \
                 rule set",
                p.interactions
            )),
        }
    }
    if report.integrity.not_intact > 0 {
        out.push(format!(
            "{} event(s) failed their digest check — run `aimsgate evidence verify`; they are \
             counted here as read",
            report.integrity.not_intact
        ));
    }
    if report.integrity.unreadable > 0 {
        out.push(format!(
            "{} line(s) looked like events but could not be read — run `aimsgate evidence verify`",
            report.integrity.unreadable
        ));
    }
    if report.totals.interactions == 0 {
        out.push("No governed interactions in the period: no control has runtime evidence".into());
    }
    out
}

// ---------------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------------

/// Bucket widths to choose from (seconds, label), smallest first.
const WIDTHS: [(u64, &str); 11] = [
    (60, "1 minute"),
    (5 * 60, "5 minutes"),
    (15 * 60, "15 minutes"),
    (3600, "1 hour"),
    (3 * 3600, "3 hours"),
    (6 * 3600, "6 hours"),
    (12 * 3600, "12 hours"),
    (86_400, "1 day"),
    (7 * 86_400, "1 week"),
    (30 * 86_400, "30 days"),
    (365 * 86_400, "365 days"),
];

/// 1970-01-01 was a Thursday: weeks start on Mondays, four days later.
const WEEK_OFFSET: u64 = 4 * 86_400;

/// Empty buckets spanning the period (the events' span where it is open),
/// the smallest width that needs at most [`MAX_BUCKETS`].
fn timeline(period: &Period, decisions: &[&AuditEvent]) -> Timeline {
    let first = decisions.first().map(|e| e.time_unix_nano);
    let last = decisions.last().map(|e| e.time_unix_nano);
    let (Some(start), Some(end)) = (
        period.from.or(first),
        period.to.or(last.map(|t| t.saturating_add(1))),
    ) else {
        return Timeline::default();
    };
    if end <= start {
        return Timeline::default();
    }
    let span = (end - start).div_ceil(NANOS);
    let (width, label) = WIDTHS
        .iter()
        .find(|(w, _)| span.div_ceil(*w) <= MAX_BUCKETS)
        .map_or_else(
            || {
                let days = span.div_ceil(MAX_BUCKETS).div_ceil(86_400);
                (days * 86_400, format!("{days} days"))
            },
            |(w, l)| (*w, (*l).to_owned()),
        );
    let offset = if width == 7 * 86_400 { WEEK_OFFSET } else { 0 };
    let start_secs = start / NANOS;
    // Whole widths from the epoch (Mondays for weeks), never after the start.
    let aligned = (start_secs.saturating_sub(offset) / width) * width + offset;
    let aligned = aligned.min(start_secs);
    let count = (end.div_ceil(NANOS) - aligned).div_ceil(width).max(1);
    let buckets = (0..count)
        .map(|i| {
            let from = (aligned + i * width).saturating_mul(NANOS);
            Bucket {
                start: rfc3339(from),
                start_unix_nano: from,
                end_unix_nano: from.saturating_add(width.saturating_mul(NANOS)),
                outcomes: OutcomeCounts::default(),
            }
        })
        .collect();
    Timeline {
        bucket_seconds: width,
        bucket_label: label,
        buckets,
    }
}

fn tally_bucket(timeline: &mut Timeline, event: &AuditEvent) {
    let Some(first) = timeline.buckets.first() else {
        return;
    };
    let width = timeline.bucket_seconds.saturating_mul(NANOS).max(1);
    let index = event.time_unix_nano.saturating_sub(first.start_unix_nano) / width;
    if let Some(bucket) = usize::try_from(index)
        .ok()
        .and_then(|i| timeline.buckets.get_mut(i))
    {
        bucket.outcomes.add(event.outcome.as_deref());
    }
}

// ---------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------

pub use crate::time::rfc3339;

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------

/// Markdown: a summary, then tables (timeline, controls, incidents).
pub fn to_markdown(report: &EvidenceReport) -> String {
    super::report_md::render(report)
}

/// Pretty-printed JSON of [`EvidenceReport`] (see the module docs).
pub fn to_json(report: &EvidenceReport) -> String {
    // Strings, numbers and vectors only: serialising cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_default()
}

/// One self-contained, printable HTML page with inline-SVG charts; no
/// scripts, no external resources, every value escaped. Sections carry the
/// stable ids `summary`, `decisions-over-time`, `control-coverage`,
/// `controls` and `incidents`.
pub fn to_html(report: &EvidenceReport) -> String {
    super::report_html::render(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_860_000 * NANOS + 5), "2026-11-28T10:00:00Z");
        assert_eq!(rfc3339(951_782_400 * NANOS), "2000-02-29T00:00:00Z");
        for text in ["2026-03-01T23:59:59Z", "2024-12-31T00:00:00Z"] {
            let parsed = crate::time::parse(text).unwrap_or_default();
            assert_eq!(rfc3339(parsed), text);
        }
    }

    #[test]
    fn period_is_half_open() {
        let period = Period {
            from: Some(10),
            to: Some(20),
        };
        assert!(!period.contains(9));
        assert!(period.contains(10));
        assert!(period.contains(19));
        assert!(!period.contains(20));
        assert!(Period::default().contains(0));
    }

    fn event_at(secs: u64, outcome: &str) -> AuditEvent {
        AuditEvent {
            name: names::DECISION.to_owned(),
            time_unix_nano: secs * NANOS,
            outcome: Some(outcome.to_owned()),
            ..AuditEvent::default()
        }
    }

    #[test]
    fn bucket_width_follows_the_span() {
        let day = 1_795_824_000; // 2026-11-28T00:00:00Z
        let events = [
            event_at(day + 3600, "allow"),
            event_at(day + 5 * 3600, "block"),
        ];
        let refs: Vec<&AuditEvent> = events.iter().collect();
        let t = timeline(&Period::default(), &refs);
        assert_eq!(t.bucket_seconds, 15 * 60);
        assert!(t.buckets.len() as u64 <= MAX_BUCKETS);

        let week = Period {
            from: Some(day * NANOS),
            to: Some((day + 7 * 86_400) * NANOS),
        };
        let t = timeline(&week, &refs);
        assert_eq!(t.bucket_label, "6 hours");
        assert_eq!(t.buckets.len(), 28);
        assert_eq!(t.buckets[0].start, "2026-11-28T00:00:00Z");

        let decades = Period {
            from: Some(0),
            to: Some(3_000_000_000 * NANOS),
        };
        let t = timeline(&decades, &refs);
        assert!(
            t.buckets.len() as u64 <= MAX_BUCKETS + 1,
            "{}",
            t.buckets.len()
        );
        assert!(timeline(&Period::default(), &[]).buckets.is_empty());
    }

    #[test]
    fn every_event_lands_in_a_bucket() {
        let day = 1_795_824_000;
        let events: Vec<AuditEvent> = (0..50)
            .map(|i| event_at(day + i * 7919, if i % 3 == 0 { "block" } else { "allow" }))
            .collect();
        let refs: Vec<&AuditEvent> = events.iter().collect();
        let mut t = timeline(&Period::default(), &refs);
        for e in &refs {
            tally_bucket(&mut t, e);
        }
        let counted: u64 = t.buckets.iter().map(|b| b.outcomes.total()).sum();
        assert_eq!(counted, 50);
        let blocks: u64 = t.buckets.iter().map(|b| b.outcomes.block).sum();
        assert_eq!(blocks, 17);
    }

    fn no_marks() -> IncidentMarks<'static> {
        IncidentMarks {
            rules: HashMap::new(),
            roles: HashMap::new(),
            owners: HashMap::new(),
            response: None,
            high_risk: HashSet::new(),
        }
    }

    /// A rule the policy marks as an incident makes one whatever its
    /// action; a serious one names the article to report under, by the
    /// system's role.
    #[test]
    fn marked_rules_make_incidents_with_their_category() {
        static LEAK: crate::policy::model::IncidentDef = crate::policy::model::IncidentDef {
            category: String::new(),
            serious: true,
            owner: None,
        };
        let mut marks = no_marks();
        marks.rules.insert("flag-leak", &LEAK);
        marks
            .roles
            .insert("bot", crate::policy::model::EuAiActRole::Deployer);
        let mut event = event_at(1, "flag");
        event.system = Some("bot".to_owned());
        event.rules = vec![RuleRecord {
            id: "flag-leak".to_owned(),
            mode: "enforce".to_owned(),
            action: "flag".to_owned(),
            applied: true,
            severity: "low".to_owned(),
            controls: Vec::new(),
        }];
        assert!(
            incident(&event, &no_marks()).is_none(),
            "unmarked, not blocked"
        );
        let found = incident(&event, &marks).expect("marked");
        assert_eq!(found.rule.as_deref(), Some("flag-leak"));
        assert!(found.serious);
        // The Act's reporting binds high-risk systems only.
        assert_eq!(found.report_under, None);
        marks.high_risk.insert("bot");
        let found = incident(&event, &marks).expect("marked");
        assert_eq!(found.report_under.as_deref(), Some("eu-ai-act:Art.26(5)"));
        // In monitor mode, what the rule saw happened all the same.
        event.rules[0].applied = false;
        event.rules[0].mode = "monitor".to_owned();
        assert!(incident(&event, &marks).is_some());
    }

    /// An exported incident starts triage: it says who triages it (the
    /// rule's owner, else the system's, else the plan's) and under which
    /// plan.
    #[test]
    fn incidents_carry_their_triage_owner_and_plan() {
        static OWNED: crate::policy::model::IncidentDef = crate::policy::model::IncidentDef {
            category: String::new(),
            serious: false,
            owner: Some(String::new()),
        };
        static UNOWNED: crate::policy::model::IncidentDef = crate::policy::model::IncidentDef {
            category: String::new(),
            serious: false,
            owner: None,
        };
        let response = crate::policy::model::IncidentResponse {
            plan: "IRP-1".to_owned(),
            owner: "Governance".to_owned(),
        };
        let mut marks = no_marks();
        marks.response = Some(&response);
        marks.rules.insert("leak", &UNOWNED);
        let mut event = event_at(1, "flag");
        event.system = Some("bot".to_owned());
        event.rules = vec![RuleRecord {
            id: "leak".to_owned(),
            mode: "enforce".to_owned(),
            action: "flag".to_owned(),
            applied: true,
            severity: "low".to_owned(),
            controls: Vec::new(),
        }];
        let found = incident(&event, &marks).expect("marked");
        assert_eq!(found.triage, "new");
        assert_eq!(found.plan.as_deref(), Some("IRP-1"));
        assert_eq!(found.owner.as_deref(), Some("Governance"));
        marks.owners.insert("bot", "Support lead");
        let found = incident(&event, &marks).expect("marked");
        assert_eq!(found.owner.as_deref(), Some("Support lead"));
        marks.rules.insert("leak", &OWNED);
        let found = incident(&event, &marks).expect("marked");
        assert_eq!(
            found.owner.as_deref(),
            Some("Support lead"),
            "blank is nobody"
        );
        // Without a plan, the export says none rather than invent one.
        marks.response = None;
        assert_eq!(incident(&event, &marks).expect("marked").plan, None);
    }

    #[test]
    fn incidents_need_a_block_and_a_serious_rule() {
        let rule = |id: &str, severity: &str| RuleRecord {
            id: id.to_owned(),
            mode: "enforce".to_owned(),
            action: "block".to_owned(),
            applied: true,
            severity: severity.to_owned(),
            controls: Vec::new(),
        };
        let mut event = event_at(1, "block");
        event.rules = vec![rule("small", "low")];
        assert!(incident(&event, &no_marks()).is_none());
        event.rules.push(rule("secrets", "critical"));
        event.rules.push(rule("inject", "high"));
        event.block = Some(aimsgate_engine::audit::BlockRecord {
            status: 403,
            reason: "rule".to_owned(),
            rule: Some("inject".to_owned()),
        });
        let found = incident(&event, &no_marks()).unwrap_or_default();
        assert_eq!(found.rule.as_deref(), Some("inject"));
        assert_eq!(found.severity, "critical");
        assert_eq!(found.status, Some(403));
        event.outcome = Some("redact".to_owned());
        assert!(incident(&event, &no_marks()).is_none());
    }
}
