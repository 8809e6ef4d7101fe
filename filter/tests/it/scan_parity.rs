//! `aimsgate scan` decides every recording as filter.wasm does: per phase
//! the same outcome, the same rules, the same runtime code and the same
//! hits. Both drive the engine's exchange flow — scan natively, the filter
//! from proxy callbacks in the harness — so a second walk of an exchange
//! cannot creep back in unnoticed.
//!
//! Besides examples/traffic, `filter/tests/recordings/` holds the cases
//! where a walk of its own once differed: a provider error (inspected as
//! generic JSON, its address masked), a gzip-encoded response (decoded, then redacted) and a
//! WebSocket upgrade (refused before any body).

use std::collections::BTreeSet;
use std::path::PathBuf;

use aimsgate_compiler::scan::{self, PhaseRecord};
use aimsgate_engine::Engine;
use aimsgate_engine::recording::Recording;
use aimsgate_host::replay::{self, LoggedDecision};
use serde_json::Value;

use crate::common::{baseline, ngx_plugin, plugin, root};

/// (file name, recording) for every recording, in name order.
fn recordings() -> Vec<(String, Recording)> {
    let mut files: Vec<PathBuf> = ["examples/traffic", "filter/tests/recordings"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root().join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|file| {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let recording = Recording::from_json(&std::fs::read(file).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, recording)
        })
        .collect()
}

/// One phase, reduced to what both sides must agree on.
#[derive(Debug, PartialEq)]
struct Phase {
    outcome: String,
    rules: Vec<String>,
    code: Option<String>,
    /// (detector, role, message, start, end) of every hit.
    hits: BTreeSet<(String, String, u64, u64, u64)>,
}

fn of_filter(logged: &LoggedDecision) -> Phase {
    let hits = logged.line["aimsgate.hits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            let text = |k: &str| h[k].as_str().unwrap_or_default().to_owned();
            let number = |k: &str| h[k].as_u64().unwrap_or(u64::MAX);
            (
                text("detector"),
                text("role"),
                number("message_index"),
                number("start"),
                number("end"),
            )
        })
        .collect();
    Phase {
        outcome: logged.outcome.clone(),
        rules: logged.rules.clone(),
        code: logged.code.clone(),
        hits,
    }
}

fn of_scan(engine: &Engine, record: &PhaseRecord) -> Phase {
    let ruleset = engine.ruleset();
    let decision = &record.decision;
    let hits = decision
        .hits
        .iter()
        .map(|h| {
            (
                ruleset.detectors[h.detector as usize].id.clone(),
                h.role.name().to_owned(),
                u64::from(h.message_index),
                h.span.start as u64,
                h.span.end as u64,
            )
        })
        .collect();
    Phase {
        outcome: decision.outcome.name().to_owned(),
        rules: decision
            .fired
            .iter()
            .map(|f| ruleset.rules[f.rule as usize].id.clone())
            .collect(),
        code: record.event.code.clone(),
        hits,
    }
}

#[test]
fn scan_decides_every_recording_as_the_filter_does() {
    let rules = baseline();
    let engine = Engine::from_bytes(&rules).expect("the baseline loads");
    let mut filter = plugin(rules);
    let recordings = recordings();
    assert!(recordings.len() >= 31, "{} recordings", recordings.len());
    let mut compared = 0;
    for (name, recording) in &recordings {
        // The request body in 64-byte pieces, the response as recorded.
        let replayed = replay::replay(&mut filter, recording, name, 64);
        let scanned = scan::decide_exchange(&engine, recording);
        let request = (
            replayed.request.as_ref().map(of_filter),
            scanned.request.as_ref().map(|r| of_scan(&engine, r)),
        );
        assert_eq!(request.0, request.1, "{name}: request phase (filter, scan)");
        // Without a recorded response the harness answers a bare `{}`;
        // scan decides only what was recorded.
        if recording.response.is_some() {
            let response = (
                replayed.response.as_ref().map(of_filter),
                scanned.response.as_ref().map(|r| of_scan(&engine, r)),
            );
            assert_eq!(
                response.0, response.1,
                "{name}: response phase (filter, scan)"
            );
        }
        compared += 1;
    }
    assert_eq!(compared, recordings.len());
}

/// Every recording decides the same on ngx_wasm_module as on Envoy, per
/// phase: outcome, rules, code and hits.
#[test]
fn every_recording_decides_the_same_on_both_hosts() {
    let rules = baseline();
    let (mut envoy, mut ngx) = (plugin(rules.clone()), ngx_plugin(&rules));
    for (name, recording) in &recordings() {
        let on_envoy = replay::replay(&mut envoy, recording, name, 64);
        let on_ngx = replay::replay(&mut ngx, recording, name, 64);
        assert_eq!(
            on_envoy.request.as_ref().map(of_filter),
            on_ngx.request.as_ref().map(of_filter),
            "{name}: request phase (Envoy, ngx_wasm_module)"
        );
        assert_eq!(
            on_envoy.response.as_ref().map(of_filter),
            on_ngx.response.as_ref().map(of_filter),
            "{name}: response phase (Envoy, ngx_wasm_module)"
        );
    }
}

#[test]
fn the_recordings_that_once_differed_decide_as_documented() {
    let rules = baseline();
    let engine = Engine::from_bytes(&rules).expect("the baseline loads");
    /// (file, request outcome, request code, response outcome, response code)
    type Expected<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, Option<&'a str>);
    let expect: &[Expected] = &[
        ("gzip-response-redacted.json", "allow", None, "redact", None),
        ("provider-error-passed.json", "allow", None, "redact", None),
        (
            "websocket-upgrade-refused.json",
            "block",
            Some("upgrade_refused"),
            "-",
            None,
        ),
    ];
    for (file, request, request_code, response, response_code) in expect {
        let text = std::fs::read(root().join("filter/tests/recordings").join(file)).unwrap();
        let recording = Recording::from_json(&text).unwrap();
        let out: Value = scan::scan_exchange(&engine, &recording);
        assert_eq!(out["request"]["decision"], *request, "{file}: {out:#}");
        assert_eq!(out["request"]["code"].as_str(), *request_code, "{file}");
        assert_eq!(
            out["response"]["decision"].as_str().unwrap_or("-"),
            *response,
            "{file}: {out:#}"
        );
        assert_eq!(out["response"]["code"].as_str(), *response_code, "{file}");
        assert!(
            !out.to_string().contains("priya.sharma@"),
            "{file}: no matched text in a decision"
        );
    }
    // The decoded, redacted completion is what the client gets.
    let text =
        std::fs::read(root().join("filter/tests/recordings/gzip-response-redacted.json")).unwrap();
    let decided = scan::decide_exchange(&engine, &Recording::from_json(&text).unwrap());
    let body = String::from_utf8(decided.response_body.expect("rewritten")).unwrap();
    assert!(body.contains("[REDACTED:email]"), "{body}");
}

/// A response event that says a rule added a header tells the truth: the
/// client got that header, on both hosts. (A response rule whose header
/// would depend on the body is recorded as not applied: no proxy can still
/// send a header once the body has been read.)
#[test]
fn every_header_a_response_event_claims_reaches_the_client() {
    use aimsgate_engine::ruleset::Action;
    let rules = baseline();
    let engine = Engine::from_bytes(&rules).expect("the baseline loads");
    let (mut envoy, mut ngx) = (plugin(rules.clone()), ngx_plugin(&rules));
    let mut checked = 0;
    for (name, recording) in &recordings() {
        for (host, filter) in [("Envoy", &mut envoy), ("ngx_wasm_module", &mut ngx)] {
            let replayed = replay::replay(filter, recording, name, 64);
            let Some(response) = &replayed.response else {
                continue;
            };
            let fired = response.line["aimsgate.rules"].as_array().cloned();
            for fired in fired.into_iter().flatten() {
                if fired["applied"] != true {
                    continue;
                }
                let Some(rule) = engine.ruleset().rules.iter().find(|r| r.id == fired["id"]) else {
                    continue;
                };
                let (header, value) = match &rule.action {
                    Action::AddHeader { name, value } => (name, value),
                    Action::Flag {
                        header: Some((name, value)),
                    } => (name, value),
                    _ => continue,
                };
                assert!(
                    replayed
                        .outcome
                        .headers
                        .iter()
                        .any(|(k, v)| k.eq_ignore_ascii_case(header) && v == value),
                    "{name} on {host}: rule {} says it added `{header}: {value}`; the client got {:?}",
                    rule.id,
                    replayed.outcome.headers
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 2,
        "no recording exercises a response header rule"
    );
}
