//! The evidence report's data: what [`build`](super::report::build)
//! fills in and the renderers read.
//!
//! Kept apart from the building code in [`report`](super::report) so that
//! the Markdown and HTML renderers (and the charts) depend on the data
//! alone: `report` calls the renderers, and were the types there too, each
//! renderer would import the module that imports it. Everything here is
//! re-exported from `report`, its public home.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Decision outcomes, most intrusive first: the order of tables, legends
/// and chart stacks (blocks at the base, where their heights compare
/// across buckets).
pub const OUTCOMES: [&str; 6] = ["block", "redact", "cap", "flag", "monitor", "allow"];

/// The evidence report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EvidenceReport {
    /// Always [`SCHEMA`](super::report::SCHEMA).
    pub schema: String,
    /// The policy the report was built against.
    pub policy: ReportedPolicy,
    /// The policies the period's decision events name, most events first.
    pub policies_seen: Vec<PolicySeen>,
    /// The event log held against the requests the runtimes counted
    /// (ISO/IEC 42001 A.6.2.8); absent when no checkpoint carries counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    /// Interactions per AI system of the policy's inventory (the route's
    /// system), most first.
    #[serde(default)]
    pub systems: Vec<Breakdown>,
    /// Interactions per route, most first.
    #[serde(default)]
    pub routes: Vec<Breakdown>,
    /// The models that answered (`gen_ai.response.model`), per model asked
    /// for: where a provider served another model than the one asked, and
    /// answers the approved-model rule flagged (ISO/IEC 42001 A.10.3).
    #[serde(default)]
    pub models: Vec<ModelSeen>,
    /// The period asked for and the events it holds.
    pub period: PeriodInfo,
    /// Counts over the whole period.
    pub totals: Totals,
    /// What could not be trusted or read.
    pub integrity: Integrity,
    /// `aimsgate evidence verify` over the same events, run first: a
    /// report is only as good as the log it counts.
    pub verification: ReportVerification,
    /// Things a reader must know before relying on the numbers.
    pub warnings: Vec<String>,
    /// Decisions per time bucket, by outcome.
    pub timeline: Timeline,
    /// Every control the policy's rules implement, in catalogue order.
    pub controls: Vec<ControlEvidence>,
    /// Controls named by events that no rule of this policy implements
    /// (events of another policy version), with their interactions.
    pub unmapped_controls: Vec<ControlCount>,
    /// Incidents of the period, oldest first.
    pub incidents: Incidents,
}

/// Requests the runtimes counted (at each chain's last checkpoint) against
/// the request events the log holds up to there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Logging {
    /// Chains whose checkpoints carry counts.
    pub chains: u64,
    /// Requests counted.
    pub requests: u64,
    /// Of those, passed untouched with no event (hosts no route names).
    pub unrecorded: u64,
    /// Request events in the log up to those checkpoints.
    pub request_events: u64,
    /// Events of any phase the runtimes dropped and declared (collector
    /// buffer full).
    pub dropped: u64,
    /// Requests counted with neither an event nor an unrecorded pass: in
    /// flight at the checkpoint, aborted by the client before a decision,
    /// dropped, or lost.
    pub unaccounted: u64,
}

impl Logging {
    /// One line for the summary.
    pub fn text(&self) -> String {
        format!(
            "{} request(s) counted by the runtime over {} chain(s): {} with a request event, {} passed unrecorded (hosts no route names), {} unaccounted (in flight at a checkpoint, aborted, dropped or lost); {} event(s) dropped and declared",
            self.requests,
            self.chains,
            self.request_events,
            self.unrecorded,
            self.unaccounted,
            self.dropped
        )
    }
}

/// Interactions of one AI system or one route.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Breakdown {
    /// The system or route id (`none`: the event names none, e.g. a
    /// request for a host no route names).
    pub id: String,
    /// Decision events.
    pub interactions: u64,
    /// Those by outcome.
    pub outcomes: OutcomeCounts,
    /// Those that passed without inspection, by the runtime's code.
    pub uninspected: Vec<CodeCount>,
}

impl Breakdown {
    /// `0`, or the uninspected count with its codes.
    pub fn uninspected_text(&self) -> String {
        codes_text(&self.uninspected)
    }
}

/// `0`, or the total with its codes: `3 (unknown_path_allowed 2, …)`.
fn codes_text(counts: &[CodeCount]) -> String {
    let total: u64 = counts.iter().map(|u| u.interactions).sum();
    if total == 0 {
        return "0".to_owned();
    }
    let codes: Vec<String> = counts
        .iter()
        .map(|u| format!("{} {}", u.code, u.interactions))
        .collect();
    format!("{total} ({})", codes.join(", "))
}

/// Responses by one model, to requests for one model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModelSeen {
    /// The model asked for (`gen_ai.request.model`).
    pub requested: Option<String>,
    /// The model that answered (`gen_ai.response.model`).
    pub answered: String,
    /// Responses.
    pub responses: u64,
    /// Responses the approved-model rule flagged: the answering model is
    /// not on the list.
    pub not_approved: u64,
    /// Whether the answering model is another than the one asked for (not
    /// the same name, nor a dated version of it).
    pub changed: bool,
    /// First response (RFC 3339).
    pub first_seen: String,
    /// Last response (RFC 3339).
    pub last_seen: String,
}

/// The verifier's verdict on the events a report counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportVerification {
    /// No finding: every chain complete, in order and unaltered.
    pub intact: bool,
    /// The findings, as `aimsgate evidence verify` prints them (at most
    /// [`FINDINGS_LISTED`](super::report::FINDINGS_LISTED)).
    pub findings: Vec<String>,
    /// Findings not listed.
    pub more_findings: u64,
    /// Chains with a finding that puts their events in doubt (altered,
    /// missing, reordered or cut-off events; not drops the filter
    /// declared). Controls whose events lie in them are not operational.
    pub broken_chains: Vec<String>,
    /// A finding about the input as a whole (an unreadable line, no
    /// events): no chain of it is verified.
    pub input_broken: bool,
    /// What was checked: hash chains always; checkpoint signatures and
    /// timestamp anchors when the keys and the TSA certificate were given;
    /// and the events too recent to be covered yet.
    #[serde(default)]
    pub checks: String,
}

/// The policy a report is about, by name, version and digest (the
/// rule set's own is `ruleset::PolicyInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReportedPolicy {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.version`.
    pub version: String,
    /// SHA-256 of the policy source, hex: what events carry as
    /// `aimsgate.policy.digest`.
    pub digest: String,
}

/// A policy named by decision events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PolicySeen {
    /// `aimsgate.policy.name`, when the event has one.
    pub name: Option<String>,
    /// `aimsgate.policy.version`.
    pub version: Option<String>,
    /// `aimsgate.policy.digest`; absent when the runtime decided without a
    /// rule set.
    pub digest: Option<String>,
    /// `aimsgate.policy.key_id`: the trusted key whose signature on the
    /// rule set the runtime checked; absent when it checked none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Decision events naming it.
    pub interactions: u64,
    /// Whether the digest is the report policy's.
    pub matches: bool,
}

/// The period asked for and the events it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PeriodInfo {
    /// Start asked for (inclusive), RFC 3339; absent when open.
    pub from: Option<String>,
    /// End asked for (exclusive), RFC 3339; absent when open.
    pub to: Option<String>,
    /// Start, ns since the epoch.
    pub from_unix_nano: Option<u64>,
    /// End, ns since the epoch.
    pub to_unix_nano: Option<u64>,
    /// The first decision event in the period, RFC 3339.
    pub first_event: Option<String>,
    /// The last decision event in the period, RFC 3339.
    pub last_event: Option<String>,
}

/// Counts over the whole period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Totals {
    /// Events read (all kinds, all times, duplicates included).
    pub events_read: u64,
    /// Events in the period (all kinds, duplicates removed).
    pub events_in_period: u64,
    /// Events left out because their time is outside the period.
    pub outside_period: u64,
    /// Repeated deliveries of an event already counted.
    pub duplicates: u64,
    /// Decision events in the period: governed interactions.
    pub interactions: u64,
    /// Interactions by outcome.
    pub outcomes: OutcomeCounts,
    /// Interactions by mode.
    pub modes: ModeCounts,
    /// Distinct chains (proxy VMs) with events in the period.
    pub chains: u64,
    /// Controls the policy's rules implement.
    pub controls: u64,
    /// Of those, controls with at least one interaction in the period.
    pub controls_with_evidence: u64,
    /// Incidents in the period.
    pub incidents: u64,
}

/// Decisions by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutcomeCounts {
    /// `block`.
    pub block: u64,
    /// `redact`.
    pub redact: u64,
    /// `cap`.
    pub cap: u64,
    /// `flag`.
    pub flag: u64,
    /// `monitor`: only monitor-mode rules fired.
    pub monitor: u64,
    /// `allow`.
    pub allow: u64,
    /// Any other or missing outcome (a newer runtime's).
    pub other: u64,
}

impl OutcomeCounts {
    /// Counts one decision with outcome `name`.
    pub fn add(&mut self, name: Option<&str>) {
        let slot = match name {
            Some("block") => &mut self.block,
            Some("redact") => &mut self.redact,
            Some("cap") => &mut self.cap,
            Some("flag") => &mut self.flag,
            Some("monitor") => &mut self.monitor,
            Some("allow") => &mut self.allow,
            _ => &mut self.other,
        };
        *slot += 1;
    }

    /// The count of one of [`OUTCOMES`] (or `other`).
    pub fn get(&self, name: &str) -> u64 {
        match name {
            "block" => self.block,
            "redact" => self.redact,
            "cap" => self.cap,
            "flag" => self.flag,
            "monitor" => self.monitor,
            "allow" => self.allow,
            _ => self.other,
        }
    }

    /// `(outcome, count)` in [`OUTCOMES`] order, then `other`.
    pub fn pairs(&self) -> [(&'static str, u64); 7] {
        [
            ("block", self.block),
            ("redact", self.redact),
            ("cap", self.cap),
            ("flag", self.flag),
            ("monitor", self.monitor),
            ("allow", self.allow),
            ("other", self.other),
        ]
    }

    /// All decisions counted.
    pub fn total(&self) -> u64 {
        self.pairs().iter().map(|(_, n)| n).sum()
    }

    /// `block 2, redact 1` (zero counts left out; `none` when all are).
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .pairs()
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// Decisions by mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModeCounts {
    /// An enforce-mode rule fired.
    pub enforce: u64,
    /// Only monitor-mode (shadow) rules fired.
    pub monitor: u64,
    /// No rule fired (totals only; always 0 per control).
    pub none: u64,
}

/// What could not be trusted or read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Integrity {
    /// Events whose bytes do not hash to their digest (all times). They are
    /// counted as read.
    pub not_intact: u64,
    /// Lines that looked like events but could not be read.
    pub unreadable: u64,
}

impl Integrity {
    /// Whether every event read was intact and every line readable.
    pub fn clean(&self) -> bool {
        self.not_intact == 0 && self.unreadable == 0
    }
}

/// Decisions over time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Timeline {
    /// Bucket width in seconds (0 when there are no buckets).
    pub bucket_seconds: u64,
    /// Bucket width for people (`1 hour`, `1 day`).
    pub bucket_label: String,
    /// Consecutive buckets covering the period (or the events, when the
    /// period is open), aligned to whole widths in UTC.
    pub buckets: Vec<Bucket>,
}

/// One time bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Bucket {
    /// Start, RFC 3339.
    pub start: String,
    /// Start, ns since the epoch (inclusive).
    pub start_unix_nano: u64,
    /// End, ns since the epoch (exclusive).
    pub end_unix_nano: u64,
    /// Decisions by outcome.
    pub outcomes: OutcomeCounts,
}

/// The evidence of one control.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ControlEvidence {
    /// Full reference, `framework:ID`.
    pub reference: String,
    /// Framework prefix (`iso42001`, `owasp-llm`, …).
    pub framework: String,
    /// Id within the framework.
    pub id: String,
    /// Catalogue title; absent for controls the catalogue does not list.
    pub title: Option<String>,
    /// The policy's rules implementing it, in policy order.
    pub rules: Vec<String>,
    /// Interactions it governed.
    pub interactions: u64,
    /// Of those, recorded in a chain that failed verification.
    #[serde(default)]
    pub unverified: u64,
    /// Those interactions by outcome.
    pub outcomes: OutcomeCounts,
    /// Those interactions by the mode of the control's fired rules.
    pub modes: ModeCounts,
    /// The control's rules that fired most, with their counts.
    pub top_rules: Vec<RuleCount>,
    /// First interaction, RFC 3339.
    pub first_seen: Option<String>,
    /// Last interaction, RFC 3339.
    pub last_seen: Option<String>,
    /// Its incidents, oldest first (at most
    /// [`CONTROL_INCIDENTS_LISTED`](super::report::CONTROL_INCIDENTS_LISTED)).
    pub incidents: Incidents,
    /// Coverage: interactions of this policy whose body was inspected
    /// with a rule of the control in force (its route's rules, of the
    /// event's phase) — fired or not. Derived from each event's route and
    /// policy digest; events of another policy version are not counted.
    #[serde(default)]
    pub evaluated: u64,
    /// The first interaction evaluated, RFC 3339.
    #[serde(default)]
    pub evaluated_from: Option<String>,
    /// The last interaction evaluated, RFC 3339.
    #[serde(default)]
    pub evaluated_to: Option<String>,
    /// The first and last evaluated, ns since the epoch (for the period).
    #[serde(default)]
    pub evaluated_span_unix_nano: Option<(u64, u64)>,
    /// Interactions on its routes that passed without inspection (the
    /// route lets unknown paths or oversize bodies through, fail-open…),
    /// by the runtime's code: traffic the control did not see.
    #[serde(default)]
    pub uninspected: Vec<CodeCount>,
}

/// Interactions by a runtime code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CodeCount {
    /// The code (`aimsgate.code`; `none` when the event has none).
    pub code: String,
    /// Interactions.
    pub interactions: u64,
}

impl ControlEvidence {
    /// Whether any event of the period governed it: its rules were
    /// evaluated, or fired.
    pub fn has_evidence(&self) -> bool {
        self.evaluated > 0 || self.interactions > 0
    }

    /// `0`, or the uninspected count with its codes:
    /// `3 (unknown_path_allowed 2, body_too_large_allowed 1)`.
    pub fn uninspected_text(&self) -> String {
        codes_text(&self.uninspected)
    }

    /// Days between the first and the last interaction evaluated.
    pub fn evaluated_days(&self) -> u64 {
        self.evaluated_span_unix_nano
            .map_or(0, |(from, to)| to.saturating_sub(from) / 86_400_000_000_000)
    }
}

/// A rule and how often it fired.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RuleCount {
    /// Rule id.
    pub id: String,
    /// Times it fired.
    pub count: u64,
    /// Of those, in enforce mode.
    pub enforce: u64,
    /// Of those, in monitor mode.
    pub monitor: u64,
}

/// A control and a count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ControlCount {
    /// Full reference.
    pub reference: String,
    /// Interactions naming it.
    pub interactions: u64,
}

/// A capped list of incidents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Incidents {
    /// Incidents in all.
    pub total: u64,
    /// The first ones, oldest first.
    pub listed: Vec<Incident>,
    /// Incidents not listed (`total - listed.len()`).
    pub more: u64,
}

impl Incidents {
    /// Counts `incident`, listing it while fewer than `cap` are listed.
    pub(super) fn push(&mut self, incident: &Incident, cap: usize) {
        self.total += 1;
        if self.listed.len() < cap {
            self.listed.push(incident.clone());
        } else {
            self.more += 1;
        }
    }
}

/// A blocked interaction in which a high or critical rule fired.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Incident {
    /// When, RFC 3339.
    pub time: String,
    /// When, ns since the epoch.
    pub time_unix_nano: u64,
    /// The request id (`x-request-id`).
    pub request_id: Option<String>,
    /// The rule to look at: the blocking rule when it is high or critical,
    /// else the first high or critical rule that fired.
    pub rule: Option<String>,
    /// The highest severity among the fired rules.
    pub severity: String,
    /// Route id.
    pub route: Option<String>,
    /// AI system id.
    pub system: Option<String>,
    /// `request` or `response`.
    pub phase: Option<String>,
    /// HTTP status answered.
    pub status: Option<u16>,
    /// Controls the event names.
    pub controls: Vec<String>,
    /// Chain id, to find the event.
    pub chain: String,
    /// Sequence number in the chain.
    pub seq: u64,
    /// The incident category of the rule the policy marks (`incident:`
    /// on the rule); absent for an incident found by severity alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Whether the policy marks it serious (reportable under the EU AI Act).
    #[serde(default)]
    pub serious: bool,
    /// For a serious incident of a high-risk system, whom the EU AI Act
    /// asks to be told, by the system's role: `eu-ai-act:Art.26(5)`
    /// (deployer) or `eu-ai-act:Art.73` (provider); absent for other
    /// systems, which the Act's reporting does not bind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_under: Option<String>,
    /// Who triages it: the marking rule's `incident.owner`, else the
    /// system's owner, else the policy's `incident_response.owner`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Where it stands in the incident process. An export is the start of
    /// triage, so always `new`: the process that takes it over keeps the
    /// status, not the audit log.
    #[serde(default = "new_triage")]
    pub triage: String,
    /// The incident response plan it is handled under (the policy's
    /// `incident_response.plan`, A.8.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
}

/// [`Incident::triage`] of an exported incident.
pub const NEW_INCIDENT: &str = "new";

fn new_triage() -> String {
    NEW_INCIDENT.to_owned()
}
