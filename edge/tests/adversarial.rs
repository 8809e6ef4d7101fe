//! The adversarial suite (`tests/adversarial/`) through the edge guard,
//! natively: the same cases the filter's test binary runs through
//! filter.wasm, minus those a fetch-based runtime cannot express (each
//! case says why). The request goes in whole, a stream chunk by chunk as
//! recorded.
#![cfg(not(target_arch = "wasm32"))]

use aimsgate_edge::{BodyMode, Guard, Recorded, Request, Verdict};
use aimsgate_engine::recording::Recording;

#[path = "../../tests/adversarial/suite.rs"]
mod suite;

use suite::{Observed, Phase};

fn baseline() -> Vec<u8> {
    let path = suite::root().join("examples/policies/baseline/policy.yaml");
    let text = std::fs::read_to_string(&path).expect("the baseline policy");
    let (compiled, report) = aimsgate_compiler::policy::check(&path.to_string_lossy(), &text);
    compiled
        .unwrap_or_else(|| panic!("the baseline policy compiles: {report:?}"))
        .ruleset
        .to_bytes()
}

/// 2026-11-28, in nanoseconds.
fn clock() -> u64 {
    1_795_800_000_000_000_000
}

fn phase(recorded: Option<&Recorded>) -> Option<Phase> {
    recorded.map(|r| Phase {
        outcome: r.outcome.clone(),
        code: r.code.clone(),
    })
}

/// Headers then a blank line then the body, as `suite::judge` reads it.
fn message(headers: &[(String, String)], body: &[u8]) -> String {
    let mut text: String = headers.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(body));
    text
}

/// `headers` with `set` set and `remove` removed.
fn edited(
    headers: &[(String, String)],
    set: &[(String, String)],
    remove: &[String],
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| {
            !remove.iter().any(|r| r.eq_ignore_ascii_case(k))
                && !set.iter().any(|(s, _)| s.eq_ignore_ascii_case(k))
        })
        .cloned()
        .collect();
    out.extend(set.iter().cloned());
    out
}

fn run(rules: &[u8], recording: &Recording) -> Observed {
    let guard = Guard::new(rules, "", clock, "adversarial".to_owned());
    assert_eq!(guard.load_error(), None);
    let headers = recording.request_headers();
    let body = recording.request.body.to_bytes();
    let request = Request {
        method: &recording.request.method,
        host: &recording.request.host,
        path: &recording.request.path,
        headers: &headers,
        body: &body,
    };
    let mut result = guard.inspect_request(&request);
    let mut observed = Observed::default();
    match &result.verdict {
        Verdict::Consult(_) => panic!("no recorded policy names a classifier"),
        Verdict::Refuse(reply) => {
            observed.status = reply.status;
            observed.client = message(&reply.headers, &reply.body);
        }
        Verdict::Forward {
            body: rewritten,
            set_headers,
            remove_headers,
        } => {
            let sent = rewritten.as_deref().unwrap_or(&body);
            let upstream_headers = edited(&headers, set_headers, remove_headers);
            observed.upstream = Some(message(&upstream_headers, sent));
            let exchange = &mut result.exchange;
            let (status, response_headers, chunks) = match &recording.response {
                Some(response) => {
                    let headers: Vec<(String, String)> = response
                        .headers
                        .iter()
                        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                        .collect();
                    let chunks: Vec<Vec<u8>> = match (&response.chunks, &response.body) {
                        (Some(chunks), _) => chunks.iter().map(|c| c.as_bytes().to_vec()).collect(),
                        (None, Some(body)) => vec![body.to_bytes()],
                        (None, None) => Vec::new(),
                    };
                    (response.status, headers, chunks)
                }
                None => (
                    200,
                    vec![("content-type".to_owned(), "application/json".to_owned())],
                    vec![b"{}".to_vec()],
                ),
            };
            let has_body = chunks.iter().any(|c| !c.is_empty());
            let head = exchange.response_head(status, &response_headers, has_body);
            let mut client_headers =
                edited(&response_headers, &head.set_headers, &head.remove_headers);
            let mut out = Vec::new();
            observed.status = status;
            match head.mode {
                BodyMode::Pass => chunks.iter().for_each(|c| out.extend_from_slice(c)),
                BodyMode::Buffer => {
                    let whole = chunks.concat();
                    let decided = exchange.response_body(&whole);
                    observed.status = decided.status.unwrap_or(status);
                    client_headers = edited(&client_headers, &decided.set_headers, &[]);
                    out = decided.body.unwrap_or(whole);
                }
                BodyMode::Stream => {
                    for chunk in &chunks {
                        out.extend(exchange.transform(chunk));
                    }
                    out.extend(exchange.flush());
                }
            }
            observed.client = message(&client_headers, &out);
        }
    }
    result.exchange.close();
    observed.request = phase(result.exchange.request_decision());
    observed.response = phase(result.exchange.response_decision());
    drop(result);
    observed.events = guard.take_events();
    observed
}

#[test]
fn no_adversarial_case_gets_past_the_edge_guard() {
    let rules = baseline();
    let ran = suite::run_all("edge", |case| run(&rules, &case.exchange));
    assert!(ran >= 150, "only {ran} cases ran");
}
