//! The statement as one self-contained, printable HTML page.

use std::fmt::Write as _;

use crate::render::{esc, kv_row, page_end, page_head, warning};

use super::layout::{
    CHANGE_HEADERS, REVISION_HEADERS, RISK_HEADERS, SUPPLIER_HEADERS, SYSTEM_HEADERS,
    accountability, basis_rows, change_row, changes_heading, document_rows, framework_cell, groups,
    mode_label, revision_row, risk_row, statement_rows, supplier_row, system_row, title_cell,
};
use super::model::{
    Applicability, DesignTests, EvidenceBasis, EvidenceStatus, MONITOR_ONLY, RuleRef,
    RuntimeEvidence, Soa, SoaEntry, Summary, TestsBasis, not_addressed, plural,
};

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
.tests-failed { color: #c62828; font-weight: 600; }
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
    let statement = soa.statement.as_ref().map(statement_rows);
    for (field, value) in statement.into_iter().flatten().chain(document_rows(d)) {
        let value = value.map_or_else(
            || "<span class=\"none\">not recorded</span>".to_owned(),
            esc,
        );
        kv_row(&mut out, field, &value);
    }
    out.push_str("</table>\n");
    if let Some(statement) = soa.statement.as_ref().filter(|s| !s.revisions.is_empty()) {
        out.push_str("<h3>Revision history</h3>\n");
        html_table(
            &mut out,
            "revisions",
            &REVISION_HEADERS,
            statement.revisions.iter().map(revision_row),
        );
    }
    out.push_str("</section>\n");

    if let Some(changes) = &soa.changes {
        let _ = writeln!(
            out,
            "<section class=\"changes\">\n<h2>{}</h2>\n<p>Compared with the statement generated at {} (policy SHA-256 <code>{}</code>).</p>",
            esc(&changes_heading(&changes.previous_version)),
            esc(&changes.previous_generated_at),
            esc(&changes.previous_digest)
        );
        if changes.changes.is_empty() {
            out.push_str("<p class=\"none\">No control, system or risk changed.</p>\n");
        } else {
            html_table(
                &mut out,
                "changes",
                &CHANGE_HEADERS,
                changes.changes.iter().map(change_row),
            );
        }
        out.push_str("</section>\n");
    }

    // Scope and risks.
    out.push_str("<section class=\"scope\">\n<h2>Scope</h2>\n<p>The AI systems of the AI management system (ISO/IEC 42001 4.3).</p>\n");
    if soa.scope.systems.is_empty() {
        out.push_str("<p class=\"none\">The policy declares no AI system.</p>\n");
    } else {
        html_table(
            &mut out,
            "systems",
            &SYSTEM_HEADERS,
            soa.scope.systems.iter().map(system_row),
        );
    }
    let _ = writeln!(
        out,
        "<p class=\"retention\">{}</p>",
        esc(&soa.scope.retention_text())
    );
    out.push_str(
        "<h2>Risks</h2>\n<p>The AI risks assessed (6.1.2) and their treatment (6.1.3, 8.3).</p>\n",
    );
    if soa.scope.risks.is_empty() {
        out.push_str("<p class=\"none\">The policy declares no risk.</p>\n");
    } else {
        html_table(
            &mut out,
            "risks",
            &RISK_HEADERS,
            soa.scope.risks.iter().map(risk_row),
        );
    }
    out.push_str(
        "<h2>Suppliers</h2>\n<p>The supplier register (A.10.3): its approved models are the list rules check models against.</p>\n",
    );
    if soa.scope.suppliers.is_empty() {
        out.push_str("<p class=\"none\">The policy keeps no supplier register.</p>\n");
    } else {
        html_table(
            &mut out,
            "suppliers",
            &SUPPLIER_HEADERS,
            soa.scope.suppliers.iter().map(supplier_row),
        );
    }
    out.push_str("</section>\n");

    // Summary.
    out.push_str("<section class=\"summary\">\n<h2>Summary</h2>\n");
    summary_bar(&mut out, &soa.summary);
    out.push_str("<table class=\"kv\">\n<thead><tr><th>Applicability</th><th>Controls</th></tr></thead>\n<tbody>\n");
    for status in Applicability::ALL {
        let _ = writeln!(
            out,
            "<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td>{}</td></tr>",
            colour(status),
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
    let with_tests = soa.design_tests.is_some();
    if let Some(basis) = &soa.design_tests {
        html_tests_basis(&mut out, basis);
    }

    // One table per Annex A objective.
    for (group, entries) in groups(&soa.controls) {
        let _ = writeln!(out, "<section class=\"group\">\n<h2>{}</h2>", esc(group));
        out.push_str(
            "<table class=\"controls\">\n<thead><tr><th>Control</th><th>Title</th><th>Applicability</th>\
             <th>Justification / evidence</th><th>Implementing rules</th>",
        );
        if with_evidence {
            out.push_str("<th>Operating evidence</th>");
        }
        if with_tests {
            out.push_str("<th>Design tests</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for e in entries {
            html_row(&mut out, e, with_evidence, with_tests);
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
            out.push_str("<th>Operating evidence</th>");
        }
        if with_tests {
            out.push_str("<th>Design tests</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for f in &soa.other_frameworks {
            let title = title_cell(f).map_or_else(
                || "<span class=\"none\">not in the catalogue</span>".to_owned(),
                |t| esc(&t),
            );
            let monitor = if f.implementation == MONITOR_ONLY {
                " monitor"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"id\">{}</td><td>{}</td><td><span class=\"impl{monitor}\">{}</span></td><td>",
                esc(&framework_cell(f)),
                esc(&f.id),
                title,
                esc(&f.implementation)
            );
            html_rules(&mut out, &f.rules, f.disclosure);
            out.push_str("</td>");
            if with_evidence {
                html_runtime(&mut out, f.runtime_evidence.as_ref());
            }
            if with_tests {
                html_tests(&mut out, f.design_tests.as_ref());
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

/// A table: a header row, then one row per item, every cell escaped.
fn html_table<const N: usize>(
    out: &mut String,
    class: &str,
    headers: &[&str; N],
    rows: impl Iterator<Item = [String; N]>,
) {
    let _ = write!(out, "<table class=\"{class}\">\n<thead><tr>");
    for h in headers {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in &row {
            let _ = write!(out, "<td>{}</td>", esc(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
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
            colour(status),
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
            colour(status),
            status.label(),
            summary.count(status)
        );
    }
    out.push_str("</ul>\n");
}

/// What the attached test reports hold.
fn html_tests_basis(out: &mut String, basis: &TestsBasis) {
    let _ = writeln!(
        out,
        "<section class=\"basis\">\n<h2>Test-of-design evidence</h2>\n<p>Policy test cases \
         (<code>aimsgate test --junit</code>) from {}: {} case(s), <strong>{}</strong> passed, \
         <strong>{}</strong> failed. Each control applied at runtime lists the cases whose \
         expectations name its rules or the control.</p>",
        esc(&basis.reports.join(", ")),
        basis.cases,
        basis.passed,
        basis.failed
    );
    if basis.unmapped > 0 {
        let _ = writeln!(
            out,
            "<p class=\"warning\">{} case(s) name no rule or control of this statement (another \
             policy's tests, or a report without aimsgate's case properties).</p>",
            basis.unmapped
        );
    }
    out.push_str("</section>\n");
}

/// A control's design-tests cell.
fn html_tests(out: &mut String, tests: Option<&DesignTests>) {
    let Some(tests) = tests else {
        out.push_str("<td><span class=\"none\">—</span></td>");
        return;
    };
    let class = if tests.cases.is_empty() || tests.failed > 0 {
        "tests-failed"
    } else {
        "tests-passed"
    };
    let _ = write!(
        out,
        "<td><span class=\"{class}\">{}</span>",
        esc(&tests.text())
    );
    if !tests.cases.is_empty() {
        out.push_str("<ul class=\"tests\">");
        for case in &tests.cases {
            let _ = write!(
                out,
                "<li>{} <span class=\"none\">({:?})</span></li>",
                esc(&case.name),
                case.verdict
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</td>");
}

fn html_row(out: &mut String, e: &SoaEntry, with_evidence: bool, with_tests: bool) {
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
    for note in accountability(e) {
        let _ = write!(out, "<div class=\"accountability\">{}</div>", esc(&note));
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
    if with_tests {
        html_tests(out, e.design_tests.as_ref());
    }
    out.push_str("</tr>\n");
}

/// The colour of an applicability in the summary bar, legend and badges.
const fn colour(status: Applicability) -> &'static str {
    match status {
        Applicability::AppliedRuntime => "#2e7d32",
        Applicability::AppliedOrganizational => "#1565c0",
        Applicability::AppliedImpactAssessment => "#6a1b9a",
        Applicability::Excluded => "#757575",
        Applicability::NotAddressed => "#c62828",
    }
}

/// Styles of the runtime-evidence column and section.
const EVIDENCE_CSS: &str = r#"
.rt { display: inline-block; padding: 1px 6px; border-radius: 3px; font-size: 12px; font-weight: 600; white-space: nowrap; border: 1px solid; }
.rt-operational { color: #1b5e20; border-color: #2e7d32; background: #e8f5e9; }
.rt-unverified { color: #b71c1c; border-color: #c62828; background: #ffebee; }
.rt-planned { color: #5f6368; border-color: #9aa0a6; background: #f1f3f4; }
.rt-operating { color: #8a5a00; border-color: #e0a800; background: #fff8e1; }
.rt-detail { font-size: 12px; margin-top: 3px; }
.rt-detail.incidents { color: #c62828; font-weight: 600; }
"#;

fn html_basis(out: &mut String, basis: &EvidenceBasis) {
    out.push_str(
        "<section class=\"runtime-evidence\" id=\"runtime-evidence\">\n<h2>Operating evidence</h2>\n\
         <p>What the audit events show, beside the status the policy declares. A control applied \
         at runtime is <strong>operational</strong> when its rules were evaluated (in force on \
         inspected traffic, fired or not) over at least the policy's minimum period and number of \
         interactions, in chains that pass verification; <strong>operating</strong> since its \
         first evaluation below that minimum; <strong>unverified</strong> when some of its events \
         lie in a chain that does not pass; <strong>planned</strong> when no event shows it.</p>\n\
         <table class=\"kv\">\n",
    );
    for (field, value) in basis_rows(basis) {
        kv_row(out, field, &esc(&value));
    }
    out.push_str("</table>\n");
    if !basis.verification_findings.is_empty() {
        out.push_str("<ul class=\"findings\">\n");
        for line in &basis.verification_findings {
            let _ = writeln!(out, "<li><code>{}</code></li>", esc(line));
        }
        out.push_str("</ul>\n");
    }
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
        EvidenceStatus::Operational | EvidenceStatus::Operating => {
            let _ = write!(
                out,
                "<div class=\"rt-detail\">{}</div>\
                 <div class=\"rt-detail\">fired: {}, first {} last {}</div>\
                 <div class=\"rt-detail\">{} · enforce {} / monitor {}</div>",
                esc(&r.text()),
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
        EvidenceStatus::Unverified => {
            let _ = write!(
                out,
                "<div class=\"rt-detail incidents\">{} of {} in a chain that failed verification</div>",
                r.unverified,
                esc(&plural(r.interactions, "interaction"))
            );
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
    use crate::catalogue;
    use crate::soa::fixture::{rows_starting, soa};

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
}
