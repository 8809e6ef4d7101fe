//! One HTTP exchange through the filter: the proxy-wasm callbacks driving
//! the engine's exchange [`Flow`].
//!
//! Headers always continue: on Envoy (before `allow_on_headers_stop_iteration`)
//! a pause in a headers callback becomes `StopAllIterationAndWatermark`,
//! which withholds the body callbacks until the filter resumes — a filter
//! that pauses headers to wait for the body waits forever
//! (proxy-wasm-cpp-host issue 143). So `content-length` is dropped up front
//! (the body may change) and the body is buffered by pausing in the body
//! callbacks until `end_of_stream`:
//!
//! - a refused request gets a local reply; the proxy resets the upstream
//!   stream, which has seen headers but no body;
//! - a refused non-streamed response can only have its body replaced (its
//!   status and headers are already downstream): the body becomes the
//!   API's error JSON;
//! - streamed responses forward each chunk's settled part at once.
//!
//! Trailers end a body as `end_of_stream` does: a body followed by
//! trailers never sees `end_of_stream = true` in a body callback (Envoy
//! context.cc `decodeTrailers`/`encodeTrailers`), and the proxy-wasm SDK's
//! default trailers callback continues, which would release the body
//! still buffered for inspection. So the trailers callbacks decide the
//! body there and then: the buffer is still the filter's to read and
//! replace while it pauses (context.cc `getBuffer`, `buffering_*_body_`).

use std::rc::Rc;
use std::time::Duration;

use aimsgate_engine::codec::header;
use aimsgate_engine::consult::{self, Consultation, Opinion};
use aimsgate_engine::decision::UsageLedger;
use aimsgate_engine::decode::Bounded;
use aimsgate_engine::flow::{
    BodyMode, BodyStep, Env, Flow, HeaderEdits, RequestHead, RequestStep, ResponseHead,
};
use aimsgate_engine::reply::Refusal;
use aimsgate_engine::ruleset::Phase;
use aimsgate_engine::target::canonical_host;
use proxy_wasm::traits::{Context, HttpContext};
use proxy_wasm::types::Action;

use crate::abi::{self, Buffer, Level, Map};
use crate::config::Loaded;
use crate::ledger::{SharedLedger, WorkerLedger};
use crate::record::Recorder;
use crate::state::{Host, PluginState};

/// The HTTP context.
pub struct Http {
    shared: Rc<PluginState>,
    /// The rule set this exchange started on (kept across reconfiguration).
    loaded: Option<Rc<Loaded>>,
    flow: Flow,
    /// Size of the request body as of its last body callback (the body
    /// the request trailers complete).
    request_size: usize,
    /// Size of the buffered response body as of its last body callback.
    response_size: usize,
    /// A request body callback came (or trailers): see
    /// `on_http_response_headers`.
    request_body_seen: bool,
    /// The buffered response size when the filter last paused its body
    /// (`None`: it has not): the proxy must then hold at least that much.
    response_paused_at: Option<usize>,
    /// The classifier call the request waits for.
    consulting: Option<u32>,
}

fn apply(map: Map, edits: &HeaderEdits) {
    for (name, value) in &edits.set {
        let _ = abi::set_header(map, name, value);
    }
    for name in &edits.remove {
        let _ = abi::remove_header(map, name);
    }
}

impl Http {
    /// A context for a new exchange.
    pub fn new(_context_id: u32, shared: Rc<PluginState>) -> Http {
        Http {
            shared,
            loaded: None,
            flow: Flow::new(),
            request_size: 0,
            response_size: 0,
            request_body_seen: false,
            response_paused_at: None,
            consulting: None,
        }
    }

    /// Runs one step of the flow with the environment of `loaded` (the rule
    /// set the exchange started on): its engine, limits and decoder, and
    /// the filter as the flow's runtime.
    fn step<T>(&mut self, loaded: &Loaded, step: impl FnOnce(&mut Flow, &mut Env<'_>) -> T) -> T {
        let decoder = Bounded {
            max_ratio: loaded.options.max_compression_ratio,
        };
        let mut env = Env {
            engine: &loaded.engine,
            settings: loaded.options.settings(),
            decoder: &decoder,
            runtime: &mut Recorder {
                shared: &self.shared,
                loaded: Some(loaded),
            },
        };
        step(&mut self.flow, &mut env)
    }

    /// Answers the client with `refusal` in the API's error format.
    fn refuse(&self, refusal: &Refusal) -> Action {
        let body = refusal.body(self.flow.api());
        let owned = refusal.headers();
        let headers: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let details = format!("aimsgate_{}", refusal.code);
        if let Err(status) =
            abi::send_local_response(u32::from(refusal.status), &details, &body, &headers)
        {
            abi::log(
                Level::Error,
                &format!(
                    "aimsgate: the proxy refused a local reply (status {})",
                    status.0
                ),
            );
        }
        Action::Pause
    }

    /// Refuses a response whose headers already went downstream: its body
    /// becomes the API's error JSON (the status cannot change any more).
    fn refuse_response(&self, size: usize, refusal: &Refusal) {
        let body = refusal.body(self.flow.api());
        if abi::replace_body(Buffer::ResponseBody, size, &body).is_err() {
            // Never forward what was refused: empty it at least.
            let _ = abi::replace_body(Buffer::ResponseBody, size, &[]);
        }
    }

    /// Refuses the rest of a response the filter cannot hold whole: the
    /// bytes in hand become the API's error, later ones nothing.
    fn cut_response(&mut self, loaded: &Loaded, body_size: usize, message: &str) -> Action {
        let mut recorder = Recorder {
            shared: &self.shared,
            loaded: Some(loaded),
        };
        let refusal = self.flow.refuse_own(
            &mut recorder,
            Phase::Response,
            502,
            "response_unbuffered",
            message,
        );
        self.refuse_response(body_size, &refusal);
        Action::Continue
    }

    /// The request body step: `size` bytes so far, complete or not.
    fn request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let Some(loaded) = self.loaded.clone() else {
            return Action::Continue;
        };
        let shared = Rc::clone(&self.shared);
        let (mut in_shared_data, mut in_worker) = (SharedLedger, WorkerLedger(&shared));
        let ledger: &mut dyn UsageLedger = if shared.shares_data(&loaded.options) {
            &mut in_shared_data
        } else {
            &mut in_worker
        };
        let step = self.step(&loaded, |flow, env| {
            flow.request_body(env, ledger, body_size, end_of_stream, || {
                read_whole(Buffer::RequestBody, body_size)
            })
        });
        match step {
            BodyStep::Wait => Action::Pause,
            BodyStep::Forward(None) => Action::Continue,
            BodyStep::Forward(Some(body)) => {
                if abi::replace_body(Buffer::RequestBody, body_size, &body).is_ok() {
                    return Action::Continue;
                }
                self.unwritable(&loaded)
            }
            BodyStep::Refuse(refusal) => self.refuse(&refusal),
            BodyStep::Consult { body, consultation } => {
                // Written now: ngx_wasm_module traps on a request body set
                // from the call's answer.
                if let Some(body) = body
                    && abi::replace_body(Buffer::RequestBody, body_size, &body).is_err()
                {
                    return self.unwritable(&loaded);
                }
                self.consult(&loaded, &consultation)
            }
        }
    }

    /// Refuses a request whose rewritten body the proxy would not take.
    fn unwritable(&mut self, loaded: &Loaded) -> Action {
        let mut recorder = Recorder {
            shared: &self.shared,
            loaded: Some(loaded),
        };
        let refusal = self.flow.refuse_own(
            &mut recorder,
            Phase::Request,
            500,
            "body_unwritable",
            "the rewritten request body could not be set",
        );
        self.refuse(&refusal)
    }

    /// Asks the classifier about the request and holds it until the
    /// answer ([`HttpContext`]'s `on_http_call_response`). A call that
    /// cannot be made is a failed consultation, decided at once.
    fn consult(&mut self, loaded: &Loaded, consultation: &Consultation) -> Action {
        self.shared.metrics.count("aimsgate.classifier.calls");
        let Some(classifier) = &loaded.options.classifier else {
            let failed = Opinion::Failed("no classifier is configured (options.classifier)".into());
            return self.opinion(loaded, &failed);
        };
        let mut headers = vec![
            (":method", "POST"),
            (":path", classifier.path.as_str()),
            (":authority", classifier.authority.as_str()),
            ("content-type", "application/json"),
        ];
        headers.extend(
            classifier
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let body = consultation.body();
        match proxy_wasm::hostcalls::dispatch_http_call(
            &classifier.cluster,
            headers,
            Some(&body),
            Vec::new(),
            Duration::from_millis(classifier.timeout_ms),
        ) {
            Ok(token) => {
                self.consulting = Some(token);
                Action::Pause
            }
            Err(status) => {
                let why = format!("the proxy refused the call (status {})", status as u32);
                self.opinion(loaded, &Opinion::Failed(why))
            }
        }
    }

    /// Decides the request on the classifier's `opinion`: forwarded as
    /// written when the consultation began, or refused.
    fn opinion(&mut self, loaded: &Loaded, opinion: &Opinion) -> Action {
        let counter = match opinion {
            Opinion::Attack { .. } => "aimsgate.classifier.attack",
            Opinion::Benign => "aimsgate.classifier.benign",
            Opinion::Failed(_) => "aimsgate.classifier.failed",
        };
        self.shared.metrics.count(counter);
        match self.step(loaded, |flow, env| flow.request_opinion(env, opinion)) {
            BodyStep::Refuse(refusal) => self.refuse(&refusal),
            _ => Action::Continue,
        }
    }

    /// The response body step. `writable`: the body buffer can be read and
    /// replaced (false in a trailers callback after a stream's chunks went
    /// on: what the step returns then cannot be sent).
    fn response_body(&mut self, body_size: usize, end_of_stream: bool, writable: bool) -> Action {
        if self.flow.response_mode() == BodyMode::Pass {
            return Action::Continue;
        }
        let Some(loaded) = self.loaded.clone() else {
            return Action::Continue;
        };
        let buffering = self.flow.response_mode() == BodyMode::Buffer;
        if buffering && self.response_paused_at.is_some_and(|held| body_size < held) {
            // The proxy let go of what the filter held (Envoy never does).
            // What left is gone; the rest is cut, never passed.
            return self.cut_response(&loaded, body_size, "the proxy released part of the response while aimsgate held it for inspection; the rest was cut");
        }
        let step = self.step(&loaded, |flow, env| {
            flow.response_body(env, body_size, end_of_stream, || {
                if writable {
                    read_whole(Buffer::ResponseBody, body_size)
                } else {
                    Some(Vec::new())
                }
            })
        });
        match step {
            // ngx_wasm_module honours one pause per response: it collects
            // up to `wasm_response_body_buffers` and calls again, and then
            // forwards whatever the filter answers (3bed278,
            // src/http/proxy_wasm/ngx_http_proxy_wasm.c:248-256). A second
            // pause there would pass the body uninspected: cut it instead.
            BodyStep::Wait
                if self.response_paused_at.is_some() && self.shared.host() == Host::NgxWasm =>
            {
                return self.cut_response(&loaded, body_size, "the response outgrew what the proxy holds for inspection (ngx_wasm_module's wasm_response_body_buffers); it was cut, not passed");
            }
            BodyStep::Wait => {
                self.response_paused_at = Some(body_size);
                return Action::Pause;
            }
            // Only requests are held for a classifier.
            BodyStep::Forward(None) | BodyStep::Consult { .. } => {}
            // Nothing was there and nothing goes out.
            BodyStep::Forward(Some(body)) if body.is_empty() && body_size == 0 => {}
            BodyStep::Forward(Some(_)) | BodyStep::Refuse(_) if !writable => abi::log(
                Level::Warn,
                "aimsgate: a stream's held-back end was dropped: trailers came after its last chunk",
            ),
            BodyStep::Forward(Some(body)) => {
                if abi::replace_body(Buffer::ResponseBody, body_size, &body).is_err() {
                    abi::log(
                        Level::Error,
                        "aimsgate: the rewritten response body could not be set",
                    );
                    // Never forward what was not inspected as sent.
                    let _ = abi::replace_body(Buffer::ResponseBody, body_size, &[]);
                }
            }
            BodyStep::Refuse(refusal) => self.refuse_response(body_size, &refusal),
        }
        Action::Continue
    }
}

/// All `size` bytes of a body buffer, or `None` when the proxy cannot give
/// them: ngx_wasm_module answers NOT_FOUND for a request body nginx
/// spilled to a temp file (3bed278,
/// src/common/proxy_wasm/ngx_proxy_wasm_host.c:76-83). A short body is
/// unreadable, never inspected as if it were the whole.
fn read_whole(buffer: Buffer, size: usize) -> Option<Vec<u8>> {
    abi::buffer(buffer, 0, size)
        .ok()
        .filter(|body| body.len() == size)
}

impl Http {
    /// Whether nginx routed this request by another host than `host`, the
    /// one the filter routes on. nginx picks the `server` (and so the
    /// upstream) by `$host`: the host of an absolute-form request line
    /// (`POST http://api.openai.com/v1/… HTTP/1.1`), else `Host`, port and
    /// case dropped (nginx src/http/ngx_http_variables.c
    /// `ngx_http_variable_host`); ngx_wasm_module serves it as the `ngx.host`
    /// property. A `Host` naming another host than the request line would
    /// have one route's rules applied to another route's traffic. Envoy has
    /// one authority per request: nothing to compare. Neither is there
    /// when the filter routes on ngx_wasm_module's `:authority`, which is
    /// the server nginx picked itself.
    fn misdirected(&self, host: &str, host_header: &str) -> bool {
        if host.is_empty() || host_header == ":authority" || self.shared.host() != Host::NgxWasm {
            return false;
        }
        let Ok(Some(routed)) = abi::property(&["ngx", "host"]) else {
            return false;
        };
        let routed = String::from_utf8_lossy(&routed);
        match (canonical_host(host), canonical_host(&routed)) {
            (Ok(ours), Ok(theirs)) => ours != theirs,
            // A host the filter cannot read is refused by the flow itself.
            (Err(_), _) => false,
            (Ok(_), Err(_)) => true,
        }
    }
}

impl Context for Http {
    /// The classifier's answer: the request is decided and resumed (or
    /// refused with a local reply).
    fn on_http_call_response(
        &mut self,
        token_id: u32,
        _num_headers: usize,
        body_size: usize,
        _num_trailers: usize,
    ) {
        if self.consulting != Some(token_id) {
            return;
        }
        self.consulting = None;
        let Some(loaded) = self.loaded.clone() else {
            return;
        };
        let Some(spec) = loaded
            .engine
            .ruleset()
            .detectors
            .iter()
            .find_map(|d| match &d.kind {
                aimsgate_engine::ruleset::DetectorKind::Classifier(spec) => Some(spec),
                _ => None,
            })
        else {
            return;
        };
        // No `:status`: no response (refused, reset, timed out; on
        // ngx_wasm_module a failed dispatch calls back without headers).
        let status = abi::header(Map::HttpCallResponseHeaders, ":status")
            .map(|s| s.trim().parse::<u16>().unwrap_or(0));
        let body = abi::buffer(Buffer::HttpCallResponseBody, 0, body_size).unwrap_or_default();
        let opinion = consult::read_answer(spec, status, &body);
        if let Action::Continue = self.opinion(&loaded, &opinion) {
            // Envoy holds the request until told; ngx_wasm_module resumes
            // it after the last call's answer either way
            // (ngx_http_proxy_wasm_dispatch.c:941-956).
            let _ = proxy_wasm::hostcalls::resume_http_request();
        }
    }
}

impl HttpContext for Http {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        let headers = abi::headers(Map::RequestHeaders).unwrap_or_default();
        self.loaded = self.shared.current();
        // Learn the proxy now, in a request, where it can be asked.
        self.shared.host();
        // The configured header names the host (`:authority` on Envoy,
        // `host` on Kong); without a rule set, whichever is there.
        let host = match &self.loaded {
            Some(loaded) => header(&headers, &loaded.options.host_header),
            None => header(&headers, ":authority").or_else(|| header(&headers, "host")),
        }
        .unwrap_or_default();
        let head = RequestHead {
            method: header(&headers, ":method").unwrap_or_default(),
            host,
            path: header(&headers, ":path").unwrap_or_default(),
            headers: &headers,
            has_body: !end_of_stream,
        };
        if let Some(loaded) = self.loaded.clone()
            && self.misdirected(head.host, &loaded.options.host_header)
        {
            let mut recorder = Recorder {
                shared: &self.shared,
                loaded: Some(&loaded),
            };
            let refusal = self.flow.refuse_misdirected(
                &mut recorder,
                &loaded.options.request_id_header,
                &head,
            );
            return self.refuse(&refusal);
        }
        let step = match self.loaded.clone() {
            Some(loaded) => self.step(&loaded, |flow, env| flow.request_head(env, &head)),
            None => {
                let mut recorder = Recorder {
                    shared: &self.shared,
                    loaded: None,
                };
                let (reason, fail_open, id_header) = self.shared.missing();
                self.flow.request_without_ruleset(
                    &mut recorder,
                    &id_header,
                    &head,
                    &reason,
                    fail_open,
                )
            }
        };
        // Every request is counted, apart from the events, for the
        // checkpoints (see `audit::Trail::count_request`).
        let recorded = !matches!(step, RequestStep::Pass) || self.flow.request_recorded();
        self.shared.count_request(recorded);
        match step {
            RequestStep::Pass => Action::Continue,
            RequestStep::Refuse(refusal) => self.refuse(&refusal),
            RequestStep::Govern(edits) => {
                apply(Map::RequestHeaders, &edits);
                Action::Continue
            }
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        self.request_size = body_size;
        self.request_body_seen = true;
        self.request_body(body_size, end_of_stream)
    }

    /// Request trailers: the body before them is complete. Decide it now;
    /// continuing without a decision would release it uninspected.
    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        self.request_body_seen = true;
        if self.flow.consulting() {
            // Held for the classifier: continuing would release the body.
            return Action::Pause;
        }
        if !self.flow.buffering_request() {
            return Action::Continue;
        }
        self.request_body(self.request_size, true)
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        // A request whose headers announced a body that never came
        // (ngx_wasm_module, for every bodiless request): it had none. Not
        // after a body callback: then the proxy itself answered mid-body
        // (Envoy's 413), and the request stays incomplete.
        if !self.request_body_seen
            && self.flow.buffering_request()
            && let Some(loaded) = self.loaded.clone()
        {
            let mut recorder = Recorder {
                shared: &self.shared,
                loaded: Some(&loaded),
            };
            self.flow.request_had_no_body(&mut recorder);
        }
        // Ungoverned traffic, and our own local replies (they pass through
        // the filter chain too), go by without a look at their headers.
        if !self.flow.awaits_response() {
            return Action::Continue;
        }
        let Some(loaded) = self.loaded.clone() else {
            return Action::Continue;
        };
        let status = abi::header(Map::ResponseHeaders, ":status")
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0);
        let content_type = abi::header(Map::ResponseHeaders, "content-type").unwrap_or_default();
        let encoding = abi::header(Map::ResponseHeaders, "content-encoding");
        let head = ResponseHead {
            status,
            content_type: &content_type,
            encoding: encoding.as_deref(),
            has_body: !end_of_stream,
        };
        let plan = self.step(&loaded, |flow, env| flow.response_head(env, &head));
        apply(Map::ResponseHeaders, &plan.edits);
        Action::Continue
    }

    fn on_http_response_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        self.response_size = body_size;
        self.response_body(body_size, end_of_stream, true)
    }

    /// Response trailers: the body before them is complete. A buffered
    /// body is decided (and rewritten) now; a stream is finished, though
    /// what it still holds back cannot be sent any more (the chunks went
    /// on, so the body buffer is no longer the filter's): it is dropped,
    /// never passed uninspected.
    fn on_http_response_trailers(&mut self, _num_trailers: usize) -> Action {
        match self.flow.response_mode() {
            BodyMode::Pass => Action::Continue,
            BodyMode::Buffer => self.response_body(self.response_size, true, true),
            BodyMode::Stream => self.response_body(0, true, false),
        }
    }

    /// The exchange is over, however it ended: a phase that started but
    /// never reached its decision (client gone, upstream reset) is still
    /// recorded, so no governed exchange leaves the trail without a trace.
    fn on_log(&mut self) {
        let mut recorder = Recorder {
            shared: &self.shared,
            loaded: self.loaded.as_deref(),
        };
        self.flow.close(&mut recorder);
    }
}
