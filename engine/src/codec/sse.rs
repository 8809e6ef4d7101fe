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
//! This module only frames; [`super::events`] turns each event of an API
//! into the text fragments it adds ([`super::delta::StreamDelta`]).
//!
//! In streams, [`super::SegmentKind::ToolArguments`] text is the arguments' JSON
//! text as the API streams it (OpenAI's `arguments` fragments, Anthropic's
//! `partial_json`, Gemini's `args` object as written), where the
//! non-streamed Anthropic and Gemini decoders yield one segment per string
//! value instead: a stream cannot be split into values before it ends.

use std::ops::Range;

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
/// depth, across chunks); each element is then validated by [`super::json::parse`]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::json;

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
}
