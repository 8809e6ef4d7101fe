//! The plugin configuration: a rule set, plus options.
//!
//! Accepted forms, so that every way Envoy and Istio deliver configuration
//! works (Envoy passes a `StringValue` / `BytesValue` raw and a `Struct` as
//! JSON; Istio's `pluginConfig` is a Struct):
//!
//! - the binary rule set (`AIMSGATE…`, as `BytesValue`);
//! - the JSON rule set (`{"format": "aimsgate-ruleset", …}`, as
//!   `StringValue` or Struct);
//! - `{"ruleset": <JSON rule set>, "options": {…}}` (Struct / pluginConfig);
//! - `{"ruleset_fetch": {…}, "options": {…}}`: the rule set is fetched over
//!   an HTTP call once the plugin runs ([`RulesetFetch`]), for hosts whose
//!   configuration cannot carry it (nginx refuses a configuration token over
//!   4 KiB; the baseline rule set is about 17 KB).
//!
//! Unknown option names are refused rather than ignored: a misspelt
//! `fail_open` must not silently mean the default.

use aimsgate_engine::Engine;
use aimsgate_engine::flow::Settings;
use aimsgate_engine::ruleset::MAGIC;
use aimsgate_engine::signing::{Signer25519, TrustedKeys};
use serde::Deserialize;

/// Filter options, with defaults that suit Envoy's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// With no valid rule set, pass traffic uninspected instead of
    /// answering 503.
    pub fail_open: bool,
    /// Largest request body inspected, in bytes (Envoy's default buffer
    /// limit is 1 MiB; raise both together).
    pub max_request_body: usize,
    /// Largest non-streamed response body inspected, in bytes.
    pub max_response_body: usize,
    /// Bytes of text held back for detectors without a natural match bound
    /// (PEM blocks) in streamed responses, and for an encoded run (base64,
    /// hex…) to be decoded whole; a longer run counts as past the decode
    /// limit.
    pub stream_window: usize,
    /// Largest decompressed body accepted from a compressed one.
    pub max_decompressed_body: usize,
    /// Largest decompressed-to-compressed size ratio accepted.
    pub max_compression_ratio: usize,
    /// Most detector matches in one body (or stream); past it the body is
    /// refused (the stream cut) rather than passed partly redacted.
    pub max_hits: usize,
    /// Most bytes of encoded text (base64, hex, ROT13…) decoded and
    /// rescanned per body (or stream); past it the body is flagged, or refused where
    /// its route says `on_decode_limit: block` (audit code `decode_limit`).
    /// 0 turns decoding off.
    pub max_decoded_bytes: usize,
    /// Header carrying the request id (Envoy sets `x-request-id`).
    pub request_id_header: String,
    /// Header naming the host the client addressed, which routing reads:
    /// `:authority` on Envoy and Istio; `host` on Kong, where
    /// ngx_wasm_module's `:authority` is the server block's name and port.
    /// A wrong choice fails closed (hosts no route names are refused).
    pub host_header: String,
    /// Whether budgets and audit witnesses use the proxy's shared data.
    pub shared_data: SharedData,
    /// Audit evidence: where events go, checkpoints, hit fingerprints.
    pub audit: AuditOptions,
    /// The external classifier the rule set's `classifier` detector asks.
    /// Absent while the rule set has one: every consultation fails, and
    /// the route's `on_classifier_unavailable` decides (block by default).
    pub classifier: Option<ClassifierOptions>,
}

/// Where a `classifier` detector's second opinion comes from: a
/// `proxy_http_call` to a cluster of the proxy (on ngx_wasm_module, an
/// address or a name its resolver knows), answering Hugging Face's text
/// classification format (see `aimsgate_engine::consult`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifierOptions {
    /// The proxy's cluster for the classifier.
    pub cluster: String,
    /// `:authority` of the calls.
    pub authority: String,
    /// Path of the classification endpoint.
    pub path: String,
    /// Extra request headers (an API key, say).
    pub headers: std::collections::BTreeMap<String, String>,
    /// Call timeout in milliseconds: the request waits at most this long.
    pub timeout_ms: u64,
}

impl Default for ClassifierOptions {
    fn default() -> ClassifierOptions {
        ClassifierOptions {
            cluster: String::new(),
            authority: "classifier".to_owned(),
            path: "/predict".to_owned(),
            headers: std::collections::BTreeMap::new(),
            timeout_ms: 500,
        }
    }
}

impl Options {
    /// The limits and names the exchange flow applies.
    pub fn settings(&self) -> Settings<'_> {
        Settings {
            request_id_header: &self.request_id_header,
            max_request_body: self.max_request_body,
            max_response_body: self.max_response_body,
            max_decompressed_body: self.max_decompressed_body,
            stream_window: self.stream_window,
        }
    }
}

/// Where audit events go and how chains are checkpointed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditOptions {
    /// One JSON line per event through the proxy log (Envoy writes it with
    /// its own logs).
    pub log: bool,
    /// Batched OTLP/HTTP JSON delivery to a collector cluster.
    pub collector: Option<CollectorOptions>,
    /// Milliseconds between checkpoints (0: none). A chain silent for
    /// longer than two intervals was cut off or its VM died.
    pub checkpoint_interval_ms: u64,
    /// Publish each chain's head in shared data and record the heads of
    /// the proxy's other chains in checkpoints, so a chain missing from
    /// the log is caught by the chains that witnessed it.
    pub witness: bool,
    /// Name of an environment variable of the VM holding the key for
    /// fingerprints of matched text (HMAC). Envoy passes it with
    /// `vm_config.environment_variables.host_env_keys`, so the key stays out
    /// of the config dump. Unset: no fingerprints.
    pub hit_key_env: Option<String>,
    /// Name of an environment variable of the VM holding the checkpoint
    /// key (the private key text `aimsgate keygen` writes): the chain's own
    /// events (start, checkpoints, end) are signed with it, and
    /// `aimsgate evidence verify --key` checks them. From the environment,
    /// never from the configuration, so it stays out of config dumps.
    /// Unset: nothing is signed.
    pub signing_key_env: Option<String>,
    /// RFC 3161 timestamping of the chains' heads (see [`AnchorOptions`]).
    pub anchor: Option<AnchorOptions>,
}

/// Anchoring: at each interval one worker (elected through shared data;
/// without it, every worker) sends a timestamp authority the digest of
/// every chain's head, and writes its answer in a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnchorOptions {
    /// The proxy's cluster for the timestamp authority.
    pub cluster: String,
    /// `:authority` of the calls.
    pub authority: String,
    /// Path of the TSA's endpoint.
    pub path: String,
    /// Extra request headers (credentials of a commercial TSA, say).
    pub headers: std::collections::BTreeMap<String, String>,
    /// Milliseconds between anchors.
    pub interval_ms: u64,
    /// Call timeout in milliseconds.
    pub timeout_ms: u64,
}

impl Default for AnchorOptions {
    fn default() -> AnchorOptions {
        AnchorOptions {
            cluster: String::new(),
            authority: "tsa".to_owned(),
            path: "/".to_owned(),
            headers: std::collections::BTreeMap::new(),
            interval_ms: 60_000,
            timeout_ms: 5_000,
        }
    }
}

impl Default for AuditOptions {
    fn default() -> AuditOptions {
        AuditOptions {
            log: true,
            collector: None,
            checkpoint_interval_ms: 10_000,
            witness: true,
            hit_key_env: None,
            signing_key_env: None,
            anchor: None,
        }
    }
}

/// An OpenTelemetry Collector (OTLP/HTTP, JSON encoding) reached through
/// a cluster of the proxy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CollectorOptions {
    /// The proxy's cluster for the collector.
    pub cluster: String,
    /// `:authority` of the calls.
    pub authority: String,
    /// Path of the logs endpoint.
    pub path: String,
    /// Extra request headers (an API key, say).
    pub headers: std::collections::BTreeMap<String, String>,
    /// Call timeout in milliseconds.
    pub timeout_ms: u64,
    /// Milliseconds between deliveries (the tick period).
    pub flush_interval_ms: u64,
    /// Events per call at most.
    pub batch_max_events: usize,
    /// Events waiting at most; past it new events are dropped, counted and
    /// declared in the next checkpoint.
    pub buffer_max_events: usize,
    /// Bytes waiting at most.
    pub buffer_max_bytes: usize,
}

impl Default for CollectorOptions {
    fn default() -> CollectorOptions {
        CollectorOptions {
            cluster: String::new(),
            authority: "otel-collector".to_owned(),
            path: "/v1/logs".to_owned(),
            headers: std::collections::BTreeMap::new(),
            timeout_ms: 5_000,
            flush_interval_ms: 1_000,
            batch_max_events: 200,
            buffer_max_events: 10_000,
            buffer_max_bytes: 8 << 20,
        }
    }
}

impl AuditOptions {
    /// The tick period these options need (ms; 0: none).
    pub fn tick_ms(&self) -> u64 {
        let flush = self
            .collector
            .as_ref()
            .map_or(0, |c| c.flush_interval_ms.max(1));
        match (flush, self.checkpoint_interval_ms) {
            (0, checkpoint) => checkpoint,
            (flush, 0) => flush,
            (flush, checkpoint) => flush.min(checkpoint),
        }
    }

    /// The checkpoint key from the environment variable
    /// `signing_key_env` names (`None` when it names none).
    pub fn signer(&self) -> Result<Option<Signer25519>, String> {
        let Some(name) = &self.signing_key_env else {
            return Ok(None);
        };
        let text = std::env::var(name).map_err(|_| {
            format!(
                "options.audit.signing_key_env: the VM has no environment variable `{name}` (Envoy: vm_config.environment_variables.host_env_keys)"
            )
        })?;
        // The reason never repeats the value: it is a private key.
        Signer25519::from_text(&text).map(Some).map_err(|why| {
            format!("options.audit.signing_key_env: `{name}` is not a checkpoint key ({why})")
        })
    }

    fn check(&self) -> Result<(), String> {
        if let Some(anchor) = &self.anchor {
            if anchor.cluster.trim().is_empty() {
                return Err(
                    "options.audit.anchor.cluster: name the cluster of the timestamp authority"
                        .to_owned(),
                );
            }
            if !anchor.path.starts_with('/')
                || anchor.interval_ms == 0
                || anchor.timeout_ms == 0
                || anchor.timeout_ms >= anchor.interval_ms
            {
                return Err("options.audit.anchor: `path` must be absolute, `interval_ms` and `timeout_ms` positive, the timeout shorter than the interval".to_owned());
            }
            if self.checkpoint_interval_ms == 0 {
                return Err("options.audit.anchor: anchors are written in checkpoints; set checkpoint_interval_ms".to_owned());
            }
        }
        self.signer()?;
        if let Some(collector) = &self.collector {
            if collector.cluster.is_empty() {
                return Err("options.audit.collector.cluster is required".to_owned());
            }
            if collector.buffer_max_events == 0 || collector.batch_max_events == 0 {
                return Err(
                    "options.audit.collector: batch and buffer sizes must be positive".to_owned(),
                );
            }
        }
        if !self.log && self.collector.is_none() {
            return Err("options.audit: with `log: false` a `collector` is required (audit events must go somewhere)".to_owned());
        }
        Ok(())
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            fail_open: false,
            max_request_body: Settings::DEFAULT.max_request_body,
            max_response_body: Settings::DEFAULT.max_response_body,
            stream_window: Settings::DEFAULT.stream_window,
            max_decompressed_body: Settings::DEFAULT.max_decompressed_body,
            max_compression_ratio: aimsgate_engine::decode::DEFAULT_MAX_RATIO,
            max_hits: aimsgate_engine::inspect::DEFAULT_MAX_HITS,
            max_decoded_bytes: aimsgate_engine::detect::encoded::DEFAULT_MAX_DECODED_BYTES,
            request_id_header: Settings::DEFAULT.request_id_header.to_owned(),
            host_header: ":authority".to_owned(),
            shared_data: SharedData::Auto,
            audit: AuditOptions::default(),
            classifier: None,
        }
    }
}

/// Whether the filter uses the proxy's shared data (`proxy_get_shared_data`
/// and `proxy_set_shared_data`) for usage budgets and audit witnesses.
///
/// Envoy always has it. ngx_wasm_module has it only where an `shm_kv`
/// zone is declared (`shm_kv aimsgate 1m;` or `shm_kv * 1m;`), and without
/// one it traps inside the call (3bed278,
/// src/common/proxy_wasm/ngx_proxy_wasm_host.c:1290-1296) — a trap the filter
/// cannot catch. So the choice is made before the call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharedData {
    /// On Envoy yes; on ngx_wasm_module no (it cannot be asked whether a
    /// zone exists without the trap); before the first request tells
    /// which proxy this is, no.
    #[default]
    Auto,
    /// Always (Envoy; ngx_wasm_module with an `shm_kv` zone).
    On,
    /// Never: budgets count per worker (N workers allow up to N times a
    /// limit, and the events say so), no cross-worker audit witness.
    Off,
}

/// A loaded configuration: the engine and the options it runs with.
#[derive(Debug)]
pub struct Loaded {
    /// The engine built from the rule set.
    pub engine: Engine,
    /// Options.
    pub options: Options,
    /// `name version (digest prefix)`, for log lines.
    pub label: String,
    /// Key for fingerprints of matched text, from the VM's environment.
    pub hit_key: Option<Vec<u8>>,
}

/// Where the plugin fetches its rule set when its configuration names one
/// instead of carrying it: a GET to `upstream`, whose body must hash to
/// `sha256`. The digest pins the rule set in the configuration itself, so
/// a file swapped on the server is refused rather than enforced, and a
/// reload of the configuration is what changes the rules.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesetFetch {
    /// Where the call goes: a cluster on Envoy; on ngx_wasm_module an
    /// address (`127.0.0.1:8091`) or a name its resolver knows.
    pub upstream: String,
    /// `:authority` of the call.
    #[serde(default = "RulesetFetch::default_authority")]
    pub authority: String,
    /// Path of the rule set (binary or JSON form).
    pub path: String,
    /// SHA-256 of the served bytes, lower-case hex.
    pub sha256: String,
    /// Call timeout in milliseconds.
    #[serde(default = "RulesetFetch::default_timeout_ms")]
    pub timeout_ms: u64,
}

impl RulesetFetch {
    fn default_authority() -> String {
        "aimsgate-rules".to_owned()
    }

    fn default_timeout_ms() -> u64 {
        2_000
    }

    /// `upstream` and `path`, for log lines.
    pub fn location(&self) -> String {
        format!("{}{}", self.upstream, self.path)
    }

    fn check(&self) -> Result<(), String> {
        if self.upstream.trim().is_empty() {
            return Err(
                "ruleset_fetch.upstream: name the cluster or address that serves the rule set"
                    .to_owned(),
            );
        }
        if !self.path.starts_with('/') {
            return Err(format!(
                "ruleset_fetch.path: `{}` is not an absolute path",
                self.path
            ));
        }
        if self.sha256.len() != 64
            || !self
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(
                "ruleset_fetch.sha256: 64 lower-case hex digits, the SHA-256 of the rule-set file"
                    .to_owned(),
            );
        }
        Ok(())
    }
}

/// A configuration as read: the rule set loaded, or where to fetch it.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one per configuration, moved once into place"
)]
pub enum Configuration {
    /// The configuration carried the rule set.
    Loaded(Loaded),
    /// The rule set is to be fetched; until it is, governed requests fail
    /// closed (or open, under `fail_open`).
    Fetch {
        /// Where from.
        fetch: RulesetFetch,
        /// The options it will run with.
        options: Options,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wrapped {
    #[serde(default)]
    ruleset: Option<serde_json::Value>,
    #[serde(default)]
    ruleset_fetch: Option<RulesetFetch>,
    #[serde(default)]
    options: Options,
}

/// Options from a configuration, even one whose rule set is bad (so that
/// `fail_open` is honoured when the rule set is what is broken).
pub fn options_of(bytes: &[u8]) -> Options {
    serde_json::from_slice::<Wrapped>(bytes)
        .map(|w| w.options)
        .unwrap_or_default()
}

/// The environment variable holding trusted public keys (comma or space
/// separated), beside the VM configuration's `trusted_keys`.
pub const TRUSTED_KEYS_ENV: &str = "AIMSGATE_TRUSTED_KEYS";

/// The keys rule sets must be signed by: the VM configuration's
/// `trusted_keys` (a list, or one string) and `env` (the variable's value)
/// together. An empty VM configuration and no variable trust none.
pub fn trusted_keys(vm_configuration: &[u8], env: Option<String>) -> Result<TrustedKeys, String> {
    let mut text = env.unwrap_or_default();
    if !vm_configuration.iter().all(u8::is_ascii_whitespace) {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct VmConfiguration {
            #[serde(default)]
            trusted_keys: OneOrMany,
        }
        #[derive(Deserialize, Default)]
        #[serde(untagged)]
        enum OneOrMany {
            #[default]
            None,
            One(String),
            Many(Vec<String>),
        }
        let vm: VmConfiguration = serde_json::from_slice(vm_configuration)
            .map_err(|e| format!("the VM configuration is not {{\"trusted_keys\": [...]}}: {e}"))?;
        match vm.trusted_keys {
            OneOrMany::None => {}
            OneOrMany::One(key) => text = format!("{text} {key}"),
            OneOrMany::Many(keys) => text = format!("{text} {}", keys.join(" ")),
        }
    }
    TrustedKeys::parse(&text).map_err(|e| format!("the trusted keys are unreadable: {e}"))
}

/// Parses a configuration and builds its engine, or says where the rule
/// set is to be fetched from.
/// Only rule sets one of `trusted` signed load (any, when it is empty).
pub fn read(bytes: &[u8], trusted: &TrustedKeys) -> Result<Configuration, String> {
    if bytes.is_empty() {
        return Err("the plugin configuration is empty: it must carry a rule set".to_owned());
    }
    if bytes.starts_with(MAGIC) {
        return build(bytes, Options::default(), trusted).map(Configuration::Loaded);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        format!("the plugin configuration is neither a binary rule set nor JSON: {e}")
    })?;
    if value.get("ruleset").is_none() && value.get("ruleset_fetch").is_none() {
        return build(bytes, Options::default(), trusted).map(Configuration::Loaded);
    }
    let wrapped: Wrapped = serde_json::from_value(value)
        .map_err(|e| format!("the plugin configuration is malformed: {e}"))?;
    check(&wrapped.options)?;
    match (wrapped.ruleset, wrapped.ruleset_fetch) {
        (Some(_), Some(_)) => Err(
            "the plugin configuration has both `ruleset` and `ruleset_fetch`: give one".to_owned(),
        ),
        (None, Some(fetch)) => {
            fetch.check()?;
            Ok(Configuration::Fetch {
                fetch,
                options: wrapped.options,
            })
        }
        (Some(ruleset), None) => {
            let ruleset = match ruleset {
                // A base64 or JSON string holding the rule set.
                serde_json::Value::String(text) => text.into_bytes(),
                other => other.to_string().into_bytes(),
            };
            build(&ruleset, wrapped.options, trusted).map(Configuration::Loaded)
        }
        // `"ruleset": null`.
        (None, None) => Err("the plugin configuration's `ruleset` is empty".to_owned()),
    }
}

/// Parses a configuration that must carry its rule set.
pub fn load(bytes: &[u8], trusted: &TrustedKeys) -> Result<Loaded, String> {
    match read(bytes, trusted)? {
        Configuration::Loaded(loaded) => Ok(loaded),
        Configuration::Fetch { fetch, .. } => Err(format!(
            "the rule set is to be fetched from {}",
            fetch.location()
        )),
    }
}

/// Builds the engine from a fetched rule set, if it is the one `fetch`
/// pins.
pub fn load_fetched(
    fetch: &RulesetFetch,
    options: &Options,
    body: &[u8],
    trusted: &TrustedKeys,
) -> Result<Loaded, String> {
    let digest = aimsgate_engine::ruleset::Digest::of(body).to_hex();
    if digest != fetch.sha256 {
        return Err(format!(
            "it has SHA-256 {}, not the configured {} (refused: a changed file needs a changed configuration)",
            &digest[..12],
            &fetch.sha256[..12]
        ));
    }
    build(body, options.clone(), trusted)
}

fn check(options: &Options) -> Result<(), String> {
    if options.max_request_body == 0 || options.max_response_body == 0 {
        return Err("options: body limits must be positive".to_owned());
    }
    if options.host_header.trim().is_empty() {
        return Err(
            "options.host_header: name the header that holds the host (`:authority` on Envoy, `host` on Kong)"
                .to_owned(),
        );
    }
    if let Some(classifier) = &options.classifier {
        if classifier.cluster.trim().is_empty() {
            return Err(
                "options.classifier.cluster: name the cluster of the classifier".to_owned(),
            );
        }
        if !classifier.path.starts_with('/') || classifier.timeout_ms == 0 {
            return Err(
                "options.classifier: `path` must be absolute and `timeout_ms` positive".to_owned(),
            );
        }
    }
    options.audit.check()
}

fn build(ruleset: &[u8], options: Options, trusted: &TrustedKeys) -> Result<Loaded, String> {
    check(&options)?;
    let hit_key = match &options.audit.hit_key_env {
        None => None,
        Some(name) => match std::env::var(name) {
            Ok(key) if !key.is_empty() => Some(key.into_bytes()),
            _ => {
                return Err(format!(
                    "options.audit.hit_key_env: the VM has no environment variable `{name}` (Envoy: vm_config.environment_variables.host_env_keys)"
                ));
            }
        },
    };
    let engine = Engine::from_bytes_trusted(ruleset, trusted)
        .map_err(|e| format!("the rule set does not load: {e}"))?
        .with_max_hits(options.max_hits)
        .with_decode_limit(options.max_decoded_bytes);
    let policy = &engine.ruleset().policy;
    let digest = policy.digest.to_hex();
    let label = format!(
        "{} {} ({})",
        policy.name,
        policy.version,
        digest.get(..12).unwrap_or(&digest)
    );
    Ok(Loaded {
        engine,
        options,
        label,
        hit_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No trusted keys: signatures unchecked (filter/tests/it covers them).
    fn load(bytes: &[u8]) -> Result<Loaded, String> {
        super::load(bytes, &TrustedKeys::default())
    }

    fn read(bytes: &[u8]) -> Result<Configuration, String> {
        super::read(bytes, &TrustedKeys::default())
    }

    #[test]
    fn unknown_options_are_refused() {
        let err = load(br#"{"ruleset": {}, "options": {"fail_opn": true}}"#).unwrap_err();
        assert!(err.contains("fail_opn"), "{err}");
    }

    #[test]
    fn audit_options_must_send_events_somewhere() {
        let err = load(br#"{"ruleset": {}, "options": {"audit": {"log": false}}}"#).unwrap_err();
        assert!(err.contains("collector"), "{err}");
        let err = load(br#"{"ruleset": {}, "options": {"audit": {"collector": {}}}}"#).unwrap_err();
        assert!(err.contains("cluster"), "{err}");
    }

    #[test]
    fn options_survive_a_bad_rule_set() {
        let bytes = br#"{"ruleset": "garbage", "options": {"fail_open": true}}"#;
        assert!(load(bytes).is_err());
        assert!(options_of(bytes).fail_open);
    }

    #[test]
    fn empty_and_garbage_configurations_say_why() {
        assert!(load(b"").unwrap_err().contains("empty"));
        assert!(load(b"\x00\x01").unwrap_err().contains("neither"));
    }

    const FETCH: &str = r#"{"upstream": "127.0.0.1:8091", "path": "/aimsgate/rules.bin", "sha256": "fddaa62a9448358bbb1640471d757fc098bfe0abac93b9e0e8fee365852b26de"}"#;

    #[test]
    fn a_rule_set_to_fetch_is_read_with_its_options() {
        let text = format!(r#"{{"ruleset_fetch": {FETCH}, "options": {{"host_header": "host"}}}}"#);
        match read(text.as_bytes()).unwrap() {
            Configuration::Fetch { fetch, options } => {
                assert_eq!(fetch.location(), "127.0.0.1:8091/aimsgate/rules.bin");
                assert_eq!(fetch.authority, "aimsgate-rules");
                assert_eq!(options.host_header, "host");
            }
            Configuration::Loaded(_) => panic!("nothing to load yet"),
        }
        assert!(load(text.as_bytes()).unwrap_err().contains("fetched"));
    }

    #[test]
    fn a_fetch_without_a_usable_pin_or_with_a_rule_set_too_is_refused() {
        let unpinned =
            r#"{"ruleset_fetch": {"upstream": "rules", "path": "/r.bin", "sha256": "FDDA"}}"#;
        assert!(read(unpinned.as_bytes()).unwrap_err().contains("sha256"));
        let relative = FETCH.replace("/aimsgate/rules.bin", "rules.bin");
        let relative = format!(r#"{{"ruleset_fetch": {relative}}}"#);
        assert!(read(relative.as_bytes()).unwrap_err().contains("absolute"));
        let both = format!(r#"{{"ruleset": {{}}, "ruleset_fetch": {FETCH}}}"#);
        assert!(read(both.as_bytes()).unwrap_err().contains("both"));
        assert!(read(br#"{"ruleset": null}"#).unwrap_err().contains("empty"));
    }

    #[test]
    fn a_fetched_rule_set_must_be_the_pinned_one() {
        let Configuration::Fetch { fetch, options } =
            read(format!(r#"{{"ruleset_fetch": {FETCH}}}"#).as_bytes()).unwrap()
        else {
            panic!("a fetch");
        };
        let err = load_fetched(
            &fetch,
            &options,
            b"AIMSGATE other bytes",
            &TrustedKeys::default(),
        )
        .unwrap_err();
        assert!(
            err.contains("SHA-256") && err.contains("fddaa62a9448"),
            "{err}"
        );
    }
}
