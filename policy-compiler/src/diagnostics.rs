//! Diagnostics for people: what is wrong, where (file:line:column), and a
//! hint.
//!
//! Every problem the compiler finds is a [`Diagnostic`] with a byte span in
//! the source; a [`Report`] turns spans into line and column and renders
//! them either as one grep-friendly line each (`file:line:col: error: …`)
//! or with the offending source lines underlined (miette's graphical
//! handler, chosen for its compact, colour-optional snippets).

use std::fmt::Write as _;
use std::ops::Range;

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Advice; fails `check --strict` only.
    Warning,
    /// The policy cannot be compiled.
    Error,
}

/// One problem in a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// Stable code, e.g. `unknown-control`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// Byte span in the source, when known.
    #[serde(skip)]
    pub span: Option<Range<usize>>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Error,
            code,
            message: message.into(),
            span: None,
            help: None,
        }
    }

    /// A warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Warning,
            code,
            message: message.into(),
            span: None,
            help: None,
        }
    }

    /// Sets the span.
    pub fn at(mut self, span: Option<Range<usize>>) -> Diagnostic {
        self.span = span;
        self
    }

    /// Sets the hint.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// A source file and the diagnostics found in it.
#[derive(Debug, Clone)]
pub struct Report {
    /// File name as given by the user.
    pub file: String,
    /// The file's text.
    pub text: String,
    /// The diagnostics, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// A position, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

/// Line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    LineCol {
        line,
        column: before[line_start..].chars().count() + 1,
    }
}

impl Report {
    /// A report with no diagnostics yet.
    pub fn new(file: impl Into<String>, text: impl Into<String>) -> Report {
        Report {
            file: file.into(),
            text: text.into(),
            diagnostics: Vec::new(),
        }
    }

    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.level == Level::Warning)
            .count()
    }

    /// Sorts diagnostics by position (unknown positions last).
    pub fn sort(&mut self) {
        self.diagnostics
            .sort_by_key(|d| (d.span.as_ref().map_or(usize::MAX, |s| s.start), d.level));
    }

    /// Where a diagnostic is, as `file:line:col`.
    pub fn location(&self, diagnostic: &Diagnostic) -> String {
        match &diagnostic.span {
            Some(span) => {
                let at = line_col(&self.text, span.start);
                format!("{}:{}:{}", self.file, at.line, at.column)
            }
            None => self.file.clone(),
        }
    }

    /// One line per diagnostic (plus a hint line), for logs and CI.
    pub fn render_plain(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            let level = match d.level {
                Level::Error => "error",
                Level::Warning => "warning",
            };
            let _ = writeln!(
                out,
                "{}: {level}[{}]: {}",
                self.location(d),
                d.code,
                d.message
            );
            if let Some(help) = &d.help {
                let _ = writeln!(out, "  help: {help}");
            }
        }
        out
    }

    /// Each diagnostic with its source lines underlined.
    pub fn render_fancy(&self) -> String {
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_context_lines(1);
        let mut out = String::new();
        for d in &self.diagnostics {
            let level = match d.level {
                Level::Error => "error",
                Level::Warning => "warning",
            };
            let _ = writeln!(
                out,
                "{}: {level}[{}]: {}",
                self.location(d),
                d.code,
                d.message
            );
            let Some(span) = &d.span else {
                if let Some(help) = &d.help {
                    let _ = writeln!(out, "  help: {help}");
                }
                continue;
            };
            let mut report = miette::MietteDiagnostic::new(d.message.clone())
                .with_severity(match d.level {
                    Level::Error => miette::Severity::Error,
                    Level::Warning => miette::Severity::Warning,
                })
                .with_label(miette::LabeledSpan::at(span.clone(), "here"));
            if let Some(help) = &d.help {
                report = report.with_help(help.clone());
            }
            let report = miette::Report::new(report)
                .with_source_code(miette::NamedSource::new(&self.file, self.text.clone()));
            let _ = handler.render_report(&mut out, report.as_ref());
        }
        out
    }

    /// Diagnostics as JSON (with file, line and column).
    pub fn to_json(&self) -> serde_json::Value {
        let items: Vec<serde_json::Value> = self
            .diagnostics
            .iter()
            .map(|d| {
                let at = d.span.as_ref().map(|s| line_col(&self.text, s.start));
                serde_json::json!({
                    "file": self.file,
                    "line": at.map(|a| a.line),
                    "column": at.map(|a| a.column),
                    "level": d.level,
                    "code": d.code,
                    "message": d.message,
                    "help": d.help,
                })
            })
            .collect();
        serde_json::Value::Array(items)
    }
}

impl Report {
    /// Diagnostics as a SARIF 2.1.0 log, so code scanning (GitHub, GitLab,
    /// Azure DevOps) annotates the policy file at the offending line.
    /// Every diagnostic code becomes a rule of the `aimsgate` tool.
    pub fn to_sarif(&self) -> serde_json::Value {
        let mut codes: Vec<&str> = self.diagnostics.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        codes.dedup();
        let rules: Vec<serde_json::Value> = codes
            .iter()
            .map(|code| {
                serde_json::json!({
                    "id": code,
                    "name": code,
                    "shortDescription": {"text": format!("aimsgate policy check `{code}`")},
                })
            })
            .collect();
        let results: Vec<serde_json::Value> = self
            .diagnostics
            .iter()
            .map(|d| {
                let mut message = d.message.clone();
                if let Some(help) = &d.help {
                    message.push_str(" (help: ");
                    message.push_str(help);
                    message.push(')');
                }
                let mut location = serde_json::json!({
                    "physicalLocation": {"artifactLocation": {"uri": sarif_uri(&self.file)}}
                });
                if let Some(span) = &d.span {
                    let start = line_col(&self.text, span.start);
                    let end = line_col(&self.text, span.end.max(span.start));
                    location["physicalLocation"]["region"] = serde_json::json!({
                        "startLine": start.line,
                        "startColumn": start.column,
                        "endLine": end.line,
                        "endColumn": end.column.max(start.column + usize::from(end.line == start.line)),
                    });
                }
                serde_json::json!({
                    "ruleId": d.code,
                    "ruleIndex": codes.iter().position(|c| *c == d.code).unwrap_or(0),
                    "level": match d.level {
                        Level::Error => "error",
                        Level::Warning => "warning",
                    },
                    "message": {"text": message},
                    "locations": [location],
                })
            })
            .collect();
        serde_json::json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "aimsgate",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "results": results,
            }],
        })
    }
}

/// A SARIF artifact URI: relative paths with forward slashes, as code
/// scanning matches them against the repository.
fn sarif_uri(file: &str) -> String {
    file.trim_start_matches("./").replace('\\', "/")
}

/// The closest candidate to `wanted` by edit distance, if close enough to
/// be a plausible typo.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(wanted, c), c))
        .filter(|(d, c)| *d <= (wanted.len().max(c.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_in_characters() {
        let text = "a: 1\nbé: x\n";
        assert_eq!(line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(
            line_col(text, text.find('x').unwrap()),
            LineCol { line: 2, column: 5 }
        );
    }

    #[test]
    fn suggestions_are_close_matches_only() {
        assert_eq!(did_you_mean("emial", ["email", "iban"]), Some("email"));
        assert_eq!(did_you_mean("zzzzzz", ["email", "iban"]), None);
    }
}
