//! The filter on both families of proxy-wasm hosts: Envoy (and Istio) and
//! Kong's ngx_wasm_module, whose body replacement and host header differ.
//! Every body the filter rewrites must come out whole on both.

use crate::common::*;
use aimsgate_host::{Flavor, HostOptions};
use serde_json::Value;

/// The baseline with the options each host needs: on ngx_wasm_module the
/// host the client addressed is in `host` (`:authority` names the server
/// block there).
fn on(flavor: Flavor) -> aimsgate_host::Plugin {
    let host_header = match flavor {
        Flavor::Envoy => ":authority",
        Flavor::NgxWasm => "host",
    };
    with_host_header(flavor, host_header)
}

fn with_host_header(flavor: Flavor, host_header: &str) -> aimsgate_host::Plugin {
    let rules = aimsgate_engine::ruleset::RuleSet::from_bytes(&baseline()).expect("loads");
    let ruleset: Value = serde_json::from_str(&rules.to_json()).expect("JSON form");
    let configuration = serde_json::json!({
        "ruleset": ruleset,
        "options": {"host_header": host_header},
    });
    let plugin = start(
        configuration.to_string().into_bytes(),
        HostOptions {
            flavor,
            ..HostOptions::default()
        },
    );
    assert!(plugin.configured(), "{:?}", plugin.logs());
    plugin
}

/// On Kong, `:authority` names the server block, not the provider: left at
/// its Envoy default, `host_header` makes every request an unknown host,
/// refused — closed, not open.
#[test]
fn the_wrong_host_header_on_ngx_wasm_module_fails_closed() {
    let mut plugin = with_host_header(Flavor::NgxWasm, ":authority");
    let run = openai(
        &mut plugin,
        &chat("deploy with AKIAIOSFODNN7EXAMPLE"),
        1,
        completion("ok"),
    );
    assert_eq!(run.outcome.status, 403);
    assert_eq!(
        run.request.as_ref().and_then(|r| r.code.as_deref()),
        Some("host_not_governed")
    );
    assert!(!upstream_text(&run).contains("AKIAIOSFODNN7EXAMPLE"));
}

#[test]
fn rewritten_bodies_are_whole_on_envoy_and_on_ngx_wasm_module() {
    for flavor in [Flavor::Envoy, Flavor::NgxWasm] {
        let mut plugin = on(flavor);
        // A redaction makes the request longer than it was.
        let run = openai(
            &mut plugin,
            &chat("card 4111 1111 1111 1111 mail jane@example.com"),
            2,
            completion("your mail is jane@example.com"),
        );
        assert_eq!(outcome(&run.request), "redact", "{flavor:?}");
        assert_eq!(
            run.request.as_ref().unwrap().route.as_deref(),
            Some("openai")
        );
        let upstream = upstream_text(&run);
        let sent: Value = serde_json::from_str(&upstream)
            .unwrap_or_else(|e| panic!("{flavor:?}: upstream got broken JSON ({e}): {upstream}"));
        let text = sent["messages"][0]["content"].as_str().unwrap();
        assert!(
            text.ends_with("mail [REDACTED:email]") && !text.contains("4111"),
            "{flavor:?}: {text}"
        );
        // So does a redacted response.
        let body = body_text(&run);
        let got: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{flavor:?}: client got broken JSON ({e}): {body}"));
        assert_eq!(
            got["choices"][0]["message"]["content"], "your mail is [REDACTED:email]",
            "{flavor:?}"
        );
        // And a stream whose match straddles chunks.
        let stream = sse(
            &[
                chunk_event("write to jane@exa"),
                chunk_event("mple.com today"),
            ],
            &[30],
        );
        let run = openai(&mut plugin, &chat("hi"), 1, stream);
        let body = body_text(&run);
        assert!(
            body.contains("[REDACTED:email]") && !body.contains("jane@"),
            "{flavor:?}: {body}"
        );
        assert!(
            body.contains(" today"),
            "{flavor:?}: the tail was lost: {body}"
        );
        // A refusal of a response replaces a body longer than itself.
        let run = openai(
            &mut plugin,
            &chat("key AKIAIOSFODNN7EXAMPLE"),
            1,
            completion("x"),
        );
        assert_eq!(run.outcome.status, 403, "{flavor:?}");
        let error: Value = serde_json::from_slice(&run.outcome.body).expect("error JSON");
        assert!(error["error"]["message"].is_string(), "{flavor:?}");
    }
}

/// Only a canary rule, so no other detector's holdback hides how little
/// the canary's own holds back.
const CANARY_POLICY: &str = r#"apiVersion: aimsgate/v1
kind: Policy
metadata: {name: canary, version: "1", owner: me, approver: you, approved: 2026-01-01}
detectors:
  - id: canary
    builtin: system-prompt-canary
    canary: [AIMS-CANARY-5b8e1f0a9d2c]
rules:
  - id: no-prompt-leak
    phase: response
    when: {detector: canary}
    action: block
    controls: [owasp-llm:LLM07]
"#;

/// A canary whose start is disguised by a zero-width space (or spelt in
/// full-width letters) and split across stream events is still caught on
/// both hosts: the stream's holdback is worked out on the normalised text.
#[test]
fn a_disguised_canary_split_across_stream_events_is_caught_on_both_hosts() {
    for flavor in [Flavor::Envoy, Flavor::NgxWasm] {
        let mut plugin = start(
            compile(CANARY_POLICY),
            HostOptions {
                flavor,
                ..HostOptions::default()
            },
        );
        assert!(plugin.configured(), "{:?}", plugin.logs());
        for (first, second) in [
            (
                "the reference is AIMS-CANA\u{200b}",
                "RY-5b8e1f0a9d2c, thanks",
            ),
            (
                "the reference is ＡＩＭＳ-ＣＡＮＡ",
                "RY-5b8e1f0a9d2c, thanks",
            ),
        ] {
            // Each event in its own body chunk, as a provider flushes them.
            let events = [chunk_event(first), chunk_event(second)];
            let stream = sse(&events, &[events[0].len()]);
            let run = openai(&mut plugin, &chat("hi"), 1, stream);
            let body = body_text(&run);
            assert_eq!(
                outcome(&run.response),
                "block",
                "{flavor:?} {first:?}: {body}"
            );
            assert!(
                !body.contains("5b8e1f0a9d2c"),
                "{flavor:?} {first:?}: the canary reached the client: {body}"
            );
        }
    }
}

/// ngx_wasm_module announces a body for every request (`end_of_stream =
/// false` on the headers) and then sends no body callback when there is
/// none: the stored answer a GET reads back must still be inspected.
#[test]
fn a_bodiless_request_has_its_response_governed_on_both_hosts() {
    for flavor in [Flavor::Envoy, Flavor::NgxWasm] {
        let mut plugin = on(flavor);
        let mut get = request("api.openai.com", "/v1/chat/completions/chatcmpl-1", b"", 1);
        get.body.clear();
        get.headers.retain(|(k, _)| k != "content-length");
        for (k, v) in &mut get.headers {
            if k == ":method" {
                *v = "GET".into();
            }
        }
        let run = exchange(
            &mut plugin,
            get,
            completion("Our internal reference is AIMS-CANARY-5b8e1f0a9d2c."),
        );
        assert_eq!(
            run.request.as_ref().and_then(|r| r.code.as_deref()),
            Some("no_body"),
            "{flavor:?}"
        );
        assert_eq!(outcome(&run.response), "block", "{flavor:?}");
        assert!(!body_text(&run).contains("AIMS-CANARY"), "{flavor:?}");
    }
}
