//! One HTTP exchange through the guard: the engine's exchange
//! [`Flow`] (which the filter drives from proxy callbacks), for a runtime
//! that hands over whole requests and response streams.
//!
//! 1. [`Guard::inspect_request`](crate::Guard::inspect_request) routes the
//!    request and inspects its whole body: [`Verdict::Forward`] (with the
//!    rewritten body, if redaction or a token cap changed it) or
//!    [`Verdict::Refuse`] with the API's error JSON. The request never
//!    reaches the upstream when refused — not even its headers, which a
//!    proxy has already sent.
//! 2. [`Exchange::response_head`] looks at the upstream's status and
//!    headers and says how to treat the body: [`BodyMode::Pass`] (provider
//!    errors, ungoverned traffic), [`BodyMode::Buffer`] (JSON: inspect it
//!    whole with [`Exchange::response_body`]) or [`BodyMode::Stream`] (SSE:
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

use aimsgate_engine::Engine;
use aimsgate_engine::audit::AuditEvent;
use aimsgate_engine::codec::header;
use aimsgate_engine::consult::{self, Opinion};
use aimsgate_engine::decision::Decision;
use aimsgate_engine::decode::NoDecoder;
pub use aimsgate_engine::flow::BodyMode;
use aimsgate_engine::flow::{
    BodyStep, Env, Flow, HeaderEdits, RequestHead, RequestStep, ResponseHead, Runtime,
};
use aimsgate_engine::reply::Refusal;
pub use aimsgate_engine::reply::{DECISION_HEADER, REQUEST_ID_HEADER};
use aimsgate_engine::ruleset::{DetectorKind, Phase};

use crate::audit::Recorded;
use crate::state::GuardState;

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
    /// Ask the classifier first: send this call, and hand its answer to
    /// [`Exchange::opinion`], which says what to do with the request.
    Consult(ClassifierCall),
}

/// A call to the classifier ([`Verdict::Consult`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassifierCall {
    /// Where to (`options.classifier.url`).
    pub url: String,
    /// Its headers.
    pub headers: Vec<(String, String)>,
    /// Its body (`{"inputs": …}`).
    pub body: Vec<u8>,
    /// How long to wait for the answer, in milliseconds.
    pub timeout_ms: u64,
}

/// What [`Exchange::response_head`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// How to treat the body.
    pub mode: BodyMode,
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
    /// Headers to set, on top of the head's: the response's own decision
    /// ([`RESPONSE_DECISION_HEADER`]), and a refusal's headers.
    pub set_headers: Vec<(String, String)>,
    /// Headers to remove: the AI-disclosure headers of a withheld answer
    /// (what the client gets is the guard's error, not generated text).
    pub remove_headers: Vec<String>,
    /// The body to send instead of the upstream's, when it changes.
    pub body: Option<Vec<u8>>,
}

/// The response phase's decision, on responses the guard still holds the
/// head of when it is decided (`x-aimsgate-decision` is the request's: a
/// proxy sends the response head before its body is decided).
pub const RESPONSE_DECISION_HEADER: &str = "x-aimsgate-response-decision";

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

/// One exchange: the request's facts, kept for the response phase. Made by
/// [`Guard::inspect_request`](crate::Guard::inspect_request).
#[derive(Debug)]
pub struct Exchange {
    shared: Rc<GuardState>,
    flow: Flow,
    /// Each phase's decision as recorded (request, response).
    recorded: [Option<Recorded>; 2],
    /// While the classifier is asked: the body to forward (when changed)
    /// and the upstream request's header edits.
    consulting: Option<(Option<Vec<u8>>, HeaderEdits)>,
}

/// The guard as the runtime of an exchange's flow: its clock and request
/// ids, and the audit chain every decision is sealed into.
struct Recorder<'a> {
    shared: &'a GuardState,
    recorded: &'a mut [Option<Recorded>; 2],
}

impl Runtime for Recorder<'_> {
    fn now(&self) -> u64 {
        self.shared.now()
    }

    fn make_request_id(&mut self) -> String {
        self.shared.make_request_id()
    }

    fn engine(&self) -> Option<&Engine> {
        self.shared.engine()
    }

    fn hit_key(&self) -> Option<&[u8]> {
        self.shared.hit_key()
    }

    /// Always: without `options.classifier` the consultation fails, and
    /// the route decides what that means.
    fn consults(&self) -> bool {
        true
    }

    fn record(&mut self, decision: &Decision, event: AuditEvent) {
        let slot = usize::from(decision.phase == Phase::Response);
        self.recorded[slot] = Some(Recorded::of(&event));
        if let Ok(mut trail) = self.shared.trail.try_borrow_mut() {
            trail.emit(event);
        }
    }
}

fn owned(names: Vec<&'static str>) -> Vec<String> {
    names.into_iter().map(str::to_owned).collect()
}

fn forward(body: Option<Vec<u8>>, edits: HeaderEdits) -> Verdict {
    Verdict::Forward {
        body,
        set_headers: edits.set,
        remove_headers: owned(edits.remove),
    }
}

impl Exchange {
    pub(crate) fn new(shared: Rc<GuardState>) -> Exchange {
        Exchange {
            shared,
            flow: Flow::new(),
            recorded: [None, None],
            consulting: None,
        }
    }

    /// The request id (from the request's header, or made up).
    pub fn request_id(&self) -> &str {
        self.flow.request_id()
    }

    /// Whether the response is governed (headers added, body inspected).
    pub fn governed(&self) -> bool {
        self.flow.governed()
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
        self.shared.take_events()
    }

    /// The reply carrying `refusal` in the API's error format.
    fn refuse(&self, refusal: &Refusal) -> Verdict {
        Verdict::Refuse(Reply {
            status: refusal.status,
            headers: refusal.headers(),
            body: refusal.body(self.flow.api()),
        })
    }

    /// A request the caller could not read.
    pub(crate) fn unreadable(&mut self, host: &str, reason: &str) -> Verdict {
        let shared = Rc::clone(&self.shared);
        let mut recorder = Recorder {
            shared: &shared,
            recorded: &mut self.recorded,
        };
        let refusal = self.flow.refuse_unreadable(&mut recorder, host, reason);
        self.refuse(&refusal)
    }

    /// The request phase (the filter's request headers and body callbacks
    /// in one).
    pub(crate) fn request(&mut self, request: &Request<'_>) -> Verdict {
        let shared = Rc::clone(&self.shared);
        let mut recorder = Recorder {
            shared: &shared,
            recorded: &mut self.recorded,
        };
        let head = RequestHead {
            method: request.method,
            host: request.host,
            path: request.path,
            headers: request.headers,
            has_body: !request.body.is_empty(),
        };
        let Some(engine) = shared.engine() else {
            let reason = shared.engine.as_ref().err().map_or("", String::as_str);
            let step = self.flow.request_without_ruleset(
                &mut recorder,
                &shared.options.request_id_header,
                &head,
                reason,
                shared.fail_open,
            );
            return match step {
                RequestStep::Refuse(refusal) => self.refuse(&refusal),
                RequestStep::Pass | RequestStep::Govern(_) => forward(None, HeaderEdits::default()),
            };
        };
        let mut env = Env {
            engine,
            settings: shared.options.settings(),
            // The edge build carries no decompressors: clients rarely
            // compress requests, and the runtimes' fetch decodes responses.
            // An encoded body is refused (415), never passed on uninspected.
            decoder: &NoDecoder,
            runtime: &mut recorder,
        };
        let edits = match self.flow.request_head(&mut env, &head) {
            RequestStep::Pass => return forward(None, HeaderEdits::default()),
            RequestStep::Refuse(refusal) => return self.refuse(&refusal),
            RequestStep::Govern(edits) if !head.has_body => return forward(None, edits),
            RequestStep::Govern(edits) => edits,
        };
        let step = match shared.ledger.try_borrow_mut() {
            Ok(mut ledger) => {
                self.flow
                    .request_body(&mut env, &mut *ledger, request.body.len(), true, || {
                        Some(request.body)
                    })
            }
            Err(_) => BodyStep::Refuse(self.flow.refuse_own(
                env.runtime,
                Phase::Request,
                500,
                "ledger_busy",
                "the usage ledger is in use (re-entrant call)",
            )),
        };
        match step {
            BodyStep::Forward(body) => forward(body, edits),
            BodyStep::Refuse(refusal) => self.refuse(&refusal),
            // The body is whole: the flow never waits for more of it.
            BodyStep::Wait => {
                let refusal = self.flow.refuse_own(
                    env.runtime,
                    Phase::Request,
                    500,
                    "request_incomplete",
                    "the request body was not taken whole",
                );
                self.refuse(&refusal)
            }
            BodyStep::Consult { body, consultation } => {
                self.consulting = Some((body, edits));
                match &shared.options.classifier {
                    Some(classifier) => {
                        let mut headers =
                            vec![("content-type".to_owned(), "application/json".to_owned())];
                        headers.extend(classifier.headers.clone());
                        Verdict::Consult(ClassifierCall {
                            url: classifier.url.clone(),
                            headers,
                            body: consultation.body(),
                            timeout_ms: classifier.timeout_ms,
                        })
                    }
                    None => self.decide(&Opinion::Failed(
                        "no classifier is configured (options.classifier)".to_owned(),
                    )),
                }
            }
        }
    }

    /// The classifier's answer to [`Verdict::Consult`]: `status` is the
    /// response's (`None`: no response — unreachable, timed out), `body`
    /// its body. Returns what to do with the request, as
    /// [`Guard::inspect_request`](crate::Guard::inspect_request) would
    /// have.
    pub fn opinion(&mut self, status: Option<u16>, body: &[u8]) -> Verdict {
        let spec = self.shared.engine().and_then(|engine| {
            engine
                .ruleset()
                .detectors
                .iter()
                .find_map(|d| match &d.kind {
                    DetectorKind::Classifier(spec) => Some(spec.clone()),
                    _ => None,
                })
        });
        let opinion = match spec {
            Some(spec) => consult::read_answer(&spec, status, body),
            None => Opinion::Failed("the rule set has no classifier".to_owned()),
        };
        self.decide(&opinion)
    }

    /// Decides the request held for the classifier on `opinion`.
    fn decide(&mut self, opinion: &Opinion) -> Verdict {
        let Some((body, edits)) = self.consulting.take() else {
            // Nothing was asked: a caller's mistake, never a forward.
            return Verdict::Refuse(Reply {
                status: 500,
                headers: Vec::new(),
                body: b"{\"error\":\"no classifier consultation is pending\"}".to_vec(),
            });
        };
        match self.step(|flow, env| flow.request_opinion(env, opinion)) {
            Some(BodyStep::Refuse(refusal)) => self.refuse(&refusal),
            // Decided with the body as it was when the classifier was asked.
            Some(_) => forward(body, edits),
            // Consultations start only under a rule set; never a forward.
            None => Verdict::Refuse(Reply {
                status: 503,
                headers: Vec::new(),
                body: Vec::new(),
            }),
        }
    }

    /// The response's status and headers (lower-case or not) arrived;
    /// `has_body` is false when the response has no body at all.
    pub fn response_head(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        has_body: bool,
    ) -> Head {
        let shared = Rc::clone(&self.shared);
        let Some(engine) = shared.engine() else {
            return Head {
                mode: BodyMode::Pass,
                set_headers: Vec::new(),
                remove_headers: Vec::new(),
            };
        };
        let mut recorder = Recorder {
            shared: &shared,
            recorded: &mut self.recorded,
        };
        let head = ResponseHead {
            status,
            content_type: header(headers, "content-type").unwrap_or_default(),
            encoding: header(headers, "content-encoding"),
            has_body,
        };
        let plan = self.flow.response_head(
            &mut Env {
                engine,
                settings: shared.options.settings(),
                decoder: &NoDecoder,
                runtime: &mut recorder,
            },
            &head,
        );
        Head {
            mode: plan.mode,
            set_headers: plan.edits.set,
            remove_headers: owned(plan.edits.remove),
        }
    }

    /// The whole body of a [`BodyMode::Buffer`] response (other modes: the
    /// body comes back unchanged).
    pub fn response_body(&mut self, body: &[u8]) -> BodyResult {
        let unchanged = BodyResult {
            status: None,
            set_headers: Vec::new(),
            remove_headers: Vec::new(),
            body: None,
        };
        let Some(step) = self.body_step(BodyMode::Buffer, body, true) else {
            return unchanged;
        };
        let decided = |outcome: &str| (RESPONSE_DECISION_HEADER.to_owned(), outcome.to_owned());
        match step {
            BodyStep::Forward(body) => BodyResult {
                body,
                set_headers: self
                    .response_decision()
                    .map(|d| decided(&d.outcome))
                    .into_iter()
                    .collect(),
                ..unchanged
            },
            // Unlike a proxy, the guard still holds the response head: the
            // refusal gets its own status, and the answer it withholds is
            // no longer marked as generated.
            BodyStep::Refuse(refusal) => {
                let mut set_headers = refusal.headers();
                set_headers.retain(|(name, _)| name != REQUEST_ID_HEADER);
                set_headers.push(decided("block"));
                let remove_headers = self
                    .shared
                    .engine()
                    .map(|engine| {
                        engine
                            .ruleset()
                            .disclosure_headers
                            .iter()
                            .map(|(name, _)| name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                BodyResult {
                    status: Some(refusal.status),
                    set_headers,
                    remove_headers,
                    body: Some(refusal.body(self.flow.api())),
                }
            }
            // The body is whole: the flow never waits for more of it; and
            // only requests are ever held for a classifier.
            BodyStep::Wait | BodyStep::Consult { .. } => unchanged,
        }
    }

    /// Hands `body` (`end`: the last of it) to the flow, when the response
    /// is read in `mode`.
    fn body_step(&mut self, mode: BodyMode, body: &[u8], end: bool) -> Option<BodyStep> {
        if self.flow.response_mode() != mode {
            return None;
        }
        self.step(|flow, env| flow.response_body(env, body.len(), end, || Some(body)))
    }

    /// Runs `step` on the flow with the guard as its runtime (`None`: no
    /// rule set loaded, so there is no flow step to run).
    fn step<T>(&mut self, step: impl FnOnce(&mut Flow, &mut Env<'_>) -> T) -> Option<T> {
        let shared = Rc::clone(&self.shared);
        let engine = shared.engine()?;
        let mut recorder = Recorder {
            shared: &shared,
            recorded: &mut self.recorded,
        };
        let mut env = Env {
            engine,
            settings: shared.options.settings(),
            decoder: &NoDecoder,
            runtime: &mut recorder,
        };
        Some(step(&mut self.flow, &mut env))
    }

    /// The next chunk of a [`BodyMode::Stream`] response; returns the bytes to
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
        match self.body_step(BodyMode::Stream, chunk, end) {
            None | Some(BodyStep::Forward(None)) => chunk.to_vec(),
            Some(BodyStep::Forward(Some(out))) => out,
            // Streams neither wait nor refuse: a refused stream ends with
            // an error event, forwarded above.
            Some(BodyStep::Wait | BodyStep::Refuse(_) | BodyStep::Consult { .. }) => Vec::new(),
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
            BodyMode::Pass => result.body = body.to_vec(),
            BodyMode::Buffer => {
                let decided = self.response_body(body);
                result.status = decided.status.unwrap_or(status);
                result
                    .set_headers
                    .retain(|(name, _)| !decided.remove_headers.contains(name));
                result.set_headers.extend(decided.set_headers);
                result.remove_headers.extend(decided.remove_headers);
                result.body = decided.body.unwrap_or_else(|| body.to_vec());
            }
            BodyMode::Stream => {
                result.body = self.transform(body);
                result.body.extend(self.flush());
            }
        }
        result
    }

    /// The upstream could not be reached (the runtime's fetch failed):
    /// records the response phase and returns the 502 to answer with.
    pub fn upstream_failed(&mut self, reason: &str) -> Reply {
        let shared = Rc::clone(&self.shared);
        let mut recorder = Recorder {
            shared: &shared,
            recorded: &mut self.recorded,
        };
        let refusal = self.flow.upstream_failed(&mut recorder, reason);
        Reply {
            status: refusal.status,
            headers: vec![
                ("content-type".to_owned(), "application/json".to_owned()),
                (REQUEST_ID_HEADER.to_owned(), refusal.request_id.clone()),
            ],
            body: refusal.body(self.flow.api()),
        }
    }

    /// The exchange is over, however it ended: a phase that started but
    /// never reached its decision (client gone, upstream reset) is still
    /// recorded, so no governed exchange leaves the trail without a trace.
    /// Idempotent; dropping the exchange does it too.
    pub fn close(&mut self) {
        let shared = Rc::clone(&self.shared);
        let mut recorder = Recorder {
            shared: &shared,
            recorded: &mut self.recorded,
        };
        self.flow.close(&mut recorder);
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        self.close();
    }
}
