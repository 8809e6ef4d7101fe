//! What both renderers show alike: the controls grouped by Annex A
//! objective, rule modes, and the rows of the document-control and
//! runtime-evidence tables.

use super::model::{
    Change, DocumentControl, EvidenceBasis, FrameworkEntry, RevisionRef, RiskEntry, RuleRef,
    ScopeSystem, SoaEntry, StatementControl, SupplierEntry,
};

/// What a table cell says for a value the policy does not record.
pub(super) const NOT_RECORDED: &str = "not recorded";

fn or_not_recorded(value: Option<&String>) -> String {
    value.map_or_else(|| NOT_RECORDED.to_owned(), Clone::clone)
}

fn list_or_not_recorded(values: &[String]) -> String {
    if values.is_empty() {
        NOT_RECORDED.to_owned()
    } else {
        values.join(", ")
    }
}

/// The framework and the edition read: a citation means what that
/// edition says.
pub(super) fn framework_cell(f: &FrameworkEntry) -> String {
    match &f.framework_version {
        Some(version) => format!("{}, version {version}", f.framework_title),
        None => f.framework_title.clone(),
    }
}

/// The control's title and, for an EU AI Act provision, whose duty it is.
pub(super) fn title_cell(f: &FrameworkEntry) -> Option<String> {
    let title = f.title.as_deref()?;
    Some(match &f.duty {
        Some(duty) => format!("{title} ({duty} duty)"),
        None => title.to_owned(),
    })
}

/// The rows of the statement's own document control.
pub(super) fn statement_rows(s: &StatementControl) -> [(&'static str, Option<&str>); 5] {
    [
        ("Statement", Some(s.id.as_str())),
        ("Statement version", Some(s.version.as_str())),
        ("Statement approver", s.approver.as_deref()),
        ("Statement approved", s.approved.as_deref()),
        ("Next review", s.next_review.as_deref()),
    ]
}

/// Columns of the revision history.
pub(super) const REVISION_HEADERS: [&str; 4] = ["Version", "Date", "Change", "Approver"];

pub(super) fn revision_row(r: &RevisionRef) -> [String; 4] {
    [
        r.version.clone(),
        r.date.clone(),
        r.change.clone(),
        or_not_recorded(r.approver.as_ref()),
    ]
}

/// Columns of the scope's systems table.
pub(super) const SYSTEM_HEADERS: [&str; 12] = [
    "System",
    "Owner",
    "Intended purpose",
    "EU AI Act role",
    "Annex III area",
    "Risk tier",
    "Life cycle",
    "Models",
    "Data categories",
    "Human oversight",
    "Impact assessment",
    "Routes",
];

pub(super) fn system_row(s: &ScopeSystem) -> [String; 12] {
    let name = match &s.name {
        Some(name) => format!("{} ({name})", s.id),
        None => s.id.clone(),
    };
    let models = if s.models.is_empty() {
        format!("{}: {NOT_RECORDED}", s.provider)
    } else {
        format!("{}: {}", s.provider, s.models.join(", "))
    };
    [
        name,
        or_not_recorded(s.owner.as_ref()),
        or_not_recorded(s.purpose.as_ref()),
        or_not_recorded(s.eu_ai_act_role.as_ref()),
        or_not_recorded(s.annex_iii.as_ref()),
        s.risk_tier.clone(),
        s.lifecycle.clone(),
        models,
        list_or_not_recorded(&s.data_categories),
        or_not_recorded(s.oversight.as_ref()),
        or_not_recorded(s.impact.as_ref()),
        if s.routes.is_empty() {
            "none".to_owned()
        } else {
            s.routes.join(", ")
        },
    ]
}

/// Columns of the risk table.
pub(super) const RISK_HEADERS: [&str; 7] = [
    "Risk",
    "Description",
    "Owner",
    "Likelihood",
    "Impact",
    "Treatment",
    "Controls",
];

pub(super) const SUPPLIER_HEADERS: [&str; 8] = [
    "Supplier",
    "Provider",
    "Approved models",
    "Owner",
    "Contract and DPA",
    "AI-incident clause",
    "Due diligence",
    "Next review",
];

pub(super) fn supplier_row(s: &SupplierEntry) -> [String; 8] {
    let supplier = match &s.name {
        Some(name) => format!("{name} ({})", s.id),
        None => s.id.clone(),
    };
    let terms = match (&s.contract, &s.dpa) {
        (None, None) => NOT_RECORDED.to_owned(),
        (contract, dpa) => format!(
            "contract {}; DPA {}",
            or_not_recorded(contract.as_ref()),
            or_not_recorded(dpa.as_ref())
        ),
    };
    [
        supplier,
        s.provider.clone(),
        list_or_not_recorded(&s.models),
        or_not_recorded(s.owner.as_ref()),
        terms,
        or_not_recorded(s.incident_clause.as_ref()),
        or_not_recorded(s.due_diligence.as_ref()),
        or_not_recorded(s.next_review.as_ref()),
    ]
}

pub(super) fn risk_row(r: &RiskEntry) -> [String; 7] {
    let description = if r.systems.is_empty() {
        r.description.clone()
    } else {
        format!("{} (systems: {})", r.description, r.systems.join(", "))
    };
    [
        r.id.clone(),
        description,
        or_not_recorded(r.owner.as_ref()),
        r.likelihood.clone(),
        r.impact.clone(),
        r.treatment.clone(),
        list_or_not_recorded(&r.controls),
    ]
}

/// The accountability notes of a control: its owner and the risks it
/// treats.
pub(super) fn accountability(e: &SoaEntry) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(owner) = &e.owner {
        notes.push(format!("Owner: {owner}"));
    }
    if !e.risks.is_empty() {
        notes.push(format!("Risks: {}", e.risks.join(", ")));
    }
    notes
}

/// Runs of consecutive entries with the same objective group, in order.
pub(super) fn groups(controls: &[SoaEntry]) -> Vec<(&str, &[SoaEntry])> {
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

pub(super) fn mode_label(rule: &RuleRef) -> &str {
    if rule.is_monitor() {
        "monitor (shadow)"
    } else {
        &rule.mode
    }
}

/// The runtime-evidence rows of the statement's document section.
pub(super) fn basis_rows(b: &EvidenceBasis) -> Vec<(&'static str, String)> {
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
    let verified = if b.log_intact {
        format!(
            "intact (aimsgate evidence verify: every chain complete, in order, unaltered; checked: {})",
            b.verification_checks
        )
    } else {
        format!(
            "NOT intact — {} finding(s) below; {} control(s) unverified (checked: {})",
            b.verification_findings.len(),
            b.unverified,
            b.verification_checks
        )
    };
    vec![
        ("Audit log verification", verified),
        ("Governed interactions", b.interactions.to_string()),
        ("Period", period),
        ("Decision events (UTC)", events),
        ("Chains (proxy VMs)", b.chains.to_string()),
        (
            "Runtime controls operational",
            format!(
                "{} of {} ({} operating for less than the policy's minimum period or interactions; {} planned: no runtime evidence; {} unverified)",
                b.operational,
                b.operational + b.operating + b.planned + b.unverified,
                b.operating,
                b.planned,
                b.unverified
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

pub(super) fn document_rows(d: &DocumentControl) -> [(&'static str, Option<&str>); 7] {
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

/// Columns of the changes table.
pub(super) const CHANGE_HEADERS: [&str; 4] = ["Subject", "What", "Before", "After"];

pub(super) fn change_row(c: &Change) -> [String; 4] {
    [
        c.subject.clone(),
        c.what.clone(),
        c.before.clone().unwrap_or_else(|| "—".to_owned()),
        c.after.clone().unwrap_or_else(|| "—".to_owned()),
    ]
}

/// The heading of the changes section.
pub(super) fn changes_heading(previous_version: &str) -> String {
    format!("Changes since version {previous_version}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soa::fixture::soa;

    #[test]
    fn grouping_covers_everything() {
        let soa = soa();
        let runs = groups(&soa.controls);
        assert_eq!(runs.len(), 9);
        assert_eq!(runs.iter().map(|(_, run)| run.len()).sum::<usize>(), 38);
        assert!(groups(&[]).is_empty());
    }
}
