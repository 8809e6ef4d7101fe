//! Refusals in the API's own error format.
//!
//! A client library parses an error body by the shape its API documents;
//! an aimsgate refusal in any other shape surfaces as "unexpected response"
//! instead of a readable reason. So a refusal speaks OpenAI's
//! `{"error":{…}}`, Anthropic's `{"type":"error","error":{…}}` or Gemini's
//! `{"error":{"code","message","status"}}`, both as a whole body and as the
//! last event of a stream that is cut off mid-way.
//!
//! Every field comes from the policy (rule ids, control ids, the rule's
//! own message) or from aimsgate itself; never from the inspected text.

use serde_json::{Value, json};

use crate::codec::Api;
use crate::decision::{BlockReason, Decision};
use crate::ruleset::RuleSet;

/// Header naming the decision, on every governed response and refusal.
pub const DECISION_HEADER: &str = "x-aimsgate-decision";
/// Header carrying the request id, on every governed response and refusal.
pub const REQUEST_ID_HEADER: &str = "x-aimsgate-request-id";

/// What a refusal says, independent of the API's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Machine-readable reason: `policy_block`, `budget_exceeded`,
    /// `retired_system`, `unknown_path`, `uninspectable`, or a filter's own
    /// (`no_ruleset`, `body_too_large`, …).
    pub code: String,
    /// Human-readable message (the rule's message, or what aimsgate could
    /// not do).
    pub message: String,
    /// Ids of the enforced rules that refused.
    pub rules: Vec<String>,
    /// Control ids those rules implement.
    pub controls: Vec<String>,
    /// The request id, for correlating with audit events.
    pub request_id: String,
    /// Seconds until a usage budget resets (`retry-after`).
    pub retry_after: Option<u64>,
}

impl Refusal {
    /// The headers every refusal goes out with: JSON, the decision, the
    /// request id, for a usage budget `retry-after`, and — when sending the
    /// same request again cannot change the answer — `x-should-retry:
    /// false`, which the official OpenAI and Anthropic SDKs honour before
    /// their own retry rules (they retry 408, 409, 429 and 5xx by default,
    /// and each retry of a refused answer is a paid call).
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            (DECISION_HEADER.to_owned(), "block".to_owned()),
            (REQUEST_ID_HEADER.to_owned(), self.request_id.clone()),
        ];
        if let Some(retry_after) = self.retry_after {
            headers.push(("retry-after".to_owned(), retry_after.to_string()));
        }
        if !self.retryable() {
            headers.push(("x-should-retry".to_owned(), "false".to_owned()));
        }
        headers
    }

    /// Whether a retry may get another answer: a usage budget that resets
    /// (429), aimsgate without a rule set (503), an upstream it could not
    /// reach. Policy refusals and uninspectable bodies decide the same way
    /// every time.
    pub fn retryable(&self) -> bool {
        matches!(self.status, 429 | 503) || self.code == "upstream_unreachable"
    }

    /// The refusal a blocking decision calls for, `None` unless it blocks.
    pub fn of(decision: &Decision, ruleset: &RuleSet, request_id: &str) -> Option<Refusal> {
        let block = decision.block.as_ref()?;
        let applied: Vec<u32> = decision
            .fired
            .iter()
            .filter(|f| f.applied && f.action == "block")
            .map(|f| f.rule)
            .collect();
        let rule_ids = |ids: &[u32]| -> Vec<String> {
            ids.iter()
                .filter_map(|&i| ruleset.rules.get(i as usize))
                .map(|r| r.id.clone())
                .collect()
        };
        let (code, rules) = match &block.reason {
            BlockReason::Rule { rule } if block.retry_after.is_some() => {
                ("budget_exceeded", rule_ids(&[*rule]))
            }
            BlockReason::Rule { .. } => ("policy_block", rule_ids(&applied)),
            BlockReason::RetiredSystem { .. } => ("retired_system", Vec::new()),
            BlockReason::UnknownPath => ("unknown_path", Vec::new()),
            BlockReason::Uninspectable { .. } => ("uninspectable", Vec::new()),
        };
        let mut controls: Vec<String> = rules
            .iter()
            .filter_map(|id| ruleset.rules.iter().find(|r| &r.id == id))
            .flat_map(|r| r.controls.iter().cloned())
            .collect();
        controls.sort_unstable();
        controls.dedup();
        Some(Refusal {
            status: block.status,
            code: code.to_owned(),
            message: block.message.clone(),
            rules,
            controls,
            request_id: request_id.to_owned(),
            retry_after: block.retry_after,
        })
    }

    /// A refusal that no rule made (the filter's own: no rule set, body too
    /// large, unreadable encoding…).
    pub fn plain(status: u16, code: &str, message: &str, request_id: &str) -> Refusal {
        Refusal {
            status,
            code: code.to_owned(),
            message: message.to_owned(),
            rules: Vec::new(),
            controls: Vec::new(),
            request_id: request_id.to_owned(),
            retry_after: None,
        }
    }

    /// The message with the rules and controls named, as clients show it.
    fn text(&self) -> String {
        let mut text = format!("aimsgate: {}", self.message);
        if !self.rules.is_empty() {
            text.push_str(&format!(" (rule {}", self.rules.join(", ")));
            if !self.controls.is_empty() {
                text.push_str(&format!("; controls {}", self.controls.join(", ")));
            }
            text.push(')');
        }
        text
    }

    /// aimsgate's own details, carried next to the API's fields.
    fn details(&self) -> Value {
        json!({
            "code": self.code,
            "rules": self.rules,
            "controls": self.controls,
            "request_id": self.request_id,
        })
    }

    fn openai_error(&self) -> Value {
        let kind = match self.status {
            403 => "permission_error",
            429 => "rate_limit_error",
            500.. => "server_error",
            _ => "invalid_request_error",
        };
        json!({
            "message": self.text(),
            "type": kind,
            "param": null,
            "code": self.code,
        })
    }

    fn anthropic_error(&self) -> Value {
        // Anthropic's documented error types, by status.
        let kind = match self.status {
            401 => "authentication_error",
            403 => "permission_error",
            404 => "not_found_error",
            413 => "request_too_large",
            429 => "rate_limit_error",
            503 | 529 => "overloaded_error",
            500.. => "api_error",
            _ => "invalid_request_error",
        };
        json!({ "type": kind, "message": self.text() })
    }

    fn gemini_error(&self) -> Value {
        // google.rpc.Code names, as Gemini's REST errors carry them.
        let status = match self.status {
            401 => "UNAUTHENTICATED",
            403 => "PERMISSION_DENIED",
            404 => "NOT_FOUND",
            429 => "RESOURCE_EXHAUSTED",
            503 | 502 => "UNAVAILABLE",
            500.. => "INTERNAL",
            _ => "INVALID_ARGUMENT",
        };
        json!({
            "code": self.status,
            "message": self.text(),
            "status": status,
            "details": [{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": self.code.to_ascii_uppercase(),
                "domain": "aimsgate",
                "metadata": {
                    "rules": self.rules.join(","),
                    "controls": self.controls.join(","),
                    "request_id": self.request_id,
                },
            }],
        })
    }

    /// The value a whole error body carries in `api`'s format (OpenAI's
    /// when the API is unknown: most clients speak it).
    fn value(&self, api: Option<Api>) -> Value {
        match api {
            Some(Api::Anthropic) => json!({
                "type": "error",
                "error": self.anthropic_error(),
                "aimsgate": self.details(),
            }),
            Some(Api::Gemini) => json!({ "error": self.gemini_error() }),
            _ => json!({ "error": self.openai_error(), "aimsgate": self.details() }),
        }
    }

    /// A complete error body.
    pub fn body(&self, api: Option<Api>) -> Vec<u8> {
        self.value(api).to_string().into_bytes()
    }

    /// The Server-Sent Event that ends a stream cut off by this refusal,
    /// in `api`'s streaming error format.
    ///
    /// `last_sequence` is the `sequence_number` of the last Responses API
    /// event seen (`None`: none): the error event takes the next one, as
    /// the SDKs' event types require one to turn it into an API error.
    pub fn sse_event(&self, api: Api, last_sequence: Option<u64>) -> Vec<u8> {
        let (event, data) = match api {
            Api::Anthropic => (Some("error"), self.value(Some(api))),
            Api::OpenaiResponses => (
                Some("error"),
                json!({
                    "type": "error",
                    "code": self.code,
                    "message": self.text(),
                    "param": null,
                    "sequence_number": last_sequence.map_or(0, |s| s.saturating_add(1)),
                    "aimsgate": self.details(),
                }),
            ),
            _ => (None, self.value(Some(api))),
        };
        let mut out = String::new();
        if let Some(event) = event {
            out.push_str("event: ");
            out.push_str(event);
            out.push('\n');
        }
        out.push_str("data: ");
        out.push_str(&data.to_string());
        out.push_str("\n\n");
        out.into_bytes()
    }

    /// The last element of a Gemini streamed JSON array cut off by this
    /// refusal: the error object (after a comma when elements preceded it).
    pub fn array_element(&self, after_element: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if after_element {
            out.push(b',');
        }
        out.extend_from_slice(self.value(Some(Api::Gemini)).to_string().as_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal() -> Refusal {
        Refusal {
            status: 403,
            code: "policy_block".into(),
            message: "secrets may not be sent to AI providers".into(),
            rules: vec!["no-secrets".into()],
            controls: vec!["A.7.4".into(), "LLM02".into()],
            request_id: "req-1".into(),
            retry_after: None,
        }
    }

    #[test]
    fn bodies_follow_each_apis_error_shape() {
        let r = refusal();
        let openai: Value = serde_json::from_slice(&r.body(Some(Api::OpenaiChat))).unwrap();
        assert_eq!(openai["error"]["type"], "permission_error");
        assert_eq!(openai["error"]["code"], "policy_block");
        let message = openai["error"]["message"].as_str().unwrap();
        assert!(message.contains("no-secrets") && message.contains("A.7.4"));

        let anthropic: Value = serde_json::from_slice(&r.body(Some(Api::Anthropic))).unwrap();
        assert_eq!(anthropic["type"], "error");
        assert_eq!(anthropic["error"]["type"], "permission_error");

        let gemini: Value = serde_json::from_slice(&r.body(Some(Api::Gemini))).unwrap();
        assert_eq!(gemini["error"]["code"], 403);
        assert_eq!(gemini["error"]["status"], "PERMISSION_DENIED");
        assert_eq!(
            gemini["error"]["details"][0]["metadata"]["controls"],
            "A.7.4,LLM02"
        );
    }

    #[test]
    fn an_unidentified_caller_gets_each_apis_authentication_error() {
        // require-caller-identity answers 401: the SDKs raise their
        // authentication error, and the body names the same kind.
        let r = Refusal::plain(401, "policy_block", "sign in", "r1");
        let anthropic: Value = serde_json::from_slice(&r.body(Some(Api::Anthropic))).unwrap();
        assert_eq!(anthropic["error"]["type"], "authentication_error");
        let gemini: Value = serde_json::from_slice(&r.body(Some(Api::Gemini))).unwrap();
        assert_eq!(gemini["error"]["status"], "UNAUTHENTICATED");
    }

    #[test]
    fn stream_events_are_framed_per_api() {
        let r = refusal();
        let anthropic = String::from_utf8(r.sse_event(Api::Anthropic, None)).unwrap();
        assert!(anthropic.starts_with("event: error\ndata: {"));
        assert!(anthropic.ends_with("}\n\n"));
        let openai = String::from_utf8(r.sse_event(Api::OpenaiChat, None)).unwrap();
        assert!(openai.starts_with("data: {\"aimsgate\""));
        let element = r.array_element(true);
        assert_eq!(element[0], b',');
    }

    #[test]
    fn refusals_a_retry_cannot_change_say_so() {
        let policy = Refusal::plain(403, "policy_block", "no", "r1");
        assert!(
            policy
                .headers()
                .contains(&("x-should-retry".into(), "false".into()))
        );
        let too_large = Refusal::plain(502, "response_too_large", "no", "r1");
        assert!(
            too_large
                .headers()
                .contains(&("x-should-retry".into(), "false".into()))
        );
        for (status, code) in [
            (429, "budget"),
            (503, "no_ruleset"),
            (502, "upstream_unreachable"),
        ] {
            let retryable = Refusal::plain(status, code, "later", "r1");
            assert!(
                !retryable
                    .headers()
                    .iter()
                    .any(|(k, _)| k == "x-should-retry"),
                "{status} {code}"
            );
        }
    }
}
