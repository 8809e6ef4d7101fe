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
