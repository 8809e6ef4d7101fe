//! Inline-SVG charts for the HTML evidence report.
//!
//! Plain SVG drawn on a fixed `viewBox` and scaled by CSS: no scripts, no
//! fonts or styles from elsewhere, so a chart renders the same offline, in
//! a browser with scripts disabled and on paper. Each mark carries a
//! `<title>` with its exact numbers, which browsers show on hover and
//! screen readers read; the tables next to the charts hold the same
//! numbers for print.

use std::fmt::Write as _;

use super::model::{Bucket, ControlEvidence, OUTCOMES, Timeline};
use crate::render::esc;

const FONT: &str = "-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const INK: &str = "#1b1b1b";
const MUTED: &str = "#5f6368";
const GRID: &str = "#e3e6ea";

/// Colour of an enforce-mode count.
pub(crate) const ENFORCE: &str = "#2e7d32";
/// Colour of a monitor-mode (shadow) count.
pub(crate) const MONITOR: &str = "#a15c00";

/// The colour of an outcome, shared by charts and legends.
pub(crate) fn outcome_colour(outcome: &str) -> &'static str {
    match outcome {
        "block" => "#c62828",
        "redact" => "#6a1b9a",
        "cap" => "#1565c0",
        "flag" => "#ef6c00",
        "monitor" => "#8d6e63",
        "allow" => "#81c784",
        _ => "#bdbdbd",
    }
}

/// A readable axis: the top value (at least `max`) and a step of 1, 2 or 5
/// times a power of ten giving about five gridlines.
fn scale(max: u64) -> (u64, u64) {
    let raw = max.div_ceil(5).max(1);
    let mut magnitude = 1_u64;
    while magnitude.saturating_mul(10) <= raw {
        magnitude *= 10;
    }
    let step = [1, 2, 5, 10]
        .iter()
        .map(|f| f * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(raw);
    (max.div_ceil(step).max(1) * step, step)
}

fn open(out: &mut String, width: f64, height: f64, label: &str) {
    let _ = writeln!(
        out,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{0}\" font-family=\"{FONT}\" \
         font-size=\"12\" fill=\"{INK}\"><title>{0}</title>",
        esc(label)
    );
}

/// A chart frame saying there is nothing to draw, so the page still shows
/// where the chart would be.
fn empty(label: &str, message: &str) -> String {
    let mut out = String::new();
    open(&mut out, 960.0, 80.0, label);
    let _ = writeln!(
        out,
        "<rect x=\"0.5\" y=\"0.5\" width=\"959\" height=\"79\" fill=\"#fafafa\" stroke=\"{GRID}\"/>\
         <text x=\"480\" y=\"45\" text-anchor=\"middle\" fill=\"{MUTED}\">{}</text>\n</svg>",
        esc(message)
    );
    out
}

/// Decisions per time bucket, stacked by outcome (blocks at the base, so
/// their heights compare across buckets), with a value axis and bucket
/// start labels.
pub(crate) fn decisions_over_time(timeline: &Timeline) -> String {
    const W: f64 = 960.0;
    const H: f64 = 320.0;
    const LEFT: f64 = 64.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 62.0;
    let label = format!("Decisions per {}, by outcome", timeline.bucket_label);
    let buckets = &timeline.buckets;
    if buckets.is_empty() {
        return empty(&label, "No decisions in the period");
    }
    let (plot_w, plot_h) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let max = buckets
        .iter()
        .map(|b| b.outcomes.total())
        .max()
        .unwrap_or(0);
    let (top, step) = scale(max);
    let y_of = |v: u64| TOP + plot_h * (1.0 - v as f64 / top as f64);

    let mut out = String::new();
    open(&mut out, W, H, &label);
    // Value axis: gridlines and labels.
    let mut v = 0;
    while v <= top {
        let y = y_of(v);
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{MUTED}\">{v}</text>",
            W - RIGHT,
            LEFT - 8.0,
            y + 4.0
        );
        v += step;
    }
    let _ = writeln!(
        out,
        "<text transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\" fill=\"{MUTED}\">Decisions</text>",
        TOP + plot_h / 2.0
    );

    let slot = plot_w / buckets.len() as f64;
    let bar = (slot * 0.8).max(1.0);
    let every = buckets.len().div_ceil(8);
    let daily = timeline.bucket_seconds >= 86_400;
    for (i, bucket) in buckets.iter().enumerate() {
        let x = LEFT + slot * i as f64;
        column(&mut out, bucket, x + (slot - bar) / 2.0, bar, &y_of);
        if i % every == 0 {
            let mid = x + slot / 2.0;
            let _ = writeln!(
                out,
                "<line x1=\"{mid:.1}\" x2=\"{mid:.1}\" y1=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"{MUTED}\"/>\
                 <text x=\"{mid:.1}\" y=\"{2:.1}\" text-anchor=\"middle\" fill=\"{MUTED}\">{3}</text>",
                TOP + plot_h,
                TOP + plot_h + 4.0,
                TOP + plot_h + 18.0,
                esc(&tick_label(&bucket.start, daily))
            );
        }
    }
    let _ = writeln!(
        out,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{1:.1}\" y2=\"{1:.1}\" stroke=\"{INK}\"/>\
         <text x=\"{2:.1}\" y=\"{3:.1}\" text-anchor=\"middle\" fill=\"{MUTED}\">Bucket start (UTC), one bar per {4}</text>\n</svg>",
        W - RIGHT,
        TOP + plot_h,
        LEFT + plot_w / 2.0,
        H - 12.0,
        esc(&timeline.bucket_label)
    );
    out
}

fn column(out: &mut String, bucket: &Bucket, x: f64, width: f64, y_of: &dyn Fn(u64) -> f64) {
    let total = bucket.outcomes.total();
    let _ = write!(
        out,
        "<g><title>{} — {} decision(s): {}</title>",
        esc(&bucket.start),
        total,
        esc(&bucket.outcomes.summary())
    );
    let mut base = 0;
    for name in OUTCOMES.iter().copied().chain(["other"]) {
        let count = bucket.outcomes.get(name);
        if count == 0 {
            continue;
        }
        let (y_top, y_bottom) = (y_of(base + count), y_of(base));
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y_top:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
            y_bottom - y_top,
            outcome_colour(name)
        );
        base += count;
    }
    out.push_str("</g>\n");
}

/// `2026-11-28` for daily or wider buckets, else `11-28 10:00`.
fn tick_label(start: &str, daily: bool) -> String {
    let date = start.get(..10).unwrap_or(start);
    if daily {
        return date.to_owned();
    }
    match (start.get(5..10), start.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => start.to_owned(),
    }
}

/// Interactions per control as horizontal bars, split into enforce and
/// monitor mode; controls without evidence say so in place of a bar.
pub(crate) fn control_coverage(controls: &[ControlEvidence]) -> String {
    const W: f64 = 960.0;
    const LABEL: f64 = 290.0;
    const RIGHT: f64 = 150.0;
    const TOP: f64 = 30.0;
    const ROW: f64 = 22.0;
    let label = "Interactions governed per control, by mode";
    if controls.is_empty() {
        return empty(label, "The policy's rules cite no controls");
    }
    let plot_w = W - LABEL - RIGHT;
    let height = TOP + ROW * controls.len() as f64 + 12.0;
    let max = controls.iter().map(|c| c.interactions).max().unwrap_or(0);
    let (top, step) = scale(max);
    let x_of = |v: u64| LABEL + plot_w * v as f64 / top as f64;

    let mut out = String::new();
    open(&mut out, W, height, label);
    // Zebra stripes first, so gridlines and bars draw over them.
    for i in 0..controls.len() {
        if i % 2 == 1 {
            let _ = writeln!(
                out,
                "<rect x=\"0\" y=\"{:.1}\" width=\"{W}\" height=\"{ROW}\" fill=\"#f6f7f9\"/>",
                TOP + ROW * i as f64
            );
        }
    }
    let mut v = 0;
    while v <= top {
        let x = x_of(v);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{GRID}\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{MUTED}\">{v}</text>",
            TOP - 4.0,
            height - 8.0,
            TOP - 10.0
        );
        v += step;
    }
    for (i, c) in controls.iter().enumerate() {
        coverage_row(&mut out, c, TOP + ROW * i as f64, ROW, &x_of);
    }
    let _ = writeln!(
        out,
        "<line x1=\"{LABEL}\" x2=\"{LABEL}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{INK}\"/>\n</svg>",
        TOP - 4.0,
        height - 8.0
    );
    out
}

fn coverage_row(
    out: &mut String,
    c: &ControlEvidence,
    y: f64,
    row: f64,
    x_of: &dyn Fn(u64) -> f64,
) {
    let mid = y + row / 2.0 + 4.0;
    let shown: String = if c.reference.chars().count() > 40 {
        c.reference.chars().take(39).chain(['…']).collect()
    } else {
        c.reference.clone()
    };
    let title = match &c.title {
        Some(title) => format!("{} — {title}", c.reference),
        None => c.reference.clone(),
    };
    let _ = write!(
        out,
        "<g><title>{}: {} interaction(s), enforce {}, monitor {}</title>\
         <text x=\"{:.1}\" y=\"{mid:.1}\" text-anchor=\"end\">{}</text>",
        esc(&title),
        c.interactions,
        c.modes.enforce,
        c.modes.monitor,
        x_of(0) - 8.0,
        esc(&shown)
    );
    if c.has_evidence() {
        let (x0, x1, x2) = (
            x_of(0),
            x_of(c.modes.enforce),
            x_of(c.modes.enforce + c.modes.monitor),
        );
        for (from, to, colour) in [(x0, x1, ENFORCE), (x1, x2, MONITOR)] {
            if to > from {
                let _ = write!(
                    out,
                    "<rect x=\"{from:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>",
                    y + 4.0,
                    to - from,
                    row - 8.0
                );
            }
        }
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{mid:.1}\">{}</text>",
            x2 + 6.0,
            c.interactions
        );
    } else {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{mid:.1}\" fill=\"{MUTED}\" font-style=\"italic\">no runtime evidence in period</text>",
            x_of(0) + 6.0
        );
    }
    out.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_are_round() {
        assert_eq!(scale(0), (1, 1));
        assert_eq!(scale(4), (4, 1));
        assert_eq!(scale(7), (8, 2));
        assert_eq!(scale(23), (25, 5));
        assert_eq!(scale(1234), (1500, 500));
        assert_eq!(scale(100), (100, 20));
    }

    #[test]
    fn tick_labels() {
        assert_eq!(tick_label("2026-11-28T10:15:00Z", false), "11-28 10:15");
        assert_eq!(tick_label("2026-11-28T00:00:00Z", true), "2026-11-28");
        assert_eq!(tick_label("odd", false), "odd");
    }

    #[test]
    fn empty_charts_are_still_svg() {
        let svg = decisions_over_time(&Timeline::default());
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("No decisions in the period"));
        assert!(control_coverage(&[]).contains("<svg"));
    }

    #[test]
    fn coverage_escapes_and_marks_missing_evidence() {
        let c = ControlEvidence {
            reference: "x:<b>".to_owned(),
            title: Some("a & b".to_owned()),
            ..ControlEvidence::default()
        };
        let svg = control_coverage(&[c]);
        assert!(svg.contains("x:&lt;b&gt;"));
        assert!(svg.contains("a &amp; b"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("no runtime evidence in period"));
    }
}
