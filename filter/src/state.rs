//! What the root context shares with every HTTP context of the VM: the
//! rule set in force, the audit trail and the counters. Its own module, so
//! that the root (which creates HTTP contexts) and the HTTP contexts (which
//! use it) do not import each other.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use aimsgate_engine::audit::AuditEvent;

use crate::abi;
use crate::audit::Trail;
use crate::config::{AuditOptions, Loaded, Options};
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
}

impl PluginState {
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

    /// The audit options in force: the current rule set's, else the last
    /// configuration's.
    /// Runs `f` with the audit options in force: those of `loaded` (the
    /// rule set an exchange started on), else the current rule set's, else
    /// the last configuration's. Borrowed, not cloned: this runs per event.
    fn with_audit_options<R>(
        &self,
        loaded: Option<&Loaded>,
        f: impl FnOnce(&AuditOptions) -> R,
    ) -> R {
        if let Some(loaded) = loaded {
            return f(&loaded.options.audit);
        }
        if let Some(current) = self.current() {
            return f(&current.options.audit);
        }
        f(&self.fallback.borrow().audit)
    }

    /// Seals `event` into the VM's chain and delivers it with the audit
    /// options of `loaded` (the rule set the exchange started on).
    pub fn emit(&self, loaded: Option<&Loaded>, event: AuditEvent) {
        self.with_audit_options(loaded, |options| {
            let mut trail = self.trail.borrow_mut();
            let trail = trail.get_or_insert_with(|| {
                Trail::start(
                    options,
                    &self.metrics,
                    event.time_unix_nano,
                    self.context_id.get(),
                )
            });
            trail.emit(options, &self.metrics, event);
        });
    }

    pub(crate) fn with_trail(&self, f: impl FnOnce(&mut Trail, &AuditOptions)) {
        self.with_audit_options(None, |options| {
            if let Some(trail) = self.trail.borrow_mut().as_mut() {
                f(trail, options);
            }
        });
    }

    /// A request id for a request without one: unique within the VM,
    /// ordered by time.
    pub fn make_request_id(&self) -> String {
        let n = self.next_id.get().wrapping_add(1);
        self.next_id.set(n);
        aimsgate_engine::flow::make_request_id(abi::now_nanos(), n)
    }
}
