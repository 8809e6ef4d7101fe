//! `aimsgate scan`: backtest a policy over recorded traffic.
//!
//! Each input line is one of: an exchange (`{"request": …, "response": …}`),
//! a bare request or response body of a supported API, or `{"text": "…"}`
//! (optionally with `"phase": "response"`). Each line yields one JSON
//! decision line, in input order. Lines are decided in parallel batches
//! (the engine is `Sync`; every core helps), and nothing about a line is
//! lost: a line that cannot be read yields an `error` line naming why.

use std::io::{BufRead, Write};

use aimsgate_engine::codec::{self, Api};
use aimsgate_engine::decision::{Decision, MemoryLedger};
use aimsgate_engine::exchange::Exchange;
use aimsgate_engine::inspect::{RequestFacts, RequestInspection, ResponseInspection, Routing};
use aimsgate_engine::ruleset::Phase;
use aimsgate_engine::{Engine, RequestContext};
use serde_json::{Value, json};

/// Lines decided together; big enough to keep both cores busy, small
/// enough to keep memory flat on a multi-gigabyte log.
const BATCH: usize = 4096;

/// Totals over a scan.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Summary {
    /// Lines read.
    pub lines: u64,
    /// Lines that could not be read.
    pub errors: u64,
    /// Decisions by outcome (request and response phases counted apart).
    pub outcomes: std::collections::BTreeMap<String, u64>,
    /// Times each rule fired.
    pub rules: std::collections::BTreeMap<String, u64>,
}

impl Summary {
    fn add(&mut self, line: &Value) {
        self.lines += 1;
        if line.get("error").is_some() {
            self.errors += 1;
            return;
        }
        for phase in ["request", "response"] {
            let Some(decision) = line.get(phase) else {
                continue;
            };
            if let Some(outcome) = decision.get("decision").and_then(Value::as_str) {
                *self
                    .outcomes
                    .entry(format!("{phase}:{outcome}"))
                    .or_default() += 1;
            }
            for rule in decision
                .get("rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(id) = rule.get("id").and_then(Value::as_str) {
                    *self.rules.entry(id.to_owned()).or_default() += 1;
                }
            }
        }
    }
}

/// Decision of one phase as a JSON object: outcome, rules, controls, hits
/// (detector, role, message, byte span — never text).
pub fn decision_json(engine: &Engine, decision: &Decision) -> Value {
    let ruleset = engine.ruleset();
    let rules: Vec<Value> = decision
        .fired
        .iter()
        .filter_map(|f| {
            let rule = ruleset.rules.get(f.rule as usize)?;
            Some(json!({
                "id": rule.id,
                "action": f.action,
                "mode": f.mode.name(),
                "applied": f.applied,
                "severity": f.severity.name(),
                "controls": rule.controls,
                "hits": f.hits.len(),
            }))
        })
        .collect();
    let hits: Vec<Value> = decision
        .hits
        .iter()
        .map(|h| {
            json!({
                "detector": ruleset.detectors.get(h.detector as usize).map(|d| d.id.as_str()),
                "role": h.role.name(),
                "message": h.message_index,
                "span": [h.span.start, h.span.end],
            })
        })
        .collect();
    let mut out = json!({
        "decision": decision.outcome.name(),
        "rules": rules,
        "controls": decision.controls(ruleset),
        "hits": hits,
    });
    if let Some(block) = &decision.block {
        out["block"] =
            json!({"status": block.status, "reason": block.reason, "message": block.message});
    }
    if let Some(cap) = decision.cap_max_tokens {
        out["cap_max_tokens"] = json!(cap);
    }
    if !decision.headers.is_empty() {
        out["headers"] = json!(decision.headers);
    }
    out
}

/// Decides one input line.
pub fn scan_line(engine: &Engine, line: &str, api_override: Option<Api>) -> Value {
    let value: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return json!({"error": format!("not JSON: {e}")}),
    };
    if value.get("request").is_some() {
        return match Exchange::from_json(line.as_bytes()) {
            Ok(exchange) => scan_exchange(engine, &exchange, api_override),
            Err(e) => json!({"error": e.to_string()}),
        };
    }
    if let Some(text) = value.get("text").and_then(Value::as_str) {
        let phase = match value.get("phase").and_then(Value::as_str) {
            Some("response") => Phase::Response,
            _ => Phase::Request,
        };
        let key = if phase == Phase::Response {
            "response"
        } else {
            "request"
        };
        let inspection = engine.inspect_text(text, phase);
        let mut out = json!({});
        out[key] = decision_json(engine, &inspection.decision);
        return out;
    }
    let body = line.as_bytes();
    if is_response_body(&value) {
        let api = api_override.or_else(|| sniff_response(&value));
        let Some(api) = api else {
            return json!({"error": "a response body of no supported API"});
        };
        let ctx = RequestContext {
            host: "",
            path: "",
            headers: &[],
            route: None,
            api: Some(api),
            now_secs: 0,
        };
        let inspection = engine.inspect_response(&ctx, api, &RequestFacts::default(), body, false);
        return json!({"response": decision_json(engine, &inspection.decision)});
    }
    let ctx = RequestContext {
        host: "",
        path: "",
        headers: &[],
        route: None,
        api: api_override,
        now_secs: 0,
    };
    let inspection = engine.inspect_request(&ctx, body, &mut MemoryLedger::default());
    json!({"api": inspection.api.map(|a| a.name()), "request": decision_json(engine, &inspection.decision)})
}

fn is_response_body(value: &Value) -> bool {
    value.get("choices").is_some()
        || value.get("candidates").is_some()
        || value.get("output").is_some()
        || (value.get("type").and_then(Value::as_str) == Some("message")
            && value.get("content").is_some())
}

fn sniff_response(value: &Value) -> Option<Api> {
    if value.get("choices").is_some() {
        Some(Api::OpenaiChat)
    } else if value.get("candidates").is_some() {
        Some(Api::Gemini)
    } else if value.get("output").is_some() {
        Some(Api::OpenaiResponses)
    } else if value.get("type").is_some() {
        Some(Api::Anthropic)
    } else {
        None
    }
}

/// Both phases of one exchange, decided.
#[derive(Debug)]
pub struct ExchangeDecisions {
    /// How the request was routed.
    pub routing: Routing,
    /// The route index, when one matched the host.
    pub route: Option<u32>,
    /// A refusal made before any body was read (retired system, unknown
    /// path that fails closed).
    pub refusal: Option<Decision>,
    /// An unknown path on a governed host that the route lets pass.
    pub passed_uninspected: bool,
    /// The request's inspection.
    pub request: Option<RequestInspection>,
    /// The response's inspection (only when the request passed).
    pub response: Option<ResponseInspection>,
}

/// Decides both phases of an exchange (the response only when the request
/// passed): the one place `scan` and `explain` share.
pub fn decide_exchange(
    engine: &Engine,
    exchange: &Exchange,
    api_override: Option<Api>,
) -> ExchangeDecisions {
    let headers = exchange.request_headers();
    let routing = engine.route(&exchange.request.host, &exchange.request.path, &headers);
    let route = match routing {
        Routing::Route(r)
        | Routing::UnknownPath { route: r, .. }
        | Routing::Retired { route: r, .. } => Some(r),
        Routing::Ungoverned => None,
    };
    let mut decided = ExchangeDecisions {
        routing,
        route,
        refusal: engine.routing_refusal(routing),
        passed_uninspected: false,
        request: None,
        response: None,
    };
    if decided.refusal.is_some() {
        return decided;
    }
    if matches!(routing, Routing::UnknownPath { .. }) {
        decided.passed_uninspected = true;
        return decided;
    }
    let ctx = RequestContext {
        host: &exchange.request.host,
        path: &exchange.request.path,
        headers: &headers,
        route,
        api: api_override.or_else(|| exchange.api()),
        now_secs: 0,
    };
    let body = exchange.request.body.to_bytes();
    let inspection = engine.inspect_request(&ctx, &body, &mut MemoryLedger::default());
    if inspection.decision.block.is_none()
        && let (Some(response), Some(api)) = (&exchange.response, inspection.api)
    {
        let facts = inspection
            .view
            .as_ref()
            .map(|v| RequestFacts::of(v, &exchange.request.path))
            .unwrap_or_default();
        let payload = match (&response.chunks, &response.body) {
            (Some(chunks), _) => Some((chunks.concat().into_bytes(), true)),
            (None, Some(body)) => Some((body.to_bytes(), false)),
            (None, None) => None,
        };
        decided.response = payload
            .map(|(bytes, streamed)| engine.inspect_response(&ctx, api, &facts, &bytes, streamed));
    }
    decided.request = Some(inspection);
    decided
}

/// Decides both phases of an exchange, as a JSON decision line.
pub fn scan_exchange(engine: &Engine, exchange: &Exchange, api_override: Option<Api>) -> Value {
    let decided = decide_exchange(engine, exchange, api_override);
    let route = decided
        .route
        .and_then(|r| engine.ruleset().routes.get(r as usize));
    let mut out = json!({"id": exchange.id, "route": route.map(|r| r.id.as_str())});
    if let Some(refusal) = &decided.refusal {
        out["request"] = decision_json(engine, refusal);
    } else if decided.passed_uninspected {
        out["request"] = json!({"decision": "allow", "note": "unknown path on a governed host, passed uninspected by the route's rule"});
    }
    if let Some(request) = &decided.request {
        out["api"] = json!(request.api.map(|a| a.name()));
        out["request"] = decision_json(engine, &request.decision);
    }
    if let Some(response) = &decided.response {
        out["response"] = decision_json(engine, &response.decision);
    }
    out
}

/// Scans `input` line by line into `output`, calling `progress` with the
/// bytes consumed after each batch.
pub fn run(
    engine: &Engine,
    input: impl BufRead,
    mut output: impl Write,
    api_override: Option<Api>,
    mut progress: impl FnMut(u64),
) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    let mut lines = input.lines();
    let mut number = 0u64;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .max(1);
    loop {
        let mut batch = Vec::with_capacity(BATCH);
        for line in lines.by_ref() {
            let line = line?;
            number += 1;
            if line.trim().is_empty() {
                continue;
            }
            batch.push((number, line));
            if batch.len() == BATCH {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        let consumed: u64 = batch.iter().map(|(_, l)| l.len() as u64 + 1).sum();
        let chunk = batch.len().div_ceil(threads);
        let results: Vec<Vec<Value>> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|(n, line)| {
                                let mut v = scan_line(engine, line, api_override);
                                v["line"] = json!(n);
                                v
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| vec![json!({"error": "internal error while scanning"})])
                })
                .collect()
        });
        for value in results.into_iter().flatten() {
            summary.add(&value);
            serde_json::to_writer(&mut output, &value)?;
            output.write_all(b"\n")?;
        }
        progress(consumed);
    }
    output.flush()?;
    Ok(summary)
}

/// Names accepted by `--api`.
pub fn api_names() -> Vec<&'static str> {
    codec::Api::ALL.iter().map(|a| a.name()).collect()
}
