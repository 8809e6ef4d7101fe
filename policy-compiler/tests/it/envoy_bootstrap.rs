//! The Envoy bootstrap `compile --emit envoy` writes: valid against Envoy's
//! own API definitions, and built so that traffic cannot walk around the
//! filter (per-host upstreams with verified certificates, a catch-all that
//! refuses, one spelling of path and Host, a VM failure that fails closed).
//!
//! Validation reads the bootstrap as Envoy does: YAML to JSON, then the
//! proto3 JSON mapping into `envoy.config.bootstrap.v3.Bootstrap`, which
//! refuses an unknown field or enum name, and resolves every `typed_config`
//! (`Any`) by its type URL so the connection manager, the wasm filter, the
//! router and the TLS contexts are checked too. The API is the `.proto`
//! files vendored in tests/data/envoy-api (see its README), compiled here by
//! protox. What it cannot see: Envoy's `validate` rules (lengths, required
//! fields) and whether an older Envoy has a field at all; the version tests
//! below cover the one field that matters (`failure_policy`).

use std::sync::OnceLock;

use aimsgate_compiler::deploy_config;
use aimsgate_compiler::emit::{
    self, COLLECTOR_CLUSTER, Deployment, EnvoyVersion, EnvoyVersionError, LISTENER_PORT,
    UNGOVERNED_STATUS,
};
use aimsgate_engine::ruleset::RuleSet;
use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, Kind, ReflectMessage, Value as Proto,
};
use serde_json::Value;

use crate::common::{aimsgate, root, scratch};

const BASELINE: &str = "examples/policies/baseline/policy.yaml";

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

fn baseline() -> RuleSet {
    let text = std::fs::read_to_string(root().join(BASELINE)).unwrap();
    let (compiled, report) = aimsgate_compiler::policy::check(BASELINE, &text);
    compiled
        .unwrap_or_else(|| panic!("{}", report.render_fancy()))
        .ruleset
}

/// The parts of a bootstrap the tests look at.
struct Bootstrap(Value);

impl Bootstrap {
    fn emit(ruleset: &RuleSet, deployment: &Deployment) -> (String, Bootstrap) {
        let text = emit::envoy_bootstrap(ruleset, deployment);
        let value = yaml(&text);
        (text, Bootstrap(value))
    }

    fn hcm(&self) -> &Value {
        &self.0["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    }

    fn virtual_hosts(&self) -> &Vec<Value> {
        self.hcm()["route_config"]["virtual_hosts"]
            .as_array()
            .unwrap()
    }

    fn cluster(&self, name: &str) -> Option<&Value> {
        self.0["static_resources"]["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
    }

    fn wasm_config(&self) -> &Value {
        let filters = self.hcm()["http_filters"].as_array().unwrap();
        &filters
            .iter()
            .find(|f| f["name"] == "envoy.filters.http.wasm")
            .unwrap()["typed_config"]["config"]
    }

    /// Where Envoy sends a request with this `Host`: the connection
    /// manager's host rewriting as configured, then virtual host selection
    /// (source/common/router/config_impl.cc: an exact domain, then the
    /// longest `*.suffix` / `prefix*` wildcard, then `*`; case-insensitive),
    /// then the first route (all routes here match every path).
    fn route(&self, host: &str) -> Routed {
        let hcm = self.hcm();
        let mut host = host.to_ascii_lowercase();
        let (name, port) = match host.rsplit_once(':') {
            Some((name, port)) => (name.to_owned(), Some(port.to_owned())),
            None => (host.clone(), None),
        };
        let name = if hcm["strip_trailing_host_dot"] == true {
            name.strip_suffix('.').unwrap_or(&name).to_owned()
        } else {
            name
        };
        host = match port {
            Some(_) if hcm["strip_any_host_port"] == true => name,
            Some(port)
                if hcm["strip_matching_host_port"] == true && port == LISTENER_PORT.to_string() =>
            {
                name
            }
            Some(port) => format!("{name}:{port}"),
            None => name,
        };
        let hosts = self.virtual_hosts();
        let domains = |vh: &Value| -> Vec<String> {
            vh["domains"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_owned())
                .collect()
        };
        let exact = hosts.iter().find(|vh| domains(vh).contains(&host));
        let wildcard = || {
            hosts
                .iter()
                .flat_map(|vh| domains(vh).into_iter().map(move |d| (vh, d)))
                .filter(|(_, d)| d != "*")
                .filter(|(_, d)| {
                    d.strip_prefix('*')
                        .is_some_and(|suffix| host.len() > suffix.len() && host.ends_with(suffix))
                        || d.strip_suffix('*').is_some_and(|prefix| {
                            host.len() > prefix.len() && host.starts_with(prefix)
                        })
                })
                .max_by_key(|(_, d)| d.len())
                .map(|(vh, _)| vh)
        };
        let any = || hosts.iter().find(|vh| domains(vh).iter().any(|d| d == "*"));
        let Some(vh) = exact.or_else(wildcard).or_else(any) else {
            return Routed::NotFound;
        };
        let route = &vh["routes"][0];
        if let Some(cluster) = route["route"]["cluster"].as_str() {
            return Routed::Cluster(cluster.to_owned());
        }
        Routed::Answered(route["direct_response"]["status"].as_u64().unwrap() as u16)
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Routed {
    /// Forwarded to this cluster.
    Cluster(String),
    /// Answered by Envoy with this status.
    Answered(u16),
    /// No virtual host: Envoy's own 404.
    NotFound,
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
        (
            "merge_slashes:",
            "merge_slash:",
            "the connection manager (an Any)",
        ),
        ("root_id:", "rootid:", "the wasm filter (an Any)"),
        (
            "failure_policy: FAIL_CLOSED",
            "failure_policy: FAIL_CLOSE",
            "an enum name",
        ),
        (
            "match_typed_subject_alt_names:",
            "match_typed_subject_alt_name:",
            "the TLS context (an Any)",
        ),
        (
            "san_type: DNS",
            "san_type: DNS_NAME",
            "an enum name inside the TLS context",
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
fn every_target_version_and_option_gives_valid_config() {
    let ruleset = baseline();
    for version in ["1.21", "1.32", "1.33", "1.35.2", "v1.40"] {
        for fail_open in [false, true] {
            for upstream in [None, Some("127.0.0.1:8443".to_owned())] {
                let deployment = Deployment {
                    envoy_version: version.parse().unwrap(),
                    fail_open,
                    upstream: upstream.clone(),
                    ..Deployment::default()
                };
                let (text, _) = Bootstrap::emit(&ruleset, &deployment);
                let message = validate(&text).unwrap_or_else(|e| panic!("{deployment:?}: {e}"));
                let expected: Vec<String> = if fail_open
                    && !deployment.envoy_version.has_failure_policy()
                {
                    // What an old Envoy has: the only spelling it reads.
                    vec![".static_resources.listeners.filter_chains.filters.typed_config.http_filters.typed_config.config.fail_open".to_owned()]
                } else {
                    Vec::new()
                };
                assert_eq!(deprecated(&message), expected, "{deployment:?}");
            }
        }
    }
}

#[test]
fn each_governed_host_has_its_own_upstream_with_its_name_verified() {
    let ruleset = baseline();
    let hosts = emit::governed_hosts(&ruleset);
    assert_eq!(
        hosts.named,
        [
            "api.openai.com",
            "api.anthropic.com",
            "generativelanguage.googleapis.com",
            "legacy-bot.internal.example.com"
        ]
    );
    let (_, bootstrap) = Bootstrap::emit(&ruleset, &Deployment::default());
    for host in &hosts.named {
        for spelling in [
            host.clone(),
            format!("{host}:443"),
            format!("{host}:{LISTENER_PORT}"),
            format!("{host}."),
            format!("{host}.:443"),
            host.to_ascii_uppercase(),
        ] {
            assert_eq!(
                bootstrap.route(&spelling),
                Routed::Cluster(host.clone()),
                "Host: {spelling}"
            );
        }
        let cluster = bootstrap.cluster(host).expect("a cluster per host");
        let address = &cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
            ["socket_address"];
        assert_eq!(address["address"], host.as_str());
        assert_eq!(address["port_value"], 443);
        let tls = &cluster["transport_socket"]["typed_config"];
        assert_eq!(tls["sni"], host.as_str(), "the host as server name");
        let validation = &tls["common_tls_context"]["validation_context"];
        assert_eq!(
            validation["trusted_ca"]["filename"],
            "/etc/ssl/certs/ca-certificates.crt"
        );
        assert_eq!(
            validation["match_typed_subject_alt_names"],
            serde_json::json!([{"san_type": "DNS", "matcher": {"exact": host}}]),
            "the certificate must name {host}"
        );
        // Dots in a cluster's name would be read as stat tag separators.
        assert!(!cluster["alt_stat_name"].as_str().unwrap().contains('.'));
    }
    // Nothing but the governed hosts and the collector is reachable.
    let clusters: Vec<&str> = bootstrap.0["static_resources"]["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = hosts.named.iter().map(String::as_str).collect();
    expected.push(COLLECTOR_CLUSTER);
    assert_eq!(clusters, expected);
}

#[test]
fn any_other_host_is_refused_by_envoy_and_reaches_nothing() {
    let (_, bootstrap) = Bootstrap::emit(&baseline(), &Deployment::default());
    for host in [
        "evil.example",
        "api.openai.com.evil.example",
        "openai.com",
        "xapi.openai.com",
        "api.openai.com:8443",
        "api.openai.com..",
        "104.18.7.192",
        "[::1]:10000",
        "",
    ] {
        assert_eq!(
            bootstrap.route(host),
            Routed::Answered(UNGOVERNED_STATUS),
            "Host: {host:?}"
        );
    }
    let catch_all = bootstrap
        .virtual_hosts()
        .iter()
        .find(|vh| vh["domains"] == serde_json::json!(["*"]))
        .expect("a catch-all virtual host");
    for route in catch_all["routes"].as_array().unwrap() {
        assert!(
            route.get("route").is_none(),
            "the catch-all forwards nowhere"
        );
        assert_eq!(route["direct_response"]["status"], 421);
    }
}

#[test]
fn a_host_the_bootstrap_cannot_forward_to_is_named_and_refused() {
    let mut ruleset = baseline();
    ruleset.routes[0].hosts = vec!["*.openai.azure.com".into()];
    ruleset.routes[1].hosts = vec!["10.1.2.3".into()];
    ruleset.routes[2].hosts = Vec::new();
    let hosts = emit::governed_hosts(&ruleset);
    assert!(
        hosts.unforwarded.iter().any(|h| h == "*.openai.azure.com")
            && hosts.unforwarded.iter().any(|h| h == "10.1.2.3")
            && hosts
                .unforwarded
                .iter()
                .any(|h| h.starts_with("every host")),
        "{hosts:?}"
    );
    let (text, bootstrap) = Bootstrap::emit(&ruleset, &Deployment::default());
    validate(&text).unwrap();
    assert!(
        text.contains("#   *.openai.azure.com\n"),
        "listed in the header"
    );
    for host in ["eastus.openai.azure.com", "10.1.2.3", "anything.example"] {
        assert_eq!(bootstrap.route(host), Routed::Answered(UNGOVERNED_STATUS));
    }
}

#[test]
fn the_path_and_host_have_one_spelling_before_the_filter_sees_them() {
    let (_, bootstrap) = Bootstrap::emit(&baseline(), &Deployment::default());
    let hcm = bootstrap.hcm();
    assert_eq!(hcm["normalize_path"], true);
    assert_eq!(hcm["merge_slashes"], true);
    assert_eq!(hcm["path_with_escaped_slashes_action"], "REJECT_REQUEST");
    assert_eq!(hcm["strip_trailing_host_dot"], true);
    assert_eq!(hcm["strip_matching_host_port"], true);
    assert!(
        hcm.get("strip_any_host_port").is_none(),
        "only one port mode"
    );
    assert_eq!(
        hcm["common_http_protocol_options"]["headers_with_underscores_action"],
        "REJECT_REQUEST"
    );
    // Envoy ignores the options above when header validation (UHV) is
    // configured.
    assert!(hcm.get("typed_header_validation_config").is_none());
    // The wasm filter runs before the router, on the rewritten request.
    let names: Vec<&str> = hcm["http_filters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["envoy.filters.http.wasm", "envoy.filters.http.router"]
    );
}

#[test]
fn a_failed_vm_fails_closed_in_the_spelling_the_target_envoy_reads() {
    let ruleset = baseline();
    let dir = scratch("envoy-failure");
    for (version, fail_open, field, value) in [
        ("1.32", false, "fail_open", serde_json::json!(false)),
        ("1.32", true, "fail_open", serde_json::json!(true)),
        (
            "1.33",
            false,
            "failure_policy",
            serde_json::json!("FAIL_CLOSED"),
        ),
        (
            "1.35",
            true,
            "failure_policy",
            serde_json::json!("FAIL_OPEN"),
        ),
    ] {
        let deployment = Deployment {
            envoy_version: version.parse().unwrap(),
            fail_open,
            ..Deployment::default()
        };
        let (text, bootstrap) = Bootstrap::emit(&ruleset, &deployment);
        let config = bootstrap.wasm_config();
        assert_eq!(config[field], value, "Envoy {version}");
        let other = if field == "fail_open" {
            "failure_policy"
        } else {
            "fail_open"
        };
        assert!(
            config.get(other).is_none(),
            "Envoy {version}: {other} must not be set beside {field}"
        );
        // The harness reads the same behaviour back.
        let path = dir.join(format!("envoy-{version}-{fail_open}.yaml"));
        std::fs::write(&path, &text).unwrap();
        assert_eq!(
            deploy_config::from_envoy(&path).unwrap().fail_open,
            fail_open
        );
    }
    // Both fields at once: Envoy refuses the filter, and so does the harness.
    let both = emit::envoy_bootstrap(&ruleset, &Deployment::default()).replace(
        "failure_policy: FAIL_CLOSED",
        "failure_policy: FAIL_CLOSED\n                        fail_open: true",
    );
    let path = dir.join("both.yaml");
    std::fs::write(&path, both).unwrap();
    let err = format!("{:#}", deploy_config::from_envoy(&path).unwrap_err());
    assert!(
        err.contains("only one of fail_open or failure_policy"),
        "{err}"
    );
}

#[test]
fn an_upstream_override_moves_the_connection_but_not_the_name_checked() {
    let ruleset = baseline();
    let deployment = Deployment {
        upstream: Some("127.0.0.1:8443".into()),
        trusted_ca: "/etc/aimsgate/test-ca.pem".into(),
        ..Deployment::default()
    };
    let (_, bootstrap) = Bootstrap::emit(&ruleset, &deployment);
    for host in emit::governed_hosts(&ruleset).named {
        assert_eq!(bootstrap.route(&host), Routed::Cluster(host.clone()));
        let cluster = bootstrap.cluster(&host).unwrap();
        let address = &cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
            ["socket_address"];
        assert_eq!(address["address"], "127.0.0.1");
        assert_eq!(address["port_value"], 8443);
        let tls = &cluster["transport_socket"]["typed_config"];
        assert_eq!(tls["sni"], host.as_str());
        let validation = &tls["common_tls_context"]["validation_context"];
        assert_eq!(
            validation["trusted_ca"]["filename"],
            "/etc/aimsgate/test-ca.pem"
        );
        assert_eq!(
            validation["match_typed_subject_alt_names"][0]["matcher"]["exact"],
            host.as_str()
        );
    }
}

#[test]
fn the_cli_targets_an_envoy_version_and_refuses_one_too_old() {
    let dir = scratch("emit-envoy-version");
    let (code, _, err) = aimsgate(&[
        "compile",
        BASELINE,
        "--emit",
        "envoy",
        "--envoy-version",
        "1.32.4",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.join("envoy.yaml")).unwrap();
    validate(&text).unwrap();
    assert!(text.contains("for Envoy 1.32 or newer"));
    let config = deploy_config::from_envoy(&dir.join("envoy.yaml")).unwrap();
    assert!(!config.fail_open);
    assert!(
        !text.contains("failure_policy:"),
        "1.32 rejects failure_policy"
    );

    let (code, _, err) = aimsgate(&[
        "compile",
        BASELINE,
        "--emit",
        "envoy",
        "--envoy-version",
        "1.20",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("1.21"), "{err}");
    assert!(matches!(
        "1.20".parse::<EnvoyVersion>(),
        Err(EnvoyVersionError::TooOld(_))
    ));
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
