//! The root context: configuration and what HTTP contexts share.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::ContextType;

use crate::abi::{self, Buffer, Level};
use crate::config::{self, Loaded, Options};
use crate::http::Http;
use crate::metrics::Metrics;

/// State the root shares with every HTTP context of the VM.
#[derive(Debug, Default)]
pub struct Shared {
    /// The rule set new requests start on. Swapped whole on reconfiguration;
    /// requests in flight keep the `Rc` they started with.
    current: RefCell<Option<Rc<Loaded>>>,
    /// Why there is no rule set, while there is none.
    missing: RefCell<String>,
    /// Options from the last configuration seen, for when its rule set did
    /// not load.
    fallback: RefCell<Options>,
    /// Counters.
    pub metrics: Metrics,
    /// Request ids made up when the proxy sent none.
    next_id: Cell<u64>,
}

impl Shared {
    /// The rule set for a new request.
    pub fn current(&self) -> Option<Rc<Loaded>> {
        self.current.borrow().clone()
    }

    /// Why there is none, and whether to fail open.
    pub fn missing(&self) -> (String, bool) {
        (
            self.missing.borrow().clone(),
            self.fallback.borrow().fail_open,
        )
    }

    /// A request id for a request without one: unique within the VM,
    /// ordered by time.
    pub fn make_request_id(&self) -> String {
        let n = self.next_id.get().wrapping_add(1);
        self.next_id.set(n);
        format!("ag-{:x}-{n}", abi::now_nanos() / 1_000)
    }
}

/// The root context.
#[derive(Debug, Default)]
pub struct Root {
    shared: Rc<Shared>,
}

impl Root {
    /// A root with no rule set yet.
    pub fn new() -> Root {
        let shared = Shared::default();
        *shared.missing.borrow_mut() = "the plugin was not configured".to_owned();
        Root {
            shared: Rc::new(shared),
        }
    }
}

impl Context for Root {}

impl RootContext for Root {
    fn on_vm_start(&mut self, _vm_configuration_size: usize) -> bool {
        true
    }

    /// Loads the rule set. Returning false makes Envoy reject this
    /// configuration (an xDS update is NACKed and the previous one stays).
    fn on_configure(&mut self, size: usize) -> bool {
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
        match config::load(&bytes) {
            Ok(loaded) => {
                abi::log(
                    Level::Info,
                    &format!("aimsgate: loaded rule set {}", loaded.label),
                );
                *self.shared.fallback.borrow_mut() = loaded.options.clone();
                *self.shared.current.borrow_mut() = Some(Rc::new(loaded));
                self.shared.metrics.count("aimsgate.config.loaded");
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
                abi::log(
                    Level::Error,
                    &format!("aimsgate: configuration rejected: {reason}; {keeping}"),
                );
                false
            }
        }
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Http::new(context_id, Rc::clone(&self.shared))))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}
