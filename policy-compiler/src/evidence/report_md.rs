//! The evidence report as Markdown: for review in a pull request or a
//! ticket. Every value is escaped for table cells (see [`crate::render`]).

use std::fmt::Write as _;

use super::model::{ControlEvidence, EvidenceReport, Incidents, OUTCOMES};
use crate::render::{md, md_kv_row, md_opt, md_warning};

/// Renders `report`.
pub(crate) fn render(report: &EvidenceReport) -> String {
    let mut out = String::new();
    let p = &report.policy;
    let _ = writeln!(
        out,
        "# Runtime evidence report — {} {}\n",
        md(&p.name),
        md(&p.version)
    );
    out.push_str(
        "ISO/IEC 42001:2023 — evidence that the controls of the policy operate, from aimsgate \
         audit events. Events hold rule and control ids, never request or response content.\n",
    );
    summary(&mut out, report);
    breakdowns(&mut out, report);
    models(&mut out, report);
    timeline(&mut out, report);
    controls(&mut out, report);
    incidents(&mut out, report);
    out
}

fn summary(out: &mut String, report: &EvidenceReport) {
    let t = &report.totals;
    out.push_str("\n## Summary\n\n| Field | Value |\n|---|---|\n");
    for (field, value) in super::report_html::summary_rows(report) {
        md_kv_row(out, field, &md(&value));
    }
    let findings = super::report_html::finding_lines(report);
    if !findings.is_empty() {
        out.push_str("\n### Verification findings\n\n");
        for line in findings {
            let _ = writeln!(out, "- `{}`", line.replace('`', "'"));
        }
    }
    for text in &report.warnings {
        md_warning(out, text);
    }

    out.push_str("\n### Decisions by outcome\n\n| Outcome | Decisions |\n|---|---:|\n");
    for (name, count) in t.outcomes.pairs() {
        if name != "other" || count > 0 {
            let _ = writeln!(out, "| {name} | {count} |");
        }
    }
    let _ = writeln!(out, "| **Total** | **{}** |", t.interactions);
    let _ = writeln!(
        out,
        "\nBy mode: enforce {}, monitor (shadow) {}, no rule fired {}.",
        t.modes.enforce, t.modes.monitor, t.modes.none
    );

    if !report.policies_seen.is_empty() {
        out.push_str(
            "\n### Policies seen in the events\n\n| Policy | Version | Digest | Signed by | Interactions | Matches |\n|---|---|---|---|---:|---|\n",
        );
        for s in &report.policies_seen {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md_opt(s.name.as_deref()),
                md_opt(s.version.as_deref()),
                s.digest
                    .as_deref()
                    .map_or_else(|| "—".to_owned(), |d| format!("`{}`", md(d))),
                s.key_id
                    .as_deref()
                    .map_or_else(|| "not checked".to_owned(), |k| format!("key `{}`", md(k))),
                s.interactions,
                if s.matches { "yes" } else { "**no**" }
            );
        }
    }
}

/// Interactions per AI system and per route.
fn breakdowns(out: &mut String, report: &EvidenceReport) {
    for (title, what, rows) in [
        ("By AI system", "System", &report.systems),
        ("By route", "Route", &report.routes),
    ] {
        if rows.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "\n### {title}\n\n| {what} | Interactions | Outcomes | Uninspected |\n|---|---:|---|---|\n"
        );
        for b in rows.iter() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&b.id),
                b.interactions,
                md(&b.outcomes.summary()),
                md(&b.uninspected_text())
            );
        }
    }
}

/// The models that answered, per model asked for.
fn models(out: &mut String, report: &EvidenceReport) {
    if report.models.is_empty() {
        return;
    }
    out.push_str(
        "\n### Models that answered\n\nAs each response named it (`gen_ai.response.model`), judged by the \
         approved-model list of the request rule.\n\n| Asked for | Answered by | Responses | Another model | Not approved | First | Last |\n|---|---|---:|---|---:|---|---|\n",
    );
    for m in &report.models {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            md_opt(m.requested.as_deref()),
            md(&m.answered),
            m.responses,
            if m.changed { "**yes**" } else { "no" },
            if m.not_approved > 0 {
                format!("**{}**", m.not_approved)
            } else {
                "0".to_owned()
            },
            md(&m.first_seen),
            md(&m.last_seen)
        );
    }
}

fn timeline(out: &mut String, report: &EvidenceReport) {
    let t = &report.timeline;
    out.push_str("\n## Decisions over time\n\n");
    if t.buckets.is_empty() {
        out.push_str("No decisions in the period.\n");
        return;
    }
    // A table row per empty bucket would bury the ones that matter; the
    // HTML chart and the JSON keep every bucket.
    let _ = writeln!(
        out,
        "Per {} (UTC); buckets without decisions are left out.\n",
        md(&t.bucket_label)
    );
    out.push_str("| Bucket start |");
    for name in OUTCOMES {
        let _ = write!(out, " {name} |");
    }
    out.push_str(" Total |\n|---|");
    out.push_str(&"---:|".repeat(OUTCOMES.len() + 1));
    out.push('\n');
    for b in t.buckets.iter().filter(|b| b.outcomes.total() > 0) {
        let _ = write!(out, "| {} |", md(&b.start));
        for name in OUTCOMES {
            let _ = write!(out, " {} |", b.outcomes.get(name));
        }
        let _ = writeln!(out, " {} |", b.outcomes.total());
    }
}

fn controls(out: &mut String, report: &EvidenceReport) {
    let t = &report.totals;
    let _ = writeln!(
        out,
        "\n## Controls\n\n{} of {} control(s) implemented by the policy's rules have runtime \
         evidence in the period.\n",
        t.controls_with_evidence, t.controls
    );
    out.push_str(
        "Evaluated: interactions inspected with one of the control's rules in force (its \
         coverage); fired in: those in which one of its rules fired; uninspected: interactions \
         on its routes that passed without inspection.\n\n\
         | Control | Title | Evaluated | Fired in | Uninspected | Enforce / monitor | Outcomes | Top rules | First seen | Last seen | Incidents |\n\
         |---|---|---:|---:|---|---|---|---|---|---|---:|\n",
    );
    for c in &report.controls {
        control_row(out, c);
    }
    if !report.unmapped_controls.is_empty() {
        out.push_str(
            "\n### Controls in the events that this policy's rules do not implement\n\n\
             | Control | Interactions |\n|---|---:|\n",
        );
        for c in &report.unmapped_controls {
            let _ = writeln!(out, "| {} | {} |", md(&c.reference), c.interactions);
        }
    }
}

fn control_row(out: &mut String, c: &ControlEvidence) {
    let _ = write!(
        out,
        "| {} | {} |",
        md(&c.reference),
        md_opt(c.title.as_deref())
    );
    let uninspected = c.uninspected_text();
    if !c.has_evidence() {
        let _ = writeln!(
            out,
            " 0 | 0 | {} | no runtime evidence in period | — | — | — | — | 0 |",
            md(&uninspected)
        );
        return;
    }
    let rules: Vec<String> = c
        .top_rules
        .iter()
        .map(|r| format!("{} ({})", md(&r.id), r.count))
        .collect();
    let _ = writeln!(
        out,
        " {} | {} | {} | {} / {} | {} | {} | {} | {} | {} |",
        c.evaluated,
        c.interactions,
        md(&uninspected),
        c.modes.enforce,
        c.modes.monitor,
        md(&c.outcomes.summary()),
        rules.join("<br>"),
        md_opt(c.first_seen.as_deref()),
        md_opt(c.last_seen.as_deref()),
        c.incidents.total
    );
}

fn incidents(out: &mut String, report: &EvidenceReport) {
    out.push_str(
        "\n## Incidents\n\nBlocked interactions in which a rule of severity high or critical fired.\n\n",
    );
    incident_table(out, &report.incidents);
}

fn incident_table(out: &mut String, incidents: &Incidents) {
    if incidents.total == 0 {
        out.push_str("None in the period.\n");
        return;
    }
    out.push_str(
        "| Time (UTC) | Request id | Rule | Severity | Route | System | Phase | Status | Controls |\n\
         |---|---|---|---|---|---|---|---:|---|\n",
    );
    for i in &incidents.listed {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            md(&i.time),
            md_opt(i.request_id.as_deref()),
            md_opt(i.rule.as_deref()),
            md(&i.severity),
            md_opt(i.route.as_deref()),
            md_opt(i.system.as_deref()),
            md_opt(i.phase.as_deref()),
            i.status.map_or_else(|| "—".to_owned(), |s| s.to_string()),
            md(&i.controls.join(", "))
        );
    }
    if incidents.more > 0 {
        let _ = writeln!(
            out,
            "\n…and {} more incident(s), not listed here; the event log holds them all.",
            incidents.more
        );
    }
}
