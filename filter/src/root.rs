//! The root context: configuration, ticks and the end of the plugin.

use std::rc::Rc;
use std::time::Duration;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::ContextType;

use crate::abi::{self, Buffer, Level, Map};
use crate::audit::Trail;
use crate::config::{
    self, AuditOptions, Configuration, Loaded, Options, RulesetFetch, TRUSTED_KEYS_ENV,
};
use crate::http::Http;
use crate::state::{Host, PluginState};

/// Tick period while a rule set is to be fetched: the first attempt is
/// made this soon after the plugin starts. ngx_wasm_module lets a root
/// context set its tick period once (a second call traps, 3bed278,
/// src/common/proxy_wasm/ngx_proxy_wasm_host.c:287-290), so it stays the
/// period afterwards; the audit trail keeps its own intervals.
const FETCH_TICK_MS: u64 = 250;

/// Longest wait between two attempts at fetching the rule set.
const FETCH_BACKOFF_MAX_MS: u64 = 30_000;

/// The root context.
#[derive(Debug, Default)]
pub struct Root {
    shared: Rc<PluginState>,
    /// The rule set being fetched (`ruleset_fetch`), until it loads.
    fetching: Option<Fetching>,
}

/// A rule set on its way: where from, the options it will run with, the
/// call in flight and when to try again.
#[derive(Debug)]
struct Fetching {
    fetch: RulesetFetch,
    options: Options,
    in_flight: Option<u32>,
    retry_at: u64,
    failures: u32,
}

impl Root {
    /// A root with no rule set yet.
    pub fn new(context_id: u32) -> Root {
        let shared = PluginState::default();
        shared.context_id.set(context_id);
        *shared.missing.borrow_mut() = "the plugin was not configured".to_owned();
        Root {
            shared: Rc::new(shared),
            fetching: None,
        }
    }
}

impl Root {
    /// Puts `loaded` in force for new requests.
    fn install(&self, loaded: Loaded, from: &str) {
        abi::log(
            Level::Info,
            &format!("aimsgate: loaded rule set {}{from}", loaded.label),
        );
        let has_classifier = loaded.engine.ruleset().detectors.iter().any(|d| {
            matches!(
                d.kind,
                aimsgate_engine::ruleset::DetectorKind::Classifier(_)
            )
        });
        if has_classifier && loaded.options.classifier.is_none() {
            abi::log(
                Level::Warn,
                "aimsgate: the rule set has a classifier detector but options.classifier names none: requests it would consult on are decided by their route's on_classifier_unavailable",
            );
        }
        *self.shared.fallback.borrow_mut() = loaded.options.clone();
        *self.shared.current.borrow_mut() = Some(Rc::new(loaded));
        self.shared.metrics.count("aimsgate.config.loaded");
        self.shared
            .with_trail(|trail, options, _| trail.configure(options));
    }

    /// Starts the chain now, so that a VM that never serves a request
    /// still shows up in the evidence.
    fn start_trail(&self, options: &AuditOptions) {
        if self.shared.trail.borrow().is_none() {
            let trail = Trail::start(
                options,
                &self.shared.metrics,
                abi::now_nanos(),
                self.shared.context_id.get(),
            );
            *self.shared.trail.borrow_mut() = Some(trail);
        }
    }

    /// Asks for the rule set, when one is to be fetched and its time has
    /// come. From the tick: ngx_wasm_module refuses calls from
    /// `on_configure` (3bed278, ngx_proxy_wasm_host.c:1187-1204).
    fn fetch_ruleset(&mut self, now: u64) {
        let Some(fetching) = self.fetching.as_mut() else {
            return;
        };
        if fetching.in_flight.is_some() || now < fetching.retry_at {
            return;
        }
        let fetch = &fetching.fetch;
        let headers = vec![
            (":method", "GET"),
            (":path", fetch.path.as_str()),
            (":authority", fetch.authority.as_str()),
        ];
        // The SDK's wrapper registers the token so the answer comes back
        // to this root context (see `audit::Trail::deliver`).
        match proxy_wasm::hostcalls::dispatch_http_call(
            &fetch.upstream,
            headers,
            None,
            Vec::new(),
            Duration::from_millis(fetch.timeout_ms),
        ) {
            Ok(token) => fetching.in_flight = Some(token),
            Err(status) => {
                let why = format!("the proxy refused the call (status {})", status as u32);
                self.fetch_failed(now, &why);
            }
        }
    }

    /// The answer to the rule-set call `token`, if it is one.
    fn on_ruleset(&mut self, token: u32, body_size: usize) -> bool {
        let Some(fetching) = self.fetching.as_mut() else {
            return false;
        };
        if fetching.in_flight != Some(token) {
            return false;
        }
        fetching.in_flight = None;
        let now = abi::now_nanos();
        let status = abi::header(Map::HttpCallResponseHeaders, ":status");
        let outcome = match status.as_deref() {
            Some("200") => match abi::buffer(Buffer::HttpCallResponseBody, 0, body_size) {
                Ok(body) => self.shared.trusted().and_then(|trusted| {
                    config::load_fetched(&fetching.fetch, &fetching.options, &body, &trusted)
                }),
                Err(status) => Err(format!("its body is unreadable (status {})", status.0)),
            },
            Some(status) => Err(format!("the server answered {status}")),
            // ngx_wasm_module says why in a pseudo-header of its own
            // (docs/PROXY_WASM.md, "HTTP Dispatches").
            None => Err(
                match abi::header(Map::HttpCallResponseHeaders, ":dispatch_status") {
                    Some(reason) => format!("no response ({reason})"),
                    None => "no response (connection failed or timed out)".to_owned(),
                },
            ),
        };
        match outcome {
            Ok(loaded) => {
                let from = format!(" from {}", fetching.fetch.location());
                self.fetching = None;
                self.install(loaded, &from);
            }
            Err(why) => self.fetch_failed(now, &why),
        }
        true
    }

    /// A failed attempt: said, counted, and tried again later (sooner
    /// first, then less often).
    fn fetch_failed(&mut self, now: u64, why: &str) {
        let Some(fetching) = self.fetching.as_mut() else {
            return;
        };
        fetching.failures = fetching.failures.saturating_add(1);
        let wait = FETCH_TICK_MS
            .saturating_mul(1 << fetching.failures.min(8))
            .min(FETCH_BACKOFF_MAX_MS);
        fetching.retry_at = now.saturating_add(wait.saturating_mul(1_000_000));
        self.shared.metrics.count("aimsgate.config.fetch_failed");
        let reason = format!(
            "the rule set from {} did not load: {why}",
            fetching.fetch.location()
        );
        let keeping = match self.shared.current() {
            Some(current) => format!("keeping rule set {}", current.label),
            None => {
                *self.shared.missing.borrow_mut() = reason.clone();
                "no rule set is loaded: governed requests fail closed".to_owned()
            }
        };
        abi::log(
            Level::Error,
            &format!("aimsgate: {reason}; {keeping}; next attempt in {wait} ms"),
        );
    }

    fn set_ticks(&self, ms: u64) {
        let ms = u32::try_from(ms).unwrap_or(u32::MAX);
        if let Err(status) = abi::set_tick_period(ms) {
            abi::log(
                Level::Warn,
                &format!(
                    "aimsgate: the proxy refused a tick period (status {}): no audit checkpoints or collector delivery",
                    status.0
                ),
            );
        }
    }
}

impl Context for Root {
    /// The rule set fetched, or the answer to a call of the audit trail.
    fn on_http_call_response(
        &mut self,
        token_id: u32,
        _num_headers: usize,
        body_size: usize,
        _num_trailers: usize,
    ) {
        if self.on_ruleset(token_id, body_size) {
            return;
        }
        let now = abi::now_nanos();
        let shared = &self.shared;
        shared.with_trail(|trail, options, shares_data| {
            trail.on_response(
                options,
                &shared.metrics,
                now,
                token_id,
                body_size,
                shares_data,
            );
        });
    }

    /// The plugin is being removed (configuration change, drain): the
    /// chain ends with an event saying so.
    fn on_done(&mut self) -> bool {
        let now = abi::now_nanos();
        let shared = &self.shared;
        shared.with_trail(|trail, options, _| trail.end(options, &shared.metrics, now));
        true
    }
}

impl RootContext for Root {
    /// Reads the keys rule sets must be signed by: from the VM
    /// configuration (`{"trusted_keys": [...]}`), which Envoy and Istio keep
    /// apart from the plugin configuration that carries the rule set, and
    /// from the environment variable `AIMSGATE_TRUSTED_KEYS` (Envoy:
    /// `vm_config.environment_variables`). Keys must never travel with the
    /// rule set: whoever can edit one could add a key to it.
    fn on_vm_start(&mut self, vm_configuration_size: usize) -> bool {
        // Unreadable or absent: no keys from there.
        let configured =
            abi::buffer(Buffer::VmConfiguration, 0, vm_configuration_size).unwrap_or_default();
        let trusted = config::trusted_keys(&configured, std::env::var(TRUSTED_KEYS_ENV).ok());
        match &trusted {
            Ok(keys) if keys.is_empty() => abi::log(
                Level::Warn,
                "aimsgate: no trusted keys (vm_config or AIMSGATE_TRUSTED_KEYS): rule-set signatures are not checked",
            ),
            Ok(keys) => {
                let ids: Vec<String> = keys.ids().iter().map(ToString::to_string).collect();
                abi::log(
                    Level::Info,
                    &format!(
                        "aimsgate: only rule sets signed by key {} load",
                        ids.join(", ")
                    ),
                );
            }
            Err(reason) => abi::log(
                Level::Error,
                &format!("aimsgate: {reason}; no rule set will load"),
            ),
        }
        *self.shared.trusted.borrow_mut() = Some(trusted);
        true
    }

    /// Loads the rule set. Returning false makes Envoy reject this
    /// configuration (an xDS update is NACKed and the previous one stays).
    fn on_configure(&mut self, size: usize) -> bool {
        let host = self.shared.guess_host();
        let bytes = match abi::buffer(Buffer::PluginConfiguration, 0, size) {
            Ok(bytes) => bytes,
            Err(status) => {
                abi::log(
                    Level::Error,
                    &format!(
                        "aimsgate: cannot read the plugin configuration (status {})",
                        status.0
                    ),
                );
                return false;
            }
        };
        let read = self
            .shared
            .trusted()
            .and_then(|trusted| config::read(&bytes, &trusted));
        match read {
            Ok(Configuration::Loaded(loaded)) => {
                let tick = loaded.options.audit.tick_ms();
                let audit = loaded.options.audit.clone();
                self.fetching = None;
                self.install(loaded, "");
                self.set_ticks(tick);
                self.start_trail(&audit);
                true
            }
            Ok(Configuration::Fetch { fetch, options }) => {
                abi::log(
                    Level::Info,
                    &format!(
                        "aimsgate: fetching the rule set from {} (SHA-256 {})",
                        fetch.location(),
                        &fetch.sha256[..12]
                    ),
                );
                if self.shared.current().is_none() {
                    *self.shared.missing.borrow_mut() =
                        format!("the rule set from {} has not arrived yet", fetch.location());
                    *self.shared.fallback.borrow_mut() = options.clone();
                }
                let tick = match options.audit.tick_ms() {
                    0 => FETCH_TICK_MS,
                    audit => audit.min(FETCH_TICK_MS),
                };
                self.start_trail(&options.audit);
                self.fetching = Some(Fetching {
                    fetch,
                    options,
                    in_flight: None,
                    retry_at: 0,
                    failures: 0,
                });
                self.set_ticks(tick);
                true
            }
            Err(reason) => {
                self.shared.metrics.count("aimsgate.config.rejected");
                let keeping = match self.shared.current() {
                    Some(current) => format!("keeping rule set {}", current.label),
                    None => {
                        *self.shared.missing.borrow_mut() = reason.clone();
                        *self.shared.fallback.borrow_mut() = config::options_of(&bytes);
                        "no rule set is loaded: governed requests fail closed".to_owned()
                    }
                };
                // Envoy keeps the previous configuration when this one is
                // refused. ngx_wasm_module instead kills the worker for
                // good (see `Flavor::NgxWasm` in the harness): there the
                // configuration is taken, and governed requests fail
                // closed on what is kept.
                let accept = host == Host::NgxWasm;
                abi::log(
                    Level::Error,
                    &format!(
                        "aimsgate: configuration rejected: {reason}; {keeping}{}",
                        if accept {
                            " (accepted as a configuration so that the proxy keeps its worker)"
                        } else {
                            ""
                        }
                    ),
                );
                accept
            }
        }
    }

    fn on_tick(&mut self) {
        let now = abi::now_nanos();
        self.fetch_ruleset(now);
        let shared = &self.shared;
        shared.with_trail(|trail, options, shares_data| {
            trail.tick(options, &shared.metrics, now, shares_data)
        });
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Http::new(context_id, Rc::clone(&self.shared))))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}
