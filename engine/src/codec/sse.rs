//! Streamed responses: Server-Sent Events framing, Gemini's streamed JSON
//! array, and the per-API text deltas inside them.
//!
//! A proxy sees a stream as body chunks split anywhere (inside a line, inside
//! a `\r\n`, inside a UTF-8 character). [`SseParser`] and
//! [`GeminiArrayStream`] accept any split and produce the same events as for
//! the whole stream at once, with byte ranges counted over the whole stream,
//! so a filter can inspect chunk by chunk without buffering the stream. Both
//! bound their memory: an event (or array element) over [`MAX_EVENT_BYTES`]
//! puts them in an error state instead of growing without limit.
//!
//! [`event_delta`] then turns one event into the text fragments it adds
//! ([`StreamDelta`]); [`assemble_stream`] does all of it for a recorded
//! stream and yields the same [`ResponseView`] shape as a non-streamed body.
//!
//! In streams, [`SegmentKind::ToolArguments`] text is the arguments' JSON
//! text as the API streams it (OpenAI's `arguments` fragments, Anthropic's
//! `partial_json`, Gemini's `args` object as written), where the
//! non-streamed Anthropic and Gemini decoders yield one segment per string
//! value instead: a stream cannot be split into values before it ends.

use std::ops::Range;

use super::json;
use super::{Api, CodecError, ResponseView, Role, Segment, SegmentKind, anthropic, gemini, openai};

/// Largest SSE event (its lines and the blank line) or Gemini array element
/// accepted, in bytes. LLM stream events are a few hundred bytes; this only
/// stops a hostile or broken upstream from growing a buffer without bound.
pub const MAX_EVENT_BYTES: usize = 1 << 20;

/// Why a stream could not be framed. Once returned, the parser stays in this
/// error state: every later call returns it again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// An event or array element grew past [`MAX_EVENT_BYTES`].
    #[error("event starting at byte {offset} is larger than {limit} bytes")]
    TooLarge {
        /// Stream offset where the event began.
        offset: usize,
        /// The limit, [`MAX_EVENT_BYTES`].
        limit: usize,
    },
    /// A Gemini array stream with bytes that cannot belong to a JSON array.
    #[error("{message} at byte {offset}")]
    Malformed {
        /// Stream offset of the offending byte.
        offset: usize,
        /// What was wrong.
        message: &'static str,
    },
    /// A Gemini array stream ended before its closing `]`.
    #[error("stream ended at byte {offset} before the JSON array was closed")]
    Truncated {
        /// Length of the stream.
        offset: usize,
    },
}

/// One dispatched Server-Sent Event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, `None` when absent or empty (the spec's default
    /// type `message`).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// Byte range of the whole event in the stream: its lines (comments
    /// included) and the blank line that dispatched it.
    pub raw: Range<usize>,
}

/// An incremental Server-Sent Events parser (WHATWG HTML, "Parsing an event
/// stream").
///
/// Lines end in `\n`, `\r\n` or `\r`; `data:` lines are joined with `\n`;
/// lines starting with `:` are comments; one space after the colon is
/// dropped; a blank line dispatches the event if it had any `data`. `id`
/// and `retry` are not needed for inspection and are ignored. A leading
/// UTF-8 BOM is skipped. Invalid UTF-8 is replaced with U+FFFD, as browsers
/// do.
///
/// A blank line ended by a `\r` that is the last byte of a chunk is held
/// until the next byte is known, so that a `\n` arriving in the next chunk
/// counts in that event's [`SseEvent::raw`], exactly as when unsplit.
#[derive(Debug, Default)]
pub struct SseParser {
    /// Stream offset of the next byte.
    offset: usize,
    /// Stream offset where the current event's first line began.
    block_start: usize,
    /// The current, unterminated line.
    line: Vec<u8>,
    /// The last chunk ended in `\r`: a `\n` starting the next one ends the
    /// same line.
    skip_lf: bool,
    /// Whether the first line (which may carry a BOM) is behind us.
    seen_line: bool,
    data: String,
    has_data: bool,
    event: String,
    /// An event waiting for `skip_lf` to resolve.
    pending: Option<SseEvent>,
    failed: Option<StreamError>,
}

impl SseParser {
    /// A parser at the start of a stream.
    pub fn new() -> SseParser {
        SseParser::default()
    }

    /// Feeds the next chunk; complete events are appended to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), StreamError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let mut rest = chunk;
        if self.skip_lf && !rest.is_empty() {
            self.skip_lf = false;
            if let Some((b'\n', tail)) = rest.split_first() {
                self.consume_split_lf();
                rest = tail;
            }
        }
        if !self.skip_lf {
            out.extend(self.pending.take());
        }
        while !rest.is_empty() {
            let Some(end) = memchr::memchr2(b'\n', b'\r', rest) else {
                self.extend_line(rest)?;
                break;
            };
            let (line, tail) = rest.split_at(end);
            self.extend_line(line)?;
            let terminator = match tail {
                [b'\r', b'\n', ..] => 2,
                [b'\r'] => {
                    self.skip_lf = true;
                    1
                }
                _ => 1,
            };
            self.grow(terminator)?;
            self.offset += terminator;
            self.end_line(out);
            rest = tail.get(terminator..).unwrap_or_default();
        }
        Ok(())
    }

    /// Ends the stream. An event that had `data` but no closing blank line
    /// is dispatched too: the spec discards it, but a lenient client might
    /// act on it, so a proxy must see it.
    pub fn finish(&mut self, out: &mut Vec<SseEvent>) -> Result<(), StreamError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.skip_lf = false;
        out.extend(self.pending.take());
        if !self.line.is_empty() {
            self.end_line(out);
        }
        self.dispatch(out);
        Ok(())
    }

    /// The `\n` of a `\r\n` split across chunks: it belongs to the line the
    /// `\r` ended, and to the held event if that line was blank.
    fn consume_split_lf(&mut self) {
        if self.block_start == self.offset {
            self.block_start += 1;
        }
        self.offset += 1;
        if let Some(event) = &mut self.pending {
            event.raw.end += 1;
        }
    }

    /// Checks that `n` more bytes keep the current event within bounds.
    fn grow(&mut self, n: usize) -> Result<(), StreamError> {
        if self.offset + n - self.block_start <= MAX_EVENT_BYTES {
            return Ok(());
        }
        let error = StreamError::TooLarge {
            offset: self.block_start,
            limit: MAX_EVENT_BYTES,
        };
        self.failed = Some(error.clone());
        self.line = Vec::new();
        self.data = String::new();
        Err(error)
    }

    fn extend_line(&mut self, bytes: &[u8]) -> Result<(), StreamError> {
        self.grow(bytes.len())?;
        self.line.extend_from_slice(bytes);
        self.offset += bytes.len();
        Ok(())
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) {
        let mut line = std::mem::take(&mut self.line);
        let mut bytes: &[u8] = &line;
        if !self.seen_line {
            self.seen_line = true;
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        if bytes.is_empty() {
            self.dispatch(out);
        } else {
            self.field(bytes);
        }
        line.clear();
        self.line = line;
    }

    fn field(&mut self, line: &[u8]) {
        let (name, value) = match memchr::memchr(b':', line) {
            Some(0) => return, // comment
            Some(colon) => {
                let (name, value) = line.split_at(colon);
                (name, value.get(1..).unwrap_or_default())
            }
            None => (line, &[][..]),
        };
        let value = value.strip_prefix(b" ").unwrap_or(value);
        match name {
            b"data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.has_data = true;
                self.data.push_str(&String::from_utf8_lossy(value));
            }
            b"event" => self.event = String::from_utf8_lossy(value).into_owned(),
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let start = std::mem::replace(&mut self.block_start, self.offset);
        let kind = std::mem::take(&mut self.event);
        if !std::mem::take(&mut self.has_data) {
            return;
        }
        let event = SseEvent {
            event: (!kind.is_empty()).then_some(kind),
            data: std::mem::take(&mut self.data),
            raw: start..self.offset,
        };
        if self.skip_lf {
            self.pending = Some(event);
        } else {
            out.push(event);
        }
    }
}

/// One complete top-level element of a Gemini streamed JSON array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayElement {
    /// The element's bytes (a `GenerateContentResponse` object).
    pub bytes: Vec<u8>,
    /// Where they sit in the stream.
    pub raw: Range<usize>,
}

/// Splits Gemini's non-SSE `streamGenerateContent` body (`[{…},{…}]`, sent a
/// piece at a time) into its elements as each one completes.
///
/// It tracks only what framing needs (string / escape state and bracket
/// depth, across chunks); each element is then validated by [`json::parse`]
/// when decoded.
#[derive(Debug, Default)]
pub struct GeminiArrayStream {
    offset: usize,
    state: ArrayState,
    element: Vec<u8>,
    element_start: usize,
    depth: usize,
    in_string: bool,
    escaped: bool,
    failed: Option<StreamError>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ArrayState {
    /// Before `[`.
    #[default]
    Start,
    /// After `[`: an element or `]`.
    Open,
    /// After `,`: an element.
    Comma,
    /// Inside an element.
    Element,
    /// After an element: `,` or `]`.
    After,
    /// After `]`: only whitespace.
    Done,
}

impl GeminiArrayStream {
    /// A splitter at the start of a stream.
    pub fn new() -> GeminiArrayStream {
        GeminiArrayStream::default()
    }

    /// Feeds the next chunk; complete elements are appended to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<ArrayElement>) -> Result<(), StreamError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        for &b in chunk {
            if let Err(e) = self.byte(b, out) {
                self.failed = Some(e.clone());
                self.element = Vec::new();
                return Err(e);
            }
            self.offset += 1;
        }
        Ok(())
    }

    /// Ends the stream: an error unless the array was closed.
    pub fn finish(&mut self) -> Result<(), StreamError> {
        match (&self.failed, self.state) {
            (Some(e), _) => Err(e.clone()),
            (None, ArrayState::Done) => Ok(()),
            (None, _) => Err(StreamError::Truncated {
                offset: self.offset,
            }),
        }
    }

    fn malformed(&self, message: &'static str) -> StreamError {
        StreamError::Malformed {
            offset: self.offset,
            message,
        }
    }

    fn byte(&mut self, b: u8, out: &mut Vec<ArrayElement>) -> Result<(), StreamError> {
        let ws = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        match self.state {
            ArrayState::Element => self.element_byte(b, out),
            _ if ws => Ok(()),
            ArrayState::Start if b == b'[' => {
                self.state = ArrayState::Open;
                Ok(())
            }
            ArrayState::Start => Err(self.malformed("expected '[' to open the stream")),
            ArrayState::Open if b == b']' => {
                self.state = ArrayState::Done;
                Ok(())
            }
            ArrayState::Open | ArrayState::Comma if b == b',' || b == b']' => {
                Err(self.malformed("expected an array element"))
            }
            ArrayState::Open | ArrayState::Comma => {
                self.start_element(b);
                Ok(())
            }
            ArrayState::After => self.after_element(b),
            ArrayState::Done => Err(self.malformed("unexpected bytes after the closing ']'")),
        }
    }

    fn after_element(&mut self, b: u8) -> Result<(), StreamError> {
        self.state = match b {
            b',' => ArrayState::Comma,
            b']' => ArrayState::Done,
            b' ' | b'\t' | b'\n' | b'\r' => ArrayState::After,
            _ => return Err(self.malformed("expected ',' or ']' after an array element")),
        };
        Ok(())
    }

    fn start_element(&mut self, b: u8) {
        self.state = ArrayState::Element;
        self.element_start = self.offset;
        self.element.clear();
        self.element.push(b);
        self.in_string = b == b'"';
        self.escaped = false;
        self.depth = usize::from(b == b'{' || b == b'[');
    }

    fn element_byte(&mut self, b: u8, out: &mut Vec<ArrayElement>) -> Result<(), StreamError> {
        let scalar = self.depth == 0 && !self.in_string;
        if scalar && matches!(b, b',' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
            // A bare number / literal ends at the first byte not its own.
            self.complete(self.offset, out);
            return self.after_element(b);
        }
        if self.element.len() >= MAX_EVENT_BYTES {
            return Err(StreamError::TooLarge {
                offset: self.element_start,
                limit: MAX_EVENT_BYTES,
            });
        }
        self.element.push(b);
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
                if self.depth == 0 {
                    self.complete(self.offset + 1, out);
                }
            }
            return Ok(());
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' if !scalar => self.depth += 1,
            b'}' | b']' if !scalar => {
                self.depth -= 1;
                if self.depth == 0 {
                    self.complete(self.offset + 1, out);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn complete(&mut self, end: usize, out: &mut Vec<ArrayElement>) {
        self.state = ArrayState::After;
        let bytes = std::mem::take(&mut self.element);
        out.push(ArrayElement {
            bytes,
            raw: self.element_start..end,
        });
    }
}

/// A piece of text one stream event adds to the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDelta {
    /// The text fragment (may be empty on a tool-call start or a `done`).
    pub text: String,
    /// Completion text or tool-call arguments.
    pub kind: SegmentKind,
    /// The choice / candidate it belongs to (0 for APIs with one).
    pub choice: u32,
    /// Which run of text within the choice this extends: the tool call's
    /// `index` (OpenAI chat), the content block `index` (Anthropic), the
    /// `output_index` (OpenAI responses), the part's position (Gemini
    /// calls); 0 for OpenAI chat and Gemini text. Runs are keyed by
    /// `(choice, kind, index)`.
    pub index: u32,
    /// Set on the first delta of a tool call: its name. A delta with a name
    /// starts a new run even if its key was used before.
    pub tool_name: Option<String>,
    /// The stream is complete (OpenAI `[DONE]`, `response.completed`,
    /// Anthropic `message_stop`; for Gemini, a candidate's `finishReason`).
    pub done: bool,
}

impl StreamDelta {
    /// A fragment of text; `None` when empty (nothing to scan).
    pub(crate) fn text(
        choice: u32,
        kind: SegmentKind,
        index: u32,
        text: &str,
    ) -> Option<StreamDelta> {
        (!text.is_empty()).then(|| StreamDelta {
            text: text.to_owned(),
            kind,
            choice,
            index,
            tool_name: None,
            done: false,
        })
    }

    /// The start of a tool call named `name`.
    pub(crate) fn call(choice: u32, index: u32, name: &str, args: String) -> StreamDelta {
        StreamDelta {
            text: args,
            kind: SegmentKind::ToolArguments,
            choice,
            index,
            tool_name: Some(name.to_owned()),
            done: false,
        }
    }

    /// The end of the stream (or of one Gemini candidate).
    pub(crate) fn done(choice: u32) -> StreamDelta {
        StreamDelta {
            text: String::new(),
            kind: SegmentKind::Text,
            choice,
            index: 0,
            tool_name: None,
            done: true,
        }
    }
}

/// What a stream says about the response besides its text; later events
/// overwrite earlier ones (usage counts in streams are cumulative).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamMeta {
    /// The model that answers.
    pub model: Option<String>,
    /// Output tokens from the latest usage block seen.
    pub output_tokens: Option<u64>,
}

/// The text deltas of one SSE event of `api`, in order.
///
/// An event can carry several (one per choice, or text and a tool call), so
/// this returns them all; an event with none (pings, `*.done` echoes,
/// bookkeeping) gives an empty vector, which does not allocate.
pub fn event_delta(api: Api, event: &SseEvent) -> Result<Vec<StreamDelta>, CodecError> {
    let mut deltas = Vec::new();
    decode_event(api, event, &mut deltas, &mut StreamMeta::default())?;
    Ok(deltas)
}

/// Like [`event_delta`], appending to `deltas` and also collecting the model
/// and usage into `meta`.
pub fn decode_event(
    api: Api,
    event: &SseEvent,
    deltas: &mut Vec<StreamDelta>,
    meta: &mut StreamMeta,
) -> Result<(), CodecError> {
    decode_data(api, event.data.as_bytes(), deltas, meta)
}

/// Decodes one event payload: the `data` of an SSE event, or one element of
/// a Gemini array stream ([`ArrayElement::bytes`]). Blank data is nothing;
/// `[DONE]` (OpenAI's end marker) is a `done` delta; anything else must be
/// a JSON value of the API's stream shape.
pub fn decode_data(
    api: Api,
    data: &[u8],
    deltas: &mut Vec<StreamDelta>,
    meta: &mut StreamMeta,
) -> Result<(), CodecError> {
    let data = data.trim_ascii();
    if data.is_empty() {
        return Ok(());
    }
    if data == b"[DONE]" {
        deltas.push(StreamDelta::done(0));
        return Ok(());
    }
    let root = json::parse(data)?;
    match api {
        Api::OpenaiChat => openai::chat_chunk(&root, deltas, meta),
        Api::OpenaiResponses => openai::responses_event(&root, deltas, meta),
        Api::OpenaiEmbeddings => Ok(()),
        Api::Anthropic => anthropic::stream_event(&root, deltas, meta),
        Api::Gemini => gemini::stream_chunk(&root, data, deltas, meta),
    }
}

/// Decodes a whole recorded stream (SSE, or for Gemini also the JSON array
/// form) into the view a non-streamed response would give: one segment per
/// run of text (per choice, per content block, per tool call), in order of
/// first appearance, `raw` = `0..0`.
pub fn assemble_stream(api: Api, body: &[u8]) -> Result<ResponseView, CodecError> {
    let mut deltas = Vec::new();
    let mut meta = StreamMeta::default();
    if api == Api::Gemini && body.trim_ascii_start().first() == Some(&b'[') {
        let mut stream = GeminiArrayStream::new();
        let mut elements = Vec::new();
        stream.push(body, &mut elements)?;
        stream.finish()?;
        for element in &elements {
            decode_data(api, &element.bytes, &mut deltas, &mut meta)?;
        }
    } else {
        let mut parser = SseParser::new();
        let mut events = Vec::new();
        parser.push(body, &mut events)?;
        parser.finish(&mut events)?;
        for event in &events {
            decode_event(api, event, &mut deltas, &mut meta)?;
        }
    }
    Ok(assemble(&deltas, meta))
}

/// Concatenates deltas into segments, one per `(choice, kind, index)` run.
fn assemble(deltas: &[StreamDelta], meta: StreamMeta) -> ResponseView {
    let mut view = ResponseView {
        model: meta.model,
        output_tokens: meta.output_tokens,
        ..ResponseView::default()
    };
    // Open runs: key → position in `view.segments`. Streams have a handful.
    let mut runs: Vec<((u32, SegmentKind, u32), usize)> = Vec::new();
    for delta in deltas {
        let key = (delta.choice, delta.kind, delta.index);
        let open = runs
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|&(_, at)| at);
        match (
            &delta.tool_name,
            open.and_then(|at| view.segments.get_mut(at)),
        ) {
            (None, _) if delta.text.is_empty() => {}
            (None, Some(segment)) => segment.text.push_str(&delta.text),
            (name, _) => {
                view.tool_calls.extend(name.iter().cloned());
                runs.push((key, view.segments.len()));
                view.segments.push(Segment {
                    role: Role::Assistant,
                    message_index: delta.choice,
                    kind: delta.kind,
                    text: delta.text.clone(),
                    raw: 0..0,
                });
            }
        }
    }
    view
}
