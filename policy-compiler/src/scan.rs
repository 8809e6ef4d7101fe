//! `aimsgate scan`: backtest a policy over recorded traffic.
//!
//! Each input line is one of: a recorded exchange (`{"request": …,
//! "response": …}`), decided by the exchange flow exactly as the filter
//! decides it; a bare request or response body of a supported API, decided
//! with every rule (`--api` names its API when the body does not); or
//! `{"text": "…"}` (optionally with `"phase": "response"`). Each line
//! yields one JSON decision line, in input order. Lines are decided in parallel batches
//! (the engine is `Sync`; every core helps), and nothing about a line is
//! lost: a line that cannot be read yields an `error` line naming why.

use std::io::{BufRead, Write};

use aimsgate_engine::audit::AuditEvent;
use aimsgate_engine::codec::{self, Api};
use aimsgate_engine::decision::{Decision, MemoryLedger};
use aimsgate_engine::decode::Bounded;
use aimsgate_engine::flow::{
    BodyMode, BodyStep, Env, Flow, RequestHead, RequestStep, ResponseHead, Runtime, Settings,
};
use aimsgate_engine::inspect::{RequestFacts, RequestInspection};
use aimsgate_engine::recording::{Recording, Response};
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
            let mut hit = json!({
                "detector": ruleset.detectors.get(h.detector as usize).map(|d| d.id.as_str()),
                "role": h.role.name(),
                "message": h.message_index,
                "span": [h.span.start, h.span.end],
            });
            // Which phrase signal matched and what it weighs: what one
            // tunes a threshold or a signal with.
            if let Some(signal) = phrase_signal(ruleset, h) {
                hit["signal"] = json!(signal.id);
                hit["weight"] = json!(signal.weight);
            }
            if let Some(encoding) = h.encoding {
                hit["via"] = json!(encoding.label());
            }
            hit
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

/// The phrase signal a hit of a scored detector is, `None` for any other
/// detector's hit.
pub fn phrase_signal<'r>(
    ruleset: &'r aimsgate_engine::ruleset::RuleSet,
    hit: &aimsgate_engine::decision::Hit,
) -> Option<&'r aimsgate_engine::ruleset::PhraseSignal> {
    match &ruleset.detectors.get(hit.detector as usize)?.kind {
        aimsgate_engine::ruleset::DetectorKind::Phrases { signals } => {
            signals.get(hit.signal as usize)
        }
        _ => None,
    }
}

/// Decides one input line.
pub fn scan_line(engine: &Engine, line: &str, api_override: Option<Api>) -> Value {
    let value: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return json!({"error": format!("not JSON: {e}")}),
    };
    if value.get("request").is_some() {
        return match Recording::from_json(line.as_bytes()) {
            Ok(recording) => scan_exchange(engine, &recording),
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
        let ctx = bare_context(Some(api));
        let inspection = engine.inspect_response(&ctx, Some(api), &RequestFacts::default(), body);
        return json!({"response": decision_json(engine, &inspection.decision)});
    }
    let inspection = inspect_bare_request(engine, body, api_override);
    json!({"api": inspection.api.map(|a| a.name()), "request": decision_json(engine, &inspection.decision)})
}

/// A body outside any exchange: no host, path or route, so every rule
/// applies.
fn bare_context(api: Option<Api>) -> RequestContext<'static> {
    RequestContext {
        host: "",
        path: "",
        headers: &[],
        route: None,
        api,
        now_secs: 0,
    }
}

/// Inspects a bare request body (of `api`, or of the API its shape tells)
/// with every rule: what `scan` and `explain` do with a body that is not
/// a recorded exchange.
pub fn inspect_bare_request(engine: &Engine, body: &[u8], api: Option<Api>) -> RequestInspection {
    engine.inspect_request(&bare_context(api), body, &mut MemoryLedger::default())
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

/// One phase as the exchange flow recorded it: what a runtime gets.
#[derive(Debug, Clone)]
pub struct PhaseRecord {
    /// The decision.
    pub decision: Decision,
    /// Its audit event, unsealed: the runtime's own reason when the policy
    /// did not decide (`code`: `no_body`, `upgrade_refused`,
    /// `response_not_inspected`…), whether the body was inspected, the
    /// model, token estimates.
    pub event: AuditEvent,
}

/// Both phases of one recording, decided by the exchange flow exactly as
/// the filter decides them (routing, upgrades, sizes, encodings, provider
/// errors, streams chunk by chunk).
#[derive(Debug, Default)]
pub struct ExchangeDecisions {
    /// The route index, when one matched the host.
    pub route: Option<u32>,
    /// The API, once known.
    pub api: Option<Api>,
    /// The request phase, unless the exchange was not governed.
    pub request: Option<PhaseRecord>,
    /// The response phase, when the recording has a response and the
    /// request went upstream.
    pub response: Option<PhaseRecord>,
    /// The request body as it goes upstream, when the flow rewrote it.
    pub request_body: Option<Vec<u8>>,
    /// The response body as the client gets it, when the flow changed it
    /// (a refused response: the API's error JSON).
    pub response_body: Option<Vec<u8>>,
}

/// The CLI as the flow's runtime: a fixed clock (the recording's time is
/// not known; budgets and windows see the Unix epoch, as before) and the
/// record of each phase.
struct Collector<'e> {
    engine: &'e Engine,
    phases: [Option<PhaseRecord>; 2],
}

impl Runtime for Collector<'_> {
    fn now(&self) -> u64 {
        0
    }

    fn make_request_id(&mut self) -> String {
        "scan".to_owned()
    }

    fn engine(&self) -> Option<&Engine> {
        Some(self.engine)
    }

    fn record(&mut self, decision: &Decision, event: AuditEvent) {
        let slot = usize::from(decision.phase == Phase::Response);
        self.phases[slot] = Some(PhaseRecord {
            decision: decision.clone(),
            event,
        });
    }
}

/// Decides both phases of a recording through the exchange flow, with the
/// filter's default limits and its decoder: the request body in one piece,
/// the response as recorded (a stream chunk by chunk). The one place
/// `scan` and `explain` share.
pub fn decide_exchange(engine: &Engine, recording: &Recording) -> ExchangeDecisions {
    let mut collector = Collector {
        engine,
        phases: [None, None],
    };
    let mut flow = Flow::new();
    let decoder = Bounded::default();
    let mut out = ExchangeDecisions::default();
    let mut env = Env {
        engine,
        settings: Settings::DEFAULT,
        decoder: &decoder,
        runtime: &mut collector,
    };
    let headers = recording.request_headers();
    let body = recording.request.body.to_bytes();
    let head = RequestHead {
        method: &recording.request.method,
        host: &recording.request.host,
        path: &recording.request.path,
        headers: &headers,
        has_body: !body.is_empty(),
    };
    let mut ledger = MemoryLedger::default();
    if let RequestStep::Govern(_) = flow.request_head(&mut env, &head)
        && head.has_body
        && let BodyStep::Forward(rewritten) =
            flow.request_body(&mut env, &mut ledger, body.len(), true, || Some(&body))
    {
        out.request_body = rewritten;
    }
    if flow.awaits_response()
        && let Some(response) = &recording.response
    {
        out.response_body = respond(&mut flow, &mut env, response);
        flow.close(env.runtime);
    }
    out.api = flow.api();
    let [request, response] = collector.phases;
    out.route = flow.route();
    out.request = request;
    out.response = response;
    out
}

/// The recorded response through the flow; returns the body the client
/// gets when the flow changed it.
fn respond(flow: &mut Flow, env: &mut Env<'_>, response: &Response) -> Option<Vec<u8>> {
    let headers: Vec<(String, String)> = response
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    let pieces: Vec<Vec<u8>> = match (&response.chunks, &response.body) {
        (Some(chunks), _) => chunks
            .iter()
            .filter(|c| !c.is_empty())
            .map(|c| c.as_bytes().to_vec())
            .collect(),
        (None, Some(body)) => Some(body.to_bytes())
            .filter(|b| !b.is_empty())
            .into_iter()
            .collect(),
        (None, None) => Vec::new(),
    };
    // A recorded stream without a content type is SSE, as the harness
    // replays it.
    let content_type = codec::header(&headers, "content-type")
        .or(response.chunks.is_some().then_some("text/event-stream"))
        .unwrap_or_default();
    let head = ResponseHead {
        status: response.status,
        content_type,
        encoding: codec::header(&headers, "content-encoding"),
        has_body: !pieces.is_empty(),
    };
    let plan = flow.response_head(env, &head);
    let api = flow.api();
    match plan.mode {
        BodyMode::Pass => None,
        BodyMode::Buffer => {
            let whole = pieces.concat();
            match flow.response_body(env, whole.len(), true, || Some(&whole)) {
                BodyStep::Forward(body) => body,
                BodyStep::Refuse(refusal) => Some(refusal.body(api)),
                // Only requests are held for a classifier.
                BodyStep::Wait | BodyStep::Consult { .. } => None,
            }
        }
        BodyMode::Stream => {
            let mut sent = Vec::new();
            let mut changed = false;
            let last = pieces.len().saturating_sub(1);
            for (i, piece) in pieces.iter().enumerate() {
                match flow.response_body(env, piece.len(), i == last, || Some(piece)) {
                    BodyStep::Forward(None) => sent.extend_from_slice(piece),
                    BodyStep::Forward(Some(out)) => {
                        changed = true;
                        sent.extend(out);
                    }
                    // As the filter does: what was refused becomes the
                    // API's error JSON.
                    BodyStep::Refuse(refusal) => {
                        changed = true;
                        sent.extend(refusal.body(api));
                    }
                    BodyStep::Wait | BodyStep::Consult { .. } => changed = true,
                }
            }
            changed.then_some(sent)
        }
    }
}

/// A phase's decision as JSON, with the runtime's own reason when it
/// decided without the policy.
fn phase_json(engine: &Engine, phase: &PhaseRecord) -> Value {
    let mut out = decision_json(engine, &phase.decision);
    if let Some(code) = &phase.event.code {
        out["code"] = json!(code);
    }
    if let Some(message) = &phase.event.message {
        out["note"] = json!(message);
    }
    out
}

/// Decides both phases of a recording, as a JSON decision line.
pub fn scan_exchange(engine: &Engine, recording: &Recording) -> Value {
    let decided = decide_exchange(engine, recording);
    let route = decided
        .route
        .and_then(|r| engine.ruleset().routes.get(r as usize));
    let mut out = json!({"id": recording.id, "route": route.map(|r| r.id.as_str())});
    if let Some(api) = decided.api {
        out["api"] = json!(api.name());
    }
    match (&decided.request, &decided.response) {
        (None, None) => {
            out["ungoverned"] = json!(true);
        }
        (request, response) => {
            if let Some(request) = request {
                out["request"] = phase_json(engine, request);
            }
            if let Some(response) = response {
                out["response"] = phase_json(engine, response);
            }
        }
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
