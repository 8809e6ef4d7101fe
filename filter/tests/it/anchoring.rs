//! Signed checkpoints and anchored chains from the built filter.wasm, with
//! a real timestamp authority (`openssl ts` behind a test responder): an
//! intact log verifies under the checkpoint key and the TSA certificate,
//! and each way of rewriting it that the hash chain alone lets through —
//! re-sealed after an edit, a forged append, a fake chain, a dropped tail,
//! a log written later than it claims — is a finding.

use std::rc::Rc;

use crate::common::*;
use aimsgate_compiler::evidence::{self, timestamp::TsaCertificate, verify};
use aimsgate_engine::audit::{AuditEvent, Chain, names};
use aimsgate_engine::ruleset::RuleSet;
use aimsgate_engine::signing::{Signer25519, TrustedKeys};
use aimsgate_host::replay::audit_lines;
use aimsgate_host::tsa::TestTsa;
use aimsgate_host::{Flavor, HostOptions, HttpCallResponse, Plugin, SharedData};
use serde_json::{Value, json};

const KEY_ENV: &str = "AIMSGATE_CHECKPOINT_KEY";

fn checkpoint_key() -> Signer25519 {
    Signer25519::from_seed([42; 32])
}

/// A worker of one proxy: checkpoints every second, anchors every two,
/// the TSA behind cluster `tsa`.
fn worker(
    seed: u64,
    shared: &SharedData,
    tsa: &Rc<TestTsa>,
    flavor: Flavor,
    start_ms: Option<u64>,
) -> Plugin {
    let ruleset = RuleSet::from_bytes(&baseline()).expect("baseline loads");
    let ruleset: Value = serde_json::from_str(&ruleset.to_json()).expect("JSON rule set");
    let options = json!({
        "host_header": if flavor == Flavor::NgxWasm { "host" } else { ":authority" },
        "audit": {
            "checkpoint_interval_ms": 1000,
            "signing_key_env": KEY_ENV,
            "anchor": {"cluster": "tsa", "interval_ms": 2000, "timeout_ms": 1000},
        },
    });
    let mut host = HostOptions {
        flavor,
        random_seed: seed,
        shared_data: shared.clone(),
        clusters: vec!["tsa".into()],
        environment: vec![(KEY_ENV.to_owned(), checkpoint_key().secret_text())],
        ngx_response_buffers: 4 << 20,
        ngx_client_body_buffer_size: 1 << 20,
        ..HostOptions::default()
    };
    if let Some(start_ms) = start_ms {
        host.start_time_ms = start_ms;
    }
    let config = json!({"ruleset": ruleset, "options": options});
    let mut plugin = start(config.to_string().into_bytes(), host);
    assert!(plugin.configured(), "{:?}", plugin.logs());
    let tsa = Rc::clone(tsa);
    plugin.set_http_call_handler(Box::new(move |call| {
        assert_eq!(call.cluster, "tsa");
        assert_eq!(
            call.header("content-type"),
            Some("application/timestamp-query")
        );
        let (status, body) = tsa.post(&call.body).expect("the TSA answers");
        Some(HttpCallResponse::new(status, body))
    }));
    plugin
}

/// A few exchanges, 0.7 s apart: checkpoints every second, anchors every
/// two.
fn traffic(plugin: &mut Plugin, exchanges: usize) {
    paced_traffic(plugin, exchanges, 700);
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn checked(lines: &[String], tsa: &TestTsa, at: u64) -> verify::Verification {
    let cert = TsaCertificate::read(&std::fs::read(tsa.certificate()).unwrap()).unwrap();
    let options = verify::Options {
        at: Some(at),
        keys: Some(TrustedKeys::parse(&checkpoint_key().public_text()).unwrap()),
        tsa: Some(cert),
        max_anchor_delay: None,
    };
    verify::verify(&evidence::read_str(&lines.join("\n")), options)
}

fn parse(line: &str) -> AuditEvent {
    serde_json::from_str(line).expect("an event")
}

/// The newest event time in `lines`, plus `ms`.
fn after(lines: &[String], ms: u64) -> u64 {
    lines.iter().map(|l| parse(l).time_unix_nano).max().unwrap() + ms * 1_000_000
}

/// `lines` of one chain sealed again from `from` on, by someone without
/// the checkpoint key, after `edit` changed the events.
fn resealed(lines: &[String], edit: impl Fn(&mut AuditEvent)) -> Vec<String> {
    let events: Vec<AuditEvent> = lines.iter().map(|l| parse(l)).collect();
    let mut chain = Chain::new(events[0].chain_id.clone());
    events
        .into_iter()
        .map(|mut event| {
            edit(&mut event);
            chain.seal(event).line
        })
        .collect()
}

fn kinds(found: &[verify::Finding]) -> Vec<String> {
    found
        .iter()
        .map(|f| {
            verify::finding_line(f)
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn an_anchored_signed_log_verifies_and_each_rewrite_of_it_is_found() {
    let Some(tsa) = TestTsa::for_test() else {
        return;
    };
    let tsa = Rc::new(tsa);
    let shared = SharedData::new();
    let mut a = worker(11, &shared, &tsa, Flavor::Envoy, None);
    let mut b = worker(22, &shared, &tsa, Flavor::Envoy, None);
    for _ in 0..3 {
        traffic(&mut a, 4);
        traffic(&mut b, 4);
    }
    a.advance((b.now_ns() - a.now_ns()) / 1_000_000);
    // Both chains end, with a signed end event.
    a.shutdown().unwrap();
    b.shutdown().unwrap();
    let (a_lines, b_lines) = (audit_lines(a.logs()), audit_lines(b.logs()));
    let log: Vec<String> = a_lines.iter().chain(&b_lines).cloned().collect();

    // One worker per interval asked the TSA, not both.
    let calls = a.http_calls().len() + b.http_calls().len();
    let slots = (a.now_ns() - parse(&a_lines[0]).time_unix_nano) / 2_000_000_000 + 1;
    assert!(
        calls >= 3 && calls as u64 <= slots + 1,
        "{calls} calls in {slots} intervals"
    );
    assert_eq!(a.metric("aimsgate.audit.anchor_failures").unwrap_or(0), 0);

    // Intact: every signature and token checks; the recent tail is pending.
    let at = after(&log, 0);
    let intact = checked(&log, &tsa, at);
    assert!(intact.ok(), "{}", verify::to_text(&intact));
    assert!(intact.anchors.unwrap() >= 3, "{}", verify::to_text(&intact));
    assert!(intact.signed.unwrap() >= 10, "{}", verify::to_text(&intact));
    // Later, the chains' tails after their last anchors could never be
    // anchored (the chains ended): not proven, not a finding.
    let later = checked(&log, &tsa, after(&log, 120_000));
    assert!(later.ok(), "{}", verify::to_text(&later));
    assert!(later.pending > 0);
    // Without their signed ends (cut), the same tails are due and missing.
    let cut: Vec<String> = log
        .iter()
        .filter(|l| parse(l).name != names::CHAIN_END)
        .cloned()
        .collect();
    let late = checked(&cut, &tsa, after(&cut, 120_000));
    assert!(
        kinds(&late.findings)
            .iter()
            .any(|k| k == "UNANCHORED chain"),
        "{late:?}"
    );

    // Re-sealed after flipping a refusal to an allow: the chain's hashes
    // hold, the signatures and the anchored heads do not.
    let flipped = resealed(&a_lines, |event| {
        if event.outcome.as_deref() == Some("redact") {
            event.outcome = Some("allow".to_owned());
            event.rules.clear();
        }
        event.signature = None;
    });
    assert_ne!(flipped, a_lines);
    let log: Vec<String> = flipped.iter().chain(&b_lines).cloned().collect();
    let found = kinds(&checked(&log, &tsa, at).findings);
    assert!(found.iter().any(|k| k == "BAD SIGNATURE"), "{found:?}");
    assert!(found.iter().any(|k| k == "ALTERED chain"), "{found:?}");

    // A forged event appended to A, dated among the others.
    let mut forged = a_lines.clone();
    let mut chain = Chain::new(parse(&a_lines[0]).chain_id);
    let mut events: Vec<AuditEvent> = a_lines.iter().map(|l| parse(l)).collect();
    for event in &events {
        // Re-deriving the head needs nothing secret.
        let _ = chain.seal(event.clone());
    }
    let mut fake = events.remove(3);
    fake.outcome = Some("allow".to_owned());
    let fake = chain.seal(fake);
    forged.push(fake.line);
    let log: Vec<String> = forged.iter().chain(&b_lines).cloned().collect();
    let found = checked(&log, &tsa, after(&log, 120_000)).findings;
    assert!(
        found.iter().any(|f| matches!(f, verify::Finding::Unsigned { first, last, .. } if (*first..=*last).contains(&fake.seq))),
        "{found:?}"
    );

    // A whole fake chain, signed with a key of the forger's own.
    let mut fake_chain = Chain::new("f0f0f0f0f0f0f0f0");
    let forger = Signer25519::from_seed([7; 32]);
    let fake: Vec<String> = a_lines
        .iter()
        .map(|l| {
            let event = parse(l);
            let own = event.name != names::DECISION;
            fake_chain.seal_signed(event, own.then_some(&forger)).line
        })
        .collect();
    let log: Vec<String> = a_lines
        .iter()
        .chain(&b_lines)
        .chain(&fake)
        .cloned()
        .collect();
    let found = checked(&log, &tsa, at).findings;
    assert!(
        found.iter().any(|f| matches!(f, verify::Finding::BadSignature { chain, .. } if chain == "f0f0f0f0f0f0f0f0")),
        "{found:?}"
    );

    // A's tail dropped: B's anchors and witnesses still name it.
    let keep = a_lines.len() - 6;
    let log: Vec<String> = a_lines[..keep].iter().chain(&b_lines).cloned().collect();
    let found = kinds(&checked(&log, &tsa, at).findings);
    assert!(found.iter().any(|k| k == "CUT OFF"), "{found:?}");

    // A token taken from one checkpoint into another's anchor (the chain
    // re-sealed around it): it stamps other heads.
    let (anchoring, other) = if count_anchors(&a_lines) >= 2 {
        (&a_lines, &b_lines)
    } else {
        (&b_lines, &a_lines)
    };
    let mut swapped: Vec<Value> = anchoring
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let with_anchor: Vec<usize> = (0..swapped.len())
        .filter(|i| swapped[*i]["aimsgate.checkpoint"]["anchor"].is_object())
        .collect();
    assert!(with_anchor.len() >= 2, "{with_anchor:?}");
    let token = swapped[with_anchor[0]]["aimsgate.checkpoint"]["anchor"]["token"].clone();
    swapped[with_anchor[1]]["aimsgate.checkpoint"]["anchor"]["token"] = token;
    let events: Vec<AuditEvent> = swapped
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    let mut chain = Chain::new(events[0].chain_id.clone());
    let lines: Vec<String> = events.into_iter().map(|e| chain.seal(e).line).collect();
    let log: Vec<String> = lines.iter().chain(other).cloned().collect();
    let found = kinds(&checked(&log, &tsa, at).findings);
    assert!(found.iter().any(|k| k == "BAD ANCHOR"), "{found:?}");
}

fn count_anchors(lines: &[String]) -> usize {
    lines
        .iter()
        .filter(|l| parse(l).checkpoint.is_some_and(|c| c.anchor.is_some()))
        .count()
}

#[test]
fn a_log_written_later_than_it_claims_is_not_anchored_in_time() {
    let Some(tsa) = TestTsa::for_test() else {
        return;
    };
    let tsa = Rc::new(tsa);
    // The proxy's clock says ten minutes ago; the TSA's says now.
    let mut plugin = worker(
        5,
        &SharedData::new(),
        &tsa,
        Flavor::Envoy,
        Some(now_ms() - 600_000),
    );
    traffic(&mut plugin, 8);
    let lines = audit_lines(plugin.logs());
    let verdict = checked(&lines, &tsa, now_ms() * 1_000_000);
    assert!(
        verdict.anchors.unwrap() >= 1,
        "{}",
        verify::to_text(&verdict)
    );
    let late: Vec<&verify::Finding> = verdict
        .findings
        .iter()
        .filter(|f| matches!(f, verify::Finding::Unanchored { why, .. } if why.contains("later than they claim")))
        .collect();
    assert!(!late.is_empty(), "{}", verify::to_text(&verdict));
}

#[test]
fn each_nginx_worker_anchors_alone_without_shared_data() {
    let Some(tsa) = TestTsa::for_test() else {
        return;
    };
    let tsa = Rc::new(tsa);
    // ngx_wasm_module without an shm_kv zone: no shared data, no election.
    let mut plugin = worker(9, &SharedData::new(), &tsa, Flavor::NgxWasm, None);
    traffic(&mut plugin, 8);
    assert_eq!(plugin.trap(), None);
    let lines = audit_lines(plugin.logs());
    let verdict = checked(&lines, &tsa, after(&lines, 0));
    assert!(verdict.ok(), "{}", verify::to_text(&verdict));
    assert!(
        verdict.anchors.unwrap() >= 2,
        "{}",
        verify::to_text(&verdict)
    );
}

#[test]
fn a_missing_checkpoint_key_refuses_the_configuration() {
    let Some(tsa) = TestTsa::for_test() else {
        return;
    };
    let tsa = Rc::new(tsa);
    let ruleset = RuleSet::from_bytes(&baseline()).unwrap();
    let ruleset: Value = serde_json::from_str(&ruleset.to_json()).unwrap();
    let config = json!({"ruleset": ruleset, "options": {"audit": {"signing_key_env": KEY_ENV}}});
    let plugin = start(config.to_string().into_bytes(), HostOptions::default());
    assert!(!plugin.configured());
    let said = plugin
        .logs()
        .iter()
        .map(|l| l.message.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(said.contains("signing_key_env"), "{said}");
    drop(tsa);
}

/// A slot left in shared data by another interval setting (or far ahead,
/// after a clock step) does not stop anchoring for good: it is stale.
#[test]
fn a_stale_anchor_slot_in_shared_data_does_not_stop_anchoring() {
    let Some(tsa) = TestTsa::for_test() else {
        return;
    };
    let tsa = Rc::new(tsa);
    for stale in ["60000:99999999999", "99999999999", "2000:99999999999"] {
        let shared = SharedData::new();
        shared.insert("aimsgate", "aimsgate/audit/anchor-slot", stale);
        let mut plugin = worker(3, &shared, &tsa, Flavor::Envoy, None);
        traffic(&mut plugin, 8);
        assert!(
            !plugin.http_calls().is_empty(),
            "{stale}: no anchor was asked for"
        );
        assert!(
            plugin.metric("aimsgate.audit.anchors").unwrap_or(0) >= 1,
            "{stale}"
        );
    }
}
