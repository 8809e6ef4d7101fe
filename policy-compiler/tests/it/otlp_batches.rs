//! The OTLP/HTTP JSON batches filter.wasm sends a collector, read strictly
//! as opentelemetry-proto's `ExportLogsServiceRequest` (the vendored
//! `.proto` files in `tests/data/otlp/`, compiled by protox; prost-reflect's
//! proto3 JSON mapping refuses unknown fields and enum names), as a
//! collector's OTLP receiver reads them.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::OnceLock;

use aimsgate_host::{HostOptions, HttpCallResponse, Plugin, PluginSpec, Runtime, replay};
use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage, ReflectMessage};
use serde_json::{Value, json};

use crate::common::{filter, root};

/// opentelemetry-proto's logs collector API, compiled once.
fn otlp() -> &'static DescriptorPool {
    static API: OnceLock<DescriptorPool> = OnceLock::new();
    API.get_or_init(|| {
        let dir = root().join("policy-compiler/tests/data/otlp");
        let files = protox::compile(
            ["opentelemetry/proto/collector/logs/v1/logs_service.proto"],
            [&dir],
        )
        .unwrap_or_else(|e| panic!("{}: {e:?}", dir.display()));
        DescriptorPool::from_file_descriptor_set(files).expect("a consistent API")
    })
}

/// `body` as an `ExportLogsServiceRequest`, or why it is not one.
fn export_request(body: &str) -> Result<DynamicMessage, String> {
    let descriptor = otlp()
        .get_message_by_name("opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest")
        .expect("ExportLogsServiceRequest in the API");
    let mut deserializer = serde_json::Deserializer::from_str(body);
    DynamicMessage::deserialize_with_options(
        descriptor,
        &mut deserializer,
        &DeserializeOptions::new(),
    )
    .map_err(|e| e.to_string())
}

/// The baseline pack's traffic through filter.wasm with a collector;
/// every batch the collector received.
fn batches() -> Vec<String> {
    let text =
        std::fs::read_to_string(root().join("examples/policies/baseline/policy.yaml")).unwrap();
    let (compiled, report) = aimsgate_compiler::policy::check("policy.yaml", &text);
    let compiled = compiled.unwrap_or_else(|| panic!("{}", report.render_plain()));
    let ruleset: Value = serde_json::from_str(&compiled.ruleset.to_json()).unwrap();
    let configuration = json!({
        "ruleset": ruleset,
        "options": {"audit": {"collector": {"cluster": "otel", "batch_max_events": 4}}},
    });
    let spec = PluginSpec {
        name: "aimsgate".into(),
        root_id: "aimsgate".into(),
        vm_id: "aimsgate".into(),
        vm_configuration: Vec::new(),
        configuration: configuration.to_string().into_bytes(),
        fail_open: false,
    };
    let options = HostOptions {
        clusters: vec!["otel".into()],
        ..HostOptions::default()
    };
    let module = Runtime::shared().load(filter()).expect("filter.wasm loads");
    let mut plugin = Plugin::start(&module, spec, options).expect("the VM starts");
    assert!(plugin.configured(), "{:?}", plugin.logs());
    let received = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&received);
    plugin.set_http_call_handler(Box::new(move |call| {
        sink.borrow_mut()
            .push(String::from_utf8(call.body.clone()).expect("UTF-8 body"));
        Some(HttpCallResponse::new(200, b"{}".to_vec()))
    }));
    let mut traffic: Vec<_> = std::fs::read_dir(root().join("examples/traffic"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    traffic.sort();
    for path in &traffic {
        let exchange =
            aimsgate_engine::recording::Recording::from_json(&std::fs::read(path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        replay::replay(&mut plugin, &exchange, &path.display().to_string(), 1024);
    }
    plugin.advance(60_000);
    received.take()
}

#[test]
fn every_batch_is_a_valid_otlp_export_request() {
    let batches = batches();
    assert!(batches.len() > 1, "{} batch(es)", batches.len());
    let mut records = 0;
    for body in &batches {
        let request = export_request(body).unwrap_or_else(|e| panic!("{e}\n{body}"));
        // What a receiver would re-encode holds every record sent.
        let value: Value = serde_json::from_str(body).unwrap();
        for resource in value["resourceLogs"].as_array().unwrap() {
            for scope in resource["scopeLogs"].as_array().unwrap() {
                records += scope["logRecords"].as_array().unwrap().len();
            }
        }
        assert_eq!(
            request.descriptor().full_name(),
            "opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest"
        );
    }
    assert!(records >= batches.len(), "{records} records");

    // Strict: the reader refuses what the API does not define.
    let mut value: Value = serde_json::from_str(&batches[0]).unwrap();
    value["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["eventNmae"] = json!("x");
    assert!(export_request(&value.to_string()).is_err());
}
