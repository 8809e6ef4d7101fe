//! The adversarial suite: exchanges an attacker would send (or a provider
//! would answer) to get text past the filter, each with what must happen.
//!
//! The cases are data — `tests/adversarial/*.json`, read at run time —
//! plus variants generated here (every split point around a match, decoys
//! before and after, every spelling of a host or path). The filter's test
//! binary runs them through the real filter.wasm in the harness
//! (`filter/tests/it/adversarial.rs`), the edge's natively through the
//! guard (`edge/tests/adversarial.rs`); both include this file with
//! `#[path]`, so there is one reader and one judge.
//!
//! A case fails when the decision differs from what it expects, or when a
//! string it names reaches the upstream, the client or the audit trail.
//! Every string a case says must not pass is also checked against every
//! audit line: matched text never goes into evidence.

#![allow(dead_code)] // each runtime uses the parts it needs

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aimsgate_engine::codec::events::event_delta;
use aimsgate_engine::codec::sse::SseParser;
use aimsgate_engine::codec::{Api, api_from_path};
use aimsgate_engine::normalize::normalize;
use aimsgate_engine::recording::Recording;
use serde::Deserialize;
use serde_json::{Value, json};

/// An AWS access key id the baseline blocks in prompts and masks in
/// completions.
pub const AWS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
/// A payment card the baseline masks in both directions.
pub const CARD: &str = "4111 1111 1111 1111";
/// The system-prompt canary the baseline blocks in completions.
pub const CANARY: &str = "AIMS-CANARY-5b8e1f0a9d2c";
/// An e-mail address the baseline masks in both directions.
pub const EMAIL: &str = "marco.rossi@example.net";
/// A GitHub token the baseline blocks in prompts and masks in completions.
pub const GITHUB: &str = "ghp_R8cYvD4mK1pQ7sT2wX9zA3bN6eF0hJ5uL8iO";

/// One file of cases.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// What the file's cases have in common.
    #[allow(dead_code)]
    description: String,
    cases: Vec<Case>,
}

/// One case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique name.
    pub id: String,
    /// The numbered finding of the enforcement-soundness issue it covers
    /// (0: an evasion beyond the list).
    pub item: u8,
    /// How the attack works.
    #[serde(default)]
    pub description: String,
    /// What the client sends and the upstream answers.
    pub exchange: Recording,
    /// What must happen.
    pub expect: Expect,
    /// Runtimes that cannot express the case, with why (`filter`, `edge`;
    /// `filter` covers its flavours, e.g. `filter-ngx`).
    #[serde(default)]
    pub skip: BTreeMap<String, String>,
}

/// What must happen to a case.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The request's recorded outcome (`allow`, `redact`, `block`, …), or
    /// `none`: no event (an ungoverned request).
    pub request: Option<String>,
    /// The request's runtime code (`upgrade_refused`, …).
    pub request_code: Option<String>,
    /// The response's recorded outcome, or `none`.
    pub response: Option<String>,
    /// The response's runtime code.
    pub response_code: Option<String>,
    /// The status the client got.
    pub status: Option<u16>,
    /// Strings that must not reach the upstream (headers or body).
    #[serde(default)]
    pub upstream_lacks: Vec<String>,
    /// Strings that must not reach the client (headers or body).
    #[serde(default)]
    pub client_lacks: Vec<String>,
    /// Strings the client must get (a mask, an error message).
    #[serde(default)]
    pub client_has: Vec<String>,
    /// Strings the upstream must get.
    #[serde(default)]
    pub upstream_has: Vec<String>,
    /// Strings no audit line may hold (besides every `*_lacks` string,
    /// always checked there): client-controlled values that must be
    /// validated or hashed before they reach evidence.
    #[serde(default)]
    pub events_lack: Vec<String>,
}

/// One recorded phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    /// `allow`, `redact`, `block`, …
    pub outcome: String,
    /// The runtime's own code, if it decided.
    pub code: Option<String>,
}

/// What a runtime did with a case.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The request's recorded decision (`None`: no event).
    pub request: Option<Phase>,
    /// The response's recorded decision.
    pub response: Option<Phase>,
    /// The status the client got.
    pub status: u16,
    /// What reached the upstream (headers and body as text); `None`:
    /// nothing did.
    pub upstream: Option<String>,
    /// What the client got (headers and body as text).
    pub client: String,
    /// Every audit line the exchange left.
    pub events: Vec<String>,
}

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every case: the files' and the generated ones, ids unique.
pub fn cases() -> Vec<Case> {
    let dir = root().join("tests/adversarial");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("a case file");
        let file: File =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        cases.extend(file.cases);
    }
    cases.extend(generated());
    let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "case ids are unique");
    cases
}

/// The ways `observed` falls short of `case`; empty when it passes.
pub fn judge(case: &Case, observed: &Observed) -> Vec<String> {
    let mut failures = Vec::new();
    let expect = &case.expect;
    let mut phase =
        |name: &str, want: &Option<String>, code: &Option<String>, got: &Option<Phase>| {
            if let Some(want) = want {
                let got_outcome = got.as_ref().map_or("none", |p| p.outcome.as_str());
                if want != got_outcome {
                    failures.push(format!(
                        "{name}: expected {want}, got {got_outcome} ({got:?})"
                    ));
                }
            }
            if let Some(code) = code {
                let got_code = got.as_ref().and_then(|p| p.code.as_deref());
                if Some(code.as_str()) != got_code {
                    failures.push(format!("{name} code: expected {code}, got {got_code:?}"));
                }
            }
        };
    phase(
        "request",
        &expect.request,
        &expect.request_code,
        &observed.request,
    );
    phase(
        "response",
        &expect.response,
        &expect.response_code,
        &observed.response,
    );
    if let Some(status) = expect.status
        && status != observed.status
    {
        failures.push(format!(
            "status: expected {status}, got {}",
            observed.status
        ));
    }
    let api = case
        .exchange
        .api
        .or_else(|| api_from_path(&case.exchange.request.path));
    let upstream = readable(api, observed.upstream.as_deref().unwrap_or_default());
    let client = readable(api, &observed.client);
    for needle in &expect.upstream_lacks {
        if upstream.contains(needle.as_str()) {
            failures.push(format!("the upstream got `{needle}`"));
        }
    }
    for needle in &expect.upstream_has {
        if !upstream.contains(needle.as_str()) {
            failures.push(format!("the upstream did not get `{needle}`"));
        }
    }
    for needle in &expect.client_lacks {
        if client.contains(needle.as_str()) {
            failures.push(format!("the client got `{needle}`"));
        }
    }
    for needle in &expect.client_has {
        if !client.contains(needle.as_str()) {
            failures.push(format!("the client did not get `{needle}`"));
        }
    }
    for needle in expect
        .upstream_lacks
        .iter()
        .chain(&expect.client_lacks)
        .chain(&expect.events_lack)
    {
        // Events carry wall-clock times in nanoseconds: a short number
        // (`100000`, a cap the upstream must not get) turns up in them by
        // chance — one run in ten for `100000` — and says nothing of a leak.
        if needle.len() < 12 && needle.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if observed
            .events
            .iter()
            .any(|line| line.contains(needle.as_str()))
        {
            failures.push(format!("an audit line holds `{needle}`"));
        }
    }
    failures
}

/// Everything a reader of `message` (headers and body as text) can see:
/// the text itself; every string of a JSON body, decoded; a stream's text
/// as its events add up (the deltas of each event, one after another, and
/// every string of each event) — all of it also as the detectors see it
/// (normalised: invisible characters dropped, look-alikes folded), so a
/// secret split over two events or padded with a zero-width space still
/// counts as got.
fn readable(api: Option<Api>, message: &str) -> String {
    let mut text = message.to_owned();
    let body = message.split_once("\n\n").map_or(message, |(_, body)| body);
    let mut strings = Vec::new();
    if let Ok(json) = serde_json::from_str::<Value>(body) {
        collect_strings(&json, &mut strings);
    }
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    let framed =
        parser.push(body.as_bytes(), &mut events).is_ok() && parser.finish(&mut events).is_ok();
    if framed && !events.is_empty() {
        let mut stream = String::new();
        // Per run key too, as SDKs accumulate: content apart from refusal,
        // each tool call's arguments apart.
        let mut runs: BTreeMap<(u32, String, u32), String> = BTreeMap::new();
        for event in &events {
            if let Some(api) = api
                && let Ok(deltas) = event_delta(api, event)
            {
                for d in deltas.iter().filter(|d| !d.echo) {
                    stream.push_str(&d.text);
                    runs.entry((d.choice, format!("{:?}", d.kind), d.index))
                        .or_default()
                        .push_str(&d.text);
                }
            }
            if let Ok(json) = serde_json::from_str::<Value>(&event.data) {
                collect_strings(&json, &mut strings);
            }
        }
        strings.push(stream);
        strings.extend(runs.into_values());
    }
    for s in strings {
        text.push('\n');
        text.push_str(&s);
    }
    let normalized = normalize(&text).text.into_owned();
    text.push('\n');
    text.push_str(&normalized);
    text
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            collect_strings(v, out);
        }),
        Value::Number(n) => out.push(n.to_string()),
        _ => {}
    }
}

/// Runs every case `runtime` can express through `run` and fails with
/// every case that fell short, so one run shows the whole picture.
pub fn run_all(runtime: &str, mut run: impl FnMut(&Case) -> Observed) -> usize {
    let mut failed = Vec::new();
    let mut ran = 0;
    for case in cases() {
        // A flavour of a runtime (`filter-ngx`) honours the runtime's skips.
        let base = runtime.split_once('-').map_or(runtime, |(base, _)| base);
        if case.skip.contains_key(runtime) || case.skip.contains_key(base) {
            continue;
        }
        ran += 1;
        let observed = run(&case);
        let failures = judge(&case, &observed);
        if !failures.is_empty() {
            failed.push(format!(
                "{} (item {}): {}\n    request {:?} response {:?} status {}",
                case.id,
                case.item,
                failures.join("; "),
                observed.request,
                observed.response,
                observed.status
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {ran} adversarial cases failed on {runtime}:\n{}",
        failed.len(),
        failed.join("\n")
    );
    ran
}

// ----- building exchanges -----

/// The headers the baseline's identity rule asks for.
pub fn caller() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("content-type".to_owned(), "application/json".to_owned()),
        ("x-user-id".to_owned(), "u-10482".to_owned()),
        ("x-user-group".to_owned(), "customer-support".to_owned()),
    ])
}

/// A recording from its JSON parts (`request` needs `host`, `path`, `body`;
/// identity headers are added unless the request names headers itself).
pub fn exchange(request: Value, response: Option<Value>) -> Recording {
    let mut request = request;
    if request.get("headers").is_none() {
        request["headers"] = json!(caller());
    }
    let mut recording = json!({"schema": "aimsgate/exchange/v1", "request": request});
    if let Some(response) = response {
        recording["response"] = response;
    }
    Recording::from_json(recording.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("a generated recording: {e}\n{recording:#}"))
}

/// An OpenAI chat request with one user message.
pub fn chat_request(content: &str) -> Value {
    json!({
        "host": "api.openai.com",
        "path": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]},
    })
}

/// A non-streamed chat completion.
pub fn chat_completion(content: &str) -> Value {
    json!({
        "status": 200,
        "headers": {"content-type": "application/json"},
        "body": {
            "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
        },
    })
}

/// One chat completion chunk event.
pub fn chat_event(text: &str) -> String {
    let data = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]});
    format!("data: {data}\n\n")
}

/// A streamed chat completion of `pieces`, one event each, in chunks cut
/// at the events' edges.
pub fn chat_stream(pieces: &[&str]) -> Value {
    let mut chunks: Vec<String> = pieces.iter().map(|p| chat_event(p)).collect();
    chunks.push("data: [DONE]\n\n".to_owned());
    json!({"status": 200, "headers": {"content-type": "text/event-stream"}, "chunks": chunks})
}

fn case(id: String, item: u8, description: String, exchange: Recording, expect: Expect) -> Case {
    Case {
        id,
        item,
        description,
        exchange,
        expect,
        skip: BTreeMap::new(),
    }
}

// ----- generated variants -----

/// The generated cases.
pub fn generated() -> Vec<Case> {
    let mut cases = Vec::new();
    stream_splits(&mut cases);
    decoys(&mut cases);
    spellings(&mut cases);
    stored_outputs(&mut cases);
    long_pem(&mut cases);
    run_splits(&mut cases);
    cases
}

/// A key split between two pieces of one text that the stream marks as
/// apart — a repeated (or empty) tool name, a refusal between two content
/// pieces, a `done` or a repeat in mid-stream — while clients join them.
fn run_splits(cases: &mut Vec<Case>) {
    let (head, tail) = AWS_KEY.split_at(8);
    let chunk = |delta: Value| {
        let data = json!({"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": delta, "finish_reason": null}]});
        format!("data: {data}\n\n")
    };
    let sse = |chunks: Vec<String>| json!({"status": 200, "headers": {"content-type": "text/event-stream"}, "chunks": chunks});
    let call = |name: &str, args: &str| json!({"tool_calls": [{"index": 0, "type": "function", "function": {"name": name, "arguments": args}}]});
    let args_head = format!("{{\"key\":\"{head}");
    let args_tail = format!("{tail}\"}}");
    let mut streams: Vec<(&str, Value, &str)> = vec![
        (
            "chat-empty-name",
            sse(vec![
                chunk(call("deploy", &args_head)),
                chunk(call("", &args_tail)),
                "data: [DONE]\n\n".to_owned(),
            ]),
            "redact",
        ),
        (
            "chat-repeated-name",
            sse(vec![
                chunk(call("deploy", &args_head)),
                chunk(call("deploy", &args_tail)),
                "data: [DONE]\n\n".to_owned(),
            ]),
            "redact",
        ),
        (
            "chat-refusal-between",
            sse(vec![
                chunk(json!({"content": format!("key {head}")})),
                chunk(json!({"refusal": "x"})),
                chunk(json!({"content": format!("{tail} done")})),
                "data: [DONE]\n\n".to_owned(),
            ]),
            "redact",
        ),
    ];
    let event = |data: Value| {
        format!(
            "event: {}\ndata: {data}\n\n",
            data["type"].as_str().unwrap_or("")
        )
    };
    let text_delta = |t: &str| {
        event(
            json!({"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": t}),
        )
    };
    streams.push((
        "responses-done-mid-stream",
        sse(vec![
            text_delta(&format!("key {head}")),
            event(json!({"type": "response.output_text.done", "output_index": 0, "content_index": 0, "text": format!("key {head}")})),
            text_delta(&format!("{tail} done")),
        ]),
        "block",
    ));
    let anthropic_delta = |t: &str| {
        event(
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}}),
        )
    };
    streams.push((
        "anthropic-stop-mid-stream",
        sse(vec![
            event(json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})),
            anthropic_delta(&format!("key {head}")),
            event(json!({"type": "message_stop"})),
            anthropic_delta(&format!("{tail} done")),
        ]),
        "block",
    ));
    for (name, response, outcome) in streams {
        let request = if name.starts_with("responses") {
            json!({"host": "api.openai.com", "path": "/v1/responses",
                   "body": {"model": "gpt-4o-mini", "input": "hi", "stream": true, "max_output_tokens": 100}})
        } else if name.starts_with("anthropic") {
            json!({"host": "api.anthropic.com", "path": "/v1/messages",
                   "body": {"model": "claude-sonnet-4-20250514", "max_tokens": 100, "stream": true,
                            "messages": [{"role": "user", "content": "hi"}]}})
        } else {
            chat_request("hi")
        };
        cases.push(case(
            format!("run-split-{name}"),
            0,
            format!(
                "{name}: an AWS key split where the stream marks two runs and the client joins one"
            ),
            exchange(request, Some(response)),
            Expect {
                response: Some(outcome.to_owned()),
                client_lacks: vec![AWS_KEY.to_owned()],
                ..Expect::default()
            },
        ));
    }
}

/// A private key longer than the stream window (4096 bytes), streamed in
/// pieces: held from `-----BEGIN` and, once it outgrows the window, the
/// stream is cut — no line of it reaches the client. A certificate (which
/// no private-key match can grow from) followed by a long answer is not.
fn long_pem(cases: &mut Vec<Case>) {
    let certificate = format!(
        "Here is the certificate:\n-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n{}",
        "MIIB".repeat(300),
        "and then a long explanation of how TLS works. ".repeat(150)
    );
    let pieces: Vec<String> = certificate
        .as_bytes()
        .chunks(300)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
    cases.push(case(
        "stream-certificate-then-long-text".to_owned(),
        9,
        "a certificate, then more than the window of text: not a private key, not cut".to_owned(),
        exchange(chat_request("explain TLS"), Some(chat_stream(&pieces))),
        Expect {
            response: Some("allow".to_owned()),
            client_has: vec!["how TLS works".to_owned()],
            ..Expect::default()
        },
    ));
    for (name, lines) in [("short", 20), ("long", 110)] {
        let body: Vec<String> = (0..lines)
            .map(|i| {
                let seed = format!("{i:04}");
                seed.repeat(16)
                    .chars()
                    .map(|c| (b'A' + (c as u8 - b'0') * 2) as char)
                    .collect()
            })
            .collect();
        let pem = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
            body.join("\n")
        );
        let text = format!("Here is the key you asked for:\n{pem}\nKeep it safe.");
        let pieces: Vec<String> = text
            .as_bytes()
            .chunks(300)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
        let (outcome, item) = if lines > 60 {
            ("block", 9)
        } else {
            ("redact", 9)
        };
        cases.push(case(
            format!("stream-pem-{name}"),
            item,
            format!(
                "a {}-byte private key streamed in 300-byte events",
                pem.len()
            ),
            exchange(
                chat_request("show me the deploy key"),
                Some(chat_stream(&pieces)),
            ),
            Expect {
                response: Some(outcome.to_owned()),
                client_lacks: vec![
                    body[1].clone(),
                    body[lines / 2].clone(),
                    body[lines - 1].clone(),
                ],
                ..Expect::default()
            },
        ));
    }
}

fn expect_refused(secret: &str) -> Expect {
    Expect {
        request: Some("block".to_owned()),
        upstream_lacks: vec![secret.to_owned()],
        ..Expect::default()
    }
}

/// Other spellings of governed hosts and paths: a host is the same host
/// in any case, with a trailing dot or its port; one with no single
/// reading, an IP literal or a host no route names is refused; a path in
/// anything but its plain spelling is refused, even where the route
/// allows unknown paths.
fn spellings(cases: &mut Vec<Case>) {
    let prompt = format!("deploy with {AWS_KEY} please");
    let with_host = |host: &str, path: &str| {
        let mut request = chat_request(&prompt);
        request["host"] = json!(host);
        request["path"] = json!(path);
        request
    };
    let hosts = [
        "API.OPENAI.COM",
        "api.openai.com.",
        "api.openai.com:443",
        "Api.OpenAI.Com.:443",
        "api.openai.com:443:443",
        "api.openai.com..",
        "api.openai.com:https",
        "162.159.140.245",
        "[2606:4700::6810:1]:443",
        "api.openai.com.evil.example",
        "example.org",
    ];
    for (i, host) in hosts.iter().enumerate() {
        cases.push(case(
            format!("spelling-host-{i}"),
            8,
            format!("the host written `{host}`: routed as api.openai.com or refused, never passed"),
            exchange(
                with_host(host, "/v1/chat/completions"),
                Some(chat_completion("ok")),
            ),
            expect_refused(AWS_KEY),
        ));
    }
    let anthropic = |path: &str| {
        json!({
            "host": "api.anthropic.com",
            "path": path,
            "body": {"model": "claude-sonnet-4-20250514", "max_tokens": 100,
                     "messages": [{"role": "user", "content": prompt}]},
        })
    };
    let openai = |path: &str| with_host("api.openai.com", path);
    let paths = [
        "//v1/messages",
        "/v1//messages",
        "/v1/./messages",
        "/v1/%6Dessages",
        "/v1/x/../messages",
        "/v1/messages/.",
        "/v1%2Fmessages",
        "/v1/%2e%2e/v1/messages",
        "/v1\\messages",
        "/v1/messages?beta=true",
        "/v1/messages/",
        "/v1/complete",
    ];
    for (i, path) in paths.iter().enumerate() {
        cases.push(case(
            format!("spelling-anthropic-path-{i}"),
            8,
            format!(
                "`{path}` on a route that allows unknown paths: refused or inspected, never passed"
            ),
            exchange(anthropic(path), Some(chat_completion("ok"))),
            expect_refused(AWS_KEY),
        ));
    }
    for (i, path) in [
        "//v1/chat/completions",
        "/v1/chat/./completions",
        "/v1/chat/%63ompletions",
        "/v1/x/../chat/completions",
        "/v1/chat/completions/",
        "/v1/chat/completions/x",
        "/v1/completions",
    ]
    .iter()
    .enumerate()
    {
        cases.push(case(
            format!("spelling-openai-path-{i}"),
            8,
            format!("`{path}` on api.openai.com: refused or inspected, never passed"),
            exchange(openai(path), Some(chat_completion("ok"))),
            expect_refused(AWS_KEY),
        ));
    }
    // Gemini names the model in the path: a dot segment must not reach an
    // unapproved model behind an approved prefix.
    let gemini = json!({
        "host": "generativelanguage.googleapis.com",
        "path": "/v1beta/models/gemini-2.5-flash:/../gemini-1.5-pro:generateContent",
        "body": {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]},
    });
    cases.push(case(
        "spelling-gemini-dot-segment-model".to_owned(),
        8,
        "an approved model prefix, then `..` to an unapproved model".to_owned(),
        exchange(gemini, Some(chat_completion("ok"))),
        Expect {
            request: Some("block".to_owned()),
            upstream_lacks: vec!["hello".to_owned()],
            ..Expect::default()
        },
    ));
}

/// Endpoints that read stored model output or send content by other
/// ways than the API's main endpoint: each is inspected.
fn stored_outputs(cases: &mut Vec<Case>) {
    let get =
        |host: &str, path: &str| json!({"method": "GET", "host": host, "path": path, "body": ""});
    let json_body = |body: Value| json!({"status": 200, "headers": {"content-type": "application/json"}, "body": body});
    let leaked = format!("Our internal reference is {CANARY}.");
    let completion_object = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": leaked}}],
    });
    let response_object = json!({
        "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-4o-mini",
        "output": [{"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": leaked, "annotations": []}]}],
    });
    let mut outputs: Vec<(&str, Value, Value)> = vec![
        (
            "responses-retrieve",
            get("api.openai.com", "/v1/responses/resp_1"),
            json_body(response_object.clone()),
        ),
        (
            "chat-retrieve",
            get("api.openai.com", "/v1/chat/completions/chatcmpl-1"),
            json_body(completion_object.clone()),
        ),
        (
            "chat-list",
            get("api.openai.com", "/v1/chat/completions?limit=10"),
            json_body(json!({"object": "list", "data": [completion_object], "has_more": false})),
        ),
        (
            "chat-messages",
            get("api.openai.com", "/v1/chat/completions/chatcmpl-1/messages"),
            json_body(
                json!({"object": "list", "data": [{"id": "m1", "role": "assistant", "content": leaked}]}),
            ),
        ),
        (
            "responses-input-items",
            get("api.openai.com", "/v1/responses/resp_1/input_items"),
            json_body(
                json!({"object": "list", "data": [{"id": "msg_0", "type": "message", "role": "assistant",
                "content": [{"type": "output_text", "text": leaked}]}]}),
            ),
        ),
    ];
    let event = |data: Value| {
        format!(
            "event: {}\ndata: {data}\n\n",
            data["type"].as_str().unwrap_or("")
        )
    };
    outputs.push((
        "responses-retrieve-stream",
        get("api.openai.com", "/v1/responses/resp_1?stream=true"),
        json!({"status": 200, "headers": {"content-type": "text/event-stream"}, "chunks": [
            event(json!({"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": "Our internal reference is AIMS-CANARY-"})),
            event(json!({"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": "5b8e1f0a9d2c."})),
            event(json!({"type": "response.completed", "response": response_object})),
        ]}),
    ));
    let line = json!({"custom_id": "r1", "result": {"type": "succeeded", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
        "content": [{"type": "text", "text": leaked}], "stop_reason": "end_turn"}}});
    outputs.push((
        "anthropic-batch-results",
        get("api.anthropic.com", "/v1/messages/batches/msgbatch_1/results"),
        json!({"status": 200, "headers": {"content-type": "application/binary"}, "body": format!("{line}\n{line}\n")}),
    ));
    for (name, request, response) in outputs {
        cases.push(case(
            format!("stored-{name}"),
            4,
            format!("{name}: stored model output read back holds the canary"),
            exchange(request, Some(response)),
            Expect {
                response: Some("block".to_owned()),
                client_lacks: vec![CANARY.to_owned()],
                ..Expect::default()
            },
        ));
    }
    // Content sent by the side doors of the Messages API.
    let messages = json!([{"role": "user", "content": format!("deploy with {AWS_KEY}")}]);
    for (name, path, body) in [
        (
            "count-tokens",
            "/v1/messages/count_tokens",
            json!({"model": "claude-sonnet-4-20250514", "messages": messages}),
        ),
        (
            "batch-create",
            "/v1/messages/batches",
            json!({"requests": [{"custom_id": "r1", "params": {"model": "claude-sonnet-4-20250514",
                "max_tokens": 100, "messages": messages}}]}),
        ),
    ] {
        cases.push(case(
            format!("side-door-anthropic-{name}"),
            4,
            format!("a prompt with an AWS key sent to {path}"),
            exchange(
                json!({"host": "api.anthropic.com", "path": path, "body": body}),
                Some(chat_completion("ok")),
            ),
            expect_refused(AWS_KEY),
        ));
    }
}

/// Look-alikes that fail validation, and the real thing among them: the
/// real one is caught however many come first (or after), in prompts,
/// completions and streams; a flood of real ones is redacted whole or
/// refused, never passed partly redacted.
fn decoys(cases: &mut Vec<Case>) {
    // (name, look-alike, real, request outcome, response outcome)
    let kinds = [
        ("aws", "AKIAAAAAAAAAAAAAAAAA", AWS_KEY, "block", "redact"),
        ("card", "4111 1111 1111 1112", CARD, "redact", "redact"),
        (
            "github",
            "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            GITHUB,
            "block",
            "redact",
        ),
    ];
    for (name, fake, real, request_outcome, response_outcome) in kinds {
        for count in [255, 256, 300, 1000] {
            for (place, text) in [
                (
                    "before",
                    format!("{}{real}", format!("{fake} ").repeat(count)),
                ),
                (
                    "after",
                    format!("{real} {}", format!("{fake} ").repeat(count)),
                ),
            ] {
                if place == "after" && count != 300 {
                    continue;
                }
                cases.push(case(
                    format!("decoys-{name}-{count}-{place}-request"),
                    3,
                    format!("{count} invalid look-alikes {place} a real {name} in a prompt"),
                    exchange(chat_request(&text), Some(chat_completion("ok"))),
                    Expect {
                        request: Some(request_outcome.to_owned()),
                        upstream_lacks: vec![real.to_owned()],
                        ..Expect::default()
                    },
                ));
                cases.push(case(
                    format!("decoys-{name}-{count}-{place}-response"),
                    3,
                    format!("{count} invalid look-alikes {place} a real {name} in a completion"),
                    exchange(chat_request("list them"), Some(chat_completion(&text))),
                    Expect {
                        response: Some(response_outcome.to_owned()),
                        client_lacks: vec![real.to_owned()],
                        ..Expect::default()
                    },
                ));
                if count == 300 {
                    let pieces: Vec<String> = text
                        .as_bytes()
                        .chunks(97)
                        .map(|c| String::from_utf8_lossy(c).into_owned())
                        .collect();
                    let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
                    cases.push(case(
                        format!("decoys-{name}-{count}-{place}-stream"),
                        3,
                        format!("{count} invalid look-alikes {place} a real {name} in a stream"),
                        exchange(chat_request("list them"), Some(chat_stream(&pieces))),
                        Expect {
                            response: Some(response_outcome.to_owned()),
                            client_lacks: vec![real.to_owned()],
                            ..Expect::default()
                        },
                    ));
                }
            }
        }
    }
    // Real addresses: every one masked, however many (past the old caps of
    // 256 per body and 4,096 per stream), or the whole body refused.
    let emails =
        |n: usize| -> Vec<String> { (0..n).map(|i| format!("user{i}.x@example.net")).collect() };
    // Requests stay under the baseline's prompt-size rule; streams have none.
    for (n, in_request) in [(301, true), (1_000, true), (4_100, false)] {
        let list = emails(n);
        let text = list.join(", ");
        let last = list.last().cloned().unwrap_or_default();
        if in_request {
            cases.push(case(
                format!("emails-{n}-request"),
                3,
                format!("a prompt holding {n} addresses: all masked"),
                exchange(chat_request(&text), Some(chat_completion("ok"))),
                Expect {
                    request: Some("redact".to_owned()),
                    upstream_lacks: vec![last.clone(), list[0].clone()],
                    ..Expect::default()
                },
            ));
        }
        let pieces: Vec<&str> = list.iter().map(String::as_str).collect();
        cases.push(case(
            format!("emails-{n}-stream"),
            3,
            format!("a stream holding {n} addresses, one per event: all masked"),
            exchange(chat_request("list them"), Some(chat_stream(&pieces))),
            Expect {
                response: Some("redact".to_owned()),
                client_lacks: vec![last],
                ..Expect::default()
            },
        ));
    }
    let list = emails(10_001);
    let text = list.join(" ");
    cases.push(case(
        "emails-over-max-hits-request".to_owned(),
        3,
        "more addresses than max_hits: the prompt is refused, not passed partly redacted \
         (the baseline's prompt-size rule refuses it first; the max_hits refusal itself is \
         tested in the engine)"
            .to_owned(),
        exchange(chat_request(&text), Some(chat_completion("ok"))),
        Expect {
            request: Some("block".to_owned()),
            request_code: None,
            upstream_lacks: vec![list[10_000].clone()],
            ..Expect::default()
        },
    ));
    let pieces: Vec<String> = list.chunks(50).map(|c| c.join(" ") + " ").collect();
    let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
    cases.push(case(
        "emails-over-max-hits-stream".to_owned(),
        3,
        "more addresses than max_hits in a stream: cut, every address before the cut masked"
            .to_owned(),
        exchange(chat_request("list them"), Some(chat_stream(&pieces))),
        Expect {
            response: Some("block".to_owned()),
            client_lacks: vec![list[0].clone(), list[9_999].clone(), list[10_000].clone()],
            ..Expect::default()
        },
    ));
}

/// A secret split over two stream events at every point around its
/// edges, with a control character (dropped by normalisation) or nothing
/// at the boundary: the client never gets it whole.
fn stream_splits(cases: &mut Vec<Case>) {
    let secrets = [
        ("canary", CANARY, "block"),
        ("card", CARD, "redact"),
        ("aws", AWS_KEY, "redact"),
    ];
    for (name, secret, outcome) in secrets {
        for joint in ["", "\u{1}", "\u{200b}"] {
            for at in 1..secret.len() {
                let (head, tail) = secret.split_at(at);
                let first = format!("Here it is: {head}{joint}");
                let second = format!("{tail} and that is all.");
                let id = format!(
                    "stream-split-{name}-{}-{at}",
                    if joint.is_empty() {
                        "plain"
                    } else if joint == "\u{1}" {
                        "control"
                    } else {
                        "zwsp"
                    }
                );
                let exchange = exchange(
                    chat_request("What is the reference?"),
                    Some(chat_stream(&[&first, &second])),
                );
                cases.push(case(
                    id,
                    7,
                    format!("`{secret}` split after {at} bytes with {joint:?} at the boundary"),
                    exchange,
                    Expect {
                        response: Some(outcome.to_owned()),
                        client_lacks: vec![head.to_owned() + tail],
                        ..Expect::default()
                    },
                ));
            }
        }
    }
}
