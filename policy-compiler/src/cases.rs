//! Policy tests: YAML files of cases (an exchange, or a text as a user or
//! the model would write it) and what the filter must decide for each.
//!
//! ```yaml
//! policy: policy.yaml            # relative to this file
//! defaults:                      # for `text` cases
//!   host: api.openai.com
//!   path: /v1/chat/completions
//!   headers: {x-user-id: u-1, x-user-group: support}
//!   model: gpt-4o
//! cases:
//!   - name: card numbers in prompts are masked
//!     text: "my card is 4111 1111 1111 1111"
//!     expect:
//!       request: {decision: redact, rules: [redact-personal-data]}
//!       redacted: "my card is [REDACTED:payment-card]"
//!   - name: a recorded exchange
//!     exchange: ../../traffic/05-openai-chat-aws-key-blocked.json
//!     expect:
//!       request: {decision: block, rules: [block-secrets-in-prompts], controls: ["iso42001:A.7.4"]}
//!       status: 403
//!       upstream: false
//! ```
//!
//! This module reads test files (with diagnostics at file:line:column, like
//! policies), turns cases into exchanges and judges what was observed. The
//! `aimsgate test` command runs the cases through the real filter.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aimsgate_engine::recording::{self, Body, Recording};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::diagnostics::Diagnostics;
use crate::policy::source;

/// A test file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// The policy under test, relative to the test file.
    pub policy: PathBuf,
    /// Request defaults for `text` cases.
    #[serde(default)]
    pub defaults: Defaults,
    /// The cases.
    pub cases: Vec<Case>,
}

/// Where `text` cases are sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Defaults {
    /// Host.
    pub host: String,
    /// Path (an OpenAI chat completions path).
    pub path: String,
    /// Request headers.
    pub headers: BTreeMap<String, String>,
    /// Model named in the request.
    pub model: String,
}

impl Default for Defaults {
    fn default() -> Defaults {
        Defaults {
            host: "api.openai.com".into(),
            path: "/v1/chat/completions".into(),
            headers: BTreeMap::new(),
            model: "gpt-4o".into(),
        }
    }
}

/// Which side wrote a `text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextPhase {
    /// The user, in the prompt.
    #[default]
    Request,
    /// The model, in the completion.
    Response,
}

/// One case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case shows.
    pub name: String,
    /// A recorded exchange file, relative to the test file.
    #[serde(default)]
    pub exchange: Option<PathBuf>,
    /// An inline request (the exchange request shape).
    #[serde(default)]
    pub request: Option<recording::Request>,
    /// An inline response, with `request`.
    #[serde(default)]
    pub response: Option<recording::Response>,
    /// A text, sent as a user prompt or returned as a completion.
    #[serde(default)]
    pub text: Option<String>,
    /// Which side wrote `text`.
    #[serde(default)]
    pub phase: TextPhase,
    /// What must happen.
    pub expect: Expect,
}

impl Case {
    /// The rules and controls the case's expectations name (rules that
    /// must fire or must not, controls that must be named), in order,
    /// once each: what the case tests the design of.
    pub fn exercises(&self) -> (Vec<String>, Vec<String>) {
        let (mut rules, mut controls): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
        for phase in [&self.expect.request, &self.expect.response]
            .into_iter()
            .flatten()
        {
            for rule in phase.rules.iter().chain(&phase.not_rules) {
                if !rules.contains(rule) {
                    rules.push(rule.clone());
                }
            }
            for control in &phase.controls {
                if !controls.contains(control) {
                    controls.push(control.clone());
                }
            }
        }
        (rules, controls)
    }
}

/// Expectations of one phase's decision.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseExpect {
    /// Outcome: allow, monitor, flag, cap, redact, block.
    #[serde(default)]
    pub decision: Option<String>,
    /// Rules that must have fired.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Rules that must not have fired.
    #[serde(default)]
    pub not_rules: Vec<String>,
    /// Controls that must be named.
    #[serde(default)]
    pub controls: Vec<String>,
}

/// What must happen.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The request decision.
    #[serde(default)]
    pub request: Option<PhaseExpect>,
    /// The response decision.
    #[serde(default)]
    pub response: Option<PhaseExpect>,
    /// Status the client gets.
    #[serde(default)]
    pub status: Option<u16>,
    /// Whether the whole request reaches the upstream (a refused request's
    /// headers may have left before its body was inspected; its body never).
    #[serde(default)]
    pub upstream: Option<bool>,
    /// Response headers the client gets (name → value).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Texts the client's body must contain.
    #[serde(default)]
    pub body_contains: Vec<String>,
    /// Texts the client's body must not contain.
    #[serde(default)]
    pub body_excludes: Vec<String>,
    /// Texts the upstream's body must contain.
    #[serde(default)]
    pub upstream_contains: Vec<String>,
    /// Texts the upstream's body must not contain.
    #[serde(default)]
    pub upstream_excludes: Vec<String>,
    /// For `text` cases: the text as it went on (after redaction).
    #[serde(default)]
    pub redacted: Option<String>,
}

/// A decision as observed.
#[derive(Debug, Clone, Default)]
pub struct ObservedDecision {
    /// Outcome name.
    pub outcome: String,
    /// Rules that fired.
    pub rules: Vec<String>,
    /// Controls named.
    pub controls: Vec<String>,
}

/// What running a case showed.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Request decision.
    pub request: Option<ObservedDecision>,
    /// Response decision.
    pub response: Option<ObservedDecision>,
    /// Client status.
    pub status: u16,
    /// Client response headers.
    pub headers: Vec<(String, String)>,
    /// Client body.
    pub body: Vec<u8>,
    /// Upstream request body, when the whole request reached the upstream.
    pub upstream: Option<Vec<u8>>,
}

/// Reads a test file; `file` names it in diagnostics.
pub fn load(file: &str, text: &str) -> Result<TestFile, Diagnostics> {
    let mut report = Diagnostics::new(file, text);
    let document = match source::parse(text) {
        Ok(document) => document,
        Err(diagnostic) => {
            report.diagnostics.push(diagnostic);
            return Err(report);
        }
    };
    match serde_path_to_error::deserialize::<_, TestFile>(&document.value) {
        Ok(tests) => Ok(tests),
        Err(err) => {
            let path = err.path().to_string();
            let path = if path == "." { String::new() } else { path };
            report.diagnostics.push(crate::policy::shape_diagnostic(
                &path,
                &err.inner().to_string(),
                &document.spans,
            ));
            Err(report)
        }
    }
}

/// The exchange a case sends; relative paths resolve against `dir`.
pub fn exchange_of(case: &Case, defaults: &Defaults, dir: &Path) -> Result<Recording, String> {
    match (&case.exchange, &case.request, &case.text) {
        (Some(file), None, None) => {
            let path = dir.join(file);
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Recording::from_json(&bytes).map_err(|e| format!("{}: {e}", path.display()))
        }
        (None, Some(request), None) => Ok(Recording {
            schema: recording::SCHEMA.to_owned(),
            id: Some(case.name.clone()),
            description: None,
            api: None,
            request: request.clone(),
            response: case.response.clone(),
        }),
        (None, None, Some(text)) => Ok(text_exchange(case, text, defaults)),
        _ => Err("a case needs exactly one of `exchange`, `request` or `text`".to_owned()),
    }
}

fn text_exchange(case: &Case, text: &str, defaults: &Defaults) -> Recording {
    let prompt = match case.phase {
        TextPhase::Request => text,
        TextPhase::Response => "Please answer the question.",
    };
    let request = json!({
        "model": defaults.model,
        "max_tokens": 256,
        "messages": [{"role": "user", "content": prompt}],
    });
    let completion = match case.phase {
        TextPhase::Request => "Done.",
        TextPhase::Response => text,
    };
    let response = json!({
        "id": "chatcmpl-test", "object": "chat.completion", "model": defaults.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": completion}, "finish_reason": "stop"}],
    });
    let mut headers = defaults.headers.clone();
    headers.insert("content-type".into(), "application/json".into());
    Recording {
        schema: recording::SCHEMA.to_owned(),
        id: Some(case.name.clone()),
        description: None,
        api: None,
        request: recording::Request {
            method: "POST".into(),
            host: defaults.host.clone(),
            path: defaults.path.clone(),
            headers,
            body: Body::Json(request),
            trailers: BTreeMap::new(),
        },
        response: Some(recording::Response {
            status: 200,
            headers: BTreeMap::from([("content-type".into(), "application/json".into())]),
            body: Some(Body::Json(response)),
            chunks: None,
            trailers: BTreeMap::new(),
        }),
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    String::from_utf8_lossy(haystack).contains(needle)
}

fn judge_phase(
    name: &str,
    want: &PhaseExpect,
    got: Option<&ObservedDecision>,
    failures: &mut Vec<String>,
) {
    let Some(got) = got else {
        if want.decision.is_some() || !want.rules.is_empty() || !want.controls.is_empty() {
            failures.push(format!(
                "expected a {name} decision, the filter logged none"
            ));
        }
        return;
    };
    if let Some(decision) = &want.decision
        && decision != &got.outcome
    {
        failures.push(format!(
            "{name} decision: expected {decision}, got {} (rules: {})",
            got.outcome,
            if got.rules.is_empty() {
                "none".to_owned()
            } else {
                got.rules.join(", ")
            }
        ));
    }
    for rule in &want.rules {
        if !got.rules.contains(rule) {
            failures.push(format!(
                "{name}: rule `{rule}` did not fire (fired: {})",
                if got.rules.is_empty() {
                    "none".to_owned()
                } else {
                    got.rules.join(", ")
                }
            ));
        }
    }
    for rule in &want.not_rules {
        if got.rules.contains(rule) {
            failures.push(format!("{name}: rule `{rule}` fired but must not"));
        }
    }
    for control in &want.controls {
        if !got.controls.iter().any(|c| c.eq_ignore_ascii_case(control)) {
            failures.push(format!(
                "{name}: control `{control}` not named (named: {})",
                got.controls.join(", ")
            ));
        }
    }
}

/// The completion text of an OpenAI chat body (request: first user
/// message; response: first choice).
fn chat_text(body: &[u8], phase: TextPhase) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let text = match phase {
        TextPhase::Request => &value["messages"][0]["content"],
        TextPhase::Response => &value["choices"][0]["message"]["content"],
    };
    text.as_str().map(str::to_owned)
}

/// Judges what was observed; returns every unmet expectation.
pub fn judge(case: &Case, observed: &Observed) -> Vec<String> {
    let want = &case.expect;
    let mut failures = Vec::new();
    if let Some(request) = &want.request {
        judge_phase("request", request, observed.request.as_ref(), &mut failures);
    }
    if let Some(response) = &want.response {
        judge_phase(
            "response",
            response,
            observed.response.as_ref(),
            &mut failures,
        );
    }
    if let Some(status) = want.status
        && status != observed.status
    {
        failures.push(format!(
            "status: expected {status}, got {}",
            observed.status
        ));
    }
    if let Some(upstream) = want.upstream
        && upstream != observed.upstream.is_some()
    {
        failures.push(if upstream {
            "the upstream was never contacted".to_owned()
        } else {
            "the upstream was contacted".to_owned()
        });
    }
    for (name, value) in &want.headers {
        let got = observed
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        if got != Some(value.as_str()) {
            failures.push(format!(
                "header {name}: expected `{value}`, got {}",
                got.map_or("none".to_owned(), |g| format!("`{g}`"))
            ));
        }
    }
    for text in &want.body_contains {
        if !contains(&observed.body, text) {
            failures.push(format!("the client's body does not contain `{text}`"));
        }
    }
    for text in &want.body_excludes {
        if contains(&observed.body, text) {
            failures.push(format!("the client's body contains `{text}`"));
        }
    }
    let upstream = observed.upstream.as_deref().unwrap_or_default();
    for text in &want.upstream_contains {
        if !contains(upstream, text) {
            failures.push(format!("the upstream's body does not contain `{text}`"));
        }
    }
    for text in &want.upstream_excludes {
        if contains(upstream, text) {
            failures.push(format!("the upstream's body contains `{text}`"));
        }
    }
    if let Some(redacted) = &want.redacted {
        let body = match case.phase {
            TextPhase::Request => upstream,
            TextPhase::Response => &observed.body,
        };
        match chat_text(body, case.phase) {
            Some(text) if &text == redacted => {}
            Some(text) => failures.push(format!(
                "redacted text: expected `{redacted}`, got `{text}`"
            )),
            None => failures.push("redacted text: the message did not get through".to_owned()),
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_errors_point_at_the_line() {
        let text =
            "policy: p.yaml\ncases:\n  - name: x\n    text: hi\n    expect:\n      statuz: 200\n";
        let report = load("t.yaml", text).unwrap_err();
        let rendered = report.render_plain();
        assert!(rendered.contains("t.yaml:6"), "{rendered}");
        assert!(rendered.contains("statuz"), "{rendered}");
    }

    #[test]
    fn unmet_expectations_are_each_reported() {
        let case: Case = serde_json::from_value(json!({
            "name": "n", "text": "t",
            "expect": {"request": {"decision": "block", "rules": ["r1"]}, "status": 403, "upstream": false}
        }))
        .unwrap();
        let observed = Observed {
            request: Some(ObservedDecision {
                outcome: "allow".into(),
                ..ObservedDecision::default()
            }),
            status: 200,
            upstream: Some(Vec::new()),
            ..Observed::default()
        };
        let failures = judge(&case, &observed);
        assert_eq!(failures.len(), 4, "{failures:?}");
    }
}
