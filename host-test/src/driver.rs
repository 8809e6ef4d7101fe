//! One HTTP stream through the plugin, the way Envoy's filter manager runs a
//! single wasm filter in front of the router.
//!
//! Sources, by topic:
//! * callback order and pointers: envoy source/extensions/common/wasm/context.cc
//!   (`decodeHeaders`, `decodeData`, `encodeHeaders`, `encodeData`, `continueStream`,
//!   `sendLocalResponse`, `log`, `onDestroy`);
//! * status conversion and fail-open/closed: proxy-wasm-cpp-host src/context.cc
//!   (`convertVmCallResultToFilter*Status`, `CHECK_FAIL`);
//! * iteration, buffering, continuation and local replies: envoy
//!   source/common/http/filter_manager.cc (`commonHandleAfterDataCallback`,
//!   `handleDataIfStopAll`, `commonContinue`, `sendLocalReply`,
//!   `requestDataTooLarge`, `responseDataTooLarge`);
//! * local reply headers: envoy source/common/http/utility.cc `prepareLocalReply`;
//! * stream end: envoy source/common/http/conn_manager_impl.cc
//!   `doDeferredStreamDestroy` (access log, then filter `onDestroy`).
//!
//! Event order: the client's request frames arrive together (one read from the
//! socket); then asynchronous events in the order they were started: HTTP call
//! responses first, then the upstream's response, whose frames also arrive
//! together. After every event the HTTP call responses it caused are delivered.

use wasmtime::Val;

use crate::clock::http_date;
use crate::flavor::Flavor;
use crate::headers::HeaderMap;
use crate::http::{
    ExchangeOutcome, HttpRequest, LocalReply, LocalReplySender, Upstream, UpstreamRequest,
};
use crate::logs::{LogLevel, LogSource};
use crate::plugin::{Plugin, ROOT_CONTEXT_ID, bool_val, len_val, u32_val};
use crate::state::{HostAction, StreamState};

/// How many stalls in a row end in an idle timeout before the host gives up and
/// resets the stream (a filter that also pauses Envoy's 408).
const MAX_IDLE_TIMEOUTS: usize = 4;
/// How many HTTP call responses one exchange delivers at most.
const MAX_DISPATCHES: usize = 10_000;

impl Plugin {
    /// Runs one HTTP stream through the plugin and `upstream` with Envoy's
    /// semantics and reports what the client and the upstream saw.
    ///
    /// Never fails: a trapping plugin gets Envoy's treatment (503, or pass-through
    /// with `fail_open`), recorded in the outcome and in [`Plugin::trap`].
    pub fn exchange(
        &mut self,
        request: HttpRequest,
        upstream: &mut dyn Upstream,
    ) -> ExchangeOutcome {
        let logs_start = self.logs().len();
        let dead_before = self.is_dead();
        let mut driver = Driver::new(self, upstream);
        driver.run(request);
        let outcome = driver.outcome();
        ExchangeOutcome {
            logs: self.logs()[logs_start..].to_vec(),
            trap: (!dead_before)
                .then(|| self.trap().map(str::to_owned))
                .flatten(),
            ..outcome
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    Request,
    Response,
}

/// The filter's iteration state (filter_manager.h `IterationState`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
enum Iteration {
    #[default]
    Continue,
    /// `StopSingleIteration`: later frames still reach this filter.
    StopSingle,
    /// `StopAllBuffer`/`StopAllWatermark`: later frames are buffered without it.
    StopAll,
}

enum HeadersStatus {
    Continue,
    StopIteration,
    StopAll { streaming: bool },
}

enum DataStatus {
    Continue,
    Buffer { streaming: bool },
    NoBuffer,
}

enum TrailersStatus {
    Continue,
    Stop,
}

/// What calling a filter callback gave.
enum Called {
    /// The raw result and whether `proxy_send_local_response` forced a stop.
    Returned(u32, bool),
    /// Not called (no filter, not exported, VM dead with fail-open): continue.
    Skipped,
    /// The VM is dead and the plugin fails closed: stop.
    Failed,
}

/// One direction of the stream as the filter manager tracks it for our filter.
#[derive(Default, Debug)]
struct Side {
    /// Headers reached the filter (for the response: `response_headers_` exists).
    started: bool,
    iteration: Iteration,
    /// Headers went past the filter.
    headers_continued: bool,
    /// The filter paused a body callback: it sees Envoy's buffer (`buffering_*_body_`).
    filter_buffering: bool,
    /// The filter got end of stream (`entry->end_stream_`).
    saw_end: bool,
    /// Every frame arrived from the source.
    source_complete: bool,
    has_trailers: bool,
    trailers_delivered: bool,
    trailers_passed: bool,
    /// Over-limit buffering means flow control, not an error.
    streaming: bool,
}

/// A local reply about to be sent.
struct Reply {
    status: u32,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    grpc_status: Option<u32>,
    details: String,
    sent_by: LocalReplySender,
}

struct Driver<'a> {
    plugin: &'a mut Plugin,
    upstream: &'a mut dyn Upstream,
    context_id: u32,
    /// The filter is in the chain (Envoy skips it entirely when its VM is dead and
    /// it fails open: `createFilter` returns nullptr).
    installed: bool,
    /// `in_vm_context_created_`.
    context_created: bool,
    decoder: Side,
    encoder: Side,
    /// A local reply ended request processing (`decoder_filter_chain_aborted_`).
    decoder_aborted: bool,
    upstream_request: Option<UpstreamRequest>,
    upstream_complete: bool,
    upstream_responded: bool,
    upstream_abandoned: bool,
    downstream_headers: Option<HeaderMap>,
    downstream_chunks: Vec<Vec<u8>>,
    downstream_trailers: Option<HeaderMap>,
    /// `non_100_response_headers_encoded_`.
    response_headers_sent: bool,
    local_reply: Option<LocalReply>,
    reset: bool,
    finished: bool,
    stream_failed: bool,
    failure_local_reply_sent: bool,
    dispatches: usize,
    /// ngx_wasm_module's response body filter state (NgxWasm flavour).
    ngx: NgxResponse,
}

/// What ngx_wasm_module's body filter keeps per response
/// (`ngx_http_wasm_req_ctx_t`: `resp_buffering`, `resp_bufs`,
/// `resp_content_length_n`; src/http/ngx_http_wasm.h).
#[derive(Default)]
struct NgxResponse {
    /// `resp_content_length_n`, taken from the upstream's headers before
    /// the filter sees them (ngx_http_proxy_wasm.c:186).
    content_length: Option<u64>,
    /// `resp_buffering`: a pause is collecting chunks.
    buffering: bool,
    /// `resp_bufs` exists: the one pause the module honours was spent.
    buffered_once: bool,
    /// The collected chunks.
    buffer: Vec<u8>,
}

impl<'a> Driver<'a> {
    fn new(plugin: &'a mut Plugin, upstream: &'a mut dyn Upstream) -> Self {
        let installed = !(plugin.is_dead() && plugin.spec.fail_open);
        let context_id = plugin.new_stream();
        Self {
            plugin,
            upstream,
            context_id,
            installed,
            context_created: false,
            decoder: Side::default(),
            encoder: Side::default(),
            decoder_aborted: false,
            upstream_request: None,
            upstream_complete: false,
            upstream_responded: false,
            upstream_abandoned: false,
            downstream_headers: None,
            downstream_chunks: Vec::new(),
            downstream_trailers: None,
            response_headers_sent: false,
            local_reply: None,
            reset: false,
            finished: false,
            stream_failed: false,
            failure_local_reply_sent: false,
            dispatches: 0,
            ngx: NgxResponse::default(),
        }
    }

    fn stream(&mut self) -> &mut StreamState {
        self.plugin
            .store
            .data_mut()
            .streams
            .entry(self.context_id)
            .or_default()
    }

    fn side(&mut self, dir: Dir) -> &mut Side {
        match dir {
            Dir::Request => &mut self.decoder,
            Dir::Response => &mut self.encoder,
        }
    }

    fn body(&mut self, dir: Dir) -> &mut Option<Vec<u8>> {
        let stream = self.stream();
        match dir {
            Dir::Request => &mut stream.request_body,
            Dir::Response => &mut stream.response_body,
        }
    }

    fn set_body_visible(&mut self, dir: Dir, visible: bool) {
        let stream = self.stream();
        match dir {
            Dir::Request => stream.request_body_visible = visible,
            Dir::Response => stream.response_body_visible = visible,
        }
    }

    fn set_headers_visible(&mut self, dir: Dir, visible: bool) {
        let stream = self.stream();
        match dir {
            Dir::Request => stream.request_headers_visible = visible,
            Dir::Response => stream.response_headers_visible = visible,
        }
    }

    fn set_trailers_visible(&mut self, dir: Dir, visible: bool) {
        let stream = self.stream();
        match dir {
            Dir::Request => stream.request_trailers_visible = visible,
            Dir::Response => stream.response_trailers_visible = visible,
        }
    }

    fn headers_of(&mut self, dir: Dir) -> HeaderMap {
        let stream = self.stream();
        match dir {
            Dir::Request => stream.request_headers.clone(),
            Dir::Response => stream.response_headers.clone().unwrap_or_default(),
        }
    }

    fn trailers_of(&mut self, dir: Dir) -> HeaderMap {
        let stream = self.stream();
        let trailers = match dir {
            Dir::Request => &stream.request_trailers,
            Dir::Response => &stream.response_trailers,
        };
        trailers.clone().unwrap_or_default()
    }

    /// Processing of `dir` is over (stream ended, or a local reply replaced it).
    fn stopped(&self, dir: Dir) -> bool {
        self.finished || (dir == Dir::Request && self.decoder_aborted)
    }

    // ----- the exchange -----

    fn run(&mut self, request: HttpRequest) {
        // The connection manager's request header mutations happen before any
        // filter (conn_manager_utility.cc `mutateRequestHeaders`).
        let mut headers = HeaderMap::from_pairs(&request.headers);
        if self.plugin.generate_request_id {
            let id = self.plugin.store.data_mut().rng.uuid_v4();
            headers.set_if_absent("x-request-id", &id);
        }
        let scheme = headers.get(":scheme").unwrap_or("http").to_owned();
        headers.set_if_absent("x-forwarded-proto", &scheme);
        if self.plugin.store.data().config.flavor == Flavor::NgxWasm {
            // ngx_wasm_module builds `:authority` from the matched server
            // block's `server_name` and the listening port, and keeps the
            // client's Host as a header of its own (ngx_wasm_module 3bed278,
            // src/common/proxy_wasm/ngx_proxy_wasm_maps.c:647-669; test
            // t/03-proxy_wasm/hfuncs/103-proxy_get_http_request_headers.t:41-48).
            //
            // The request's `:authority` is the host the client's request
            // line or Host names; a request that also carries a `host`
            // header stands for an absolute-form request line with a Host
            // of its own. nginx picks the server by `$host`: the request
            // line's host in absolute form, else Host, lower-cased, port
            // dropped (nginx 1.26 src/http/ngx_http_request.c
            // `ngx_http_validate_host`; ngx_http_variables.c
            // `ngx_http_variable_host`), which the module serves as the
            // `ngx.host` property.
            let client = headers.get(":authority").map(str::to_owned);
            if let Some(client) = &client {
                headers.set_if_absent("host", client);
            }
            let nginx_host = client.or_else(|| headers.get("host").map(str::to_owned));
            let server = self.plugin.server_authority.clone();
            headers.set(":authority", &server);
            self.stream().ngx_host = nginx_host.map(|host| {
                let host = host.to_ascii_lowercase();
                let end = match host.strip_prefix('[') {
                    Some(literal) => literal.find(']').map_or(host.len(), |i| i + 2),
                    None => host.find(':').unwrap_or(host.len()),
                };
                host[..end].to_owned()
            });
        }
        self.stream().request_headers = headers;
        self.create_context();

        let trailers = HeaderMap::from_pairs(&request.trailers);
        let mut body = request.body;
        if self.plugin.store.data().config.flavor == Flavor::NgxWasm {
            // nginx reads the whole request body before the filter sees
            // it: one `on_request_body` call with `end_of_stream = true`
            // (3bed278, src/http/proxy_wasm/ngx_http_proxy_wasm.c:68-72,
            // 85-140), the body in a temp file when it outgrows
            // `client_body_buffer_size` (see `HostOptions`).
            let whole: Vec<u8> = body.concat();
            let buffer = self.plugin.ngx_client_body_buffer_size;
            let memory = match self.stream().request_headers.get("content-length") {
                Some(_) => buffer + buffer / 4,
                None => buffer + 1,
            };
            self.stream().request_body_in_file = whole.len() >= memory;
            body = if whole.is_empty() {
                Vec::new()
            } else {
                vec![whole]
            };
        }
        let chunks = body.len();
        // ngx_wasm_module has no trailers callbacks (`NGX_WASM_RESPONSE_TRAILERS`
        // is off by default and there is none for requests): the body's
        // last callback is its end, and trailers never reach the filter.
        let ngx = self.plugin.store.data().config.flavor == Flavor::NgxWasm;
        let trailers_end = trailers.is_empty() || ngx;
        self.source_headers(Dir::Request, chunks == 0 && trailers_end);
        for (index, chunk) in body.into_iter().enumerate() {
            let end_stream = index + 1 == chunks && trailers_end;
            self.source_data(Dir::Request, chunk, end_stream);
        }
        if !trailers_end {
            self.source_trailers(Dir::Request, trailers);
        }

        let mut idle_timeouts = 0;
        while !self.finished {
            if self.dispatches < MAX_DISPATCHES && self.plugin.pending_http_calls() > 0 {
                self.dispatch_http_call();
            } else if self.upstream_ready() {
                self.respond_upstream();
            } else if idle_timeouts < MAX_IDLE_TIMEOUTS {
                idle_timeouts += 1;
                self.idle_timeout();
            } else {
                self.reset_stream();
            }
        }
        self.plugin
            .store
            .data_mut()
            .streams
            .remove(&self.context_id);
    }

    /// `onCreate()`: `proxy_on_context_create(stream, root)` unless the VM is dead.
    fn create_context(&mut self) {
        if !self.installed {
            return;
        }
        self.context_created = true;
        if !self.plugin.is_dead() {
            let args = [u32_val(self.context_id), u32_val(ROOT_CONTEXT_ID)];
            // A trap here is handled by the first filter callback (CHECK_FAIL).
            let _ = self
                .plugin
                .call(self.context_id, "proxy_on_context_create", &args);
            self.plugin.store.data_mut().after_call.clear();
        }
    }

    fn upstream_ready(&self) -> bool {
        self.upstream_complete && !self.upstream_responded && !self.upstream_abandoned
    }

    fn dispatch_http_call(&mut self) {
        self.dispatches += 1;
        self.plugin.dispatch_next_http_call();
        self.process_actions();
    }

    /// The router got the whole request: the upstream answers, its frames arrive.
    fn respond_upstream(&mut self) {
        self.upstream_responded = true;
        let request = self.upstream_request.clone().unwrap_or_default();
        let response = self.upstream.respond(&request);
        let headers = HeaderMap::from_pairs(&response.headers);
        let status = headers
            .get(":status")
            .and_then(|status| status.parse().ok());
        self.ngx.content_length = headers
            .get("content-length")
            .and_then(|length| length.trim().parse().ok());
        let stream = self.stream();
        stream.response_code = status;
        stream.response_headers = Some(headers);
        let trailers = HeaderMap::from_pairs(&response.trailers);
        let chunks = response.body.len();
        let trailers_end =
            trailers.is_empty() || self.plugin.store.data().config.flavor == Flavor::NgxWasm;
        self.source_headers(Dir::Response, chunks == 0 && trailers_end);
        for (index, chunk) in response.body.into_iter().enumerate() {
            let end_stream = index + 1 == chunks && trailers_end;
            self.source_data(Dir::Response, chunk, end_stream);
        }
        if !trailers_end {
            self.source_trailers(Dir::Response, trailers);
        }
    }

    /// Nothing can move the stream: time passes (ticks fire) until the connection
    /// manager's stream idle timer expires and Envoy answers 408
    /// (conn_manager_impl.cc `onIdleTimeout`).
    fn idle_timeout(&mut self) {
        let deadline = self
            .plugin
            .now_ns()
            .saturating_add(self.plugin.stream_idle_timeout_ms.saturating_mul(1_000_000));
        while !self.finished && self.plugin.fire_due_tick(deadline) {
            self.process_actions();
            while !self.finished
                && self.dispatches < MAX_DISPATCHES
                && self.plugin.pending_http_calls() > 0
            {
                self.dispatch_http_call();
            }
            if self.upstream_ready() {
                // A tick resumed the stream; the main loop carries on from here.
                return;
            }
        }
        self.plugin.store.data_mut().clock.set_ns(deadline);
        if self.finished || self.plugin.pending_http_calls() > 0 || self.upstream_ready() {
            return;
        }
        self.send_local_reply(Reply {
            status: 408,
            body: b"stream timeout".to_vec(),
            headers: Vec::new(),
            grpc_status: None,
            details: "stream_idle_timeout".to_owned(),
            sent_by: LocalReplySender::Envoy("stream_idle_timeout".to_owned()),
        });
    }

    // ----- calling the filter -----

    /// Calls a filter callback with Envoy's guards: CHECK_FAIL before and after,
    /// then the deferred actions the plugin requested (proxy-wasm-cpp-host
    /// `DeferAfterCallActions` runs them before the status reaches the filter
    /// manager).
    fn call_filter(&mut self, name: &'static str, args: &[Val]) -> Called {
        if !self.installed {
            return Called::Skipped;
        }
        if self.plugin.is_dead() {
            return self.fail_stream();
        }
        match self.plugin.call(self.context_id, name, args) {
            Err(_) => self.fail_stream(),
            Ok(None) => {
                self.process_actions();
                Called::Skipped
            }
            Ok(Some(raw)) => {
                let forced = self.plugin.store.data().stop_next_iteration;
                self.process_actions();
                Called::Returned(raw, forced)
            }
        }
    }

    /// `CHECK_FAIL_HTTP` on a dead VM: fail open lets the stream through; fail
    /// closed sends Envoy's 503 once (context.cc `failStream`) and stops.
    fn fail_stream(&mut self) -> Called {
        if self.plugin.spec.fail_open {
            return Called::Skipped;
        }
        if !self.stream_failed {
            self.stream_failed = true;
            self.failure_local_reply_sent = true;
            self.send_local_reply(Reply {
                status: 503,
                body: Vec::new(),
                headers: Vec::new(),
                grpc_status: Some(14),
                details: "wasm_fail_stream".to_owned(),
                sent_by: LocalReplySender::Envoy("wasm_fail_stream".to_owned()),
            });
        }
        Called::Failed
    }

    fn process_actions(&mut self) {
        let actions = std::mem::take(&mut self.plugin.store.data_mut().after_call);
        for action in actions {
            if action.context_id() != self.context_id || self.finished {
                continue;
            }
            match action {
                HostAction::ContinueRequest { .. } => self.common_continue(Dir::Request),
                HostAction::ContinueResponse { .. } => self.common_continue(Dir::Response),
                HostAction::SendLocalReply {
                    status,
                    details,
                    body,
                    headers,
                    grpc_status,
                    ..
                } => {
                    self.send_local_reply(Reply {
                        status,
                        body,
                        headers,
                        grpc_status,
                        details,
                        sent_by: LocalReplySender::Filter,
                    });
                }
                HostAction::ResetStream { .. } => self.reset_stream(),
            }
        }
    }

    /// proxy-wasm-cpp-host `convertVmCallResultToFilterHeadersStatus`: a forced stop
    /// or an unknown value stops everything; StopIteration (the SDKs' Pause) becomes
    /// StopAllIterationAndWatermark unless `allow_on_headers_stop_iteration`.
    fn headers_status(&self, called: Called) -> HeadersStatus {
        match called {
            Called::Skipped => HeadersStatus::Continue,
            Called::Failed => HeadersStatus::StopAll { streaming: true },
            Called::Returned(raw, forced) => match raw {
                _ if forced || raw > 4 => HeadersStatus::StopAll { streaming: true },
                0 | 2 => HeadersStatus::Continue,
                1 if self.plugin.allow_on_headers_stop_iteration => HeadersStatus::StopIteration,
                1 | 4 => HeadersStatus::StopAll { streaming: true },
                _ => HeadersStatus::StopAll { streaming: false },
            },
        }
    }

    /// `convertVmCallResultToFilterDataStatus`: Pause is StopIterationAndBuffer.
    fn data_status(called: Called) -> DataStatus {
        match called {
            Called::Skipped => DataStatus::Continue,
            Called::Failed => DataStatus::NoBuffer,
            Called::Returned(raw, forced) => match raw {
                _ if forced || raw > 3 => DataStatus::NoBuffer,
                0 => DataStatus::Continue,
                1 => DataStatus::Buffer { streaming: false },
                2 => DataStatus::Buffer { streaming: true },
                _ => DataStatus::NoBuffer,
            },
        }
    }

    fn trailers_status(called: Called) -> TrailersStatus {
        match called {
            Called::Skipped => TrailersStatus::Continue,
            Called::Failed => TrailersStatus::Stop,
            Called::Returned(0, false) => TrailersStatus::Continue,
            Called::Returned(..) => TrailersStatus::Stop,
        }
    }

    /// The encoder callbacks skip the VM once the failure reply went out.
    fn bypass(&self, dir: Dir) -> bool {
        dir == Dir::Response && self.failure_local_reply_sent
    }

    // ----- frames arriving from a source (client or upstream) -----

    fn source_headers(&mut self, dir: Dir, end_stream: bool) {
        if self.stopped(dir) {
            return;
        }
        let side = self.side(dir);
        side.started = true;
        side.saw_end = end_stream;
        side.source_complete = end_stream;
        self.set_headers_visible(dir, true);
        let count = len_val(self.headers_of(dir).len());
        let status = if self.bypass(dir) {
            HeadersStatus::Continue
        } else {
            let name = match dir {
                Dir::Request => "proxy_on_request_headers",
                Dir::Response => "proxy_on_response_headers",
            };
            // ngx_wasm_module passes `end_of_stream = false` to both headers
            // callbacks, a bodiless GET included, and then calls no body
            // callback for an empty body (ngx_wasm_module 3bed278,
            // src/http/proxy_wasm/ngx_http_proxy_wasm.c:38-41, 197-200 and
            // 96-102; src/wasm/ngx_wasm_ops.c:507).
            let reported_end =
                end_stream && self.plugin.store.data().config.flavor != Flavor::NgxWasm;
            let called = self.call_filter(
                name,
                &[u32_val(self.context_id), count, bool_val(reported_end)],
            );
            self.headers_status(called)
        };
        if self.stopped(dir) {
            return;
        }
        match status {
            HeadersStatus::Continue => {
                // context.cc: on Continue the filter no longer holds the headers.
                self.set_headers_visible(dir, false);
                self.side(dir).headers_continued = true;
                self.forward_headers(dir, end_stream);
            }
            HeadersStatus::StopIteration => self.side(dir).iteration = Iteration::StopSingle,
            HeadersStatus::StopAll { streaming } => {
                let side = self.side(dir);
                side.iteration = Iteration::StopAll;
                side.streaming = streaming;
            }
        }
    }

    fn source_data(&mut self, dir: Dir, chunk: Vec<u8>, end_stream: bool) {
        if self.stopped(dir) {
            return;
        }
        if dir == Dir::Request {
            self.stream().request_bytes_received += chunk.len() as u64;
        }
        let side = self.side(dir);
        if end_stream {
            side.source_complete = true;
        }
        if side.iteration == Iteration::StopAll {
            // filter_manager.cc `handleDataIfStopAll`: buffered without the filter.
            let streaming = side.streaming;
            let before = self.body(dir).as_ref().map_or(0, Vec::len);
            self.body(dir)
                .get_or_insert_with(Vec::new)
                .extend_from_slice(&chunk);
            if !streaming && before + chunk.len() > self.plugin.buffer_limit {
                self.buffer_too_large(dir);
            }
            return;
        }
        if side.saw_end {
            return;
        }
        side.saw_end = end_stream;
        if dir == Dir::Response && self.plugin.store.data().config.flavor == Flavor::NgxWasm {
            self.ngx_response_data(chunk, end_stream);
            return;
        }
        self.filter_data(dir, Some(chunk), end_stream);
    }

    /// ngx_wasm_module's response body filter (3bed278,
    /// src/http/ngx_http_wasm_filter_module.c:150-400 and
    /// src/http/proxy_wasm/ngx_http_proxy_wasm.c:215-258), not Envoy's:
    ///
    /// - each chunk reaches the filter alone, and goes downstream when the
    ///   filter continues;
    /// - the first Pause collects chunks into `wasm_response_body_buffers`
    ///   (default 4 × 4096, ngx_wasm.h:36-37) until the end of the body or
    ///   until they overflow (`ngx_http_wasm_body_filter_buffer` returns
    ///   `NGX_DONE`), then calls the filter once with all of it;
    /// - a Pause after that is refused: logged as an error and treated as
    ///   Continue, so the data goes on (ngx_http_proxy_wasm.c:248-256);
    /// - with a `Content-Length`, `end_of_stream` is true only for a call
    ///   whose data is the whole body (ngx_http_proxy_wasm.c:227-230): a body
    ///   larger than the buffers never gets an end-of-stream call.
    fn ngx_response_data(&mut self, chunk: Vec<u8>, last: bool) {
        let data = if self.ngx.buffering {
            self.ngx.buffer.extend_from_slice(&chunk);
            if !last && self.ngx.buffer.len() <= self.plugin.ngx_response_buffers {
                return;
            }
            self.ngx.buffering = false;
            std::mem::take(&mut self.ngx.buffer)
        } else {
            chunk
        };
        let eof = match self.ngx.content_length {
            Some(length) if length > 0 => data.len() as u64 == length,
            _ => last,
        };
        if data.is_empty() && !eof {
            if last {
                self.forward_data(Dir::Response, Vec::new(), true);
            }
            return;
        }
        *self.body(Dir::Response) = Some(data);
        self.set_body_visible(Dir::Response, true);
        let size = len_val(self.body(Dir::Response).as_ref().map_or(0, Vec::len));
        let called = self.call_filter(
            "proxy_on_response_body",
            &[u32_val(self.context_id), size, bool_val(eof)],
        );
        if self.stopped(Dir::Response) {
            return;
        }
        self.set_body_visible(Dir::Response, false);
        let data = self.body(Dir::Response).take().unwrap_or_default();
        let paused = matches!(called, Called::Returned(1 | 2, false));
        if paused && !self.ngx.buffered_once {
            self.ngx.buffered_once = true;
            self.ngx.buffering = true;
            self.ngx.buffer = data;
            if last {
                self.ngx_response_data(Vec::new(), true);
            }
            return;
        }
        if paused {
            self.plugin.store.data_mut().log(
                LogLevel::Error,
                "invalid \"on_response_body\" return action (PAUSE): response body buffering already requested".to_owned(),
                LogSource::Host,
            );
        }
        self.forward_data(Dir::Response, data, last);
    }

    fn source_trailers(&mut self, dir: Dir, trailers: HeaderMap) {
        if self.stopped(dir) {
            return;
        }
        let stream = self.stream();
        match dir {
            Dir::Request => stream.request_trailers = Some(trailers),
            Dir::Response => stream.response_trailers = Some(trailers),
        }
        let side = self.side(dir);
        side.source_complete = true;
        side.has_trailers = true;
        if side.iteration != Iteration::StopAll {
            self.filter_trailers(dir);
        }
    }

    // ----- the filter's data and trailers callbacks -----

    /// Context `decodeData`/`encodeData` plus the filter manager's handling of the
    /// result. `chunk` is a new frame; `None` means Envoy's buffer is the data
    /// (a continuation after StopAll).
    fn filter_data(&mut self, dir: Dir, chunk: Option<Vec<u8>>, end_stream: bool) {
        if self.bypass(dir) {
            let data = match chunk {
                Some(chunk) => chunk,
                None => self.body(dir).take().unwrap_or_default(),
            };
            self.forward_data(dir, data, end_stream);
            return;
        }
        let was_buffering = self.side(dir).filter_buffering;
        let fresh_chunk = chunk.is_some();
        match chunk {
            Some(chunk) if was_buffering => {
                // `addDecodedData`/`addEncodedData` before calling the VM.
                let body = self.body(dir).get_or_insert_with(Vec::new);
                let before = body.len();
                body.extend_from_slice(&chunk);
                if before + chunk.len() > self.plugin.buffer_limit && !self.side(dir).streaming {
                    self.buffer_too_large(dir);
                    return;
                }
            }
            Some(chunk) => *self.body(dir) = Some(chunk),
            None => {}
        }
        self.set_body_visible(dir, true);
        let size = len_val(self.body(dir).as_ref().map_or(0, Vec::len));
        let name = match dir {
            Dir::Request => "proxy_on_request_body",
            Dir::Response => "proxy_on_response_body",
        };
        let called = self.call_filter(
            name,
            &[u32_val(self.context_id), size, bool_val(end_stream)],
        );
        let status = Self::data_status(called);
        if self.stopped(dir) {
            return;
        }
        self.side(dir).filter_buffering = false;
        match status {
            DataStatus::Continue => {
                self.set_body_visible(dir, false);
                if self.side(dir).iteration == Iteration::StopSingle {
                    // The data joins Envoy's buffer and iteration resumes.
                    self.common_continue(dir);
                } else {
                    let data = self.body(dir).take().unwrap_or_default();
                    self.forward_data(dir, data, end_stream);
                }
            }
            DataStatus::Buffer { streaming } => {
                let side = self.side(dir);
                side.iteration = Iteration::StopSingle;
                side.filter_buffering = true;
                side.streaming = streaming;
                let buffered = self.body(dir).as_ref().map_or(0, Vec::len);
                if fresh_chunk
                    && !was_buffering
                    && !streaming
                    && buffered > self.plugin.buffer_limit
                {
                    self.buffer_too_large(dir);
                }
            }
            DataStatus::NoBuffer => {
                self.side(dir).iteration = Iteration::StopSingle;
                self.set_body_visible(dir, false);
                if fresh_chunk {
                    self.body(dir).take();
                }
            }
        }
    }

    fn filter_trailers(&mut self, dir: Dir) {
        self.side(dir).trailers_delivered = true;
        if self.bypass(dir) {
            self.forward_trailers(dir);
            return;
        }
        self.set_trailers_visible(dir, true);
        let count = len_val(self.trailers_of(dir).len());
        let name = match dir {
            Dir::Request => "proxy_on_request_trailers",
            Dir::Response => "proxy_on_response_trailers",
        };
        let called = self.call_filter(name, &[u32_val(self.context_id), count]);
        if self.stopped(dir) {
            return;
        }
        match Self::trailers_status(called) {
            TrailersStatus::Continue => {
                self.set_trailers_visible(dir, false);
                if self.side(dir).iteration == Iteration::StopSingle {
                    self.common_continue(dir);
                } else {
                    self.forward_trailers(dir);
                }
            }
            TrailersStatus::Stop => self.side(dir).iteration = Iteration::StopSingle,
        }
    }

    /// filter_manager.cc `commonContinue`: headers go on if they have not, then
    /// Envoy's buffered data (through this filter again if it had stopped all
    /// iteration, `iterate_from_current_filter_`), then trailers.
    fn common_continue(&mut self, dir: Dir) {
        if self.stopped(dir) || self.side(dir).iteration == Iteration::Continue {
            return;
        }
        let from_current = self.side(dir).iteration == Iteration::StopAll;
        self.side(dir).iteration = Iteration::Continue;
        if !self.side(dir).headers_continued {
            self.side(dir).headers_continued = true;
            let has_body = self.body(dir).is_some();
            let side = self.side(dir);
            let end_stream = side.source_complete && !has_body && !side.has_trailers;
            self.forward_headers(dir, end_stream);
            if self.stopped(dir) {
                return;
            }
        }
        if self.body(dir).is_some() {
            let side = self.side(dir);
            let end_stream = side.source_complete && !side.has_trailers;
            if from_current {
                side.saw_end = end_stream;
                self.filter_data(dir, None, end_stream);
            } else {
                self.set_body_visible(dir, false);
                let data = self.body(dir).take().unwrap_or_default();
                self.forward_data(dir, data, end_stream);
            }
            if self.stopped(dir) {
                return;
            }
        }
        let side = self.side(dir);
        if side.has_trailers && !side.trailers_passed {
            if !side.trailers_delivered && from_current {
                self.filter_trailers(dir);
            } else if side.iteration == Iteration::Continue {
                self.forward_trailers(dir);
            }
        }
    }

    /// A buffer the filter holds grew past the limit (`requestDataTooLarge`,
    /// `responseDataTooLarge`).
    fn buffer_too_large(&mut self, dir: Dir) {
        let (status, body, details) = match dir {
            Dir::Request => (413, "Payload Too Large", "request_payload_too_large"),
            Dir::Response => (500, "Internal Server Error", "response_payload_too_large"),
        };
        self.send_local_reply(Reply {
            status,
            body: body.as_bytes().to_vec(),
            headers: Vec::new(),
            grpc_status: None,
            details: details.to_owned(),
            sent_by: LocalReplySender::Envoy(details.to_owned()),
        });
    }

    // ----- frames leaving the filter -----

    fn forward_headers(&mut self, dir: Dir, end_stream: bool) {
        let headers = self.headers_of(dir);
        match dir {
            Dir::Request => {
                self.upstream_request = Some(UpstreamRequest {
                    headers: headers.to_pairs(),
                    ..UpstreamRequest::default()
                });
                self.upstream_complete = end_stream;
            }
            Dir::Response => {
                self.send_downstream_headers(headers);
                if end_stream {
                    self.end_stream();
                }
            }
        }
    }

    fn forward_data(&mut self, dir: Dir, data: Vec<u8>, end_stream: bool) {
        match dir {
            Dir::Request => {
                if let Some(request) = &mut self.upstream_request {
                    request.body.extend_from_slice(&data);
                }
                self.upstream_complete = end_stream;
            }
            Dir::Response => {
                self.stream().response_bytes_sent += data.len() as u64;
                if !data.is_empty() {
                    self.downstream_chunks.push(data);
                }
                if end_stream {
                    self.end_stream();
                }
            }
        }
    }

    fn forward_trailers(&mut self, dir: Dir) {
        self.side(dir).trailers_passed = true;
        let trailers = self.trailers_of(dir);
        match dir {
            Dir::Request => {
                if let Some(request) = &mut self.upstream_request {
                    request.trailers = trailers.to_pairs();
                }
                self.upstream_complete = true;
            }
            Dir::Response => {
                self.downstream_trailers = Some(trailers);
                self.end_stream();
            }
        }
    }

    /// The connection manager adds `date` (if absent) and `server` (overwriting) to
    /// every response it encodes (conn_manager_impl.cc `ActiveStream::encodeHeaders`).
    fn send_downstream_headers(&mut self, mut headers: HeaderMap) {
        if headers.get("date").is_none() {
            headers.add("date", &http_date(self.plugin.now_ns()));
        }
        headers.set("server", "envoy");
        self.response_headers_sent = true;
        self.downstream_headers = Some(headers);
    }

    // ----- local replies, resets, the end -----

    /// filter_manager.cc `sendLocalReply`: before any response, the reply goes
    /// through the filter chain (this filter's `on_response_*` see it); once
    /// response headers exist but have not gone out, it replaces them directly;
    /// after that, the stream is reset.
    fn send_local_reply(&mut self, reply: Reply) {
        if self.finished {
            return;
        }
        self.decoder_aborted = true;
        let is_grpc = self
            .stream()
            .request_headers
            .get("content-type")
            .is_some_and(|content_type| content_type.starts_with("application/grpc"));
        let (headers, mut body) = prepare_local_reply(&reply, is_grpc);
        if self.plugin.store.data().config.flavor == Flavor::NgxWasm
            && reply.sent_by == LocalReplySender::Filter
            && !body.is_empty()
        {
            // ngx_wasm_module ends a local reply's body with a line feed
            // (3bed278, src/http/ngx_http_wasm_local_response.c:131-141).
            body.push(b'\n');
        }
        let status = u16::try_from(reply.status).unwrap_or(u16::MAX);
        let stream = self.stream();
        stream.response_code_details = Some(reply.details.clone());
        let record = LocalReply {
            status,
            details: reply.details,
            sent_by: reply.sent_by,
        };
        if !self.encoder.started {
            self.local_reply = Some(record);
            self.upstream_abandoned = true;
            let stream = self.stream();
            stream.response_code = headers
                .get(":status")
                .and_then(|status| status.parse().ok());
            stream.response_headers = Some(headers);
            self.source_headers(Dir::Response, body.is_empty());
            if !body.is_empty() {
                self.source_data(Dir::Response, body, true);
            }
        } else if !self.response_headers_sent {
            // `sendDirectLocalReply`: straight to the codec, bypassing the filters.
            self.local_reply = Some(record);
            self.stream().response_code = Some(status);
            self.send_downstream_headers(headers);
            self.downstream_chunks = if body.is_empty() {
                Vec::new()
            } else {
                vec![body]
            };
            self.end_stream();
        } else {
            self.reset_stream();
        }
    }

    fn reset_stream(&mut self) {
        if !self.finished {
            self.reset = true;
            self.end_stream();
        }
    }

    /// `doDeferredStreamDestroy`: the access log (`proxy_on_log`, seeing the final
    /// maps), then the filter's `onDestroy` (`proxy_on_done`, `proxy_on_delete`).
    fn end_stream(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        if !self.context_created || self.plugin.is_dead() {
            return;
        }
        let context = u32_val(self.context_id);
        self.stream().access_log_phase = true;
        let logged = self.plugin.call(
            self.context_id,
            "proxy_on_log",
            std::slice::from_ref(&context),
        );
        self.stream().access_log_phase = false;
        if logged.is_ok()
            && self
                .plugin
                .call(
                    self.context_id,
                    "proxy_on_done",
                    std::slice::from_ref(&context),
                )
                .is_ok()
        {
            let _ = self
                .plugin
                .call(self.context_id, "proxy_on_delete", &[context]);
        }
        self.plugin.store.data_mut().after_call.clear();
    }

    fn outcome(&mut self) -> ExchangeOutcome {
        let headers = self.downstream_headers.clone().unwrap_or_default();
        let status = headers
            .get(":status")
            .and_then(|status| status.parse().ok())
            .unwrap_or(0);
        ExchangeOutcome {
            upstream: self.upstream_request.clone(),
            status,
            headers: headers.to_pairs(),
            body: self.downstream_chunks.concat(),
            chunks: self.downstream_chunks.clone(),
            trailers: self
                .downstream_trailers
                .clone()
                .map(|trailers| trailers.to_pairs())
                .unwrap_or_default(),
            local_reply: self.local_reply.clone(),
            reset: self.reset,
            logs: Vec::new(),
            trap: None,
        }
    }
}

/// envoy source/common/http/utility.cc `prepareLocalReply`: `:status`, the extra
/// headers, then `content-length` and a default `content-type: text/plain` for a
/// non-empty body (both removed for an empty one). A gRPC request gets a
/// trailers-only 200 with `grpc-status` and `grpc-message` instead.
fn prepare_local_reply(reply: &Reply, is_grpc: bool) -> (HeaderMap, Vec<u8>) {
    let mut headers = HeaderMap::new();
    headers.add(":status", &reply.status.to_string());
    for (key, value) in &reply.headers {
        headers.add(key, value);
    }
    if is_grpc {
        headers.set(":status", "200");
        headers.set("content-type", "application/grpc");
        if headers.get("grpc-status").is_none() {
            let grpc_status = reply
                .grpc_status
                .unwrap_or_else(|| http_to_grpc_status(reply.status));
            headers.add("grpc-status", &grpc_status.to_string());
        }
        if !reply.body.is_empty() {
            headers.add("grpc-message", &percent_encode(&reply.body));
        }
        headers.remove("content-length");
        return (headers, Vec::new());
    }
    if reply.body.is_empty() {
        headers.remove("content-length");
        headers.remove("content-type");
    } else {
        headers.set("content-length", &reply.body.len().to_string());
        if headers.get("content-type").is_none() {
            headers.add("content-type", "text/plain");
        }
    }
    (headers, reply.body.clone())
}

/// envoy source/common/grpc/status.cc `httpToGrpcStatus`.
fn http_to_grpc_status(status: u32) -> u32 {
    match status {
        400 => 13,
        401 => 16,
        403 => 7,
        404 => 12,
        429 | 502..=504 => 14,
        _ => 2,
    }
}

/// `PercentEncoding::encode` for `grpc-message`: printable ASCII except `%` stays.
fn percent_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| match byte {
            b' '..=b'~' if *byte != b'%' => (*byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
