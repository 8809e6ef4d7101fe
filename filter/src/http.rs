//! One HTTP exchange through the filter.
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
//! - streamed responses flow through [`ResponseStream`], which forwards
//!   each chunk's settled part at once.

use std::rc::Rc;

use aimsgate_engine::Routing;
use aimsgate_engine::codec::Api;
use aimsgate_engine::decision::{BlockReason, Decision};
use aimsgate_engine::inspect::{RequestContext, RequestFacts};
use aimsgate_engine::reply::Refusal;
use aimsgate_engine::ruleset::{Phase, UnknownPath};
use aimsgate_engine::stream::{ResponseStream, StreamContext, StreamOptions};
use proxy_wasm::traits::{Context, HttpContext};
use proxy_wasm::types::Action;

use crate::abi::{self, Buffer, Level, Map};
use crate::config::Loaded;
use crate::decompress;
use crate::ledger::SharedLedger;
use crate::report::{self, Note};
use crate::root::Shared;

/// Header naming the decision, on every governed response.
pub const DECISION_HEADER: &str = "x-aimsgate-decision";
/// Header carrying the request id, on every governed response.
pub const REQUEST_ID_HEADER: &str = "x-aimsgate-request-id";

/// Where an exchange is.
#[derive(Debug)]
enum Stage {
    /// Not governed (or already answered): everything passes untouched.
    Pass,
    /// Governed request, body being buffered.
    Request,
    /// Request forwarded; waiting for the response headers.
    AwaitResponse,
    /// Non-streamed response body being buffered.
    ResponseBody { encoding: Option<String> },
    /// Streamed response flowing through the inspector.
    Stream(Box<ResponseStream>),
    /// A compressed stream: cannot be inspected chunk by chunk, so the
    /// first chunk is replaced by an error event and the rest dropped.
    UnreadableStream { reason: String, sent: bool },
    /// Answered by the filter; the rest of the exchange is the proxy's.
    Answered,
}

/// What the filter knows about the exchange.
#[derive(Debug, Default)]
struct Exchange {
    host: String,
    path: String,
    headers: Vec<(String, String)>,
    route: Option<u32>,
    api: Option<Api>,
    request_id: String,
    now_secs: u64,
    facts: RequestFacts,
    request_outcome: Option<&'static str>,
    /// Headers the request decision adds, sent with the response.
    response_headers: Vec<(String, String)>,
    /// The request body's content-encoding, when it was compressed.
    request_encoding: Option<String>,
}

/// The HTTP context.
pub struct Http {
    shared: Rc<Shared>,
    /// The rule set this exchange started on (kept across reconfiguration).
    loaded: Option<Rc<Loaded>>,
    stage: Stage,
    exchange: Exchange,
    /// Whether each phase's audit event was written (request, response):
    /// exactly one per phase, whichever path decided it.
    recorded: [bool; 2],
}

impl Http {
    /// A context for a new exchange.
    pub fn new(_context_id: u32, shared: Rc<Shared>) -> Http {
        Http {
            shared,
            loaded: None,
            stage: Stage::Pass,
            exchange: Exchange::default(),
            recorded: [false; 2],
        }
    }

    fn ctx(&self) -> RequestContext<'_> {
        RequestContext {
            host: &self.exchange.host,
            path: &self.exchange.path,
            headers: &self.exchange.headers,
            route: self.exchange.route,
            api: self.exchange.api,
            now_secs: self.exchange.now_secs,
        }
    }

    /// Writes the phase's audit event and counts the decision, once per
    /// phase: the first path to decide a phase is the one on record.
    fn record(&mut self, decision: &Decision, note: Note<'_>) {
        let slot = usize::from(decision.phase == Phase::Response);
        if std::mem::replace(&mut self.recorded[slot], true) {
            return;
        }
        let exchange = report::Exchange {
            request_id: &self.exchange.request_id,
            host: &self.exchange.host,
            headers: &self.exchange.headers,
            route: self.exchange.route,
            api: self.exchange.api,
            model: self.exchange.facts.model.as_deref(),
        };
        report::decision(
            &self.shared,
            self.loaded.as_deref(),
            &exchange,
            decision,
            &note,
        );
    }

    /// Records that a phase passed without inspection, and why.
    fn record_pass(&mut self, phase: Phase, code: &str, message: &str) {
        self.record(
            &Decision::allow(phase),
            Note {
                code: Some(code),
                message: Some(message),
                ..Note::default()
            },
        );
    }

    /// Records the filter's own refusal of a phase.
    fn record_refusal(&mut self, phase: Phase, status: u16, code: &str, message: &str) {
        let decision = Decision::refuse(
            phase,
            BlockReason::Uninspectable {
                reason: code.to_owned(),
            },
            status,
            message.to_owned(),
        );
        self.record(
            &decision,
            Note {
                code: Some(code),
                message: Some(message),
                ..Note::default()
            },
        );
    }

    /// Answers the client with `refusal` in the API's error format.
    fn refuse(&mut self, refusal: &Refusal) -> Action {
        let body = refusal.body(self.exchange.api);
        let retry_after = refusal.retry_after.map(|s| s.to_string());
        let mut headers = vec![
            ("content-type", "application/json"),
            (DECISION_HEADER, "block"),
            (REQUEST_ID_HEADER, refusal.request_id.as_str()),
        ];
        if let Some(retry_after) = &retry_after {
            headers.push(("retry-after", retry_after.as_str()));
        }
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
        self.stage = Stage::Answered;
        Action::Pause
    }

    /// Answers with the refusal a blocking decision calls for.
    fn refuse_decision(&mut self, decision: &Decision) -> Action {
        let refusal = match self.loaded.as_deref() {
            Some(loaded) => {
                Refusal::of(decision, loaded.engine.ruleset(), &self.exchange.request_id)
            }
            None => None,
        };
        let refusal = refusal.unwrap_or_else(|| {
            Refusal::plain(
                403,
                "policy_block",
                "refused by policy",
                &self.exchange.request_id,
            )
        });
        self.refuse(&refusal)
    }

    /// The filter's own refusal (no rule set, size limits, encodings).
    fn refuse_plain(&mut self, status: u16, code: &str, message: &str) -> Action {
        self.record_refusal(Phase::Request, status, code, message);
        let refusal = Refusal::plain(status, code, message, &self.exchange.request_id);
        self.refuse(&refusal)
    }

    fn request_headers(&mut self, end_of_stream: bool) -> Action {
        let headers = abi::headers(Map::RequestHeaders).unwrap_or_default();
        let find = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        // Envoy carries the host in :authority; ngx_wasm_module may not.
        let host = find(":authority")
            .filter(|h| !h.is_empty())
            .or_else(|| find("host"))
            .unwrap_or_default();
        let path = find(":path").unwrap_or_default();
        let Some(loaded) = self.shared.current() else {
            let (reason, fail_open) = self.shared.missing();
            self.exchange.request_id =
                find("x-request-id").unwrap_or_else(|| self.shared.make_request_id());
            self.exchange.host = host;
            if fail_open {
                let message = format!("no valid rule set ({reason}); passed as fail_open allows");
                self.record_pass(Phase::Request, "no_ruleset_fail_open", &message);
                return Action::Continue;
            }
            let message = format!("aimsgate has no valid rule set ({reason})");
            return self.refuse_plain(503, "no_ruleset", &message);
        };
        self.exchange.request_id = find(&loaded.options.request_id_header)
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| self.shared.make_request_id());
        self.exchange.now_secs = abi::now_nanos() / 1_000_000_000;
        let routing = loaded.engine.route(&host, &path, &headers);
        self.loaded = Some(Rc::clone(&loaded));
        self.exchange.host = host;
        self.exchange.path = path;
        let route = match routing {
            Routing::Ungoverned => return Action::Continue,
            Routing::UnknownPath {
                route,
                action: UnknownPath::Allow,
            } => {
                self.exchange.route = Some(route);
                self.record_pass(
                    Phase::Request,
                    "unknown_path_allowed",
                    "a governed host was asked for a path no route knows; passed uninspected",
                );
                return Action::Continue;
            }
            Routing::Route(route) => route,
            refused => {
                let decision = loaded
                    .engine
                    .routing_refusal(refused)
                    .unwrap_or_else(|| Decision::allow(Phase::Request));
                if let Routing::Retired { route, .. } = refused {
                    self.exchange.route = Some(route);
                }
                self.record(&decision, Note::default());
                return self.refuse_decision(&decision);
            }
        };
        let Some(spec) = loaded.engine.ruleset().routes.get(route as usize) else {
            return Action::Continue;
        };
        self.exchange.route = Some(route);
        self.exchange.api = spec
            .api
            .or_else(|| aimsgate_engine::codec::api_from_path(&self.exchange.path));
        let upgrade = find("upgrade").is_some_and(|u| !u.is_empty())
            || find(":method").is_some_and(|m| m.eq_ignore_ascii_case("CONNECT"));
        if upgrade {
            if spec.upgrade == UnknownPath::Allow {
                self.record_pass(
                    Phase::Request,
                    "upgrade_allowed",
                    "a protocol upgrade passed uninspected, as the route allows",
                );
                return Action::Continue;
            }
            return self.refuse_plain(
                403,
                "upgrade_refused",
                "protocol upgrades (WebSocket, Realtime) cannot be inspected and this route does not allow them",
            );
        }
        let encoding = find("content-encoding");
        self.exchange.headers = headers
            .into_iter()
            .filter(|(k, _)| !k.starts_with(':'))
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        // Ask for an uncompressed response: it can be inspected as it flows.
        let _ = abi::set_header(Map::RequestHeaders, "accept-encoding", "identity");
        if end_of_stream {
            // Nothing to inspect (a GET of a governed path).
            self.record_pass(Phase::Request, "no_body", "the request has no body");
            self.stage = Stage::AwaitResponse;
            return Action::Continue;
        }
        // The body may be rewritten, and the headers leave before it.
        let _ = abi::remove_header(Map::RequestHeaders, "content-length");
        // A compressed body is forwarded decoded (it is decoded to be
        // inspected): the header must say so before it leaves.
        if decompress::is_encoded(encoding.as_deref()) {
            let _ = abi::remove_header(Map::RequestHeaders, "content-encoding");
            self.exchange.request_encoding = encoding;
        }
        self.stage = Stage::Request;
        Action::Continue
    }

    fn request_body(&mut self, size: usize, end_of_stream: bool) -> Action {
        let Some(loaded) = self.loaded.clone() else {
            return Action::Continue;
        };
        if size > loaded.options.max_request_body {
            if self.oversize_allowed(&loaded) {
                self.record_pass(
                    Phase::Request,
                    "request_oversize_allowed",
                    "a request body over the size limit passed uninspected, as the route allows",
                );
                self.stage = Stage::AwaitResponse;
                return Action::Continue;
            }
            let message = format!(
                "the request body is larger than the {} bytes aimsgate inspects",
                loaded.options.max_request_body
            );
            return self.refuse_plain(413, "body_too_large", &message);
        }
        if !end_of_stream {
            return Action::Pause;
        }
        let started = abi::now_nanos();
        let Ok(mut body) = abi::buffer(Buffer::RequestBody, 0, size) else {
            return self.refuse_plain(500, "body_unreadable", "the request body could not be read");
        };
        let encoding = self.exchange.request_encoding.clone();
        let decoded = encoding.is_some();
        if decoded {
            match decompress::decode(
                encoding.as_deref().unwrap_or_default(),
                &body,
                loaded
                    .options
                    .max_request_body
                    .max(loaded.options.max_decompressed_body),
                loaded.options.max_compression_ratio,
            ) {
                Ok(plain) => body = plain,
                Err(err) => {
                    let status = match err {
                        decompress::DecodeError::Unsupported(_) => 415,
                        decompress::DecodeError::TooLarge => 413,
                        decompress::DecodeError::Corrupt(_) => 400,
                    };
                    return self.refuse_plain(status, "body_encoding", &err.to_string());
                }
            }
        }
        let inspection = loaded
            .engine
            .inspect_request(&self.ctx(), &body, &mut SharedLedger);
        self.exchange.api = self.exchange.api.or(inspection.api);
        if let Some(view) = &inspection.view {
            self.exchange.facts = RequestFacts::of(view, &self.exchange.path);
        }
        let decision = inspection.decision;
        self.record(
            &decision,
            Note {
                inspected: inspection.view.is_some(),
                segments: inspection.view.as_ref().map(|v| v.segments.as_slice()),
                started: Some(started),
                ..Note::default()
            },
        );
        if decision.block.is_some() {
            return self.refuse_decision(&decision);
        }
        self.exchange.request_outcome = Some(decision.outcome.name());
        let replacement = inspection.body.or_else(|| decoded.then_some(body));
        if let Some(new_body) = replacement
            && abi::replace_body(Buffer::RequestBody, size, &new_body).is_err()
        {
            return self.refuse_plain(
                500,
                "body_unwritable",
                "the rewritten request body could not be set",
            );
        }
        // The upstream's headers are gone: the decision's headers go to the
        // client with the response.
        self.exchange.response_headers = decision.headers.clone();
        self.stage = Stage::AwaitResponse;
        Action::Continue
    }

    fn oversize_allowed(&self, loaded: &Loaded) -> bool {
        self.exchange
            .route
            .and_then(|r| loaded.engine.ruleset().routes.get(r as usize))
            .is_some_and(|r| r.oversize == UnknownPath::Allow)
    }

    fn response_headers(&mut self, end_of_stream: bool) -> Action {
        let Some(loaded) = self.loaded.clone() else {
            return Action::Continue;
        };
        let _ = abi::set_header(
            Map::ResponseHeaders,
            REQUEST_ID_HEADER,
            &self.exchange.request_id,
        );
        let _ = abi::set_header(
            Map::ResponseHeaders,
            DECISION_HEADER,
            self.exchange.request_outcome.unwrap_or("allow"),
        );
        for (name, value) in &loaded.engine.ruleset().disclosure_headers {
            let _ = abi::set_header(Map::ResponseHeaders, name, value);
        }
        for (name, value) in &self.exchange.response_headers {
            let _ = abi::set_header(Map::ResponseHeaders, name, value);
        }
        let status = abi::header(Map::ResponseHeaders, ":status")
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0);
        // Provider errors carry no model output; pass them as they are.
        if end_of_stream || !(200..300).contains(&status) {
            let message = if end_of_stream {
                "the response has no body".to_owned()
            } else {
                format!("status {status}: provider errors pass uninspected")
            };
            self.record_pass(Phase::Response, "response_not_inspected", &message);
            self.stage = Stage::Pass;
            return Action::Continue;
        }
        let Some(api) = self.exchange.api else {
            self.record_pass(
                Phase::Response,
                "response_not_inspected",
                "the API of the exchange is unknown",
            );
            self.stage = Stage::Pass;
            return Action::Continue;
        };
        let content_type = abi::header(Map::ResponseHeaders, "content-type").unwrap_or_default();
        let encoding = abi::header(Map::ResponseHeaders, "content-encoding");
        let streamed = content_type
            .to_ascii_lowercase()
            .contains("text/event-stream")
            || (api == Api::Gemini && self.exchange.path.contains(":streamGenerateContent"));
        // The body will change length (redaction, holdback, decoding).
        let _ = abi::remove_header(Map::ResponseHeaders, "content-length");
        if streamed {
            if decompress::is_encoded(encoding.as_deref()) {
                let _ = abi::remove_header(Map::ResponseHeaders, "content-encoding");
                self.stage = Stage::UnreadableStream {
                    reason: format!(
                        "the upstream sent a `{}`-encoded stream although aimsgate asked for identity",
                        encoding.unwrap_or_default()
                    ),
                    sent: false,
                };
                return Action::Continue;
            }
            let ctx = StreamContext {
                host: self.exchange.host.clone(),
                path: self.exchange.path.clone(),
                headers: self.exchange.headers.clone(),
                route: self.exchange.route,
                now_secs: self.exchange.now_secs,
                request_id: self.exchange.request_id.clone(),
            };
            let options = StreamOptions {
                window: loaded.options.stream_window,
            };
            let stream = ResponseStream::new(
                &loaded.engine,
                ctx,
                api,
                self.exchange.facts.clone(),
                options,
            );
            self.stage = Stage::Stream(Box::new(stream));
            return Action::Continue;
        }
        if decompress::is_encoded(encoding.as_deref()) {
            // The decoded (and inspected) body replaces the encoded one.
            let _ = abi::remove_header(Map::ResponseHeaders, "content-encoding");
        }
        self.stage = Stage::ResponseBody { encoding };
        Action::Continue
    }

    fn response_body(&mut self, size: usize, end_of_stream: bool) -> Action {
        let Some(loaded) = self.loaded.clone() else {
            return Action::Continue;
        };
        match &mut self.stage {
            Stage::Stream(stream) => {
                let started = abi::now_nanos();
                let chunk = abi::buffer(Buffer::ResponseBody, 0, size).unwrap_or_default();
                let was_ended = stream.ended();
                let mut out = Vec::with_capacity(chunk.len());
                stream.push(&loaded.engine, &chunk, &mut out);
                if end_of_stream {
                    stream.finish(&loaded.engine, &mut out);
                }
                let report_now = end_of_stream || (stream.ended() && !was_ended);
                let decision = report_now.then(|| stream.decision().clone());
                if out != chunk && abi::replace_body(Buffer::ResponseBody, size, &out).is_err() {
                    abi::log(Level::Error, "aimsgate: could not rewrite a stream chunk");
                }
                if let Some(decision) = decision {
                    self.record(
                        &decision,
                        Note {
                            inspected: true,
                            started: Some(started),
                            ..Note::default()
                        },
                    );
                }
                Action::Continue
            }
            Stage::UnreadableStream { reason, sent } => {
                // The first chunk becomes the error event; later ones vanish.
                let first = !std::mem::replace(sent, true);
                let reason = reason.clone();
                let replacement = if first {
                    self.unreadable_stream_event(&loaded, &reason)
                } else {
                    Vec::new()
                };
                let _ = abi::replace_body(Buffer::ResponseBody, size, &replacement);
                Action::Continue
            }
            Stage::ResponseBody { encoding } => {
                let encoding = encoding.clone();
                self.json_response(&loaded, encoding, size, end_of_stream)
            }
            _ => Action::Continue,
        }
    }

    /// Reports a stream that cannot be inspected and returns the error
    /// event that replaces it.
    fn unreadable_stream_event(&mut self, loaded: &Loaded, reason: &str) -> Vec<u8> {
        let decision = Decision::refuse(
            Phase::Response,
            BlockReason::Uninspectable {
                reason: reason.to_owned(),
            },
            502,
            format!("the response could not be inspected: {reason}"),
        );
        self.record(
            &decision,
            Note {
                code: Some("stream_encoding"),
                message: Some(reason),
                ..Note::default()
            },
        );
        let refusal = Refusal::of(
            &decision,
            loaded.engine.ruleset(),
            &self.exchange.request_id,
        )
        .unwrap_or_else(|| Refusal::plain(502, "uninspectable", reason, &self.exchange.request_id));
        match self.exchange.api {
            Some(api) => refusal.sse_event(api),
            None => refusal.body(None),
        }
    }

    fn json_response(
        &mut self,
        loaded: &Rc<Loaded>,
        encoding: Option<String>,
        size: usize,
        end_of_stream: bool,
    ) -> Action {
        if size > loaded.options.max_response_body {
            if self.oversize_allowed(loaded) {
                self.record_pass(
                    Phase::Response,
                    "response_oversize_allowed",
                    "a response body over the size limit passed uninspected, as the route allows",
                );
                self.stage = Stage::Pass;
                return Action::Continue;
            }
            let message = format!(
                "the response body is larger than the {} bytes aimsgate inspects",
                loaded.options.max_response_body
            );
            let refusal = Refusal::plain(
                502,
                "response_too_large",
                &message,
                &self.exchange.request_id,
            );
            self.record_refusal(Phase::Response, 502, "response_too_large", &message);
            return self.replace_response(size, &refusal);
        }
        if !end_of_stream {
            return Action::Pause;
        }
        let started = abi::now_nanos();
        let Some(api) = self.exchange.api else {
            return Action::Continue;
        };
        let Ok(mut body) = abi::buffer(Buffer::ResponseBody, 0, size) else {
            self.record_refusal(
                Phase::Response,
                502,
                "body_unreadable",
                "the response body could not be read",
            );
            let refusal = Refusal::plain(
                502,
                "body_unreadable",
                "the response body could not be read",
                &self.exchange.request_id,
            );
            return self.replace_response(size, &refusal);
        };
        let decoded = decompress::is_encoded(encoding.as_deref());
        if decoded {
            match decompress::decode(
                encoding.as_deref().unwrap_or_default(),
                &body,
                loaded.options.max_decompressed_body,
                loaded.options.max_compression_ratio,
            ) {
                Ok(plain) => body = plain,
                Err(err) => {
                    let message = format!("the response could not be inspected: {err}");
                    self.record_refusal(Phase::Response, 502, "body_encoding", &message);
                    let refusal =
                        Refusal::plain(502, "body_encoding", &message, &self.exchange.request_id);
                    return self.replace_response(size, &refusal);
                }
            }
        }
        let inspection =
            loaded
                .engine
                .inspect_response(&self.ctx(), api, &self.exchange.facts, &body, false);
        let decision = inspection.decision;
        self.record(
            &decision,
            Note {
                inspected: inspection.view.is_some(),
                segments: inspection.view.as_ref().map(|v| v.segments.as_slice()),
                output_tokens: inspection.view.as_ref().and_then(|v| v.output_tokens),
                started: Some(started),
                ..Note::default()
            },
        );
        if decision.block.is_some() {
            let refusal = Refusal::of(
                &decision,
                loaded.engine.ruleset(),
                &self.exchange.request_id,
            )
            .unwrap_or_else(|| {
                Refusal::plain(
                    502,
                    "policy_block",
                    "response refused by policy",
                    &self.exchange.request_id,
                )
            });
            return self.replace_response(size, &refusal);
        }
        // An encoded body is always replaced: its header said plain text.
        let replacement = inspection.body.or_else(|| decoded.then_some(body));
        if let Some(new_body) = replacement
            && abi::replace_body(Buffer::ResponseBody, size, &new_body).is_err()
        {
            abi::log(
                Level::Error,
                "aimsgate: the rewritten response body could not be set",
            );
            let _ = abi::replace_body(Buffer::ResponseBody, size, &[]);
        }
        self.stage = Stage::Pass;
        Action::Continue
    }

    /// Refuses a response whose headers already went downstream: its body
    /// becomes the API's error JSON (the status cannot change any more).
    fn replace_response(&mut self, size: usize, refusal: &Refusal) -> Action {
        let body = refusal.body(self.exchange.api);
        if abi::replace_body(Buffer::ResponseBody, size, &body).is_err() {
            // Never forward what was refused: empty it at least.
            let _ = abi::replace_body(Buffer::ResponseBody, size, &[]);
        }
        self.stage = Stage::Answered;
        Action::Continue
    }
}

impl Context for Http {}

impl HttpContext for Http {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        match self.stage {
            Stage::Pass => self.request_headers(end_of_stream),
            _ => Action::Continue,
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        match self.stage {
            Stage::Request => self.request_body(body_size, end_of_stream),
            _ => Action::Continue,
        }
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        match self.stage {
            Stage::AwaitResponse => self.response_headers(end_of_stream),
            // Our own local reply passes through the filter chain too.
            _ => Action::Continue,
        }
    }

    fn on_http_response_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        self.response_body(body_size, end_of_stream)
    }

    /// The exchange is over, however it ended: a phase that started but
    /// never reached its decision (client gone, upstream reset) is still
    /// recorded, so no governed exchange leaves the trail without a trace.
    fn on_log(&mut self) {
        match std::mem::replace(&mut self.stage, Stage::Answered) {
            Stage::Request => self.record_pass(
                Phase::Request,
                "request_incomplete",
                "the request ended before its body was complete; nothing was forwarded",
            ),
            Stage::AwaitResponse => self.record_pass(
                Phase::Response,
                "response_incomplete",
                "the exchange ended before a response arrived",
            ),
            Stage::ResponseBody { .. } => self.record_pass(
                Phase::Response,
                "response_incomplete",
                "the response ended before its body was complete",
            ),
            Stage::UnreadableStream {
                reason,
                sent: false,
            } => {
                let message = format!("the response could not be inspected: {reason}");
                self.record_refusal(Phase::Response, 502, "stream_encoding", &message);
            }
            Stage::Stream(stream) => {
                let decision = stream.decision().clone();
                self.record(
                    &decision,
                    Note {
                        code: Some("stream_incomplete"),
                        message: Some("the stream ended early; the decision covers what passed"),
                        inspected: true,
                        ..Note::default()
                    },
                );
            }
            _ => {}
        }
    }
}
