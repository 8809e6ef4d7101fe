//! The evidence report as one self-contained, printable HTML page for an
//! auditor: inline CSS, inline-SVG charts, no scripts and nothing loaded
//! from elsewhere, so it opens offline and archives as one file. Every
//! value from the events or the policy is escaped.
//!
//! Section ids are stable, for links from tickets and audit working
//! papers: `summary`, `decisions-over-time`, `control-coverage`,
//! `controls`, `incidents`.

use std::fmt::Write as _;

use super::charts::{self, ENFORCE, MONITOR, outcome_colour};
use super::model::{ControlEvidence, EvidenceReport, Incidents, Logging, OUTCOMES};
use crate::render::{esc, esc_opt, kv_row, page_end, page_head, warning};

/// The summary's `(field, value)` rows, shared with the Markdown form.
pub(crate) fn summary_rows(report: &EvidenceReport) -> Vec<(&'static str, String)> {
    let p = &report.policy;
    let t = &report.totals;
    let period = &report.period;
    let asked = match (&period.from, &period.to) {
        (Some(from), Some(to)) => format!("{from} to {to} (end excluded)"),
        (Some(from), None) => format!("from {from}"),
        (None, Some(to)) => format!("until {to} (excluded)"),
        (None, None) => "all events".to_owned(),
    };
    let covered = match (&period.first_event, &period.last_event) {
        (Some(first), Some(last)) => format!("{first} – {last}"),
        _ => "no decision events".to_owned(),
    };
    let v = &report.verification;
    let verification = if v.intact {
        format!(
            "intact: every chain complete, in order and unaltered (aimsgate evidence verify; checked: {})",
            v.checks
        )
    } else {
        format!(
            "NOT intact: {} finding(s), listed below; {} event(s) failed their digest check, {} line(s) unreadable (checked: {})",
            v.findings.len() as u64 + v.more_findings,
            report.integrity.not_intact,
            report.integrity.unreadable,
            v.checks
        )
    };
    vec![
        ("Audit log verification", verification),
        ("Policy", format!("{} {}", p.name, p.version)),
        ("Policy digest (SHA-256)", p.digest.clone()),
        ("Period", asked),
        ("Decision events (UTC)", covered),
        ("Governed interactions", t.interactions.to_string()),
        (
            "Event logging (A.6.2.8)",
            report.logging.as_ref().map_or_else(
                || "no checkpoint carries request counts".to_owned(),
                Logging::text,
            ),
        ),
        ("Incidents", t.incidents.to_string()),
        (
            "Controls with runtime evidence",
            format!("{} of {}", t.controls_with_evidence, t.controls),
        ),
        ("Chains (proxy VMs)", t.chains.to_string()),
        (
            "Events",
            format!(
                "{} read; {} in period; {} outside the period; {} repeated {} counted once",
                t.events_read,
                t.events_in_period,
                t.outside_period,
                t.duplicates,
                if t.duplicates == 1 {
                    "delivery"
                } else {
                    "deliveries"
                }
            ),
        ),
    ]
}

/// The verifier's findings, as it prints them (with how many more).
pub(crate) fn finding_lines(report: &EvidenceReport) -> Vec<String> {
    let v = &report.verification;
    let mut lines = v.findings.clone();
    if v.more_findings > 0 {
        lines.push(format!(
            "… and {} more (aimsgate evidence verify lists them all)",
            v.more_findings
        ));
    }
    lines
}

const CSS: &str = r#"
:root { --ink: #1b1b1b; --muted: #5f6368; --rule: #d0d4d9; --head: #f1f3f5; }
* { box-sizing: border-box; }
body { font: 13px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 14px; margin: 18px 0 6px; }
a { color: #1565c0; }
.subtitle, .caption { color: var(--muted); margin: 0 0 12px; }
nav.toc { margin: 8px 0 0; font-size: 12px; }
nav.toc a { margin-right: 14px; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--rule); padding: 5px 7px; text-align: left; vertical-align: top; }
thead th { background: var(--head); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv { width: auto; min-width: 60%; }
table.kv th { background: var(--head); width: 15em; font-weight: 600; }
td.id { font-weight: 600; white-space: nowrap; }
td.time { white-space: nowrap; }
code, .digest { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
.none { color: var(--muted); font-style: italic; }
tr.no-evidence td { background: #fafafa; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; }
.tile { border: 1px solid var(--rule); border-radius: 4px; padding: 10px 14px; min-width: 160px; }
.tile .value { font-size: 24px; font-weight: 600; }
.tile .what { color: var(--muted); font-size: 12px; }
.tile.alert .value { color: #c62828; }
.warning { border: 1px solid #c62828; background: #fdecea; padding: 8px 12px; margin: 8px 0; }
.ok { color: #2e7d32; font-weight: 600; }
.bad { color: #c62828; font-weight: 600; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 6px 0 0; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 5px; vertical-align: baseline; }
svg.chart { display: block; width: 100%; max-width: 960px; height: auto; border: 1px solid var(--rule); background: #fff; }
ul.rules { margin: 0; padding-left: 16px; }
td.rules { min-width: 16em; }
table.evidence td.id { white-space: normal; overflow-wrap: anywhere; min-width: 8em; }
td.rules code, table.incidents code { word-break: normal; white-space: nowrap; }
.mode-monitor { color: #a15c00; }
footer { margin-top: 32px; color: var(--muted); font-size: 11px; border-top: 1px solid var(--rule); padding-top: 6px; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5px; }
  nav.toc { display: none; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
  tr, .warning, svg.chart, .tiles { break-inside: avoid; page-break-inside: avoid; }
}
"#;

/// Renders `report`.
pub(crate) fn render(report: &EvidenceReport) -> String {
    let p = &report.policy;
    let mut out = String::with_capacity(64 * 1024);
    page_head(
        &mut out,
        &format!("Runtime evidence report — {} {}", p.name, p.version),
        &[CSS],
    );
    let _ = writeln!(
        out,
        "<header>\n<h1>Runtime evidence report</h1>\n<p class=\"subtitle\">ISO/IEC 42001:2023 — \
         evidence that the controls of AI policy <strong>{}</strong> version {} operate, from \
         aimsgate audit events.</p>\n<nav class=\"toc\"><a href=\"#summary\">Summary</a>\
         <a href=\"#decisions-over-time\">Decisions over time</a><a href=\"#control-coverage\">\
         Control coverage</a><a href=\"#controls\">Controls</a><a href=\"#incidents\">Incidents</a>\
         </nav>\n</header>",
        esc(&p.name),
        esc(&p.version)
    );
    summary(&mut out, report);
    timeline(&mut out, report);
    coverage(&mut out, report);
    controls(&mut out, report);
    incidents(&mut out, report);
    page_end(
        &mut out,
        &format!(
            "Generated by aimsgate ({}) for policy {} {} (SHA-256 {}). Audit events hold rule, \
             control and detector ids and offsets, never request or response content; neither \
             does this report.",
            esc(&report.schema),
            esc(&p.name),
            esc(&p.version),
            esc(&p.digest)
        ),
    );
    out
}

fn tile(out: &mut String, value: u64, what: &str, alert: bool) {
    let class = if alert && value > 0 {
        "tile alert"
    } else {
        "tile"
    };
    let _ = write!(
        out,
        "<div class=\"{class}\"><div class=\"value\">{value}</div><div class=\"what\">{}</div></div>",
        esc(what)
    );
}

fn summary(out: &mut String, report: &EvidenceReport) {
    let t = &report.totals;
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"tiles\">");
    tile(out, t.interactions, "governed interactions", false);
    tile(out, t.outcomes.block, "blocked", false);
    tile(out, t.incidents, "incidents (high/critical blocks)", true);
    tile(
        out,
        t.controls_with_evidence,
        &format!("of {} controls with runtime evidence", t.controls),
        false,
    );
    out.push_str("</div>\n");
    for text in &report.warnings {
        warning(out, text);
    }
    out.push_str("<table class=\"kv\">\n");
    for (field, value) in summary_rows(report) {
        kv_row(out, field, &esc(&value));
    }
    out.push_str("</table>\n");
    let findings = finding_lines(report);
    if !findings.is_empty() {
        out.push_str("<h3>Verification findings</h3>\n<ul class=\"findings\">\n");
        for line in findings {
            let _ = writeln!(out, "<li><code>{}</code></li>", esc(&line));
        }
        out.push_str("</ul>\n");
    }
    outcomes_table(out, report);
    policies_seen(out, report);
    breakdowns(out, report);
    models(out, report);
    out.push_str("</section>\n");
}

fn outcomes_table(out: &mut String, report: &EvidenceReport) {
    let t = &report.totals;
    out.push_str(
        "<h3>Decisions by outcome</h3>\n<table class=\"kv\">\n<thead><tr><th>Outcome</th>\
         <th class=\"num\">Decisions</th></tr></thead>\n<tbody>\n",
    );
    for (name, count) in t.outcomes.pairs() {
        if name == "other" && count == 0 {
            continue;
        }
        let _ = writeln!(
            out,
            "<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{name}</td><td class=\"num\">{count}</td></tr>",
            outcome_colour(name)
        );
    }
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">Total</th><th class=\"num\">{}</th></tr>\n</tbody>\n</table>\n\
         <p>By mode: <strong>{}</strong> enforced, <strong>{}</strong> monitor (shadow) only, {} \
         with no rule fired.</p>",
        t.interactions, t.modes.enforce, t.modes.monitor, t.modes.none
    );
}

fn policies_seen(out: &mut String, report: &EvidenceReport) {
    if report.policies_seen.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Policies seen in the events</h3>\n<table>\n<thead><tr><th>Policy</th><th>Version</th>\
         <th>Digest (SHA-256)</th><th>Signed by</th><th class=\"num\">Interactions</th><th>Same as this report's policy</th></tr></thead>\n<tbody>\n",
    );
    for s in &report.policies_seen {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"digest\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc_opt(s.name.as_deref()),
            esc_opt(s.version.as_deref()),
            esc_opt(s.digest.as_deref()),
            s.key_id
                .as_deref()
                .map_or_else(|| "not checked".to_owned(), |k| format!("key {}", esc(k))),
            s.interactions,
            if s.matches {
                "<span class=\"ok\">yes</span>"
            } else {
                "<span class=\"bad\">no</span>"
            }
        );
    }
    out.push_str("</tbody>\n</table>\n");
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
            "<h3>{title}</h3>\n<table>\n<thead><tr><th>{what}</th><th class=\"num\">Interactions</th>\
             <th>Outcomes</th><th>Uninspected</th></tr></thead>\n<tbody>\n"
        );
        for b in rows.iter() {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&b.id),
                b.interactions,
                esc(&b.outcomes.summary()),
                esc(&b.uninspected_text())
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
}

/// The models that answered, per model asked for.
fn models(out: &mut String, report: &EvidenceReport) {
    if report.models.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Models that answered</h3>\n<p>As each response named it (<code>gen_ai.response.model</code>), \
         judged by the approved-model list of the request rule.</p>\n<table>\n<thead><tr><th>Asked for</th>\
         <th>Answered by</th><th class=\"num\">Responses</th><th>Another model</th>\
         <th class=\"num\">Not approved</th><th>First</th><th>Last</th></tr></thead>\n<tbody>\n",
    );
    for m in &report.models {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc_opt(m.requested.as_deref()),
            esc(&m.answered),
            m.responses,
            if m.changed {
                "<span class=\"bad\">yes</span>"
            } else {
                "no"
            },
            if m.not_approved > 0 {
                format!("<span class=\"bad\">{}</span>", m.not_approved)
            } else {
                "0".to_owned()
            },
            esc(&m.first_seen),
            esc(&m.last_seen)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn legend(out: &mut String, items: &[(&str, &str)]) {
    out.push_str("<ul class=\"legend\">");
    for (label, colour) in items {
        let _ = write!(
            out,
            "<li><span class=\"swatch\" style=\"background:{colour}\"></span>{}</li>",
            esc(label)
        );
    }
    out.push_str("</ul>\n");
}

fn timeline(out: &mut String, report: &EvidenceReport) {
    let t = &report.timeline;
    out.push_str("<section id=\"decisions-over-time\">\n<h2>Decisions over time</h2>\n");
    if !t.buckets.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"caption\">Decisions per {} (UTC), stacked by outcome. Hover a bar for its \
             counts; the JSON report has every bucket.</p>",
            esc(&t.bucket_label)
        );
    }
    out.push_str(&charts::decisions_over_time(t));
    let items: Vec<(&str, &str)> = OUTCOMES.iter().map(|o| (*o, outcome_colour(o))).collect();
    legend(out, &items);
    out.push_str("</section>\n");
}

fn coverage(out: &mut String, report: &EvidenceReport) {
    out.push_str(
        "<section id=\"control-coverage\">\n<h2>Control coverage</h2>\n<p class=\"caption\">\
         Interactions governed per control in the period: an interaction governs a control when a \
         rule implementing the control fired on it.</p>\n",
    );
    out.push_str(&charts::control_coverage(&report.controls));
    legend(
        out,
        &[
            ("enforce mode", ENFORCE),
            ("monitor (shadow) mode only", MONITOR),
        ],
    );
    out.push_str("</section>\n");
}

fn controls(out: &mut String, report: &EvidenceReport) {
    let t = &report.totals;
    let _ = writeln!(
        out,
        "<section id=\"controls\">\n<h2>Controls</h2>\n<p class=\"caption\">{} of {} control(s) \
         implemented by the policy's rules have runtime evidence in the period. Outcomes are those \
         of the whole decision.</p>",
        t.controls_with_evidence, t.controls
    );
    out.push_str(
        "<table class=\"evidence\">\n<thead><tr><th>Control</th><th>Title</th>\
         <th class=\"num\">Evaluated</th><th class=\"num\">Fired in</th><th>Uninspected</th>\
         <th>Enforce / monitor</th><th>Outcomes</th>\
         <th>Top rules</th><th>First seen (UTC)</th><th>Last seen (UTC)</th>\
         <th class=\"num\">Incidents</th></tr></thead>\n<tbody>\n",
    );
    for c in &report.controls {
        control_row(out, c);
    }
    out.push_str("</tbody>\n</table>\n");
    if !report.unmapped_controls.is_empty() {
        out.push_str(
            "<h3>Controls in the events that this policy's rules do not implement</h3>\n<table class=\"kv\">\n\
             <thead><tr><th>Control</th><th class=\"num\">Interactions</th></tr></thead>\n<tbody>\n",
        );
        for c in &report.unmapped_controls {
            let _ = writeln!(
                out,
                "<tr><td class=\"id\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&c.reference),
                c.interactions
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}

fn control_row(out: &mut String, c: &ControlEvidence) {
    let class = if c.has_evidence() {
        "evidence"
    } else {
        "no-evidence"
    };
    let _ = write!(
        out,
        "<tr class=\"{class}\"><td class=\"id\">{}</td><td>{}</td>",
        esc(&c.reference),
        esc_opt(c.title.as_deref())
    );
    let uninspected = c.uninspected_text();
    if !c.has_evidence() {
        let _ = writeln!(
            out,
            "<td class=\"num\">0</td><td class=\"num\">0</td><td>{}</td><td colspan=\"5\" class=\"none\">No runtime evidence in period</td>\
             <td class=\"num\">0</td></tr>",
            esc(&uninspected)
        );
        return;
    }
    let _ = write!(
        out,
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{} / <span class=\"mode-monitor\">{}</span></td><td>{}</td><td class=\"rules\"><ul class=\"rules\">",
        c.evaluated,
        c.interactions,
        esc(&uninspected),
        c.modes.enforce,
        c.modes.monitor,
        esc(&c.outcomes.summary())
    );
    for r in &c.top_rules {
        let _ = write!(out, "<li><code>{}</code> {}</li>", esc(&r.id), r.count);
    }
    let _ = writeln!(
        out,
        "</ul></td><td class=\"time\">{}</td><td class=\"time\">{}</td><td class=\"num\">{}</td></tr>",
        esc_opt(c.first_seen.as_deref()),
        esc_opt(c.last_seen.as_deref()),
        c.incidents.total
    );
}

fn incidents(out: &mut String, report: &EvidenceReport) {
    out.push_str(
        "<section id=\"incidents\">\n<h2>Incidents</h2>\n<p class=\"caption\">Blocked interactions \
         in which a rule of severity high or critical fired, oldest first.</p>\n",
    );
    incident_table(out, &report.incidents);
    out.push_str("</section>\n");
}

fn incident_table(out: &mut String, incidents: &Incidents) {
    if incidents.total == 0 {
        out.push_str("<p class=\"none\">No incidents in the period.</p>\n");
        return;
    }
    out.push_str(
        "<table class=\"incidents\">\n<thead><tr><th>Time (UTC)</th><th>Request id</th><th>Rule</th>\
         <th>Severity</th><th>Route</th><th>System</th><th>Phase</th><th class=\"num\">Status</th>\
         <th>Controls</th></tr></thead>\n<tbody>\n",
    );
    for i in &incidents.listed {
        let _ = writeln!(
            out,
            "<tr><td class=\"time\">{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&i.time),
            esc_opt(i.request_id.as_deref()),
            esc_opt(i.rule.as_deref()),
            esc(&i.severity),
            esc_opt(i.route.as_deref()),
            esc_opt(i.system.as_deref()),
            esc_opt(i.phase.as_deref()),
            i.status.map_or_else(String::new, |s| s.to_string()),
            esc(&i.controls.join(", "))
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if incidents.more > 0 {
        let _ = writeln!(
            out,
            "<p>…and <strong>{}</strong> more incident(s), not listed here; the event log holds them all.</p>",
            incidents.more
        );
    }
}
