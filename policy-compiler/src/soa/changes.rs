//! What changed since an earlier statement (`aimsgate soa --previous
//! old.json`): the revision history a controlled document keeps, computed
//! rather than written by hand, so no change goes unrecorded.

use super::model::{Change, Changes, FrameworkEntry, Soa, SoaEntry};

/// Compares `previous` (an earlier statement's JSON) with `soa` and records
/// every difference in `soa.changes`.
pub fn attach_changes(soa: &mut Soa, previous: &Soa) {
    let mut changes: Vec<Change> = Vec::new();
    let version = |s: &Soa| {
        s.statement
            .as_ref()
            .map_or_else(|| s.document.version.clone(), |st| st.version.clone())
    };
    if let (Some(before), Some(after)) = (&previous.statement, &soa.statement) {
        field(
            &mut changes,
            "statement",
            "approver",
            &before.approver,
            &after.approver,
        );
        field(
            &mut changes,
            "statement",
            "next review",
            &before.next_review,
            &after.next_review,
        );
    }
    field(
        &mut changes,
        "policy",
        "version",
        &Some(previous.document.version.clone()),
        &Some(soa.document.version.clone()),
    );
    for entry in &soa.controls {
        match previous
            .controls
            .iter()
            .find(|p| p.reference == entry.reference)
        {
            Some(before) => annex(&mut changes, before, entry),
            None => changes.push(Change::added(&entry.reference, entry.status.label())),
        }
    }
    others(
        &mut changes,
        &previous.other_frameworks,
        &soa.other_frameworks,
    );
    listed(
        &mut changes,
        "system",
        previous.scope.systems.iter().map(|s| s.id.as_str()),
        soa.scope.systems.iter().map(|s| s.id.as_str()),
    );
    listed(
        &mut changes,
        "risk",
        previous.scope.risks.iter().map(|r| r.id.as_str()),
        soa.scope.risks.iter().map(|r| r.id.as_str()),
    );
    listed(
        &mut changes,
        "supplier",
        previous.scope.suppliers.iter().map(|s| s.id.as_str()),
        soa.scope.suppliers.iter().map(|s| s.id.as_str()),
    );
    // What is approved from a supplier, and on which terms, is what an
    // auditor follows from one statement to the next.
    for after in &soa.scope.suppliers {
        if let Some(before) = previous.scope.suppliers.iter().find(|b| b.id == after.id) {
            let subject = format!("supplier {}", after.id);
            // The approved models as a set: reordering them changes nothing.
            let models = |m: &[String]| {
                let mut m = m.to_vec();
                m.sort();
                joined(&m)
            };
            let terms = [
                (
                    "provider",
                    Some(before.provider.clone()),
                    Some(after.provider.clone()),
                ),
                ("models", models(&before.models), models(&after.models)),
                ("owner", before.owner.clone(), after.owner.clone()),
                ("contract", before.contract.clone(), after.contract.clone()),
                ("dpa", before.dpa.clone(), after.dpa.clone()),
                (
                    "incident_clause",
                    before.incident_clause.clone(),
                    after.incident_clause.clone(),
                ),
                (
                    "due_diligence",
                    before.due_diligence.clone(),
                    after.due_diligence.clone(),
                ),
                (
                    "next_review",
                    before.next_review.clone(),
                    after.next_review.clone(),
                ),
            ];
            for (what, b, a) in terms {
                field(&mut changes, &subject, what, &b, &a);
            }
        }
    }
    soa.changes = Some(Changes {
        previous_version: version(previous),
        previous_generated_at: previous.document.generated_at.clone(),
        previous_digest: previous.document.digest.clone(),
        changes,
    });
}

fn field(
    out: &mut Vec<Change>,
    subject: &str,
    what: &str,
    before: &Option<String>,
    after: &Option<String>,
) {
    if before != after {
        out.push(Change {
            subject: subject.to_owned(),
            what: what.to_owned(),
            before: before.clone(),
            after: after.clone(),
        });
    }
}

fn rules(e: &[super::model::RuleRef]) -> Option<String> {
    let ids: Vec<String> = e.iter().map(|r| format!("{} ({})", r.id, r.mode)).collect();
    (!ids.is_empty()).then(|| ids.join(", "))
}

fn joined(values: &[String]) -> Option<String> {
    (!values.is_empty()).then(|| values.join(", "))
}

fn annex(out: &mut Vec<Change>, before: &SoaEntry, after: &SoaEntry) {
    let subject = after.reference.as_str();
    let label = |e: &SoaEntry| Some(e.status.label().to_owned());
    field(out, subject, "applicability", &label(before), &label(after));
    field(
        out,
        subject,
        "implementation",
        &before.implementation,
        &after.implementation,
    );
    field(out, subject, "owner", &before.owner, &after.owner);
    field(
        out,
        subject,
        "justification",
        &before.justification,
        &after.justification,
    );
    field(out, subject, "evidence", &before.evidence, &after.evidence);
    field(
        out,
        subject,
        "rules",
        &rules(&before.rules),
        &rules(&after.rules),
    );
    field(
        out,
        subject,
        "risks",
        &joined(&before.risks),
        &joined(&after.risks),
    );
}

fn others(out: &mut Vec<Change>, before: &[FrameworkEntry], after: &[FrameworkEntry]) {
    for entry in after {
        match before.iter().find(|b| b.reference == entry.reference) {
            Some(b) => {
                let subject = entry.reference.as_str();
                field(
                    out,
                    subject,
                    "implementation",
                    &Some(b.implementation.clone()),
                    &Some(entry.implementation.clone()),
                );
                field(
                    out,
                    subject,
                    "rules",
                    &rules(&b.rules),
                    &rules(&entry.rules),
                );
            }
            None => out.push(Change::added(&entry.reference, &entry.implementation)),
        }
    }
    for b in before {
        if !after.iter().any(|a| a.reference == b.reference) {
            out.push(Change::removed(&b.reference, &b.implementation));
        }
    }
}

fn listed<'a>(
    out: &mut Vec<Change>,
    what: &str,
    before: impl Iterator<Item = &'a str> + Clone,
    after: impl Iterator<Item = &'a str> + Clone,
) {
    for id in after.clone() {
        if !before.clone().any(|b| b == id) {
            out.push(Change::added(&format!("{what} {id}"), "in scope"));
        }
    }
    for id in before {
        if !after.clone().any(|a| a == id) {
            out.push(Change::removed(&format!("{what} {id}"), "in scope"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soa::fixture::{POLICY, soa};
    use crate::soa::{build, to_html, to_markdown};

    #[test]
    fn every_difference_is_listed_and_an_unchanged_statement_has_none() {
        let previous = soa();
        let mut same = soa();
        attach_changes(&mut same, &previous);
        assert_eq!(same.changes.as_ref().map(|c| c.changes.len()), Some(0));

        let policy = POLICY
            .replace(
                "      status: planned\n      owner: AI governance lead\n",
                "      status: implemented\n      owner: AI governance lead\n",
            )
            .replace(
                "    approver: Chief Risk Officer\n",
                "    approver: Chief Executive\n",
            )
            .replace(
                "  - id: shadow-only\n    mode: monitor\n",
                "  - id: shadow-only\n",
            );
        let (compiled, report) = crate::policy::check("p.yaml", &policy);
        let compiled = compiled.unwrap_or_else(|| panic!("{:?}", report.diagnostics));
        let mut current = build(&compiled, "2025-07-01T00:00:00Z");
        // Through JSON, as `--previous` reads it.
        let previous: Soa =
            serde_json::from_str(&crate::soa::to_json(&previous)).expect("reads back");
        attach_changes(&mut current, &previous);
        let changes = &current.changes.as_ref().expect("attached").changes;
        let find = |subject: &str, what: &str| {
            changes
                .iter()
                .find(|c| c.subject == subject && c.what == what)
                .unwrap_or_else(|| panic!("{subject} {what}: {changes:?}"))
        };
        let a32 = find("iso42001:A.3.2", "implementation");
        assert_eq!(a32.before.as_deref(), Some("planned"));
        assert_eq!(a32.after.as_deref(), Some("implemented"));
        assert_eq!(
            find("statement", "approver").after.as_deref(),
            Some("Chief Executive")
        );
        // The rule now enforces: A.9.4 is no longer monitor-only.
        assert_eq!(
            find("iso42001:A.9.4", "implementation").before.as_deref(),
            Some(crate::soa::MONITOR_ONLY)
        );
        let md = to_markdown(&current);
        assert!(md.contains("## Changes since version 3"), "{md}");
        assert!(
            md.contains("| iso42001:A.3.2 | implementation | planned | implemented |"),
            "{md}"
        );
        assert!(to_html(&current).contains("<h2>Changes since version 3</h2>"));
    }

    #[test]
    fn suppliers_added_removed_and_their_approved_models_are_listed() {
        let with = |models: &str| {
            format!(
                "{POLICY}suppliers:\n  - id: SUP-1\n    provider: openai\n    models: {models}\n    contract: MSA-1\n"
            )
        };
        let statement = |policy: &str| {
            let (compiled, report) = crate::policy::check("p.yaml", policy);
            let compiled = compiled.unwrap_or_else(|| panic!("{:?}", report.diagnostics));
            build(&compiled, "2025-07-01T00:00:00Z")
        };
        let previous = statement(&with("[gpt-4o]"));
        let mut current = statement(&with("[gpt-4o, gpt-4.1]"));
        attach_changes(&mut current, &previous);
        let changes = &current.changes.as_ref().expect("attached").changes;
        let models = changes
            .iter()
            .find(|c| c.subject == "supplier SUP-1" && c.what == "models")
            .unwrap_or_else(|| panic!("{changes:?}"));
        assert_eq!(models.before.as_deref(), Some("gpt-4o"));
        assert_eq!(models.after.as_deref(), Some("gpt-4.1, gpt-4o"));
        assert_eq!(changes.len(), 1, "{changes:?}");

        // The same models in another order are no change.
        let mut reordered = statement(&with("[gpt-4.1, gpt-4o]"));
        attach_changes(&mut reordered, &current);
        let changes = &reordered.changes.as_ref().expect("attached").changes;
        assert!(changes.is_empty(), "{changes:?}");

        let mut without = statement(POLICY);
        attach_changes(&mut without, &previous);
        let changes = &without.changes.as_ref().expect("attached").changes;
        assert!(
            changes
                .iter()
                .any(|c| c.subject == "supplier SUP-1" && c.what == "removed"),
            "{changes:?}"
        );
    }
}
