//! The Envoy bootstrap `compile --emit envoy` writes is valid against
//! Envoy's own API definitions.
//!
//! Validation reads the bootstrap as Envoy does: YAML to JSON, then the
//! proto3 JSON mapping into `envoy.config.bootstrap.v3.Bootstrap`, which
//! refuses an unknown field or enum name, and resolves every `typed_config`
//! (`Any`) by its type URL so the connection manager, the wasm filter, the
//! router and the TLS contexts are checked too. The API is the `.proto`
//! files vendored in tests/data/envoy-api (see its README), compiled here by
//! protox. What it cannot see: Envoy's `validate` rules (lengths, required
//! fields) and whether an older Envoy has a field at all.

use std::sync::OnceLock;

use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, Kind, ReflectMessage, Value as Proto,
};
use serde_json::Value;

use crate::common::root;

/// The roots of the API the bootstrap uses: the bootstrap itself and every
/// type its `typed_config`s name.
const API_ROOTS: &[&str] = &[
    "envoy/config/bootstrap/v3/bootstrap.proto",
    "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
    "envoy/extensions/filters/http/router/v3/router.proto",
    "envoy/extensions/filters/http/wasm/v3/wasm.proto",
    "envoy/extensions/transport_sockets/tls/v3/tls.proto",
];

/// Envoy's API, compiled once per test binary.
fn envoy_api() -> &'static DescriptorPool {
    static API: OnceLock<DescriptorPool> = OnceLock::new();
    API.get_or_init(|| {
        let dir = root().join("policy-compiler/tests/data/envoy-api");
        let files = protox::compile(API_ROOTS, [&dir]).unwrap_or_else(|e| {
            panic!(
                "{}: {e:?} (a file missing here: copy it in, see the README)",
                dir.display()
            )
        });
        DescriptorPool::from_file_descriptor_set(files).expect("a consistent API")
    })
}

/// YAML as the JSON Envoy's loader makes of it.
fn yaml(text: &str) -> Value {
    aimsgate_compiler::policy::source::parse(text)
        .unwrap_or_else(|d| panic!("not YAML: {}", d.message))
        .value
}

/// `bootstrap` read into Envoy's `Bootstrap`, or where and why it is not one.
fn validate(bootstrap: &str) -> Result<DynamicMessage, String> {
    let api = envoy_api();
    let descriptor = api
        .get_message_by_name("envoy.config.bootstrap.v3.Bootstrap")
        .expect("Bootstrap in the API");
    let mut track = serde_path_to_error::Track::new();
    let value = yaml(bootstrap);
    let deserializer = serde_path_to_error::Deserializer::new(&value, &mut track);
    DynamicMessage::deserialize_with_options(descriptor, deserializer, &DeserializeOptions::new())
        .map_err(|e| format!("{}: {e}", track.path()))
}

/// The fields (and enum values) set in `message` that Envoy's API marks
/// deprecated, which Envoy warns about (or, once removed, rejects), with
/// their paths; `Any`s are opened by type URL.
fn deprecated(message: &DynamicMessage) -> Vec<String> {
    fn walk(message: &DynamicMessage, path: &str, out: &mut Vec<String>) {
        if message.descriptor().full_name() == "google.protobuf.Any" {
            let type_url = message.get_field_by_name("type_url").unwrap();
            let bytes = message.get_field_by_name("value").unwrap();
            let name = type_url.as_str().unwrap().rsplit('/').next().unwrap();
            let inner = envoy_api()
                .get_message_by_name(name)
                .unwrap_or_else(|| panic!("{path}: {name} is not in the API"));
            let inner = DynamicMessage::decode(inner, bytes.as_bytes().unwrap().clone()).unwrap();
            return walk(&inner, path, out);
        }
        for (field, value) in message.fields() {
            let here = format!("{path}.{}", field.name());
            if field
                .field_descriptor_proto()
                .options
                .as_ref()
                .is_some_and(|o| o.deprecated())
            {
                out.push(here.clone());
            }
            walk_value(value, &field.kind(), &here, out);
        }
    }
    fn walk_value(value: &Proto, kind: &Kind, path: &str, out: &mut Vec<String>) {
        match value {
            Proto::Message(message) => walk(message, path, out),
            Proto::List(items) => items.iter().for_each(|v| walk_value(v, kind, path, out)),
            Proto::Map(entries) => entries
                .values()
                .for_each(|v| walk_value(v, kind, path, out)),
            Proto::EnumNumber(number) => {
                let enum_value = kind.as_enum().and_then(|e| e.get_value(*number));
                if enum_value.is_some_and(|v| {
                    v.enum_value_descriptor_proto()
                        .options
                        .as_ref()
                        .is_some_and(|o| o.deprecated())
                }) {
                    out.push(format!("{path} = {number}"));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(message, "", &mut out);
    out
}

#[test]
fn the_shipped_bootstrap_is_envoy_config_with_no_deprecated_field() {
    let text = std::fs::read_to_string(root().join("envoy/envoy.yaml")).unwrap();
    let bootstrap = validate(&text).unwrap_or_else(|e| panic!("envoy/envoy.yaml: {e}"));
    assert_eq!(deprecated(&bootstrap), Vec::<String>::new());
}

#[test]
fn a_misspelt_field_enum_or_type_is_refused_wherever_it_is() {
    let text = std::fs::read_to_string(root().join("envoy/envoy.yaml")).unwrap();
    validate(&text).expect("the shipped file is valid");
    for (right, wrong, what) in [
        (
            "static_resources:",
            "static_resource:",
            "the bootstrap itself",
        ),
        (
            "stat_prefix:",
            "stat_prefx:",
            "the connection manager (an Any)",
        ),
        ("root_id:", "rootid:", "the wasm filter (an Any)"),
        ("sni:", "snii:", "the TLS context (an Any)"),
        (
            "dns_lookup_family: V4_ONLY",
            "dns_lookup_family: V4_ONL",
            "an enum name",
        ),
        (
            "envoy.extensions.filters.http.router.v3.Router",
            "envoy.extensions.filters.http.router.v3.Routr",
            "a type URL",
        ),
    ] {
        assert!(text.contains(right), "{right}");
        let bad = text.replacen(right, wrong, 1);
        let err = validate(&bad).expect_err(&format!("`{wrong}` in {what} is refused"));
        let name = wrong
            .trim_end_matches(':')
            .rsplit([' ', '.'])
            .next()
            .unwrap();
        assert!(err.contains(name), "{what}: {err}");
    }
}

#[test]
fn the_vendored_api_is_exactly_what_the_bootstrap_needs() {
    let dir = root().join("policy-compiler/tests/data/envoy-api");
    let needed: Vec<String> = envoy_api()
        .files()
        .map(|f| f.name().to_owned())
        .filter(|name| !name.starts_with("google/protobuf/"))
        .collect();
    let mut vendored = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "proto") {
                let name = path.strip_prefix(&dir).unwrap().to_str().unwrap();
                vendored.push(name.replace('\\', "/"));
            }
        }
    }
    let unused: Vec<&String> = vendored.iter().filter(|f| !needed.contains(f)).collect();
    assert!(
        unused.is_empty(),
        "not imported by the bootstrap's API: {unused:?}"
    );
}
