//! One VM with its root context: what one Envoy worker holds for one plugin.

use std::collections::{HashMap, VecDeque};

use wasmtime::{Func, Store, Val};

use crate::clock::{ManualClock, SplitMix64, wall_clock_ms};
use crate::error::HostError;
use crate::flavor::Flavor;
use crate::headers::HeaderMap;
use crate::http::{HttpCall, HttpCallResponse};
use crate::imports;
use crate::logs::{LogLevel, LogRecord, LogSource};
use crate::metrics::MetricIds;
use crate::runtime::Module;
use crate::shared::{Metric, SharedData};
use crate::state::{GuestExports, HostAction, HostState, StreamState, VmConfig};

/// What Envoy's `envoy.extensions.wasm.v3.PluginConfig` carries for a plugin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PluginSpec {
    /// `name`: the `plugin_name` property.
    pub name: String,
    /// `root_id`: the `plugin_root_id` property.
    pub root_id: String,
    /// `vm_config.vm_id`: the `plugin_vm_id` property and the shared-data namespace.
    pub vm_id: String,
    /// `vm_config.configuration`: the VM_CONFIGURATION buffer, passed to
    /// `proxy_on_vm_start`.
    pub vm_configuration: Vec<u8>,
    /// `configuration`: the PLUGIN_CONFIGURATION buffer, passed to `proxy_on_configure`.
    pub configuration: Vec<u8>,
    /// `fail_open`: after the VM traps, let requests through untouched instead of
    /// answering 503.
    pub fail_open: bool,
}

/// Proxy settings around the plugin. [`Default`] gives Envoy's defaults.
#[derive(Clone, Debug)]
pub struct HostOptions {
    /// Envoy's `per_connection_buffer_limit_bytes` (default 1 MiB): a body the
    /// filter buffers past it gets a 413 (request) or 500 (response) from Envoy.
    pub buffer_limit: usize,
    /// What `proxy_get_log_level` reports. Every log line is recorded regardless.
    pub log_level: LogLevel,
    /// The upstream clusters `proxy_http_call` may name; others are BAD_ARGUMENT.
    pub clusters: Vec<String>,
    /// State shared with other plugins (Envoy workers) of the same proxy.
    pub shared_data: SharedData,
    /// The clock's start, in milliseconds since the Unix epoch (default: now).
    pub start_time_ms: u64,
    /// `PluginConfig.allow_on_headers_stop_iteration` (Envoy 1.35+, default false).
    /// When false, a Pause from `on_*_headers` becomes `StopAllIterationAndWatermark`:
    /// Envoy buffers the body without calling the body callbacks until the plugin
    /// resumes (proxy-wasm-cpp-host issue 143, src/context.cc
    /// `convertVmCallResultToFilterHeadersStatus`). When true it is a plain
    /// `StopIteration` and body callbacks keep coming.
    pub allow_on_headers_stop_iteration: bool,
    /// The connection manager's `stream_idle_timeout` (default 5 minutes): a stream
    /// that stalls (the filter paused and nothing will resume it) gets Envoy's 408
    /// after this much (manual) time.
    pub stream_idle_timeout_ms: u64,
    /// `generate_request_id` (default true): add `x-request-id` when absent.
    pub generate_request_id: bool,
    /// The downstream peer, `ip:port` (`source.address`).
    pub source_address: String,
    /// The listener address, `ip:port` (`destination.address`).
    pub destination_address: String,
    /// Seed of `random_get` and of generated request ids.
    pub random_seed: u64,
    /// The VM's environment (`vm_config.environment_variables`: Envoy copies
    /// `host_env_keys` from its own environment and adds `key_values`),
    /// read through WASI `environ_get`.
    pub environment: Vec<(String, String)>,
    /// Whose semantics to follow where proxy-wasm hosts differ.
    pub flavor: Flavor,
    /// ngx_wasm_module only: the matched `server` block's `server_name` and
    /// the listening port, which is what `:authority` holds there (not the
    /// client's Host; ngx_wasm_module 3bed278,
    /// src/common/proxy_wasm/ngx_proxy_wasm_maps.c:647-669).
    pub server_authority: String,
    /// ngx_wasm_module only: `wasm_response_body_buffers` as bytes (number
    /// × size; default 4 × 4096, src/wasm/ngx_wasm.h:36-37), what the one
    /// response pause the module honours can collect.
    pub ngx_response_buffers: usize,
    /// ngx_wasm_module only: nginx's `client_body_buffer_size` (default two
    /// memory pages, 8 KiB on x86-64: nginx 1.26
    /// src/http/ngx_http_core_module.c:3788-3790). A body that outgrows
    /// the buffer nginx reads it into goes to a temp file the filter cannot
    /// read: with a `Content-Length`, one of 1.25 × this size or more
    /// (src/http/ngx_http_request_body.c:175-193; nginx also keeps what
    /// came with the headers, up to about 1 KiB more, which the harness
    /// does not count); a chunked one past this size.
    pub ngx_client_body_buffer_size: usize,
    /// ngx_wasm_module only: the `shm_kv` zones declared (`shm_kv <name>
    /// <size>;`, `*` for the default namespace). Shared data is there only
    /// for keys a zone serves; any other key traps (none by default, as in
    /// the module).
    pub ngx_shm_kv: Vec<String>,
}

impl Default for HostOptions {
    fn default() -> Self {
        Self {
            buffer_limit: 1024 * 1024,
            log_level: LogLevel::Info,
            clusters: Vec::new(),
            shared_data: SharedData::new(),
            start_time_ms: wall_clock_ms(),
            allow_on_headers_stop_iteration: false,
            stream_idle_timeout_ms: 300_000,
            generate_request_id: true,
            source_address: "127.0.0.1:54321".to_owned(),
            destination_address: "127.0.0.1:10000".to_owned(),
            random_seed: 0x5eed,
            environment: Vec::new(),
            flavor: Flavor::Envoy,
            server_authority: "localhost:8080".to_owned(),
            ngx_response_buffers: 4 * 4096,
            ngx_client_body_buffer_size: 8 * 1024,
            ngx_shm_kv: Vec::new(),
        }
    }
}

/// Answers the plugin's HTTP calls: a response, or `None` for a failed call.
pub type HttpCallHandler = Box<dyn FnMut(&HttpCall) -> Option<HttpCallResponse>>;

/// What a filter callback returned (`proxy_action_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// 0: continue.
    Continue,
    /// 1: pause (stop iteration).
    Pause,
    /// Any other value (the C++ SDK's extended statuses).
    Other(u32),
}

impl Action {
    fn from_raw(raw: u32) -> Self {
        match raw {
            0 => Self::Continue,
            1 => Self::Pause,
            other => Self::Other(other),
        }
    }
}

/// The callbacks the host may call, looked up once.
const CALLBACKS: &[&str] = &[
    "_initialize",
    "_start",
    "proxy_on_context_create",
    "proxy_on_vm_start",
    "proxy_on_configure",
    "proxy_on_tick",
    "proxy_on_done",
    "proxy_on_log",
    "proxy_on_delete",
    "proxy_on_request_headers",
    "proxy_on_request_body",
    "proxy_on_request_trailers",
    "proxy_on_response_headers",
    "proxy_on_response_body",
    "proxy_on_response_trailers",
    "proxy_on_http_call_response",
];

/// How many HTTP call responses one dispatch round delivers at most, so a plugin
/// that answers every response with a new call cannot loop forever.
const MAX_HTTP_CALL_DISPATCHES: usize = 10_000;

/// One Envoy worker's copy of a plugin: a VM, its root context and its streams.
pub struct Plugin {
    pub(crate) store: Store<HostState>,
    callbacks: HashMap<&'static str, Func>,
    pub(crate) spec: PluginSpec,
    pub(crate) buffer_limit: usize,
    pub(crate) allow_on_headers_stop_iteration: bool,
    pub(crate) stream_idle_timeout_ms: u64,
    pub(crate) generate_request_id: bool,
    /// [`HostOptions::server_authority`].
    pub(crate) server_authority: String,
    /// [`HostOptions::ngx_response_buffers`].
    pub(crate) ngx_response_buffers: usize,
    /// [`HostOptions::ngx_client_body_buffer_size`].
    pub(crate) ngx_client_body_buffer_size: usize,
    configured: bool,
    trap: Option<String>,
    next_context_id: u32,
    http_call_handler: Option<HttpCallHandler>,
}

impl Plugin {
    /// Instantiates `module` and starts it as Envoy does: `_initialize` (or
    /// `_start`), `proxy_on_context_create(root, 0)`, `proxy_on_vm_start`,
    /// `proxy_on_configure`. Succeeds even if `proxy_on_configure` returns false
    /// (see [`Plugin::configured`]); fails if `proxy_on_vm_start` does, as Envoy
    /// then refuses the VM.
    pub fn start(
        module: &Module,
        spec: PluginSpec,
        options: HostOptions,
    ) -> Result<Plugin, HostError> {
        let state = HostState {
            config: VmConfig {
                plugin_name: spec.name.clone(),
                root_id: spec.root_id.clone(),
                vm_id: spec.vm_id.clone(),
                vm_configuration: spec.vm_configuration.clone(),
                log_level: options.log_level,
                clusters: options.clusters.clone(),
                source_address: options.source_address.clone(),
                destination_address: options.destination_address.clone(),
                environment: options.environment.clone(),
                flavor: options.flavor,
                ngx_shm_kv: options.ngx_shm_kv.clone(),
                ngx_server_name: options
                    .server_authority
                    .rsplit_once(':')
                    .map_or(options.server_authority.as_str(), |(name, _)| name)
                    .to_owned(),
            },
            shared: options.shared_data.clone(),
            plugin_configuration: None,
            clock: ManualClock::starting_at_ms(options.start_time_ms),
            rng: SplitMix64::new(options.random_seed),
            guest: None,
            root_context_id: ROOT_CONTEXT_ID,
            current_context: ROOT_CONTEXT_ID,
            effective_context: 0,
            streams: HashMap::new(),
            http_call_response: None,
            pending_http_calls: VecDeque::new(),
            next_http_call_token: 1,
            tick_period_ms: 0,
            callback: "",
            next_tick_ns: None,
            metric_ids: MetricIds::default(),
            logs: Vec::new(),
            unimplemented: Vec::new(),
            http_calls: Vec::new(),
            after_call: Vec::new(),
            stop_next_iteration: false,
        };
        let wasm_module = module.wasmtime();
        let mut store = Store::new(wasm_module.engine(), state);
        let linker = imports::linker_for(&mut store, wasm_module)?;
        let instance = linker
            .instantiate(&mut store, wasm_module)
            .map_err(|error| HostError::Instantiate(format!("{error:#}")))?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| HostError::MissingExport("memory".to_owned()))?;
        let allocate = ["proxy_on_memory_allocate", "malloc"]
            .iter()
            .find_map(|name| instance.get_typed_func::<i32, i32>(&mut store, name).ok())
            .ok_or_else(|| HostError::MissingExport("proxy_on_memory_allocate".to_owned()))?;
        let abi = ["proxy_abi_version_0_2_1", "proxy_abi_version_0_2_0"]
            .iter()
            .any(|name| instance.get_func(&mut store, name).is_some());
        if !abi {
            return Err(HostError::UnsupportedAbi);
        }
        let callbacks = CALLBACKS
            .iter()
            .filter_map(|name| Some((*name, instance.get_func(&mut store, name)?)))
            .collect();
        store.data_mut().guest = Some(GuestExports { memory, allocate });
        let mut plugin = Plugin {
            store,
            callbacks,
            spec,
            buffer_limit: options.buffer_limit,
            allow_on_headers_stop_iteration: options.allow_on_headers_stop_iteration,
            stream_idle_timeout_ms: options.stream_idle_timeout_ms,
            generate_request_id: options.generate_request_id,
            server_authority: options.server_authority.clone(),
            ngx_response_buffers: options.ngx_response_buffers,
            ngx_client_body_buffer_size: options.ngx_client_body_buffer_size,
            configured: false,
            trap: None,
            next_context_id: ROOT_CONTEXT_ID + 1,
            http_call_handler: None,
        };
        plugin.boot()?;
        Ok(plugin)
    }

    /// proxy-wasm-cpp-host `WasmBase::initialize` + `ContextBase::onStart` +
    /// `onConfigure`.
    fn boot(&mut self) -> Result<(), HostError> {
        let init = if self.callbacks.contains_key("_initialize") {
            "_initialize"
        } else {
            "_start"
        };
        self.call(ROOT_CONTEXT_ID, init, &[])?;
        self.call(
            ROOT_CONTEXT_ID,
            "proxy_on_context_create",
            &[u32_val(ROOT_CONTEXT_ID), u32_val(0)],
        )?;
        let vm_configuration_size = len_val(self.spec.vm_configuration.len());
        let started = self.call(
            ROOT_CONTEXT_ID,
            "proxy_on_vm_start",
            &[u32_val(ROOT_CONTEXT_ID), vm_configuration_size],
        )?;
        self.store.data_mut().after_call.clear();
        if started == Some(0) {
            return Err(HostError::VmStartRejected);
        }
        let configuration = self.spec.configuration.clone();
        self.configure(configuration)?;
        Ok(())
    }

    fn configure(&mut self, configuration: Vec<u8>) -> Result<bool, HostError> {
        let size = len_val(configuration.len());
        self.store.data_mut().plugin_configuration = Some(configuration.clone());
        let result = self.call(
            ROOT_CONTEXT_ID,
            "proxy_on_configure",
            &[u32_val(ROOT_CONTEXT_ID), size],
        );
        let state = self.store.data_mut();
        state.plugin_configuration = None;
        state.after_call.clear();
        // No `proxy_on_configure` export: Envoy accepts the configuration.
        let accepted = result?.is_none_or(|result| result != 0);
        self.spec.configuration = configuration;
        self.configured = accepted;
        if !accepted && self.store.data().config.flavor == Flavor::NgxWasm && self.trap.is_none() {
            // ngx_wasm_module fails the worker's init (or the reload) when
            // `proxy_on_configure` returns false, and nginx treats that
            // exit as fatal: the worker is not respawned (3bed278,
            // src/common/proxy_wasm/ngx_proxy_wasm.c:1244-1250;
            // src/http/ngx_http_wasm_module.c:497-499; nginx
            // src/os/unix/ngx_process_cycle.c `ngx_worker_process_init`,
            // exit code 2).
            self.trap = Some(
                "proxy_on_configure returned false: the worker exited with fatal code 2 and cannot be respawned"
                    .to_owned(),
            );
        }
        Ok(accepted)
    }

    /// What the last `proxy_on_configure` returned.
    pub fn configured(&self) -> bool {
        self.configured
    }

    /// An xDS update of the plugin configuration: calls `proxy_on_configure` again
    /// (on the same root context). `Ok(false)` means Envoy rejects the update.
    pub fn reconfigure(&mut self, configuration: Vec<u8>) -> Result<bool, HostError> {
        self.configure(configuration)
    }

    /// The plugin's identity.
    pub fn spec(&self) -> &PluginSpec {
        &self.spec
    }

    /// Moves the clock `ms` forward: `proxy_on_tick` runs once per tick period
    /// elapsed, then pending HTTP call responses are delivered. Stream actions the
    /// plugin requests meanwhile are kept for [`Plugin::take_actions`].
    pub fn advance(&mut self, ms: u64) {
        let target = self.now_ns().saturating_add(ms.saturating_mul(1_000_000));
        while self.fire_due_tick(target) {
            self.dispatch_http_calls();
        }
        self.store.data_mut().clock.set_ns(target);
        self.dispatch_http_calls();
    }

    /// The proxy's clock, in nanoseconds since the Unix epoch.
    pub fn now_ns(&self) -> u64 {
        self.store.data().clock.now_ns()
    }

    /// Fires the next tick if it is due at or before `until_ns`, moving the clock to
    /// it. Returns whether one fired.
    pub(crate) fn fire_due_tick(&mut self, until_ns: u64) -> bool {
        let state = self.store.data_mut();
        let Some(due) = state.next_tick_ns.filter(|due| *due <= until_ns) else {
            return false;
        };
        state.clock.set_ns(due);
        state.next_tick_ns = None;
        // A trap inside on_tick kills the VM; there is nothing else to do here.
        let _ = self.call(
            ROOT_CONTEXT_ID,
            "proxy_on_tick",
            &[u32_val(ROOT_CONTEXT_ID)],
        );
        let state = self.store.data_mut();
        // Envoy re-arms the timer with the (possibly new) period after each tick.
        if state.tick_period_ms > 0 && !self.is_dead() {
            let state = self.store.data_mut();
            state.next_tick_ns =
                Some(due.saturating_add(u64::from(state.tick_period_ms) * 1_000_000));
        }
        true
    }

    /// Sets what answers `proxy_http_call`s: called once per call when its response
    /// is due; `None` makes the call fail (the plugin sees a response with no
    /// headers and no body). Without a handler every call fails.
    pub fn set_http_call_handler(&mut self, handler: HttpCallHandler) {
        self.http_call_handler = Some(handler);
    }

    /// Every HTTP call the plugin made, in order.
    pub fn http_calls(&self) -> &[HttpCall] {
        &self.store.data().http_calls
    }

    /// HTTP calls whose responses have not been delivered yet.
    pub fn pending_http_calls(&self) -> usize {
        self.store.data().pending_http_calls.len()
    }

    /// Delivers pending HTTP call responses (and those of calls made while
    /// delivering) through `proxy_on_http_call_response`. Returns how many.
    /// Stream actions the plugin requests meanwhile are kept for [`Plugin::take_actions`].
    pub fn dispatch_http_calls(&mut self) -> usize {
        let mut delivered = 0;
        while delivered < MAX_HTTP_CALL_DISPATCHES && self.dispatch_next_http_call() {
            delivered += 1;
        }
        delivered
    }

    /// Delivers the oldest pending HTTP call response. Envoy answers on the root
    /// context: the call was made through `root_context()` (proxy-wasm-cpp-host
    /// src/exports.cc `http_call`), and the SDK then switches to the calling context
    /// with `proxy_set_effective_context`. During the callback the response is map 6
    /// (headers), 7 (trailers) and buffer 4 (body).
    pub(crate) fn dispatch_next_http_call(&mut self) -> bool {
        let Some(token) = self.store.data_mut().pending_http_calls.pop_front() else {
            return false;
        };
        let call = self
            .store
            .data()
            .http_calls
            .iter()
            .find(|call| call.token == token)
            .cloned();
        let response = match (call, self.http_call_handler.as_mut()) {
            (Some(call), Some(handler)) => handler(&call),
            _ => None,
        };
        let (headers, body, trailers) = match &response {
            Some(response) => (
                response.headers.len(),
                response.body.len(),
                response.trailers.len(),
            ),
            None => (0, 0, 0),
        };
        self.store.data_mut().http_call_response = response;
        let _ = self.call(
            ROOT_CONTEXT_ID,
            "proxy_on_http_call_response",
            &[
                u32_val(ROOT_CONTEXT_ID),
                u32_val(token),
                len_val(headers),
                len_val(body),
                len_val(trailers),
            ],
        );
        self.store.data_mut().http_call_response = None;
        true
    }

    /// Every line the plugin logged so far.
    pub fn logs(&self) -> &[LogRecord] {
        &self.store.data().logs
    }

    /// Takes the logged lines, leaving none.
    pub fn take_logs(&mut self) -> Vec<LogRecord> {
        std::mem::take(&mut self.store.data_mut().logs)
    }

    /// Every metric in the (shared) stats store.
    pub fn metrics(&self) -> Vec<Metric> {
        self.store.data().shared.metrics()
    }

    /// A metric's value by name (a histogram's: its number of samples).
    pub fn metric(&self, name: &str) -> Option<i64> {
        self.metrics()
            .into_iter()
            .find(|metric| metric.name == name)
            .map(|metric| metric.value)
    }

    /// The shared state this plugin uses.
    pub fn shared_data(&self) -> &SharedData {
        &self.store.data().shared
    }

    /// Every host call answered with UNIMPLEMENTED or an unknown import that was
    /// called, in order.
    pub fn unimplemented_calls(&self) -> &[String] {
        &self.store.data().unimplemented
    }

    /// The trap that killed the VM, if it trapped. A dead VM is not called again:
    /// Envoy then answers 503 to every request, or lets them through untouched
    /// with `fail_open`.
    pub fn trap(&self) -> Option<&str> {
        self.trap.as_deref()
    }

    pub(crate) fn is_dead(&self) -> bool {
        self.trap.is_some()
    }

    /// Calls export `name` for `context_id`. `Ok(None)`: the module does not export
    /// it (Envoy then skips the callback). A trap kills the VM.
    pub(crate) fn call(
        &mut self,
        context_id: u32,
        name: &'static str,
        args: &[Val],
    ) -> Result<Option<u32>, HostError> {
        if let Some(trap) = &self.trap {
            return Err(HostError::VmDead(trap.clone()));
        }
        let Some(func) = self.callbacks.get(name).copied() else {
            return Ok(None);
        };
        let logs_before = {
            let state = self.store.data_mut();
            state.current_context = context_id;
            state.effective_context = 0;
            state.stop_next_iteration = false;
            state.callback = name;
            state.logs.len()
        };
        let mut results = vec![Val::I32(0); func.ty(&self.store).results().len()];
        let outcome = func.call(&mut self.store, args, &mut results);
        let state = self.store.data_mut();
        state.effective_context = 0;
        state.callback = "";
        match outcome {
            Ok(()) => Ok(results.first().and_then(Val::i32).map(|raw| raw as u32)),
            Err(error) => {
                // The panic message: the Rust SDK's panic hook logs it at critical
                // level, a plain panic hook writes it to stderr.
                let panic: Vec<&str> = state.logs[logs_before..]
                    .iter()
                    .filter(|record| {
                        record.source == LogSource::Stderr || record.level == LogLevel::Critical
                    })
                    .map(|record| record.message.as_str())
                    .collect();
                let mut message = format!("{} (in {name})", error.root_cause());
                if !panic.is_empty() {
                    message.push_str(": ");
                    message.push_str(&panic.join(" "));
                }
                state.after_call.clear();
                self.trap = Some(message.clone());
                Err(HostError::Trap(message))
            }
        }
    }

    // ----- low-level API for conformance tests -----

    /// Creates an HTTP context (`proxy_on_context_create(id, root)`) and returns its id.
    pub fn create_http_context(&mut self) -> Result<u32, HostError> {
        let context_id = self.next_context_id;
        self.next_context_id += 1;
        let start_time_ns = self.now_ns();
        self.store.data_mut().streams.insert(
            context_id,
            StreamState {
                start_time_ns,
                ..StreamState::default()
            },
        );
        self.call(
            ROOT_CONTEXT_ID,
            "proxy_on_context_create",
            &[u32_val(context_id), u32_val(ROOT_CONTEXT_ID)],
        )
        .map(|_| context_id)
        .inspect_err(|_| {
            self.store.data_mut().streams.remove(&context_id);
        })
    }

    fn stream_mut(&mut self, context_id: u32) -> Result<&mut StreamState, HostError> {
        self.store
            .data_mut()
            .streams
            .get_mut(&context_id)
            .ok_or(HostError::UnknownContext(context_id))
    }

    fn stream(&self, context_id: u32) -> Result<&StreamState, HostError> {
        self.store
            .data()
            .streams
            .get(&context_id)
            .ok_or(HostError::UnknownContext(context_id))
    }

    fn call_action(
        &mut self,
        context_id: u32,
        name: &'static str,
        args: &[Val],
    ) -> Result<Action, HostError> {
        Ok(Action::from_raw(
            self.call(context_id, name, args)?.unwrap_or(0),
        ))
    }

    /// Calls `proxy_on_request_headers` with `headers` as the request header map.
    pub fn on_request_headers(
        &mut self,
        context_id: u32,
        headers: &[(String, String)],
        end_of_stream: bool,
    ) -> Result<Action, HostError> {
        let stream = self.stream_mut(context_id)?;
        stream.request_headers = HeaderMap::from_pairs(headers);
        stream.request_headers_visible = true;
        let count = len_val(headers.len());
        self.call_action(
            context_id,
            "proxy_on_request_headers",
            &[u32_val(context_id), count, bool_val(end_of_stream)],
        )
    }

    /// Calls `proxy_on_request_body` with `body` as the request body buffer.
    pub fn on_request_body(
        &mut self,
        context_id: u32,
        body: &[u8],
        end_of_stream: bool,
    ) -> Result<Action, HostError> {
        let stream = self.stream_mut(context_id)?;
        stream.request_body = Some(body.to_vec());
        stream.request_body_visible = true;
        let size = len_val(body.len());
        self.call_action(
            context_id,
            "proxy_on_request_body",
            &[u32_val(context_id), size, bool_val(end_of_stream)],
        )
    }

    /// Calls `proxy_on_request_trailers` with `trailers` as the request trailer map.
    pub fn on_request_trailers(
        &mut self,
        context_id: u32,
        trailers: &[(String, String)],
    ) -> Result<Action, HostError> {
        let stream = self.stream_mut(context_id)?;
        stream.request_trailers = Some(HeaderMap::from_pairs(trailers));
        stream.request_trailers_visible = true;
        let count = len_val(trailers.len());
        self.call_action(
            context_id,
            "proxy_on_request_trailers",
            &[u32_val(context_id), count],
        )
    }

    /// Calls `proxy_on_response_headers` with `headers` as the response header map.
    pub fn on_response_headers(
        &mut self,
        context_id: u32,
        headers: &[(String, String)],
        end_of_stream: bool,
    ) -> Result<Action, HostError> {
        let stream = self.stream_mut(context_id)?;
        stream.response_headers = Some(HeaderMap::from_pairs(headers));
        stream.response_headers_visible = true;
        let count = len_val(headers.len());
        self.call_action(
            context_id,
            "proxy_on_response_headers",
            &[u32_val(context_id), count, bool_val(end_of_stream)],
        )
    }

    /// Calls `proxy_on_response_body` with `body` as the response body buffer.
    pub fn on_response_body(
        &mut self,
        context_id: u32,
        body: &[u8],
        end_of_stream: bool,
    ) -> Result<Action, HostError> {
        let stream = self.stream_mut(context_id)?;
        stream.response_body = Some(body.to_vec());
        stream.response_body_visible = true;
        let size = len_val(body.len());
        self.call_action(
            context_id,
            "proxy_on_response_body",
            &[u32_val(context_id), size, bool_val(end_of_stream)],
        )
    }

    /// Calls `proxy_on_response_trailers` with `trailers` as the response trailer map.
    pub fn on_response_trailers(
        &mut self,
        context_id: u32,
        trailers: &[(String, String)],
    ) -> Result<Action, HostError> {
        let stream = self.stream_mut(context_id)?;
        stream.response_trailers = Some(HeaderMap::from_pairs(trailers));
        stream.response_trailers_visible = true;
        let count = len_val(trailers.len());
        self.call_action(
            context_id,
            "proxy_on_response_trailers",
            &[u32_val(context_id), count],
        )
    }

    /// Calls `proxy_on_log` in the access-log phase (the final maps are readable).
    pub fn on_log(&mut self, context_id: u32) -> Result<(), HostError> {
        self.stream_mut(context_id)?.access_log_phase = true;
        let result = self.call(context_id, "proxy_on_log", &[u32_val(context_id)]);
        if let Ok(stream) = self.stream_mut(context_id) {
            stream.access_log_phase = false;
        }
        result.map(drop)
    }

    /// Calls `proxy_on_done`; returns what it returned (true if not exported).
    pub fn on_done(&mut self, context_id: u32) -> Result<bool, HostError> {
        self.stream(context_id)?;
        Ok(self
            .call(context_id, "proxy_on_done", &[u32_val(context_id)])?
            .is_none_or(|done| done != 0))
    }

    /// Removes the plugin as Envoy does on a configuration change or drain:
    /// `proxy_on_done` on the root context, then pending HTTP call
    /// responses are delivered. Returns what `proxy_on_done` returned.
    pub fn shutdown(&mut self) -> Result<bool, HostError> {
        let done = self
            .call(
                ROOT_CONTEXT_ID,
                "proxy_on_done",
                &[u32_val(ROOT_CONTEXT_ID)],
            )?
            .is_none_or(|done| done != 0);
        self.dispatch_http_calls();
        Ok(done)
    }

    /// Calls `proxy_on_delete` and forgets the context.
    pub fn on_delete(&mut self, context_id: u32) -> Result<(), HostError> {
        self.stream(context_id)?;
        let result = self.call(context_id, "proxy_on_delete", &[u32_val(context_id)]);
        self.store.data_mut().streams.remove(&context_id);
        result.map(drop)
    }

    /// The request header map of a context as it is now.
    pub fn request_headers(&self, context_id: u32) -> Option<Vec<(String, String)>> {
        Some(self.stream(context_id).ok()?.request_headers.to_pairs())
    }

    /// The response header map of a context as it is now.
    pub fn response_headers(&self, context_id: u32) -> Option<Vec<(String, String)>> {
        Some(
            self.stream(context_id)
                .ok()?
                .response_headers
                .as_ref()?
                .to_pairs(),
        )
    }

    /// The request body buffer of a context as it is now.
    pub fn request_body(&self, context_id: u32) -> Option<Vec<u8>> {
        self.stream(context_id).ok()?.request_body.clone()
    }

    /// The response body buffer of a context as it is now.
    pub fn response_body(&self, context_id: u32) -> Option<Vec<u8>> {
        self.stream(context_id).ok()?.response_body.clone()
    }

    /// Whether the last callback called `proxy_send_local_response`, which makes
    /// Envoy stop iteration whatever the callback returned.
    pub fn stop_iteration_forced(&self) -> bool {
        self.store.data().stop_next_iteration
    }

    /// Takes the stream actions (continue, local reply, reset) the plugin requested
    /// and that no exchange carried out.
    pub fn take_actions(&mut self) -> Vec<HostAction> {
        std::mem::take(&mut self.store.data_mut().after_call)
    }

    /// Allocates the next stream context id and its state (exchange use).
    pub(crate) fn new_stream(&mut self) -> u32 {
        let context_id = self.next_context_id;
        self.next_context_id += 1;
        let start_time_ns = self.now_ns();
        self.store.data_mut().streams.insert(
            context_id,
            StreamState {
                start_time_ns,
                ..StreamState::default()
            },
        );
        context_id
    }
}

/// The root context's id (proxy-wasm-cpp-host allocates context ids from 1).
pub(crate) const ROOT_CONTEXT_ID: u32 = 1;

pub(crate) fn u32_val(value: u32) -> Val {
    Val::I32(value as i32)
}

pub(crate) fn len_val(len: usize) -> Val {
    Val::I32(u32::try_from(len).unwrap_or(u32::MAX) as i32)
}

pub(crate) fn bool_val(value: bool) -> Val {
    Val::I32(i32::from(value))
}
