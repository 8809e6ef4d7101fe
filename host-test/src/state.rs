//! What the host functions see: the data of the wasmtime `Store`.

use std::collections::{BTreeMap, HashMap, VecDeque};

use wasmtime::{Memory, TypedFunc};

use crate::clock::{ManualClock, SplitMix64};
use crate::headers::HeaderMap;
use crate::http::{HttpCall, HttpCallResponse};
use crate::logs::{LogLevel, LogRecord};
use crate::metrics::MetricIds;
use crate::shared::SharedData;

/// The plugin's identity and the proxy settings the host calls consult.
#[derive(Debug, Clone)]
pub(crate) struct VmConfig {
    pub(crate) plugin_name: String,
    pub(crate) root_id: String,
    pub(crate) vm_id: String,
    pub(crate) vm_configuration: Vec<u8>,
    pub(crate) log_level: LogLevel,
    pub(crate) clusters: Vec<String>,
    pub(crate) source_address: String,
    pub(crate) destination_address: String,
    pub(crate) environment: Vec<(String, String)>,
    pub(crate) flavor: crate::flavor::Flavor,
    /// ngx_wasm_module: the `shm_kv` zones declared (see
    /// [`HostOptions::ngx_shm_kv`](crate::HostOptions::ngx_shm_kv)).
    pub(crate) ngx_shm_kv: Vec<String>,
    /// ngx_wasm_module: the matched server's name (error-log suffixes).
    pub(crate) ngx_server_name: String,
}

/// The data behind one wasmtime store: one Envoy `Wasm` with its contexts.
pub(crate) struct HostState {
    pub(crate) config: VmConfig,
    pub(crate) shared: SharedData,
    /// The plugin configuration, readable only while `proxy_on_configure` runs
    /// (envoy context.cc `getBuffer`: `temp_plugin_`).
    pub(crate) plugin_configuration: Option<Vec<u8>>,
    pub(crate) clock: ManualClock,
    pub(crate) rng: SplitMix64,
    pub(crate) guest: Option<GuestExports>,
    pub(crate) root_context_id: u32,
    /// The context the VM was called for.
    pub(crate) current_context: u32,
    /// The guest export running (`proxy_on_tick`, …), empty between calls.
    pub(crate) callback: &'static str,
    /// Set by `proxy_set_effective_context` for the rest of the current VM call.
    pub(crate) effective_context: u32,
    pub(crate) streams: HashMap<u32, StreamState>,
    /// The response of the HTTP call being delivered, readable as map 6/7 and
    /// buffer 4 only during `proxy_on_http_call_response`.
    pub(crate) http_call_response: Option<HttpCallResponse>,
    pub(crate) pending_http_calls: VecDeque<u32>,
    pub(crate) next_http_call_token: u32,
    pub(crate) tick_period_ms: u32,
    pub(crate) next_tick_ns: Option<u64>,
    pub(crate) metric_ids: MetricIds,
    pub(crate) logs: Vec<LogRecord>,
    pub(crate) unimplemented: Vec<String>,
    pub(crate) http_calls: Vec<HttpCall>,
    /// Work the plugin asked for during the current VM call, done when it returns
    /// (proxy-wasm-cpp-host `DeferAfterCallActions`, envoy `addAfterVmCallAction`).
    pub(crate) after_call: Vec<HostAction>,
    /// `proxy_send_local_response` makes the current callback stop iteration
    /// whatever it returns (proxy-wasm-cpp-host `stopNextIteration`).
    pub(crate) stop_next_iteration: bool,
}

/// The guest functions and memory host calls need.
#[derive(Clone)]
pub(crate) struct GuestExports {
    pub(crate) memory: Memory,
    pub(crate) allocate: TypedFunc<i32, i32>,
}

/// Something the plugin asked Envoy to do to a stream, carried out after the VM
/// call that asked returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostAction {
    /// `proxy_continue_stream(HttpRequest)`: resume decoding.
    ContinueRequest {
        /// The stream.
        context_id: u32,
    },
    /// `proxy_continue_stream(HttpResponse)`: resume encoding.
    ContinueResponse {
        /// The stream.
        context_id: u32,
    },
    /// `proxy_send_local_response`.
    SendLocalReply {
        /// The stream.
        context_id: u32,
        /// Status code.
        status: u32,
        /// Response-code details (whitespace replaced by `_`).
        details: String,
        /// Body.
        body: Vec<u8>,
        /// Headers to add.
        headers: Vec<(String, String)>,
        /// gRPC status, if the plugin gave one in 0..=16.
        grpc_status: Option<u32>,
    },
    /// `proxy_close_stream(HttpRequest | HttpResponse)`: reset the stream.
    ResetStream {
        /// The stream.
        context_id: u32,
    },
}

impl HostAction {
    /// The stream the action is for.
    pub fn context_id(&self) -> u32 {
        match self {
            Self::ContinueRequest { context_id }
            | Self::ContinueResponse { context_id }
            | Self::SendLocalReply { context_id, .. }
            | Self::ResetStream { context_id } => *context_id,
        }
    }
}

/// One HTTP stream context, mirroring the pointers of Envoy's wasm `Context`
/// (envoy source/extensions/common/wasm/context.cc): a map or buffer is readable
/// only while Envoy holds it for the filter.
#[derive(Debug, Default)]
pub(crate) struct StreamState {
    pub(crate) request_headers: HeaderMap,
    /// `request_headers_` is set: from `decodeHeaders` until the filter continues them.
    pub(crate) request_headers_visible: bool,
    pub(crate) request_trailers: Option<HeaderMap>,
    pub(crate) request_trailers_visible: bool,
    /// The request body buffer: the chunk being delivered or the data Envoy
    /// buffered for the filter.
    pub(crate) request_body: Option<Vec<u8>>,
    pub(crate) request_body_visible: bool,
    /// ngx_wasm_module: nginx buffered the request body to a temp file
    /// (larger than `client_body_buffer_size`), which the filter cannot read.
    pub(crate) request_body_in_file: bool,
    /// ngx_wasm_module: nginx's `$host`, by which it picked the server.
    pub(crate) ngx_host: Option<String>,
    pub(crate) response_headers: Option<HeaderMap>,
    pub(crate) response_headers_visible: bool,
    pub(crate) response_trailers: Option<HeaderMap>,
    pub(crate) response_trailers_visible: bool,
    pub(crate) response_body: Option<Vec<u8>>,
    pub(crate) response_body_visible: bool,
    /// `proxy_on_log` runs in Envoy's access-log phase, which sees the final maps.
    pub(crate) access_log_phase: bool,
    pub(crate) start_time_ns: u64,
    pub(crate) request_bytes_received: u64,
    pub(crate) response_bytes_sent: u64,
    pub(crate) response_code: Option<u16>,
    pub(crate) response_code_details: Option<String>,
    /// Values set with `proxy_set_property` (Envoy filter state `wasm.<path>`).
    pub(crate) filter_state: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl HostState {
    /// The context host calls act on: the effective one if it still exists,
    /// otherwise the one called (proxy-wasm-cpp-host src/exports.cc
    /// `ContextOrEffectiveContext`).
    pub(crate) fn active_context(&self) -> u32 {
        let effective = self.effective_context;
        if effective != 0
            && (effective == self.root_context_id || self.streams.contains_key(&effective))
        {
            effective
        } else {
            self.current_context
        }
    }

    pub(crate) fn active_stream(&self) -> Option<&StreamState> {
        self.streams.get(&self.active_context())
    }

    pub(crate) fn active_stream_mut(&mut self) -> Option<&mut StreamState> {
        let context = self.active_context();
        self.streams.get_mut(&context)
    }

    pub(crate) fn context_exists(&self, context_id: u32) -> bool {
        context_id == self.root_context_id || self.streams.contains_key(&context_id)
    }

    pub(crate) fn log(&mut self, level: LogLevel, message: String, source: crate::logs::LogSource) {
        let context_id = self.active_context();
        self.logs.push(LogRecord {
            level,
            message,
            context_id,
            source,
        });
    }

    pub(crate) fn record_unimplemented(&mut self, call: impl Into<String>) {
        self.unimplemented.push(call.into());
    }
}
