//! Deployment manifests from a compiled policy: an Envoy bootstrap and an
//! Istio `WasmPlugin`, each carrying the rule set, so a CI job goes from
//! policy to ready-to-apply configuration in one command.
//!
//! Both carry the same plugin configuration, the `{"ruleset": …,
//! "options": …}` form the filter accepts (Envoy: a `StringValue`, which
//! reaches the plugin raw; Istio: `pluginConfig`, a Struct that reaches it
//! as JSON).

//!
//! The Envoy bootstrap is built so that traffic cannot walk around the
//! filter: Envoy forwards only to the hosts the policy's routes name, each
//! to its own upstream whose certificate is checked against that name; any
//! other `Host` is refused by Envoy itself; the path and `Host` are
//! normalised before the filter and the routes see them, so the spelling
//! the policy matched is the spelling the provider receives; and a VM that
//! fails refuses traffic instead of passing it uninspected.

use std::fmt;
use std::str::FromStr;

use aimsgate_engine::ruleset::RuleSet;
use serde_json::{Value, json};

/// Where the emitted configuration points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// Send every governed host's traffic to this address (`host:port`,
    /// TLS) instead of to the host itself: an egress relay, or a local
    /// stand-in for the providers in a test. The TLS server name and the
    /// certificate check stay the governed host's, so the relay must
    /// present that host's certificate. `None`: each host at its own name,
    /// port 443.
    pub upstream: Option<String>,
    /// The OpenTelemetry Collector's OTLP/HTTP address, `host:port`.
    pub collector: String,
    /// Where Envoy finds filter.wasm.
    pub filter_path: String,
    /// Where nginx finds the rule set it serves to the filter
    /// (`--emit nginx`).
    pub rules_path: String,
    /// The OCI image Istio pulls the filter from.
    pub image: String,
    /// The CA bundle (PEM) Envoy verifies the providers' certificates
    /// against.
    pub trusted_ca: String,
    /// The oldest Envoy the bootstrap must load on: it picks between field
    /// spellings Envoy changed (`failure_policy` or `fail_open`).
    pub envoy_version: EnvoyVersion,
    /// Let traffic through uninspected when the filter's VM fails, instead
    /// of refusing it (503). Off: governance that can be crashed away is
    /// not governance.
    pub fail_open: bool,
    /// The rule set signed (`compile --sign`, binary form), embedded
    /// instead of the unsigned one. The keys it must be signed by never
    /// travel with it: every config passes `AIMSGATE_TRUSTED_KEYS` from
    /// the proxy's environment.
    pub signed: Option<Vec<u8>>,
}

impl Default for Deployment {
    fn default() -> Deployment {
        Deployment {
            upstream: None,
            collector: "otel-collector:4318".to_owned(),
            filter_path: "/etc/aimsgate/filter.wasm".to_owned(),
            rules_path: "/etc/aimsgate/rules.bin".to_owned(),
            image: format!(
                "oci://ghcr.io/aimsgate/filter:{}",
                env!("CARGO_PKG_VERSION")
            ),
            // Where Debian's and Ubuntu's `ca-certificates` put the
            // system's trusted CAs.
            trusted_ca: "/etc/ssl/certs/ca-certificates.crt".to_owned(),
            envoy_version: EnvoyVersion::default(),
            fail_open: false,
            signed: None,
        }
    }
}

impl Deployment {
    /// The rule set as the configs embed it: the signed bytes when there
    /// are some, else `ruleset`'s binary form.
    pub fn rules(&self, ruleset: &RuleSet) -> Vec<u8> {
        self.signed.clone().unwrap_or_else(|| ruleset.to_bytes())
    }

    /// The rule set's JSON form, as a plugin configuration carries it.
    fn rules_json(&self, ruleset: &RuleSet) -> Value {
        let text = match &self.signed {
            Some(signed) => RuleSet::json_of(signed).unwrap_or_default(),
            None => ruleset.to_json(),
        };
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// An Envoy release, `major.minor` (patch releases do not change the API).
///
/// Parsed from `1.35`, `1.35.2` or `v1.35.2`; releases older than
/// [`EnvoyVersion::OLDEST`] are refused, since the bootstrap uses fields
/// they do not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnvoyVersion {
    major: u32,
    minor: u32,
}

impl EnvoyVersion {
    /// The oldest Envoy the bootstrap loads on: 1.21, the first minor
    /// release with `match_typed_subject_alt_names` (it arrived in 1.20.2).
    /// Every other field the bootstrap uses is older.
    pub const OLDEST: EnvoyVersion = EnvoyVersion {
        major: 1,
        minor: 21,
    };

    /// The first Envoy that reads the wasm filter's `failure_policy`
    /// (1.33.0, January 2025: envoyproxy/envoy PR 36456). Older releases
    /// reject the field as unknown; from this one on `fail_open` is
    /// deprecated in its favour, and setting both is an error.
    pub const FAILURE_POLICY: EnvoyVersion = EnvoyVersion {
        major: 1,
        minor: 33,
    };

    /// `major.minor`, or an error when that is older than
    /// [`EnvoyVersion::OLDEST`].
    pub fn new(major: u32, minor: u32) -> Result<EnvoyVersion, EnvoyVersionError> {
        let version = EnvoyVersion { major, minor };
        if version < EnvoyVersion::OLDEST {
            return Err(EnvoyVersionError::TooOld(version));
        }
        Ok(version)
    }

    /// Whether this Envoy reads `failure_policy` (else: `fail_open`).
    pub fn has_failure_policy(self) -> bool {
        self >= EnvoyVersion::FAILURE_POLICY
    }
}

/// The oldest release that reads `failure_policy`, so that a default
/// bootstrap carries no deprecated field.
impl Default for EnvoyVersion {
    fn default() -> EnvoyVersion {
        EnvoyVersion::FAILURE_POLICY
    }
}

impl fmt::Display for EnvoyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for EnvoyVersion {
    type Err = EnvoyVersionError;

    fn from_str(text: &str) -> Result<EnvoyVersion, EnvoyVersionError> {
        let malformed = || EnvoyVersionError::Malformed(text.to_owned());
        let digits = text.trim();
        let digits = digits.strip_prefix('v').unwrap_or(digits);
        let parts: Vec<&str> = digits.split('.').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(malformed());
        }
        let mut numbers = parts.iter().map(|part| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed());
            }
            part.parse::<u32>().map_err(|_| malformed())
        });
        let major = numbers.next().ok_or_else(malformed)??;
        let minor = numbers.next().ok_or_else(malformed)??;
        // A patch number is checked for form only.
        numbers.try_for_each(|n| n.map(drop))?;
        EnvoyVersion::new(major, minor)
    }
}

/// Why a text is not an [`EnvoyVersion`] the bootstrap can target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvoyVersionError {
    /// Not `major.minor` or `major.minor.patch`.
    #[error("`{0}` is not an Envoy version (write it as 1.35 or 1.35.2)")]
    Malformed(String),
    /// Older than [`EnvoyVersion::OLDEST`].
    #[error(
        "Envoy {0} is too old: the bootstrap needs {oldest} or newer",
        oldest = EnvoyVersion::OLDEST
    )]
    TooOld(EnvoyVersion),
}

/// The hosts a rule set's routes govern, as the bootstrap sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GovernedHosts {
    /// DNS names, in the order the routes first name them: each gets its
    /// own virtual host and its own upstream cluster.
    pub named: Vec<String>,
    /// What the routes govern without naming one upstream to send it to
    /// (`*.example.com`, an IP address, every host for a route without
    /// `hosts`): the bootstrap forwards none of it, so that traffic meets
    /// the catch-all and is refused.
    pub unforwarded: Vec<String>,
}

/// The hosts `ruleset`'s routes govern.
pub fn governed_hosts(ruleset: &RuleSet) -> GovernedHosts {
    fn add(list: &mut Vec<String>, entry: String) {
        if !list.contains(&entry) {
            list.push(entry);
        }
    }
    let mut hosts = GovernedHosts::default();
    for route in &ruleset.routes {
        if route.hosts.is_empty() {
            add(
                &mut hosts.unforwarded,
                format!("every host (route {})", route.id),
            );
        }
        for host in &route.hosts {
            let host = host.to_ascii_lowercase();
            if is_dns_name(&host) {
                add(&mut hosts.named, host);
            } else {
                add(&mut hosts.unforwarded, host);
            }
        }
    }
    hosts
}

/// A name Envoy can resolve, send as SNI and check a DNS SAN against:
/// letters, digits and hyphens in dot-separated labels, the last one not
/// all digits (that would be an IP address, which is not a server name).
fn is_dns_name(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    host.len() <= 253
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()))
}

/// Name of the collector cluster in the bootstrap and the plugin options.
pub const COLLECTOR_CLUSTER: &str = "aimsgate_audit";

/// The port of the bootstrap's listener.
pub const LISTENER_PORT: u16 = 10000;

/// The status Envoy answers a request for a host the policy does not
/// govern with: 421 Misdirected Request ("this server does not answer for
/// that authority"), which tells it apart from the filter's 403 for a
/// request the policy refuses.
pub const UNGOVERNED_STATUS: u16 = 421;

/// The plugin configuration: rule set and options.
pub fn plugin_config(ruleset: &RuleSet, deployment: &Deployment) -> Value {
    let ruleset = deployment.rules_json(ruleset);
    json!({
        "ruleset": ruleset,
        "options": {
            "fail_open": false,
            "audit": {
                "log": true,
                "collector": {
                    "cluster": COLLECTOR_CLUSTER,
                    "authority": "otel-collector",
                    "path": "/v1/logs",
                },
                "checkpoint_interval_ms": 10000,
            },
        },
    })
}

fn host_port(address: &str, default_port: u16) -> (&str, u16) {
    let (host, port) = match address.rsplit_once(':') {
        // `[::1]:8443`, or a bare IPv6 address (`::1`), whose last colon
        // is not a port separator.
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => {
            (host, port.parse().unwrap_or(default_port))
        }
        _ => (address, default_port),
    };
    (host.trim_start_matches('[').trim_end_matches(']'), port)
}

/// `text` as a YAML scalar that stays a string whatever it holds (JSON's
/// string syntax is YAML's double-quoted scalar).
fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// The virtual host of one governed host: every path to its own cluster.
/// The filter, not Envoy's route table, decides which paths are allowed.
fn virtual_host(host: &str) -> String {
    let name = quoted(host);
    let with_port = quoted(&format!("{host}:443"));
    format!(
        r#"                    - name: {name}
                      domains: [{name}, {with_port}]
                      routes:
                        - match: {{ prefix: "/" }}
                          route: {{ cluster: {name}, timeout: 0s }}
"#
    )
}

/// The upstream of one governed host: TLS, the host as SNI, its
/// certificate verified against the trusted CAs and the host's DNS name.
fn cluster(host: &str, deployment: &Deployment) -> String {
    let (address, port) = match &deployment.upstream {
        Some(upstream) => host_port(upstream, 443),
        None => (host, 443),
    };
    let name = quoted(host);
    // Dots in a cluster's name would split its stats into tags.
    let stat_name = quoted(&host.replace('.', "_"));
    let address = quoted(address);
    let trusted_ca = quoted(&deployment.trusted_ca);
    format!(
        r#"    - name: {name}
      alt_stat_name: {stat_name}
      type: LOGICAL_DNS
      dns_lookup_family: V4_ONLY
      connect_timeout: 5s
      per_connection_buffer_limit_bytes: 4194304
      load_assignment:
        cluster_name: {name}
        endpoints:
          - lb_endpoints:
              - endpoint:
                  address:
                    socket_address: {{ address: {address}, port_value: {port} }}
      transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
          sni: {name}
          common_tls_context:
            validation_context:
              trusted_ca: {{ filename: {trusted_ca} }}
              match_typed_subject_alt_names:
                - san_type: DNS
                  matcher: {{ exact: {name} }}

"#
    )
}

/// The wasm filter's answer to a failed VM, in the spelling `version`
/// reads.
fn failure_behaviour(deployment: &Deployment) -> String {
    let why = if deployment.fail_open {
        "# The deployment lets traffic through uninspected when the VM fails."
    } else {
        "# A VM that fails (a crash, or a rule set it refuses) answers 503\n\
         \x20                       # rather than letting governed traffic pass uninspected."
    };
    let field = if deployment.envoy_version.has_failure_policy() {
        let policy = if deployment.fail_open {
            "FAIL_OPEN"
        } else {
            "FAIL_CLOSED"
        };
        format!("failure_policy: {policy}")
    } else {
        format!(
            "# (Envoy {} predates `failure_policy`, {}.)\n\
             \x20                       fail_open: {}",
            deployment.envoy_version,
            EnvoyVersion::FAILURE_POLICY,
            deployment.fail_open
        )
    };
    format!("{why}\n                        {field}")
}

/// A complete Envoy bootstrap (YAML) fronting the governed hosts with the
/// filter.
pub fn envoy_bootstrap(ruleset: &RuleSet, deployment: &Deployment) -> String {
    let config = plugin_config(ruleset, deployment).to_string();
    let policy = &ruleset.policy;
    let hosts = governed_hosts(ruleset);
    let (collector_host, collector_port) = host_port(&deployment.collector, 4318);
    let collector_host = quoted(collector_host);
    let version = env!("CARGO_PKG_VERSION");
    let envoy_version = deployment.envoy_version;
    let list = |items: &[String]| -> String {
        if items.is_empty() {
            return "#   (none)\n".to_owned();
        }
        items.iter().map(|item| format!("#   {item}\n")).collect()
    };
    let mut header_notes = list(&hosts.named);
    if !hosts.unforwarded.is_empty() {
        header_notes.push_str(
            "# Governed, but with no single upstream to send it to, so refused here too:\n",
        );
        header_notes.push_str(&list(&hosts.unforwarded));
    }
    if let Some(upstream) = &deployment.upstream {
        header_notes.push_str(&format!(
            "# Every governed host is sent to {upstream}, which must present that\n\
             # host's certificate.\n"
        ));
    }
    let virtual_hosts: String = hosts.named.iter().map(|h| virtual_host(h)).collect();
    let clusters: String = hosts.named.iter().map(|h| cluster(h, deployment)).collect();
    let failure = failure_behaviour(deployment);
    let filter_path = quoted(&deployment.filter_path);
    format!(
        r#"# Envoy bootstrap: aimsgate in front of the LLM APIs a policy governs.
#
# Generated by `aimsgate compile --emit envoy` (aimsgate {version}) from
# policy {name} {pversion} (rule set digest {digest}),
# for Envoy {envoy_version} or newer.
# Do not edit: change the policy and regenerate; CI checks this file is current.
#
# Run:  envoy -c envoy.yaml     (filter.wasm at {raw_filter_path})
# Test: aimsgate replay --envoy-config envoy.yaml examples/traffic/
#
# Clients reach the provider through this listener with the provider's own
# Host (`api.openai.com`): the policy's routes match on it, as they would for
# traffic an Istio sidecar or egress gateway intercepts. Any Host but the
# ones the policy names gets {UNGOVERNED_STATUS} from Envoy and reaches nothing; those
# are forwarded each to itself:
{header_notes}
admin:
  address:
    socket_address: {{ address: 127.0.0.1, port_value: 9901 }}

stats_config:
  # aimsgate counters (wasmcustom.aimsgate.*) as labelled Prometheus metrics
  # at /stats/prometheus: decisions by phase and outcome, controls by
  # outcome and mode.
  stats_tags:
    - tag_name: aimsgate_phase
      regex: '^wasmcustom\.aimsgate\.decisions\.((request|response)\.)'
    - tag_name: aimsgate_control
      regex: '^wasmcustom\.aimsgate\.control\.(([^.]+)\.)'

static_resources:
  listeners:
    - name: llm_ingress
      address:
        socket_address: {{ address: 0.0.0.0, port_value: {LISTENER_PORT} }}
      # Bodies up to the filter's inspection limits (1 MiB requests by
      # default) must fit Envoy's buffers, or Envoy answers 413 itself.
      per_connection_buffer_limit_bytes: 4194304
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: llm_ingress
                generate_request_id: true
                # Streams (SSE) stay open as long as the model writes.
                stream_idle_timeout: 300s
                # One spelling of every request. Envoy rewrites the path and
                # Host below before the filter or a route sees them, and
                # forwards the rewritten request, so the provider serves the
                # very path and host the policy matched.
                # `/v1/./chat/../chat/completions` is `/v1/chat/completions`
                # (RFC 3986 dot segments; a path that cannot be normalised: 400).
                normalize_path: true
                # `//v1//chat/completions` is `/v1/chat/completions`.
                merge_slashes: true
                # `/v1%2Fchat/completions` would miss the policy's path
                # prefixes while a provider that decodes it serves chat
                # completions. Refused (400) rather than decoded: no governed
                # API puts an escaped slash in a path, so a request with one is
                # probing, and a redirect would only have the client retry.
                path_with_escaped_slashes_action: REJECT_REQUEST
                # `api.openai.com.` is `api.openai.com`.
                strip_trailing_host_dot: true
                # `api.openai.com:{LISTENER_PORT}` (a client sent to this listener by
                # port) is `api.openai.com`. Any other port is another origin:
                # it keeps its port, matches no governed host and is refused,
                # rather than being quietly sent to port 443.
                strip_matching_host_port: true
                common_http_protocol_options:
                  # `x_api_key` and `x-api-key` are one header to servers that
                  # map both to X_API_KEY (CGI, WSGI): refuse the spelling the
                  # filter and the provider could read differently.
                  headers_with_underscores_action: REJECT_REQUEST
                route_config:
                  name: llm_routes
                  virtual_hosts:
                    # One virtual host per governed host, to its own upstream.
{virtual_hosts}                    # Every other Host (an IP address, an ungoverned host,
                    # another port): answered here, never forwarded.
                    - name: ungoverned
                      domains: ["*"]
                      routes:
                        - match: {{ prefix: "/" }}
                          direct_response:
                            status: {UNGOVERNED_STATUS}
                            body: {{ inline_string: "host not governed by this proxy\n" }}
                http_filters:
                  - name: envoy.filters.http.wasm
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                      config:
                        name: aimsgate
                        root_id: aimsgate
                        {failure}
                        vm_config:
                          vm_id: aimsgate
                          runtime: envoy.wasm.runtime.v8
                          code:
                            local: {{ filename: {filter_path} }}
                          # Keys come from Envoy's environment, never from
                          # this file: the fingerprint key
                          # (options.audit.hit_key_env), the checkpoint key
                          # (options.audit.signing_key_env) and the keys
                          # rule sets must be signed by.
                          environment_variables:
                            host_env_keys: [AIMSGATE_AUDIT_KEY, AIMSGATE_CHECKPOINT_KEY, AIMSGATE_TRUSTED_KEYS]
                        # The compiled policy and the filter's options.
                        configuration:
                          "@type": type.googleapis.com/google.protobuf.StringValue
                          value: |-
                            {config}
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router

  clusters:
    # One upstream per governed host: TLS with the host as server name, its
    # certificate verified against the trusted CAs and the host's DNS name
    # (a wildcard certificate for *.openai.com matches api.openai.com).
{clusters}    # Audit events, batched as OTLP/HTTP JSON logs (an OpenTelemetry
    # Collector's otlphttp receiver). The filter buffers and retries while
    # it is down, and counts what it has to drop.
    - name: {COLLECTOR_CLUSTER}
      type: STRICT_DNS
      connect_timeout: 2s
      load_assignment:
        cluster_name: {COLLECTOR_CLUSTER}
        endpoints:
          - lb_endpoints:
              - endpoint:
                  address:
                    socket_address: {{ address: {collector_host}, port_value: {collector_port} }}
"#,
        name = policy.name,
        pversion = policy.version,
        digest = policy.digest.to_hex(),
        raw_filter_path = deployment.filter_path,
    )
}

/// An Istio `WasmPlugin` (YAML) with the rule set as `pluginConfig`.
pub fn istio_wasmplugin(ruleset: &RuleSet, deployment: &Deployment) -> String {
    let config = plugin_config(ruleset, deployment).to_string();
    let policy = &ruleset.policy;
    let version = env!("CARGO_PKG_VERSION");
    format!(
        r#"# Istio WasmPlugin: aimsgate on the ingress (or egress) gateway.
#
# Generated by `aimsgate compile --emit istio` (aimsgate {version}) from
# policy {name} {pversion} (rule set digest {digest}).
# Do not edit: change the policy and regenerate; CI checks this file is current.
#
# Roll out in monitor mode first (rules with `mode: monitor` record what
# they would do), read the evidence report, then switch rules to enforce.
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: aimsgate
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  # The filter as an OCI image (Dockerfile beside this file: FROM scratch,
  # plugin.wasm at the root, Istio's "compat" image layout).
  url: {image}
  imagePullPolicy: IfNotPresent
  pluginName: aimsgate
  type: HTTP
  # After authentication and authorization (identity headers are set),
  # before telemetry (stats see the final answer).
  phase: STATS
  priority: 10
  # A VM that cannot start refuses traffic rather than passing it blind.
  failStrategy: FAIL_CLOSE
  match:
    - mode: CLIENT_AND_SERVER
  # Keys come from the gateway's environment, never from this file: the
  # keys rule sets must be signed by, and the audit checkpoint key.
  vmConfig:
    env:
      - name: AIMSGATE_TRUSTED_KEYS
        valueFrom: HOST
      - name: AIMSGATE_CHECKPOINT_KEY
        valueFrom: HOST
  # The compiled policy and the filter's options (a Struct: it reaches the
  # plugin as JSON).
  pluginConfig: {config}
"#,
        name = policy.name,
        pversion = policy.version,
        digest = policy.digest.to_hex(),
        image = deployment.image,
    )
}

/// The plugin configuration on Kong (ngx_wasm_module): the client's host is
/// in `host`, shared data is the `aimsgate` `shm_kv` zone the file's header
/// asks for, and audit events go to the collector (`host:port`, which
/// ngx_wasm_module resolves itself), not to nginx's error log, whose lines
/// carry the request line and its query string.
pub fn kong_plugin_config(ruleset: &RuleSet, deployment: &Deployment) -> Value {
    let ruleset = deployment.rules_json(ruleset);
    json!({
        "ruleset": ruleset,
        "options": ngx_wasm_options(deployment),
    })
}

/// The filter's options on ngx_wasm_module, Kong or plain nginx.
fn ngx_wasm_options(deployment: &Deployment) -> Value {
    json!({
        "fail_open": false,
        "host_header": "host",
        "shared_data": "on",
        "audit": {
            "log": false,
            "collector": {
                "cluster": deployment.collector,
                "authority": "otel-collector",
                "path": "/v1/logs",
            },
            "checkpoint_interval_ms": 10000,
        },
    })
}

/// Kong Gateway 3.x declarative configuration (`_format_version: "3.0"`):
/// one service and route per host the policy names, each with the filter
/// chain; Kong answers any other host itself (404, no route matched), so
/// nothing reaches a provider under a name the policy does not govern.
/// The nginx settings the filter needs are in the header, as Kong
/// environment variables.
pub fn kong_declarative(ruleset: &RuleSet, deployment: &Deployment) -> String {
    let config = kong_plugin_config(ruleset, deployment).to_string();
    // A JSON string is a YAML double-quoted scalar.
    let config = Value::String(config).to_string();
    let hosts = governed_hosts(ruleset);
    let policy = &ruleset.policy;
    let version = env!("CARGO_PKG_VERSION");
    let mut out = format!(
        r#"# Kong Gateway declarative configuration: aimsgate on every provider host
# the policy governs.
#
# Generated by `aimsgate compile --emit kong` (aimsgate {version}) from
# policy {name} {pversion} (rule set digest {digest}).
# Do not edit: change the policy and regenerate.
#
# Kong Gateway 3.4 to 3.9 ship ngx_wasm_module; later builds leave it out by
# default (Kong/kong#14347: build with --//:wasmx=true). Kong's environment
# (docs/deploy.md says why):
#   KONG_WASM=on
#   KONG_WASM_FILTERS_PATH=/kong/filters        # holding aimsgate.wasm (filter.wasm)
#   KONG_NGINX_WASM_SHM_KV_AIMSGATE=1m          # Kong 3.6+; 3.4-3.5: KONG_NGINX_WASM_SHM_AIMSGATE
#   KONG_NGINX_PROXY_WASM_RESPONSE_BODY_BUFFERS="4 {response_buffer}"
#   KONG_NGINX_PROXY_CLIENT_BODY_BUFFER_SIZE={request_buffer}
#   KONG_NGINX_MAIN_ENV=AIMSGATE_TRUSTED_KEYS   # the rule-set keys, from Kong's environment
# Audit events go to the collector at {collector} (OTLP/HTTP).
_format_version: "3.0"
services:
"#,
        name = policy.name,
        pversion = policy.version,
        digest = policy.digest.to_hex(),
        collector = deployment.collector,
        response_buffer = nginx_size(
            aimsgate_engine::flow::Settings::DEFAULT
                .max_response_body
                .div_ceil(4)
        ),
        request_buffer = nginx_size(aimsgate_engine::flow::Settings::DEFAULT.max_request_body),
    );
    for host in &hosts.named {
        let name = format!("aimsgate-{}", host.replace('.', "-"));
        out.push_str(&format!(
            r#"  - name: {name}
    url: https://{host}:443
    routes:
      - name: {name}
        hosts: [{host}]
        protocols: [http, https]
    filter_chains:
      - name: {name}
        filters:
          - name: aimsgate
            config: {config}
"#
        ));
    }
    for host in &hosts.unforwarded {
        out.push_str(&format!(
            "# Not forwarded (no single upstream to send it to): {host}\n"
        ));
    }
    out
}

/// The loopback address of the server block that hands the rule set to
/// the filter's workers (`--emit nginx`).
pub const NGINX_RULES_ADDRESS: &str = "127.0.0.1:8091";

/// The path the rule set is served under there.
pub const NGINX_RULES_PATH: &str = "/aimsgate/rules.bin";

/// The port the emitted nginx configuration listens on for clients.
pub const NGINX_LISTEN_PORT: u16 = 8080;

/// The longest token nginx's configuration parser takes
/// (`NGX_CONF_BUFFER`, src/core/ngx_conf_file.c): a `proxy_wasm`
/// configuration string must fit, quotes included.
pub const NGINX_MAX_TOKEN: usize = 4096;

/// The plugin configuration on plain nginx: as on Kong, but the rule set is
/// fetched from the configuration's own loopback server, pinned by the
/// SHA-256 of `rules` (the bytes served), since nginx refuses a
/// configuration token over 4 KiB and a rule set is larger.
pub fn nginx_plugin_config(rules: &[u8], deployment: &Deployment) -> Value {
    json!({
        "ruleset_fetch": {
            "upstream": NGINX_RULES_ADDRESS,
            "authority": "aimsgate-rules",
            "path": NGINX_RULES_PATH,
            "sha256": aimsgate_engine::ruleset::Digest::of(rules).to_hex(),
        },
        "options": ngx_wasm_options(deployment),
    })
}

/// `text` as one single-quoted nginx token: nginx's parser reads `\\` and
/// `\'` inside quotes as `\` and `'` (src/core/ngx_conf_file.c,
/// `ngx_conf_read_token`).
fn nginx_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Why the emitted nginx configuration could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NginxTooLong {
    /// The configuration token's length.
    pub len: usize,
}

impl fmt::Display for NginxTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the filter's configuration is {} bytes as an nginx token, over nginx's {NGINX_MAX_TOKEN}",
            self.len
        )
    }
}

impl std::error::Error for NginxTooLong {}

/// A complete `nginx.conf` for nginx with Kong's ngx_wasm_module: one
/// `server` per host the policy names, each running the filter and
/// proxying to that host over verified TLS; a default server answering
/// 421 to any other host, so nothing reaches a provider under a name the
/// filter does not govern; a loopback server handing `rules` (the bytes
/// nginx serves from `deployment.rules_path`) to the filter; the
/// `shm_kv` zone for budgets and witnesses; and buffers sized to the
/// filter's body limits, so bodies stay in memory where it can read them.
pub fn nginx_conf(
    ruleset: &RuleSet,
    rules: &[u8],
    deployment: &Deployment,
) -> Result<String, NginxTooLong> {
    let config = nginx_quoted(&nginx_plugin_config(rules, deployment).to_string());
    if config.len() > NGINX_MAX_TOKEN {
        return Err(NginxTooLong { len: config.len() });
    }
    let hosts = governed_hosts(ruleset);
    let policy = &ruleset.policy;
    let settings = aimsgate_engine::flow::Settings::DEFAULT;
    let (rules_host, rules_port) = host_port(NGINX_RULES_ADDRESS, 80);
    let mut out = format!(
        r#"# nginx with Kong's ngx_wasm_module: aimsgate on every provider host the
# policy governs.
#
# Generated by `aimsgate compile --emit nginx` (aimsgate {version}) from
# policy {name} {pversion} (rule set digest {digest}).
# Do not edit: change the policy and regenerate. filter.wasm goes to
# {filter}, and rules.bin (written beside this file) to {rules_path}:
# the filter fetches it from the loopback server below and enforces it only
# if its SHA-256 is the one in its configuration; until then governed
# requests are refused (503).
# Audit events go to the collector at {collector} (OTLP/HTTP); a name there
# is resolved with the `wasm` block's `resolver` (ngx_wasm_module's default is
# 8.8.8.8): give an address, or set `resolver` to your DNS.

worker_processes auto;

# Keys come from nginx's environment, never from this file: the keys rule
# sets must be signed by, and the audit checkpoint key (ngx_wasm_module
# gives the filter the variables `env` names).
env AIMSGATE_TRUSTED_KEYS;
env AIMSGATE_CHECKPOINT_KEY;

events {{}}

wasm {{
    module aimsgate {filter};
    # Budgets and audit witnesses across workers (options.shared_data on).
    shm_kv aimsgate 1m;
}}

http {{
    # Request bodies stay in memory, where the filter can read them (a body
    # spilled to a temp file is refused as unreadable).
    client_body_buffer_size {request_buffer};
    client_max_body_size {request_buffer};
    # Responses up to the filter's limit are held whole for inspection.
    wasm_response_body_buffers 4 {response_buffer};

    # The rule set, for the filter only.
    server {{
        listen {rules_host}:{rules_port};
        allow 127.0.0.1;
        deny all;
        location = {rules_location} {{
            alias {rules_path};
            default_type application/octet-stream;
        }}
        location / {{
            return 404;
        }}
    }}

    # Any host the policy does not name: 421 Misdirected Request.
    server {{
        listen {port} default_server;
        server_name _;
        return {ungoverned};
    }}
"#,
        version = env!("CARGO_PKG_VERSION"),
        name = policy.name,
        pversion = policy.version,
        digest = policy.digest.to_hex(),
        filter = deployment.filter_path,
        rules_path = deployment.rules_path,
        collector = deployment.collector,
        request_buffer = nginx_size(settings.max_request_body),
        response_buffer = nginx_size(settings.max_response_body.div_ceil(4)),
        rules_location = NGINX_RULES_PATH,
        port = NGINX_LISTEN_PORT,
        ungoverned = UNGOVERNED_STATUS,
    );
    for host in &hosts.named {
        let (upstream, upstream_port) = match &deployment.upstream {
            Some(upstream) => host_port(upstream, 443),
            None => (host.as_str(), 443),
        };
        out.push_str(&format!(
            r#"
    server {{
        listen {port};
        server_name {host};
        proxy_wasm aimsgate {config};
        location / {{
            proxy_pass https://{upstream}:{upstream_port};
            proxy_set_header Host {host};
            proxy_ssl_server_name on;
            proxy_ssl_name {host};
            proxy_ssl_verify on;
            proxy_ssl_verify_depth 4;
            proxy_ssl_trusted_certificate {trusted_ca};
        }}
    }}
"#,
            port = NGINX_LISTEN_PORT,
            trusted_ca = deployment.trusted_ca,
        ));
    }
    for host in &hosts.unforwarded {
        out.push_str(&format!(
            "    # Not forwarded (no single upstream to send it to): {host}\n"
        ));
    }
    out.push_str("}\n");
    Ok(out)
}

/// A size as nginx writes one (`4m`, `512k`, bytes otherwise).
fn nginx_size(bytes: usize) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{}m", bytes >> 20)
    } else if bytes.is_multiple_of(1 << 10) {
        format!("{}k", bytes >> 10)
    } else {
        bytes.to_string()
    }
}

/// Istio's "compat" image: the filter as `plugin.wasm` in an otherwise
/// empty image, which Envoy and Istio accept (a single-layer artifact with
/// the wasm media type has been rejected).
pub const DOCKERFILE: &str =
    "# The aimsgate filter as an OCI image Istio's WasmPlugin can pull (the
# \"compat\" layout: one tar+gzip layer holding plugin.wasm).
#   docker build -t ghcr.io/aimsgate/filter:VERSION -f Dockerfile <dir with plugin.wasm>
FROM scratch
COPY plugin.wasm ./
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envoy_versions_parse_as_released_and_refuse_what_is_too_old() {
        for (text, major, minor) in [
            ("1.33", 1, 33),
            ("1.35.2", 1, 35),
            ("v1.40.0", 1, 40),
            (" 1.21 ", 1, 21),
            ("2.0", 2, 0),
        ] {
            let version: EnvoyVersion = text.parse().unwrap();
            assert_eq!(version, EnvoyVersion::new(major, minor).unwrap(), "{text}");
        }
        assert_eq!(EnvoyVersion::default().to_string(), "1.33");
        for text in [
            "", "1", "1.", "1.x", "1.35.2.1", "1.-3", "one.two", "1.35.x",
        ] {
            assert!(
                matches!(
                    text.parse::<EnvoyVersion>(),
                    Err(EnvoyVersionError::Malformed(_))
                ),
                "{text:?}"
            );
        }
        let too_old = "1.20.7".parse::<EnvoyVersion>().unwrap_err();
        assert_eq!(
            too_old.to_string(),
            "Envoy 1.20 is too old: the bootstrap needs 1.21 or newer"
        );
    }

    #[test]
    fn failure_policy_arrives_in_1_33() {
        assert!(
            !"1.32.9"
                .parse::<EnvoyVersion>()
                .unwrap()
                .has_failure_policy()
        );
        assert!(
            "1.33.0"
                .parse::<EnvoyVersion>()
                .unwrap()
                .has_failure_policy()
        );
        assert!("1.40".parse::<EnvoyVersion>().unwrap().has_failure_policy());
    }

    #[test]
    fn only_dns_names_get_an_upstream() {
        for host in [
            "api.openai.com",
            "localhost",
            "a-b.example",
            "x1.example.co",
        ] {
            assert!(is_dns_name(host), "{host}");
        }
        for host in [
            "*.example.com",
            "10.0.0.1",
            "api.openai.com:443",
            "api.openai.com.",
            "-a.example",
            "a..example",
            "exa mple.com",
            "API.openai.com",
            "",
        ] {
            assert!(!is_dns_name(host), "{host}");
        }
    }

    #[test]
    fn addresses_split_into_host_and_port() {
        assert_eq!(host_port("relay:8443", 443), ("relay", 8443));
        assert_eq!(host_port("relay", 443), ("relay", 443));
        assert_eq!(host_port("[::1]:8443", 443), ("::1", 8443));
        assert_eq!(host_port("::1", 443), ("::1", 443));
    }
}
