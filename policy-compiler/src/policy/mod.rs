//! The policy language: model, reading with positions, checking and
//! lowering to a rule set.

pub mod compile;
pub mod model;
pub mod source;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
pub use model::Policy;
use source::SpanIndex;

/// A policy read from a file, with the positions of its parts.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    /// The policy.
    pub policy: Policy,
    /// Where each part sits in the file.
    pub spans: SpanIndex,
    /// The file's bytes (their digest versions the rule set).
    pub source: Vec<u8>,
}

/// Reads a policy from `text`; `file` names it in diagnostics.
///
/// Syntax and shape errors come back as a [`Diagnostics`] with one diagnostic
/// pointing at the offending line and column.
pub fn load(file: &str, text: &str) -> Result<LoadedPolicy, Diagnostics> {
    let mut report = Diagnostics::new(file, text);
    let document = match source::parse(text) {
        Ok(document) => document,
        Err(diagnostic) => {
            report.diagnostics.push(diagnostic);
            return Err(report);
        }
    };
    match serde_path_to_error::deserialize::<_, Policy>(&document.value) {
        Ok(policy) => Ok(LoadedPolicy {
            policy,
            spans: document.spans,
            source: text.as_bytes().to_vec(),
        }),
        Err(err) => {
            let path = err.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let message = err.inner().to_string();
            report
                .diagnostics
                .push(shape_diagnostic(&path, &message, &document.spans));
            Err(report)
        }
    }
}

/// Turns a serde error into a diagnostic at the right place: an unknown
/// field points at that field's key, anything else at the value.
pub(crate) fn shape_diagnostic(path: &str, message: &str, spans: &SpanIndex) -> Diagnostic {
    let field = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    let where_ = if path.is_empty() {
        "the document".to_owned()
    } else {
        format!("`{path}`")
    };
    match (field, missing) {
        (Some(field), _) => {
            // serde_path_to_error's path already ends at the unknown key.
            let (parent_path, key_path) = match path.strip_suffix(field) {
                Some(parent) => (parent.trim_end_matches('.').to_owned(), path.to_owned()),
                None => (path.to_owned(), source::join_key(path, field)),
            };
            let within = if parent_path.is_empty() {
                "the document".to_owned()
            } else {
                format!("`{parent_path}`")
            };
            let expected = message.split_once(", expected ").map(|(_, e)| e.to_owned());
            let mut d = Diagnostic::error(
                Code::UnknownField,
                format!("unknown field `{field}` in {within}"),
            )
            .at(spans.key(&key_path));
            if let Some(expected) = expected {
                d = d.help(format!("expected {expected}"));
            }
            d
        }
        (None, Some(field)) => Diagnostic::error(
            Code::MissingField,
            format!("{where_} is missing the field `{field}`"),
        )
        .at(spans.key(path)),
        _ => Diagnostic::error(Code::Invalid, format!("{where_}: {message}")).at(spans.value(path)),
    }
}

/// Reads and compiles a policy file's text.
pub fn check(file: &str, text: &str) -> (Option<compile::Compiled>, Diagnostics) {
    check_reviews(file, text, None)
}

/// [`check`], and when `today` (YYYY-MM-DD) is given, the review dates that
/// have passed by then ([`compile::stale_reviews`]): the whole of
/// `aimsgate check`.
pub fn check_reviews(
    file: &str,
    text: &str,
    today: Option<&str>,
) -> (Option<compile::Compiled>, Diagnostics) {
    match load(file, text) {
        Err(report) => (None, report),
        Ok(loaded) => {
            let (compiled, mut diagnostics) = compile::compile(&loaded);
            if let Some(today) = today {
                diagnostics.extend(compile::stale_reviews(&loaded, today));
            }
            let mut report = Diagnostics::new(file, text);
            report.diagnostics = diagnostics;
            report.sort();
            (compiled, report)
        }
    }
}
