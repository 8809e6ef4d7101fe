//! Statement of Applicability (ISO/IEC 42001:2023, clause 6.1.3).
//!
//! [`build()`] turns a compiled policy into a [`Soa`]: every one of the 38
//! Annex A controls, in order and exactly once, with its applicability —
//! implemented at runtime by rules, met by the organisation (with evidence),
//! covered by the AI systems' impact assessments (A.5.2–A.5.5), excluded
//! (with a justification) or, as a visible gap, not addressed — plus the
//! controls of other frameworks (OWASP LLM, NIST, EU AI Act, MITRE ATLAS)
//! the rules implement.
//!
//! The statement renders three ways: [`to_markdown`] for review in a pull
//! request, [`to_json`] for tools (its layout versioned by [`SCHEMA`] in
//! the `schema` member and described by [`json_schema`]) and [`to_html`],
//! one self-contained, printable page to hand to an auditor.
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

mod build;
mod changes;
#[cfg(test)]
mod fixture;
mod html;
mod layout;
mod markdown;
mod model;

pub use build::{attach_evidence, attach_tests, build};
pub use changes::attach_changes;
pub use html::to_html;
pub use markdown::to_markdown;
pub use model::{
    Applicability, Change, Changes, DesignTests, DocumentControl, EvidenceBasis, EvidenceStatus,
    FrameworkEntry, ImpactRef, MONITOR_ONLY, NOT_DECLARED, OperatingThresholds, RevisionRef,
    RiskEntry, RuleRef, RuntimeEvidence, SCHEMA, Scope, ScopeSystem, Soa, SoaEntry,
    StatementControl, Summary, TestRef, TestsBasis, json_schema, not_addressed, to_json,
};
