//! The Statement of Applicability's data types, as serialised to JSON.

use aimsgate_engine::ruleset::Mode;
use schemars::JsonSchema;

pub use crate::junit::Verdict;
use serde::{Deserialize, Serialize};

use crate::evidence::report::{ControlEvidence, OutcomeCounts};
pub use crate::policy::model::OperatingThresholds;

/// Implementation status of a control whose rules all run in monitor mode.
pub const MONITOR_ONLY: &str = "monitor (not enforced)";

/// Implementation status of a declared control whose declaration gives
/// none: the statement does not assume "implemented".
pub const NOT_DECLARED: &str = "not declared";

/// Schema id of the JSON statement (the `schema` member).
pub const SCHEMA: &str = "aimsgate.soa/1";

/// The JSON Schema of the JSON statement (`aimsgate schema soa`, published
/// as `schemas/soa.v1.schema.json`).
pub fn json_schema() -> schemars::Schema {
    crate::schema::document::<Soa>("soa.v1.schema.json", SCHEMA)
}

/// A Statement of Applicability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Soa {
    /// Always [`SCHEMA`]: the layout's version. Fields may be added, none
    /// renamed or removed without a bump.
    pub schema: String,
    /// Which policy, which version, who approved it, when generated.
    pub document: DocumentControl,
    /// The statement's own document control (the policy's
    /// `soa.document`); absent when the policy declares none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<StatementControl>,
    /// The AIMS scope: the AI systems and the risks assessed.
    #[serde(default)]
    pub scope: Scope,
    /// The 38 ISO/IEC 42001 Annex A controls, in order, each exactly once.
    pub controls: Vec<SoaEntry>,
    /// Controls of other frameworks (and ISO/IEC 42001 management-system
    /// clauses) that the policy implements, with the rules implementing them.
    pub other_frameworks: Vec<FrameworkEntry>,
    /// Counts per applicability.
    pub summary: Summary,
    /// What the runtime evidence attached by
    /// [`attach_evidence`](super::attach_evidence) covers; absent (and not
    /// serialised) without evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_evidence: Option<EvidenceBasis>,
    /// What the test reports attached by
    /// [`attach_tests`](super::attach_tests) cover; absent (and not
    /// serialised) without them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_tests: Option<TestsBasis>,
    /// The least operating evidence for "operational" (the policy's
    /// `soa.operating_evidence`, or its defaults).
    #[serde(default)]
    pub operating_thresholds: OperatingThresholds,
    /// What changed since an earlier statement
    /// ([`attach_changes`](super::attach_changes), `soa --previous`);
    /// absent (and not serialised) without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
}

/// The differences from an earlier statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Changes {
    /// The earlier statement's version (its `soa.document` version, else
    /// its policy's).
    pub previous_version: String,
    /// When the earlier statement was generated.
    pub previous_generated_at: String,
    /// The SHA-256 of the earlier statement's policy.
    pub previous_digest: String,
    /// Every difference, controls in catalogue order.
    pub changes: Vec<Change>,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Change {
    /// What changed: a control reference, `statement`, `policy`,
    /// `system <id>` or `risk <id>`.
    pub subject: String,
    /// Which of its fields (`applicability`, `implementation`, `owner`,
    /// `justification`, `evidence`, `rules`, `risks`, …), or `added` /
    /// `removed`.
    pub what: String,
    /// The earlier value.
    pub before: Option<String>,
    /// The value now.
    pub after: Option<String>,
}

impl Change {
    /// `subject` is new, with this value.
    pub fn added(subject: &str, value: &str) -> Change {
        Change {
            subject: subject.to_owned(),
            what: "added".to_owned(),
            before: None,
            after: Some(value.to_owned()),
        }
    }

    /// `subject` is gone; it had this value.
    pub fn removed(subject: &str, value: &str) -> Change {
        Change {
            subject: subject.to_owned(),
            what: "removed".to_owned(),
            before: Some(value.to_owned()),
            after: None,
        }
    }
}

/// Document control of the statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
    /// When the statement was generated (as passed to [`build()`](super::build())).
    pub generated_at: String,
}

/// Document control of the statement itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatementControl {
    /// Document id.
    pub id: String,
    /// Version.
    pub version: String,
    /// Who approved this version.
    pub approver: Option<String>,
    /// When (YYYY-MM-DD).
    pub approved: Option<String>,
    /// When it is next reviewed (YYYY-MM-DD).
    pub next_review: Option<String>,
    /// Earlier versions, newest first.
    pub revisions: Vec<RevisionRef>,
}

/// One revision of the statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RevisionRef {
    /// Version.
    pub version: String,
    /// Date (YYYY-MM-DD).
    pub date: String,
    /// What changed.
    pub change: String,
    /// Who approved it.
    pub approver: Option<String>,
}

/// The AIMS scope (ISO/IEC 42001 4.3) as the policy declares it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Scope {
    /// The AI systems, in policy order.
    pub systems: Vec<ScopeSystem>,
    /// The AI risks assessed, in policy order.
    pub risks: Vec<RiskEntry>,
    /// The supplier register (A.10.3), in policy order.
    #[serde(default)]
    pub suppliers: Vec<SupplierEntry>,
    /// Days the audit events are kept (the policy's `retention`).
    #[serde(default)]
    pub audit_retention_days: Option<u32>,
    /// Where they are kept.
    #[serde(default)]
    pub audit_store: Option<String>,
}

impl Scope {
    /// One sentence on the audit events' retention.
    pub fn retention_text(&self) -> String {
        match (self.audit_retention_days, &self.audit_store) {
            (Some(days), Some(store)) => format!("Audit events are kept {days} days ({store})."),
            (Some(days), None) => format!("Audit events are kept {days} days."),
            _ => "The policy states no retention for its audit events.".to_owned(),
        }
    }
}

/// An AI system in scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ScopeSystem {
    /// System id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Accountable owner.
    pub owner: Option<String>,
    /// Intended purpose.
    pub purpose: Option<String>,
    /// Role under the EU AI Act (`provider`, `deployer`,
    /// `provider-and-deployer`).
    pub eu_ai_act_role: Option<String>,
    /// Risk tier (`minimal`, `limited`, `high`, `unacceptable`).
    pub risk_tier: String,
    /// EU AI Act Annex III area (`employment`, …, or `not-listed`).
    #[serde(default)]
    pub annex_iii: Option<String>,
    /// Life-cycle stage.
    pub lifecycle: String,
    /// Application domain.
    pub domain: String,
    /// Model provider.
    pub provider: String,
    /// Models.
    pub models: Vec<String>,
    /// Data categories processed.
    pub data_categories: Vec<String>,
    /// Human oversight.
    pub oversight: Option<String>,
    /// Its impact assessment (id and date) or screening decision.
    #[serde(default)]
    pub impact: Option<String>,
    /// Routes serving it.
    pub routes: Vec<String>,
}

/// A supplier and its terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SupplierEntry {
    /// Supplier id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Provider as systems and events name it.
    pub provider: String,
    /// Approved models (`*` ends a prefix).
    pub models: Vec<String>,
    /// Who manages the relationship.
    pub owner: Option<String>,
    /// Contract reference.
    pub contract: Option<String>,
    /// Data-processing agreement reference.
    pub dpa: Option<String>,
    /// What the contract says about AI incidents.
    pub incident_clause: Option<String>,
    /// Due-diligence record.
    pub due_diligence: Option<String>,
    /// Next review (YYYY-MM-DD).
    pub next_review: Option<String>,
}

/// An assessed risk and its treatment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RiskEntry {
    /// Risk id.
    pub id: String,
    /// What could happen.
    pub description: String,
    /// Owner.
    pub owner: Option<String>,
    /// `low`, `medium` or `high`.
    pub likelihood: String,
    /// `low`, `medium` or `high`.
    pub impact: String,
    /// `mitigate`, `accept`, `avoid` or `transfer`.
    pub treatment: String,
    /// Controls treating it.
    pub controls: Vec<String>,
    /// Systems it concerns (empty: all).
    pub systems: Vec<String>,
}

/// How an Annex A control is addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
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
}

/// Test-of-design evidence of one control: the policy test cases
/// (`aimsgate test --junit`) whose expectations name its rules or the
/// control itself, and how they ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DesignTests {
    /// Cases that passed.
    pub passed: u64,
    /// Cases that failed or could not be judged.
    pub failed: u64,
    /// The cases, in report order.
    pub cases: Vec<TestRef>,
}

impl DesignTests {
    /// One line: `3 passed, 1 failed (failed: …)`, or that no test
    /// exercises the control.
    pub fn text(&self) -> String {
        if self.cases.is_empty() {
            return "no policy test exercises it".to_owned();
        }
        let mut text = format!("{} passed, {} failed", self.passed, self.failed);
        let failing: Vec<&str> = self
            .cases
            .iter()
            .filter(|c| !matches!(c.verdict, Verdict::Passed | Verdict::Skipped))
            .map(|c| c.name.as_str())
            .collect();
        if !failing.is_empty() {
            text.push_str(&format!(" (failed: {})", failing.join("; ")));
        }
        text
    }
}

/// A policy test case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TestRef {
    /// Its suite (the test file).
    pub suite: String,
    /// Its name.
    pub name: String,
    /// How it ended.
    pub verdict: Verdict,
}

/// What the attached test reports hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TestsBasis {
    /// The reports read.
    pub reports: Vec<String>,
    /// Cases in them.
    pub cases: u64,
    /// Cases that passed.
    pub passed: u64,
    /// Cases that failed or could not be judged.
    pub failed: u64,
    /// Cases that name no rule or control of this statement (another
    /// policy's, or a report of another tool).
    pub unmapped: u64,
}

/// One Annex A control in the statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
    /// Who is accountable for it (its declaration's `owner`).
    #[serde(default)]
    pub owner: Option<String>,
    /// Risks it treats: its declaration's `risks` and the risks naming it.
    #[serde(default)]
    pub risks: Vec<String>,
    /// Implementation status (`implemented`, `partial`, `planned`,
    /// [`MONITOR_ONLY`] or [`NOT_DECLARED`]); absent for excluded and
    /// unaddressed controls.
    pub implementation: Option<String>,
    /// Rules implementing it, in policy order.
    pub rules: Vec<RuleRef>,
    /// Evidence reference of an organisational control (or the impact
    /// assessments' ids).
    pub evidence: Option<String>,
    /// The systems' impact assessments (A.5.2–A.5.5 only).
    pub impact_assessments: Vec<ImpactRef>,
    /// Runtime evidence from audit events
    /// ([`attach_evidence`](super::attach_evidence)), for
    /// controls applied at runtime; absent (and not serialised) otherwise.
    /// (`evidence` is the organisational evidence reference.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_evidence: Option<RuntimeEvidence>,
    /// Test-of-design evidence: the policy test cases exercising its
    /// rules ([`attach_tests`](super::attach_tests)); absent (and not
    /// serialised) without test reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_tests: Option<DesignTests>,
}

impl SoaEntry {
    /// Whether rules implement the control but none of them enforces.
    pub fn is_monitor_only(&self) -> bool {
        !self.rules.is_empty() && self.rules.iter().all(RuleRef::is_monitor)
    }
}

/// A rule implementing a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FrameworkEntry {
    /// Framework prefix (`owasp-llm`, `nist-ai-rmf`, `nist-ai-600-1`,
    /// `eu-ai-act`, `atlas`, `iso42001` for clauses).
    pub framework: String,
    /// Framework name.
    pub framework_title: String,
    /// The edition of the framework the catalogue follows (`2025 …`,
    /// ATLAS `5.6.0`); absent for an unknown framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework_version: Option<String>,
    /// Full reference, `framework:ID`.
    pub reference: String,
    /// Id within the framework.
    pub id: String,
    /// Title, when the catalogue lists the control.
    pub title: Option<String>,
    /// Whether the control catalogue lists it.
    pub catalogued: bool,
    /// Whose duty an EU AI Act provision is (`provider`, `deployer`,
    /// `provider and deployer`); absent for other frameworks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duty: Option<String>,
    /// Rules implementing it, in policy order.
    pub rules: Vec<RuleRef>,
    /// Whether the policy's AI-disclosure response headers implement it.
    pub disclosure: bool,
    /// `implemented`, or [`MONITOR_ONLY`] when only monitor-mode rules
    /// implement it.
    pub implementation: String,
    /// Runtime evidence from audit events
    /// ([`attach_evidence`](super::attach_evidence)), for
    /// controls rules implement; absent (and not serialised) otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_evidence: Option<RuntimeEvidence>,
    /// Test-of-design evidence: the policy test cases exercising its
    /// rules ([`attach_tests`](super::attach_tests)); absent (and not
    /// serialised) without test reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_tests: Option<DesignTests>,
}

/// Whether a control applied at runtime shows in the audit events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceStatus {
    /// Events of the period show its rules evaluated over at least the
    /// policy's minimum period and number of interactions
    /// (`soa.operating_evidence`): operational, not just planned.
    Operational,
    /// Events show its rules evaluated, but over less than the minimum
    /// period or number of interactions: operating since its first
    /// evaluation, not yet evidence of a control that operates.
    Operating,
    /// No event of the period shows it: planned, no runtime evidence.
    Planned,
    /// Events show it, but some lie in a chain that failed verification
    /// (altered, removed, reordered or cut-off events): not evidence an
    /// auditor can rely on until the log is explained.
    Unverified,
}

impl EvidenceStatus {
    /// `operational`, `operating`, `planned` or `unverified`.
    pub const fn key(self) -> &'static str {
        match self {
            EvidenceStatus::Operational => "operational",
            EvidenceStatus::Operating => "operating",
            EvidenceStatus::Planned => "planned",
            EvidenceStatus::Unverified => "unverified",
        }
    }
}

/// A control's runtime evidence: what the audit events say about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RuntimeEvidence {
    /// Operational (interactions seen) or planned (none).
    pub status: EvidenceStatus,
    /// Interactions (decision events) it governed.
    pub interactions: u64,
    /// Of those, in a chain that failed verification.
    #[serde(default)]
    pub unverified: u64,
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
    /// Interactions in which its rules were in force and the body was
    /// inspected, fired or not: its coverage.
    #[serde(default)]
    pub evaluated: u64,
    /// The first interaction evaluated, RFC 3339.
    #[serde(default)]
    pub evaluated_from: Option<String>,
    /// Days from the first to the last interaction evaluated.
    #[serde(default)]
    pub evaluated_days: u64,
    /// Interactions on its routes that passed uninspected.
    #[serde(default)]
    pub uninspected: u64,
}

impl RuntimeEvidence {
    /// The evidence of one control of an evidence report (none: planned),
    /// judged against the policy's `thresholds` for "operational".
    pub fn of(
        control: Option<&ControlEvidence>,
        thresholds: &OperatingThresholds,
    ) -> RuntimeEvidence {
        let Some(c) = control.filter(|c| c.has_evidence()) else {
            return RuntimeEvidence {
                status: EvidenceStatus::Planned,
                interactions: 0,
                unverified: 0,
                outcomes: OutcomeCounts::default(),
                enforce: 0,
                monitor: 0,
                first_seen: None,
                last_seen: None,
                incidents: 0,
                evaluated: 0,
                evaluated_from: None,
                evaluated_days: 0,
                uninspected: c_uninspected(control),
            };
        };
        let status = if c.unverified > 0 {
            EvidenceStatus::Unverified
        } else if c.evaluated >= thresholds.min_interactions
            && c.evaluated_days() >= thresholds.min_days
        {
            EvidenceStatus::Operational
        } else {
            EvidenceStatus::Operating
        };
        RuntimeEvidence {
            status,
            interactions: c.interactions,
            unverified: c.unverified,
            outcomes: c.outcomes,
            enforce: c.modes.enforce,
            monitor: c.modes.monitor,
            first_seen: c.first_seen.clone(),
            last_seen: c.last_seen.clone(),
            incidents: c.incidents.total,
            evaluated: c.evaluated,
            evaluated_from: c.evaluated_from.clone(),
            evaluated_days: c.evaluated_days(),
            uninspected: c_uninspected(Some(c)),
        }
    }

    /// `operational (evidence: 12 interactions, first … last …)` or
    /// `planned (no runtime evidence)`.
    pub fn text(&self) -> String {
        match self.status {
            EvidenceStatus::Operational => format!(
                "operational (evaluated in {} over {} from {}; fired in {}){}",
                plural(self.evaluated, "interaction"),
                plural(self.evaluated_days, "day"),
                self.evaluated_from.as_deref().unwrap_or("?"),
                plural(self.interactions, "interaction"),
                self.uninspected_note()
            ),
            EvidenceStatus::Operating => format!(
                "operating since {} ({}, {} evaluated; fired in {}){}",
                self.evaluated_from
                    .as_deref()
                    .or(self.first_seen.as_deref())
                    .unwrap_or("?"),
                plural(self.evaluated_days, "day"),
                plural(self.evaluated, "interaction"),
                plural(self.interactions, "interaction"),
                self.uninspected_note()
            ),
            EvidenceStatus::Planned => "planned (no runtime evidence)".to_owned(),
            EvidenceStatus::Unverified => format!(
                "unverified ({} of {} in a chain that failed verification)",
                self.unverified,
                plural(self.interactions, "interaction")
            ),
        }
    }
}

impl RuntimeEvidence {
    fn uninspected_note(&self) -> String {
        if self.uninspected == 0 {
            String::new()
        } else {
            format!(
                "; {} passed its routes uninspected",
                plural(self.uninspected, "interaction")
            )
        }
    }
}

/// Interactions on a control's routes that passed uninspected.
fn c_uninspected(control: Option<&ControlEvidence>) -> u64 {
    control.map_or(0, |c| c.uninspected.iter().map(|u| u.interactions).sum())
}

/// `1 {noun}` or `{n} {noun}s`.
pub(super) fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What the runtime evidence attached to a statement covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
    /// Annex A controls applied at runtime evaluated for less than the
    /// minimum period or number of interactions.
    #[serde(default)]
    pub operating: usize,
    /// Annex A controls applied at runtime whose evidence lies partly in a
    /// chain that failed verification.
    #[serde(default)]
    pub unverified: usize,
    /// Whether `aimsgate evidence verify` found the log intact.
    #[serde(default)]
    pub log_intact: bool,
    /// The verifier's findings (as it prints them), when it did not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verification_findings: Vec<String>,
    /// What the verification checked (see `evidence::verify::checks_text`).
    #[serde(default)]
    pub verification_checks: String,
    /// Incidents in the events.
    pub incidents: u64,
    /// Whether every decision event names this policy's digest.
    pub policy_digest_matches: bool,
    /// The evidence report's warnings (other policy versions, events
    /// failing their digest check…).
    pub warnings: Vec<String>,
}

/// Counts per applicability.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
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

/// The ids of the Annex A controls the statement lists as not addressed.
pub fn not_addressed(soa: &Soa) -> Vec<&str> {
    soa.controls
        .iter()
        .filter(|e| e.status == Applicability::NotAddressed)
        .map(|e| e.id.as_str())
        .collect()
}

/// Renders the statement as pretty-printed JSON (`snake_case` field names,
/// applicability as `applied_runtime`, `applied_organizational`,
/// `applied_impact_assessment`, `excluded` or `not_addressed`).
pub fn to_json(soa: &Soa) -> String {
    // The statement is plain strings, numbers and lists: serialising it
    // cannot fail.
    serde_json::to_string_pretty(soa).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;
    use crate::soa::fixture::soa;

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
}
