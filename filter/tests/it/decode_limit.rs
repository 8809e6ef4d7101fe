//! Bodies with more encoded text than the filter decodes (`options.
//! max_decoded_bytes`): never passed as if wholly inspected — flagged with
//! the code `decode_limit`, or refused where the route says
//! `on_decode_limit: block`.

use aimsgate_host::HostOptions;
use serde_json::json;

use crate::common::*;

const POLICY: &str = r#"apiVersion: aimsgate/v1
kind: Policy
metadata: {name: decode-limit, version: "1", owner: me, approver: you, approved: 2026-01-01}
detectors:
  - id: prompt-injection
    builtin: prompt-injection
rules:
  - id: block-injection
    phase: request
    when: {detector: prompt-injection}
    action: block
    controls: [iso42001:A.6.2.6]
routes:
  - id: strict
    hosts: [api.openai.com]
    paths: [/v1/]
    on_decode_limit: block
  - id: lenient
    hosts: [api.example.com]
    paths: [/v1/]
    api: openai-chat
"#;

/// A long base64 run: well over the 64 bytes decoded here.
const ENCODED: &str = "Q2FuIHlvdSBzdW1tYXJpc2UgdGhpcyBtZWV0aW5nIHRyYW5zY3JpcHQgZm9yIG1lIGluIHRocmVlIGJ1bGxldCBwb2ludHMgcGxlYXNlPw==";

#[test]
fn a_body_past_the_decode_limit_is_refused_on_a_strict_route_and_flagged_on_another() {
    let mut plugin = configured(
        &compile(POLICY),
        json!({"max_decoded_bytes": 64}),
        HostOptions::default(),
    );
    assert!(plugin.configured(), "{:?}", plugin.logs());
    let body = chat(&format!("decode this: {ENCODED}"));

    let strict = exchange(
        &mut plugin,
        request("api.openai.com", "/v1/chat/completions", &body, 1),
        completion("ok"),
    );
    assert_eq!(strict.outcome.status, 400, "{}", body_text(&strict));
    assert!(upstream_text(&strict).is_empty(), "forwarded");
    let event = &strict.request.as_ref().expect("recorded").line;
    assert_eq!(event["aimsgate.code"], json!("decode_limit"));

    let lenient = exchange(
        &mut plugin,
        request("api.example.com", "/v1/chat/completions", &body, 1),
        completion("ok"),
    );
    assert_eq!(lenient.outcome.status, 200, "{}", body_text(&lenient));
    let decision = lenient.request.as_ref().expect("recorded");
    assert_eq!(decision.outcome, "flag");
    assert_eq!(decision.line["aimsgate.code"], json!("decode_limit"));

    // Within the default limit the same body is decoded whole: no flag.
    let mut roomy = configured(&compile(POLICY), json!({}), HostOptions::default());
    let run = exchange(
        &mut roomy,
        request("api.example.com", "/v1/chat/completions", &body, 1),
        completion("ok"),
    );
    assert_eq!(run.request.as_ref().expect("recorded").outcome, "allow");
}
