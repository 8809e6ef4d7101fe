//! What the root context shares with every HTTP context of the VM: the
//! rule set in force, the audit trail and the counters. Its own module, so
//! that the root (which creates HTTP contexts) and the HTTP contexts (which
//! use it) do not import each other.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use aimsgate_engine::audit::AuditEvent;

use crate::abi;
use crate::audit::{NGX_LOG_TEXT, Trail};
use aimsgate_engine::decision::MemoryLedger;

use aimsgate_engine::signing::TrustedKeys;

use crate::config::{AuditOptions, Loaded, Options, SharedData};
use crate::metrics::Metrics;

/// State the root shares with every HTTP context of the VM.
#[derive(Debug, Default)]
pub struct PluginState {
    /// The rule set new requests start on. Swapped whole on reconfiguration;
    /// requests in flight keep the `Rc` they started with.
    pub(crate) current: RefCell<Option<Rc<Loaded>>>,
    /// Why there is no rule set, while there is none.
    pub(crate) missing: RefCell<String>,
    /// Options from the last configuration seen, for when its rule set did
    /// not load.
    pub(crate) fallback: RefCell<Options>,
    /// Counters.
    pub metrics: Metrics,
    /// Request ids made up when the proxy sent none.
    next_id: Cell<u64>,
    /// The VM's audit chain, started with the first event.
    pub(crate) trail: RefCell<Option<Trail>>,
    /// The root context's id (mixed into the chain id).
    pub(crate) context_id: Cell<u32>,
    /// Which proxy runs the filter, as far as it is known.
    host: Cell<Host>,
    /// A request has told which proxy this is.
    host_confirmed: Cell<bool>,
    /// Usage budgets counted by this worker alone (no shared data).
    pub(crate) worker_ledger: RefCell<MemoryLedger>,
    /// The worker ledger counted a budget since the last event recorded.
    pub(crate) worker_ledger_charged: Cell<bool>,
    /// The keys rule sets must be signed by (none: not checked), from the
    /// VM configuration and environment; an error when they were given
    /// but unreadable (then no rule set loads).
    pub(crate) trusted: RefCell<Option<Result<TrustedKeys, String>>>,
}

/// The proxy running the filter, where proxies differ in ways the filter
/// must know before it acts (see [`SharedData`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Host {
    /// No request has come yet.
    #[default]
    Unknown,
    /// Envoy or Istio (anything without nginx's variables).
    Envoy,
    /// Kong's ngx_wasm_module in nginx.
    NgxWasm,
}

impl PluginState {
    /// The trusted keys, or why they are unreadable.
    pub fn trusted(&self) -> Result<TrustedKeys, String> {
        self.trusted
            .borrow()
            .clone()
            .unwrap_or(Ok(TrustedKeys::default()))
    }

    /// The rule set for a new request.
    pub fn current(&self) -> Option<Rc<Loaded>> {
        self.current.borrow().clone()
    }

    /// Why there is none, whether to fail open, and the request-id header
    /// (the last configuration's options, whose rule set did not load).
    pub fn missing(&self) -> (String, bool, String) {
        let fallback = self.fallback.borrow();
        (
            self.missing.borrow().clone(),
            fallback.fail_open,
            fallback.request_id_header.clone(),
        )
    }

    /// Runs `f` with the options in force: those of `loaded` (the rule set
    /// an exchange started on), else the current rule set's, else the last
    /// configuration's. Borrowed, not cloned: this runs per event.
    fn with_options<R>(&self, loaded: Option<&Loaded>, f: impl FnOnce(&Options) -> R) -> R {
        if let Some(loaded) = loaded {
            return f(&loaded.options);
        }
        if let Some(current) = self.current() {
            return f(&current.options);
        }
        f(&self.fallback.borrow())
    }

    /// Seals `event` into the VM's chain and delivers it with the audit
    /// options of `loaded` (the rule set the exchange started on).
    pub fn emit(&self, loaded: Option<&Loaded>, event: AuditEvent) {
        self.with_options(loaded, |options| {
            let options = &options.audit;
            let mut trail = self.trail.borrow_mut();
            let trail = trail.get_or_insert_with(|| {
                Trail::start(
                    options,
                    &self.metrics,
                    event.time_unix_nano,
                    self.context_id.get(),
                )
            });
            trail.max_log_line = (self.host.get() == Host::NgxWasm).then_some(NGX_LOG_TEXT);
            trail.emit(options, &self.metrics, event);
        });
    }

    /// Counts a request on the VM's chain (see
    /// `aimsgate_engine::audit::Trail::count_request`).
    pub fn count_request(&self, recorded: bool) {
        if let Ok(mut trail) = self.trail.try_borrow_mut()
            && let Some(trail) = trail.as_mut()
        {
            trail.count_request(recorded);
        }
    }

    /// Runs `f` on the chain, if it started, with the audit options in
    /// force and whether shared data may be used.
    pub(crate) fn with_trail(&self, f: impl FnOnce(&mut Trail, &AuditOptions, bool)) {
        self.with_options(None, |options| {
            if let Some(trail) = self.trail.borrow_mut().as_mut() {
                trail.max_log_line = (self.host.get() == Host::NgxWasm).then_some(NGX_LOG_TEXT);
                f(trail, &options.audit, self.shares_data(options));
            }
        });
    }

    /// The proxy running the filter. Asked of the proxy in a request
    /// context only: ngx_wasm_module serves `ngx.*` properties (nginx
    /// variables; `$nginx_version` always exists) in a request and refuses
    /// dotted properties outside one (3bed278,
    /// src/common/proxy_wasm/ngx_proxy_wasm_properties.c:1100-1107,
    /// 1124-1129); Envoy has no such property (NOT_FOUND).
    pub fn host(&self) -> Host {
        if !self.host_confirmed.replace(true) {
            let host = match abi::property(&["ngx", "nginx_version"]) {
                Ok(Some(_)) => Host::NgxWasm,
                _ => Host::Envoy,
            };
            self.host.set(host);
        }
        self.host.get()
    }

    /// The proxy as the root context can tell it, before any request (a
    /// request confirms it): ngx_wasm_module refuses a dotted property
    /// there (INTERNAL_FAILURE, and an error line in its log), Envoy has
    /// none (NOT_FOUND).
    pub fn guess_host(&self) -> Host {
        if self.host.get() == Host::Unknown {
            let host = match abi::property(&["ngx", "nginx_version"]) {
                Ok(None) => Host::Envoy,
                Ok(Some(_)) | Err(_) => Host::NgxWasm,
            };
            self.host.set(host);
        }
        self.host.get()
    }

    /// Whether `options` let the filter use shared data on this proxy now
    /// (without asking the proxy: this runs in the tick too).
    pub fn shares_data(&self, options: &Options) -> bool {
        match options.shared_data {
            SharedData::On => true,
            SharedData::Off => false,
            SharedData::Auto => self.host.get() == Host::Envoy,
        }
    }

    /// A request id for a request without one: unique within the VM,
    /// ordered by time.
    pub fn make_request_id(&self) -> String {
        let n = self.next_id.get().wrapping_add(1);
        self.next_id.set(n);
        aimsgate_engine::flow::make_request_id(abi::now_nanos(), n)
    }
}
