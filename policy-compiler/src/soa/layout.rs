//! What both renderers show alike: the controls grouped by Annex A
//! objective, rule modes, and the rows of the document-control and
//! runtime-evidence tables.

use super::model::{DocumentControl, EvidenceBasis, RuleRef, SoaEntry};

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
