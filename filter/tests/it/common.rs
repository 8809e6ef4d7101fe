//! Helpers shared by the filter's end-to-end tests: the built module,
//! policies, requests and responses in the shapes the APIs use.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use aimsgate_compiler::policy;
use aimsgate_host::replay::{self, LoggedDecision};
use aimsgate_host::{
    ExchangeOutcome, HostOptions, HttpRequest, HttpResponse, Module, Plugin, PluginSpec, Runtime,
    UpstreamRequest,
};
use serde_json::{Value, json};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn module() -> Module {
    static MODULE: OnceLock<Module> = OnceLock::new();
    MODULE
        .get_or_init(|| {
            let wasm = aimsgate_host::build_wasm("aimsgate-filter").expect("filter.wasm builds");
            Runtime::shared().load(&wasm).expect("filter.wasm loads")
        })
        .clone()
}

pub fn compile(text: &str) -> Vec<u8> {
    let (compiled, report) = policy::check("test.yaml", text);
    compiled
        .unwrap_or_else(|| panic!("{}", report.render_plain()))
        .ruleset
        .to_bytes()
}

pub fn baseline() -> Vec<u8> {
    static RULES: OnceLock<Vec<u8>> = OnceLock::new();
    RULES
        .get_or_init(|| {
            let text =
                std::fs::read_to_string(root().join("examples/policies/baseline/policy.yaml"))
                    .unwrap();
            compile(&text)
        })
        .clone()
}

pub fn start(configuration: Vec<u8>, options: HostOptions) -> Plugin {
    let spec = PluginSpec {
        name: "aimsgate".into(),
        root_id: "aimsgate".into(),
        vm_id: "aimsgate".into(),
        vm_configuration: Vec::new(),
        configuration,
        fail_open: false,
    };
    Plugin::start(&module(), spec, options).expect("the VM starts")
}

/// A policy with one usage budget: two requests per user and hour.
pub const BUDGET_POLICY: &str = r#"apiVersion: aimsgate/v1
kind: Policy
metadata: {name: budget, version: "1", owner: me, approver: you, approved: 2026-01-01}
identity: {user_header: x-user-id}
rules:
  - id: two-per-hour
    when:
      budget: {unit: requests, limit: 2, window: 1h, per: user}
    action: block
    controls: [iso42001:A.6.2.6]
"#;

/// The plugin configuration `{"ruleset": …, "options": …}` of `rules` (a
/// compiled rule set) on a host configured by `host`.
pub fn configured(rules: &[u8], options: Value, host: HostOptions) -> Plugin {
    let rules = aimsgate_engine::ruleset::RuleSet::from_bytes(rules).expect("loads");
    let ruleset: Value = serde_json::from_str(&rules.to_json()).expect("JSON form");
    let configuration = serde_json::json!({"ruleset": ruleset, "options": options});
    start(configuration.to_string().into_bytes(), host)
}

/// `rules` (a compiled rule set) on ngx_wasm_module configured as
/// docs/deploy.md says: the client's host in `host`, buffers as large as
/// the body limits.
pub fn ngx_plugin(rules: &[u8]) -> Plugin {
    let plugin = configured(
        rules,
        json!({"host_header": "host"}),
        HostOptions {
            flavor: aimsgate_host::Flavor::NgxWasm,
            ngx_response_buffers: 4 << 20,
            ngx_client_body_buffer_size: 1 << 20,
            ..HostOptions::default()
        },
    );
    assert!(plugin.configured(), "{:?}", plugin.logs());
    plugin
}

pub fn plugin(rules: Vec<u8>) -> Plugin {
    let plugin = start(rules, HostOptions::default());
    assert!(plugin.configured(), "{:?}", plugin.logs());
    plugin
}

pub const IDENTITY: [(&str, &str); 2] =
    [("x-user-id", "u-1"), ("x-user-group", "customer-support")];

pub fn request(host: &str, path: &str, body: &[u8], pieces: usize) -> HttpRequest {
    let mut headers: Vec<(String, String)> = vec![
        (":method".into(), "POST".into()),
        (":path".into(), path.into()),
        (":authority".into(), host.into()),
        (":scheme".into(), "https".into()),
        ("content-type".into(), "application/json".into()),
        ("content-length".into(), body.len().to_string()),
    ];
    headers.extend(IDENTITY.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let size = body.len().div_ceil(pieces.max(1)).max(1);
    HttpRequest {
        headers,
        body: body.chunks(size).map(<[u8]>::to_vec).collect(),
        trailers: Vec::new(),
    }
}

pub fn chat(content: &str) -> Vec<u8> {
    json!({"model": "gpt-4o", "max_tokens": 100, "messages": [{"role": "user", "content": content}]})
        .to_string()
        .into_bytes()
}

pub fn completion(content: &str) -> HttpResponse {
    let body = json!({
        "id": "c", "object": "chat.completion", "model": "gpt-4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]
    });
    HttpResponse {
        headers: vec![
            (":status".into(), "200".into()),
            ("content-type".into(), "application/json".into()),
        ],
        body: vec![body.to_string().into_bytes()],
        trailers: Vec::new(),
    }
}

pub fn sse(events: &[String], cuts: &[usize]) -> HttpResponse {
    let body: String = events.concat();
    let bytes = body.as_bytes();
    let mut chunks = Vec::new();
    let mut at = 0;
    for &cut in cuts.iter().filter(|&&c| c < bytes.len()) {
        chunks.push(bytes[at..cut].to_vec());
        at = cut;
    }
    chunks.push(bytes[at..].to_vec());
    HttpResponse {
        headers: vec![
            (":status".into(), "200".into()),
            ("content-type".into(), "text/event-stream".into()),
        ],
        body: chunks,
        trailers: Vec::new(),
    }
}

pub fn chunk_event(text: &str) -> String {
    let data = json!({"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]});
    format!("data: {data}\n\n")
}

pub struct Run {
    pub outcome: ExchangeOutcome,
    pub request: Option<LoggedDecision>,
    pub response: Option<LoggedDecision>,
    pub events: Vec<Value>,
}

pub fn exchange(plugin: &mut Plugin, request: HttpRequest, response: HttpResponse) -> Run {
    let mut upstream = move |_: &UpstreamRequest| response.clone();
    let outcome = plugin.exchange(request, &mut upstream);
    assert_eq!(outcome.trap, None, "the filter trapped");
    let (request, response, events) = replay::decisions(&outcome);
    Run {
        outcome,
        request,
        response,
        events,
    }
}

pub fn openai(plugin: &mut Plugin, body: &[u8], pieces: usize, response: HttpResponse) -> Run {
    exchange(
        plugin,
        request("api.openai.com", "/v1/chat/completions", body, pieces),
        response,
    )
}

pub fn body_text(run: &Run) -> String {
    String::from_utf8_lossy(&run.outcome.body).into_owned()
}

pub fn upstream_text(run: &Run) -> String {
    run.outcome
        .upstream
        .as_ref()
        .map(|u| String::from_utf8_lossy(&u.body).into_owned())
        .unwrap_or_default()
}

pub fn outcome(decision: &Option<LoggedDecision>) -> &str {
    decision.as_ref().map_or("-", |d| d.outcome.as_str())
}

/// `exchanges` chat exchanges (every other one with a card number), with
/// `ms` of proxy time after each, so that the filter's ticks write
/// checkpoints as in a running proxy.
pub fn paced_traffic(plugin: &mut Plugin, exchanges: usize, ms: u64) {
    for i in 0..exchanges {
        let text = if i % 2 == 0 {
            "card 4111 1111 1111 1111".to_owned()
        } else {
            format!("hello {i}")
        };
        openai(plugin, &chat(&text), 1, completion("ok"));
        plugin.advance(ms);
    }
}
