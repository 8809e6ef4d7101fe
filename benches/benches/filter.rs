//! The real filter.wasm in the proxy-wasm harness: a 4 KiB chat request
//! (with one e-mail address to redact) and its JSON response, against the
//! same exchange on an ungoverned host (the filter passes it untouched:
//! the harness's and the ABI's own cost) and against the native engine on
//! the same body — all in one process, so the ratios are the figures.
//!
//! `cargo bench -p aimsgate-benches --bench filter`

use std::hint::black_box;

use aimsgate_benches::{baseline, chat_request};
use aimsgate_engine::decision::MemoryLedger;
use aimsgate_engine::{Engine, RequestContext};
use aimsgate_host::{
    HostOptions, HttpRequest, HttpResponse, Module, Plugin, PluginSpec, Runtime, UpstreamRequest,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn module() -> Module {
    let wasm = aimsgate_host::build_wasm("aimsgate-filter").expect("filter.wasm builds");
    Runtime::shared().load(&wasm).expect("filter.wasm loads")
}

fn start(module: &Module, rules: &[u8]) -> Plugin {
    let spec = PluginSpec {
        name: "aimsgate".into(),
        root_id: "aimsgate".into(),
        vm_id: "aimsgate".into(),
        vm_configuration: Vec::new(),
        configuration: rules.to_vec(),
        fail_open: false,
    };
    Plugin::start(module, spec, HostOptions::default()).expect("starts")
}

fn request(host: &str, body: &[u8]) -> HttpRequest {
    HttpRequest {
        headers: [
            (":method", "POST"),
            (":path", "/v1/chat/completions"),
            (":authority", host),
            (":scheme", "https"),
            ("content-type", "application/json"),
            ("x-user-id", "u-1"),
            ("x-user-group", "customer-support"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        body: vec![body.to_vec()],
        trailers: Vec::new(),
    }
}

fn response() -> HttpResponse {
    let body = br#"{"id":"c","object":"chat.completion","model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Here is the summary you asked for."},"finish_reason":"stop"}]}"#;
    HttpResponse {
        headers: vec![
            (":status".into(), "200".into()),
            ("content-type".into(), "application/json".into()),
        ],
        body: vec![body.to_vec()],
        trailers: Vec::new(),
    }
}

fn exchange_4k(c: &mut Criterion) {
    let module = module();
    let rules = baseline().to_bytes();
    let body = chat_request(4096);
    let mut plugin = start(&module, &rules);
    let answer = response();
    let mut upstream = |_: &UpstreamRequest| answer.clone();
    let engine = Engine::from_bytes(&rules).expect("loads");
    let ctx = RequestContext {
        host: "api.openai.com",
        path: "/v1/chat/completions",
        headers: &[],
        route: Some(0),
        api: None,
        now_secs: 0,
    };

    let mut group = c.benchmark_group("exchange_4k/baseline");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("filter_wasm_governed", |b| {
        b.iter(|| {
            let outcome =
                plugin.exchange(request("api.openai.com", black_box(&body)), &mut upstream);
            plugin.take_logs();
            outcome
        })
    });
    group.bench_function("filter_wasm_ungoverned_passthrough", |b| {
        b.iter(|| plugin.exchange(request("example.com", black_box(&body)), &mut upstream))
    });
    group.bench_function("native_engine_request_only", |b| {
        b.iter(|| engine.inspect_request(&ctx, black_box(&body), &mut MemoryLedger::default()))
    });
    group.finish();

    let mut group = c.benchmark_group("vm_start/baseline");
    group.sample_size(20);
    group.bench_function("filter_wasm_start_and_configure", |b| {
        b.iter(|| start(&module, black_box(&rules)))
    });
    group.bench_function("native_engine_load", |b| {
        b.iter(|| Engine::from_bytes(black_box(&rules)))
    });
    group.finish();

    // What a proxy worker pays once before its first request: compiling
    // filter.wasm (Cranelift, as ngx_wasm_module's wasmtime and Envoy's
    // wasmtime runtime do; each nginx worker compiles its own copy).
    // Measured against loading the rule set natively, in the same process.
    let wasm = aimsgate_host::build_wasm("aimsgate-filter").expect("filter.wasm builds");
    let bytes = std::fs::read(&wasm).expect("filter.wasm reads");
    let mut group = c.benchmark_group("vm_compile/baseline");
    group.sample_size(10);
    group.bench_function("filter_wasm_compile", |b| {
        b.iter(|| wasmtime::Module::new(&wasmtime::Engine::default(), black_box(&bytes)))
    });
    group.bench_function("native_engine_load", |b| {
        b.iter(|| Engine::from_bytes(black_box(&rules)))
    });
    group.finish();
}

criterion_group!(benches, exchange_4k);
criterion_main!(benches);
