//! The root context: configuration, ticks and the end of the plugin.

use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::ContextType;

use crate::abi::{self, Buffer, Level};
use crate::audit::Trail;
use crate::config;
use crate::http::Http;
use crate::state::{Host, PluginState};

/// The root context.
#[derive(Debug, Default)]
pub struct Root {
    shared: Rc<PluginState>,
}

impl Root {
    /// A root with no rule set yet.
    pub fn new(context_id: u32) -> Root {
        let shared = PluginState::default();
        shared.context_id.set(context_id);
        *shared.missing.borrow_mut() = "the plugin was not configured".to_owned();
        Root {
            shared: Rc::new(shared),
        }
    }
}

impl Root {
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
    /// The collector's answer to an audit batch.
    fn on_http_call_response(
        &mut self,
        token_id: u32,
        _num_headers: usize,
        body_size: usize,
        _num_trailers: usize,
    ) {
        let now = abi::now_nanos();
        let shared = &self.shared;
        shared.with_trail(|trail, options, _| {
            trail.on_response(
                options.collector.as_ref(),
                &shared.metrics,
                now,
                token_id,
                body_size,
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
    fn on_vm_start(&mut self, _vm_configuration_size: usize) -> bool {
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
        match config::load(&bytes) {
            Ok(loaded) => {
                abi::log(
                    Level::Info,
                    &format!("aimsgate: loaded rule set {}", loaded.label),
                );
                let tick = loaded.options.audit.tick_ms();
                *self.shared.fallback.borrow_mut() = loaded.options.clone();
                let loaded = Rc::new(loaded);
                *self.shared.current.borrow_mut() = Some(Rc::clone(&loaded));
                self.shared.metrics.count("aimsgate.config.loaded");
                self.set_ticks(tick);
                // The chain starts now, so that a VM that never serves a
                // request still shows up in the evidence.
                if self.shared.trail.borrow().is_none() {
                    let options = loaded.options.audit.clone();
                    let trail = Trail::start(
                        &options,
                        &self.shared.metrics,
                        abi::now_nanos(),
                        self.shared.context_id.get(),
                    );
                    *self.shared.trail.borrow_mut() = Some(trail);
                }
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
