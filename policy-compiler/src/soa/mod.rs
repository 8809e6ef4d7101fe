//! Statement of Applicability (ISO/IEC 42001:2023, clause 6.1.3).
//!
//! [`build`] turns a compiled policy into a [`Soa`]: every one of the 38
//! Annex A controls, in order and exactly once, with its applicability —
//! implemented at runtime by rules, met by the organisation (with evidence),
//! covered by the AI systems' impact assessments (A.5.2–A.5.5), excluded
//! (with a justification) or, as a visible gap, not addressed — plus the
//! controls of other frameworks (OWASP LLM, NIST, EU AI Act, MITRE ATLAS)
//! the rules implement.
//!
//! The statement renders three ways: [`to_markdown`] for review in a pull
//! request, [`to_json`] for tools and [`to_html`], one self-contained,
//! printable page to hand to an auditor.
//!
//! With audit events ([`attach_evidence`], `aimsgate soa --evidence`),
//! each control applied at runtime also shows whether it is *operational*
//! (events show its rules at work: interactions, outcomes, first and last
//! seen, incidents) or only *planned* (no runtime evidence). Without
//! evidence the statement renders exactly as it did before.
//!
//! Precedence when a control is addressed more than one way: rules first
//! ([`Applicability::AppliedRuntime`], taking the justification and status of
//! an `applied` declaration when there is one), then an `organizational`
//! declaration, then an exclusion, then impact assessments. A control whose
//! rules all run in monitor mode is still applied at runtime, but its
//! implementation reads [`MONITOR_ONLY`] until an enforcing rule exists.

use std::collections::HashMap;
use std::fmt::Write as _;

use aimsgate_engine::ruleset::Mode;
use serde::{Deserialize, Serialize};

use crate::catalogue::{self, Control, ControlKind, Framework, Resolution};
use crate::evidence::report::{ControlEvidence, EvidenceReport, OutcomeCounts};
use crate::policy::compile::Compiled;
use crate::policy::model::{ImplementationStatus, Policy};
use crate::render::{esc, kv_row, md, md_kv_row, md_opt, md_warning, page_end, page_head, warning};

/// Implementation status of a control whose rules all run in monitor mode.
pub const MONITOR_ONLY: &str = "monitor (not enforced)";

/// The Annex A controls that systems' impact assessments address.
const IMPACT_CONTROLS: [&str; 4] = ["A.5.2", "A.5.3", "A.5.4", "A.5.5"];

/// A Statement of Applicability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Soa {
    /// Which policy, which version, who approved it, when generated.
    pub document: DocumentControl,
    /// The 38 ISO/IEC 42001 Annex A controls, in order, each exactly once.
    pub controls: Vec<SoaEntry>,
    /// Controls of other frameworks (and ISO/IEC 42001 management-system
    /// clauses) that the policy implements, with the rules implementing them.
    pub other_frameworks: Vec<FrameworkEntry>,
    /// Counts per applicability.
    pub summary: Summary,
    /// What the runtime evidence attached by [`attach_evidence`] covers;
    /// absent (and not serialised) without evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_evidence: Option<EvidenceBasis>,
}

/// Document control of the statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentControl {
    /// Policy name (`metadata.name`).
    pub policy: String,
    /// Policy version (`metadata.version`).
    pub version: String,
    /// Policy owner.
    pub owner: String,
    /// Who approved the policy.
    pub approver: Option<String>,
    /// When the policy was approved.
    pub approved: Option<String>,
    /// What the policy is for.
    pub description: Option<String>,
    /// SHA-256 of the policy source, hex.
    pub digest: String,
    /// When the statement was generated (as passed to [`build`]).
    pub generated_at: String,
}

/// How an Annex A control is addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applicability {
    /// Rules implement it at runtime.
    AppliedRuntime,
    /// The organisation meets it outside the proxy; evidence is declared.
    AppliedOrganizational,
    /// A.5.2–A.5.5, covered by the AI systems' impact assessments.
    AppliedImpactAssessment,
    /// Excluded, with a justification.
    Excluded,
    /// Neither applied nor excluded: a gap, listed so it stays visible.
    NotAddressed,
}

impl Applicability {
    /// Every applicability, in report order.
    pub const ALL: [Applicability; 5] = [
        Applicability::AppliedRuntime,
        Applicability::AppliedOrganizational,
        Applicability::AppliedImpactAssessment,
        Applicability::Excluded,
        Applicability::NotAddressed,
    ];

    /// Stable key, as serialised (`applied_runtime`, …).
    pub const fn key(self) -> &'static str {
        match self {
            Applicability::AppliedRuntime => "applied_runtime",
            Applicability::AppliedOrganizational => "applied_organizational",
            Applicability::AppliedImpactAssessment => "applied_impact_assessment",
            Applicability::Excluded => "excluded",
            Applicability::NotAddressed => "not_addressed",
        }
    }

    /// Label for people.
    pub const fn label(self) -> &'static str {
        match self {
            Applicability::AppliedRuntime => "Applied (runtime)",
            Applicability::AppliedOrganizational => "Applied (organizational)",
            Applicability::AppliedImpactAssessment => "Applied (impact assessment)",
            Applicability::Excluded => "Excluded",
            Applicability::NotAddressed => "Not addressed",
        }
    }

    /// Whether the control is applied one way or another.
    pub const fn is_applied(self) -> bool {
        matches!(
            self,
            Applicability::AppliedRuntime
                | Applicability::AppliedOrganizational
                | Applicability::AppliedImpactAssessment
        )
    }

    const fn colour(self) -> &'static str {
        match self {
            Applicability::AppliedRuntime => "#2e7d32",
            Applicability::AppliedOrganizational => "#1565c0",
            Applicability::AppliedImpactAssessment => "#6a1b9a",
            Applicability::Excluded => "#757575",
            Applicability::NotAddressed => "#c62828",
        }
    }
}

/// One Annex A control in the statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoaEntry {
    /// Control id, e.g. `A.6.2.8`.
    pub id: String,
    /// Full reference, e.g. `iso42001:A.6.2.8`.
    pub reference: String,
    /// Short title.
    pub title: String,
    /// Annex A objective, e.g. `A.6 AI system life cycle`.
    pub objective_group: String,
    /// What the control asks for.
    pub objective: String,
    /// How it is addressed.
    pub status: Applicability,
    /// Why it is included or excluded.
    pub justification: Option<String>,
    /// Implementation status (`implemented`, `partial`, `planned`, or
    /// [`MONITOR_ONLY`]); absent for excluded and unaddressed controls.
    pub implementation: Option<String>,
    /// Rules implementing it, in policy order.
    pub rules: Vec<RuleRef>,
    /// Evidence reference of an organisational control (or the impact
    /// assessments' ids).
    pub evidence: Option<String>,
    /// The systems' impact assessments (A.5.2–A.5.5 only).
    pub impact_assessments: Vec<ImpactRef>,
    /// Runtime evidence from audit events ([`attach_evidence`]), for
    /// controls applied at runtime; absent (and not serialised) otherwise.
    /// (`evidence` is the organisational evidence reference.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_evidence: Option<RuntimeEvidence>,
}

impl SoaEntry {
    /// Whether rules implement the control but none of them enforces.
    pub fn is_monitor_only(&self) -> bool {
        !self.rules.is_empty() && self.rules.iter().all(RuleRef::is_monitor)
    }
}

/// A rule implementing a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    /// Rule id.
    pub id: String,
    /// `enforce` or `monitor`.
    pub mode: String,
    /// Action name (`block`, `redact`, `flag`, `add-header`, `cap-max-tokens`).
    pub action: String,
    /// Severity (`low`, `medium`, `high`, `critical`).
    pub severity: String,
}

impl RuleRef {
    /// Whether the rule only records (monitor / shadow mode).
    pub fn is_monitor(&self) -> bool {
        self.mode == Mode::Monitor.name()
    }
}

/// An AI system's impact assessment, as listed under A.5.2–A.5.5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpactRef {
    /// System id.
    pub system: String,
    /// System name.
    pub system_name: Option<String>,
    /// Assessment document id.
    pub assessment: String,
    /// Assessment date.
    pub date: String,
    /// Assessment owner.
    pub owner: String,
    /// Mitigation plan.
    pub mitigation: String,
    /// Monitoring plan.
    pub monitoring: String,
    /// Societal-impact coverage (A.5.5), when recorded.
    pub societal: Option<String>,
}

/// A control of another framework that the policy implements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkEntry {
    /// Framework prefix (`owasp-llm`, `nist-ai-rmf`, `nist-ai-600-1`,
    /// `eu-ai-act`, `atlas`, `iso42001` for clauses).
    pub framework: String,
    /// Framework name.
    pub framework_title: String,
    /// Full reference, `framework:ID`.
    pub reference: String,
    /// Id within the framework.
    pub id: String,
    /// Title, when the catalogue lists the control.
    pub title: Option<String>,
    /// Whether the control catalogue lists it.
    pub catalogued: bool,
    /// Rules implementing it, in policy order.
    pub rules: Vec<RuleRef>,
    /// Whether the policy's AI-disclosure response headers implement it.
    pub disclosure: bool,
    /// `implemented`, or [`MONITOR_ONLY`] when only monitor-mode rules
    /// implement it.
    pub implementation: String,
    /// Runtime evidence from audit events ([`attach_evidence`]), for
    /// controls rules implement; absent (and not serialised) otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_evidence: Option<RuntimeEvidence>,
}

/// Whether a control applied at runtime shows in the audit events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceStatus {
    /// Events of the period show its rules firing: operational, not just
    /// planned.
    Operational,
    /// No event of the period shows it: planned, no runtime evidence.
    Planned,
}

impl EvidenceStatus {
    /// `operational` or `planned`.
    pub const fn key(self) -> &'static str {
        match self {
            EvidenceStatus::Operational => "operational",
            EvidenceStatus::Planned => "planned",
        }
    }
}

/// A control's runtime evidence: what the audit events say about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeEvidence {
    /// Operational (interactions seen) or planned (none).
    pub status: EvidenceStatus,
    /// Interactions (decision events) it governed.
    pub interactions: u64,
    /// Those interactions by outcome.
    pub outcomes: OutcomeCounts,
    /// Of those, with one of its rules in enforce mode.
    pub enforce: u64,
    /// Of those, with its rules in monitor (shadow) mode only.
    pub monitor: u64,
    /// First interaction, RFC 3339.
    pub first_seen: Option<String>,
    /// Last interaction, RFC 3339.
    pub last_seen: Option<String>,
    /// Blocked interactions with a high or critical rule fired.
    pub incidents: u64,
}

impl RuntimeEvidence {
    /// The evidence of one control of an evidence report (none: planned).
    pub fn of(control: Option<&ControlEvidence>) -> RuntimeEvidence {
        let Some(c) = control.filter(|c| c.has_evidence()) else {
            return RuntimeEvidence {
                status: EvidenceStatus::Planned,
                interactions: 0,
                outcomes: OutcomeCounts::default(),
                enforce: 0,
                monitor: 0,
                first_seen: None,
                last_seen: None,
                incidents: 0,
            };
        };
        RuntimeEvidence {
            status: EvidenceStatus::Operational,
            interactions: c.interactions,
            outcomes: c.outcomes,
            enforce: c.modes.enforce,
            monitor: c.modes.monitor,
            first_seen: c.first_seen.clone(),
            last_seen: c.last_seen.clone(),
            incidents: c.incidents.total,
        }
    }

    /// `operational (evidence: 12 interactions, first … last …)` or
    /// `planned (no runtime evidence)`.
    pub fn text(&self) -> String {
        match self.status {
            EvidenceStatus::Operational => format!(
                "operational (evidence: {}, first {} last {})",
                plural(self.interactions, "interaction"),
                self.first_seen.as_deref().unwrap_or("?"),
                self.last_seen.as_deref().unwrap_or("?")
            ),
            EvidenceStatus::Planned => "planned (no runtime evidence)".to_owned(),
        }
    }
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What the runtime evidence attached to a statement covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceBasis {
    /// Decision events read (governed interactions).
    pub interactions: u64,
    /// Start of the period asked for, RFC 3339 (absent: open).
    pub period_from: Option<String>,
    /// End of the period asked for (exclusive), RFC 3339 (absent: open).
    pub period_to: Option<String>,
    /// The first decision event, RFC 3339.
    pub first_event: Option<String>,
    /// The last decision event, RFC 3339.
    pub last_event: Option<String>,
    /// Distinct chains (proxy VMs) the events came from.
    pub chains: u64,
    /// Annex A controls applied at runtime with evidence.
    pub operational: usize,
    /// Annex A controls applied at runtime without evidence.
    pub planned: usize,
    /// Incidents in the events.
    pub incidents: u64,
    /// Whether every decision event names this policy's digest.
    pub policy_digest_matches: bool,
    /// The evidence report's warnings (other policy versions, events
    /// failing their digest check…).
    pub warnings: Vec<String>,
}

/// Counts per applicability.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Annex A controls listed (always 38).
    pub total: usize,
    /// Implemented by rules.
    pub applied_runtime: usize,
    /// Met by the organisation.
    pub applied_organizational: usize,
    /// Covered by impact assessments.
    pub applied_impact_assessment: usize,
    /// Excluded.
    pub excluded: usize,
    /// Not addressed.
    pub not_addressed: usize,
    /// Applied at runtime by monitor-mode rules only (not enforced yet).
    pub monitor_only: usize,
    /// Controls of other frameworks implemented.
    pub other_framework_controls: usize,
}

impl Summary {
    /// The count for one applicability.
    pub fn count(&self, status: Applicability) -> usize {
        match status {
            Applicability::AppliedRuntime => self.applied_runtime,
            Applicability::AppliedOrganizational => self.applied_organizational,
            Applicability::AppliedImpactAssessment => self.applied_impact_assessment,
            Applicability::Excluded => self.excluded,
            Applicability::NotAddressed => self.not_addressed,
        }
    }
}

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------

/// Builds the Statement of Applicability of a compiled policy.
/// `generated_at` is recorded as given (e.g. an RFC 3339 timestamp).
pub fn build(compiled: &Compiled, generated_at: &str) -> Soa {
    let policy = &compiled.policy;
    let meta = &policy.metadata;
    let document = DocumentControl {
        policy: meta.name.clone(),
        version: meta.version.clone(),
        owner: meta.owner.clone(),
        approver: meta.approver.clone(),
        approved: meta.approved.clone(),
        description: meta.description.clone(),
        digest: compiled.ruleset.policy.digest.to_hex(),
        generated_at: generated_at.to_owned(),
    };

    // Rules per control reference, and the order references first appear.
    let mut by_control: HashMap<&str, Vec<RuleRef>> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for rule in &compiled.ruleset.rules {
        let rule_ref = RuleRef {
            id: rule.id.clone(),
            mode: rule.mode.name().to_owned(),
            action: rule.action.name().to_owned(),
            severity: rule.severity.name().to_owned(),
        };
        for control in &rule.controls {
            let refs = by_control.entry(control.as_str()).or_insert_with(|| {
                order.push(control.as_str());
                Vec::new()
            });
            if refs.last().is_none_or(|last| last.id != rule_ref.id) {
                refs.push(rule_ref.clone());
            }
        }
    }

    let impacts: Vec<ImpactRef> = policy
        .systems
        .iter()
        .filter_map(|s| {
            s.impact_assessment.as_ref().map(|ia| ImpactRef {
                system: s.id.clone(),
                system_name: s.name.clone(),
                assessment: ia.id.clone(),
                date: ia.date.clone(),
                owner: ia.owner.clone(),
                mitigation: ia.mitigation.clone(),
                monitoring: ia.monitoring.clone(),
                societal: ia.societal.clone(),
            })
        })
        .collect();

    let controls: Vec<SoaEntry> = catalogue::annex_a()
        .map(|c| {
            let reference = c.reference();
            let rules = by_control
                .get(reference.as_str())
                .map_or(&[][..], Vec::as_slice);
            annex_entry(c, reference, rules, policy, &impacts)
        })
        .collect();

    let other_frameworks = other_entries(policy, &order, &by_control);

    let mut summary = Summary {
        total: controls.len(),
        monitor_only: controls.iter().filter(|e| e.is_monitor_only()).count(),
        other_framework_controls: other_frameworks.len(),
        ..Summary::default()
    };
    for entry in &controls {
        *match entry.status {
            Applicability::AppliedRuntime => &mut summary.applied_runtime,
            Applicability::AppliedOrganizational => &mut summary.applied_organizational,
            Applicability::AppliedImpactAssessment => &mut summary.applied_impact_assessment,
            Applicability::Excluded => &mut summary.excluded,
            Applicability::NotAddressed => &mut summary.not_addressed,
        } += 1;
    }

    Soa {
        document,
        controls,
        other_frameworks,
        summary,
        runtime_evidence: None,
    }
}

/// The ids of the Annex A controls the statement lists as not addressed.
pub fn not_addressed(soa: &Soa) -> Vec<&str> {
    soa.controls
        .iter()
        .filter(|e| e.status == Applicability::NotAddressed)
        .map(|e| e.id.as_str())
        .collect()
}

fn status_name(status: ImplementationStatus) -> &'static str {
    match status {
        ImplementationStatus::Implemented => "implemented",
        ImplementationStatus::Partial => "partial",
        ImplementationStatus::Planned => "planned",
    }
}

fn annex_entry(
    control: &Control,
    reference: String,
    rules: &[RuleRef],
    policy: &Policy,
    impacts: &[ImpactRef],
) -> SoaEntry {
    let declarations = &policy.soa;
    let applied = declarations.applied.iter().find(|d| d.control == reference);
    let organizational = declarations
        .organizational
        .iter()
        .find(|d| d.control == reference);
    let excluded = declarations
        .excluded
        .iter()
        .find(|d| d.control == reference);
    let impact_control = IMPACT_CONTROLS.contains(&control.id);

    let mut entry = SoaEntry {
        id: control.id.to_owned(),
        reference,
        title: control.title.to_owned(),
        objective_group: control.group.to_owned(),
        objective: control.objective.to_owned(),
        status: Applicability::NotAddressed,
        justification: None,
        implementation: None,
        rules: rules.to_vec(),
        evidence: None,
        impact_assessments: Vec::new(),
        runtime_evidence: None,
    };

    if !rules.is_empty() {
        let enforcing = rules.iter().filter(|r| !r.is_monitor()).count();
        let monitoring = rules.len() - enforcing;
        let default = if enforcing == 0 {
            format!("Monitored at runtime by {monitoring} rule(s) in shadow mode; not enforced yet")
        } else if monitoring == 0 {
            format!("Enforced at runtime by {enforcing} rule(s)")
        } else {
            format!("Enforced at runtime by {enforcing} rule(s); {monitoring} more in monitor mode")
        };
        entry.status = Applicability::AppliedRuntime;
        entry.justification = Some(
            applied
                .map(|d| d.justification.clone())
                .or_else(|| organizational.and_then(|d| d.justification.clone()))
                .unwrap_or(default),
        );
        let status = applied
            .map(|d| d.status)
            .or(organizational.map(|d| d.status))
            .unwrap_or_default();
        entry.implementation = Some(
            if enforcing == 0 {
                MONITOR_ONLY
            } else {
                status_name(status)
            }
            .to_owned(),
        );
        entry.evidence = organizational.map(|d| d.evidence.clone());
        if impact_control {
            entry.impact_assessments = impacts.to_vec();
        }
    } else if let Some(d) = organizational {
        entry.status = Applicability::AppliedOrganizational;
        entry.justification = d
            .justification
            .clone()
            .or_else(|| applied.map(|a| a.justification.clone()));
        entry.implementation = Some(status_name(d.status).to_owned());
        entry.evidence = Some(d.evidence.clone());
        if impact_control {
            entry.impact_assessments = impacts.to_vec();
        }
    } else if let Some(d) = excluded {
        entry.status = Applicability::Excluded;
        entry.justification = Some(d.justification.clone());
    } else if impact_control && !impacts.is_empty() {
        entry.status = Applicability::AppliedImpactAssessment;
        entry.justification = Some(impact_justification(control.id, policy, impacts));
        entry.implementation = Some(status_name(ImplementationStatus::Implemented).to_owned());
        let ids: Vec<&str> = impacts.iter().map(|i| i.assessment.as_str()).collect();
        entry.evidence = Some(ids.join(", "));
        entry.impact_assessments = impacts.to_vec();
    } else if let Some(d) = applied {
        entry.justification = Some(format!(
            "Declared applied, but no rule implements it: {}",
            d.justification
        ));
    }
    entry
}

fn impact_justification(id: &str, policy: &Policy, impacts: &[ImpactRef]) -> String {
    let systems = policy.systems.len();
    let mut text = format!(
        "Covered by the AI system impact assessments of {} of {systems} system(s) in scope",
        impacts.len()
    );
    if id == "A.5.5" {
        let societal = impacts
            .iter()
            .filter(|i| i.societal.as_deref().is_some_and(|s| !s.trim().is_empty()))
            .count();
        if societal == 0 {
            text.push_str("; none records a societal-impact assessment");
        } else {
            let _ = write!(text, "; {societal} cover(s) societal impacts");
        }
    }
    text
}

fn other_entries<'a>(
    policy: &'a Policy,
    order: &[&'a str],
    by_control: &HashMap<&str, Vec<RuleRef>>,
) -> Vec<FrameworkEntry> {
    // Disclosure headers implement their controls (default EU AI Act Art. 50).
    let disclosure: Vec<&str> = match &policy.disclosure {
        None => Vec::new(),
        Some(d) if d.controls.is_empty() => vec!["eu-ai-act:Art.50"],
        Some(d) => d.controls.iter().map(String::as_str).collect(),
    };
    let mut references: Vec<&str> = order.to_vec();
    for reference in &disclosure {
        if !references.contains(reference) {
            references.push(reference);
        }
    }

    let mut keyed: Vec<((usize, usize, usize), FrameworkEntry)> = Vec::new();
    for (appearance, reference) in references.into_iter().enumerate() {
        let (prefix, id) = reference.split_once(':').unwrap_or(("", reference));
        let framework = Framework::from_prefix(prefix);
        let control = match catalogue::resolve(reference) {
            Resolution::Known(c) if c.kind == ControlKind::AnnexA => continue,
            Resolution::Known(c) => Some(c),
            _ => None,
        };
        let rules = by_control.get(reference).cloned().unwrap_or_default();
        let is_disclosure = disclosure.contains(&reference);
        let enforced = is_disclosure || rules.iter().any(|r| !r.is_monitor());
        let framework_rank = framework
            .and_then(|f| Framework::ALL.iter().position(|x| *x == f))
            .unwrap_or(usize::MAX);
        let catalogue_rank = control
            .and_then(|c| {
                catalogue::all()
                    .iter()
                    .position(|x| x.framework == c.framework && x.id == c.id)
            })
            .unwrap_or(usize::MAX);
        keyed.push((
            (framework_rank, catalogue_rank, appearance),
            FrameworkEntry {
                framework: framework.map_or(prefix, |f| f.prefix()).to_owned(),
                framework_title: framework
                    .map_or("Unknown framework", Framework::title)
                    .to_owned(),
                reference: reference.to_owned(),
                id: id.to_owned(),
                title: control.map(|c| c.title.to_owned()),
                catalogued: control.is_some(),
                rules,
                disclosure: is_disclosure,
                implementation: if enforced {
                    status_name(ImplementationStatus::Implemented)
                } else {
                    MONITOR_ONLY
                }
                .to_owned(),
                runtime_evidence: None,
            },
        ));
    }
    keyed.sort_by_key(|(key, _)| *key);
    keyed.into_iter().map(|(_, entry)| entry).collect()
}

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------

/// Runs of consecutive entries with the same objective group, in order.
fn groups(controls: &[SoaEntry]) -> Vec<(&str, &[SoaEntry])> {
    let mut out: Vec<(&str, &[SoaEntry])> = Vec::new();
    let mut start = 0;
    for i in 1..=controls.len() {
        let boundary = match (controls.get(i), controls.get(start)) {
            (Some(next), Some(first)) => next.objective_group != first.objective_group,
            _ => true,
        };
        if boundary {
            if let (Some(first), Some(run)) = (controls.get(start), controls.get(start..i)) {
                out.push((first.objective_group.as_str(), run));
            }
            start = i;
        }
    }
    out
}

fn mode_label(rule: &RuleRef) -> &str {
    if rule.is_monitor() {
        "monitor (shadow)"
    } else {
        &rule.mode
    }
}

fn applicability_text(entry: &SoaEntry) -> String {
    match &entry.implementation {
        Some(implementation) => format!("{} — {implementation}", entry.status.label()),
        None => entry.status.label().to_owned(),
    }
}

fn impact_line(i: &ImpactRef) -> String {
    let mut line = format!(
        "{} ({}): {} of {}, owner {}; mitigation: {}; monitoring: {}",
        i.system,
        i.system_name.as_deref().unwrap_or("unnamed"),
        i.assessment,
        i.date,
        i.owner,
        i.mitigation,
        i.monitoring
    );
    if let Some(societal) = &i.societal {
        let _ = write!(line, "; societal: {societal}");
    }
    line
}

fn rule_line(rule: &RuleRef) -> String {
    format!(
        "{} — {}, {}, {}",
        rule.id,
        mode_label(rule),
        rule.action,
        rule.severity
    )
}

/// Adds the runtime evidence of `report` to the statement: every control
/// applied at runtime (and every other-framework control rules implement)
/// becomes operational, with its interactions, outcomes, first and last
/// seen and incidents, or planned when no event of the report shows it.
/// The renderers then add a runtime-evidence column; without this call the
/// statement renders exactly as before.
pub fn attach_evidence(soa: &mut Soa, report: &EvidenceReport) {
    let find = |reference: &str| report.controls.iter().find(|c| c.reference == reference);
    for entry in &mut soa.controls {
        if entry.status == Applicability::AppliedRuntime {
            entry.runtime_evidence = Some(RuntimeEvidence::of(find(&entry.reference)));
        }
    }
    for entry in &mut soa.other_frameworks {
        if !entry.rules.is_empty() {
            entry.runtime_evidence = Some(RuntimeEvidence::of(find(&entry.reference)));
        }
    }
    let count = |status: EvidenceStatus| {
        soa.controls
            .iter()
            .filter_map(|e| e.runtime_evidence.as_ref())
            .filter(|r| r.status == status)
            .count()
    };
    let basis = EvidenceBasis {
        interactions: report.totals.interactions,
        period_from: report.period.from.clone(),
        period_to: report.period.to.clone(),
        first_event: report.period.first_event.clone(),
        last_event: report.period.last_event.clone(),
        chains: report.totals.chains,
        operational: count(EvidenceStatus::Operational),
        planned: count(EvidenceStatus::Planned),
        incidents: report.totals.incidents,
        policy_digest_matches: report.policies_seen.iter().all(|p| p.matches),
        warnings: report.warnings.clone(),
    };
    soa.runtime_evidence = Some(basis);
}

/// The runtime-evidence rows of the statement's document section.
fn basis_rows(b: &EvidenceBasis) -> Vec<(&'static str, String)> {
    let period = match (&b.period_from, &b.period_to) {
        (None, None) => "all events".to_owned(),
        (from, to) => format!(
            "{} to {}",
            from.as_deref().unwrap_or("start"),
            to.as_deref().unwrap_or("end")
        ),
    };
    let events = match (&b.first_event, &b.last_event) {
        (Some(first), Some(last)) => format!("{first} – {last}"),
        _ => "no decision events".to_owned(),
    };
    vec![
        ("Governed interactions", b.interactions.to_string()),
        ("Period", period),
        ("Decision events (UTC)", events),
        ("Chains (proxy VMs)", b.chains.to_string()),
        (
            "Runtime controls operational",
            format!(
                "{} of {} ({} planned: no runtime evidence)",
                b.operational,
                b.operational + b.planned,
                b.planned
            ),
        ),
        ("Incidents", b.incidents.to_string()),
        (
            "Events governed by this policy version",
            if b.policy_digest_matches {
                "yes (every event names this policy's digest)".to_owned()
            } else {
                "no — see the warnings".to_owned()
            },
        ),
    ]
}

fn runtime_text(evidence: Option<&RuntimeEvidence>) -> String {
    evidence.map_or_else(|| "—".to_owned(), RuntimeEvidence::text)
}

/// Renders the statement as Markdown.
pub fn to_markdown(soa: &Soa) -> String {
    let d = &soa.document;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Statement of Applicability — {} {}\n",
        md(&d.policy),
        md(&d.version)
    );
    out.push_str(
        "ISO/IEC 42001:2023, clause 6.1.3: every Annex A control, applied or excluded.\n\n",
    );

    out.push_str("## Document control\n\n| Field | Value |\n|---|---|\n");
    for (field, value) in document_rows(d) {
        md_kv_row(&mut out, field, &md_opt(value));
    }

    out.push_str("\n## Summary\n\n| Applicability | Controls |\n|---|---:|\n");
    for status in Applicability::ALL {
        let _ = writeln!(
            out,
            "| {} | {} |",
            status.label(),
            soa.summary.count(status)
        );
    }
    let _ = writeln!(out, "| **Total** | **{}** |", soa.summary.total);
    if soa.summary.monitor_only > 0 {
        let _ = writeln!(
            out,
            "\n{} control(s) applied at runtime are monitored only (shadow mode), not enforced yet.",
            soa.summary.monitor_only
        );
    }
    let gaps = not_addressed(soa);
    if !gaps.is_empty() {
        let _ = writeln!(
            out,
            "\n> **Warning:** {} Annex A control(s) are not addressed: {}.",
            gaps.len(),
            md(&gaps.join(", "))
        );
    }
    let with_evidence = soa.runtime_evidence.is_some();
    if let Some(basis) = &soa.runtime_evidence {
        markdown_basis(&mut out, basis);
    }

    for (group, entries) in groups(&soa.controls) {
        let _ = writeln!(out, "\n## {}\n", md(group));
        out.push_str(if with_evidence {
            "| Control | Title | Applicability | Justification / evidence | Implementing rules | Runtime evidence |\n\
             |---|---|---|---|---|---|\n"
        } else {
            "| Control | Title | Applicability | Justification / evidence | Implementing rules |\n\
             |---|---|---|---|---|\n"
        });
        for e in entries {
            let mut notes: Vec<String> = Vec::new();
            if let Some(j) = &e.justification {
                notes.push(md(j));
            }
            if let Some(ev) = &e.evidence {
                notes.push(format!("Evidence: {}", md(ev)));
            }
            for i in &e.impact_assessments {
                notes.push(format!("Impact assessment: {}", md(&impact_line(i))));
            }
            let rules: Vec<String> = e.rules.iter().map(|r| md(&rule_line(r))).collect();
            let _ = write!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(&e.id),
                md(&e.title),
                md(&applicability_text(e)),
                if notes.is_empty() {
                    "—".to_owned()
                } else {
                    notes.join("<br>")
                },
                if rules.is_empty() {
                    "—".to_owned()
                } else {
                    rules.join("<br>")
                },
            );
            if with_evidence {
                let _ = write!(out, " {} |", md(&runtime_text(e.runtime_evidence.as_ref())));
            }
            out.push('\n');
        }
    }

    out.push_str("\n## Other frameworks\n\n");
    if soa.other_frameworks.is_empty() {
        out.push_str("The rules cite no controls of other frameworks.\n");
    } else {
        out.push_str(if with_evidence {
            "| Framework | Control | Title | Implementation | Implementing rules | Runtime evidence |\n|---|---|---|---|---|---|\n"
        } else {
            "| Framework | Control | Title | Implementation | Implementing rules |\n|---|---|---|---|---|\n"
        });
        for f in &soa.other_frameworks {
            let mut rules: Vec<String> = f.rules.iter().map(|r| md(&rule_line(r))).collect();
            if f.disclosure {
                rules.push("AI-disclosure response headers".to_owned());
            }
            let _ = write!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(&f.framework_title),
                md(&f.id),
                md_opt(f.title.as_deref()),
                md(&f.implementation),
                if rules.is_empty() {
                    "—".to_owned()
                } else {
                    rules.join("<br>")
                },
            );
            if with_evidence {
                let _ = write!(out, " {} |", md(&runtime_text(f.runtime_evidence.as_ref())));
            }
            out.push('\n');
        }
    }
    out
}

fn markdown_basis(out: &mut String, basis: &EvidenceBasis) {
    out.push_str(
        "\n## Runtime evidence\n\nControls applied at runtime are **operational** when audit \
         events show their rules at work, **planned** when no event does.\n\n\
         | Field | Value |\n|---|---|\n",
    );
    for (field, value) in basis_rows(basis) {
        md_kv_row(out, field, &md(&value));
    }
    for text in &basis.warnings {
        md_warning(out, text);
    }
}

fn document_rows(d: &DocumentControl) -> [(&'static str, Option<&str>); 7] {
    [
        ("Policy", Some(d.policy.as_str())),
        ("Version", Some(d.version.as_str())),
        ("Owner", Some(d.owner.as_str())),
        ("Approver", d.approver.as_deref()),
        ("Approval date", d.approved.as_deref()),
        ("Policy digest (SHA-256)", Some(d.digest.as_str())),
        ("Generated at", Some(d.generated_at.as_str())),
    ]
}

/// Renders the statement as pretty-printed JSON (`snake_case` field names,
/// applicability as `applied_runtime`, `applied_organizational`,
/// `applied_impact_assessment`, `excluded` or `not_addressed`).
pub fn to_json(soa: &Soa) -> String {
    // The statement is plain strings, numbers and lists: serialising it
    // cannot fail.
    serde_json::to_string_pretty(soa).unwrap_or_default()
}

const CSS: &str = r#"
:root { --ink: #1b1b1b; --muted: #5f6368; --rule: #d0d4d9; --head: #f1f3f5; }
* { box-sizing: border-box; }
body { font: 13px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
.subtitle { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--rule); padding: 5px 7px; text-align: left; vertical-align: top; }
thead th { background: var(--head); font-weight: 600; }
table.kv { width: auto; min-width: 60%; }
table.kv th { background: var(--head); width: 14em; font-weight: 600; }
td.id { font-weight: 600; white-space: nowrap; }
td.digest, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
.objective { color: var(--muted); font-size: 12px; margin-top: 2px; }
.badge { display: inline-block; padding: 1px 6px; border-radius: 3px; color: #fff; font-size: 12px; font-weight: 600; white-space: nowrap; }
.st-applied_runtime { background: #2e7d32; }
.st-applied_organizational { background: #1565c0; }
.st-applied_impact_assessment { background: #6a1b9a; }
.st-excluded { background: #757575; }
.st-not_addressed { background: #c62828; }
tr.row-not_addressed td { background: #fdecea; }
.impl { font-size: 12px; margin-top: 3px; }
.impl.monitor, .mode.monitor { color: #a15c00; font-weight: 600; }
.evidence, .impact { margin-top: 4px; }
.label { color: var(--muted); }
ul { margin: 0; padding-left: 16px; }
.rules li { margin: 0 0 2px; }
.none { color: var(--muted); }
.warning { border: 1px solid #c62828; background: #fdecea; padding: 8px 12px; margin: 12px 0; }
.note { border: 1px solid #e0a800; background: #fff8e1; padding: 8px 12px; margin: 12px 0; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 5px; vertical-align: baseline; }
svg.bar { display: block; width: 100%; max-width: 720px; height: auto; border: 1px solid var(--rule); }
footer { margin-top: 32px; color: var(--muted); font-size: 11px; border-top: 1px solid var(--rule); padding-top: 6px; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
  tr, .warning, .note { break-inside: avoid; page-break-inside: avoid; }
  section.group { break-before: auto; }
}
"#;

/// Renders the statement as one self-contained, printable HTML page:
/// document control, a summary with an inline-SVG bar, one table per Annex A
/// objective and the other frameworks. No scripts, no external resources;
/// every value is HTML-escaped.
pub fn to_html(soa: &Soa) -> String {
    let d = &soa.document;
    let mut out = String::with_capacity(64 * 1024);
    // Only statements with evidence get its styles: one without renders
    // byte for byte as before.
    let styles: &[&str] = if soa.runtime_evidence.is_some() {
        &[CSS, EVIDENCE_CSS]
    } else {
        &[CSS]
    };
    page_head(
        &mut out,
        &format!("Statement of Applicability — {} {}", d.policy, d.version),
        styles,
    );

    out.push_str("<header>\n<h1>Statement of Applicability</h1>\n");
    let _ = writeln!(
        out,
        "<p class=\"subtitle\">ISO/IEC 42001:2023, clause 6.1.3 — Annex A controls of AI policy <strong>{}</strong> version {}</p>",
        esc(&d.policy),
        esc(&d.version)
    );
    if let Some(description) = &d.description {
        let _ = writeln!(out, "<p>{}</p>", esc(description));
    }
    out.push_str("</header>\n");

    // Document control.
    out.push_str(
        "<section class=\"document-control\">\n<h2>Document control</h2>\n<table class=\"kv\">\n",
    );
    for (field, value) in document_rows(d) {
        let value = value.map_or_else(
            || "<span class=\"none\">not recorded</span>".to_owned(),
            esc,
        );
        kv_row(&mut out, field, &value);
    }
    out.push_str("</table>\n</section>\n");

    // Summary.
    out.push_str("<section class=\"summary\">\n<h2>Summary</h2>\n");
    summary_bar(&mut out, &soa.summary);
    out.push_str("<table class=\"kv\">\n<thead><tr><th>Applicability</th><th>Controls</th></tr></thead>\n<tbody>\n");
    for status in Applicability::ALL {
        let _ = writeln!(
            out,
            "<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td>{}</td></tr>",
            status.colour(),
            status.label(),
            soa.summary.count(status)
        );
    }
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">Total Annex A controls</th><th>{}</th></tr>\n</tbody>\n</table>",
        soa.summary.total
    );
    if soa.summary.monitor_only > 0 {
        let _ = writeln!(
            out,
            "<p class=\"note\"><strong>{}</strong> control(s) applied at runtime are implemented by rules in <strong>monitor (shadow)</strong> mode only: violations are recorded, not yet enforced.</p>",
            soa.summary.monitor_only
        );
    }
    let gaps = not_addressed(soa);
    if !gaps.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"warning\"><strong>Warning:</strong> {} Annex A control(s) are neither applied nor excluded: {}.</p>",
            gaps.len(),
            esc(&gaps.join(", "))
        );
    }
    out.push_str("</section>\n");
    let with_evidence = soa.runtime_evidence.is_some();
    if let Some(basis) = &soa.runtime_evidence {
        html_basis(&mut out, basis);
    }

    // One table per Annex A objective.
    for (group, entries) in groups(&soa.controls) {
        let _ = writeln!(out, "<section class=\"group\">\n<h2>{}</h2>", esc(group));
        out.push_str(
            "<table class=\"controls\">\n<thead><tr><th>Control</th><th>Title</th><th>Applicability</th>\
             <th>Justification / evidence</th><th>Implementing rules</th>",
        );
        if with_evidence {
            out.push_str("<th>Runtime evidence</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for e in entries {
            html_row(&mut out, e, with_evidence);
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    // Other frameworks.
    out.push_str("<section class=\"other\">\n<h2>Other frameworks</h2>\n");
    if soa.other_frameworks.is_empty() {
        out.push_str("<p class=\"none\">The rules cite no controls of other frameworks.</p>\n");
    } else {
        out.push_str(
            "<table class=\"frameworks\">\n<thead><tr><th>Framework</th><th>Control</th><th>Title</th>\
             <th>Implementation</th><th>Implementing rules</th>",
        );
        if with_evidence {
            out.push_str("<th>Runtime evidence</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for f in &soa.other_frameworks {
            let title = f.title.as_deref().map_or_else(
                || "<span class=\"none\">not in the catalogue</span>".to_owned(),
                esc,
            );
            let monitor = if f.implementation == MONITOR_ONLY {
                " monitor"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"id\">{}</td><td>{}</td><td><span class=\"impl{monitor}\">{}</span></td><td>",
                esc(&f.framework_title),
                esc(&f.id),
                title,
                esc(&f.implementation)
            );
            html_rules(&mut out, &f.rules, f.disclosure);
            out.push_str("</td>");
            if with_evidence {
                html_runtime(&mut out, f.runtime_evidence.as_ref());
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");

    page_end(
        &mut out,
        &format!(
            "Generated by aimsgate at {} from policy {} {} (SHA-256 {}).",
            esc(&d.generated_at),
            esc(&d.policy),
            esc(&d.version),
            esc(&d.digest)
        ),
    );
    out
}

fn summary_bar(out: &mut String, summary: &Summary) {
    const WIDTH: f64 = 720.0;
    let total = Applicability::ALL
        .iter()
        .map(|s| summary.count(*s))
        .sum::<usize>();
    let label: Vec<String> = Applicability::ALL
        .iter()
        .map(|s| format!("{}: {}", s.label(), summary.count(*s)))
        .collect();
    let _ = writeln!(
        out,
        "<svg class=\"bar\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} 26\" role=\"img\" aria-label=\"{0}\"><title>{0}</title>",
        esc(&label.join(", "))
    );
    if total == 0 {
        let _ = writeln!(
            out,
            "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"26\" fill=\"#eeeeee\"/>"
        );
    }
    let mut x = 0.0_f64;
    for status in Applicability::ALL {
        let count = summary.count(status);
        if count == 0 || total == 0 {
            continue;
        }
        let width = WIDTH * count as f64 / total as f64;
        let _ = writeln!(
            out,
            "<rect x=\"{x:.2}\" y=\"0\" width=\"{width:.2}\" height=\"26\" fill=\"{}\"><title>{}: {count}</title></rect>",
            status.colour(),
            status.label()
        );
        if width >= 18.0 {
            let _ = writeln!(
                out,
                "<text x=\"{:.2}\" y=\"17.5\" text-anchor=\"middle\" font-size=\"12\" font-family=\"sans-serif\" fill=\"#ffffff\">{count}</text>",
                x + width / 2.0
            );
        }
        x += width;
    }
    out.push_str("</svg>\n<ul class=\"legend\">\n");
    for status in Applicability::ALL {
        let _ = writeln!(
            out,
            "<li><span class=\"swatch\" style=\"background:{}\"></span>{} ({})</li>",
            status.colour(),
            status.label(),
            summary.count(status)
        );
    }
    out.push_str("</ul>\n");
}

fn html_row(out: &mut String, e: &SoaEntry, with_evidence: bool) {
    let key = e.status.key();
    let _ = write!(
        out,
        "<tr class=\"row-{key}\"><td class=\"id\">{}</td><td>{}<div class=\"objective\">{}</div></td>",
        esc(&e.id),
        esc(&e.title),
        esc(&e.objective)
    );
    let _ = write!(
        out,
        "<td><span class=\"badge st-{key}\">{}</span>",
        e.status.label()
    );
    if let Some(implementation) = &e.implementation {
        let monitor = if implementation == MONITOR_ONLY {
            " monitor"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<div class=\"impl{monitor}\">{}</div>",
            esc(implementation)
        );
    }
    out.push_str("</td><td>");
    let mut empty = true;
    if let Some(j) = &e.justification {
        let _ = write!(out, "<div class=\"justification\">{}</div>", esc(j));
        empty = false;
    }
    if let Some(ev) = &e.evidence {
        let _ = write!(
            out,
            "<div class=\"evidence\"><span class=\"label\">Evidence:</span> {}</div>",
            esc(ev)
        );
        empty = false;
    }
    if !e.impact_assessments.is_empty() {
        out.push_str("<div class=\"impact\"><span class=\"label\">Impact assessments:</span><ul>");
        for i in &e.impact_assessments {
            let _ = write!(
                out,
                "<li><strong>{}</strong>{}: {} ({}), owner {}; mitigation: {}; monitoring: {}",
                esc(&i.system),
                i.system_name
                    .as_deref()
                    .map_or_else(String::new, |n| format!(" ({})", esc(n))),
                esc(&i.assessment),
                esc(&i.date),
                esc(&i.owner),
                esc(&i.mitigation),
                esc(&i.monitoring)
            );
            if let Some(societal) = &i.societal {
                let _ = write!(out, "; societal: {}", esc(societal));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul></div>");
        empty = false;
    }
    if empty {
        out.push_str("<span class=\"none\">—</span>");
    }
    out.push_str("</td><td>");
    html_rules(out, &e.rules, false);
    out.push_str("</td>");
    if with_evidence {
        html_runtime(out, e.runtime_evidence.as_ref());
    }
    out.push_str("</tr>\n");
}

/// Styles of the runtime-evidence column and section.
const EVIDENCE_CSS: &str = r#"
.rt { display: inline-block; padding: 1px 6px; border-radius: 3px; font-size: 12px; font-weight: 600; white-space: nowrap; border: 1px solid; }
.rt-operational { color: #1b5e20; border-color: #2e7d32; background: #e8f5e9; }
.rt-planned { color: #5f6368; border-color: #9aa0a6; background: #f1f3f4; }
.rt-detail { font-size: 12px; margin-top: 3px; }
.rt-detail.incidents { color: #c62828; font-weight: 600; }
"#;

fn html_basis(out: &mut String, basis: &EvidenceBasis) {
    out.push_str(
        "<section class=\"runtime-evidence\" id=\"runtime-evidence\">\n<h2>Runtime evidence</h2>\n\
         <p>Controls applied at runtime are <strong>operational</strong> when audit events show \
         their rules at work, <strong>planned</strong> when no event does.</p>\n<table class=\"kv\">\n",
    );
    for (field, value) in basis_rows(basis) {
        kv_row(out, field, &esc(&value));
    }
    out.push_str("</table>\n");
    for text in &basis.warnings {
        warning(out, text);
    }
    out.push_str("</section>\n");
}

fn html_runtime(out: &mut String, evidence: Option<&RuntimeEvidence>) {
    let Some(r) = evidence else {
        out.push_str("<td><span class=\"none\">—</span></td>");
        return;
    };
    let key = r.status.key();
    let _ = write!(out, "<td><span class=\"rt rt-{key}\">{key}</span>");
    match r.status {
        EvidenceStatus::Operational => {
            let _ = write!(
                out,
                "<div class=\"rt-detail\">evidence: {}, first {} last {}</div>\
                 <div class=\"rt-detail\">{} · enforce {} / monitor {}</div>",
                esc(&plural(r.interactions, "interaction")),
                esc(r.first_seen.as_deref().unwrap_or("?")),
                esc(r.last_seen.as_deref().unwrap_or("?")),
                esc(&r.outcomes.summary()),
                r.enforce,
                r.monitor
            );
            if r.incidents > 0 {
                let _ = write!(
                    out,
                    "<div class=\"rt-detail incidents\">{}</div>",
                    esc(&plural(r.incidents, "incident"))
                );
            }
        }
        EvidenceStatus::Planned => {
            out.push_str("<div class=\"rt-detail\">no runtime evidence</div>")
        }
    }
    out.push_str("</td>");
}

fn html_rules(out: &mut String, rules: &[RuleRef], disclosure: bool) {
    if rules.is_empty() && !disclosure {
        out.push_str("<span class=\"none\">—</span>");
        return;
    }
    out.push_str("<ul class=\"rules\">");
    for r in rules {
        let class = if r.is_monitor() { "monitor" } else { "enforce" };
        let _ = write!(
            out,
            "<li><code>{}</code> <span class=\"mode {class}\">{}</span> · {} · {}</li>",
            esc(&r.id),
            esc(mode_label(r)),
            esc(&r.action),
            esc(&r.severity)
        );
    }
    if disclosure {
        out.push_str("<li>AI-disclosure response headers</li>");
    }
    out.push_str("</ul>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::check;

    const POLICY: &str = r#"
apiVersion: aimsgate/v1
kind: Policy
metadata:
  name: support-policy
  version: "1.4.0"
  owner: ai-governance@example.com
  approver: "Chief Risk Officer <cro@example.com>"
  approved: "2025-03-01"
systems:
  - id: support-bot
    name: Customer support assistant
    provider: openai
    domain: customer-service
    risk_tier: limited
    lifecycle: operation
    impact_assessment:
      id: AIIA-2025-07
      date: "2025-02-10"
      owner: dpo@example.com
      mitigation: human review of escalations
      monitoring: monthly sample review
  - id: internal-search
    provider: internal
    domain: knowledge
    risk_tier: minimal
    lifecycle: deployment
rules:
  - id: record-all
    action: flag
    controls: [iso42001:A.6.2.8, eu-ai-act:Art.12]
  - id: cap-output
    mode: monitor
    action:
      cap_max_tokens: 2048
    controls: [iso42001:A.6.2.6, owasp-llm:LLM10, nist-ai-rmf:MANAGE-2]
  - id: block-long
    action: block
    severity: high
    when:
      prompt_bytes_over: 100000
    controls: [iso42001:A.6.2.8, owasp-llm:LLM10]
  - id: shadow-only
    mode: monitor
    action: flag
    controls: [iso42001:A.9.4, iso42001:6.1.3]
soa:
  applied:
    - control: iso42001:A.6.2.8
      justification: Every governed exchange is recorded
      status: partial
  organizational:
    - control: iso42001:A.2.2
      evidence: "POL-AI-001 <AI policy & charter>"
      justification: Board-approved AI policy
    - control: iso42001:A.3.2
      evidence: RACI-7
      status: planned
  excluded:
    - control: iso42001:A.7.2
      justification: "<script>alert('x')</script> We develop no models & train on no data"
"#;

    fn soa() -> Soa {
        let (compiled, report) = check("p.yaml", POLICY);
        let Some(compiled) = compiled else {
            panic!("policy does not compile: {:?}", report.diagnostics);
        };
        build(&compiled, "2025-06-01T12:00:00Z")
    }

    fn entry<'a>(soa: &'a Soa, id: &str) -> &'a SoaEntry {
        match soa.controls.iter().find(|e| e.id == id) {
            Some(e) => e,
            None => panic!("{id} missing"),
        }
    }

    #[test]
    fn lists_every_annex_a_control_once_in_order() {
        let soa = soa();
        let ids: Vec<&str> = soa.controls.iter().map(|e| e.id.as_str()).collect();
        let expected: Vec<&str> = catalogue::annex_a().map(|c| c.id).collect();
        assert_eq!(ids, expected);
        assert_eq!(ids.len(), 38);
        assert_eq!(soa.summary.total, 38);
        let counted: usize = Applicability::ALL
            .iter()
            .map(|s| soa.summary.count(*s))
            .sum();
        assert_eq!(counted, 38);
    }

    #[test]
    fn document_control() {
        let soa = soa();
        let d = &soa.document;
        assert_eq!(d.policy, "support-policy");
        assert_eq!(d.version, "1.4.0");
        assert_eq!(d.owner, "ai-governance@example.com");
        assert_eq!(
            d.approver.as_deref(),
            Some("Chief Risk Officer <cro@example.com>")
        );
        assert_eq!(d.approved.as_deref(), Some("2025-03-01"));
        assert_eq!(d.generated_at, "2025-06-01T12:00:00Z");
        assert_eq!(d.digest.len(), 64);
        assert!(d.digest.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn runtime_controls() {
        let soa = soa();
        let logs = entry(&soa, "A.6.2.8");
        assert_eq!(logs.status, Applicability::AppliedRuntime);
        assert_eq!(
            logs.justification.as_deref(),
            Some("Every governed exchange is recorded")
        );
        assert_eq!(logs.implementation.as_deref(), Some("partial"));
        let rules: Vec<&str> = logs.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(rules, ["record-all", "block-long"]);
        assert_eq!(
            logs.rules[1],
            RuleRef {
                id: "block-long".into(),
                mode: "enforce".into(),
                action: "block".into(),
                severity: "high".into()
            }
        );
        assert!(!logs.is_monitor_only());

        let ops = entry(&soa, "A.6.2.6");
        assert_eq!(ops.status, Applicability::AppliedRuntime);
        assert_eq!(ops.implementation.as_deref(), Some(MONITOR_ONLY));
        assert!(ops.is_monitor_only());
        assert_eq!(ops.rules[0].mode, "monitor");
        assert_eq!(ops.rules[0].action, "cap-max-tokens");

        let intended = entry(&soa, "A.9.4");
        assert_eq!(intended.status, Applicability::AppliedRuntime);
        assert_eq!(intended.implementation.as_deref(), Some(MONITOR_ONLY));
        assert_eq!(soa.summary.applied_runtime, 3);
        assert_eq!(soa.summary.monitor_only, 2);
    }

    #[test]
    fn default_runtime_justification() {
        let policy = POLICY.replace(
            "  applied:\n    - control: iso42001:A.6.2.8\n      justification: Every governed exchange is recorded\n      status: partial\n",
            "",
        );
        let (compiled, report) = check("p.yaml", &policy);
        let Some(compiled) = compiled else {
            panic!("policy does not compile: {:?}", report.diagnostics);
        };
        let soa = build(&compiled, "now");
        let logs = entry(&soa, "A.6.2.8");
        assert_eq!(
            logs.justification.as_deref(),
            Some("Enforced at runtime by 2 rule(s)")
        );
        assert_eq!(logs.implementation.as_deref(), Some("implemented"));
    }

    #[test]
    fn organizational_excluded_impact_and_gaps() {
        let soa = soa();
        let policy = entry(&soa, "A.2.2");
        assert_eq!(policy.status, Applicability::AppliedOrganizational);
        assert_eq!(
            policy.evidence.as_deref(),
            Some("POL-AI-001 <AI policy & charter>")
        );
        assert_eq!(
            policy.justification.as_deref(),
            Some("Board-approved AI policy")
        );
        assert_eq!(policy.implementation.as_deref(), Some("implemented"));
        assert_eq!(
            entry(&soa, "A.3.2").implementation.as_deref(),
            Some("planned")
        );

        let data = entry(&soa, "A.7.2");
        assert_eq!(data.status, Applicability::Excluded);
        assert!(
            data.justification
                .as_deref()
                .is_some_and(|j| j.contains("<script>"))
        );
        assert_eq!(data.implementation, None);

        for id in IMPACT_CONTROLS {
            let e = entry(&soa, id);
            assert_eq!(e.status, Applicability::AppliedImpactAssessment, "{id}");
            assert_eq!(e.impact_assessments.len(), 1);
            assert_eq!(e.impact_assessments[0].system, "support-bot");
            assert_eq!(e.impact_assessments[0].assessment, "AIIA-2025-07");
            assert_eq!(e.impact_assessments[0].owner, "dpo@example.com");
            assert_eq!(
                e.impact_assessments[0].mitigation,
                "human review of escalations"
            );
            assert_eq!(e.impact_assessments[0].monitoring, "monthly sample review");
        }
        assert!(
            entry(&soa, "A.5.2")
                .justification
                .as_deref()
                .is_some_and(|j| j.contains("1 of 2"))
        );
        assert!(entry(&soa, "A.6.2.8").impact_assessments.is_empty());

        let gaps = not_addressed(&soa);
        assert_eq!(gaps.len(), 38 - 3 - 2 - 4 - 1);
        assert!(gaps.contains(&"A.10.4"));
        assert!(!gaps.contains(&"A.7.2"));
        assert_eq!(entry(&soa, "A.10.4").status, Applicability::NotAddressed);
        assert_eq!(soa.summary.not_addressed, gaps.len());
        assert_eq!(soa.summary.applied_organizational, 2);
        assert_eq!(soa.summary.applied_impact_assessment, 4);
        assert_eq!(soa.summary.excluded, 1);
    }

    #[test]
    fn without_impact_assessments_a5_is_a_gap() {
        let policy = POLICY.replace(
            "    impact_assessment:\n      id: AIIA-2025-07\n      date: \"2025-02-10\"\n      owner: dpo@example.com\n      mitigation: human review of escalations\n      monitoring: monthly sample review\n",
            "",
        );
        let (compiled, report) = check("p.yaml", &policy);
        let Some(compiled) = compiled else {
            panic!("policy does not compile: {:?}", report.diagnostics);
        };
        let soa = build(&compiled, "now");
        for id in IMPACT_CONTROLS {
            assert_eq!(entry(&soa, id).status, Applicability::NotAddressed, "{id}");
        }
        // The compiler's warning names the same gaps.
        let warned = report
            .diagnostics
            .iter()
            .find(|d| d.code == "not-addressed");
        let Some(warned) = warned else {
            panic!("no not-addressed warning")
        };
        for id in not_addressed(&soa) {
            assert!(
                warned.message.contains(&format!("{id},")) || warned.message.ends_with(id),
                "{id}"
            );
        }
    }

    #[test]
    fn other_frameworks() {
        let soa = soa();
        let refs: Vec<&str> = soa
            .other_frameworks
            .iter()
            .map(|f| f.reference.as_str())
            .collect();
        assert_eq!(
            refs,
            [
                "iso42001:6.1.3",
                "nist-ai-rmf:MANAGE-2",
                "eu-ai-act:Art.12",
                "owasp-llm:LLM10"
            ]
        );
        let llm10 = &soa.other_frameworks[3];
        assert_eq!(llm10.framework, "owasp-llm");
        assert_eq!(llm10.title.as_deref(), Some("Unbounded Consumption"));
        assert!(llm10.catalogued);
        let rules: Vec<&str> = llm10.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(rules, ["cap-output", "block-long"]);
        assert_eq!(llm10.implementation, "implemented");
        assert_eq!(soa.other_frameworks[1].implementation, MONITOR_ONLY);
        assert_eq!(soa.summary.other_framework_controls, 4);
    }

    #[test]
    fn disclosure_counts_for_its_controls() {
        let policy = format!("{POLICY}disclosure:\n  headers:\n    x-ai-generated: \"true\"\n");
        let (compiled, report) = check("p.yaml", &policy);
        let Some(compiled) = compiled else {
            panic!("policy does not compile: {:?}", report.diagnostics);
        };
        let soa = build(&compiled, "now");
        let art50 = soa
            .other_frameworks
            .iter()
            .find(|f| f.reference == "eu-ai-act:Art.50");
        let Some(art50) = art50 else {
            panic!("Art.50 missing")
        };
        assert!(art50.disclosure);
        assert!(art50.rules.is_empty());
        assert_eq!(art50.implementation, "implemented");
        assert!(to_html(&soa).contains("AI-disclosure response headers"));
    }

    fn rows_starting(text: &str, prefix: &str) -> usize {
        text.lines().filter(|l| l.starts_with(prefix)).count()
    }

    #[test]
    fn markdown_lists_each_control_once() {
        let soa = soa();
        let md = to_markdown(&soa);
        for c in catalogue::annex_a() {
            assert_eq!(rows_starting(&md, &format!("| {} |", c.id)), 1, "{}", c.id);
        }
        for (id, title) in catalogue::annex_a_objectives() {
            assert!(md.contains(&format!("## {id} {title}")), "{id}");
        }
        assert!(!md.contains("<script>"));
        assert!(md.contains("&lt;script&gt;"));
        assert!(md.contains("monitor (shadow)"));
        assert!(md.contains("Warning"));
        assert!(md.contains(&soa.document.digest));
    }

    #[test]
    fn html_lists_each_control_once_and_escapes() {
        let soa = soa();
        let html = to_html(&soa);
        for c in catalogue::annex_a() {
            let cell = format!("<td class=\"id\">{}</td>", c.id);
            assert_eq!(html.matches(&cell).count(), 1, "{}", c.id);
        }
        assert_eq!(rows_starting(&html, "<tr class=\"row-"), 38);
        assert_eq!(html.matches("<table class=\"controls\">").count(), 9);
        for (id, title) in catalogue::annex_a_objectives() {
            assert!(html.contains(&format!("<h2>{id} {title}</h2>")), "{id}");
        }
        // No scripts at all, and nothing loaded from elsewhere.
        assert!(!html.to_ascii_lowercase().contains("<script"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("We develop no models &amp; train on no data"));
        assert!(html.contains("Chief Risk Officer &lt;cro@example.com&gt;"));
        assert!(html.contains("POL-AI-001 &lt;AI policy &amp; charter&gt;"));
        assert!(!html.contains("src="));
        assert!(!html.contains("<link"));
        assert!(!html.contains("@import"));
        assert!(html.contains("@media print"));
        assert!(html.contains("<svg"));
        assert!(html.contains("monitor (shadow)"));
        assert!(html.contains(MONITOR_ONLY));
        assert!(html.contains("2025-06-01T12:00:00Z"));
        assert!(html.contains(&soa.document.digest));
        assert!(html.contains("Unbounded Consumption"));
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.trim_end().ends_with("</html>"));
    }

    #[test]
    fn json_round_trips() {
        let soa = soa();
        let json = to_json(&soa);
        let value: serde_json::Value = match serde_json::from_str(&json) {
            Ok(v) => v,
            Err(e) => panic!("invalid JSON: {e}"),
        };
        let controls = value["controls"].as_array().map_or(0, Vec::len);
        assert_eq!(controls, 38);
        for c in catalogue::annex_a() {
            let n = value["controls"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["id"] == c.id)
                .count();
            assert_eq!(n, 1, "{}", c.id);
        }
        assert_eq!(value["controls"][0]["status"], "applied_organizational");
        assert_eq!(value["summary"]["total"], 38);
        assert_eq!(value["document"]["generated_at"], "2025-06-01T12:00:00Z");
        let logs = value["controls"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["id"] == "A.6.2.8")
            .cloned()
            .unwrap_or_default();
        assert_eq!(logs["status"], "applied_runtime");
        assert_eq!(logs["rules"][1]["severity"], "high");
        let back: Soa = match serde_json::from_value(value) {
            Ok(s) => s,
            Err(e) => panic!("does not deserialize: {e}"),
        };
        assert_eq!(back, soa);
    }

    #[test]
    fn grouping_covers_everything() {
        let soa = soa();
        let runs = groups(&soa.controls);
        assert_eq!(runs.len(), 9);
        assert_eq!(runs.iter().map(|(_, run)| run.len()).sum::<usize>(), 38);
        assert!(groups(&[]).is_empty());
    }
}
