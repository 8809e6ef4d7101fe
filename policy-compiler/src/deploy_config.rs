//! Reading the plugin configuration back out of deployment manifests, so
//! the harness runs the filter with exactly what an Envoy bootstrap or an
//! Istio `WasmPlugin` would hand it: the shipped config is the tested config.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use serde_json::Value;

use crate::policy::source;

/// What a proxy would give the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginConfig {
    /// `name` (Envoy) or the WasmPlugin's name.
    pub name: String,
    /// `root_id` / `pluginName`.
    pub root_id: String,
    /// `vm_config.vm_id`.
    pub vm_id: String,
    /// The bytes `proxy_on_configure` reads.
    pub configuration: Vec<u8>,
    /// `failure_policy: FAIL_OPEN` (or the deprecated `fail_open: true`) /
    /// `failStrategy: FAIL_OPEN`.
    pub fail_open: bool,
    /// Clusters the bootstrap defines (`proxy_http_call` targets).
    pub clusters: Vec<String>,
    /// `vm_config.code.local.filename`, when local.
    pub filter: Option<String>,
}

fn load(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    source::parse(&text)
        .map(|doc| doc.value)
        .map_err(|d| anyhow!("{}: {}", path.display(), d.message))
}

/// The first `envoy.filters.http.wasm` filter of an Envoy bootstrap.
pub fn from_envoy(path: &Path) -> Result<PluginConfig> {
    let bootstrap = load(path)?;
    let filter = find_wasm_filter(&bootstrap).ok_or_else(|| {
        anyhow!(
            "{}: no envoy.filters.http.wasm filter with a `config`",
            path.display()
        )
    })?;
    let config = &filter["typed_config"]["config"];
    let configuration = configuration_bytes(&config["configuration"])
        .with_context(|| format!("{}: the wasm filter's `configuration`", path.display()))?;
    let fail_open = fails_open(config)
        .with_context(|| format!("{}: the wasm filter's failure behaviour", path.display()))?;
    let clusters = bootstrap["static_resources"]["clusters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    Ok(PluginConfig {
        name: text(&config["name"]),
        root_id: text(&config["root_id"]),
        vm_id: text(&config["vm_config"]["vm_id"]),
        configuration,
        fail_open,
        clusters,
        filter: config["vm_config"]["code"]["local"]["filename"]
            .as_str()
            .map(str::to_owned),
    })
}

/// Whether a wasm `PluginConfig` lets traffic through when its VM fails,
/// decided as Envoy decides it (source/extensions/common/wasm/wasm.cc,
/// the `PluginConfig` constructor, Envoy 1.33 on): `fail_open: true` is
/// `FAIL_OPEN`, and setting it beside a `failure_policy` is refused;
/// otherwise `failure_policy` decides, unset (`UNSPECIFIED`) meaning
/// `FAIL_CLOSED`. `FAIL_RELOAD` restarts the VM and refuses the requests
/// it cannot serve, so it does not open either.
fn fails_open(config: &Value) -> Result<bool> {
    let legacy = config["fail_open"].as_bool().unwrap_or(false);
    // The proto3 JSON mapping allows an enum as its name or its number.
    let policy = match &config["failure_policy"] {
        Value::Null => "UNSPECIFIED",
        Value::String(name) => name.as_str(),
        Value::Number(n) => match n.as_u64() {
            Some(0) => "UNSPECIFIED",
            Some(1) => "FAIL_RELOAD",
            Some(2) => "FAIL_CLOSED",
            Some(3) => "FAIL_OPEN",
            _ => bail!("`failure_policy: {n}` is not a FailurePolicy"),
        },
        other => bail!("`failure_policy: {other}` is not a FailurePolicy"),
    };
    match (legacy, policy) {
        (true, "UNSPECIFIED") => Ok(true),
        (true, _) => {
            bail!("only one of fail_open or failure_policy can be set (Envoy refuses both)")
        }
        (false, "FAIL_OPEN") => Ok(true),
        (false, "UNSPECIFIED" | "FAIL_CLOSED" | "FAIL_RELOAD") => Ok(false),
        (false, other) => bail!("`failure_policy: {other}` is not a FailurePolicy"),
    }
}

/// The plugin configuration of an Istio `WasmPlugin`.
pub fn from_istio(path: &Path) -> Result<PluginConfig> {
    let plugin = load(path)?;
    if plugin["kind"] != "WasmPlugin" {
        bail!("{}: not a WasmPlugin", path.display());
    }
    let spec = &plugin["spec"];
    let config = spec
        .get("pluginConfig")
        .ok_or_else(|| anyhow!("{}: spec.pluginConfig is missing", path.display()))?;
    let name = plugin["metadata"]["name"].as_str().unwrap_or_default();
    Ok(PluginConfig {
        name: name.to_owned(),
        root_id: spec["pluginName"].as_str().unwrap_or(name).to_owned(),
        vm_id: String::new(),
        // A Struct reaches the plugin as its JSON text.
        configuration: config.to_string().into_bytes(),
        fail_open: spec["failStrategy"] == "FAIL_OPEN",
        clusters: Vec::new(),
        filter: None,
    })
}

/// What a Kong declarative file (`compile --emit kong`) deploys: the
/// `aimsgate` filter's configuration, the hosts Kong routes, and the
/// `KONG_*` settings its header asks of Kong's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KongConfig {
    /// The plugin configuration (every service carries the same).
    pub plugin: PluginConfig,
    /// Hosts of every route, in file order.
    pub hosts: Vec<String>,
    /// `KONG_…=value` lines of the header comment.
    pub environment: Vec<(String, String)>,
}

/// Reads a Kong 3.x declarative file: every `aimsgate` filter must carry
/// the same configuration.
pub fn from_kong(path: &Path) -> Result<KongConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let doc = load(path)?;
    if doc["_format_version"].as_str().is_none() {
        bail!(
            "{}: not a Kong declarative file (no _format_version)",
            path.display()
        );
    }
    let mut configs = Vec::new();
    let mut hosts = Vec::new();
    for service in doc["services"].as_array().into_iter().flatten() {
        for route in service["routes"].as_array().into_iter().flatten() {
            for host in route["hosts"].as_array().into_iter().flatten() {
                hosts.extend(host.as_str().map(str::to_owned));
            }
        }
        for chain in service["filter_chains"].as_array().into_iter().flatten() {
            for filter in chain["filters"].as_array().into_iter().flatten() {
                if filter["name"] == "aimsgate" {
                    let config = filter["config"].as_str().ok_or_else(|| {
                        anyhow!("{}: a filter config is not a string", path.display())
                    })?;
                    configs.push(config.to_owned());
                }
            }
        }
    }
    let Some(first) = configs.first() else {
        bail!("{}: no `aimsgate` filter", path.display());
    };
    if configs.iter().any(|c| c != first) {
        bail!(
            "{}: the services carry different aimsgate configurations",
            path.display()
        );
    }
    let environment = text
        .lines()
        .filter_map(|line| line.trim_start_matches('#').trim().split_once('='))
        .filter(|(name, _)| name.starts_with("KONG_") && !name.contains(' '))
        .map(|(name, value)| {
            let value = value.split(" #").next().unwrap_or_default().trim();
            (name.to_owned(), value.trim_matches('"').to_owned())
        })
        .collect();
    Ok(KongConfig {
        plugin: PluginConfig {
            name: "aimsgate".to_owned(),
            root_id: "aimsgate".to_owned(),
            vm_id: String::new(),
            configuration: first.clone().into_bytes(),
            fail_open: false,
            clusters: Vec::new(),
            filter: None,
        },
        hosts,
        environment,
    })
}

fn find_wasm_filter(value: &Value) -> Option<&Value> {
    match value {
        Value::Object(map) => {
            if map.get("name").and_then(Value::as_str) == Some("envoy.filters.http.wasm")
                && map
                    .get("typed_config")
                    .is_some_and(|t| t.get("config").is_some())
            {
                return Some(value);
            }
            map.values().find_map(find_wasm_filter)
        }
        Value::Array(items) => items.iter().find_map(find_wasm_filter),
        _ => None,
    }
}

/// `configuration` is a protobuf `Any`: a `StringValue` and a `BytesValue`
/// reach the plugin raw (bytes are base64 in YAML), a `Struct` as JSON.
fn configuration_bytes(any: &Value) -> Result<Vec<u8>> {
    let kind = any["@type"].as_str().unwrap_or_default();
    let value = &any["value"];
    match kind.rsplit('/').next().unwrap_or_default() {
        "google.protobuf.StringValue" => value
            .as_str()
            .map(|s| s.as_bytes().to_vec())
            .ok_or_else(|| anyhow!("a StringValue without a string `value`")),
        "google.protobuf.BytesValue" => {
            let text = value
                .as_str()
                .ok_or_else(|| anyhow!("a BytesValue without a base64 `value`"))?;
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| anyhow!("a BytesValue whose `value` is not base64: {e}"))
        }
        "google.protobuf.Struct" => Ok(value.to_string().into_bytes()),
        "" => bail!("no `configuration` (the plugin would start without a rule set)"),
        other => bail!("`{other}` is not a configuration type Envoy passes to a plugin"),
    }
}
