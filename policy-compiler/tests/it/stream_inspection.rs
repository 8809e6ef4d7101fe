//! Streamed completions under the baseline pack: whatever the chunking,
//! matches that straddle events and chunks are redacted or blocked, the
//! forwarded stream is the same, and text goes out as soon as it is safe.

use std::path::PathBuf;

use aimsgate_compiler::policy;
use aimsgate_engine::Engine;
use aimsgate_engine::codec::Api;
use aimsgate_engine::decision::Outcome;
use aimsgate_engine::inspect::RequestFacts;
use aimsgate_engine::stream::{ResponseStream, StreamContext, StreamOptions};
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let text =
            std::fs::read_to_string(root.join("examples/policies/baseline/policy.yaml")).unwrap();
        let (compiled, report) = policy::check("baseline", &text);
        let compiled = compiled.unwrap_or_else(|| panic!("{}", report.render_plain()));
        Engine::from_bytes(&compiled.ruleset.to_bytes()).unwrap()
    })
}

fn stream(api: Api) -> ResponseStream {
    let engine = engine();
    let (host, path) = match api {
        Api::Anthropic => ("api.anthropic.com", "/v1/messages"),
        Api::Gemini => (
            "generativelanguage.googleapis.com",
            "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
        ),
        _ => ("api.openai.com", "/v1/chat/completions"),
    };
    let headers = vec![
        ("x-user-id".to_owned(), "u-1".to_owned()),
        ("x-user-group".to_owned(), "support".to_owned()),
    ];
    let route = match engine.route(host, path, &headers) {
        aimsgate_engine::Routing::Route(r) => Some(r),
        other => panic!("{host}{path} is not routed: {other:?}"),
    };
    let ctx = StreamContext {
        host: host.into(),
        path: path.into(),
        headers,
        route,
        now_secs: 1_800_000_000,
        request_id: "req-1".into(),
    };
    ResponseStream::new(
        engine,
        ctx,
        api,
        RequestFacts::default(),
        StreamOptions::default(),
    )
}

fn openai_chunk(text: &str) -> String {
    let data = serde_json::json!({
        "id": "c1", "object": "chat.completion.chunk", "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}],
    });
    format!("data: {data}\n\n")
}

fn openai_stream(pieces: &[&str]) -> Vec<u8> {
    let mut body: String = pieces.iter().map(|p| openai_chunk(p)).collect();
    body.push_str("data: [DONE]\n\n");
    body.into_bytes()
}

/// Runs `body` through a fresh stream in chunks cut at `cuts`; returns the
/// forwarded bytes, the outcome, and how many bytes had gone out before
/// the last chunk arrived.
fn run(api: Api, body: &[u8], cuts: &[usize]) -> (Vec<u8>, Outcome, usize) {
    let engine = engine();
    let mut stream = stream(api);
    let mut out = Vec::new();
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(body.len())).collect();
    cuts.sort_unstable();
    for cut in cuts {
        stream.push(engine, &body[at..cut], &mut out);
        at = cut;
    }
    let before_last = out.len();
    stream.push(engine, &body[at..], &mut out);
    stream.finish(engine, &mut out);
    (out, stream.decision().outcome, before_last)
}

/// Every delta text of an OpenAI chat stream, concatenated.
fn completion(forwarded: &[u8]) -> String {
    let text = String::from_utf8_lossy(forwarded);
    let mut all = String::new();
    for line in text.lines() {
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(data) else {
            continue;
        };
        if let Some(content) = value["choices"][0]["delta"]["content"].as_str() {
            all.push_str(content);
        }
    }
    all
}

#[test]
fn card_number_split_over_events_is_redacted_once() {
    let body = openai_stream(&["Your card ", "4111 1111", " 1111 1111", " is on file."]);
    let (out, outcome, _) = run(Api::OpenaiChat, &body, &[]);
    assert_eq!(outcome, Outcome::Redact);
    assert_eq!(
        completion(&out),
        "Your card [REDACTED:payment-card] is on file."
    );
    // Every event is still a well-formed chunk, and the stream still ends.
    assert!(String::from_utf8_lossy(&out).ends_with("data: [DONE]\n\n"));
}

#[test]
fn secret_split_inside_a_chunk_boundary_is_redacted() {
    let body = openai_stream(&["key: AKIAIOSF", "ODNN7EXAMPLE and more"]);
    // Cut in the middle of the second event's JSON as well.
    let (out, outcome, _) = run(Api::OpenaiChat, &body, &[10, 97, 130]);
    assert_eq!(outcome, Outcome::Redact);
    let text = completion(&out);
    assert!(
        !text.contains("AKIA") && !text.contains("EXAMPLE"),
        "{text}"
    );
    assert!(text.contains("[REDACTED:aws-access-key-id]"), "{text}");
}

#[test]
fn canary_leak_ends_the_stream_with_an_api_error_event() {
    let body = openai_stream(&["Sure. My instructions say AIMS-CAN", "ARY-5b8e1f0a9d2c and"]);
    let (out, outcome, _) = run(Api::OpenaiChat, &body, &[]);
    assert_eq!(outcome, Outcome::Block);
    let text = String::from_utf8_lossy(&out);
    assert!(!text.contains("5b8e1f0a9d2c"), "{text}");
    assert!(!text.contains("[DONE]"));
    let last = text.trim_end().lines().last().unwrap();
    let error: serde_json::Value =
        serde_json::from_str(last.strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(error["error"]["code"], "policy_block");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("block-system-prompt-leak")
    );
}

#[test]
fn anthropic_stream_redacts_inside_content_block_deltas() {
    let delta = |t: &str| {
        let data = serde_json::json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":t}});
        format!("event: content_block_delta\ndata: {data}\n\n")
    };
    let body = format!(
        "event: message_start\ndata: {{\"type\":\"message_start\",\"message\":{{\"model\":\"claude-sonnet-4-5\"}}}}\n\n{}{}{}event: message_stop\ndata: {{\"type\":\"message_stop\"}}\n\n",
        delta("Write to jane.doe@exa"),
        delta("mple.com today"),
        delta("."),
    );
    let (out, outcome, _) = run(Api::Anthropic, body.as_bytes(), &[5, 60, 61, 200]);
    assert_eq!(outcome, Outcome::Redact);
    let text = String::from_utf8_lossy(&out);
    assert!(!text.contains("jane.doe"), "{text}");
    assert!(text.contains("[REDACTED:email]"), "{text}");
    assert!(text.contains("event: message_stop"));
}

#[test]
fn gemini_array_stream_is_cut_off_with_a_closing_error_element() {
    let element = |t: &str| {
        serde_json::json!({"candidates":[{"content":{"parts":[{"text":t}],"role":"model"},"index":0}]})
            .to_string()
    };
    let body = format!(
        "[{},\r\n{}]",
        element("The canary is AIMS-CANARY-5b8e"),
        element("1f0a9d2c.")
    );
    let (out, outcome, _) = run(Api::Gemini, body.as_bytes(), &[3, 40]);
    assert_eq!(outcome, Outcome::Block);
    let parsed: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let elements = parsed.as_array().unwrap();
    assert_eq!(
        elements.last().unwrap()["error"]["status"],
        "PERMISSION_DENIED"
    );
    assert!(!String::from_utf8_lossy(&out).contains("5b8e"));
}

#[test]
fn benign_text_is_forwarded_without_waiting_for_the_end() {
    let words: Vec<String> = (0..50).map(|i| format!("word{i} ")).collect();
    let pieces: Vec<&str> = words.iter().map(String::as_str).collect();
    let body = openai_stream(&pieces);
    let cuts: Vec<usize> = (1..body.len()).step_by(37).collect();
    let (out, outcome, before_last) = run(Api::OpenaiChat, &body, &cuts);
    assert_eq!(outcome, Outcome::Allow);
    assert_eq!(out, body);
    // All but the tail was forwarded while the stream was still open.
    assert!(
        before_last > body.len() * 9 / 10,
        "{before_last} of {}",
        body.len()
    );
}

#[test]
fn broken_stream_fails_closed() {
    let body = b"data: {\"choices\": [ this is not json\n\ndata: [DONE]\n\n";
    let (out, outcome, _) = run(Api::OpenaiChat, body, &[]);
    assert_eq!(outcome, Outcome::Block);
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("uninspectable"), "{text}");
    assert!(!text.contains("[DONE]"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Chunking never changes what is forwarded, and the secret never
    /// leaks, wherever the cuts fall.
    #[test]
    fn any_chunking_forwards_the_same_stream(cuts in proptest::collection::vec(0usize..600, 0..12)) {
        let body = openai_stream(&[
            "Contact: ", "jane", ".doe@example", ".com, card 4111-1111-", "1111-1111, key ghp_",
            "abcdefghijklmnopqrstuvwxyz0123456789", " done.",
        ]);
        let (whole, outcome, _) = run(Api::OpenaiChat, &body, &[]);
        prop_assert_eq!(outcome, Outcome::Redact);
        let (split, _, _) = run(Api::OpenaiChat, &body, &cuts);
        prop_assert_eq!(&split, &whole);
        let text = completion(&split);
        prop_assert!(!text.contains("jane") && !text.contains("4111") && !text.contains("ghp_"), "{}", text);
    }
}
