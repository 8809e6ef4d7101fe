//! Recorded exchanges through a filter, as a proxy would deliver them.
//!
//! A recorded exchange (`aimsgate/exchange/v1`) becomes an [`HttpRequest`]
//! whose body arrives in chunks, and an upstream that answers with the
//! recorded response — an SSE stream chunk by chunk as recorded, a JSON
//! body in chunks too. What the filter decided is read back from its
//! audit events in the log, so a replay checks the filter exactly as
//! deployed.

use aimsgate_engine::audit::{self, names};
use aimsgate_engine::recording::Recording;
use serde::Serialize;
use serde_json::Value;

use crate::{ExchangeOutcome, HttpRequest, HttpResponse, LogRecord, Plugin, UpstreamRequest};

/// Splits `body` into pieces of at most `chunk` bytes (one piece when
/// `chunk` is 0); an empty body is no piece at all.
pub fn chunks(body: &[u8], chunk: usize) -> Vec<Vec<u8>> {
    if body.is_empty() {
        return Vec::new();
    }
    if chunk == 0 {
        return vec![body.to_vec()];
    }
    body.chunks(chunk).map(<[u8]>::to_vec).collect()
}

/// The request of an exchange, its body in `chunk`-byte pieces.
pub fn request_of(exchange: &Recording, chunk: usize) -> HttpRequest {
    let body = exchange.request.body.to_bytes();
    let mut headers = vec![
        (":method".to_owned(), exchange.request.method.clone()),
        (":path".to_owned(), exchange.request.path.clone()),
        (":authority".to_owned(), exchange.request.host.clone()),
        (":scheme".to_owned(), "https".to_owned()),
    ];
    headers.extend(exchange.request_headers());
    if !body.is_empty() && !headers.iter().any(|(k, _)| k == "content-length") {
        headers.push(("content-length".to_owned(), body.len().to_string()));
    }
    HttpRequest {
        headers,
        body: chunks(&body, chunk),
        trailers: pairs(&exchange.request.trailers),
    }
}

/// The recorded response (a bare 200 with an empty JSON object when the
/// exchange has none): stream chunks as recorded, a body in `chunk`-byte
/// pieces.
pub fn response_of(exchange: &Recording, chunk: usize) -> HttpResponse {
    let Some(response) = &exchange.response else {
        return HttpResponse {
            headers: vec![
                (":status".to_owned(), "200".to_owned()),
                ("content-type".to_owned(), "application/json".to_owned()),
            ],
            body: vec![b"{}".to_vec()],
            trailers: Vec::new(),
        };
    };
    let mut headers = vec![(":status".to_owned(), response.status.to_string())];
    headers.extend(
        response
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone())),
    );
    let body = match (&response.chunks, &response.body) {
        (Some(recorded), _) => recorded
            .iter()
            .filter(|c| !c.is_empty())
            .map(|c| c.as_bytes().to_vec())
            .collect(),
        (None, Some(body)) => chunks(&body.to_bytes(), chunk),
        (None, None) => Vec::new(),
    };
    if response.chunks.is_some() && !headers.iter().any(|(k, _)| k == "content-type") {
        headers.push(("content-type".to_owned(), "text/event-stream".to_owned()));
    }
    HttpResponse {
        headers,
        body,
        trailers: pairs(&response.trailers),
    }
}

/// Recorded trailers as the harness takes them (names lower-case).
fn pairs(map: &std::collections::BTreeMap<String, String>) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect()
}

/// One decision as the filter logged it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedDecision {
    /// `request` or `response`.
    pub phase: String,
    /// Outcome name (`allow`, `redact`, `block`…).
    pub outcome: String,
    /// Ids of the rules that fired.
    pub rules: Vec<String>,
    /// Control ids of those rules.
    pub controls: Vec<String>,
    /// The route.
    pub route: Option<String>,
    /// For a refusal no rule made: its kind (`unknown-path`, …).
    pub refusal: Option<String>,
    /// The filter's own reason, when the policy did not decide
    /// (`no_body`, `body_too_large`…).
    pub code: Option<String>,
    /// The whole audit event.
    pub line: Value,
}

/// What one replayed exchange did.
#[derive(Debug, Clone, Serialize)]
pub struct Replayed {
    /// The exchange id (or file name).
    pub id: String,
    /// What the client and the upstream saw.
    pub outcome: ExchangeOutcome,
    /// Whether the whole request reached the upstream and it was asked to
    /// answer. A refused request may have sent its headers (the proxy
    /// forwards them before the body is inspected), never its body.
    pub upstream_answered: bool,
    /// The request decision, if one was logged.
    pub request: Option<LoggedDecision>,
    /// The response decision, if one was logged.
    pub response: Option<LoggedDecision>,
    /// Audit events of decisions the filter made on its own account
    /// (`no_ruleset`, `body_too_large`…), also in `request`/`response`.
    pub events: Vec<Value>,
}

impl Replayed {
    /// The strongest logged outcome of both phases, or `pass` when the
    /// filter decided nothing (ungoverned traffic).
    pub fn summary(&self) -> String {
        match (&self.request, &self.response) {
            (None, None) => "pass".to_owned(),
            (req, resp) => format!(
                "{}/{}",
                req.as_ref().map_or("-", |d| d.outcome.as_str()),
                resp.as_ref().map_or("-", |d| d.outcome.as_str())
            ),
        }
    }
}

/// The audit events in `logs`, as the JSON the filter wrote (digest
/// included), in order.
pub fn audit_lines(logs: &[LogRecord]) -> Vec<String> {
    let mut joiner = audit::Joiner::default();
    let mut lines = Vec::new();
    for record in logs {
        let joined = match joiner.feed(&record.message) {
            audit::Joined::Line(line) => line.to_owned(),
            audit::Joined::Event(event) => event,
            audit::Joined::Pending | audit::Joined::Broken(_) => continue,
        };
        if let Ok(opened) = audit::open(&joined) {
            lines.push(opened.json.to_owned());
        }
    }
    lines
}

/// Reads the filter's decisions out of `outcome`'s audit events.
pub fn decisions(
    outcome: &ExchangeOutcome,
) -> (Option<LoggedDecision>, Option<LoggedDecision>, Vec<Value>) {
    let (mut request, mut response, mut events) = (None, None, Vec::new());
    for json in audit_lines(&outcome.logs) {
        let Ok(line) = serde_json::from_str::<Value>(&json) else {
            continue;
        };
        if line["event.name"] != names::DECISION {
            continue;
        }
        let strings = |key: &str, field: Option<&str>| -> Vec<String> {
            line[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| match field {
                    Some(f) => v[f].as_str(),
                    None => v.as_str(),
                })
                .map(str::to_owned)
                .collect()
        };
        let code = line["aimsgate.code"].as_str().map(str::to_owned);
        let refusal = line["aimsgate.block"]["reason"]
            .as_str()
            .filter(|k| *k != "rule" && code.is_none())
            .map(str::to_owned);
        let decision = LoggedDecision {
            phase: line["aimsgate.phase"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            outcome: line["aimsgate.outcome"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            rules: strings("aimsgate.rules", Some("id")),
            controls: strings("aimsgate.controls", None),
            route: line["aimsgate.route"].as_str().map(str::to_owned),
            refusal,
            code: code.clone(),
            line: line.clone(),
        };
        if code.is_some() {
            events.push(line);
        }
        if decision.phase == "response" {
            response = Some(decision);
        } else {
            request = Some(decision);
        }
    }
    (request, response, events)
}

/// Replays `exchange` through `plugin`: the request body in `chunk`-byte
/// pieces, the recorded response as the upstream's answer.
pub fn replay(plugin: &mut Plugin, exchange: &Recording, id: &str, chunk: usize) -> Replayed {
    let request = request_of(exchange, chunk);
    let response = response_of(exchange, chunk);
    let answered = std::cell::Cell::new(false);
    let mut upstream = |_: &UpstreamRequest| {
        answered.set(true);
        response.clone()
    };
    let outcome = plugin.exchange(request, &mut upstream);
    let (request, response, events) = decisions(&outcome);
    Replayed {
        id: id.to_owned(),
        outcome,
        upstream_answered: answered.get(),
        request,
        response,
        events,
    }
}
