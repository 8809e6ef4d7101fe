//! One HTTP exchange through the guard: the filter's `http.rs`, for a
//! runtime that hands over whole requests and response streams.
//!
//! The flow, and where it differs from a proxy:
//!
//! 1. [`Guard::inspect_request`](crate::Guard::inspect_request) routes the
//!    request and inspects its whole body: [`Verdict::Forward`] (with the
//!    rewritten body, if redaction or a token cap changed it) or
//!    [`Verdict::Refuse`] with the API's error JSON. The request never
//!    reaches the upstream when refused — not even its headers, which a
//!    proxy has already sent.
//! 2. [`Exchange::response_head`] looks at the upstream's status and
//!    headers and says how to treat the body: [`Mode::Pass`] (provider
//!    errors, ungoverned traffic), [`Mode::Buffer`] (JSON: inspect it
//!    whole with [`Exchange::response_body`]) or [`Mode::Stream`] (SSE:
//!    [`Exchange::transform`] each chunk, [`Exchange::flush`] at the end,
//!    each settled part forwarded at once).
//! 3. A refused JSON response gets the refusal's own status: unlike a
//!    proxy, the guard holds the response headers until the body is
//!    decided. A refused stream ends with an error event in the API's
//!    streaming format, as in the filter.
//!
//! Each governed phase writes exactly one audit event, whichever path
//! decided it; [`Exchange::close`] (or dropping the exchange) records a
//! phase that never reached its decision.

use std::rc::Rc;

use aimsgate_engine::Routing;
use aimsgate_engine::codec::Api;
use aimsgate_engine::decision::{BlockReason, Decision};
use aimsgate_engine::inspect::{RequestContext, RequestFacts};
use aimsgate_engine::reply::Refusal;
use aimsgate_engine::ruleset::{Phase, UnknownPath};
use aimsgate_engine::stream::{ResponseStream, StreamContext, StreamOptions};

use crate::audit::{self, About, Note, Recorded};
use crate::guard::Shared;

/// Header naming the decision, on every governed response.
pub const DECISION_HEADER: &str = "x-aimsgate-decision";
/// Header carrying the request id, on every governed response.
pub const REQUEST_ID_HEADER: &str = "x-aimsgate-request-id";

/// A request as the caller received it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Host the request is for (the governed API's host, as the policy's
    /// routes name it), port optional.
    pub host: &'a str,
    /// Path with query.
    pub path: &'a str,
    /// Headers (names in any case).
    pub headers: &'a [(String, String)],
    /// The whole body (empty: none).
    pub body: &'a [u8],
}

/// A response the guard answers with instead of the upstream's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Its headers.
    pub headers: Vec<(String, String)>,
    /// Its body (the API's error JSON).
    pub body: Vec<u8>,
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Send it upstream.
    Forward {
        /// The body to send instead of the original, when the decision
        /// changed it (redaction, token cap).
        body: Option<Vec<u8>>,
        /// Headers to set on the upstream request (`accept-encoding:
        /// identity` on governed routes, so the response can be read as it
        /// flows).
        set_headers: Vec<(String, String)>,
        /// Headers to remove from the upstream request (`content-length`:
        /// the body may change).
        remove_headers: Vec<String>,
    },
    /// Answer the client with this instead.
    Refuse(Reply),
}

/// How to treat a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Pass it untouched (not governed, provider error, no body).
    Pass,
    /// Read it whole and hand it to [`Exchange::response_body`].
    Buffer,
    /// Stream it through [`Exchange::transform`] and [`Exchange::flush`].
    Stream,
}

impl Mode {
    /// `pass`, `buffer` or `stream`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Pass => "pass",
            Mode::Buffer => "buffer",
            Mode::Stream => "stream",
        }
    }
}

/// What [`Exchange::response_head`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// How to treat the body.
    pub mode: Mode,
    /// Headers to set on the response to the client.
    pub set_headers: Vec<(String, String)>,
    /// Headers to remove from it (`content-length`: the body may change).
    pub remove_headers: Vec<String>,
}

/// What [`Exchange::response_body`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyResult {
    /// A new status (a refusal's), when it changes.
    pub status: Option<u16>,
    /// Headers to set, on top of the head's.
    pub set_headers: Vec<(String, String)>,
    /// The body to send instead of the upstream's, when it changes.
    pub body: Option<Vec<u8>>,
}

/// A whole response through [`Exchange::inspect_response`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseResult {
    /// The status to answer with.
    pub status: u16,
    /// Headers to set on the response.
    pub set_headers: Vec<(String, String)>,
    /// Headers to remove from it.
    pub remove_headers: Vec<String>,
    /// The body to send.
    pub body: Vec<u8>,
}

/// Where an exchange is.
#[derive(Debug)]
enum Stage {
    /// Not governed (or already answered): everything passes untouched.
    Pass,
    /// Request forwarded; waiting for the response head.
    AwaitResponse,
    /// A non-streamed body to be inspected whole.
    ResponseBody { encoding: Option<String> },
    /// Streamed response flowing through the inspector.
    Stream(Box<ResponseStream>),
    /// A compressed stream: the first chunk becomes an error event, the
    /// rest is dropped.
    UnreadableStream { reason: String, sent: bool },
    /// Answered by the guard.
    Answered,
}

/// One exchange: the request's facts, kept for the response phase. Made by
/// [`Guard::inspect_request`](crate::Guard::inspect_request).
#[derive(Debug)]
pub struct Exchange {
    shared: Rc<Shared>,
    stage: Stage,
    host: String,
    path: String,
    /// Request headers, names lower-case.
    headers: Vec<(String, String)>,
    route: Option<u32>,
    api: Option<Api>,
    request_id: String,
    now_secs: u64,
    facts: RequestFacts,
    request_outcome: Option<&'static str>,
    /// Headers the request decision adds, sent with the response.
    response_headers: Vec<(String, String)>,
    /// Each phase's decision as recorded (request, response): exactly one
    /// audit event per phase.
    recorded: [Option<Recorded>; 2],
}

fn find<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Whether a `content-encoding` value means the body is encoded.
fn is_encoded(encoding: Option<&str>) -> bool {
    encoding.is_some_and(|e| !e.trim().is_empty() && !e.trim().eq_ignore_ascii_case("identity"))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

impl Exchange {
    pub(crate) fn new(shared: Rc<Shared>) -> Exchange {
        Exchange {
            shared,
            stage: Stage::Pass,
            host: String::new(),
            path: String::new(),
            headers: Vec::new(),
            route: None,
            api: None,
            request_id: String::new(),
            now_secs: 0,
            facts: RequestFacts::default(),
            request_outcome: None,
            response_headers: Vec::new(),
            recorded: [None, None],
        }
    }

    /// The request id (from the request's header, or made up).
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Whether the response is governed (headers added, body inspected).
    pub fn governed(&self) -> bool {
        !matches!(self.stage, Stage::Pass | Stage::Answered)
    }

    /// The request decision as recorded, once made.
    pub fn request_decision(&self) -> Option<&Recorded> {
        self.recorded[0].as_ref()
    }

    /// The response decision as recorded, once made.
    pub fn response_decision(&self) -> Option<&Recorded> {
        self.recorded[1].as_ref()
    }

    /// The audit lines not taken yet (the guard's queue: every exchange of
    /// a guard writes to one chain).
    pub fn take_events(&self) -> Vec<String> {
        crate::guard::take_events(&self.shared)
    }

    fn ctx(&self) -> RequestContext<'_> {
        RequestContext {
            host: &self.host,
            path: &self.path,
            headers: &self.headers,
            route: self.route,
            api: self.api,
            now_secs: self.now_secs,
        }
    }

    /// Writes the phase's audit event, once per phase: the first path to
    /// decide a phase is the one on record.
    fn record(&mut self, decision: &Decision, note: Note<'_>) {
        let slot = usize::from(decision.phase == Phase::Response);
        if self.recorded[slot].is_some() {
            return;
        }
        let shared = Rc::clone(&self.shared);
        let about = About {
            request_id: &self.request_id,
            host: &self.host,
            headers: &self.headers,
            route: self.route,
            api: self.api,
            model: self.facts.model.as_deref(),
        };
        let event = audit::event(
            shared.engine(),
            shared.hit_key(),
            shared.now(),
            &about,
            decision,
            &note,
        );
        self.recorded[slot] = Some(audit::recorded(&event));
        if let Ok(mut trail) = shared.trail.try_borrow_mut() {
            trail.emit(shared.engine(), event);
        }
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

    /// Records the guard's own refusal of a phase.
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

    /// The reply carrying `refusal` in the API's error format.
    fn refuse(&mut self, refusal: &Refusal) -> Verdict {
        let mut headers = pairs(&[
            ("content-type", "application/json"),
            (DECISION_HEADER, "block"),
            (REQUEST_ID_HEADER, refusal.request_id.as_str()),
        ]);
        if let Some(retry_after) = refusal.retry_after {
            headers.push(("retry-after".to_owned(), retry_after.to_string()));
        }
        self.stage = Stage::Answered;
        Verdict::Refuse(Reply {
            status: refusal.status,
            headers,
            body: refusal.body(self.api),
        })
    }

    /// The refusal a blocking decision calls for.
    fn refuse_decision(&mut self, decision: &Decision) -> Verdict {
        let refusal = self
            .shared
            .engine()
            .and_then(|engine| Refusal::of(decision, engine.ruleset(), &self.request_id))
            .unwrap_or_else(|| {
                Refusal::plain(403, "policy_block", "refused by policy", &self.request_id)
            });
        self.refuse(&refusal)
    }

    /// The guard's own refusal (no rule set, size limits, encodings).
    fn refuse_plain(&mut self, status: u16, code: &str, message: &str) -> Verdict {
        self.record_refusal(Phase::Request, status, code, message);
        let refusal = Refusal::plain(status, code, message, &self.request_id);
        self.refuse(&refusal)
    }

    /// Forwards the request; `governed` asks for an uncompressed response
    /// and, when there is a body, drops `content-length` (the body may
    /// change; the runtime's fetch computes it again).
    fn forward(body: Option<Vec<u8>>, governed: bool, has_body: bool) -> Verdict {
        let mut set_headers = Vec::new();
        let mut remove_headers = Vec::new();
        if governed {
            // Ask for an uncompressed response: it can be inspected as it
            // flows.
            set_headers.push(("accept-encoding".to_owned(), "identity".to_owned()));
            if has_body {
                remove_headers.push("content-length".to_owned());
            }
        }
        Verdict::Forward {
            body,
            set_headers,
            remove_headers,
        }
    }

    /// A request the caller could not read.
    pub(crate) fn unreadable(&mut self, host: &str, reason: &str) -> Verdict {
        self.host = host.to_owned();
        self.request_id = self.shared.make_request_id();
        self.refuse_plain(400, "request_unreadable", reason)
    }

    /// The request phase (the filter's request headers and body callbacks
    /// in one).
    pub(crate) fn request(&mut self, request: &Request<'_>) -> Verdict {
        let shared = Rc::clone(&self.shared);
        let raw_headers = request.headers;
        let Some(engine) = shared.engine() else {
            self.request_id = find(raw_headers, "x-request-id")
                .filter(|id| !id.is_empty())
                .map_or_else(|| shared.make_request_id(), str::to_owned);
            self.host = request.host.to_owned();
            let reason = shared.engine.as_ref().err().map_or("", String::as_str);
            if shared.fail_open {
                let message = format!("no valid rule set ({reason}); passed as failOpen allows");
                self.record_pass(Phase::Request, "no_ruleset_fail_open", &message);
                return Self::forward(None, false, false);
            }
            let message = format!("aimsgate has no valid rule set ({reason})");
            return self.refuse_plain(503, "no_ruleset", &message);
        };
        let options = &shared.options;
        self.request_id = find(raw_headers, &options.request_id_header)
            .filter(|id| !id.is_empty())
            .map_or_else(|| shared.make_request_id(), str::to_owned);
        self.now_secs = shared.now() / 1_000_000_000;
        self.host = request.host.to_owned();
        self.path = request.path.to_owned();
        let routing = engine.route(&self.host, &self.path, raw_headers);
        let route = match routing {
            Routing::Ungoverned => return Self::forward(None, false, false),
            Routing::UnknownPath {
                route,
                action: UnknownPath::Allow,
            } => {
                self.route = Some(route);
                self.record_pass(
                    Phase::Request,
                    "unknown_path_allowed",
                    "a governed host was asked for a path no route knows; passed uninspected",
                );
                return Self::forward(None, false, false);
            }
            Routing::Route(route) => route,
            refused => {
                let decision = engine
                    .routing_refusal(refused)
                    .unwrap_or_else(|| Decision::allow(Phase::Request));
                if let Routing::Retired { route, .. } = refused {
                    self.route = Some(route);
                }
                self.record(&decision, Note::default());
                return self.refuse_decision(&decision);
            }
        };
        let Some(spec) = engine.ruleset().routes.get(route as usize) else {
            return Self::forward(None, false, false);
        };
        self.route = Some(route);
        self.api = spec
            .api
            .or_else(|| aimsgate_engine::codec::api_from_path(&self.path));
        let upgrade = find(raw_headers, "upgrade").is_some_and(|u| !u.is_empty())
            || request.method.eq_ignore_ascii_case("CONNECT");
        if upgrade {
            if spec.upgrade == UnknownPath::Allow {
                self.record_pass(
                    Phase::Request,
                    "upgrade_allowed",
                    "a protocol upgrade passed uninspected, as the route allows",
                );
                return Self::forward(None, false, false);
            }
            return self.refuse_plain(
                403,
                "upgrade_refused",
                "protocol upgrades (WebSocket, Realtime) cannot be inspected and this route does not allow them",
            );
        }
        let oversize_allowed = spec.oversize == UnknownPath::Allow;
        let encoding = find(raw_headers, "content-encoding").map(str::to_owned);
        self.headers = raw_headers
            .iter()
            .filter(|(k, _)| !k.starts_with(':'))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        let body = request.body;
        if body.is_empty() {
            // Nothing to inspect (a GET of a governed path).
            self.record_pass(Phase::Request, "no_body", "the request has no body");
            self.stage = Stage::AwaitResponse;
            return Self::forward(None, true, false);
        }
        if body.len() > options.max_request_body {
            if oversize_allowed {
                self.record_pass(
                    Phase::Request,
                    "request_oversize_allowed",
                    "a request body over the size limit passed uninspected, as the route allows",
                );
                self.stage = Stage::AwaitResponse;
                return Self::forward(None, true, true);
            }
            let message = format!(
                "the request body is larger than the {} bytes aimsgate inspects",
                options.max_request_body
            );
            return self.refuse_plain(413, "body_too_large", &message);
        }
        if is_encoded(encoding.as_deref()) {
            // The edge build carries no decompressors: clients rarely
            // compress requests, and the runtimes' fetch decodes responses.
            // An encoded body is refused, never passed on uninspected.
            let message = format!(
                "content-encoding `{}` is not supported here: send the request body uncompressed",
                encoding.unwrap_or_default()
            );
            return self.refuse_plain(415, "body_encoding", &message);
        }
        let started = shared.now();
        let inspection = {
            let mut ledger = match shared.ledger.try_borrow_mut() {
                Ok(ledger) => ledger,
                Err(_) => {
                    return self.refuse_plain(
                        500,
                        "ledger_busy",
                        "the usage ledger is in use (re-entrant call)",
                    );
                }
            };
            engine.inspect_request(&self.ctx(), body, &mut *ledger)
        };
        self.api = self.api.or(inspection.api);
        if let Some(view) = &inspection.view {
            self.facts = RequestFacts::of(view, &self.path);
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
        self.request_outcome = Some(decision.outcome.name());
        // As in the filter (whose request headers left before the body was
        // read), the decision's headers go to the client with the response.
        self.response_headers = decision.headers;
        self.stage = Stage::AwaitResponse;
        Self::forward(inspection.body, true, true)
    }

    /// The response's status and headers (lower-case or not) arrived;
    /// `has_body` is false when the response has no body at all.
    pub fn response_head(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        has_body: bool,
    ) -> Head {
        let pass = Head {
            mode: Mode::Pass,
            set_headers: Vec::new(),
            remove_headers: Vec::new(),
        };
        if !matches!(self.stage, Stage::AwaitResponse) {
            return pass;
        }
        let shared = Rc::clone(&self.shared);
        let Some(engine) = shared.engine() else {
            self.stage = Stage::Pass;
            return pass;
        };
        let mut set_headers = pairs(&[
            (REQUEST_ID_HEADER, self.request_id.as_str()),
            (DECISION_HEADER, self.request_outcome.unwrap_or("allow")),
        ]);
        set_headers.extend(engine.ruleset().disclosure_headers.iter().cloned());
        set_headers.extend(self.response_headers.iter().cloned());
        let mut head = Head {
            mode: Mode::Pass,
            set_headers,
            remove_headers: Vec::new(),
        };
        // Provider errors carry no model output; pass them as they are.
        if !has_body || !(200..300).contains(&status) {
            let message = if has_body {
                format!("status {status}: provider errors pass uninspected")
            } else {
                "the response has no body".to_owned()
            };
            self.record_pass(Phase::Response, "response_not_inspected", &message);
            self.stage = Stage::Pass;
            return head;
        }
        let Some(api) = self.api else {
            self.record_pass(
                Phase::Response,
                "response_not_inspected",
                "the API of the exchange is unknown",
            );
            self.stage = Stage::Pass;
            return head;
        };
        let content_type = find(headers, "content-type").unwrap_or_default();
        let encoding = find(headers, "content-encoding").map(str::to_owned);
        let streamed = content_type
            .to_ascii_lowercase()
            .contains("text/event-stream")
            || (api == Api::Gemini && self.path.contains(":streamGenerateContent"));
        // The body will change length (redaction, holdback, refusal).
        head.remove_headers.push("content-length".to_owned());
        if streamed {
            head.mode = Mode::Stream;
            if is_encoded(encoding.as_deref()) {
                head.remove_headers.push("content-encoding".to_owned());
                self.stage = Stage::UnreadableStream {
                    reason: format!(
                        "the upstream sent a `{}`-encoded stream although aimsgate asked for identity",
                        encoding.unwrap_or_default()
                    ),
                    sent: false,
                };
                return head;
            }
            let ctx = StreamContext {
                host: self.host.clone(),
                path: self.path.clone(),
                headers: self.headers.clone(),
                route: self.route,
                now_secs: self.now_secs,
                request_id: self.request_id.clone(),
            };
            let options = StreamOptions {
                window: shared.options.stream_window,
            };
            let stream = ResponseStream::new(engine, ctx, api, self.facts.clone(), options);
            self.stage = Stage::Stream(Box::new(stream));
            return head;
        }
        if is_encoded(encoding.as_deref()) {
            // Refused when the body arrives: its header would be wrong on
            // the error JSON that replaces it.
            head.remove_headers.push("content-encoding".to_owned());
        }
        head.mode = Mode::Buffer;
        self.stage = Stage::ResponseBody { encoding };
        head
    }

    /// The whole body of a [`Mode::Buffer`] response.
    pub fn response_body(&mut self, body: &[u8]) -> BodyResult {
        let unchanged = BodyResult {
            status: None,
            set_headers: Vec::new(),
            body: None,
        };
        let Stage::ResponseBody { encoding } = &self.stage else {
            return unchanged;
        };
        let encoding = encoding.clone();
        let shared = Rc::clone(&self.shared);
        let Some(engine) = shared.engine() else {
            return unchanged;
        };
        self.stage = Stage::Pass;
        if body.len() > shared.options.max_response_body {
            let allowed = self
                .route
                .and_then(|r| engine.ruleset().routes.get(r as usize))
                .is_some_and(|r| r.oversize == UnknownPath::Allow);
            if allowed {
                self.record_pass(
                    Phase::Response,
                    "response_oversize_allowed",
                    "a response body over the size limit passed uninspected, as the route allows",
                );
                return unchanged;
            }
            let message = format!(
                "the response body is larger than the {} bytes aimsgate inspects",
                shared.options.max_response_body
            );
            self.record_refusal(Phase::Response, 502, "response_too_large", &message);
            let refusal = Refusal::plain(502, "response_too_large", &message, &self.request_id);
            return self.replace_response(&refusal);
        }
        if body.is_empty() {
            // A 2xx whose body turned out empty: what a proxy sees as a
            // response without a body.
            self.record_pass(
                Phase::Response,
                "response_not_inspected",
                "the response has no body",
            );
            return unchanged;
        }
        if is_encoded(encoding.as_deref()) {
            let message = format!(
                "the response could not be inspected: content-encoding `{}` is not supported here",
                encoding.unwrap_or_default()
            );
            self.record_refusal(Phase::Response, 502, "body_encoding", &message);
            let refusal = Refusal::plain(502, "body_encoding", &message, &self.request_id);
            return self.replace_response(&refusal);
        }
        let Some(api) = self.api else {
            return unchanged;
        };
        let started = shared.now();
        let inspection = engine.inspect_response(&self.ctx(), api, &self.facts, body, false);
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
            let refusal = Refusal::of(&decision, engine.ruleset(), &self.request_id)
                .unwrap_or_else(|| {
                    Refusal::plain(
                        502,
                        "policy_block",
                        "response refused by policy",
                        &self.request_id,
                    )
                });
            return self.replace_response(&refusal);
        }
        BodyResult {
            status: None,
            set_headers: Vec::new(),
            body: inspection.body,
        }
    }

    /// A refused response: the API's error JSON, with the refusal's status
    /// (the guard still holds the response head, which a proxy does not).
    fn replace_response(&mut self, refusal: &Refusal) -> BodyResult {
        self.stage = Stage::Answered;
        let mut set_headers = pairs(&[
            ("content-type", "application/json"),
            (DECISION_HEADER, "block"),
        ]);
        if let Some(retry_after) = refusal.retry_after {
            set_headers.push(("retry-after".to_owned(), retry_after.to_string()));
        }
        BodyResult {
            status: Some(refusal.status),
            set_headers,
            body: Some(refusal.body(self.api)),
        }
    }

    /// The next chunk of a [`Mode::Stream`] response; returns the bytes to
    /// forward now (possibly none: held until it is settled). Chunks of
    /// other modes come back unchanged.
    pub fn transform(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.stream_step(chunk, false)
    }

    /// The stream ended; returns the last bytes to forward.
    pub fn flush(&mut self) -> Vec<u8> {
        self.stream_step(&[], true)
    }

    fn stream_step(&mut self, chunk: &[u8], end: bool) -> Vec<u8> {
        let shared = Rc::clone(&self.shared);
        let Some(engine) = shared.engine() else {
            return chunk.to_vec();
        };
        match &mut self.stage {
            Stage::Stream(stream) => {
                let started = shared.now();
                let was_ended = stream.ended();
                let mut out = Vec::with_capacity(chunk.len());
                stream.push(engine, chunk, &mut out);
                if end {
                    stream.finish(engine, &mut out);
                }
                let report_now = end || (stream.ended() && !was_ended);
                let decision = report_now.then(|| stream.decision().clone());
                if end {
                    self.stage = Stage::Answered;
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
                out
            }
            Stage::UnreadableStream { reason, sent } => {
                // The first chunk (or the end of an empty stream) becomes
                // the error event; later chunks vanish.
                let first = !std::mem::replace(sent, true);
                let reason = reason.clone();
                if end {
                    self.stage = Stage::Answered;
                }
                if first {
                    self.unreadable_stream_event(&reason)
                } else {
                    Vec::new()
                }
            }
            Stage::Answered => Vec::new(),
            _ => chunk.to_vec(),
        }
    }

    /// Reports a stream that cannot be inspected and returns the error
    /// event that replaces it.
    fn unreadable_stream_event(&mut self, reason: &str) -> Vec<u8> {
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
        let refusal = self
            .shared
            .engine()
            .and_then(|engine| Refusal::of(&decision, engine.ruleset(), &self.request_id))
            .unwrap_or_else(|| Refusal::plain(502, "uninspectable", reason, &self.request_id));
        match self.api {
            Some(api) => refusal.sse_event(api),
            None => refusal.body(None),
        }
    }

    /// A whole response in one call: [`Exchange::response_head`], then the
    /// body through [`Exchange::response_body`] or, for a stream, as one
    /// chunk through [`Exchange::transform`] and [`Exchange::flush`]. An
    /// empty body counts as none.
    pub fn inspect_response(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> ResponseResult {
        let head = self.response_head(status, headers, !body.is_empty());
        let mut result = ResponseResult {
            status,
            set_headers: head.set_headers,
            remove_headers: head.remove_headers,
            body: Vec::new(),
        };
        match head.mode {
            Mode::Pass => result.body = body.to_vec(),
            Mode::Buffer => {
                let decided = self.response_body(body);
                result.status = decided.status.unwrap_or(status);
                result.set_headers.extend(decided.set_headers);
                result.body = decided.body.unwrap_or_else(|| body.to_vec());
            }
            Mode::Stream => {
                result.body = self.transform(body);
                result.body.extend(self.flush());
            }
        }
        result
    }

    /// The upstream could not be reached (the runtime's fetch failed):
    /// records the response phase and returns the 502 to answer with.
    pub fn upstream_failed(&mut self, reason: &str) -> Reply {
        if matches!(self.stage, Stage::AwaitResponse) {
            self.record_pass(Phase::Response, "response_not_inspected", reason);
        }
        self.stage = Stage::Answered;
        let refusal = Refusal::plain(502, "upstream_unreachable", reason, &self.request_id);
        Reply {
            status: 502,
            headers: pairs(&[
                ("content-type", "application/json"),
                (REQUEST_ID_HEADER, self.request_id.as_str()),
            ]),
            body: refusal.body(self.api),
        }
    }

    /// The exchange is over, however it ended: a phase that started but
    /// never reached its decision (client gone, upstream reset) is still
    /// recorded, so no governed exchange leaves the trail without a trace.
    /// Idempotent; dropping the exchange does it too.
    pub fn close(&mut self) {
        match std::mem::replace(&mut self.stage, Stage::Answered) {
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
            Stage::UnreadableStream {
                reason,
                sent: false,
            } => {
                let _ = self.unreadable_stream_event(&reason);
            }
            _ => {}
        }
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        self.close();
    }
}
