//! The statement as Markdown, for review in a pull request.

use std::fmt::Write as _;

use crate::render::{md, md_kv_row, md_opt, md_warning};

use super::layout::{
    CHANGE_HEADERS, REVISION_HEADERS, RISK_HEADERS, SUPPLIER_HEADERS, SYSTEM_HEADERS,
    accountability, basis_rows, change_row, changes_heading, document_rows, framework_cell, groups,
    mode_label, revision_row, risk_row, statement_rows, supplier_row, system_row, title_cell,
};
use super::model::{
    Applicability, DesignTests, EvidenceBasis, ImpactRef, RuleRef, RuntimeEvidence, Soa, SoaEntry,
    TestsBasis, not_addressed,
};

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

fn runtime_text(evidence: Option<&RuntimeEvidence>) -> String {
    evidence.map_or_else(|| "—".to_owned(), RuntimeEvidence::text)
}

fn tests_text(tests: Option<&DesignTests>) -> String {
    tests.map_or_else(|| "—".to_owned(), DesignTests::text)
}

/// What the attached test reports hold.
fn markdown_tests_basis(out: &mut String, basis: &TestsBasis) {
    let _ = writeln!(
        out,
        "\n## Test-of-design evidence\n\nPolicy test cases (`aimsgate test --junit`) from {}: {} case(s), {} passed, {} failed. \
         Each control applied at runtime lists the cases whose expectations name its rules or the control.",
        md(&basis.reports.join(", ")),
        basis.cases,
        basis.passed,
        basis.failed
    );
    if basis.unmapped > 0 {
        let _ = writeln!(
            out,
            "\n> **Note:** {} case(s) name no rule or control of this statement (another policy's tests, or a report without aimsgate's case properties).",
            basis.unmapped
        );
    }
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
    if let Some(statement) = &soa.statement {
        for (field, value) in statement_rows(statement) {
            md_kv_row(&mut out, field, &md_opt(value));
        }
    }
    for (field, value) in document_rows(d) {
        md_kv_row(&mut out, field, &md_opt(value));
    }
    if let Some(statement) = soa.statement.as_ref().filter(|s| !s.revisions.is_empty()) {
        out.push_str("\n### Revision history\n\n");
        md_table(
            &mut out,
            &REVISION_HEADERS,
            statement.revisions.iter().map(revision_row),
        );
    }

    if let Some(changes) = &soa.changes {
        let _ = writeln!(
            out,
            "\n## {}\n\nCompared with the statement generated at {} (policy SHA-256 {}).\n",
            md(&changes_heading(&changes.previous_version)),
            md(&changes.previous_generated_at),
            md(&changes.previous_digest)
        );
        if changes.changes.is_empty() {
            out.push_str("No control, system or risk changed.\n");
        } else {
            md_table(
                &mut out,
                &CHANGE_HEADERS,
                changes.changes.iter().map(change_row),
            );
        }
    }

    out.push_str(
        "\n## Scope\n\nThe AI systems of the AI management system (ISO/IEC 42001 4.3).\n\n",
    );
    if soa.scope.systems.is_empty() {
        out.push_str("The policy declares no AI system.\n");
    } else {
        md_table(
            &mut out,
            &SYSTEM_HEADERS,
            soa.scope.systems.iter().map(system_row),
        );
    }
    let _ = writeln!(out, "\n{}", md(&soa.scope.retention_text()));
    out.push_str(
        "\n## Risks\n\nThe AI risks assessed (6.1.2) and their treatment (6.1.3, 8.3).\n\n",
    );
    if soa.scope.risks.is_empty() {
        out.push_str("The policy declares no risk.\n");
    } else {
        md_table(
            &mut out,
            &RISK_HEADERS,
            soa.scope.risks.iter().map(risk_row),
        );
    }
    out.push_str("\n## Suppliers\n\nThe supplier register (A.10.3): its approved models are the list rules check models against.\n\n");
    if soa.scope.suppliers.is_empty() {
        out.push_str("The policy keeps no supplier register.\n");
    } else {
        md_table(
            &mut out,
            &SUPPLIER_HEADERS,
            soa.scope.suppliers.iter().map(supplier_row),
        );
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

    let with_tests = soa.design_tests.is_some();
    if let Some(basis) = &soa.design_tests {
        markdown_tests_basis(&mut out, basis);
    }
    let extra = |out: &mut String| {
        if with_evidence {
            out.push_str(" Operating evidence |");
        }
        if with_tests {
            out.push_str(" Design tests |");
        }
    };
    let extra_rule = |out: &mut String| {
        out.push_str(&"---|".repeat(usize::from(with_evidence) + usize::from(with_tests)));
        out.push('\n');
    };

    for (group, entries) in groups(&soa.controls) {
        let _ = writeln!(out, "\n## {}\n", md(group));
        out.push_str(
            "| Control | Title | Applicability | Justification / evidence | Implementing rules |",
        );
        extra(&mut out);
        out.push_str("\n|---|---|---|---|---|");
        extra_rule(&mut out);
        for e in entries {
            let mut notes: Vec<String> = Vec::new();
            if let Some(j) = &e.justification {
                notes.push(md(j));
            }
            notes.extend(accountability(e).iter().map(|n| md(n)));
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
            if with_tests {
                let _ = write!(out, " {} |", md(&tests_text(e.design_tests.as_ref())));
            }
            out.push('\n');
        }
    }

    out.push_str("\n## Other frameworks\n\n");
    if soa.other_frameworks.is_empty() {
        out.push_str("The rules cite no controls of other frameworks.\n");
    } else {
        out.push_str("| Framework | Control | Title | Implementation | Implementing rules |");
        extra(&mut out);
        out.push_str("\n|---|---|---|---|---|");
        extra_rule(&mut out);
        for f in &soa.other_frameworks {
            let mut rules: Vec<String> = f.rules.iter().map(|r| md(&rule_line(r))).collect();
            if f.disclosure {
                rules.push("AI-disclosure response headers".to_owned());
            }
            let _ = write!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(&framework_cell(f)),
                md(&f.id),
                md_opt(title_cell(f).as_deref()),
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
            if with_tests {
                let _ = write!(out, " {} |", md(&tests_text(f.design_tests.as_ref())));
            }
            out.push('\n');
        }
    }
    out
}

/// A Markdown table: a header row, then one row per item, cells escaped.
fn md_table<const N: usize>(
    out: &mut String,
    headers: &[&str; N],
    rows: impl Iterator<Item = [String; N]>,
) {
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(N));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| md(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

fn markdown_basis(out: &mut String, basis: &EvidenceBasis) {
    out.push_str(
        "\n## Operating evidence\n\nWhat the audit events show, beside the status the policy \
         declares. A control applied at runtime is **operational** when its rules were evaluated \
         (in force on inspected traffic, fired or not) over at least the policy's minimum period \
         and number of interactions, in chains that pass verification; **operating** since its \
         first evaluation below that minimum; **unverified** when some of its events lie in a \
         chain that does not pass; **planned** when no event shows it.\n\n| Field | Value |\n|---|---|\n",
    );
    for (field, value) in basis_rows(basis) {
        md_kv_row(out, field, &md(&value));
    }
    if !basis.verification_findings.is_empty() {
        out.push('\n');
        for line in &basis.verification_findings {
            out.push_str(&format!("- `{}`\n", line.replace('`', "'")));
        }
    }
    for text in &basis.warnings {
        md_warning(out, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;
    use crate::soa::fixture::{rows_starting, soa};

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
}
