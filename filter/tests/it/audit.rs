//! Audit evidence from the built filter.wasm: one event per governed
//! phase, never the matched text, hash chains a verifier can check, and
//! delivery to a collector that survives outages and counts every loss.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::common::*;
use aimsgate_compiler::evidence::{self, verify};
use aimsgate_engine::audit;
use aimsgate_engine::ruleset::RuleSet;
use aimsgate_host::replay::audit_lines;
use aimsgate_host::{HostOptions, HttpCallResponse, HttpRequest, HttpResponse, Plugin, SharedData};
use serde_json::{Value, json};

/// The baseline policy wrapped with filter options (Istio pluginConfig form).
fn configured(options: Value) -> Vec<u8> {
    let ruleset = RuleSet::from_bytes(&baseline()).expect("baseline loads");
    let ruleset: Value = serde_json::from_str(&ruleset.to_json()).expect("JSON rule set");
    json!({"ruleset": ruleset, "options": options})
        .to_string()
        .into_bytes()
}

fn events(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("events are JSON"))
        .collect()
}

fn decisions_by_phase(lines: &[String]) -> (usize, usize) {
    let events = events(lines);
    let count = |phase: &str| {
        events
            .iter()
            .filter(|e| e["event.name"] == audit::names::DECISION && e["aimsgate.phase"] == phase)
            .count()
    };
    (count("request"), count("response"))
}

fn get(host: &str, path: &str) -> HttpRequest {
    HttpRequest::new("GET", path, host)
}

fn provider_error() -> HttpResponse {
    HttpResponse::new(500, br#"{"error":{"message":"overloaded"}}"#.to_vec())
        .header("content-type", "application/json")
}

#[test]
fn every_decision_path_emits_exactly_one_event_per_phase() {
    let mut plugin = plugin(baseline());
    let big = chat(&"a".repeat(1 << 21));
    let stream = sse(
        &[
            chunk_event("mail me at jane"),
            chunk_event("@example.com ok"),
        ],
        &[9, 40],
    );
    // (case, request, response, events expected per phase)
    let cases: Vec<(&str, HttpRequest, HttpResponse, (usize, usize))> = vec![
        (
            "allow",
            request("api.openai.com", "/v1/chat/completions", &chat("hello"), 1),
            completion("hi"),
            (1, 1),
        ),
        (
            "redact",
            request(
                "api.openai.com",
                "/v1/chat/completions",
                &chat("card 4111 1111 1111 1111"),
                3,
            ),
            completion("ok"),
            (1, 1),
        ),
        (
            "block",
            request(
                "api.openai.com",
                "/v1/chat/completions",
                &chat("key AKIAIOSFODNN7EXAMPLE"),
                2,
            ),
            completion("never"),
            (1, 0),
        ),
        (
            "stream",
            request("api.openai.com", "/v1/chat/completions", &chat("hi"), 1),
            stream,
            (1, 1),
        ),
        (
            "provider error",
            request("api.openai.com", "/v1/chat/completions", &chat("hi"), 1),
            provider_error(),
            (1, 1),
        ),
        (
            "no body",
            get("api.openai.com", "/v1/chat/completions"),
            completion("ok"),
            (1, 1),
        ),
        (
            "malformed",
            request("api.openai.com", "/v1/chat/completions", b"{not json", 1),
            completion("never"),
            (1, 0),
        ),
        (
            "oversize",
            request("api.openai.com", "/v1/chat/completions", &big, 4),
            completion("never"),
            (1, 0),
        ),
        (
            // The baseline refuses hosts no route names (`unknown_hosts`).
            "ungoverned",
            request("example.org", "/v1/chat/completions", &chat("hi"), 1),
            completion("ok"),
            (1, 0),
        ),
    ];
    for (case, request, response, expected) in cases {
        let run = exchange(&mut plugin, request, response);
        let lines = audit_lines(&run.outcome.logs);
        assert_eq!(decisions_by_phase(&lines), expected, "{case}: {lines:#?}");
        for event in events(&lines) {
            assert!(event["aimsgate.request.id"].is_string(), "{case}: {event}");
            assert_eq!(event["aimsgate.policy.name"], "baseline-iso42001");
        }
    }
    // A client that goes away mid-body still leaves its request on record.
    let ctx = plugin.create_http_context().unwrap();
    let half = request("api.openai.com", "/v1/chat/completions", &chat("hi"), 1);
    plugin
        .on_request_headers(ctx, &half.headers, false)
        .unwrap();
    plugin.on_request_body(ctx, b"{\"model\":", false).unwrap();
    plugin.on_log(ctx).unwrap();
    let lines = audit_lines(&plugin.take_logs());
    let tail = events(&lines);
    let last = tail.last().expect("an event for the abandoned request");
    assert_eq!(last["aimsgate.code"], "request_incomplete");
    assert_eq!(last["aimsgate.phase"], "request");
    // Nothing was forwarded: not an allow.
    assert_eq!(last["aimsgate.outcome"], "block");

    // A compressed stream reset before its first chunk is still a
    // response on record.
    let ctx = plugin.create_http_context().unwrap();
    let req = request("api.openai.com", "/v1/chat/completions", &chat("hi"), 1);
    plugin.on_request_headers(ctx, &req.headers, false).unwrap();
    plugin.on_request_body(ctx, &chat("hi"), true).unwrap();
    let head = [
        (":status".to_owned(), "200".to_owned()),
        ("content-type".to_owned(), "text/event-stream".to_owned()),
        ("content-encoding".to_owned(), "gzip".to_owned()),
    ];
    plugin.on_response_headers(ctx, &head, false).unwrap();
    plugin.on_log(ctx).unwrap();
    let lines = audit_lines(&plugin.take_logs());
    let (requests, responses) = decisions_by_phase(&lines);
    assert_eq!((requests, responses), (1, 1), "{lines:#?}");
    let last = events(&lines).pop().unwrap();
    assert_eq!(last["aimsgate.code"], "stream_encoding");
    assert_eq!(last["aimsgate.outcome"], "block");
}

#[test]
fn events_name_rules_controls_and_offsets_but_never_the_matched_text() {
    const KEY: &str = "k-9f2c61d0-audit-key";
    let canaries = [
        "4111 1111 1111 1111",
        "canary.person@example.com",
        "ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNbVc",
        "AKIAIOSFODNN7EXAMPLE",
    ];
    let options = HostOptions {
        environment: vec![("AIMSGATE_AUDIT_KEY".into(), KEY.into())],
        ..HostOptions::default()
    };
    let config = configured(json!({"audit": {"hit_key_env": "AIMSGATE_AUDIT_KEY"}}));
    let mut plugin = start(config, options);
    assert!(plugin.configured(), "{:?}", plugin.logs());
    let prompt = format!("card {} mail {}", canaries[0], canaries[1]);
    let run = openai(
        &mut plugin,
        &chat(&prompt),
        2,
        completion(&format!("your mail is {}", canaries[1])),
    );
    assert_eq!(outcome(&run.request), "redact");
    let streamed = sse(
        &[
            chunk_event("use ghp_Zx9Qw8Er7Ty6Ui5"),
            chunk_event("Op4As3Df2Gh1Jk0LmNbVc now"),
        ],
        &[20],
    );
    openai(&mut plugin, &chat("hi"), 1, streamed);
    openai(
        &mut plugin,
        &chat(&format!("deploy {}", canaries[3])),
        1,
        completion("never"),
    );
    let logs = plugin.logs();
    for record in logs {
        for canary in canaries {
            assert!(
                !record.message.contains(canary) && !record.message.contains(&canary[..8]),
                "a log line holds matched text: {}",
                record.message
            );
        }
        assert!(!record.message.contains(KEY), "the key leaked");
    }
    let lines = audit_lines(logs);
    let request = events(&lines)
        .into_iter()
        .find(|e| e["aimsgate.outcome"] == "redact" && e["aimsgate.phase"] == "request")
        .expect("the redacted request's event");
    let hits = request["aimsgate.hits"].as_array().expect("hits");
    let card = hits
        .iter()
        .find(|h| h["detector"] == "payment-card")
        .expect("the card hit");
    let at = prompt.find(canaries[0]).unwrap();
    assert_eq!(card["start"], at);
    assert_eq!(card["end"], at + canaries[0].len());
    assert_eq!(card["role"], "user");
    assert_eq!(
        card["text_hmac"],
        audit::fingerprint(KEY.as_bytes(), canaries[0].as_bytes())
    );
    assert!(!card["controls"].as_array().unwrap().is_empty());
    assert!(!request["aimsgate.rules"].as_array().unwrap().is_empty());
    assert_eq!(request["gen_ai.request.model"], "gpt-4o");
    assert_eq!(request["gen_ai.provider.name"], "openai");
    assert_eq!(request["user.id"], "u-1");
    assert_eq!(request["aimsgate.caller.group"], "customer-support");
    assert!(request["gen_ai.usage.input_tokens"].as_u64().unwrap() > 0);
}

/// A few exchanges, 1.5 s apart, so checkpoints are written.
fn traffic(plugin: &mut Plugin, exchanges: usize) {
    paced_traffic(plugin, exchanges, 1_500);
}

fn checked(lines: &[String], at: Option<u64>) -> verify::Verification {
    let events = evidence::read_str(&lines.join("\n"));
    verify::verify(
        &events,
        verify::Options {
            at,
            ..verify::Options::default()
        },
    )
}

fn with_checkpoints(seed: u64, shared: &SharedData) -> Plugin {
    let options = HostOptions {
        random_seed: seed,
        shared_data: shared.clone(),
        ..HostOptions::default()
    };
    let config = configured(json!({"audit": {"checkpoint_interval_ms": 2000}}));
    let plugin = start(config, options);
    assert!(plugin.configured(), "{:?}", plugin.logs());
    plugin
}

#[test]
fn verify_catches_removed_altered_reordered_and_cut_off_events() {
    let mut plugin = with_checkpoints(1, &SharedData::new());
    traffic(&mut plugin, 6);
    plugin.shutdown().unwrap();
    let lines = audit_lines(plugin.logs());
    let all = events(&lines);
    assert_eq!(all[0]["event.name"], audit::names::CHAIN_START);
    assert_eq!(all.last().unwrap()["event.name"], audit::names::CHAIN_END);
    assert!(
        all.iter()
            .any(|e| e["event.name"] == audit::names::CHECKPOINT)
    );
    let intact = checked(&lines, None);
    assert!(intact.ok(), "{}", verify::to_text(&intact));
    assert_eq!(intact.events, lines.len());

    // One removed.
    let mut removed = lines.clone();
    removed.remove(4);
    let found = checked(&removed, None).findings;
    assert!(
        matches!(
            &found[..],
            [verify::Finding::Missing {
                first: 4,
                last: 4,
                declared_dropped: false,
                ..
            }]
        ),
        "{found:?}"
    );

    // One altered (a block turned into an allow).
    let mut altered = lines.clone();
    let victim = altered
        .iter()
        .position(|l| l.contains("\"aimsgate.outcome\":\"redact\""))
        .unwrap();
    altered[victim] = altered[victim].replace("\"redact\"", "\"allow\"");
    let found = checked(&altered, None).findings;
    assert!(
        found
            .iter()
            .any(|f| matches!(f, verify::Finding::Altered { seq, .. } if *seq == victim as u64)),
        "{found:?}"
    );

    // One altered with its own digest recomputed: the next event's link breaks.
    let mut resealed = lines.clone();
    let mut event: audit::AuditEvent = serde_json::from_str(&resealed[victim]).unwrap();
    event.outcome = Some("allow".into());
    let prev = event.prev.clone();
    let mut forger = audit::Chain::new(event.chain_id.clone());
    // Rebuild the chain state up to the victim so the forgery is self-consistent.
    for line in &lines[..victim] {
        forger.seal(serde_json::from_str(line).unwrap());
    }
    assert_eq!(forger.head(), prev);
    resealed[victim] = forger.seal(event).line;
    assert!(audit::open(&resealed[victim]).unwrap().intact);
    let found = checked(&resealed, None).findings;
    assert!(
        found.iter().any(
            |f| matches!(f, verify::Finding::Altered { seq, .. } if *seq == victim as u64 + 1)
        ),
        "{found:?}"
    );

    // One reordered.
    let mut reordered = lines.clone();
    reordered.swap(3, 5);
    let found = checked(&reordered, None).findings;
    assert!(
        found
            .iter()
            .any(|f| matches!(f, verify::Finding::Reordered { .. })),
        "{found:?}"
    );

    // A cut-off tail: nothing after event 8, and the log was collected a
    // minute after the last event (the chain checkpoints every 2 s).
    let cut = &lines[..8];
    let last_time = all.last().unwrap()["time_unix_nano"].as_u64().unwrap();
    let found = checked(cut, Some(last_time + 60_000_000_000)).findings;
    assert!(
        found.iter().any(|f| matches!(
            f,
            verify::Finding::CutOff {
                last_present: 7,
                ..
            }
        )),
        "{found:?}"
    );
}

#[test]
fn chains_of_other_workers_witness_a_cut_off_or_lost_chain() {
    let shared = SharedData::new();
    let mut a = with_checkpoints(11, &shared);
    let mut b = with_checkpoints(22, &shared);
    traffic(&mut a, 4);
    traffic(&mut b, 4);
    traffic(&mut a, 2);
    traffic(&mut b, 4);
    // Both workers' clocks end together (each VM ticks on its own).
    a.advance((b.now_ns() - a.now_ns()) / 1_000_000);
    let (a_lines, b_lines) = (audit_lines(a.logs()), audit_lines(b.logs()));
    let chain_a = events(&a_lines)[0]["aimsgate.chain.id"].clone();
    assert_ne!(chain_a, events(&b_lines)[0]["aimsgate.chain.id"]);
    let mut log: Vec<String> = a_lines.iter().chain(&b_lines).cloned().collect();
    let intact = checked(&log, None);
    assert!(intact.ok(), "{}", verify::to_text(&intact));
    assert_eq!(intact.chains.len(), 2);

    // A's tail is gone from the checkpoint B witnessed on.
    let witnessed = events(&b_lines)
        .iter()
        .flat_map(|e| {
            e["aimsgate.checkpoint"]["witnessed"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|w| w["chain"] == chain_a)
        .filter_map(|w| w["seq"].as_u64())
        .max()
        .expect("B witnessed A");
    let keep = usize::try_from(witnessed).unwrap();
    log = a_lines[..keep].iter().chain(&b_lines).cloned().collect();
    let found = checked(&log, None).findings;
    assert!(
        found
            .iter()
            .any(|f| matches!(f, verify::Finding::CutOff { chain, .. } if *chain == chain_a)),
        "{found:?}"
    );

    // All of A is gone: B still names it.
    let found = checked(&b_lines, None).findings;
    assert!(
        found
            .iter()
            .any(|f| matches!(f, verify::Finding::Lost { chain, .. } if *chain == chain_a)),
        "{found:?}"
    );
}

/// A collector whose availability the test switches, recording every
/// batch it accepts.
#[derive(Clone, Default)]
struct Collector {
    up: Rc<Cell<bool>>,
    received: Rc<RefCell<Vec<String>>>,
}

impl Collector {
    fn attach(&self, plugin: &mut Plugin) {
        let collector = self.clone();
        plugin.set_http_call_handler(Box::new(move |call| {
            assert_eq!(call.cluster, "otel");
            assert_eq!(call.header(":path"), Some("/v1/logs"));
            assert_eq!(call.header("content-type"), Some("application/json"));
            if !collector.up.get() {
                return None;
            }
            let body = String::from_utf8(call.body.clone()).expect("UTF-8 body");
            collector.received.borrow_mut().push(body);
            Some(HttpCallResponse::new(200, b"{}".to_vec()))
        }));
    }

    /// Every event delivered, in order, as the verifier reads an OTLP export.
    fn events(&self) -> Vec<String> {
        let export = self.received.borrow().join("\n");
        evidence::read_str(&export)
            .records
            .iter()
            .map(|r| r.event.digest.clone().unwrap_or_default())
            .collect()
    }
}

fn with_collector(collector: Value) -> (Plugin, Collector) {
    let options = HostOptions {
        clusters: vec!["otel".into()],
        ..HostOptions::default()
    };
    let config =
        configured(json!({"audit": {"collector": collector, "checkpoint_interval_ms": 3000}}));
    let mut plugin = start(config, options);
    assert!(plugin.configured(), "{:?}", plugin.logs());
    let sink = Collector::default();
    sink.attach(&mut plugin);
    (plugin, sink)
}

fn digests(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| audit::open(l).unwrap().claimed.to_owned())
        .collect()
}

#[test]
fn a_collector_down_for_a_while_then_up_gets_every_event_once_in_order() {
    let (mut plugin, collector) = with_collector(json!({"cluster": "otel", "batch_max_events": 4}));
    collector.up.set(false);
    traffic(&mut plugin, 6);
    plugin.advance(5_000);
    let failures = plugin
        .metric("aimsgate.audit.delivery_failures")
        .unwrap_or(0);
    assert!(failures >= 3, "{failures} failed deliveries");
    assert!(collector.received.borrow().is_empty());
    assert!(
        plugin
            .logs()
            .iter()
            .any(|l| l.message.contains("audit delivery to `otel` failed"))
    );
    collector.up.set(true);
    plugin.advance(60_000);
    let logged = digests(&audit_lines(plugin.logs()));
    assert_eq!(
        collector.events(),
        logged,
        "every event once, in chain order"
    );
    assert_eq!(
        plugin.metric("aimsgate.audit.delivered"),
        Some(logged.len() as i64)
    );
    let export = collector.received.borrow().join("\n");
    let verdict = verify::verify(&evidence::read_str(&export), verify::Options::default());
    assert!(verdict.ok(), "{}", verify::to_text(&verdict));
    assert!(
        plugin
            .logs()
            .iter()
            .any(|l| l.message.contains("reachable again"))
    );
}

#[test]
fn overflow_is_counted_logged_and_declared_never_silent() {
    let (mut plugin, collector) = with_collector(json!({
        "cluster": "otel", "batch_max_events": 50, "buffer_max_events": 5
    }));
    collector.up.set(false);
    traffic(&mut plugin, 6);
    let logged = audit_lines(plugin.logs()).len() as i64;
    let dropped = plugin.metric("aimsgate.audit.dropped").unwrap_or(0);
    assert!(dropped > 0);
    assert!(
        plugin
            .logs()
            .iter()
            .any(|l| l.message.contains("audit buffer full"))
    );
    collector.up.set(true);
    plugin.advance(60_000);
    // The first tick after recovery checkpoints into a still-full buffer.
    let dropped = plugin.metric("aimsgate.audit.dropped").unwrap_or(0);
    let delivered = collector.events().len() as i64;
    let logged_now = audit_lines(plugin.logs()).len() as i64;
    assert_eq!(
        delivered + dropped,
        logged_now,
        "delivered + dropped = written"
    );
    assert!(logged_now >= logged);
    // The verifier, reading only what the collector got, names the drops
    // as declared by the filter, and nothing else as missing.
    let export = collector.received.borrow().join("\n");
    let verdict = verify::verify(&evidence::read_str(&export), verify::Options::default());
    let missing: Vec<_> = verdict
        .findings
        .iter()
        .filter_map(|f| match f {
            verify::Finding::Missing {
                first,
                last,
                declared_dropped,
                ..
            } => Some((*first, *last, *declared_dropped)),
            _ => None,
        })
        .collect();
    assert!(!missing.is_empty(), "{}", verify::to_text(&verdict));
    assert!(
        missing.iter().all(|(_, _, declared)| *declared),
        "{}",
        verify::to_text(&verdict)
    );
    let counted: u64 = missing.iter().map(|(a, b, _)| b - a + 1).sum();
    assert_eq!(counted as i64, dropped);
}

/// Event logging (A.6.2.8): checkpoints carry the requests the filter
/// counted, apart from the events, and the evidence report holds the log
/// against them: every request has its event, or passed unrecorded as the
/// policy says for hosts no route names.
#[test]
fn checkpoints_count_requests_and_the_report_holds_the_log_against_them() {
    let text = std::fs::read_to_string(root().join("examples/policies/baseline/policy.yaml"))
        .unwrap()
        .replace("unknown_hosts: refuse", "unknown_hosts: pass");
    let (compiled, report) = aimsgate_compiler::policy::check("baseline", &text);
    let compiled = compiled.unwrap_or_else(|| panic!("{}", report.render_plain()));
    let ruleset: Value = serde_json::from_str(&compiled.ruleset.to_json()).unwrap();
    let config =
        json!({"ruleset": ruleset, "options": {"audit": {"checkpoint_interval_ms": 2000}}});
    let mut plugin = start(config.to_string().into_bytes(), HostOptions::default());
    assert!(plugin.configured(), "{:?}", plugin.logs());
    traffic(&mut plugin, 5);
    // A host no route names, passed untouched with no event.
    let run = exchange(&mut plugin, get("example.org", "/"), completion("hi"));
    assert_eq!(run.outcome.status, 200);
    plugin.advance(3_000);
    let lines = audit_lines(plugin.logs());
    let checkpoint = events(&lines)
        .into_iter()
        .rfind(|e| e["event.name"] == audit::names::CHECKPOINT)
        .expect("a checkpoint");
    assert_eq!(checkpoint["aimsgate.checkpoint"]["requests"], 6);
    assert_eq!(checkpoint["aimsgate.checkpoint"]["unrecorded"], 1);
    let report = evidence::report::build(
        &evidence::read_str(&lines.join("\n")),
        &compiled,
        &evidence::report::Period::default(),
    );
    let logging = report.logging.expect("counts");
    assert_eq!(
        (
            logging.requests,
            logging.unrecorded,
            logging.request_events,
            logging.unaccounted
        ),
        (6, 1, 5, 0)
    );
    // A request event removed from the log: one unaccounted.
    let without: Vec<String> = lines
        .iter()
        .filter(|l| {
            let e: Value = serde_json::from_str(l).unwrap();
            !(e["aimsgate.phase"] == "request" && e["aimsgate.chain.seq"] == 1)
        })
        .cloned()
        .collect();
    assert_eq!(without.len() + 1, lines.len());
    let report = evidence::report::build(
        &evidence::read_str(&without.join("\n")),
        &compiled,
        &evidence::report::Period::default(),
    );
    assert_eq!(report.logging.expect("counts").unaccounted, 1);
}
