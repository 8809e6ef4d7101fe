//! Streamed responses, inspected and rewritten as they flow.
//!
//! [`ResponseStream`] takes the body chunks of an SSE completion (or of
//! Gemini's streamed JSON array) as a proxy receives them and returns the
//! bytes to forward. It never buffers the stream: an event goes out as soon
//! as no match of a response-phase detector can still cover its text. How
//! much that is, per detector, is worked out in `detect/bounds.rs` — usually a few
//! bytes, a whole PEM block only once `-----BEGIN` was seen.
//!
//! The text of each run (a choice's completion, a tool call's arguments)
//! is kept from slightly before the forwarding point, scanned once per
//! chunk, and the rules are evaluated over every *final* match so far
//! (one no later text can change). Then:
//!
//! - a redaction rewrites the held events whose text it covers: the mask
//!   goes into the first one, later ones lose their part, so a card number
//!   split over three events reads `[REDACTED:payment-card]` once;
//! - a block drops what is held and ends the stream with an error event in
//!   the API's format; nothing more is forwarded;
//! - a stream that cannot be framed or decoded fails closed the same way.
//!
//! Text hidden in an encoding (base64, base32, hex, hex bytes written
//! apart, `%XX`, HTML entities, backslash escapes, spaced-out letters,
//! ROT13, reversed text, leetspeak: [`crate::detect::encoded`]) is decoded
//! and rescanned as in whole bodies, within the stream's hold-back:
//!
//! - while a run's text ends in encoded text that may still grow — by the
//!   decoders' own pre-checks ([`crate::detect::encoded`]'s `open_tail`):
//!   an alphabet run whose first bytes still decode to text, a region of
//!   escapes another may join, the open sentence when its words read as
//!   English only transformed — it is held back, like a pending match;
//! - once it closes (or the stream ends) the settled text is decoded by
//!   the same code as whole bodies, once — never up to a point inside
//!   encoded text (a detector holding back more can put the forwarding
//!   point anywhere: text is then decoded and forwarded only up to the
//!   encoded text that point would cut) — and the decoded text scanned
//!   with every detector. Its matches are final matches like the others:
//!   a redaction masks the whole encoded run (the matched characters for
//!   ROT13, reversal and leetspeak), a block ends the stream; hits say how
//!   they were found (`encoded:base64`);
//! - runs that decode to binary (hashes, UUIDs, images) fail the
//!   pre-checks within their first bytes and are not held;
//! - the decode budget ([`Engine::with_decode_limit`]) counts over the
//!   whole stream. Past it, and for an encoded run that outgrows the
//!   window (it could not be masked whole), the stream is decided on what
//!   fit and flagged, or cut where the route says `on_decode_limit: block`
//!   (audit code `decode_limit`) — never passed as if wholly inspected. A
//!   sentence longer than the window is decoded in parts of about half the
//!   window instead (never a few words at a time): its matches map
//!   character for character.
//!
//! Differences from whole-body inspection, by necessity: conditions on
//! sizes count the stream so far; hits and redaction offsets count from
//! the start of each run; headers a response rule adds cannot be added
//! once the headers were sent. Encoded text that reaches back over text
//! already forwarded (an escape region widened to the word before it, a
//! run a reopened run continues, a sentence that reads as transformed only
//! from a later word on) is decoded again from its start within the kept
//! text but cannot be masked whole: if it hides a match the stream is cut,
//! as for a plain match over sent text. A closed run reopened whose
//! encoded tail began in text already dropped is treated like a run
//! longer than the window. A sentence that began in dropped text is
//! judged without its first (cut) word, and held from the kept text.

use std::collections::VecDeque;
use std::ops::Range;

use crate::codec::delta::{StreamDelta, StreamMeta};
use crate::codec::events::decode_data;
use crate::codec::json;
use crate::codec::sse::{GeminiArrayStream, SseParser};
use crate::codec::{Api, Role, Segment, SegmentKind};
use crate::decision::{self, Decision, MemoryLedger, Outcome};
use crate::detect::Match;
use crate::detect::encoded::{self, Budget, EncodedMatch};
use crate::inspect::{
    Engine, RequestContext, RequestFacts, decode_limit, mark_encoded, past_decode_limit,
    too_many_hits, uninspectable,
};
use crate::normalize::{self, Normalized};
use crate::redact;
use crate::reply::Refusal;
use crate::ruleset::{Condition, Phase};
use sha2::{Digest as _, Sha256};

/// Default for [`StreamOptions::window`].
pub const DEFAULT_WINDOW: usize = 4096;

/// Left context kept before the forwarding point, so that anchors and word
/// boundaries at a match's start see the byte before it.
const CONTEXT: usize = 64;

/// Tuning of a streaming inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamOptions {
    /// Most bytes of text held back for a detector whose matches have no
    /// natural bound (PEM blocks), or for encoded text to decode whole. A
    /// match that begins with its prefix and outgrows the window cuts the
    /// stream: its tail would otherwise leave before the match is whole.
    /// An encoded run that outgrows it is treated like text past the
    /// decode budget (flagged, or cut under `on_decode_limit: block`).
    pub window: usize,
}

impl Default for StreamOptions {
    fn default() -> StreamOptions {
        StreamOptions {
            window: DEFAULT_WINDOW,
        }
    }
}

/// What the stream is about, owned so that it can outlive the request
/// headers a proxy hands over.
#[derive(Debug, Clone, Default)]
pub struct StreamContext {
    /// Host of the request.
    pub host: String,
    /// Path of the request.
    pub path: String,
    /// Request headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The governing route.
    pub route: Option<u32>,
    /// Seconds since the Unix epoch.
    pub now_secs: u64,
    /// The request id, named in an error event.
    pub request_id: String,
}

#[derive(Debug)]
enum Framing {
    /// Gemini, before the first byte that tells SSE from a JSON array.
    Undecided,
    Sse(SseParser),
    Array {
        parser: GeminiArrayStream,
        /// Stream offset of the opening `[`.
        open: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    /// Cut off (blocked or failed): nothing more is forwarded.
    Ended,
}

/// Why some of a stream's encoded text could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DecodeLimit {
    /// The decode budget ran out.
    Budget,
    /// An encoded run outgrew the window.
    Window,
}

/// One run of text: a choice's completion or one tool call's arguments.
#[derive(Debug)]
struct Run {
    choice: u32,
    kind: SegmentKind,
    index: u32,
    /// Position, in the run's whole text, of `text[0]`.
    base: usize,
    /// The text from `base` on.
    text: String,
    /// Text before this position may be forwarded.
    limit: usize,
    /// No more text will come (a new call took its key, or `done`).
    closed: bool,
    /// Text arrived since the last scan.
    dirty: bool,
    /// Final matches already counted, by (detector, signal, start, end).
    counted: Vec<(u32, u32, usize, usize)>,
    /// Digest of the run's whole text (trimmed text included): an event
    /// that repeats the run is recognised by it.
    digest: Digest,
    /// The tool call's name, for a call's run.
    name: Option<String>,
    /// Text before this position was decoded and rescanned (or let through
    /// undecoded past the decode limit).
    decoded: usize,
    /// Start of encoded text that straddles `decoded` (text added to a
    /// run closed and decoded before, a sentence that reads as transformed
    /// only now): decoded again from there once it closes.
    rewind: Option<usize>,
    /// The open sentence was held, as read transformed, at the last scan.
    sentence_held: bool,
}

/// SHA-256 of a run's text so far, updated as text arrives.
#[derive(Clone, Default)]
struct Digest(Sha256);

impl Digest {
    fn of(text: &str) -> [u8; 32] {
        Sha256::digest(text.as_bytes()).into()
    }

    fn update(&mut self, text: &str) {
        self.0.update(text.as_bytes());
    }

    fn value(&self) -> [u8; 32] {
        self.0.clone().finalize().into()
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Digest")
    }
}

impl Run {
    fn end(&self) -> usize {
        self.base + self.text.len()
    }
}

/// The text one event added to one run.
#[derive(Debug)]
struct Piece {
    run: usize,
    /// Where the text sits in the run.
    span: Range<usize>,
    text: String,
    /// The JSON string literal it came from, in the event's data.
    literal: Option<Range<usize>>,
    /// Masks to apply, local to `text`.
    masks: Vec<(Range<usize>, String)>,
    /// The piece repeats its run whole (a `*.done` event): it gets every
    /// mask of the run in full, whatever the deltas got.
    echo: bool,
}

/// An event (or array element) not forwarded yet.
#[derive(Debug)]
struct Held {
    /// Its bytes in the stream.
    raw: Range<usize>,
    /// SSE event type.
    event: Option<String>,
    data: String,
    pieces: Vec<Piece>,
}

/// A streamed response being inspected; see the module docs.
///
/// Every call must pass the same [`Engine`] the stream was created with (a
/// proxy keeps the rule set an exchange started with until it ends).
#[derive(Debug)]
pub struct ResponseStream {
    api: Api,
    ctx: StreamContext,
    request: RequestFacts,
    options: StreamOptions,
    /// Detectors response rules of the route name.
    detectors: Vec<u32>,
    framing: Framing,
    /// Stream offset of `pending[0]`: everything before it was forwarded.
    start: usize,
    /// Received bytes not forwarded yet.
    pending: Vec<u8>,
    held: VecDeque<Held>,
    runs: Vec<Run>,
    /// Final matches so far: run index and match (spans in the run).
    hits: Vec<(usize, Match)>,
    /// Those of them found in encoded text, and how.
    encoded: Vec<(usize, EncodedMatch)>,
    /// Decoded bytes left to rescan, over the whole stream.
    budget: Budget,
    /// Some encoded text could not be decoded, and why.
    decode_limit: Option<DecodeLimit>,
    /// Redactions already applied, by (run, start, end).
    applied: Vec<(u32, usize, usize)>,
    meta: StreamMeta,
    tools: Vec<String>,
    text_bytes: usize,
    decision: Decision,
    evaluated: bool,
    elements_out: usize,
    state: State,
}

impl ResponseStream {
    /// Starts inspecting a streamed response of `api` to a request with
    /// `request` facts.
    pub fn new(
        engine: &Engine,
        ctx: StreamContext,
        api: Api,
        request: RequestFacts,
        options: StreamOptions,
    ) -> ResponseStream {
        let mut detectors = Vec::new();
        for &rule in engine.rules_of(ctx.route) {
            if let Some(rule) = engine.ruleset().rules.get(rule as usize)
                && rule.phase.covers(Phase::Response)
            {
                detectors_of(&rule.when, &mut detectors);
            }
        }
        detectors.sort_unstable();
        detectors.dedup();
        let framing = if api == Api::Gemini {
            Framing::Undecided
        } else {
            Framing::Sse(SseParser::new())
        };
        let tools = request.tools.clone();
        ResponseStream {
            api,
            ctx,
            request,
            options,
            detectors,
            framing,
            start: 0,
            pending: Vec::new(),
            held: VecDeque::new(),
            runs: Vec::new(),
            hits: Vec::new(),
            encoded: Vec::new(),
            budget: Budget::new(engine.max_decoded_bytes()),
            decode_limit: None,
            applied: Vec::new(),
            meta: StreamMeta::default(),
            tools,
            text_bytes: 0,
            decision: Decision::allow(Phase::Response),
            evaluated: false,
            elements_out: 0,
            state: State::Open,
        }
    }

    /// The decision so far (final after [`ResponseStream::finish`]).
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// Whether the stream was cut off (blocked, or failed closed).
    pub fn ended(&self) -> bool {
        self.state == State::Ended
    }

    /// Bytes received and not forwarded yet.
    pub fn held_bytes(&self) -> usize {
        self.pending.len()
    }

    /// Feeds the next chunk; appends the bytes to forward to `out`.
    pub fn push(&mut self, engine: &Engine, chunk: &[u8], out: &mut Vec<u8>) {
        if self.state == State::Ended {
            return;
        }
        self.pending.extend_from_slice(chunk);
        if let Err(reason) = self.frame(chunk) {
            return self.fail(engine, &reason, out);
        }
        self.inspect(engine, out);
    }

    /// Ends the stream; appends the last bytes to forward to `out`.
    pub fn finish(&mut self, engine: &Engine, out: &mut Vec<u8>) {
        if self.state == State::Ended {
            return;
        }
        let mut events = Vec::new();
        let framed = match &mut self.framing {
            Framing::Undecided => Ok(()),
            Framing::Sse(parser) => parser.finish(&mut events).map_err(|e| e.to_string()),
            Framing::Array { parser, .. } => parser.finish().map_err(|e| e.to_string()),
        };
        let decoded = framed.and_then(|()| {
            events
                .into_iter()
                .try_for_each(|e| self.add_event(e.raw, e.event, e.data))
        });
        if let Err(reason) = decoded {
            return self.fail(engine, &reason, out);
        }
        for run in &mut self.runs {
            run.closed = true;
        }
        self.evaluated = false; // always evaluate once more at the end
        self.inspect(engine, out);
        if self.state == State::Open {
            out.extend_from_slice(&self.pending);
            self.start += self.pending.len();
            self.pending.clear();
        }
    }

    /// Frames the new bytes into events and decodes their text.
    fn frame(&mut self, chunk: &[u8]) -> Result<(), String> {
        if let Framing::Undecided = self.framing {
            // Gemini streams either SSE (`alt=sse`) or one JSON array.
            let Some(first) = self.pending.iter().position(|b| !b.is_ascii_whitespace()) else {
                return Ok(());
            };
            self.framing = if self.pending[first] == b'[' {
                Framing::Array {
                    parser: GeminiArrayStream::new(),
                    open: self.start + first,
                }
            } else {
                Framing::Sse(SseParser::new())
            };
            // Everything so far is still pending: frame it all now.
            let everything = std::mem::take(&mut self.pending);
            let result = self.frame_bytes(&everything);
            self.pending = everything;
            return result;
        }
        self.frame_bytes(chunk)
    }

    fn frame_bytes(&mut self, bytes: &[u8]) -> Result<(), String> {
        match &mut self.framing {
            Framing::Undecided => Ok(()),
            Framing::Sse(parser) => {
                let mut events = Vec::new();
                let framed = parser.push(bytes, &mut events).map_err(|e| e.to_string());
                for event in events {
                    self.add_event(event.raw, event.event, event.data)?;
                }
                framed
            }
            Framing::Array { parser, .. } => {
                let mut elements = Vec::new();
                let framed = parser.push(bytes, &mut elements).map_err(|e| e.to_string());
                for element in elements {
                    let data = String::from_utf8_lossy(&element.bytes).into_owned();
                    self.add_event(element.raw, None, data)?;
                }
                framed
            }
        }
    }

    /// Decodes one event and appends its text to the runs.
    fn add_event(
        &mut self,
        raw: Range<usize>,
        event: Option<String>,
        data: String,
    ) -> Result<(), String> {
        let mut deltas = Vec::new();
        decode_data(self.api, data.as_bytes(), &mut deltas, &mut self.meta)
            .map_err(|e| e.to_string())?;
        let mut pieces = Vec::new();
        for delta in deltas {
            if delta.echo {
                pieces.push(self.echo_piece(delta));
                continue;
            }
            if delta.done {
                self.runs
                    .iter_mut()
                    .filter(|r| r.choice == delta.choice)
                    .for_each(|r| r.closed = true);
                continue;
            }
            if let Some(name) = &delta.tool_name {
                self.tools.push(name.clone());
            }
            let run = self.run_for(&delta);
            if delta.text.is_empty() {
                continue;
            }
            let run_state = &mut self.runs[run];
            let start = run_state.end();
            run_state.text.push_str(&delta.text);
            run_state.digest.update(&delta.text);
            run_state.dirty = true;
            self.text_bytes += delta.text.len();
            pieces.push(Piece {
                run,
                span: start..start + delta.text.len(),
                text: delta.text,
                literal: delta.raw,
                masks: Vec::new(),
                echo: false,
            });
        }
        self.held.push_back(Held {
            raw,
            event,
            data,
            pieces,
        });
        Ok(())
    }

    /// The piece for text outside the deltas. Text that repeats a run
    /// whole closes that run and gets its masks — those applied so far now,
    /// later ones as they are decided — so the repeat never undoes a
    /// redaction. Any other text is a run of its own, closed, inspected
    /// like the rest: a `*.done` event that differs from its deltas, or
    /// text no delta carried, is judged on what it says.
    fn echo_piece(&mut self, delta: StreamDelta) -> Piece {
        let len = delta.text.len();
        let digest = Digest::of(&delta.text);
        let repeated = self
            .runs
            .iter()
            .position(|r| r.end() == len && r.digest.value() == digest);
        let run = match repeated {
            Some(run) => {
                let state = &mut self.runs[run];
                state.closed = true;
                state.dirty = true;
                let masks = self
                    .decision
                    .redactions
                    .iter()
                    .filter(|r| r.segment as usize == run)
                    .filter(|r| {
                        self.applied
                            .contains(&(r.segment, r.span.start, r.span.end))
                    })
                    .map(|r| (r.span.clone(), r.mask.clone()))
                    .collect();
                return Piece {
                    run,
                    span: 0..len,
                    text: delta.text,
                    literal: delta.raw,
                    masks,
                    echo: true,
                };
            }
            None => {
                let mut digest = Digest::default();
                digest.update(&delta.text);
                self.runs.push(Run {
                    choice: delta.choice,
                    kind: delta.kind,
                    index: u32::MAX,
                    base: 0,
                    text: delta.text.clone(),
                    limit: 0,
                    closed: true,
                    dirty: true,
                    counted: Vec::new(),
                    digest,
                    name: None,
                    decoded: 0,
                    rewind: None,
                    sentence_held: false,
                });
                self.text_bytes += len;
                self.runs.len() - 1
            }
        };
        Piece {
            run,
            span: 0..len,
            text: delta.text,
            literal: delta.raw,
            masks: Vec::new(),
            echo: false,
        }
    }

    /// The run a delta extends. Clients join a key's text however the
    /// stream marks it (a `done`, a repeat, a repeated tool name), so the
    /// key's last run takes it — reopened if it was closed; only a tool
    /// call named anew after its run has text starts another run.
    fn run_for(&mut self, delta: &StreamDelta) -> usize {
        let key = (delta.choice, delta.kind, delta.index);
        let last = self
            .runs
            .iter()
            .rposition(|r| (r.choice, r.kind, r.index) == key);
        let renamed = delta.tool_name.is_some()
            && last.is_some_and(|i| self.runs[i].end() > 0 && !self.same_call(i, delta));
        match last {
            Some(i) if !renamed => {
                let window = self.options.window;
                let run = &mut self.runs[i];
                if run.closed && run.decoded > run.base {
                    // A closed run was decoded to its end: the encoded text
                    // it ended in may go on in the new text, so decoding
                    // restarts where it began (a match over text already
                    // sent then cuts the stream). If it began in text
                    // trimmed away, it cannot be decoded whole.
                    let decoded = run.decoded.min(run.end());
                    let back = cut_at(&run.text, run.base, decoded, window);
                    if back > 0 {
                        let start = decoded - back;
                        run.rewind = Some(run.rewind.map_or(start, |r| r.min(start)));
                    } else if run.base > 0 && reaches_trimmed(&run.text, window) {
                        self.decode_limit.get_or_insert(DecodeLimit::Window);
                        self.evaluated = false;
                    }
                }
                self.runs[i].closed = false;
                i
            }
            _ => {
                if let Some(i) = last {
                    self.runs[i].closed = true;
                }
                self.runs.push(Run {
                    choice: delta.choice,
                    kind: delta.kind,
                    index: delta.index,
                    base: 0,
                    text: String::new(),
                    limit: 0,
                    closed: false,
                    dirty: false,
                    counted: Vec::new(),
                    digest: Digest::default(),
                    name: delta.tool_name.clone(),
                    decoded: 0,
                    rewind: None,
                    sentence_held: false,
                });
                self.runs.len() - 1
            }
        }
    }

    /// Scans what changed, decides, applies and forwards what is safe.
    fn inspect(&mut self, engine: &Engine, out: &mut Vec<u8>) {
        let fresh = match self.scan(engine) {
            Ok(fresh) => fresh,
            Err(reason) => return self.fail(engine, &reason, out),
        };
        if self.hits.len() > engine.max_hits() {
            // Past the limit the stream is cut, not passed partly redacted.
            self.decision = too_many_hits(Phase::Response, engine.max_hits());
            return self.cut_off(engine, out);
        }
        if let Some(limit) = self.decode_limit
            && engine.refuses_past_decode_limit(self.ctx.route)
        {
            // Refused rather than passed partly inspected, as a whole body
            // would be; the hits so far still go into the audit event.
            let refusal = match limit {
                DecodeLimit::Budget => decode_limit(Phase::Response, engine.max_decoded_bytes()),
                DecodeLimit::Window => past_decode_limit(
                    Phase::Response,
                    &format!(
                        "an encoded run longer than the stream window ({} bytes) cannot be held back whole to be decoded; refused rather than passed partly inspected",
                        self.options.window
                    ),
                ),
            };
            return self.refuse(engine, refusal, out);
        }
        if fresh || !self.evaluated {
            self.evaluated = true;
            self.evaluate(engine);
            if self.decision.block.is_some() {
                return self.cut_off(engine, out);
            }
            if let Err(reason) = self.apply_redactions() {
                return self.fail(engine, &reason, out);
            }
        }
        if let Err(reason) = self.forward(out) {
            self.fail(engine, &reason, out);
        }
    }

    /// Whether `delta` names the call run `run` already is (a provider
    /// repeating the name in every chunk).
    fn same_call(&self, run: usize, delta: &StreamDelta) -> bool {
        self.runs[run].name.is_some() && self.runs[run].name == delta.tool_name
    }

    /// Scans every run with new text, and decodes and rescans its encoded
    /// text that settled; returns whether new final matches were found (or
    /// the decode limit was reached), or why the stream must be cut (an
    /// open match longer than the window).
    fn scan(&mut self, engine: &Engine) -> Result<bool, String> {
        let bounds = engine.stream_bounds();
        let window = self.options.window;
        // Decode and rescan as whole bodies do, while the budget lasts, for
        // streams some response rule inspects (none: nothing to find).
        let decoding = !self.detectors.is_empty()
            && engine.max_decoded_bytes() > 0
            && !self.budget.exhausted();
        let mut fresh = false;
        let mut overflow = false;
        let mut found = Vec::new();
        let mut plain: Vec<(u32, Range<usize>)> = Vec::new();
        let mut hidden = Vec::new();
        for (index, run) in self.runs.iter_mut().enumerate() {
            if !run.dirty && !run.closed {
                continue;
            }
            if !run.dirty && run.limit >= run.end() {
                continue; // closed and fully settled
            }
            run.dirty = false;
            let end = run.end();
            // Normalised once: the bounds and the scan both need the text
            // the detectors match, not the bytes as sent.
            let normalized = normalize::normalize(&run.text);
            if !run.closed
                && self
                    .detectors
                    .iter()
                    .filter_map(|&d| bounds.get(d as usize))
                    .any(|b| b.overflows(normalized.text.as_bytes(), window))
            {
                overflow = true;
            }
            let detector_hold = if run.closed {
                0
            } else {
                let norm = normalized.text.as_bytes();
                let pending = self
                    .detectors
                    .iter()
                    .filter_map(|&d| bounds.get(d as usize))
                    .map(|b| b.pending(norm, window))
                    .max()
                    .unwrap_or(0);
                // Back to the run's own bytes, from where the pending part
                // starts there: hidden or folded characters inside it stay
                // held with it.
                original_tail(&run.text, &normalized, pending)
            };
            // Encoded text open at the tail is held until it closes, then
            // decoded whole (`detect::encoded::open_tail` says what may
            // still grow: the decoders' own pre-checks).
            let mut encoded_hold = 0;
            let mut cut_short = false;
            if decoding && !run.closed {
                let tail = encoded::open_tail(&normalized.text, window);
                // No sentence end in the last `window` bytes: a sentence
                // longer than the window.
                let long = tail.sentence >= window;
                let mut sentence = original_tail(&run.text, &normalized, tail.sentence.min(window));
                if run.base > 0 && sentence >= run.text.len() && !long {
                    // A sentence reaching back to where the kept text was
                    // trimmed began in text already let through, its first
                    // word cut (`d0` may read as leetspeak): it is judged
                    // without that word, and held from the kept text's
                    // start if the rest still reads as transformed.
                    let norm = &*normalized.text;
                    let rest = norm
                        .find(|c: char| c.is_ascii_whitespace())
                        .map_or(norm.len(), |i| i + 1);
                    sentence = if encoded::open_tail(&norm[rest..], window).sentence > 0 {
                        run.text.len()
                    } else {
                        0
                    };
                }
                if sentence > 0 {
                    let start = end - sentence;
                    if !run.sentence_held && start < run.decoded {
                        // The sentence reads as transformed only now: its
                        // earlier words were decoded apart from the rest,
                        // so it is decoded again from its start (a match
                        // over text already sent then cuts the stream).
                        run.rewind = Some(run.rewind.map_or(start, |r| r.min(start)));
                    }
                    if long {
                        // Decoded in parts of about half the window, never
                        // a few words at a time: all not yet decoded is
                        // held until it outgrows the window.
                        let from = run
                            .rewind
                            .map_or(run.decoded, |r| r.min(run.decoded))
                            .clamp(run.base, end);
                        sentence = if end - from <= window {
                            end - from
                        } else {
                            part_hold(&run.text, window / 2)
                        };
                    }
                }
                run.sentence_held = sentence > 0;
                encoded_hold = sentence;
                let whole = original_tail(&run.text, &normalized, tail.whole);
                let start = end - whole;
                // A run reaching back to where the kept text was trimmed
                // continues one already let through (not decodable, or past
                // the limit below): nothing of it is held.
                let continued = run.base > 0 && start == run.base;
                let open = whole > 0 && !continued;
                if open && tail.whole > window {
                    // It cannot be held whole, so its mask could not cover
                    // it: like text past the decode budget, it is decoded as
                    // far as it got, let through, and the stream flagged or
                    // cut (`on_decode_limit`).
                    cut_short = true;
                    if self.decode_limit.is_none() {
                        self.decode_limit = Some(DecodeLimit::Window);
                        fresh = true;
                    }
                } else if open {
                    if start < run.decoded {
                        // Text added to a run decoded to its end when it
                        // closed: decode the run again from its start.
                        run.rewind = Some(run.rewind.map_or(start, |r| r.min(start)));
                    }
                    encoded_hold = encoded_hold.max(whole);
                }
            }
            let hold = detector_hold.max(encoded_hold);
            let safe = end - hold.min(run.text.len());
            // Text is decoded, and forwarded, up to `until`: where the
            // held text starts, unless a detector holds back more than the
            // encoded text does and so puts `safe` anywhere — inside an
            // encoded run, say. Then only up to the start of the encoded
            // text that `safe` may cut (what would be open at the tail if
            // the text ended there): it is decoded whole once `safe` has
            // passed it, never in two halves.
            let mut until = if cut_short { end } else { safe };
            if decoding && !run.closed && !cut_short && detector_hold > encoded_hold {
                until -= cut_at(&run.text, run.base, safe, window);
            }
            let mut limit = safe.min(until);
            found.clear();
            engine.scanner.scan_normalized(&normalized, &mut found);
            if decoding && until > run.decoded {
                let from = run
                    .rewind
                    .take()
                    .map_or(run.decoded, |r| r.min(run.decoded))
                    .max(run.base);
                plain.clear();
                plain.extend(
                    found
                        .iter()
                        .map(|m| (m.detector, run.base + m.span.start..run.base + m.span.end)),
                );
                let Some(text) = run.text.get(from - run.base..until - run.base) else {
                    return Err("settled text does not end on a character boundary".to_owned());
                };
                // The same decoders as for whole bodies, on the settled
                // text only: each byte is decoded once, and the budget is
                // the stream's.
                hidden.clear();
                encoded::rescan(
                    &engine.scanner,
                    &normalize::normalize(text),
                    &mut self.budget,
                    &mut hidden,
                );
                for found in hidden.drain(..) {
                    let m = &found.matched;
                    let span = from + m.span.start..from + m.span.end;
                    // As for whole bodies: a plain match of the detector
                    // over the same text stands for it (ROT13 and leetspeak
                    // keep plain text in place).
                    if plain.iter().any(|(detector, p)| {
                        *detector == m.detector && p.start < span.end && span.start < p.end
                    }) {
                        continue;
                    }
                    let matched = Match {
                        detector: m.detector,
                        signal: m.signal,
                        span,
                    };
                    if self
                        .encoded
                        .iter()
                        .any(|(r, e)| *r == index && e.matched == matched)
                    {
                        continue; // decoded again after a rewind
                    }
                    if matched.span.start < run.limit {
                        overflow = true; // over text already sent
                        continue;
                    }
                    self.hits.push((index, matched.clone()));
                    self.encoded.push((
                        index,
                        EncodedMatch {
                            matched,
                            via: found.via,
                        },
                    ));
                    fresh = true;
                }
                if self.budget.exhausted() && self.decode_limit.is_none() {
                    self.decode_limit = Some(DecodeLimit::Budget);
                    fresh = true;
                }
            }
            run.decoded = run.decoded.max(until);
            for m in found.drain(..) {
                let span = run.base + m.span.start..run.base + m.span.end;
                if span.start < run.limit {
                    if span.end > run.limit
                        && !run
                            .counted
                            .contains(&(m.detector, m.signal, span.start, span.end))
                    {
                        // A new match over text already sent (a run the
                        // stream reopened, a match longer than any bound):
                        // it cannot be redacted, so the stream is cut.
                        overflow = true;
                    }
                    continue; // settled earlier (or cut by the context edge)
                }
                if span.end > safe {
                    limit = limit.min(span.start); // may still change
                    continue;
                }
                let key = (m.detector, m.signal, span.start, span.end);
                if run.counted.contains(&key) {
                    continue;
                }
                run.counted.push(key);
                self.hits.push((
                    index,
                    Match {
                        detector: m.detector,
                        signal: m.signal,
                        span,
                    },
                ));
                fresh = true;
            }
            run.limit = run.limit.max(limit);
        }
        if overflow {
            return Err(
                "a match covers text already sent (a run reopened, or a match longer than the stream window) and cannot be redacted"
                    .to_owned(),
            );
        }
        Ok(fresh)
    }

    fn evaluate(&mut self, engine: &Engine) {
        let segments: Vec<Segment> = self
            .runs
            .iter()
            .map(|run| Segment {
                role: Role::Assistant,
                message_index: run.choice,
                kind: run.kind,
                text: String::new(),
                raw: 0..0,
            })
            .collect();
        let mut matches: Vec<Vec<Match>> = vec![Vec::new(); segments.len()];
        for (run, m) in &self.hits {
            if let Some(list) = matches.get_mut(*run) {
                list.push(m.clone());
            }
        }
        let ctx = RequestContext {
            host: &self.ctx.host,
            path: &self.ctx.path,
            headers: &self.ctx.headers,
            route: self.ctx.route,
            api: Some(self.api),
            now_secs: self.ctx.now_secs,
        };
        let model = self.request.model.as_deref().or(self.meta.model.as_deref());
        let mut facts = engine.facts(
            &ctx,
            Some(self.api),
            model,
            &self.tools,
            self.request.max_tokens,
        );
        facts.stream_bytes = Some(self.text_bytes);
        self.decision = decision::evaluate(
            engine.ruleset(),
            engine.rules_of(self.ctx.route),
            Phase::Response,
            &segments,
            &matches,
            &facts,
            &mut MemoryLedger::default(),
        );
        engine.judge_responding_model(
            &ctx,
            Some(self.api),
            &self.request,
            self.meta.model.as_deref(),
            &mut self.decision,
        );
        let mut encoded: Vec<Vec<EncodedMatch>> = vec![Vec::new(); self.runs.len()];
        for (run, found) in &self.encoded {
            if let Some(list) = encoded.get_mut(*run) {
                list.push(found.clone());
            }
        }
        mark_encoded(&mut self.decision, &encoded, self.decode_limit.is_some());
    }

    /// Marks every new redaction on the held pieces it covers.
    fn apply_redactions(&mut self) -> Result<(), String> {
        for redaction in &self.decision.redactions {
            let key = (redaction.segment, redaction.span.start, redaction.span.end);
            if self.applied.contains(&key) {
                continue;
            }
            self.applied.push(key);
            let run = redaction.segment as usize;
            let span = &redaction.span;
            let mut first = true;
            for held in &mut self.held {
                for piece in held.pieces.iter_mut().filter(|p| p.run == run) {
                    let start = span.start.max(piece.span.start);
                    let end = span.end.min(piece.span.end);
                    if start >= end {
                        continue;
                    }
                    if piece.literal.is_none() {
                        return Err(
                            "a match inside a tool call's arguments object cannot be redacted in a stream"
                                .to_owned(),
                        );
                    }
                    let local = start - piece.span.start..end - piece.span.start;
                    if piece.echo {
                        piece.masks.push((local, redaction.mask.clone()));
                        continue;
                    }
                    let mask = if first {
                        redaction.mask.clone()
                    } else {
                        String::new()
                    };
                    first = false;
                    piece.masks.push((local, mask));
                }
            }
        }
        Ok(())
    }

    /// Forwards held events that are settled, in order.
    fn forward(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        let mut upto = self.start;
        while let Some(held) = self.held.front() {
            let settled = held
                .pieces
                .iter()
                .all(|p| self.runs.get(p.run).is_some_and(|r| p.span.end <= r.limit));
            if !settled {
                break;
            }
            let Some(held) = self.held.pop_front() else {
                break;
            };
            out.extend_from_slice(self.slice(upto, held.raw.start));
            if held.pieces.iter().any(|p| !p.masks.is_empty()) {
                out.extend_from_slice(&self.rewrite(&held)?);
            } else {
                out.extend_from_slice(self.slice(held.raw.start, held.raw.end));
            }
            if matches!(self.framing, Framing::Array { .. }) {
                self.elements_out += 1;
            }
            upto = held.raw.end;
        }
        if self.held.is_empty() {
            let framed_upto = match &self.framing {
                Framing::Undecided => self.start,
                Framing::Sse(parser) => parser.pending_from(),
                Framing::Array { parser, .. } => parser.pending_from(),
            };
            out.extend_from_slice(self.slice(upto, framed_upto));
            upto = upto.max(framed_upto);
        }
        let consumed = (upto - self.start).min(self.pending.len());
        self.pending.drain(..consumed);
        self.start += consumed;
        self.trim_runs();
        Ok(())
    }

    /// Received bytes `from..to` (stream offsets), clamped to what is held.
    fn slice(&self, from: usize, to: usize) -> &[u8] {
        let from = from.saturating_sub(self.start).min(self.pending.len());
        let to = to
            .saturating_sub(self.start)
            .clamp(from, self.pending.len());
        &self.pending[from..to]
    }

    /// An event with its masked pieces rewritten.
    fn rewrite(&self, held: &Held) -> Result<Vec<u8>, String> {
        let mut edits = Vec::new();
        for piece in held.pieces.iter().filter(|p| !p.masks.is_empty()) {
            let Some(literal) = piece.literal.clone() else {
                return Err("a masked fragment has no string literal to rewrite".to_owned());
            };
            let spans: Vec<(Range<usize>, &str)> = piece
                .masks
                .iter()
                .map(|(range, mask)| (range.clone(), mask.as_str()))
                .collect();
            let masked = redact::mask_text(&piece.text, &spans);
            let mut replacement = String::new();
            json::write_string(&mut replacement, &masked);
            edits.push(redact::Edit {
                range: literal,
                replacement,
            });
        }
        let data = redact::splice(held.data.as_bytes(), edits).map_err(|e| e.to_string())?;
        if matches!(self.framing, Framing::Array { .. }) {
            return Ok(data);
        }
        let mut event = Vec::with_capacity(data.len() + 32);
        if let Some(name) = &held.event {
            event.extend_from_slice(b"event: ");
            event.extend_from_slice(name.as_bytes());
            event.push(b'\n');
        }
        for line in data.split(|&b| b == b'\n') {
            event.extend_from_slice(b"data: ");
            event.extend_from_slice(line);
            event.push(b'\n');
        }
        event.push(b'\n');
        Ok(event)
    }

    /// Drops run text no future match or context can need.
    fn trim_runs(&mut self) {
        let keep_from = |run: &Run| run.limit.saturating_sub(CONTEXT);
        for run in &mut self.runs {
            let mut cut = keep_from(run).saturating_sub(run.base);
            while cut > 0 && !run.text.is_char_boundary(cut) {
                cut -= 1;
            }
            if cut > 0 {
                run.text.drain(..cut);
                run.base += cut;
                let base = run.base;
                run.counted.retain(|&(_, _, _, end)| end > base);
            }
        }
    }

    /// Ends the stream on a blocking decision: what is held is dropped and
    /// an error event closes the stream.
    fn cut_off(&mut self, engine: &Engine, out: &mut Vec<u8>) {
        let refusal = Refusal::of(&self.decision, engine.ruleset(), &self.ctx.request_id)
            .unwrap_or_else(|| {
                Refusal::plain(
                    502,
                    "policy_block",
                    "response blocked",
                    &self.ctx.request_id,
                )
            });
        match self.framing {
            Framing::Array { open, .. } => {
                if self.start <= open {
                    out.push(b'[');
                }
                out.extend_from_slice(&refusal.array_element(self.elements_out > 0));
                out.push(b']');
            }
            _ => out.extend_from_slice(&refusal.sse_event(self.api, self.meta.last_sequence)),
        }
        self.pending.clear();
        self.held.clear();
        self.state = State::Ended;
    }

    /// Fails closed: the stream could not be inspected.
    fn fail(&mut self, engine: &Engine, reason: &str, out: &mut Vec<u8>) {
        self.refuse(engine, uninspectable(Phase::Response, reason), out);
    }

    /// Ends the stream with `refusal`, keeping the hits and rules decided
    /// so far for the audit event.
    fn refuse(&mut self, engine: &Engine, refusal: Decision, out: &mut Vec<u8>) {
        let hits = std::mem::take(&mut self.decision.hits);
        let fired = std::mem::take(&mut self.decision.fired);
        self.decision = refusal;
        self.decision.hits = hits;
        self.decision.fired = fired;
        debug_assert_eq!(self.decision.outcome, Outcome::Block);
        self.cut_off(engine, out);
    }
}

/// How many bytes at the end of `text` the last `n` bytes of its normalised
/// form come from.
fn original_tail(text: &str, normalized: &Normalized<'_>, n: usize) -> usize {
    let norm = normalized.text.len();
    match n.min(norm) {
        0 => 0,
        n => text.len() - normalized.to_original(norm - n..norm).start.min(text.len()),
    }
}

/// How many bytes before `at` (a position in a run whose kept text `text`
/// starts at `base`) encoded text may run across it: what
/// [`encoded::open_tail`] finds open at the end of the text up to `at`.
/// Text reaching back to where trimmed text starts continues what was let
/// through: nothing.
fn cut_at(text: &str, base: usize, at: usize, window: usize) -> usize {
    let Some(prefix) = text.get(..at.saturating_sub(base)) else {
        return 0;
    };
    let normalized = normalize::normalize(prefix);
    let tail = encoded::open_tail(&normalized.text, window);
    let back = original_tail(
        prefix,
        &normalized,
        tail.whole.max(tail.sentence.min(window)),
    );
    if base > 0 && back >= prefix.len() {
        0
    } else {
        back
    }
}

/// How many bytes at the end of `text` to keep held so that about `keep`
/// stay: the part before is let go, cut after a space where one is near,
/// always at a character boundary.
fn part_hold(text: &str, keep: usize) -> usize {
    let b = text.as_bytes();
    let mut at = b.len().saturating_sub(keep);
    if let Some(space) = b[at.saturating_sub(64)..at]
        .iter()
        .rposition(u8::is_ascii_whitespace)
    {
        at = at.saturating_sub(64) + space + 1;
    }
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    b.len() - at
}

/// Whether encoded text open at the end of a run's kept `text` reaches
/// back to its start (so began in text trimmed away).
fn reaches_trimmed(text: &str, window: usize) -> bool {
    let normalized = normalize::normalize(text);
    let tail = encoded::open_tail(&normalized.text, window);
    let back = original_tail(text, &normalized, tail.whole.max(tail.sentence.min(window)));
    back > 0 && back >= text.len()
}

/// Collects the detectors a condition names.
fn detectors_of(condition: &Condition, out: &mut Vec<u32>) {
    match condition {
        Condition::Detector { detector, .. } | Condition::Score { detector, .. } => {
            out.push(*detector);
        }
        Condition::All(all) | Condition::Any(all) => {
            all.iter().for_each(|c| detectors_of(c, out));
        }
        Condition::Not(inner) => detectors_of(inner, out),
        _ => {}
    }
}

#[cfg(test)]
#[path = "decoded_tests.rs"]
mod decoded_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::BlockReason;
    use crate::ruleset::{
        Action, DetectorKind, DetectorSpec, ExceptionSpec, Mode, RuleSet, RuleSpec, Severity,
    };

    const AWS: u32 = 0;
    const FORBIDDEN: u32 = 1;
    const EMAIL: u32 = 2;

    pub(super) fn response_rule(id: &str, when: Condition, action: Action) -> RuleSpec {
        RuleSpec {
            id: id.into(),
            description: String::new(),
            phase: Phase::Response,
            roles: 0,
            when,
            action,
            mode: Mode::Enforce,
            severity: Severity::High,
            controls: Vec::new(),
        }
    }

    fn found(detector: u32, min_count: u32) -> Condition {
        Condition::Detector {
            detector,
            min_count,
        }
    }

    /// Redacts AWS key ids, blocks on the word `forbidden`, monitors two
    /// or more e-mail addresses.
    fn engine() -> Engine {
        let detector = |id: &str, kind, max_match_len| DetectorSpec {
            id: id.into(),
            kind,
            validator: None,
            context: None,
            exceptions: ExceptionSpec::default(),
            max_match_len,
        };
        let detectors = vec![
            detector(
                "aws",
                DetectorKind::Regex {
                    patterns: vec!["AKIA[0-9A-Z]{16}".into()],
                    keywords: vec!["akia".into()],
                    case_insensitive: false,
                    unicode: false,
                },
                Some(20),
            ),
            detector(
                "forbidden",
                DetectorKind::Keywords {
                    words: vec!["forbidden".into()],
                    whole_word: true,
                    case_insensitive: true,
                },
                Some(9),
            ),
            detector(
                "email",
                DetectorKind::Regex {
                    patterns: vec![r"[a-z0-9.]+@[a-z0-9]+\.[a-z]{2,}".into()],
                    keywords: vec!["@".into()],
                    case_insensitive: true,
                    unicode: false,
                },
                None,
            ),
        ];
        let rules = vec![
            response_rule(
                "redact-aws",
                found(AWS, 1),
                Action::Redact {
                    mask: "[REDACTED:{detector}]".into(),
                },
            ),
            response_rule(
                "block-forbidden",
                found(FORBIDDEN, 1),
                Action::Block {
                    status: 403,
                    message: "not allowed".into(),
                },
            ),
            RuleSpec {
                mode: Mode::Monitor,
                ..response_rule(
                    "many-emails",
                    found(EMAIL, 2),
                    Action::Flag { header: None },
                )
            },
        ];
        let ruleset = RuleSet {
            detectors,
            rules,
            ..RuleSet::bare(Vec::new())
        };
        Engine::new(ruleset).expect("the rule set builds")
    }

    /// [`engine`] without the e-mail rule, whose unbounded holdback would
    /// hide how little the other detectors hold back.
    fn aws_and_block_only() -> Engine {
        let mut ruleset = engine().ruleset().clone();
        ruleset.rules.truncate(2);
        Engine::new(ruleset).expect("the rule set builds")
    }

    pub(super) fn open(engine: &Engine, api: Api) -> ResponseStream {
        let ctx = StreamContext {
            request_id: "req-1".into(),
            ..StreamContext::default()
        };
        ResponseStream::new(
            engine,
            ctx,
            api,
            RequestFacts::default(),
            StreamOptions::default(),
        )
    }

    pub(super) fn chunk(text: &str) -> String {
        let data = serde_json::json!({
            "id": "c1", "object": "chat.completion.chunk", "model": "m",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}],
        });
        format!("data: {data}\n\n")
    }

    pub(super) fn body(pieces: &[&str]) -> Vec<u8> {
        let mut body: String = pieces.iter().map(|p| chunk(p)).collect();
        body.push_str("data: [DONE]\n\n");
        body.into_bytes()
    }

    /// Feeds `body` in chunks cut at `cuts` (ascending), then finishes.
    pub(super) fn run(engine: &Engine, body: &[u8], cuts: &[usize]) -> (Vec<u8>, ResponseStream) {
        let mut stream = open(engine, Api::OpenaiChat);
        let mut out = Vec::new();
        let mut at = 0;
        for &cut in cuts {
            stream.push(engine, &body[at..cut], &mut out);
            at = cut;
        }
        stream.push(engine, &body[at..], &mut out);
        stream.finish(engine, &mut out);
        (out, stream)
    }

    /// Feeds one event per text piece, each its own chunk, then `[DONE]`.
    pub(super) fn run_events(engine: &Engine, pieces: &[&str]) -> (Vec<u8>, ResponseStream) {
        let mut cuts = Vec::new();
        let mut at = 0;
        for piece in pieces {
            at += chunk(piece).len();
            cuts.push(at);
        }
        run(engine, &body(pieces), &cuts)
    }

    /// The completion text a client reads from forwarded OpenAI chunks.
    pub(super) fn completion(forwarded: &[u8]) -> String {
        let text = String::from_utf8(forwarded.to_vec()).expect("forwarded UTF-8");
        text.lines()
            .filter_map(|line| line.strip_prefix("data: "))
            .filter_map(|data| serde_json::from_str::<serde_json::Value>(data).ok())
            .filter_map(|v| {
                v["choices"][0]["delta"]["content"]
                    .as_str()
                    .map(str::to_owned)
            })
            .collect()
    }

    const KEY: &str = "AKIAIOSFODNN7EXAMPLE";

    #[test]
    fn key_split_between_events_at_every_cut_is_redacted_once() {
        let engine = aws_and_block_only();
        let text = format!("key {KEY} done");
        for cut in 1..text.len() {
            let (out, stream) = run_events(&engine, &[&text[..cut], &text[cut..]]);
            assert_eq!(
                completion(&out),
                "key [REDACTED:aws] done",
                "event cut at {cut}"
            );
            assert_eq!(stream.decision().outcome, Outcome::Redact);
            assert_eq!(stream.decision().redactions.len(), 1, "event cut at {cut}");
        }
    }

    #[test]
    fn key_split_between_chunks_at_every_byte_is_redacted_once() {
        let engine = aws_and_block_only();
        let body = body(&["key AKIAIOSF", "ODNN7EXA", "MPLE done"]);
        for cut in 1..body.len() {
            let (out, _) = run(&engine, &body, &[cut]);
            assert_eq!(
                completion(&out),
                "key [REDACTED:aws] done",
                "chunk cut at {cut}"
            );
            assert!(out.ends_with(b"data: [DONE]\n\n"), "chunk cut at {cut}");
        }
    }

    #[test]
    fn text_that_cannot_start_a_match_is_forwarded_at_once() {
        let engine = engine();
        let mut stream = open(&engine, Api::OpenaiChat);
        let event = chunk("hello there, ");
        let mut out = Vec::new();
        stream.push(&engine, event.as_bytes(), &mut out);
        assert_eq!(out, event.as_bytes());
        assert_eq!(stream.held_bytes(), 0);
    }

    #[test]
    fn non_ascii_text_that_cannot_start_a_match_is_forwarded_at_once() {
        // Holdback is worked out on the normalised text: Chinese prose, or
        // accents, hold nothing back for a detector whose matches start
        // with `AKIA`.
        let engine = aws_and_block_only();
        let mut stream = open(&engine, Api::OpenaiChat);
        let event = chunk("Café déjà vu. 你好，请总结一下会议记录");
        let mut out = Vec::new();
        stream.push(&engine, event.as_bytes(), &mut out);
        assert_eq!(out, event.as_bytes());
        assert_eq!(stream.held_bytes(), 0);
    }

    #[test]
    fn text_ending_in_a_possible_match_start_is_held_back() {
        let engine = aws_and_block_only();
        let mut stream = open(&engine, Api::OpenaiChat);
        let mut out = Vec::new();
        stream.push(&engine, chunk("hello AKI").as_bytes(), &mut out);
        assert!(out.is_empty());
        assert!(stream.held_bytes() > 0);
    }

    #[test]
    fn a_block_ends_the_stream_with_an_api_error_event_and_nothing_after() {
        let engine = engine();
        let first = chunk("all fine ");
        let mut stream = open(&engine, Api::OpenaiChat);
        let mut out = Vec::new();
        stream.push(&engine, first.as_bytes(), &mut out);
        assert_eq!(out, first.as_bytes());
        stream.push(&engine, chunk("this is forbidden, ").as_bytes(), &mut out);
        assert!(stream.ended());
        let text = String::from_utf8(out.clone()).unwrap();
        let error = &text[first.len()..];
        let data = error
            .strip_prefix("data: ")
            .and_then(|e| e.strip_suffix("\n\n"));
        let value: serde_json::Value = serde_json::from_str(data.expect("one SSE event")).unwrap();
        assert_eq!(value["error"]["code"], "policy_block");
        assert!(!text.contains("forbidden,"));
        // Nothing more goes out, whatever arrives.
        let before = out.len();
        stream.push(&engine, &body(&["more"]), &mut out);
        stream.finish(&engine, &mut out);
        assert_eq!(out.len(), before);
        assert_eq!(stream.decision().outcome, Outcome::Block);
    }

    #[test]
    fn a_cut_responses_stream_ends_with_the_error_event_the_sdks_read() {
        let engine = engine();
        let event = |data: serde_json::Value| {
            format!(
                "event: {}\ndata: {data}\n\n",
                data["type"].as_str().unwrap_or("")
            )
        };
        let first = event(serde_json::json!({"type": "response.output_text.delta",
            "output_index": 0, "content_index": 0, "delta": "all fine ", "sequence_number": 7}));
        let second = event(serde_json::json!({"type": "response.output_text.delta",
            "output_index": 0, "content_index": 0, "delta": "this is forbidden, ", "sequence_number": 8}));
        let mut stream = open(&engine, Api::OpenaiResponses);
        let mut out = Vec::new();
        stream.push(&engine, first.as_bytes(), &mut out);
        stream.push(&engine, second.as_bytes(), &mut out);
        assert!(stream.ended());
        let text = String::from_utf8(out).unwrap();
        let error = text[first.len()..]
            .strip_prefix("event: error\ndata: ")
            .and_then(|e| e.strip_suffix("\n\n"))
            .expect("one `error` event");
        let value: serde_json::Value = serde_json::from_str(error).unwrap();
        // The shape of the SDKs' `ResponseErrorEvent`: type, code, message,
        // param and the next sequence number.
        assert_eq!(value["type"], "error");
        assert_eq!(value["code"], "policy_block");
        assert!(value["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(value.get("param").is_some());
        assert_eq!(value["sequence_number"], 9);
    }

    #[test]
    fn anthropic_block_uses_an_error_event() {
        let engine = engine();
        let data = serde_json::json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": "forbidden. "}});
        let event = format!("event: content_block_delta\ndata: {data}\n\n");
        let mut stream = open(&engine, Api::Anthropic);
        let mut out = Vec::new();
        stream.push(&engine, event.as_bytes(), &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("event: error\ndata: "), "{text}");
        assert!(!text.contains("text_delta"));
    }

    #[test]
    fn the_decision_at_finish_covers_everything_seen() {
        let engine = engine();
        let filler = "lorem ipsum ".repeat(50);
        let pieces = ["mail a@b.io", &filler, "or c@d.io", &filler, "end"];
        let (out, stream) = run(&engine, &body(&pieces), &[]);
        let decision = stream.decision();
        assert_eq!(decision.outcome, Outcome::Monitor);
        assert_eq!(decision.fired.len(), 1);
        assert_eq!(decision.fired[0].hits.len(), 2);
        assert!(decision.hits.iter().all(|h| h.detector == EMAIL));
        assert_eq!(completion(&out), pieces.concat());
    }

    #[test]
    fn a_match_at_the_very_end_is_decided_at_finish() {
        let engine = engine();
        // No `[DONE]`: only `finish` says no more text comes.
        let body = format!("{}{}", chunk("key AKIAIOSF"), chunk("ODNN7EXAMPLE"));
        let mut stream = open(&engine, Api::OpenaiChat);
        let mut out = Vec::new();
        stream.push(&engine, body.as_bytes(), &mut out);
        assert_eq!(stream.decision().outcome, Outcome::Allow);
        stream.finish(&engine, &mut out);
        assert_eq!(stream.decision().outcome, Outcome::Redact);
        assert_eq!(completion(&out), "key [REDACTED:aws]");
    }

    #[test]
    fn a_malformed_event_fails_closed() {
        let engine = engine();
        let good = chunk("fine ");
        let mut stream = open(&engine, Api::OpenaiChat);
        let mut out = Vec::new();
        stream.push(&engine, good.as_bytes(), &mut out);
        assert_eq!(out, good.as_bytes());
        stream.push(&engine, b"data: {\"choices\": [oops\n\n", &mut out);
        stream.push(&engine, chunk("later").as_bytes(), &mut out);
        stream.finish(&engine, &mut out);
        assert!(stream.ended());
        let block = stream.decision().block.as_ref().expect("a refusal");
        assert!(matches!(block.reason, BlockReason::Uninspectable { .. }));
        assert_eq!(block.status, 502);
        let error = String::from_utf8(out[good.len()..].to_vec()).unwrap();
        assert!(
            error.starts_with("data: ") && error.ends_with("\n\n"),
            "{error}"
        );
        assert!(error.contains("\"uninspectable\""), "{error}");
        assert!(!error.contains("later") && !error.contains("oops"));
    }

    #[test]
    fn obfuscated_key_split_between_events_is_still_redacted() {
        let engine = aws_and_block_only();
        for text in [
            "key AK\u{200B}IAIOSFODNN7EXAMPLE done",
            "key ＡＫＩＡIOSFODNN7EXAMPLE done",
        ] {
            for (cut, _) in text.char_indices().skip(1) {
                let (out, _) = run_events(&engine, &[&text[..cut], &text[cut..]]);
                assert_eq!(
                    completion(&out),
                    "key [REDACTED:aws] done",
                    "{text:?} cut at {cut}"
                );
            }
        }
    }

    #[test]
    fn past_max_hits_the_stream_is_cut_not_passed_partly_redacted() {
        let engine = engine().with_max_hits(3);
        let keys = [
            "AKIAAAAAAAAAAAAAAAA1",
            "AKIAAAAAAAAAAAAAAAA2",
            "AKIAAAAAAAAAAAAAAAA3",
        ];
        // Three keys: all masked.
        let (out, stream) = run_events(&engine, &[keys[0], " ", keys[1], " ", keys[2]]);
        assert_eq!(stream.decision().outcome, Outcome::Redact);
        let text = completion(&out);
        assert!(keys.iter().all(|k| !text.contains(k)), "{text}");
        // A fourth: the stream ends with an error and nothing unmasked.
        let (out, stream) = run_events(
            &engine,
            &[keys[0], " ", keys[1], " ", keys[2], " AKIAAAAAAAAAAAAAAAA4"],
        );
        assert!(stream.ended());
        let Some(block) = &stream.decision().block else {
            panic!("cut: {:?}", stream.decision())
        };
        assert_eq!(
            block.reason,
            BlockReason::Uninspectable {
                reason: "too_many_hits".into()
            }
        );
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("AKIA"), "{text}");
    }

    #[test]
    fn past_max_hits_a_whole_body_is_refused() {
        let engine = engine().with_max_hits(3);
        let text = "AKIAAAAAAAAAAAAAAAA1 AKIAAAAAAAAAAAAAAAA2 AKIAAAAAAAAAAAAAAAA3";
        let three = engine.inspect_text(text, Phase::Response);
        assert_eq!(three.decision.outcome, Outcome::Redact);
        let four = engine.inspect_text(&format!("{text} AKIAAAAAAAAAAAAAAAA4"), Phase::Response);
        assert_eq!(four.decision.outcome, Outcome::Block);
    }
}
