//! Property tests: redaction yields valid JSON that differs from the input
//! only inside the redacted strings.

use aimsgate_engine::codec::{self, Api};
use aimsgate_engine::decision::MemoryLedger;
use aimsgate_engine::detect::builtin;
use aimsgate_engine::ruleset::*;
use aimsgate_engine::{Engine, RequestContext};
use proptest::prelude::*;

fn engine() -> Engine {
    let email = builtin::get("email").expect("email built-in");
    let ruleset = RuleSet {
        policy: PolicyInfo {
            name: "p".into(),
            version: "1".into(),
            digest: Digest::of(b"p"),
        },
        identity: IdentitySpec::default(),
        detectors: vec![DetectorSpec {
            id: "email".into(),
            kind: DetectorKind::Regex {
                patterns: email.patterns.iter().map(|p| p.to_string()).collect(),
                keywords: email.keywords.iter().map(|k| k.to_string()).collect(),
                case_insensitive: email.case_insensitive,
                unicode: false,
            },
            validator: email.validator,
            context: None,
            exceptions: ExceptionSpec::default(),
            max_match_len: email.max_match_len(),
        }],
        rules: vec![RuleSpec {
            id: "redact-email".into(),
            description: String::new(),
            phase: Phase::Both,
            roles: 0,
            when: Condition::Detector {
                detector: 0,
                min_count: 1,
            },
            action: Action::Redact {
                mask: "[REDACTED:{detector}]".into(),
            },
            mode: Mode::Enforce,
            severity: Severity::Medium,
            controls: vec!["owasp-llm:LLM02".into()],
        }],
        routes: vec![],
        systems: vec![],
        disclosure_headers: vec![],
        unknown_hosts: aimsgate_engine::ruleset::UnknownPath::Allow,
    };
    Engine::new(ruleset).expect("builds")
}

fn ctx() -> RequestContext<'static> {
    RequestContext {
        host: "",
        path: "/v1/chat/completions",
        headers: &[],
        route: None,
        api: Some(Api::OpenaiChat),
        now_secs: 0,
    }
}

/// Text pieces: plain words, unicode, escapes-worthy characters and emails.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{1,12}",
        Just("\"quoted\"\n\t\\".to_owned()),
        Just("héllo wörld 日本 🙂".to_owned()),
        "[a-z]{1,8}@[a-z]{1,8}\\.(com|org|io)",
        Just("a\u{200B}b@example.com".to_owned()),
    ]
}

proptest! {
    #[test]
    fn redacted_request_is_valid_json_changed_only_inside_redacted_strings(
        messages in prop::collection::vec(prop::collection::vec(piece(), 1..6), 1..4),
        pretty in any::<bool>(),
    ) {
        let texts: Vec<String> = messages.iter().map(|m| m.join(" ")).collect();
        let value = serde_json::json!({
            "model": "gpt-4o",
            "messages": texts.iter().map(|t| serde_json::json!({"role": "user", "content": t})).collect::<Vec<_>>(),
            "temperature": 0.2,
        });
        let body = if pretty { serde_json::to_vec_pretty(&value).unwrap() } else { serde_json::to_vec(&value).unwrap() };
        let engine = engine();
        let inspection = engine.inspect_request(&ctx(), &body, &mut MemoryLedger::default());
        let view = codec::decode_request(Api::OpenaiChat, &body).unwrap();
        match inspection.body {
            None => prop_assert!(inspection.decision.redactions.is_empty()),
            Some(out) => {
                let parsed: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
                // Same shape; only message contents may differ.
                prop_assert_eq!(&parsed["model"], &value["model"]);
                prop_assert_eq!(&parsed["temperature"], &value["temperature"]);
                let redacted: std::collections::HashSet<u32> =
                    inspection.decision.redactions.iter().map(|r| r.segment).collect();
                // Bytes outside the literals of redacted segments are unchanged.
                let mut expected_prefix_end = 0;
                let mut out_at = 0;
                for (i, seg) in view.segments.iter().enumerate() {
                    if !redacted.contains(&(i as u32)) { continue; }
                    let unchanged = &body[expected_prefix_end..seg.raw.start];
                    prop_assert_eq!(&out[out_at..out_at + unchanged.len()], unchanged);
                    out_at += unchanged.len();
                    // Skip the new literal: find its closing quote.
                    let literal_len = {
                        let mut j = out_at + 1;
                        while out[j] != b'"' { if out[j] == b'\\' { j += 1; } j += 1; }
                        j + 1 - out_at
                    };
                    let new_text: String = serde_json::from_slice(&out[out_at..out_at + literal_len]).unwrap();
                    prop_assert!(!new_text.contains('@') || !new_text.contains(".com"), "email left in {new_text:?}");
                    out_at += literal_len;
                    expected_prefix_end = seg.raw.end;
                }
                prop_assert_eq!(&out[out_at..], &body[expected_prefix_end..]);
            }
        }
    }
}

#[test]
fn email_behind_a_json_escape_or_zero_width_space_is_found() {
    let engine = engine();
    for body in [
        br#"{"model":"gpt-4o","messages":[{"role":"user","content":"mail jane.doe\u0040example.com now"}]}"#.to_vec(),
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"mail jane.doe@exa\u{200B}mple.com now\"}]}".as_bytes().to_vec(),
        br#"{"model":"gpt-4o","messages":[{"role":"user","content":"mail jane.doe@exa\u200bmple.com now"}]}"#.to_vec(),
    ] {
        let inspection = engine.inspect_request(&ctx(), &body, &mut MemoryLedger::default());
        assert_eq!(inspection.decision.outcome.name(), "redact", "{}", String::from_utf8_lossy(&body));
        let out = String::from_utf8(inspection.body.unwrap()).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["messages"][0]["content"], "mail [REDACTED:email] now", "{out}");
    }
}

/// A redacted key or number keeps the request valid JSON, through the
/// whole engine: an address used as a key of a tool's input, one in a
/// tool description, and one in a field the codec does not know.
#[test]
fn emails_in_keys_descriptions_and_unknown_fields_are_redacted_in_place() {
    let engine = engine();
    let body =
        br#"{"model":"claude","max_tokens":9,"unknown_field":{"note":"cc boss@corp.example"},
      "tools":[{"name":"t","description":"mail ops@corp.example","input_schema":{"type":"object"}}],
      "messages":[{"role":"assistant","content":[
        {"type":"tool_use","id":"toolu_1","name":"t","input":{"jane@corp.example":{"n":1}}}]}]}"#;
    let ctx = RequestContext {
        path: "/v1/messages",
        api: Some(Api::Anthropic),
        ..ctx()
    };
    let inspection = engine.inspect_request(&ctx, body, &mut MemoryLedger::default());
    assert_eq!(inspection.decision.redactions.len(), 3);
    let out = inspection.body.expect("rewritten");
    let parsed: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(parsed["unknown_field"]["note"], "cc [REDACTED:email]");
    assert_eq!(parsed["tools"][0]["description"], "mail [REDACTED:email]");
    let input = &parsed["messages"][0]["content"][0]["input"];
    assert_eq!(input["[REDACTED:email]"]["n"], 1, "{input}");
    // The rewritten body is one the engine governs again (no duplicate key).
    codec::decode_request(Api::Anthropic, &out).expect("decodes");
}

/// Text of stream fields the codec used to drop (thinking, citations, an
/// event type it does not know) is scanned and masked inside its own JSON
/// string, each event still valid JSON.
#[test]
fn emails_in_thinking_citations_and_unknown_events_are_redacted_in_a_stream() {
    use aimsgate_engine::inspect::RequestFacts;
    use aimsgate_engine::stream::{ResponseStream, StreamContext, StreamOptions};
    let engine = engine();
    let events = [
        r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude","usage":{"output_tokens":1}}}"#,
        r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"write to jane@corp.example"}}"#,
        r#"{"type":"content_block_delta","index":1,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"ops@corp.example","document_index":0}}}"#,
        r#"{"type":"future_event","words":"boss@corp.example"}"#,
        r#"{"type":"message_stop"}"#,
    ];
    let body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    let ctx = StreamContext {
        request_id: "req-1".into(),
        ..StreamContext::default()
    };
    let mut stream = ResponseStream::new(
        &engine,
        ctx,
        Api::Anthropic,
        RequestFacts::default(),
        StreamOptions::default(),
    );
    let mut out = Vec::new();
    stream.push(&engine, body.as_bytes(), &mut out);
    stream.finish(&engine, &mut out);
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("@corp.example"), "{out}");
    assert_eq!(out.matches("[REDACTED:email]").count(), 3, "{out}");
    for line in out.lines().filter_map(|l| l.strip_prefix("data: ")) {
        serde_json::from_str::<serde_json::Value>(line).expect("valid JSON event");
    }
}
