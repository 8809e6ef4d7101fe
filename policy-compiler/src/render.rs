//! HTML and Markdown helpers shared by the compiler's documents: the
//! Statement of Applicability ([`crate::soa`]) and the evidence report
//! ([`crate::evidence::report`]).
//!
//! Both documents escape the same way and lay out their pages, key/value
//! tables and warnings alike, and the SoA embeds evidence from the report.
//! Keeping the helpers here, below both, lets each document use them
//! without importing the other: escaping fixed in one place is fixed in
//! every page an auditor gets.

use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// [`esc`] for an optional value; a missing one shows as a muted dash, so
/// an empty cell never reads as a rendering fault.
pub(crate) fn esc_opt(text: Option<&str>) -> String {
    text.map_or_else(|| "<span class=\"none\">—</span>".to_owned(), esc)
}

/// Escapes text for a Markdown table cell: HTML-significant characters
/// become entities, pipes are escaped and line breaks become `<br>`.
pub(crate) fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '\r' => {}
            '\n' => out.push_str("<br>"),
            _ => out.push(ch),
        }
    }
    out
}

/// [`md`] for an optional value; a missing one shows as a dash, so the
/// table keeps its columns.
pub(crate) fn md_opt(text: Option<&str>) -> String {
    text.map_or_else(|| "—".to_owned(), md)
}

/// Opens a self-contained HTML page up to and including `<body>`: the
/// doctype, charset, viewport, the escaped `title` and one inline
/// `<style>` element per entry of `styles` (inline, so the page opens
/// offline and archives as one file).
pub(crate) fn page_head(out: &mut String, title: &str, styles: &[&str]) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", esc(title));
    for style in styles {
        let _ = writeln!(out, "<style>{style}</style>");
    }
    out.push_str("</head>\n<body>\n");
}

/// Closes a page opened by [`page_head`] with a footer; `footer` is HTML,
/// its values already escaped.
pub(crate) fn page_end(out: &mut String, footer: &str) {
    let _ = writeln!(out, "<footer>{footer}</footer>\n</body>\n</html>");
}

/// One row of a key/value table (`table.kv`): `field` is a fixed label
/// (HTML), `value` HTML already escaped. A digest's value is marked so
/// that it is set in monospace and may break anywhere.
pub(crate) fn kv_row(out: &mut String, field: &str, value: &str) {
    let class = if field.starts_with("Policy digest") {
        " class=\"digest\""
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">{field}</th><td{class}>{value}</td></tr>"
    );
}

/// A warning paragraph (`p.warning`); `text` is escaped.
pub(crate) fn warning(out: &mut String, text: &str) {
    let _ = writeln!(
        out,
        "<p class=\"warning\"><strong>Warning:</strong> {}</p>",
        esc(text)
    );
}

/// One row of a Markdown `| Field | Value |` table: `field` is a fixed
/// label, `value` a cell already escaped.
pub(crate) fn md_kv_row(out: &mut String, field: &str, value: &str) {
    let _ = writeln!(out, "| {field} | {value} |");
}

/// A Markdown warning, as a quote block after a blank line; `text` is
/// escaped.
pub(crate) fn md_warning(out: &mut String, text: &str) {
    let _ = writeln!(out, "\n> **Warning:** {}", md(text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(md("a|b<c>\nd"), "a\\|b&lt;c&gt;<br>d");
    }
}
