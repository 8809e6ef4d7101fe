//! One HTTP exchange, as every runtime drives it: the proxy-wasm filter
//! from its header and body callbacks, the edge build from whole requests
//! and response streams.
//!
//! [`Flow`] owns what the exchange learnt (route, API, request id, the
//! request's facts) and where it is; it performs no I/O. The runtime hands
//! it each part as it arrives and applies the step that comes back —
//! header edits, a body to write instead, a refusal to render. Runtimes
//! differ only in how they render: a proxy has sent the response head by
//! the time a response body is refused (the body becomes the API's error
//! JSON under the upstream's status), an edge worker still holds it.
//!
//! The flow, per phase:
//!
//! 1. [`Flow::request_head`] routes the request: pass it untouched
//!    (ungoverned), refuse it (retired system, unknown path, upgrade) or
//!    govern it ([`RequestStep::Govern`]: ask for an uncompressed
//!    response; drop `content-length`, the body may change).
//! 2. [`Flow::request_body`] waits for the whole body, decodes it if it
//!    is compressed, inspects it and forwards it (rewritten, when a
//!    redaction or a token cap changed it) or refuses it.
//! 3. [`Flow::response_head`] adds the governance headers and picks how
//!    to read the body ([`BodyMode`]): pass (no body), buffer
//!    (JSON) or stream (SSE, Gemini's JSON array).
//! 4. [`Flow::response_body`] takes each piece of the body: buffered
//!    bodies are inspected whole, streams are forwarded as each part
//!    settles ([`ResponseStream`]).
//! 5. [`Flow::close`] records a phase that never reached its decision
//!    (client gone, upstream reset).
//!
//! Each governed phase is recorded exactly once, through
//! [`Runtime::record`], whichever path decided it.

use crate::audit::{self, AuditEvent, Subject};
use crate::codec::{self, Api};
use crate::consult::{Consultation, Consulting, Opinion};
use crate::decision::{BlockReason, Charged, Decision, UsageLedger};
use crate::decode::{DecodeError, Decoder, is_encoded};
use crate::inspect::{Engine, RequestContext, RequestFacts, Routing};
use crate::reply::{DECISION_HEADER, REQUEST_ID_HEADER, Refusal};
use crate::ruleset::{Phase, UnknownPath};
use crate::stream::{ResponseStream, StreamContext, StreamOptions};
use crate::target;

/// A request id for a request that carried none: `ag-<microseconds, hex>-<n>`,
/// unique within a runtime that numbers its ids (`sequence`) and ordered
/// by time. Every runtime makes them this way.
pub fn make_request_id(now_nanos: u64, sequence: u64) -> String {
    format!("ag-{:x}-{sequence}", now_nanos / 1_000)
}

/// What the runtime (the proxy-wasm filter, the edge build, the CLI's
/// `scan`) provides the flow with.
pub trait Runtime {
    /// Nanoseconds since the Unix epoch.
    fn now(&self) -> u64;
    /// A request id for a request that carries none.
    fn make_request_id(&mut self) -> String;
    /// The rule set the exchange is decided on, when the runtime has one
    /// (none: no valid rule set was loaded). Its policy stamps every event.
    fn engine(&self) -> Option<&Engine>;
    /// The key for keyed fingerprints of matched text, if configured.
    fn hit_key(&self) -> Option<&[u8]> {
        None
    }
    /// Whether the runtime can ask an external classifier for a second
    /// opinion ([`BodyStep::Consult`]). One that cannot (the CLI's `scan`)
    /// decides without: classifier detectors find nothing there.
    fn consults(&self) -> bool {
        false
    }
    /// Records a phase: its decision, and its audit event, finished and
    /// stamped with the policy (the runtime seals and delivers it, and
    /// counts what it counts). Called exactly once per governed phase.
    fn record(&mut self, decision: &Decision, event: AuditEvent);
}

/// The runtime's limits and names, from its options.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// Header carrying the request id.
    pub request_id_header: &'a str,
    /// Largest request body inspected, in bytes (as received).
    pub max_request_body: usize,
    /// Largest non-streamed response body inspected, in bytes.
    pub max_response_body: usize,
    /// Largest body once decoded, in bytes.
    pub max_decompressed_body: usize,
    /// Bytes held back in streams for detectors without a match bound.
    pub stream_window: usize,
}

impl Settings<'static> {
    /// The limits every runtime starts from, unless configured otherwise.
    pub const DEFAULT: Settings<'static> = Settings {
        request_id_header: "x-request-id",
        max_request_body: 1 << 20,
        max_response_body: 4 << 20,
        max_decompressed_body: 8 << 20,
        stream_window: crate::stream::DEFAULT_WINDOW,
    };
}

/// Everything a step of the flow needs besides the exchange itself: the
/// policy, the runtime's limits and decoder, and the runtime. A runtime
/// builds one per callback (it is a handful of borrows), so the flow's
/// methods take one argument where they would take five.
pub struct Env<'a> {
    /// The policy the exchange is decided on (the one it started on,
    /// should the runtime reconfigure mid-exchange).
    pub engine: &'a Engine,
    /// The runtime's limits and names.
    pub settings: Settings<'a>,
    /// Decodes compressed bodies, or refuses them ([`crate::decode::NoDecoder`]).
    pub decoder: &'a dyn Decoder,
    /// Clock, request ids and the record of each phase.
    pub runtime: &'a mut dyn Runtime,
}

/// A request's head.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Host (`:authority` or `Host`), port optional.
    pub host: &'a str,
    /// Path with query.
    pub path: &'a str,
    /// Headers, names in any case; pseudo-headers are ignored.
    pub headers: &'a [(String, String)],
    /// Whether a body follows.
    pub has_body: bool,
}

/// Edits to a message's headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderEdits {
    /// Headers to set (replacing any of the same name).
    pub set: Vec<(String, String)>,
    /// Headers to remove.
    pub remove: Vec<&'static str>,
}

/// What to do with a request's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestStep {
    /// Forward the exchange untouched: not governed, or passed uninspected
    /// (and recorded so).
    Pass,
    /// Answer the client with this refusal; nothing goes upstream.
    Refuse(Refusal),
    /// Governed: edit the upstream request's headers as said, then hand
    /// the body (if any) to [`Flow::request_body`].
    Govern(HeaderEdits),
}

/// What to do with a body (or a piece of one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyStep {
    /// Hold it: the decision needs the whole body.
    Wait,
    /// Forward it, or these bytes instead.
    Forward(Option<Vec<u8>>),
    /// Refuse the phase: the runtime renders the refusal (a local reply
    /// for a request, the API's error JSON for a response).
    Refuse(Refusal),
    /// Hold the request and ask the classifier: write `body` in place of
    /// the request's now, when given (ngx_wasm_module lets a filter set
    /// the request body only in its body callback: 3bed278,
    /// src/common/proxy_wasm/ngx_proxy_wasm_host.c:478-491), then hand the
    /// answer to [`Flow::request_opinion`]. The body is what goes upstream
    /// unless the answer refuses the request.
    Consult {
        /// The body to send instead of the original, when the decision
        /// without the opinion changed it (redaction, token cap).
        body: Option<Vec<u8>>,
        /// What to ask.
        consultation: Consultation,
    },
}

/// How to read a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyMode {
    /// Pass it untouched (not governed, no body).
    Pass,
    /// Read it whole: [`Flow::response_body`] waits for the end.
    Buffer,
    /// Stream it: [`Flow::response_body`] forwards each part as it settles.
    Stream,
}

impl BodyMode {
    /// `pass`, `buffer` or `stream`.
    pub fn name(self) -> &'static str {
        match self {
            BodyMode::Pass => "pass",
            BodyMode::Buffer => "buffer",
            BodyMode::Stream => "stream",
        }
    }
}

/// A response's head.
#[derive(Debug, Clone, Copy)]
pub struct ResponseHead<'a> {
    /// HTTP status.
    pub status: u16,
    /// `content-type`.
    pub content_type: &'a str,
    /// `content-encoding`, when present.
    pub encoding: Option<&'a str>,
    /// Whether a body follows.
    pub has_body: bool,
}

/// What [`Flow::response_head`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsePlan {
    /// How to read the body.
    pub mode: BodyMode,
    /// Edits to the response's headers (governance headers; length and
    /// encoding, which the body may change).
    pub edits: HeaderEdits,
}

/// Where an exchange is.
#[derive(Debug, Default)]
enum Stage {
    /// Not governed, or decided for good: everything passes untouched.
    #[default]
    Pass,
    /// Governed request, body being buffered.
    Request,
    /// Governed request, inspected, waiting for a classifier's answer.
    Consulting(Box<Pending>),
    /// Request forwarded; waiting for the response head.
    AwaitResponse,
    /// Non-streamed response body being buffered.
    ResponseBody { encoding: Option<String> },
    /// Streamed response flowing through the inspector.
    Stream(Box<ResponseStream>),
    /// A compressed stream: cannot be inspected chunk by chunk, so the
    /// first chunk becomes an error event and the rest is dropped.
    UnreadableStream { reason: String, sent: bool },
    /// The response was refused, or its stream ended: nothing more of the
    /// upstream's body goes out.
    Discard,
}

/// A request waiting for a classifier's answer.
#[derive(Debug)]
struct Pending {
    /// The body as inspected (decoded, when it came compressed).
    body: Vec<u8>,
    /// What the first inspection charged to usage budgets, replayed to the
    /// second so that the request counts once.
    charged: Charged,
    /// The classifier detector asked.
    detector: u32,
    /// When the inspection started (ns).
    started: u64,
}

/// One exchange; see the module docs.
#[derive(Debug, Default)]
pub struct Flow {
    stage: Stage,
    host: String,
    path: String,
    /// Request headers, names lower-case, pseudo-headers left out.
    headers: Vec<(String, String)>,
    route: Option<u32>,
    api: Option<Api>,
    request_id: String,
    now_secs: u64,
    facts: RequestFacts,
    request_outcome: Option<&'static str>,
    /// Headers the request decision adds, sent with the response (the
    /// upstream request's headers left before its body was decided).
    response_headers: Vec<(String, String)>,
    /// The request body's `content-encoding`, when it is compressed.
    request_encoding: Option<String>,
    /// Whether each phase (request, response) was recorded.
    recorded: [bool; 2],
    /// Routed on a governed host's unknown path, allowed by its route.
    unknown_path: bool,
}

/// How a decision came about, besides the decision itself.
#[derive(Debug, Clone, Copy, Default)]
struct Note<'a> {
    code: Option<&'a str>,
    message: Option<&'a str>,
    inspected: bool,
    segments: Option<&'a [codec::Segment]>,
    output_tokens: Option<u64>,
    started: Option<u64>,
}

impl Note<'_> {
    fn code<'a>(code: &'a str, message: &'a str) -> Note<'a> {
        Note {
            code: Some(code),
            message: Some(message),
            ..Note::default()
        }
    }
}

/// The request's own id from `header`, or one the runtime makes up. An id
/// that is not a plain token (or, with `engine`, holds anything a detector
/// finds) is replaced by its hash ([`Engine::loggable`]): it is echoed in a
/// header and written into every event of the exchange.
fn request_id(
    runtime: &mut dyn Runtime,
    engine: Option<&Engine>,
    header: &str,
    headers: &[(String, String)],
) -> String {
    let Some(id) = codec::header(headers, header).filter(|id| !id.is_empty()) else {
        return runtime.make_request_id();
    };
    match engine {
        Some(engine) => engine.loggable(id).into_owned(),
        None if crate::inspect::plain_token(id) => id.to_owned(),
        None => crate::inspect::hashed_token(id),
    }
}

impl Flow {
    /// A new exchange.
    pub fn new() -> Flow {
        Flow::default()
    }

    /// Whether the request phase is on record (an event was written for
    /// it). After [`Flow::request_head`] passed a request, false means it
    /// passed unrecorded: a host no route names, under `unknown_hosts:
    /// pass`.
    pub fn request_recorded(&self) -> bool {
        self.recorded[0]
    }

    /// The request id (the request's own, or made up).
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The route that governs the exchange, once routed.
    pub fn route(&self) -> Option<u32> {
        self.route
    }

    /// The exchange's API: its route's once routed; before that — a
    /// refusal at routing (a path no route lists, a retired system, a host
    /// no route names) — the API its path names. Refusals are written in
    /// this API's error format, and a client's SDK reads only its own: a
    /// Gemini model off the route's allow-list must be refused in Gemini's
    /// shape (`google-genai` reads `error.status` from it), not OpenAI's.
    pub fn api(&self) -> Option<Api> {
        self.api.or_else(|| codec::api_under_path(&self.path))
    }

    /// Whether the request phase has been decided and the response phase
    /// is still to come.
    pub fn awaits_response(&self) -> bool {
        matches!(self.stage, Stage::AwaitResponse)
    }

    /// Whether the request body is being gathered for its decision: the
    /// runtime must not let it go (a trailers callback decides it).
    pub fn buffering_request(&self) -> bool {
        matches!(self.stage, Stage::Request)
    }

    /// Whether the request waits for a classifier's answer
    /// ([`Flow::request_opinion`]).
    pub fn consulting(&self) -> bool {
        matches!(self.stage, Stage::Consulting(_))
    }

    /// The host said a body would follow but the response is here and no
    /// body ever came (ngx_wasm_module says `end_of_stream = false` for
    /// every request's headers and calls no body callback for an empty
    /// body): the request had no body, and the response is governed as
    /// any other. Without this the exchange would wait for a body forever
    /// and its response pass unread.
    pub fn request_had_no_body(&mut self, runtime: &mut dyn Runtime) {
        if !matches!(self.stage, Stage::Request) {
            return;
        }
        self.request_encoding = None;
        self.bodiless(runtime);
    }

    /// A governed request without a body: nothing to inspect, recorded as
    /// such (the same whether the host said so up front or only later);
    /// its response is governed.
    fn bodiless(&mut self, runtime: &mut dyn Runtime) {
        let (code, message) = if self.unknown_path {
            (
                "unknown_path_allowed",
                "a path no route knows, allowed by the route: no body; the response is inspected",
            )
        } else {
            ("no_body", "the request has no body")
        };
        self.record_pass(runtime, Phase::Request, code, message);
        self.stage = Stage::AwaitResponse;
    }

    /// Whether the response is governed: its head and body still to be
    /// decided on.
    pub fn governed(&self) -> bool {
        matches!(
            self.stage,
            Stage::AwaitResponse
                | Stage::ResponseBody { .. }
                | Stage::Stream(_)
                | Stage::UnreadableStream { .. }
        )
    }

    /// How the response body is read now: [`BodyMode::Buffer`] while a
    /// buffered body is awaited, [`BodyMode::Stream`] while pieces are
    /// forwarded (or dropped, once refused), else [`BodyMode::Pass`].
    pub fn response_mode(&self) -> BodyMode {
        match self.stage {
            Stage::ResponseBody { .. } => BodyMode::Buffer,
            Stage::Stream(_) | Stage::UnreadableStream { .. } | Stage::Discard => BodyMode::Stream,
            _ => BodyMode::Pass,
        }
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

    /// Records the phase's decision, once per phase: the first path to
    /// decide a phase is the one on record.
    fn record(&mut self, runtime: &mut dyn Runtime, decision: &Decision, note: Note<'_>) {
        let slot = usize::from(decision.phase == Phase::Response);
        if std::mem::replace(&mut self.recorded[slot], true) {
            return;
        }
        let now = runtime.now();
        let subject = Subject {
            // The runtime's trail stamps its own name when it seals.
            runtime: "",
            time_unix_nano: now,
            request_id: &self.request_id,
            host: &self.host,
            headers: &self.headers,
            route: self.route,
            api: self.api,
            model: self.facts.model.as_deref(),
            segments: note.segments,
            reported_output_tokens: note.output_tokens,
            hit_key: runtime.hit_key(),
            code: note.code,
            message: note.message,
            inspected: note.inspected,
            duration_us: note.started.map(|s| now.saturating_sub(s) / 1_000),
        };
        let engine = runtime.engine();
        let mut event = audit::decision_event(engine, decision, &subject);
        if let Some(engine) = engine {
            event.stamp_policy(&engine.ruleset().policy);
            if let Some(key) = engine.signer() {
                event.policy_key_id.get_or_insert_with(|| key.to_string());
            }
        }
        runtime.record(decision, event);
    }

    fn record_pass(&mut self, runtime: &mut dyn Runtime, phase: Phase, code: &str, message: &str) {
        self.record(runtime, &Decision::allow(phase), Note::code(code, message));
    }

    fn record_refusal(
        &mut self,
        runtime: &mut dyn Runtime,
        phase: Phase,
        status: u16,
        code: &str,
        message: &str,
    ) {
        let decision = Decision::refuse(
            phase,
            BlockReason::Uninspectable {
                reason: code.to_owned(),
            },
            status,
            message.to_owned(),
        );
        self.record(runtime, &decision, Note::code(code, message));
    }

    /// The runtime's own refusal of a phase (no rule set, size limits,
    /// encodings, unreadable bodies), recorded; the runtime renders it.
    pub fn refuse_own(
        &mut self,
        runtime: &mut dyn Runtime,
        phase: Phase,
        status: u16,
        code: &str,
        message: &str,
    ) -> Refusal {
        self.record_refusal(runtime, phase, status, code, message);
        if phase == Phase::Response {
            self.stage = Stage::Discard;
        } else {
            self.stage = Stage::Pass;
        }
        Refusal::plain(status, code, message, &self.request_id)
    }

    /// The refusal a blocking decision calls for.
    fn refusal(&self, engine: Option<&Engine>, decision: &Decision) -> Refusal {
        engine
            .and_then(|engine| Refusal::of(decision, engine.ruleset(), &self.request_id))
            .unwrap_or_else(|| match decision.phase {
                Phase::Response => Refusal::plain(
                    502,
                    "policy_block",
                    "response refused by policy",
                    &self.request_id,
                ),
                _ => Refusal::plain(403, "policy_block", "refused by policy", &self.request_id),
            })
    }

    /// A request the runtime has no valid rule set for: passed, recorded,
    /// when `fail_open`; refused with 503 otherwise.
    pub fn request_without_ruleset(
        &mut self,
        runtime: &mut dyn Runtime,
        request_id_header: &str,
        head: &RequestHead<'_>,
        reason: &str,
        fail_open: bool,
    ) -> RequestStep {
        self.request_id = request_id(runtime, None, request_id_header, head.headers);
        self.host = head.host.to_owned();
        if fail_open {
            let message = format!("no valid rule set ({reason}); passed as fail-open allows");
            self.record_pass(runtime, Phase::Request, "no_ruleset_fail_open", &message);
            return RequestStep::Pass;
        }
        // The reason goes to the audit event and the proxy's log, not to
        // the client: it names the operator's files, addresses and errors.
        let message = format!("aimsgate has no valid rule set ({reason})");
        self.record_refusal(runtime, Phase::Request, 503, "no_ruleset", &message);
        self.stage = Stage::Pass;
        RequestStep::Refuse(Refusal::plain(
            503,
            "no_ruleset",
            "aimsgate has no valid rule set; the proxy's log says why",
            &self.request_id,
        ))
    }

    /// A request the proxy routed by another host than the one the filter
    /// reads (nginx picks its `server`, and so the upstream, by the host of
    /// an absolute-form request line, which a different `Host` header
    /// contradicts): refused with 421, recorded, so that one route's rules
    /// are never applied to another route's traffic.
    pub fn refuse_misdirected(
        &mut self,
        runtime: &mut dyn Runtime,
        request_id_header: &str,
        head: &RequestHead<'_>,
    ) -> Refusal {
        self.request_id = request_id(runtime, None, request_id_header, head.headers);
        self.host = head.host.to_owned();
        self.path = head.path.to_owned();
        // The two hosts are the client's words: not repeated here.
        self.refuse_own(
            runtime,
            Phase::Request,
            421,
            "host_mismatch",
            "the request line and the Host header name different hosts",
        )
    }

    /// A request the runtime could not even read (a body that is not
    /// bytes): refused with 400, recorded.
    pub fn refuse_unreadable(
        &mut self,
        runtime: &mut dyn Runtime,
        on: &str,
        reason: &str,
    ) -> Refusal {
        self.host = on.to_owned();
        self.request_id = runtime.make_request_id();
        self.refuse_own(runtime, Phase::Request, 400, "request_unreadable", reason)
    }

    /// The request's head arrived.
    pub fn request_head(&mut self, env: &mut Env<'_>, head: &RequestHead<'_>) -> RequestStep {
        let (engine, runtime) = (env.engine, &mut *env.runtime);
        self.request_id = request_id(
            runtime,
            Some(engine),
            env.settings.request_id_header,
            head.headers,
        );
        self.now_secs = runtime.now() / 1_000_000_000;
        // One spelling per host: `API.openai.com.:443` is api.openai.com.
        self.host = match target::canonical_host(head.host) {
            Ok(host) => host.into_owned(),
            Err(err) => {
                self.host = head.host.chars().take(256).collect();
                let message = format!("{err}; refused rather than routed on a guess");
                return RequestStep::Refuse(self.refuse_own(
                    runtime,
                    Phase::Request,
                    400,
                    "host_malformed",
                    &message,
                ));
            }
        };
        self.path = head.path.to_owned();
        let routing = engine.route(&self.host, &self.path, head.headers);
        if !matches!(routing, Routing::Ungoverned)
            && let Err(err) = target::check_path(&self.path)
        {
            // An upstream may read another spelling of a path differently
            // from the routes (`/v1/x/../messages`): only the plain one is
            // routed.
            let message = format!("{err}; send the path in its plain form");
            return RequestStep::Refuse(self.refuse_own(
                runtime,
                Phase::Request,
                400,
                "path_not_canonical",
                &message,
            ));
        }
        let route = match routing {
            Routing::Ungoverned if engine.ruleset().unknown_hosts == UnknownPath::Block => {
                return RequestStep::Refuse(self.refuse_own(
                    runtime,
                    Phase::Request,
                    403,
                    "host_not_governed",
                    "no route of the policy names this host, and the policy refuses unknown hosts",
                ));
            }
            Routing::Ungoverned => return RequestStep::Pass,
            // Allowed, not waved through: the route's rules still apply,
            // to whatever body comes, read as its API's when the path is
            // under one, else generically (every string).
            Routing::UnknownPath {
                route,
                action: UnknownPath::Allow,
            } => {
                self.unknown_path = true;
                route
            }
            Routing::Route(route) => route,
            refused => {
                let decision = engine
                    .routing_refusal(refused)
                    .unwrap_or_else(|| Decision::allow(Phase::Request));
                if let Routing::Retired { route, .. } = refused {
                    self.route = Some(route);
                }
                self.record(runtime, &decision, Note::default());
                return RequestStep::Refuse(self.refusal(Some(engine), &decision));
            }
        };
        let Some(spec) = engine.ruleset().routes.get(route as usize) else {
            return RequestStep::Pass;
        };
        self.route = Some(route);
        self.api = spec.api.or_else(|| codec::api_under_path(&self.path));
        let upgrade = codec::header(head.headers, "upgrade").is_some_and(|u| !u.is_empty())
            || head.method.eq_ignore_ascii_case("CONNECT");
        if upgrade {
            if spec.upgrade == UnknownPath::Allow {
                self.record_pass(
                    runtime,
                    Phase::Request,
                    "upgrade_allowed",
                    "a protocol upgrade passed uninspected, as the route allows",
                );
                return RequestStep::Pass;
            }
            return RequestStep::Refuse(self.refuse_own(
                runtime,
                Phase::Request,
                403,
                "upgrade_refused",
                "protocol upgrades (WebSocket, Realtime) cannot be inspected and this route does not allow them",
            ));
        }
        let encoding = codec::header(head.headers, "content-encoding").map(str::to_owned);
        self.headers = head
            .headers
            .iter()
            .filter(|(k, _)| !k.starts_with(':'))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        // Ask for an uncompressed response: it can be inspected as it flows.
        let mut edits = HeaderEdits {
            set: vec![("accept-encoding".to_owned(), "identity".to_owned())],
            remove: Vec::new(),
        };
        if !head.has_body {
            // Nothing to inspect (a GET of a governed path).
            self.bodiless(runtime);
            return RequestStep::Govern(edits);
        }
        // The body may be rewritten, and the headers leave before it.
        edits.remove.push("content-length");
        // A compressed body is forwarded decoded (it is decoded to be
        // inspected): the header must say so before it leaves.
        if is_encoded(encoding.as_deref()) {
            edits.remove.push("content-encoding");
            self.request_encoding = encoding;
        }
        self.stage = Stage::Request;
        RequestStep::Govern(edits)
    }

    /// A body over the phase's size `limit`: passed uninspected when the
    /// route allows it, refused otherwise (413 for a request; 502 for a
    /// response, the upstream's fault).
    fn oversize(&mut self, env: &mut Env<'_>, phase: Phase, limit: usize) -> BodyStep {
        let runtime = &mut *env.runtime;
        let noun = phase.name();
        if self.oversize_allowed(env.engine) {
            let code = format!("{noun}_oversize_allowed");
            let message = format!(
                "a {noun} body over the size limit passed uninspected, as the route allows"
            );
            self.record_pass(runtime, phase, &code, &message);
            self.stage = match phase {
                Phase::Response => Stage::Pass,
                _ => Stage::AwaitResponse,
            };
            return BodyStep::Forward(None);
        }
        let (status, code) = match phase {
            Phase::Response => (502, "response_too_large"),
            _ => (413, "body_too_large"),
        };
        let message = format!("the {noun} body is larger than the {limit} bytes aimsgate inspects");
        BodyStep::Refuse(self.refuse_own(runtime, phase, status, code, &message))
    }

    /// Decodes a body of `encoding`, if it is encoded at all (`None`: it
    /// is not), or refuses the phase: a request with the status that says
    /// what is wrong with it, a response with 502.
    fn decode(
        &mut self,
        env: &mut Env<'_>,
        phase: Phase,
        encoding: Option<String>,
        body: &impl AsRef<[u8]>,
        max_len: usize,
    ) -> Result<Option<Vec<u8>>, Box<Refusal>> {
        let Some(encoding) = encoding.filter(|e| is_encoded(Some(e))) else {
            return Ok(None);
        };
        let err = match env.decoder.decode(&encoding, body.as_ref(), max_len) {
            Ok(plain) => return Ok(Some(plain)),
            Err(err) => err,
        };
        let (status, message) = match (phase, &err) {
            (Phase::Response, _) => (502, format!("the response could not be inspected: {err}")),
            (_, DecodeError::Unsupported(_)) => (415, err.to_string()),
            (_, DecodeError::TooLarge) => (413, err.to_string()),
            (_, DecodeError::Corrupt(_)) => (400, err.to_string()),
        };
        let refusal = self.refuse_own(env.runtime, phase, status, "body_encoding", &message);
        Err(Box::new(refusal))
    }

    /// Whether the route lets bodies over the size limit pass uninspected.
    fn oversize_allowed(&self, engine: &Engine) -> bool {
        self.route
            .and_then(|r| engine.ruleset().routes.get(r as usize))
            .is_some_and(|r| r.oversize == UnknownPath::Allow)
    }

    /// The request body has grown to `size` bytes; `read` returns all of
    /// it (called at most once, when the body is complete and within the
    /// limit; `None`: unreadable). Usage budgets are counted in `ledger`.
    pub fn request_body<B: AsRef<[u8]>>(
        &mut self,
        env: &mut Env<'_>,
        ledger: &mut dyn UsageLedger,
        size: usize,
        end_of_stream: bool,
        read: impl FnOnce() -> Option<B>,
    ) -> BodyStep {
        if !matches!(self.stage, Stage::Request) {
            return BodyStep::Forward(None);
        }
        let settings = env.settings;
        if size > settings.max_request_body {
            return self.oversize(env, Phase::Request, settings.max_request_body);
        }
        if !end_of_stream {
            return BodyStep::Wait;
        }
        let started = env.runtime.now();
        let Some(raw) = read() else {
            return BodyStep::Refuse(self.refuse_own(
                env.runtime,
                Phase::Request,
                500,
                "body_unreadable",
                "the request body could not be read",
            ));
        };
        let encoding = self.request_encoding.take();
        let max_len = settings
            .max_request_body
            .max(settings.max_decompressed_body);
        let decoded = match self.decode(env, Phase::Request, encoding, &raw, max_len) {
            Ok(decoded) => decoded,
            Err(refusal) => return BodyStep::Refuse(*refusal),
        };
        let body = decoded.as_deref().unwrap_or(raw.as_ref());
        let engine = env.engine;
        let mut charged = Charged::default();
        let inspection = if env.runtime.consults() {
            let mut recording = charged.recording(ledger);
            engine.inspect_request_consulting(&self.ctx(), body, &mut recording, Consulting::Ask)
        } else {
            engine.inspect_request(&self.ctx(), body, ledger)
        };
        if let Some(consultation) = inspection.consult {
            self.api = self.api.or(inspection.api);
            if let Some(view) = &inspection.view {
                self.facts = RequestFacts::of(view, &self.path);
            }
            self.stage = Stage::Consulting(Box::new(Pending {
                body: body.to_vec(),
                charged,
                detector: consultation.detector,
                started,
            }));
            // A decoded body is always forwarded decoded: its encoding
            // header is gone.
            return BodyStep::Consult {
                body: inspection.body.or(decoded),
                consultation,
            };
        }
        let step = self.decide_request(env, inspection, started, None);
        match step {
            // A decoded body is always forwarded decoded.
            BodyStep::Forward(None) => BodyStep::Forward(decoded),
            step => step,
        }
    }

    /// The classifier's answer to [`BodyStep::Consult`]: the request is
    /// inspected again with it and decided. The body to forward was
    /// written when the consultation began ([`BodyStep::Forward`] of
    /// `None`), unless the answer refuses it. A failed call refuses the
    /// request with 503 `classifier_unavailable`, or — where the route
    /// allows it — decides it without the opinion, recorded so.
    pub fn request_opinion(&mut self, env: &mut Env<'_>, opinion: &Opinion) -> BodyStep {
        let Stage::Consulting(pending) = std::mem::replace(&mut self.stage, Stage::Pass) else {
            return BodyStep::Forward(None);
        };
        let Pending {
            body,
            mut charged,
            detector,
            started,
        } = *pending;
        let mut note = None;
        if let Opinion::Failed(reason) = opinion {
            let allowed = self
                .route
                .and_then(|r| env.engine.ruleset().routes.get(r as usize))
                .is_some_and(|r| r.classifier_unavailable == UnknownPath::Allow);
            if !allowed {
                // The reason (a status, a timeout) goes to the audit event,
                // not to the client.
                let message = format!(
                    "the classifier this request needs could not answer ({reason}); refused as the route requires"
                );
                self.record_refusal(
                    env.runtime,
                    Phase::Request,
                    503,
                    "classifier_unavailable",
                    &message,
                );
                return BodyStep::Refuse(Refusal::plain(
                    503,
                    "classifier_unavailable",
                    "a check this request needs is unavailable; try again later",
                    &self.request_id,
                ));
            }
            note = Some("classifier_unavailable_allowed");
        }
        let consulting = Consulting::Answered { detector, opinion };
        let inspection =
            env.engine
                .inspect_request_consulting(&self.ctx(), &body, &mut charged, consulting);
        match self.decide_request(env, inspection, started, note) {
            // Written when the consultation began.
            BodyStep::Forward(_) => BodyStep::Forward(None),
            step => step,
        }
    }

    /// Records a request's inspection and says what to do with its body:
    /// refuse it, or forward it (rewritten when the decision changed it).
    /// `code`: how the decision came about, when not plainly.
    fn decide_request(
        &mut self,
        env: &mut Env<'_>,
        inspection: crate::inspect::RequestInspection,
        started: u64,
        code: Option<&'static str>,
    ) -> BodyStep {
        let engine = env.engine;
        self.api = self.api.or(inspection.api);
        if let Some(view) = &inspection.view {
            self.facts = RequestFacts::of(view, &self.path);
        }
        let decision = inspection.decision;
        let (code, message) = match code {
            Some(code) => (
                Some(code),
                Some(
                    "the classifier could not answer; decided without its opinion, as the route allows",
                ),
            ),
            None if self.unknown_path => (
                Some("unknown_path_allowed"),
                Some("a path no route knows, allowed by the route: inspected"),
            ),
            None => (None, None),
        };
        self.record(
            env.runtime,
            &decision,
            Note {
                code,
                message,
                inspected: inspection.view.is_some(),
                segments: inspection.view.as_ref().map(|v| v.segments.as_slice()),
                started: Some(started),
                ..Note::default()
            },
        );
        if decision.block.is_some() {
            self.stage = Stage::Pass;
            return BodyStep::Refuse(self.refusal(Some(engine), &decision));
        }
        self.request_outcome = Some(decision.outcome.name());
        self.response_headers = decision.headers;
        self.stage = Stage::AwaitResponse;
        BodyStep::Forward(inspection.body)
    }

    /// The response's head arrived. Only a governed exchange whose
    /// request went upstream gets a plan other than passing untouched.
    pub fn response_head(&mut self, env: &mut Env<'_>, head: &ResponseHead<'_>) -> ResponsePlan {
        let (engine, runtime) = (env.engine, &mut *env.runtime);
        let mut plan = ResponsePlan {
            mode: BodyMode::Pass,
            edits: HeaderEdits::default(),
        };
        if !matches!(self.stage, Stage::AwaitResponse) {
            return plan;
        }
        self.stage = Stage::Pass;
        let set = &mut plan.edits.set;
        set.push((REQUEST_ID_HEADER.to_owned(), self.request_id.clone()));
        set.push((
            DECISION_HEADER.to_owned(),
            self.request_outcome.unwrap_or("allow").to_owned(),
        ));
        set.extend(engine.ruleset().disclosure_headers.iter().cloned());
        set.extend(self.response_headers.iter().cloned());
        // Response rules' headers go out now or never (see
        // `Condition::reads_response`).
        set.extend(engine.response_head_headers(&self.ctx(), self.api, &self.facts));
        if !head.has_body {
            self.record_pass(
                runtime,
                Phase::Response,
                "response_not_inspected",
                "the response has no body",
            );
            return plan;
        }
        // A provider error is inspected too (as generic JSON: it has no API
        // shape): whoever answers can put any text in an error body.
        let provider_error = !(200..300).contains(&head.status);
        let streamed = !provider_error
            && (head
                .content_type
                .to_ascii_lowercase()
                .contains("text/event-stream")
                || (self.api == Some(Api::Gemini) && self.path.contains(":streamGenerateContent")));
        // The body will change length (redaction, holdback, decoding).
        plan.edits.remove.push("content-length");
        if is_encoded(head.encoding) {
            // Streams are refused, other bodies decoded: either way what
            // goes out is not encoded.
            plan.edits.remove.push("content-encoding");
        }
        if streamed {
            plan.mode = BodyMode::Stream;
            let Some(api) = self.api else {
                // A whole body of no known API is read generically; a stream
                // needs its API's events to be read as it flows.
                self.stage = Stage::UnreadableStream {
                    reason: "a stream on a route whose API is unknown".to_owned(),
                    sent: false,
                };
                return plan;
            };
            if is_encoded(head.encoding) {
                self.stage = Stage::UnreadableStream {
                    reason: format!(
                        "the upstream sent a `{}`-encoded stream although aimsgate asked for identity",
                        head.encoding.unwrap_or_default()
                    ),
                    sent: false,
                };
                return plan;
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
                window: env.settings.stream_window,
            };
            let stream = ResponseStream::new(engine, ctx, api, self.facts.clone(), options);
            self.stage = Stage::Stream(Box::new(stream));
            return plan;
        }
        plan.mode = BodyMode::Buffer;
        self.stage = Stage::ResponseBody {
            encoding: head.encoding.map(str::to_owned),
        };
        plan
    }

    /// The response body has grown to `size` bytes (buffered bodies), or
    /// the next `size` bytes arrived (streams); `read` returns them (called
    /// at most once; `None`: unreadable). `end_of_stream`: the last piece.
    pub fn response_body<B: AsRef<[u8]>>(
        &mut self,
        env: &mut Env<'_>,
        size: usize,
        end_of_stream: bool,
        read: impl FnOnce() -> Option<B>,
    ) -> BodyStep {
        let (engine, runtime) = (env.engine, &mut *env.runtime);
        match &mut self.stage {
            Stage::Stream(stream) => {
                let started = runtime.now();
                let chunk = read();
                let chunk = chunk.as_ref().map_or(&[][..], AsRef::as_ref);
                let was_ended = stream.ended();
                let mut out = Vec::with_capacity(chunk.len());
                stream.push(engine, chunk, &mut out);
                if end_of_stream {
                    stream.finish(engine, &mut out);
                }
                let report_now = end_of_stream || (stream.ended() && !was_ended);
                let decision = report_now.then(|| stream.decision().clone());
                let unchanged = out == chunk;
                if end_of_stream {
                    self.stage = Stage::Discard;
                }
                if let Some(decision) = decision {
                    let note = Note {
                        inspected: true,
                        started: Some(started),
                        ..Note::default()
                    };
                    self.record(runtime, &decision, note);
                }
                BodyStep::Forward((!unchanged).then_some(out))
            }
            Stage::UnreadableStream { reason, sent } => {
                // The first piece (or the end of an empty stream) becomes
                // the error event; later pieces vanish.
                let first = !std::mem::replace(sent, true);
                let reason = reason.clone();
                if end_of_stream {
                    self.stage = Stage::Discard;
                }
                let event = if first {
                    self.unreadable_stream_event(runtime, &reason)
                } else {
                    Vec::new()
                };
                BodyStep::Forward(Some(event))
            }
            Stage::ResponseBody { encoding } => {
                let encoding = encoding.clone();
                self.buffered_response(env, encoding, size, end_of_stream, read)
            }
            Stage::Discard => BodyStep::Forward(Some(Vec::new())),
            _ => BodyStep::Forward(None),
        }
    }

    /// Records a stream that cannot be inspected and returns the error
    /// event that replaces it.
    fn unreadable_stream_event(&mut self, runtime: &mut dyn Runtime, reason: &str) -> Vec<u8> {
        let message = format!("the response could not be inspected: {reason}");
        self.record_refusal(runtime, Phase::Response, 502, "stream_encoding", &message);
        let refusal = Refusal::plain(502, "uninspectable", &message, &self.request_id);
        match self.api {
            Some(api) => refusal.sse_event(api, None),
            None => refusal.body(None),
        }
    }

    fn buffered_response<B: AsRef<[u8]>>(
        &mut self,
        env: &mut Env<'_>,
        encoding: Option<String>,
        size: usize,
        end_of_stream: bool,
        read: impl FnOnce() -> Option<B>,
    ) -> BodyStep {
        let settings = env.settings;
        if size > settings.max_response_body {
            return self.oversize(env, Phase::Response, settings.max_response_body);
        }
        if !end_of_stream {
            return BodyStep::Wait;
        }
        self.stage = Stage::Pass;
        if size == 0 {
            // A 2xx whose body turned out empty: a response without a body.
            self.record_pass(
                env.runtime,
                Phase::Response,
                "response_not_inspected",
                "the response has no body",
            );
            return BodyStep::Forward(None);
        }
        let started = env.runtime.now();
        let Some(raw) = read() else {
            return BodyStep::Refuse(self.refuse_own(
                env.runtime,
                Phase::Response,
                502,
                "body_unreadable",
                "the response body could not be read",
            ));
        };
        let max_len = settings.max_decompressed_body;
        let decoded = match self.decode(env, Phase::Response, encoding, &raw, max_len) {
            Ok(decoded) => decoded,
            Err(refusal) => return BodyStep::Refuse(*refusal),
        };
        let body = decoded.as_deref().unwrap_or(raw.as_ref());
        let inspection = env
            .engine
            .inspect_response(&self.ctx(), self.api, &self.facts, body);
        let decision = inspection.decision;
        self.record(
            env.runtime,
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
            self.stage = Stage::Discard;
            return BodyStep::Refuse(self.refusal(Some(env.engine), &decision));
        }
        // A decoded body is always replaced: its header said plain text.
        BodyStep::Forward(inspection.body.or(decoded))
    }

    /// The upstream could not be reached (a runtime that fetches itself):
    /// records the response phase and returns the 502 to answer with.
    pub fn upstream_failed(&mut self, runtime: &mut dyn Runtime, reason: &str) -> Refusal {
        if matches!(self.stage, Stage::AwaitResponse) {
            self.record_pass(runtime, Phase::Response, "response_not_inspected", reason);
        }
        self.stage = Stage::Discard;
        Refusal::plain(502, "upstream_unreachable", reason, &self.request_id)
    }

    /// The exchange is over, however it ended: a phase that started but
    /// never reached its decision is still recorded, so no governed
    /// exchange leaves the trail without a trace. Idempotent.
    pub fn close(&mut self, runtime: &mut dyn Runtime) {
        match std::mem::replace(&mut self.stage, Stage::Pass) {
            // Nothing went upstream: the client left, or the proxy itself
            // refused the body (Envoy's 413 over its buffer limit). Not an
            // allow; status 0: aimsgate did not answer.
            Stage::Request => self.record_refusal(
                runtime,
                Phase::Request,
                0,
                "request_incomplete",
                "the request ended before its body was complete (client gone, or refused by the proxy); nothing was forwarded",
            ),
            Stage::Consulting(_) => self.record_refusal(
                runtime,
                Phase::Request,
                0,
                "request_incomplete",
                "the request ended while a classifier was consulted on it (client gone); nothing was forwarded",
            ),
            Stage::AwaitResponse => self.record_pass(
                runtime,
                Phase::Response,
                "response_incomplete",
                "the exchange ended before a response arrived",
            ),
            Stage::ResponseBody { .. } => self.record_pass(
                runtime,
                Phase::Response,
                "response_incomplete",
                "the response ended before its body was complete",
            ),
            Stage::UnreadableStream {
                reason,
                sent: false,
            } => {
                let message = format!("the response could not be inspected: {reason}");
                self.record_refusal(runtime, Phase::Response, 502, "stream_encoding", &message);
            }
            Stage::Stream(stream) => {
                let decision = stream.decision().clone();
                self.record(
                    runtime,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::MemoryLedger;
    use crate::decode::NoDecoder;
    use crate::ruleset::RuleSet;

    /// One governed host (OpenAI chat), no rules: every decision is the
    /// flow's own or an inspected allow.
    fn engine() -> Engine {
        let mut route = RuleSet::route("openai", &["api.openai.com"], Some(Api::OpenaiChat));
        route.path_prefixes = vec!["/v1/".into()];
        Engine::new(RuleSet::bare(vec![route])).expect("the rule set builds")
    }

    const SETTINGS: Settings<'static> = Settings {
        request_id_header: "x-request-id",
        max_request_body: 1000,
        max_response_body: 1000,
        max_decompressed_body: 1000,
        stream_window: 64,
    };

    const CHAT: &[u8] = br#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#;

    /// Records what the flow asks to record: (phase, code).
    #[derive(Default)]
    struct Log(Vec<(&'static str, Option<String>)>);

    impl Runtime for Log {
        fn now(&self) -> u64 {
            1_000_000_000
        }
        fn make_request_id(&mut self) -> String {
            "made-up".into()
        }
        fn engine(&self) -> Option<&Engine> {
            None
        }
        fn record(&mut self, decision: &Decision, event: AuditEvent) {
            self.0.push((decision.phase.name(), event.code));
        }
    }

    impl Log {
        fn codes(&self) -> Vec<(&str, Option<&str>)> {
            self.0.iter().map(|(p, c)| (*p, c.as_deref())).collect()
        }
    }

    /// An exchange of [`engine`]'s, with the pieces the tests send.
    struct Run {
        engine: Engine,
        flow: Flow,
        log: Log,
    }

    impl Run {
        fn new() -> Run {
            Run {
                engine: engine(),
                flow: Flow::new(),
                log: Log::default(),
            }
        }

        /// The flow's environment: no decoder (compressed bodies are
        /// refused).
        fn with<T>(&mut self, step: impl FnOnce(&mut Flow, &mut Env<'_>) -> T) -> T {
            let mut env = Env {
                engine: &self.engine,
                settings: SETTINGS,
                decoder: &NoDecoder,
                runtime: &mut self.log,
            };
            step(&mut self.flow, &mut env)
        }

        fn head(&mut self, head: &RequestHead<'_>) -> RequestStep {
            self.with(|flow, env| flow.request_head(env, head))
        }

        /// The next piece of the request body; `size`: all of it so far.
        fn send(&mut self, size: usize, end: bool, body: &[u8]) -> BodyStep {
            let mut ledger = MemoryLedger::default();
            self.with(|flow, env| flow.request_body(env, &mut ledger, size, end, || Some(body)))
        }

        fn answer(&mut self, head: &ResponseHead<'_>) -> ResponsePlan {
            self.with(|flow, env| flow.response_head(env, head))
        }

        /// The next piece of the response body; `size` as the host says.
        fn respond(&mut self, size: usize, end: bool, piece: &[u8]) -> BodyStep {
            self.with(|flow, env| flow.response_body(env, size, end, || Some(piece)))
        }

        fn close(&mut self) -> Vec<(&str, Option<&str>)> {
            self.flow.close(&mut self.log);
            self.log.codes()
        }

        /// A run whose chat request was forwarded, awaiting the response.
        fn forwarded() -> Run {
            let mut run = Run::new();
            assert!(matches!(run.head(&chat(true)), RequestStep::Govern(_)));
            assert_eq!(run.send(CHAT.len(), true, CHAT), BodyStep::Forward(None));
            assert!(run.flow.awaits_response());
            run
        }
    }

    fn chat(has_body: bool) -> RequestHead<'static> {
        RequestHead {
            method: "POST",
            host: "api.openai.com",
            path: "/v1/chat/completions",
            headers: &[],
            has_body,
        }
    }

    fn json(has_body: bool) -> ResponseHead<'static> {
        ResponseHead {
            status: 200,
            content_type: "application/json",
            encoding: None,
            has_body,
        }
    }

    #[test]
    fn a_body_in_pieces_waits_then_is_decided_once() {
        let mut run = Run::new();
        run.head(&chat(true));
        assert_eq!(run.send(10, false, b""), BodyStep::Wait);
        assert_eq!(run.send(20, false, b""), BodyStep::Wait);
        assert!(
            run.log.0.is_empty(),
            "nothing decided before the body is whole"
        );
        assert_eq!(run.send(CHAT.len(), true, CHAT), BodyStep::Forward(None));
        assert_eq!(
            run.close(),
            [("request", None), ("response", Some("response_incomplete"))]
        );
    }

    #[test]
    fn a_refused_response_drops_every_later_piece() {
        let mut run = Run::forwarded();
        let plan = run.answer(&json(true));
        assert_eq!(plan.mode, BodyMode::Buffer);
        assert!(plan.edits.remove.contains(&"content-length"));
        let BodyStep::Refuse(refusal) = run.respond(1500, false, b"") else {
            panic!("refused")
        };
        assert_eq!(
            (refusal.status, refusal.code.as_str()),
            (502, "response_too_large")
        );
        for end in [false, true] {
            let step = run.respond(10, end, b"0123456789");
            assert_eq!(step, BodyStep::Forward(Some(Vec::new())));
        }
        assert_eq!(
            run.close(),
            [("request", None), ("response", Some("response_too_large"))]
        );
    }

    #[test]
    fn a_compressed_body_without_a_decoder_is_refused_never_passed() {
        let mut run = Run::new();
        let headers = [("Content-Encoding".to_owned(), "gzip".to_owned())];
        let head = RequestHead {
            headers: &headers,
            ..chat(true)
        };
        let RequestStep::Govern(edits) = run.head(&head) else {
            panic!("governed")
        };
        assert!(edits.remove.contains(&"content-encoding"));
        let BodyStep::Refuse(refusal) = run.send(4, true, b"\x1f\x8b..") else {
            panic!("refused")
        };
        assert_eq!(
            (refusal.status, refusal.code.as_str()),
            (415, "body_encoding")
        );
        assert_eq!(run.close(), [("request", Some("body_encoding"))]);
    }

    #[test]
    fn an_encoded_stream_becomes_one_error_event_and_one_record() {
        let mut run = Run::forwarded();
        let plan = run.answer(&ResponseHead {
            content_type: "text/event-stream",
            encoding: Some("br"),
            ..json(true)
        });
        assert_eq!(plan.mode, BodyMode::Stream);
        assert!(plan.edits.remove.contains(&"content-encoding"));
        let BodyStep::Forward(Some(event)) = run.respond(3, false, b"abc") else {
            panic!("replaced")
        };
        let event = String::from_utf8(event).unwrap();
        assert!(
            event.starts_with("data: ") && event.contains("uninspectable"),
            "{event}"
        );
        assert_eq!(
            run.respond(3, true, b"def"),
            BodyStep::Forward(Some(Vec::new()))
        );
        assert_eq!(
            run.close(),
            [("request", None), ("response", Some("stream_encoding"))]
        );
    }

    #[test]
    fn every_unfinished_stage_is_recorded_once_on_close() {
        // The request body never completed.
        let mut run = Run::new();
        run.head(&chat(true));
        run.close();
        assert_eq!(run.close(), [("request", Some("request_incomplete"))]);
        // The response body never completed.
        let mut run = Run::forwarded();
        run.answer(&json(true));
        assert_eq!(
            run.close(),
            [("request", None), ("response", Some("response_incomplete"))]
        );
        // A response without a body is decided at its head.
        let mut run = Run::forwarded();
        assert_eq!(run.answer(&json(false)).mode, BodyMode::Pass);
        assert_eq!(
            run.close(),
            [
                ("request", None),
                ("response", Some("response_not_inspected"))
            ]
        );
    }

    #[test]
    fn ungoverned_traffic_is_neither_touched_nor_recorded() {
        let mut run = Run::new();
        let head = RequestHead {
            host: "example.com",
            ..chat(true)
        };
        assert_eq!(run.head(&head), RequestStep::Pass);
        assert!(!run.flow.governed());
        assert!(run.close().is_empty());
    }
}
