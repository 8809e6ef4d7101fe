//! The engine's front door: route a request, inspect a request or response
//! body, get back a decision and, when the decision changes the body, the
//! new body.
//!
//! Every runtime calls exactly these functions — the proxy-wasm filter, the
//! edge build and the CLI — so they cannot disagree on what a policy means.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use crate::codec::{self, Api, CodecError, RequestView, ResponseView, Role, Segment, SegmentKind};
use crate::consult::{self, Consultation, Consulting};
use crate::decision::{self, BlockReason, Decision, Facts, MemoryLedger, UsageLedger};
use crate::detect::bounds::DetectorBound;
use crate::detect::encoded::{self, Budget, DecodeLimitAction, EncodedMatch};
use crate::detect::{BuildError, Match, Scanner};
use crate::normalize;
use crate::redact;
use crate::ruleset::{DetectorKind, LoadError, Phase, RuleSet, UnknownPath};
use crate::signing::{self, KeyId, SignatureError, TrustedKeys};

/// A loaded rule set, ready to inspect traffic.
#[derive(Debug)]
pub struct Engine {
    ruleset: RuleSet,
    pub(crate) scanner: Scanner,
    all_rules: Vec<u32>,
    /// Some response rule adds a header decidable at the response head
    /// (see [`Engine::response_head_headers`]); without one, that costs
    /// nothing per response.
    head_headers: bool,
    /// Streaming bounds per detector, computed on the first stream.
    stream_bounds: OnceLock<Vec<DetectorBound>>,
    /// Most detector matches one body may hold; see [`Engine::with_max_hits`].
    max_hits: usize,
    /// Most decoded bytes rescanned per body; see [`Engine::with_decode_limit`].
    max_decoded_bytes: usize,
    /// What a body past that limit gets.
    on_decode_limit: DecodeLimitAction,
    /// The rule set has a classifier detector: only then can a request
    /// need a second opinion (the check costs nothing per request else).
    classifier: bool,
    /// The trusted key whose signature the rule set was checked against
    /// ([`Engine::from_bytes_trusted`]); `None`: not checked.
    signer: Option<KeyId>,
}

/// Default for [`Engine::with_max_hits`]: far above what a real prompt
/// holds (a pasted contact list of a few thousand addresses is still
/// redacted), low enough to bound the work per body.
pub const DEFAULT_MAX_HITS: usize = 10_000;

/// Why an engine could not be made from bytes.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The rule set did not load.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Its detectors did not compile.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// It is not signed by a trusted key.
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

/// Which route governs a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// No route names the host: not governed, pass untouched.
    Ungoverned,
    /// Governed by this route (index into the rule set's routes).
    Route(u32),
    /// A governed host, but no route knows the path.
    UnknownPath {
        /// The route whose host matched.
        route: u32,
        /// What that route says to do.
        action: UnknownPath,
    },
    /// The route belongs to a retired AI system.
    Retired {
        /// The route.
        route: u32,
        /// The system.
        system: u32,
    },
}

/// What inspection needs to know about a request besides its body.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    /// Host, port removed or not.
    pub host: &'a str,
    /// Path with query.
    pub path: &'a str,
    /// Request headers, names lower-case.
    pub headers: &'a [(String, String)],
    /// The governing route; `None` applies every rule of the rule set.
    pub route: Option<u32>,
    /// The API, when known; else from the route, the path, then the body.
    pub api: Option<Api>,
    /// Seconds since the Unix epoch (for usage windows).
    pub now_secs: u64,
}

/// The result of inspecting a request body.
#[derive(Debug, Clone)]
pub struct RequestInspection {
    /// The API the body was decoded as.
    pub api: Option<Api>,
    /// The decoded request (absent when it could not be decoded).
    pub view: Option<RequestView>,
    /// The decision.
    pub decision: Decision,
    /// The rewritten body, when the decision changed it.
    pub body: Option<Vec<u8>>,
    /// Asked with [`Consulting::Ask`]: the second opinion the decision
    /// waits for. The decision and body are then what holds without it;
    /// inspect again with the answer ([`Consulting::Answered`]).
    pub consult: Option<Consultation>,
}

/// Facts of the request that response rules may look at.
#[derive(Debug, Clone, Default)]
pub struct RequestFacts {
    /// The model requested.
    pub model: Option<String>,
    /// Tools declared and called.
    pub tools: Vec<String>,
    /// The output-token cap.
    pub max_tokens: Option<u64>,
}

impl RequestFacts {
    /// Facts of a decoded request sent to `path`.
    pub fn of(view: &RequestView, path: &str) -> RequestFacts {
        RequestFacts {
            model: view.model.clone().or_else(|| model_from_path(path)),
            tools: tools_of(&view.tools_declared, &view.tool_calls),
            max_tokens: view.max_tokens.as_ref().map(|m| m.value),
        }
    }
}

/// The result of inspecting a response body.
#[derive(Debug, Clone)]
pub struct ResponseInspection {
    /// The decoded response (absent when it could not be decoded).
    pub view: Option<ResponseView>,
    /// The decision.
    pub decision: Decision,
    /// The rewritten body, when the decision changed it (complete JSON
    /// bodies; streams are rewritten by the streaming inspector).
    pub body: Option<Vec<u8>>,
}

/// The result of inspecting free text.
#[derive(Debug, Clone)]
pub struct TextInspection {
    /// The decision.
    pub decision: Decision,
    /// The text with the decision's redactions applied.
    pub redacted: String,
}

fn tools_of(declared: &[String], called: &[String]) -> Vec<String> {
    let mut tools: Vec<String> = declared.iter().chain(called).cloned().collect();
    tools.sort_unstable();
    tools.dedup();
    tools
}

/// Host without port, lower-case comparison is done by the matchers.
pub(crate) fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // [v6]:port; an unclosed bracket is kept whole.
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
}

impl Engine {
    /// Builds an engine from a rule set.
    pub fn new(ruleset: RuleSet) -> Result<Engine, BuildError> {
        let scanner = Scanner::new(&ruleset.detectors)?;
        let all_rules = (0..ruleset.rules.len() as u32).collect();
        let head_headers = ruleset.rules.iter().any(|r| {
            r.phase.covers(Phase::Response) && r.action.adds_header() && !r.when.reads_response()
        });
        let classifier = ruleset
            .detectors
            .iter()
            .any(|d| matches!(d.kind, DetectorKind::Classifier(_)));
        Ok(Engine {
            classifier,
            ruleset,
            scanner,
            all_rules,
            head_headers,
            stream_bounds: OnceLock::new(),
            max_hits: DEFAULT_MAX_HITS,
            max_decoded_bytes: encoded::DEFAULT_MAX_DECODED_BYTES,
            on_decode_limit: DecodeLimitAction::Flag,
            signer: None,
        })
    }

    /// The same engine rescanning at most `max_decoded_bytes` of decoded
    /// text per body or stream (base64, hex, ROT13… runs: see
    /// [`crate::detect::encoded`]) instead of
    /// [`encoded::DEFAULT_MAX_DECODED_BYTES`]; 0 turns decoding off. A
    /// body with more encoded text than that is decided on what fit, and
    /// flagged or refused ([`Engine::with_decode_limit_action`]) with the
    /// audit code `decode_limit`: never passed as if wholly inspected.
    pub fn with_decode_limit(mut self, max_decoded_bytes: usize) -> Engine {
        self.max_decoded_bytes = max_decoded_bytes;
        self
    }

    /// What a body past the decode limit gets: flagged (the default) or
    /// refused.
    pub fn with_decode_limit_action(mut self, action: DecodeLimitAction) -> Engine {
        self.on_decode_limit = action;
        self
    }

    /// The limit set by [`Engine::with_decode_limit`].
    pub fn max_decoded_bytes(&self) -> usize {
        self.max_decoded_bytes
    }

    /// The same engine refusing bodies (cutting streams) with more than
    /// `max_hits` detector matches, instead of [`DEFAULT_MAX_HITS`]. No
    /// match is ever dropped below the limit, and none passes above it: a
    /// body is redacted whole or refused, never passed partly redacted.
    pub fn with_max_hits(mut self, max_hits: usize) -> Engine {
        self.max_hits = max_hits;
        self
    }

    /// A client-controlled value (request id, user, group, model, host) as
    /// evidence and headers may carry it: as sent when it is a plain token
    /// ([`plain_token`]) in which no detector finds anything; otherwise
    /// `sha256:` and the first 16 bytes of its digest in hex, so equal
    /// values still correlate and nothing else the client wrote — a key
    /// pasted into `model`, a 3 KB id that would push every log line past
    /// a proxy's limit — gets into the trail.
    pub fn loggable<'v>(&self, value: &'v str) -> Cow<'v, str> {
        let mut found = Vec::new();
        if plain_token(value) {
            self.scanner.scan(value, &mut found);
            if found.is_empty() {
                return Cow::Borrowed(value);
            }
        }
        Cow::Owned(hashed_token(value))
    }

    /// The limit set by [`Engine::with_max_hits`].
    pub fn max_hits(&self) -> usize {
        self.max_hits
    }

    /// Loads a rule set (binary or JSON form) and builds an engine.
    pub fn from_bytes(bytes: &[u8]) -> Result<Engine, EngineError> {
        Ok(Engine::new(RuleSet::from_bytes(bytes)?)?)
    }

    /// Loads a rule set (either form) that one of `trusted` signed; with no
    /// trusted keys, any rule set, its signature unchecked. The engine
    /// remembers the key ([`Engine::signer`]), and audit events name it.
    pub fn from_bytes_trusted(bytes: &[u8], trusted: &TrustedKeys) -> Result<Engine, EngineError> {
        let signer = if trusted.is_empty() {
            None
        } else {
            Some(signing::verify(bytes, trusted)?)
        };
        let mut engine = Engine::from_bytes(bytes)?;
        engine.signer = signer;
        Ok(engine)
    }

    /// The trusted key that signed the rule set, when signatures were
    /// checked.
    pub fn signer(&self) -> Option<KeyId> {
        self.signer
    }

    /// The rule set.
    pub fn ruleset(&self) -> &RuleSet {
        &self.ruleset
    }

    /// How far back a pending match of each detector can start (see
    /// [`crate::stream`]).
    pub(crate) fn stream_bounds(&self) -> &[DetectorBound] {
        self.stream_bounds.get_or_init(|| {
            self.ruleset
                .detectors
                .iter()
                .map(DetectorBound::of)
                .collect()
        })
    }

    /// Finds the route that governs a request.
    pub fn route(&self, host: &str, path: &str, headers: &[(String, String)]) -> Routing {
        let host = strip_port(host);
        let mut governed_host: Option<u32> = None;
        for (index, route) in self.ruleset.routes.iter().enumerate() {
            let index = index as u32;
            let host_ok = route.hosts.is_empty()
                || route.hosts.iter().any(|h| decision::host_matches(h, host));
            if !host_ok {
                continue;
            }
            let header_ok = match &route.header {
                None => true,
                Some((name, value)) => codec::header(headers, name)
                    .is_some_and(|v| value.as_ref().is_none_or(|want| want == v)),
            };
            let path_ok = route.path_prefixes.is_empty()
                || route
                    .path_prefixes
                    .iter()
                    .any(|p| path.starts_with(p.as_str()));
            if header_ok && path_ok {
                if let Some(system) = route.system
                    && self
                        .ruleset
                        .systems
                        .get(system as usize)
                        .is_some_and(|s| s.retired)
                {
                    return Routing::Retired {
                        route: index,
                        system,
                    };
                }
                return Routing::Route(index);
            }
            if !route.hosts.is_empty() && governed_host.is_none() {
                governed_host = Some(index);
            }
        }
        match governed_host {
            Some(route) => Routing::UnknownPath {
                route,
                action: self.ruleset.routes[route as usize].unknown_path,
            },
            None => Routing::Ungoverned,
        }
    }

    /// The refusal a routing result calls for before any body is read
    /// (retired system, unknown path that fails closed), if any.
    pub fn routing_refusal(&self, routing: Routing) -> Option<Decision> {
        match routing {
            Routing::Retired { system, .. } => {
                let id = self
                    .ruleset
                    .systems
                    .get(system as usize)
                    .map_or("", |s| s.id.as_str());
                Some(Decision::refuse(
                    Phase::Request,
                    BlockReason::RetiredSystem {
                        system: id.to_owned(),
                    },
                    403,
                    format!(
                        "the AI system `{id}` is retired; its endpoints no longer accept requests"
                    ),
                ))
            }
            Routing::UnknownPath {
                action: UnknownPath::Block,
                ..
            } => Some(Decision::refuse(
                Phase::Request,
                BlockReason::UnknownPath,
                403,
                "this path is not an approved endpoint of a governed AI service".to_owned(),
            )),
            _ => None,
        }
    }

    pub(crate) fn rules_of(&self, route: Option<u32>) -> &[u32] {
        match route.and_then(|r| self.ruleset.routes.get(r as usize)) {
            Some(route) => &route.rules,
            None => &self.all_rules,
        }
    }

    /// Every segment's matches, those in its encoded text included; `None`
    /// when there are more than [`Engine::max_hits`] in all.
    fn scan_segments(&self, segments: &[Segment]) -> Option<Scanned> {
        let mut total = 0;
        let mut scanned = Scanned {
            matches: Vec::with_capacity(segments.len()),
            encoded: Vec::with_capacity(segments.len()),
            decode_limit: false,
        };
        let mut budget = Budget::new(self.max_decoded_bytes);
        for segment in segments {
            let normalized = normalize::normalize(&segment.text);
            let mut found = Vec::new();
            self.scanner.scan_normalized(&normalized, &mut found);
            let mut hidden = Vec::new();
            if self.max_decoded_bytes > 0 {
                encoded::rescan(&self.scanner, &normalized, &mut budget, &mut hidden);
                merge_encoded(&mut found, &mut hidden);
            }
            total += found.len();
            if total > self.max_hits {
                return None;
            }
            scanned.matches.push(found);
            scanned.encoded.push(hidden);
        }
        scanned.decode_limit = budget.exhausted();
        Some(scanned)
    }

    /// The refusal of a body past the decode limit, when the engine or the
    /// route (`on_decode_limit: block`) refuses such bodies; else the body
    /// is decided on what fit and flagged ([`Engine::mark_encoded`]).
    fn decode_limit_refusal(
        &self,
        phase: Phase,
        scanned: &Scanned,
        route: Option<u32>,
    ) -> Option<Decision> {
        (scanned.decode_limit && self.refuses_past_decode_limit(route))
            .then(|| decode_limit(phase, self.max_decoded_bytes))
    }

    /// Whether text past the decode limit is refused on `route` (the
    /// engine's setting, or the route's `on_decode_limit: block`) rather
    /// than decided on what fit and flagged. Streams ask too.
    pub(crate) fn refuses_past_decode_limit(&self, route: Option<u32>) -> bool {
        let route_refuses = route
            .and_then(|r| self.ruleset.routes.get(r as usize))
            .is_some_and(|r| r.decode_limit == UnknownPath::Block);
        self.on_decode_limit == DecodeLimitAction::Refuse || route_refuses
    }

    /// Marks the hits found in encoded text, and flags a decision made on a
    /// body past the decode limit.
    fn mark_encoded(&self, decision: &mut Decision, scanned: &Scanned) {
        mark_encoded(decision, &scanned.encoded, scanned.decode_limit);
    }

    fn provider_of(&self, route: Option<u32>) -> Option<&str> {
        let route = self.ruleset.routes.get(route? as usize)?;
        let system = self.ruleset.systems.get(route.system? as usize)?;
        Some(system.provider.as_str())
    }

    pub(crate) fn identity<'h>(
        &self,
        headers: &'h [(String, String)],
    ) -> (Option<&'h str>, Option<&'h str>) {
        // An empty or blank identity is no identity.
        let find = |name: &Option<String>| {
            codec::header(headers, name.as_deref()?).filter(|v| !v.trim().is_empty())
        };
        (
            find(&self.ruleset.identity.user_header),
            find(&self.ruleset.identity.group_header),
        )
    }

    /// The facts rules see for an exchange on `ctx`, shared by both phases.
    pub(crate) fn facts<'a>(
        &'a self,
        ctx: &RequestContext<'a>,
        api: Option<Api>,
        model: Option<&'a str>,
        tools: &'a [String],
        max_tokens: Option<u64>,
    ) -> Facts<'a> {
        let (user, group) = self.identity(ctx.headers);
        Facts {
            host: strip_port(ctx.host),
            headers: ctx.headers,
            route: ctx.route.and_then(|r| self.ruleset.routes.get(r as usize)),
            provider: self.provider_of(ctx.route),
            model,
            tools,
            max_tokens,
            user,
            group,
            now_secs: ctx.now_secs,
            // Only an API's own shape has a cap member to write.
            caps_output: api.is_some_and(|api| api != Api::OpenaiEmbeddings),
            text_only: false,
            stream_bytes: None,
        }
    }

    /// Inspects a request body.
    ///
    /// A body that cannot be decoded is refused (fail closed): a governed
    /// route exists to inspect, and an unreadable body is not inspected.
    pub fn inspect_request(
        &self,
        ctx: &RequestContext<'_>,
        body: &[u8],
        ledger: &mut dyn UsageLedger,
    ) -> RequestInspection {
        self.inspect_request_consulting(ctx, body, ledger, Consulting::Never)
    }

    /// Inspects a request body as [`Engine::inspect_request`] does, with a
    /// classifier's second opinion: asked for ([`Consulting::Ask`]: the
    /// inspection says when one is needed), or given.
    pub fn inspect_request_consulting(
        &self,
        ctx: &RequestContext<'_>,
        body: &[u8],
        ledger: &mut dyn UsageLedger,
        consulting: Consulting<'_>,
    ) -> RequestInspection {
        let route_api = ctx
            .route
            .and_then(|r| self.ruleset.routes.get(r as usize))
            .and_then(|r| r.api);
        let api = ctx
            .api
            .or(route_api)
            .or_else(|| codec::api_from_path(ctx.path))
            .or_else(|| codec::sniff_request(body));
        let decoded = match api {
            Some(api) => match codec::decode_request(api, body) {
                // An endpoint under the API's (a batch, a token count) whose
                // body is not the API's request: every string of it is
                // inspected.
                Err(CodecError::Shape { .. } | CodecError::Json(_))
                    if codec::api_from_path(ctx.path) != Some(api) =>
                {
                    generic_request(body)
                }
                decoded => decoded.map_err(|err| codec_reason(&err)),
            },
            // No API to read it as (a path a route allows without naming
            // one): every string of a JSON body is inspected.
            None => generic_request(body),
        };
        let view = match decoded {
            Ok(view) => view,
            Err(reason) => {
                return RequestInspection {
                    api,
                    view: None,
                    decision: uninspectable(Phase::Request, &reason),
                    body: None,
                    consult: None,
                };
            }
        };
        let mut scanned = match self.scan_segments(&view.segments) {
            Some(scanned) => scanned,
            None => {
                let decision = too_many_hits(Phase::Request, self.max_hits);
                return RequestInspection {
                    api,
                    view: Some(view),
                    decision,
                    body: None,
                    consult: None,
                };
            }
        };
        if let Some(decision) = self.decode_limit_refusal(Phase::Request, &scanned, ctx.route) {
            return RequestInspection {
                api,
                view: Some(view),
                decision,
                body: None,
                consult: None,
            };
        }
        let tools = tools_of(&view.tools_declared, &view.tool_calls);
        // Gemini names the model in the path, not the body.
        let model = view.model.clone().or_else(|| model_from_path(ctx.path));
        let max_tokens = view.max_tokens.as_ref().map(|m| m.value);
        let facts = self.facts(ctx, api, model.as_deref(), &tools, max_tokens);
        consult::add_verdict(
            &self.ruleset,
            self.rules_of(ctx.route),
            consulting,
            &view.segments,
            &mut scanned.matches,
        );
        let mut decision = decision::evaluate(
            &self.ruleset,
            self.rules_of(ctx.route),
            Phase::Request,
            &view.segments,
            &scanned.matches,
            &facts,
            ledger,
        );
        self.mark_encoded(&mut decision, &scanned);
        // A refusal stands whatever a classifier would say: clear cases
        // never pay for the call.
        let consult = match consulting {
            Consulting::Ask if decision.block.is_none() && self.classifier => consult::needed(
                &self.ruleset,
                self.rules_of(ctx.route),
                &view.segments,
                &scanned.matches,
            ),
            _ => None,
        };
        match rewrite_request(api, &view, body, &decision) {
            Ok(body) => RequestInspection {
                api,
                view: Some(view),
                decision,
                body,
                consult,
            },
            // Never let a body through whose redaction failed: refuse it.
            Err(err) => RequestInspection {
                api,
                view: Some(view),
                decision: uninspectable(Phase::Request, &format!("redaction failed: {err}")),
                body: None,
                consult: None,
            },
        }
    }

    /// The response headers the response-phase rules add whatever the body
    /// holds (conditions on the route, the request's headers, host,
    /// provider or output cap: see [`crate::ruleset::Condition::reads_response`]), decided
    /// when the response head arrives, the last moment a proxy lets them be
    /// added.
    pub fn response_head_headers(
        &self,
        ctx: &RequestContext<'_>,
        api: Option<Api>,
        request: &RequestFacts,
    ) -> Vec<(String, String)> {
        if !self.head_headers {
            return Vec::new();
        }
        let facts = self.facts(
            ctx,
            api,
            request.model.as_deref(),
            &request.tools,
            request.max_tokens,
        );
        decision::evaluate(
            &self.ruleset,
            self.rules_of(ctx.route),
            Phase::Response,
            &[],
            &[],
            &facts,
            &mut MemoryLedger::default(),
        )
        .headers
    }

    /// Inspects a complete (non-streamed) response body. Streams go
    /// through [`crate::stream::ResponseStream`], which rewrites them as
    /// they flow.
    ///
    /// A body that is valid JSON but not of the API's shape (a stored
    /// output, a list, batch results; or an API the exchange did not tell)
    /// is inspected generically: every string of it, as the model's text.
    /// A body that is not JSON is refused.
    pub fn inspect_response(
        &self,
        ctx: &RequestContext<'_>,
        api: Option<Api>,
        request: &RequestFacts,
        body: &[u8],
    ) -> ResponseInspection {
        let generic = || {
            codec::decode_generic(body, Role::Assistant).map(|segments| ResponseView {
                segments,
                ..ResponseView::default()
            })
        };
        let decoded = match api {
            // Not the API's shape, or not one JSON document (batch results
            // come as JSON lines): read generically, which refuses what is
            // not JSON at all.
            Some(api) => match codec::decode_response(api, body) {
                Err(CodecError::Shape { .. } | CodecError::Json(_)) => generic(),
                decoded => decoded,
            },
            None => generic(),
        };
        let view = match decoded {
            Ok(view) => view,
            Err(err) => {
                return ResponseInspection {
                    view: None,
                    decision: uninspectable(Phase::Response, &codec_reason(&err)),
                    body: None,
                };
            }
        };
        let scanned = match self.scan_segments(&view.segments) {
            Some(scanned) => scanned,
            None => {
                let decision = too_many_hits(Phase::Response, self.max_hits);
                return ResponseInspection {
                    view: Some(view),
                    decision,
                    body: None,
                };
            }
        };
        if let Some(decision) = self.decode_limit_refusal(Phase::Response, &scanned, ctx.route) {
            return ResponseInspection {
                view: Some(view),
                decision,
                body: None,
            };
        }
        let mut tools = request.tools.clone();
        tools.extend(view.tool_calls.iter().cloned());
        let model = request.model.as_deref().or(view.model.as_deref());
        let facts = self.facts(ctx, api, model, &tools, request.max_tokens);
        let mut decision = decision::evaluate(
            &self.ruleset,
            self.rules_of(ctx.route),
            Phase::Response,
            &view.segments,
            &scanned.matches,
            &facts,
            &mut MemoryLedger::default(),
        );
        self.mark_encoded(&mut decision, &scanned);
        self.judge_responding_model(ctx, api, request, view.model.as_deref(), &mut decision);
        if decision.redactions.is_empty() || decision.block.is_some() {
            return ResponseInspection {
                view: Some(view),
                decision,
                body: None,
            };
        }
        match redact::redaction_edits(&view.segments, &decision.redactions)
            .and_then(|edits| redact::splice(body, edits))
        {
            Ok(body) => ResponseInspection {
                view: Some(view),
                decision,
                body: Some(body),
            },
            Err(err) => ResponseInspection {
                view: Some(view),
                decision: uninspectable(Phase::Response, &format!("redaction failed: {err}")),
                body: None,
            },
        }
    }

    /// Judges `model`, the model that answered, by the route's request
    /// rules that judge models; see [`decision::judge_responding_model`].
    pub fn judge_responding_model(
        &self,
        ctx: &RequestContext<'_>,
        api: Option<Api>,
        request: &RequestFacts,
        model: Option<&str>,
        decision: &mut Decision,
    ) {
        let facts = self.facts(ctx, api, model, &request.tools, request.max_tokens);
        decision::judge_responding_model(&self.ruleset, self.rules_of(ctx.route), &facts, decision);
    }

    /// Inspects free text as if a user (request phase) or the model
    /// (response phase) wrote it, under every rule of that phase.
    pub fn inspect_text(&self, text: &str, phase: Phase) -> TextInspection {
        let role = if phase == Phase::Response {
            Role::Assistant
        } else {
            Role::User
        };
        let segments = [Segment {
            role,
            message_index: 0,
            kind: SegmentKind::Text,
            text: text.to_owned(),
            raw: 0..0,
        }];
        let scanned = match self.scan_segments(&segments) {
            Some(scanned) => scanned,
            None => {
                let decision = too_many_hits(phase, self.max_hits);
                return TextInspection {
                    decision,
                    redacted: String::new(),
                };
            }
        };
        if let Some(decision) = self.decode_limit_refusal(phase, &scanned, None) {
            return TextInspection {
                decision,
                redacted: String::new(),
            };
        }
        let facts = Facts {
            host: "",
            headers: &[],
            route: None,
            provider: None,
            model: None,
            tools: &[],
            max_tokens: None,
            user: None,
            group: None,
            now_secs: 0,
            caps_output: false,
            text_only: true,
            stream_bytes: None,
        };
        let mut decision = decision::evaluate(
            &self.ruleset,
            &self.all_rules,
            phase,
            &segments,
            &scanned.matches,
            &facts,
            &mut MemoryLedger::default(),
        );
        self.mark_encoded(&mut decision, &scanned);
        let spans: Vec<(Range<usize>, &str)> = decision
            .redactions
            .iter()
            .map(|r| (r.span.clone(), r.mask.as_str()))
            .collect();
        let redacted = redact::mask_text(text, &spans);
        TextInspection { decision, redacted }
    }
}

/// `…/models/{model}:generateContent` → `{model}`.
fn model_from_path(path: &str) -> Option<String> {
    let path = path.split('?').next()?;
    let (_, rest) = path.split_once("/models/")?;
    let model = rest.split([':', '/']).next()?;
    (!model.is_empty()).then(|| model.to_owned())
}

pub(crate) fn uninspectable(phase: Phase, reason: &str) -> Decision {
    let what = if phase == Phase::Response {
        "response"
    } else {
        "request"
    };
    Decision::refuse(
        phase,
        BlockReason::Uninspectable {
            reason: reason.to_owned(),
        },
        if phase == Phase::Response { 502 } else { 400 },
        format!("the {what} could not be inspected: {reason}"),
    )
}

/// Longest client-controlled value evidence carries as sent.
pub const MAX_TOKEN_LEN: usize = 128;

/// Whether `value` is a plain token: 1 to [`MAX_TOKEN_LEN`] bytes of ASCII
/// letters, digits and `._:/@+=-`.
pub fn plain_token(value: &str) -> bool {
    (1..=MAX_TOKEN_LEN).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:/@+=-".contains(&b))
}

/// `sha256:` and the first 16 bytes of `value`'s SHA-256, in hex.
pub fn hashed_token(value: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let digest = Sha256::digest(value.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The refusal of a body with more than `limit` detector matches: it is
/// not passed partly redacted.
pub(crate) fn too_many_hits(phase: Phase, limit: usize) -> Decision {
    let mut decision = uninspectable(
        phase,
        &format!(
            "more than {limit} detector matches (the max_hits limit); refused rather than passed partly redacted"
        ),
    );
    if let Some(block) = &mut decision.block {
        block.reason = BlockReason::Uninspectable {
            reason: "too_many_hits".to_owned(),
        };
    }
    decision
}

/// Audit code (and block reason) of a body with more encoded text than
/// the engine decodes ([`Engine::with_decode_limit`]).
pub const DECODE_LIMIT: &str = "decode_limit";

/// The refusal of a body with more encoded text than `limit` decoded
/// bytes, for an engine that refuses such bodies.
pub(crate) fn decode_limit(phase: Phase, limit: usize) -> Decision {
    past_decode_limit(
        phase,
        &format!(
            "more than {limit} bytes of encoded text to decode (the decode limit); refused rather than passed partly inspected"
        ),
    )
}

/// The refusal of text that could not be wholly decoded and rescanned,
/// for `reason` (the budget, a streamed run longer than the window): block
/// reason and audit code `decode_limit`.
pub(crate) fn past_decode_limit(phase: Phase, reason: &str) -> Decision {
    let mut decision = uninspectable(phase, reason);
    if let Some(block) = &mut decision.block {
        block.reason = BlockReason::Uninspectable {
            reason: DECODE_LIMIT.to_owned(),
        };
    }
    decision.code = Some(DECODE_LIMIT.to_owned());
    decision
}

/// Marks the hits of `decision` found in encoded text (`encoded`, per
/// segment) with how they were found, and flags a decision made past the
/// decode limit (outcome at least `flag`, audit code `decode_limit`).
/// Whole bodies and streams mark their decisions here alike.
pub(crate) fn mark_encoded(
    decision: &mut Decision,
    encoded: &[Vec<EncodedMatch>],
    decode_limit: bool,
) {
    for hit in &mut decision.hits {
        hit.encoding = encoded
            .get(hit.segment as usize)
            .and_then(|list| {
                list.iter()
                    .find(|e| e.matched.detector == hit.detector && e.matched.span == hit.span)
            })
            .map(|e| e.via);
    }
    if decode_limit {
        decision.outcome = decision.outcome.max(decision::Outcome::Flag);
        decision.code = Some(DECODE_LIMIT.to_owned());
    }
}

/// Every segment's matches, and which of them were found in encoded text.
struct Scanned {
    /// Per segment, every match (those in encoded text included), ordered
    /// by detector then position.
    matches: Vec<Vec<Match>>,
    /// Per segment, the matches found in encoded text and how.
    encoded: Vec<Vec<EncodedMatch>>,
    /// Some encoded text did not fit the decode budget.
    decode_limit: bool,
}

/// Adds the matches found in encoded text to the plain ones, except where
/// a plain match of the same detector already covers them (leetspeak and
/// ROT13 keep plain text in place, so a plain e-mail address is found
/// again); `hidden` keeps only those added.
fn merge_encoded(found: &mut Vec<Match>, hidden: &mut Vec<EncodedMatch>) {
    if hidden.is_empty() {
        return;
    }
    hidden.retain(|e| {
        !found.iter().any(|m| {
            m.detector == e.matched.detector
                && m.span.start < e.matched.span.end
                && e.matched.span.start < m.span.end
        })
    });
    found.extend(hidden.iter().map(|e| e.matched.clone()));
    found.sort_by_key(|m| (m.detector, m.span.start, m.span.end));
}

/// The codec's reason, which names fields and offsets but never content.
fn codec_reason(err: &CodecError) -> String {
    err.to_string()
}

/// A request body of no API's shape, read generically.
fn generic_request(body: &[u8]) -> Result<RequestView, String> {
    codec::decode_generic(body, Role::User)
        .map(|segments| RequestView {
            segments,
            ..RequestView::default()
        })
        .map_err(|err| {
            format!("the request is not in a supported LLM API format, nor JSON ({err})")
        })
}

fn rewrite_request(
    api: Option<Api>,
    view: &RequestView,
    body: &[u8],
    decision: &Decision,
) -> Result<Option<Vec<u8>>, redact::EditError> {
    if decision.block.is_some() {
        return Ok(None);
    }
    let mut edits = redact::redaction_edits(&view.segments, &decision.redactions)?;
    if let (Some(api), Some(cap)) = (api, decision.cap_max_tokens) {
        edits.extend(redact::cap_edit(api, view, body, cap));
    }
    if edits.is_empty() {
        return Ok(None);
    }
    redact::splice(body, edits).map(Some)
}

#[cfg(test)]
mod tests {
    use super::{Engine, MAX_TOKEN_LEN, strip_port};
    use crate::ruleset::RuleSet;

    #[test]
    fn only_plain_client_values_go_into_evidence_as_sent() {
        let engine = Engine::new(RuleSet::bare(Vec::new())).expect("builds");
        for plain in [
            "req-1",
            "u-10482",
            "gpt-4o-mini",
            "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        ] {
            assert_eq!(engine.loggable(plain), plain);
        }
        let long = "x".repeat(MAX_TOKEN_LEN + 1);
        for odd in ["", "a b", "a\nb", "<img>", "é", long.as_str()] {
            let logged = engine.loggable(odd);
            assert!(logged.starts_with("sha256:"), "{odd:?}: {logged}");
            assert_eq!(logged.len(), "sha256:".len() + 32);
        }
        assert_eq!(engine.loggable("a b"), engine.loggable("a b"));
    }

    #[test]
    fn ports_are_stripped_and_odd_hosts_never_panic() {
        assert_eq!(strip_port("api.openai.com:443"), "api.openai.com");
        assert_eq!(strip_port("api.openai.com"), "api.openai.com");
        assert_eq!(strip_port("[::1]:8080"), "[::1]");
        assert_eq!(strip_port("[::1"), "[::1");
        assert_eq!(strip_port("é:x"), "é:x");
        assert_eq!(strip_port(""), "");
    }
}
