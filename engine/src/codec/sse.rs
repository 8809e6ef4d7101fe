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
//! ([`StreamDelta`]); the streaming inspector (`crate::stream`) scans them
//! as they settle.
//!
//! In streams, [`SegmentKind::ToolArguments`] text is the arguments' JSON
//! text as the API streams it (OpenAI's `arguments` fragments, Anthropic's
//! `partial_json`, Gemini's `args` object as written), where the
//! non-streamed Anthropic and Gemini decoders yield one segment per string
//! value instead: a stream cannot be split into values before it ends.

use std::ops::Range;

use super::json;
use super::{Api, CodecError, SegmentKind, anthropic, gemini, openai};

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

    /// Stream offset from which bytes may still belong to an event not yet
    /// returned: everything before it is framed (dispatched events, comments,
    /// blank lines) and can be forwarded.
    pub fn pending_from(&self) -> usize {
        self.pending
            .as_ref()
            .map_or(self.block_start, |event| event.raw.start)
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

    /// Stream offset from which bytes may still belong to an element not
    /// yet returned (everything before it is framing or returned elements).
    pub fn pending_from(&self) -> usize {
        if self.state == ArrayState::Element {
            self.element_start
        } else {
            self.offset
        }
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
    /// Byte range, in the event's data, of the JSON string literal (quotes
    /// included) whose decoded value is the `text` field; `None` when
    /// the text is not one string (Gemini's `args` object, `done`). A
    /// streaming redactor rewrites exactly this literal.
    pub raw: Option<Range<usize>>,
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
        text: &json::Str<'_>,
    ) -> Option<StreamDelta> {
        (!text.text.is_empty()).then(|| StreamDelta {
            text: text.text.to_string(),
            kind,
            choice,
            index,
            tool_name: None,
            done: false,
            raw: Some(text.raw.clone()),
        })
    }

    /// The start of a tool call named `name`.
    pub(crate) fn call(
        choice: u32,
        index: u32,
        name: &str,
        args: String,
        raw: Option<Range<usize>>,
    ) -> StreamDelta {
        StreamDelta {
            text: args,
            kind: SegmentKind::ToolArguments,
            choice,
            index,
            tool_name: Some(name.to_owned()),
            done: false,
            raw,
        }
    }

    /// The start of a tool call when it is named, else a fragment of its
    /// arguments (`None` when empty).
    /// `args` is the arguments' text and `raw` the literal it was decoded
    /// from, when it was one JSON string.
    pub(crate) fn tool(
        choice: u32,
        index: u32,
        name: Option<&str>,
        args: &str,
        raw: Option<Range<usize>>,
    ) -> Option<StreamDelta> {
        match name {
            Some(name) => Some(StreamDelta::call(choice, index, name, args.to_owned(), raw)),
            None => (!args.is_empty()).then(|| StreamDelta {
                text: args.to_owned(),
                kind: SegmentKind::ToolArguments,
                choice,
                index,
                tool_name: None,
                done: false,
                raw,
            }),
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
            raw: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{ResponseView, Role, Segment};

    /// Test helper: decodes a whole recorded stream (SSE, or for Gemini also the JSON array
    /// form) into the view a non-streamed response would give: one segment per
    /// run of text (per choice, per content block, per tool call), in order of
    /// first appearance, `raw` = `0..0`.
    fn assemble_stream(api: Api, body: &[u8]) -> Result<ResponseView, CodecError> {
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

    fn parse_whole(stream: &[u8]) -> Vec<SseEvent> {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        parser.push(stream, &mut out).unwrap();
        parser.finish(&mut out).unwrap();
        out
    }

    fn parse_split(stream: &[u8], cuts: &[usize]) -> Vec<SseEvent> {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        let mut from = 0;
        for &cut in cuts.iter().chain([&stream.len()]) {
            parser.push(&stream[from..cut], &mut out).unwrap();
            parser.push(b"", &mut out).unwrap();
            from = cut;
        }
        parser.finish(&mut out).unwrap();
        out
    }

    fn event(kind: Option<&str>, data: &str, raw: Range<usize>) -> SseEvent {
        SseEvent {
            event: kind.map(str::to_owned),
            data: data.to_owned(),
            raw,
        }
    }

    #[test]
    fn fields_comments_and_spaces() {
        let first = &b": hello comment\nevent: add\ndata: a\ndata:b\ndata:  c\nid: 7\nretry: 10\nbogus: x\n\n"[..];
        let second = &b"data\n\n"[..];
        // `event: lonely` has no data: not dispatched, and its type does not
        // leak into the next event.
        let skipped = &b"event: lonely\n\n"[..];
        let third = &b"data: after\n\n"[..];
        let stream = [first, second, skipped, third].concat();
        let (a, b, c) = (
            first.len(),
            first.len() + second.len(),
            first.len() + second.len() + skipped.len(),
        );
        assert_eq!(
            parse_whole(&stream),
            [
                event(Some("add"), "a\nb\n c", 0..a),
                event(None, "", a..b),
                event(None, "after", c..stream.len()),
            ]
        );
    }

    #[test]
    fn line_endings_cr_crlf_lf() {
        let lf = parse_whole(b"data: x\n\ndata: y\n\n");
        let crlf = parse_whole(b"data: x\r\n\r\ndata: y\r\n\r\n");
        let cr = parse_whole(b"data: x\r\rdata: y\r\r");
        let data = |events: &[SseEvent]| events.iter().map(|e| e.data.clone()).collect::<Vec<_>>();
        assert_eq!(data(&lf), ["x", "y"]);
        assert_eq!(data(&crlf), ["x", "y"]);
        assert_eq!(data(&cr), ["x", "y"]);
        assert_eq!(crlf[0].raw, 0..11);
        assert_eq!(crlf[1].raw, 11..22);
        assert_eq!(cr[1].raw, 9..18);
        // "\n\r" is two line ends, not one.
        assert_eq!(data(&parse_whole(b"data: a\n\rdata: b\n\n")), ["a", "b"]);
    }

    #[test]
    fn bom_is_skipped_once() {
        let events = parse_whole(b"\xEF\xBB\xBFdata: x\n\n\xEF\xBB\xBFdata: y\n\n");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data, "x");
        assert_eq!(events[0].raw, 0..12);
    }

    #[test]
    fn unterminated_event_is_dispatched_at_finish() {
        assert_eq!(
            parse_whole(b"data: a\n\ndata: tail"),
            [event(None, "a", 0..9), event(None, "tail", 9..19)]
        );
        assert_eq!(
            parse_whole(b"data: a\n\nevent: x\n"),
            [event(None, "a", 0..9)]
        );
        assert_eq!(parse_whole(b"data: a\r"), [event(None, "a", 0..8)]);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(parse_whole(b"data: a\xffb\n\n")[0].data, "a\u{fffd}b");
    }

    const MIXED: &[u8] =
        b"\xEF\xBB\xBF: c\r\nevent: e1\r\ndata: h\xC3\xA9llo\r\ndata:  two\r\n\r\n\
        data: [DONE]\r\rdata: z\n\n\n\ndata: last\r\n\r\n: tail\r\ndata: no end";

    #[test]
    fn every_split_gives_the_same_events() {
        let whole = parse_whole(MIXED);
        assert_eq!(whole.len(), 5);
        assert_eq!(whole[0], event(Some("e1"), "héllo\n two", 0..47));
        assert_eq!(whole[4].data, "no end");
        for cut in 0..=MIXED.len() {
            assert_eq!(parse_split(MIXED, &[cut]), whole, "cut at {cut}");
        }
        for a in 0..=MIXED.len() {
            for b in a..=MIXED.len() {
                assert_eq!(parse_split(MIXED, &[a, b]), whole, "cuts at {a}, {b}");
            }
        }
        let bytes: Vec<usize> = (1..MIXED.len()).collect();
        assert_eq!(parse_split(MIXED, &bytes), whole);
    }

    #[test]
    fn oversized_event_is_an_error_state() {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        parser.push(b"data: ok\n\n", &mut out).unwrap();
        let big = vec![b'x'; 64 * 1024];
        parser.push(b"data: ", &mut out).unwrap();
        let mut result = Ok(());
        for _ in 0..20 {
            result = parser.push(&big, &mut out);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(
            result,
            Err(StreamError::TooLarge {
                offset: 10,
                limit: MAX_EVENT_BYTES
            })
        );
        assert!(parser.push(b"\n\n", &mut out).is_err());
        assert!(parser.finish(&mut out).is_err());
        assert_eq!(out.len(), 1);
        // Many small lines add up too; a blank line resets the count.
        let mut parser = SseParser::new();
        let line = b": keep-alive padding padding padding padding padding\n";
        for _ in 0..(MAX_EVENT_BYTES / line.len() / 2) {
            parser.push(line, &mut out).unwrap();
        }
        parser.push(b"\n", &mut out).unwrap();
        for _ in 0..(MAX_EVENT_BYTES / line.len() / 2) {
            parser.push(line, &mut out).unwrap();
        }
        let over = (0..MAX_EVENT_BYTES).try_for_each(|_| parser.push(line, &mut out));
        assert!(matches!(over, Err(StreamError::TooLarge { .. })));
    }

    #[test]
    fn arbitrary_streams_never_panic_and_split_alike() {
        use proptest::prelude::*;
        let alphabet = b"data:event: \r\n\r\n:x\xff{}".to_vec();
        proptest!(|(stream in prop::collection::vec(prop::sample::select(alphabet.clone()), 0..64), cut in 0usize..64)| {
            let cut = cut.min(stream.len());
            prop_assert_eq!(parse_split(&stream, &[cut]), parse_whole(&stream));
        });
    }

    fn split_array(stream: &[u8], cut: usize) -> Result<Vec<ArrayElement>, StreamError> {
        let mut splitter = GeminiArrayStream::new();
        let mut out = Vec::new();
        splitter.push(&stream[..cut], &mut out)?;
        splitter.push(&stream[cut..], &mut out)?;
        splitter.finish()?;
        Ok(out)
    }

    #[test]
    fn gemini_array_elements_at_every_split() {
        let stream = b"[{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"a ] } \\\" [ {\"}]}}]}\r\n,\r\n\
                       {\"x\": [1, {\"y\": \"\\\\\"}]}, \"str\\\"]\" ,12 , true]\n";
        let whole = split_array(stream, 0).unwrap();
        let raws: Vec<&[u8]> = whole.iter().map(|e| &stream[e.raw.clone()]).collect();
        assert_eq!(whole.len(), 5);
        for (element, raw) in whole.iter().zip(&raws) {
            assert_eq!(&element.bytes[..], *raw);
            assert!(json::parse(raw).is_ok(), "{}", String::from_utf8_lossy(raw));
        }
        assert_eq!(raws[2], b"\"str\\\"]\"");
        assert_eq!(raws[3], b"12");
        assert_eq!(raws[4], b"true");
        for cut in 0..=stream.len() {
            assert_eq!(
                split_array(stream, cut).as_ref(),
                Ok(&whole),
                "cut at {cut}"
            );
        }
        assert!(split_array(b" [ ] ", 2).unwrap().is_empty());
    }

    #[test]
    fn gemini_array_malformed() {
        for bad in [
            &b"{}"[..],
            b"[1,]",
            b"[,1]",
            b"[]x",
            b"[{} {}]",
            b"[{}",
            b"",
            b"[\"open",
        ] {
            for cut in 0..=bad.len() {
                assert!(
                    split_array(bad, cut).is_err(),
                    "{:?}",
                    String::from_utf8_lossy(bad)
                );
            }
        }
        let mut splitter = GeminiArrayStream::new();
        let mut out = Vec::new();
        let big = vec![b' '; MAX_EVENT_BYTES];
        splitter.push(b"[\"", &mut out).unwrap();
        assert!(matches!(
            splitter.push(&big, &mut out),
            Err(StreamError::TooLarge { offset: 1, .. })
        ));
        assert!(splitter.push(b"\"]", &mut out).is_err());
    }

    fn deltas(api: Api, data: &str) -> Vec<StreamDelta> {
        event_delta(
            api,
            &SseEvent {
                event: None,
                data: data.to_owned(),
                raw: 0..0,
            },
        )
        .unwrap()
        .into_iter()
        // Literal spans are checked on their own below.
        .map(|d| StreamDelta { raw: None, ..d })
        .collect()
    }

    fn text(choice: u32, kind: SegmentKind, index: u32, text: &str) -> StreamDelta {
        StreamDelta {
            text: text.into(),
            kind,
            choice,
            index,
            tool_name: None,
            done: false,
            raw: None,
        }
    }

    #[test]
    fn raw_spans_name_the_string_literal() {
        let data = r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\u0040b"}}"#;
        let got = event_delta(
            Api::Anthropic,
            &SseEvent {
                event: None,
                data: data.to_owned(),
                raw: 0..0,
            },
        )
        .unwrap();
        let raw = got[0].raw.clone().unwrap();
        assert_eq!(&data[raw], r#""a\u0040b""#);
        assert_eq!(got[0].text, "a@b");
    }

    #[test]
    fn openai_chat_deltas() {
        let got = deltas(
            Api::OpenaiChat,
            r#"{"id":"c","object":"chat.completion.chunk","model":"gpt-4o","choices":[
              {"index":0,"delta":{"content":"Hi \u0040 \ud83d\ude00"},"finish_reason":null},
              {"index":1,"delta":{"role":"assistant","content":null,"tool_calls":[
                {"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}},
                {"index":1,"function":{"arguments":"{\"a\""}}]}}]}"#,
        );
        let call = StreamDelta::call(1, 0, "f", String::new(), None);
        assert_eq!(
            got,
            [
                text(0, SegmentKind::Text, 0, "Hi @ 😀"),
                call,
                text(1, SegmentKind::ToolArguments, 1, "{\"a\"")
            ]
        );
        assert_eq!(deltas(Api::OpenaiChat, "[DONE]"), [StreamDelta::done(0)]);
        let role_only = r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#;
        assert!(deltas(Api::OpenaiChat, role_only).is_empty());
    }

    #[test]
    fn openai_responses_deltas() {
        let text_delta = r#"{"type":"response.output_text.delta","item_id":"msg_1","output_index":2,"content_index":0,"delta":"Hel"}"#;
        assert_eq!(
            deltas(Api::OpenaiResponses, text_delta),
            [text(0, SegmentKind::Text, 2, "Hel")]
        );
        let added = r#"{"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"c","name":"get_weather","arguments":""}}"#;
        assert_eq!(
            deltas(Api::OpenaiResponses, added),
            [StreamDelta::call(0, 1, "get_weather", String::new(), None)]
        );
        let args = r#"{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":"{\""}"#;
        assert_eq!(
            deltas(Api::OpenaiResponses, args),
            [text(0, SegmentKind::ToolArguments, 1, "{\"")]
        );
        let done = r#"{"type":"response.output_text.done","output_index":0,"text":"Hello"}"#;
        assert!(deltas(Api::OpenaiResponses, done).is_empty());
        let completed = r#"{"type":"response.completed","response":{"status":"completed","usage":{"output_tokens":5}}}"#;
        assert_eq!(
            deltas(Api::OpenaiResponses, completed),
            [StreamDelta::done(0)]
        );
    }

    #[test]
    fn anthropic_deltas() {
        let text_delta = r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#;
        assert_eq!(
            deltas(Api::Anthropic, text_delta),
            [text(0, SegmentKind::Text, 0, "Hello")]
        );
        let start = r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"get_weather","input":{}}}"#;
        assert_eq!(
            deltas(Api::Anthropic, start),
            [StreamDelta::call(0, 1, "get_weather", String::new(), None)]
        );
        let json = r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}"#;
        assert_eq!(
            deltas(Api::Anthropic, json),
            [text(
                0,
                SegmentKind::ToolArguments,
                1,
                "{\"location\": \"San Fra"
            )]
        );
        assert!(deltas(Api::Anthropic, r#"{"type": "ping"}"#).is_empty());
        let thinking = r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hm"}}"#;
        assert!(deltas(Api::Anthropic, thinking).is_empty());
        assert_eq!(
            deltas(Api::Anthropic, r#"{"type":"message_stop"}"#),
            [StreamDelta::done(0)]
        );
    }

    #[test]
    fn gemini_deltas() {
        let chunk = r#"{"candidates":[{"content":{"parts":[{"text":"Hi"},{"functionCall":{"name":"f","args":{"q":"x y"}}}],"role":"model"},"finishReason":"STOP","index":0}]}"#;
        let mut call = StreamDelta::call(0, 1, "f", r#"{"q":"x y"}"#.into(), None);
        call.kind = SegmentKind::ToolArguments;
        assert_eq!(
            deltas(Api::Gemini, chunk),
            [
                text(0, SegmentKind::Text, 0, "Hi"),
                call,
                StreamDelta::done(0)
            ]
        );
    }

    #[test]
    fn malformed_events_are_errors() {
        let event = |data: &str| SseEvent {
            event: None,
            data: data.into(),
            raw: 0..0,
        };
        for api in Api::ALL {
            assert!(
                matches!(
                    event_delta(api, &event("{\"choices\": [")),
                    Err(CodecError::Json(_))
                ),
                "{api}"
            );
            assert!(event_delta(api, &event("  ")).unwrap().is_empty());
        }
        let shapes = [
            (Api::OpenaiChat, r#"{"choices":{}}"#),
            (Api::OpenaiChat, r#"{"choices":[{"delta":{"content":5}}]}"#),
            (
                Api::OpenaiResponses,
                r#"{"type":"response.output_text.delta","delta":7}"#,
            ),
            (
                Api::Anthropic,
                r#"{"type":"content_block_delta","index":-1,"delta":{}}"#,
            ),
            (
                Api::Gemini,
                r#"{"candidates":[{"content":{"parts":[{"text":1}]}}]}"#,
            ),
            (Api::Gemini, r#"[]"#),
        ];
        for (api, data) in shapes {
            let result = event_delta(api, &event(data));
            assert!(
                matches!(result, Err(CodecError::Shape { .. })),
                "{api} {data}: {result:?}"
            );
        }
    }

    fn assembled(api: Api, stream: &str) -> ResponseView {
        let view = assemble_stream(api, stream.as_bytes()).unwrap();
        assert!(
            view.segments
                .iter()
                .all(|s| s.raw == (0..0) && s.role == Role::Assistant)
        );
        view
    }

    fn segs(view: &ResponseView) -> Vec<(u32, SegmentKind, &str)> {
        view.segments
            .iter()
            .map(|s| (s.message_index, s.kind, s.text.as_str()))
            .collect()
    }

    const CHAT_STREAM: &str = concat!(
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null},{"index":1,"delta":{"content":"Bon"},"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" wor\u006cd \"\ud83d\ude00\""},"finish_reason":null},{"index":1,"delta":{"content":"jour"},"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"loc"}}]},"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ation\":\"Paris\"}"}}]},"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}"#,
        "\n\n",
        "data: [DONE]\n\n",
    );

    #[test]
    fn assemble_openai_chat() {
        let view = assembled(Api::OpenaiChat, CHAT_STREAM);
        assert_eq!(view.model.as_deref(), Some("gpt-4o-mini"));
        assert_eq!(view.output_tokens, Some(12));
        assert_eq!(view.tool_calls, ["get_weather"]);
        assert_eq!(
            segs(&view),
            [
                (0, SegmentKind::Text, "Hello world \"😀\""),
                (1, SegmentKind::Text, "Bonjour"),
                (0, SegmentKind::ToolArguments, "{\"location\":\"Paris\"}"),
            ]
        );
        // The same stream with CRLF line ends, split anywhere, is the same.
        let crlf = CHAT_STREAM.replace('\n', "\r\n");
        assert_eq!(assembled(Api::OpenaiChat, &crlf), view);
        let mut parser = SseParser::new();
        let mut events = Vec::new();
        for piece in crlf.as_bytes().chunks(7) {
            parser.push(piece, &mut events).unwrap();
        }
        parser.finish(&mut events).unwrap();
        assert_eq!(events, parse_whole(crlf.as_bytes()));
        assert_eq!(events.len(), 9);
        assert_eq!(
            events.last().map(|e| &crlf.as_bytes()[e.raw.clone()]),
            Some(&b"data: [DONE]\r\n\r\n"[..])
        );
    }

    #[test]
    fn assemble_openai_responses() {
        let stream = concat!(
            "event: response.created\n",
            r#"data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","model":"gpt-4.1-2025-04-14","output":[],"usage":null}}"#,
            "\n\nevent: response.output_item.added\n",
            r#"data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_1","type":"message","status":"in_progress","role":"assistant","content":[]}}"#,
            "\n\nevent: response.content_part.added\n",
            r#"data: {"type":"response.content_part.added","sequence_number":2,"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}"#,
            "\n\nevent: response.output_text.delta\n",
            r#"data: {"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi"}"#,
            "\n\nevent: response.output_text.delta\n",
            r#"data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":" there"}"#,
            "\n\nevent: response.output_text.done\n",
            r#"data: {"type":"response.output_text.done","sequence_number":5,"item_id":"msg_1","output_index":0,"content_index":0,"text":"Hi there"}"#,
            "\n\nevent: response.output_item.added\n",
            r#"data: {"type":"response.output_item.added","sequence_number":6,"output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"","status":"in_progress"}}"#,
            "\n\nevent: response.function_call_arguments.delta\n",
            r#"data: {"type":"response.function_call_arguments.delta","sequence_number":7,"item_id":"fc_1","output_index":1,"delta":"{\"location\":"}"#,
            "\n\nevent: response.function_call_arguments.delta\n",
            r#"data: {"type":"response.function_call_arguments.delta","sequence_number":8,"item_id":"fc_1","output_index":1,"delta":"\"Paris\"}"}"#,
            "\n\nevent: response.completed\n",
            r#"data: {"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","status":"completed","model":"gpt-4.1-2025-04-14","output":[],"usage":{"input_tokens":10,"output_tokens":20,"total_tokens":30}}}"#,
            "\n\n",
        );
        let view = assembled(Api::OpenaiResponses, stream);
        assert_eq!(view.model.as_deref(), Some("gpt-4.1-2025-04-14"));
        assert_eq!(view.output_tokens, Some(20));
        assert_eq!(view.tool_calls, ["get_weather"]);
        assert_eq!(
            segs(&view),
            [
                (0, SegmentKind::Text, "Hi there"),
                (0, SegmentKind::ToolArguments, "{\"location\":\"Paris\"}")
            ]
        );
    }

    const ANTHROPIC_STREAM: &str = concat!(
        "event: message_start\n",
        r#"data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"#,
        "\n\nevent: content_block_start\n",
        r#"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        "\n\nevent: ping\n",
        r#"data: {"type": "ping"}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello \u0040"}}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" you"}}"#,
        "\n\nevent: content_block_stop\n",
        r#"data: {"type":"content_block_stop","index":0}"#,
        "\n\nevent: content_block_start\n",
        r#"data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\"}"}}"#,
        "\n\nevent: content_block_stop\n",
        r#"data: {"type":"content_block_stop","index":1}"#,
        "\n\nevent: message_delta\n",
        r#"data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}"#,
        "\n\nevent: message_stop\n",
        r#"data: {"type":"message_stop"}"#,
        "\n\n",
    );

    #[test]
    fn assemble_anthropic() {
        let view = assembled(Api::Anthropic, ANTHROPIC_STREAM);
        assert_eq!(view.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
        assert_eq!(view.output_tokens, Some(89));
        assert_eq!(view.tool_calls, ["get_weather"]);
        assert_eq!(
            segs(&view),
            [
                (0, SegmentKind::Text, "Hello @ you"),
                (
                    0,
                    SegmentKind::ToolArguments,
                    "{\"location\": \"San Francisco, CA\"}"
                ),
            ]
        );
        let mut events = Vec::new();
        let mut parser = SseParser::new();
        parser
            .push(ANTHROPIC_STREAM.as_bytes(), &mut events)
            .unwrap();
        assert_eq!(events[2].event.as_deref(), Some("ping"));
    }

    #[test]
    fn assemble_gemini_sse_and_array() {
        let chunks = [
            r#"{"candidates": [{"content": {"parts": [{"text": "The"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.5-flash"}"#,
            r#"{"candidates": [{"content": {"parts": [{"text": " quick \"brown\" fox \ud83e\udd8a"}],"role": "model"},"index": 0}],"modelVersion": "gemini-2.5-flash"}"#,
            r#"{"candidates": [{"content": {"parts": [{"functionCall": {"name": "jump","args": {"over": "dog"}}}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 12,"totalTokenCount": 20},"modelVersion": "gemini-2.5-flash"}"#,
        ];
        let sse: String = chunks
            .iter()
            .map(|c| format!("data: {c}\r\n\r\n"))
            .collect();
        let array = format!("[{}]", chunks.join(",\r\n"));
        let expect = |view: &ResponseView| {
            assert_eq!(view.model.as_deref(), Some("gemini-2.5-flash"));
            assert_eq!(view.output_tokens, Some(12));
            assert_eq!(view.tool_calls, ["jump"]);
            assert_eq!(
                segs(view),
                [
                    (0, SegmentKind::Text, "The quick \"brown\" fox 🦊"),
                    (0, SegmentKind::ToolArguments, "{\"over\": \"dog\"}")
                ]
            );
        };
        expect(&assembled(Api::Gemini, &sse));
        expect(&assembled(Api::Gemini, &array));
        assert!(matches!(
            assemble_stream(Api::Gemini, b"[{\"candidates\": []}"),
            Err(CodecError::Stream(_))
        ));
        assert!(matches!(
            assemble_stream(Api::Gemini, b"[{\"candidates\": 1}]"),
            Err(CodecError::Shape { .. })
        ));
    }

    #[test]
    fn assemble_errors_and_empty() {
        assert_eq!(
            assemble_stream(Api::OpenaiChat, b"").unwrap(),
            ResponseView::default()
        );
        assert_eq!(
            assemble_stream(Api::OpenaiChat, b": ping\n\n").unwrap(),
            ResponseView::default()
        );
        assert!(matches!(
            assemble_stream(Api::OpenaiChat, b"data: {oops}\n\n"),
            Err(CodecError::Json(_))
        ));
        let huge = format!("data: {}\n\n", "x".repeat(MAX_EVENT_BYTES));
        assert!(matches!(
            assemble_stream(Api::Anthropic, huge.as_bytes()),
            Err(CodecError::Stream(_))
        ));
    }
}
