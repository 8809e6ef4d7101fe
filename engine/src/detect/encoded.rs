//! Decode and rescan: text hidden in an encoding is decoded, within a
//! budget, and scanned again with every detector.
//!
//! A prompt that says `aWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM=` says
//! "ignore all previous instructions" to any model that reads base64, and
//! a key sent hex-encoded is still the key. [`rescan`] finds the encoded
//! runs of a text, decodes them, scans the decoded text once with the
//! whole [`Scanner`] (injection phrasing, secrets, PII alike) and maps
//! every match back to the **encoded run** in the original text, so a rule
//! that redacts masks the run and the hit records say which decoding found
//! it ([`Encodings`], `encoded:base64` in the audit event).
//!
//! # What is decoded
//!
//! | decoding | found where | pre-check before decoding |
//! |---|---|---|
//! | base64 (std / url-safe, padded or not) | runs of the alphabet, ≥ 16 chars | one alphabet only, length valid, not all one case without digits; the first 36 bytes decode to text |
//! | base32 | runs of `A–Z 2–7` (one case), ≥ 16 chars | length valid; the first 36 bytes decode to text |
//! | hex (`0x` allowed) | runs of hex digits, ≥ 16, even | decodes to text |
//! | hex bytes written apart (`49 67 6e`, `49:67:6e`, `0x49, 0x67`) | ≥ 8 two-digit groups, optional `0x`, one kind of separator throughout | decodes to text |
//! | URL percent-encoding | ≥ 3 `%XX` close together | — |
//! | HTML entities (named, `&#…;`, `&#x…;`) | ≥ 3 close together | — |
//! | `\uXXXX`, `\u{…}`, `\xXX`, `\UXXXXXXXX` | ≥ 3 close together | — |
//! | spaced-out text (`i g n o r e  a l l`) | ≥ 8 single letters or digits, one separator | ≥ 60 % letters |
//! | ROT13 | a sentence of ≥ 3 words | more common English words after ROT13 than before (≥ 2, and more than twice as many) |
//! | reversed text | an ASCII sentence of ≥ 3 words | the same test on the words reversed |
//! | leetspeak (`1gn0r3 4ll`) | a sentence | a token mixing letters with `0 1 3 4 5 7 8 9 $ @` decodes to a common English word |
//!
//! Every decoded text must *be* text: valid UTF-8, no control characters
//! but tab and newlines, at least 40 % letters, digits or spaces. Binary —
//! images, audio, compressed data, hashes, random tokens, UUIDs — fails
//! that within its first bytes and is never rescanned, so legitimate
//! base64 data costs a 36-byte probe, not a rescan, and cannot turn into
//! spurious hits.
//!
//! ROT13, reversal and leetspeak apply to any text, so applying them to
//! everything would double the cost of every body. Instead each sentence is
//! judged by a table of ~170 common English words (and words of the
//! instructions attackers hide), looked up for each word as written, after
//! ROT13 and reversed — one pass, a few nanoseconds per word. Plain English
//! has far more common words as written than transformed, so no benign
//! sentence is transformed; an encoded one is. Text in other languages is
//! not transformed (the detectors look for English phrasing anyway).
//!
//! # Bounds
//!
//! * **Budget.** At most [`DEFAULT_MAX_DECODED_BYTES`] (configurable on the
//!   engine) of decoded text is rescanned per body, all segments and both
//!   levels together. A candidate that does not fit is decoded up to what
//!   is left, and [`Budget::exhausted`] tells the engine, which then flags
//!   or refuses the body (audit code `decode_limit`): it is never passed as
//!   if it had been fully inspected.
//! * **Depth.** Decoded text is searched for encodings once more (base64 of
//!   hex is caught), and what that yields is scanned but not decoded again
//!   ([`MAX_DEPTH`]).
//! * **One scan per level.** All decoded texts of a level are joined (a
//!   blank line between them) and scanned in one pass.
//!
//! # Spans
//!
//! Base64, base32, hex, escapes and spaced-out text map every match to the
//! whole encoded run (masking part of a base64 run would leave the rest
//! decodable). ROT13 and leetspeak keep every character in place, so a
//! match maps to exactly the characters it covers; a reversed sentence maps
//! mirror-wise. A match of the second level maps to the first-level run
//! that held it.

use std::ops::Range;
use std::sync::OnceLock;

use serde::{Serialize, Serializer};

use super::{Match, Scanner};
use crate::normalize::Normalized;

/// Default of the per-body budget of decoded text: far above what a real
/// prompt encodes, small enough to bound the rescan at about the cost of
/// scanning a 64 KiB prompt.
pub const DEFAULT_MAX_DECODED_BYTES: usize = 64 * 1024;

/// Levels of decoding: decoded text is searched for encodings once more,
/// and what that yields is scanned but not decoded.
pub const MAX_DEPTH: usize = 2;

/// Shortest base64, base32 or hex run decoded.
const MIN_TOKEN_RUN: usize = 16;
/// Fewest escapes (`%XX`, entities, `\uXXXX`) that make a region.
const MIN_ESCAPES: usize = 3;
/// Most bytes between two escapes of one region.
const ESCAPE_GAP: usize = 24;
/// Most bytes a region is widened by, to the whitespace around it.
const WIDEN: usize = 64;
/// Bytes decoded to judge whether a token run is text at all.
const PROBE_BYTES: usize = 36;
/// Fewest single characters of a spaced-out run.
const MIN_SPACED: usize = 8;
/// Between the decoded texts of one level.
const SEPARATOR: &str = "\n\n";

/// An encoding the engine decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Encoding {
    /// Base64, standard alphabet (`+/`).
    Base64,
    /// Base64, URL-safe alphabet (`-_`).
    Base64Url,
    /// Base32 (RFC 4648).
    Base32,
    /// Hex digits, two per byte.
    Hex,
    /// URL percent-encoding.
    Percent,
    /// HTML character references.
    HtmlEntities,
    /// Backslash escapes: `\uXXXX`, `\u{…}`, `\xXX`, `\UXXXXXXXX`.
    Escapes,
    /// ROT13.
    Rot13,
    /// Text written backwards.
    Reversed,
    /// Letters spaced out.
    Spaced,
    /// Leetspeak.
    Leet,
}

impl Encoding {
    /// Kebab-case name, as in audit events.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Base64Url => "base64url",
            Encoding::Base32 => "base32",
            Encoding::Hex => "hex",
            Encoding::Percent => "percent",
            Encoding::HtmlEntities => "html-entities",
            Encoding::Escapes => "escapes",
            Encoding::Rot13 => "rot13",
            Encoding::Reversed => "reversed",
            Encoding::Spaced => "spaced",
            Encoding::Leet => "leet",
        }
    }
}

/// The decodings that revealed a match, outermost first: one, or two for
/// text encoded twice (base64 of hex).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Encodings {
    /// The encoding of the run in the original text.
    pub outer: Encoding,
    /// The encoding found inside the decoded run, if the match was there.
    pub inner: Option<Encoding>,
}

impl Encodings {
    /// `encoded:base64`, `encoded:base64+hex`: how audit events and
    /// explanations name it (`encoded:base64 → prompt-injection`).
    pub fn label(&self) -> String {
        match self.inner {
            Some(inner) => format!("encoded:{}+{}", self.outer.name(), inner.name()),
            None => format!("encoded:{}", self.outer.name()),
        }
    }
}

impl Serialize for Encodings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.label())
    }
}

/// What the engine does with a body whose encoded text did not fit the
/// budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecodeLimitAction {
    /// Decide on what was decoded, and flag the decision (outcome at least
    /// `flag`, audit code `decode_limit`).
    #[default]
    Flag,
    /// Refuse the body (audit code and block reason `decode_limit`).
    Refuse,
}

/// Decoded bytes left to rescan for one body.
#[derive(Debug, Clone)]
pub struct Budget {
    left: usize,
    exhausted: bool,
}

impl Budget {
    /// A budget of `max` decoded bytes.
    pub fn new(max: usize) -> Budget {
        Budget {
            left: max,
            exhausted: false,
        }
    }

    /// Whether some encoded text was not (fully) decoded for lack of budget.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// Bytes left.
    pub fn left(&self) -> usize {
        self.left
    }

    /// Takes up to `want` bytes; marks the budget exhausted when fewer are
    /// left.
    fn take(&mut self, want: usize) -> usize {
        let got = want.min(self.left);
        if got < want {
            self.exhausted = true;
        }
        self.left -= got;
        got
    }
}

/// A match found in decoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedMatch {
    /// The scanner's match, its span mapped to the original text given to
    /// [`rescan`]: the encoded run, or the characters it covers for
    /// position-keeping decodings.
    pub matched: Match,
    /// How it was found.
    pub via: Encodings,
}

/// Finds the encoded runs of `normalized` (the normalised text of a
/// segment), decodes them within `budget`, scans the decoded text with
/// `scanner` and appends the matches, mapped back to the original text, to
/// `out` (sorted, without duplicates).
pub fn rescan(
    scanner: &Scanner,
    normalized: &Normalized<'_>,
    budget: &mut Budget,
    out: &mut Vec<EncodedMatch>,
) {
    let first = out.len();
    let outer = Layer::decode(&normalized.text, budget);
    if outer.pieces.is_empty() {
        return;
    }
    let mut found: Vec<Match> = Vec::new();
    scanner.scan(&outer.text, &mut found);
    for m in found.drain(..) {
        if let Some((span, encoding)) = outer.map(&m.span) {
            out.push(EncodedMatch {
                matched: Match {
                    span: normalized.to_original(span),
                    ..m
                },
                via: Encodings {
                    outer: encoding,
                    inner: None,
                },
            });
        }
    }
    // Level 2: what the decoded text hides; scanned, not decoded again.
    let inner = Layer::decode(&outer.text, budget);
    if !inner.pieces.is_empty() {
        scanner.scan(&inner.text, &mut found);
        for m in found.drain(..) {
            let Some((span, second)) = inner.map(&m.span) else {
                continue;
            };
            if let Some((span, first)) = outer.map(&span) {
                out.push(EncodedMatch {
                    matched: Match {
                        span: normalized.to_original(span),
                        ..m
                    },
                    via: Encodings {
                        outer: first,
                        inner: Some(second),
                    },
                });
            }
        }
    }
    // A phrase detector's signals are kept apart: a whole-run decoding
    // gives every match the run's span, and the signals must still add up.
    let key = |e: &EncodedMatch| {
        (
            e.matched.detector,
            e.matched.signal,
            e.matched.span.start,
            e.matched.span.end,
        )
    };
    out[first..].sort_by_key(|a| {
        let m = &a.matched;
        (m.detector, m.span.start, m.span.end, m.signal, a.via)
    });
    // One hit per detector (signal) and span: the shallowest decoding that
    // found it.
    let mut kept: Vec<EncodedMatch> = Vec::with_capacity(out.len() - first);
    for m in out.drain(first..) {
        if kept.last().is_some_and(|k| key(k) == key(&m)) {
            let last = kept.len() - 1;
            if m.via.inner.is_none() && kept[last].via.inner.is_some() {
                kept[last] = m;
            }
            continue;
        }
        kept.push(m);
    }
    out.extend(kept);
}

/// How a match in a decoded text maps back to its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mapping {
    /// To the whole encoded run.
    Whole,
    /// Character for character (the decoded text has the source's length).
    Same,
    /// Mirrored (a reversed ASCII sentence).
    Mirror,
}

/// One decoded text of a layer.
#[derive(Debug, Clone)]
struct Piece {
    /// The encoded run in the layer's source text.
    source: Range<usize>,
    /// The decoded text in the layer's text.
    at: Range<usize>,
    encoding: Encoding,
    mapping: Mapping,
}

impl Piece {
    fn map(&self, span: &Range<usize>) -> Range<usize> {
        let start = span.start.max(self.at.start) - self.at.start;
        let end = span.end.min(self.at.end).max(self.at.start) - self.at.start;
        let len = self.source.len();
        match self.mapping {
            Mapping::Whole => self.source.clone(),
            Mapping::Same => self.source.start + start.min(len)..self.source.start + end.min(len),
            Mapping::Mirror => self.source.end - end.min(len)..self.source.end - start.min(len),
        }
    }
}

/// The decoded texts of one level, joined.
#[derive(Debug, Default)]
struct Layer {
    text: String,
    pieces: Vec<Piece>,
}

impl Layer {
    /// Finds and decodes every encoded run of `source`, within `budget`.
    fn decode(source: &str, budget: &mut Budget) -> Layer {
        let mut layer = Layer::default();
        if source.len() < MIN_ESCAPES * 3 {
            return layer;
        }
        token_runs(source, budget, &mut layer);
        hex_byte_runs(source, budget, &mut layer);
        escape_regions(source, budget, &mut layer);
        spaced_runs(source, budget, &mut layer);
        sentences(source, budget, &mut layer);
        layer
    }

    /// Adds a decoded text, cut to what the budget allows.
    fn push(
        &mut self,
        budget: &mut Budget,
        source: Range<usize>,
        encoding: Encoding,
        mapping: Mapping,
        decoded: &str,
    ) {
        let want = decoded.len() + SEPARATOR.len();
        let got = budget.take(want);
        let keep = floor_char(decoded, got.saturating_sub(SEPARATOR.len()));
        if keep == 0 {
            return;
        }
        if !self.text.is_empty() {
            self.text.push_str(SEPARATOR);
        }
        let start = self.text.len();
        self.text.push_str(&decoded[..keep]);
        self.pieces.push(Piece {
            source,
            at: start..self.text.len(),
            encoding,
            mapping,
        });
    }

    /// The source span of a match in the layer's text, and the encoding of
    /// the piece it starts in; `None` for a match in separators only.
    fn map(&self, span: &Range<usize>) -> Option<(Range<usize>, Encoding)> {
        let first = self.pieces.partition_point(|p| p.at.end <= span.start);
        let mut out: Option<(Range<usize>, Encoding)> = None;
        for piece in self.pieces[first..]
            .iter()
            .take_while(|p| p.at.start < span.end.max(span.start + 1))
        {
            let mapped = piece.map(span);
            out = Some(match out {
                None => (mapped, piece.encoding),
                Some((r, e)) => (r.start.min(mapped.start)..r.end.max(mapped.end), e),
            });
        }
        out
    }
}

fn floor_char(text: &str, i: usize) -> usize {
    text.floor_char_boundary(i.min(text.len()))
}

// ------------------------------------------------------------------ text

/// `bytes` as text, if it is: valid UTF-8 (an incomplete character at the
/// end is dropped when `truncated`), no control characters but tab and
/// newlines, and at least 40 % letters, digits and spaces.
fn as_text(bytes: &[u8], truncated: bool) -> Option<&str> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) if truncated && e.error_len().is_none() => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    looks_like_text(text).then_some(text)
}

fn looks_like_text(text: &str) -> bool {
    let mut chars = 0usize;
    let mut wordish = 0usize;
    for c in text.chars() {
        chars += 1;
        if (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFD}' {
            return false;
        }
        if c.is_alphanumeric() || c == ' ' {
            wordish += 1;
        }
    }
    chars > 0 && wordish * 10 >= chars * 4
}

// ------------------------------------------------- base64, base32, hex

/// Bytes of base64 (both alphabets), base32 and hex runs.
static TOKEN_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_');
        b += 1;
    }
    table
};

fn is_token_byte(b: u8) -> bool {
    TOKEN_BYTES[usize::from(b)]
}

/// Every maximal run of base64 / base32 / hex characters (and its `=`
/// padding) of at least [`MIN_TOKEN_RUN`] bytes, decoded if it is text.
fn token_runs(source: &str, budget: &mut Budget, layer: &mut Layer) {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !is_token_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_token_byte(bytes[i]) {
            i += 1;
        }
        let body_end = i;
        while i < bytes.len() && bytes[i] == b'=' && i - body_end < 6 {
            i += 1;
        }
        if body_end - start >= MIN_TOKEN_RUN {
            decode_token(source, start..body_end, i - body_end, budget, layer);
        }
    }
}

/// Decodes a run into a buffer, up to a number of bytes; false on a byte
/// outside its alphabet.
type Decoder = fn(&[u8], usize, &mut Vec<u8>) -> bool;

fn decode_token(
    source: &str,
    run: Range<usize>,
    padding: usize,
    budget: &mut Budget,
    layer: &mut Layer,
) {
    let body = &source.as_bytes()[run.clone()];
    let whole = run.start..run.end + padding;
    let hex = body
        .strip_prefix(b"0x")
        .or_else(|| body.strip_prefix(b"0X"))
        .unwrap_or(body);
    let candidates: [(Encoding, Option<Decoder>); 3] = [
        (
            Encoding::Hex,
            (padding == 0
                && hex.len() >= MIN_TOKEN_RUN
                && hex.len().is_multiple_of(2)
                && hex.iter().all(u8::is_ascii_hexdigit))
            .then_some(decode_hex as Decoder),
        ),
        (
            Encoding::Base32,
            base32_shaped(body, padding).then_some(decode_base32 as _),
        ),
        (
            Encoding::Base64,
            base64_shaped(body, padding).then_some(decode_base64 as _),
        ),
    ];
    let mut buf = Vec::new();
    for (mut encoding, decoder) in candidates {
        let Some(decode) = decoder else { continue };
        let input = if encoding == Encoding::Hex { hex } else { body };
        if encoding == Encoding::Base64 && input.iter().any(|b| matches!(b, b'-' | b'_')) {
            encoding = Encoding::Base64Url;
        }
        // Probe: is the start text at all?
        buf.clear();
        if !decode(input, PROBE_BYTES, &mut buf) {
            continue;
        }
        let complete = buf.len() < PROBE_BYTES;
        if as_text(&buf, !complete).is_none() {
            continue;
        }
        if !complete {
            buf.clear();
            // One byte over what is left tells a cut from a fit.
            decode(input, budget.left().saturating_add(4), &mut buf);
        }
        let truncated = buf.len() > budget.left();
        let Some(text) = as_text(&buf, truncated) else {
            continue;
        };
        layer.push(budget, whole, encoding, Mapping::Whole, text);
        return;
    }
}

fn base64_shaped(body: &[u8], padding: usize) -> bool {
    let std = body.iter().any(|b| matches!(b, b'+' | b'/'));
    let url = body.iter().any(|b| matches!(b, b'-' | b'_'));
    let upper = body.iter().any(u8::is_ascii_uppercase);
    let lower = body.iter().any(u8::is_ascii_lowercase);
    let digit = body.iter().any(u8::is_ascii_digit);
    let len_ok = if padding > 0 {
        padding <= 2 && (body.len() + padding).is_multiple_of(4)
    } else {
        body.len() % 4 != 1
    };
    !(std && url) && len_ok && ((upper && lower) || digit)
}

fn base32_shaped(body: &[u8], padding: usize) -> bool {
    let upper = body
        .iter()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(b));
    let lower = body
        .iter()
        .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(b));
    let len_ok = if padding > 0 {
        (body.len() + padding).is_multiple_of(8)
    } else {
        matches!(body.len() % 8, 0 | 2 | 4 | 5 | 7)
    };
    (upper || lower) && len_ok
}

/// Decodes into `out` up to `max` bytes; false on a byte outside the
/// alphabet.
fn decode_bits(
    input: &[u8],
    max: usize,
    out: &mut Vec<u8>,
    bits_per: u32,
    value: impl Fn(u8) -> Option<u8>,
) -> bool {
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for &b in input {
        if out.len() >= max {
            return true;
        }
        let Some(v) = value(b) else { return false };
        acc = (acc << bits_per) | u32::from(v);
        bits += bits_per;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    true
}

fn decode_base64(input: &[u8], max: usize, out: &mut Vec<u8>) -> bool {
    decode_bits(input, max, out, 6, |b| match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    })
}

fn decode_base32(input: &[u8], max: usize, out: &mut Vec<u8>) -> bool {
    decode_bits(input, max, out, 5, |b| match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a'),
        b'2'..=b'7' => Some(b - b'2' + 26),
        _ => None,
    })
}

fn decode_hex(input: &[u8], max: usize, out: &mut Vec<u8>) -> bool {
    decode_bits(input, max, out, 4, |b| {
        (b as char).to_digit(16).map(|d| d as u8)
    })
}

/// Hex bytes written apart, the way hex dumps and converters print them
/// (`49 67 6e`, `49:67:6e`, `49-67-6e`, `0x49, 0x67, 0x6e`, dump lines):
/// at least `MIN_TOKEN_RUN / 2` two-digit groups, each with an optional
/// `0x`, with one kind of separator throughout (whitespace of any kind
/// counts as one). A group ends at a word boundary, so MAC addresses (six
/// groups), hashes and numbers in prose are not runs; binary dumps fail the
/// text check of what they decode to.
fn hex_byte_runs(source: &str, budget: &mut Budget, layer: &mut Layer) {
    let bytes = source.as_bytes();
    let group = |at: usize| hex_group(bytes, at);
    let separator = |at: usize| hex_separator(bytes, at);
    let mut i = 0;
    while i < bytes.len() {
        let word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let Some(first) = group(i).filter(|_| word_start) else {
            i += 1;
            continue;
        };
        let start = i;
        let mut kind = None;
        let mut digits: Vec<u8> = bytes[first.0..first.1].to_vec();
        let mut end = first.1;
        while let Some((sep, len)) = separator(end) {
            let Some(next) = group(end + len).filter(|_| kind.is_none_or(|k| k == sep)) else {
                break;
            };
            kind = Some(sep);
            digits.extend_from_slice(&bytes[next.0..next.1]);
            end = next.1;
        }
        if digits.len() / 2 >= MIN_TOKEN_RUN / 2 {
            let mut buf = Vec::new();
            decode_hex(&digits, budget.left().saturating_add(4), &mut buf);
            let truncated = buf.len() > budget.left();
            if let Some(text) = as_text(&buf, truncated) {
                layer.push(budget, start..end, Encoding::Hex, Mapping::Whole, text);
            }
        }
        i = end;
    }
}

/// A group of hex bytes written apart at `at`: an optional `0x`, two hex
/// digits, then no letter or digit. Returns where its digits start and
/// where it ends.
fn hex_group(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let digits = match bytes.get(at..at + 2) {
        Some([b'0', b'x' | b'X']) => at + 2,
        _ => at,
    };
    let pair = bytes.get(digits..digits + 2)?;
    (pair.iter().all(u8::is_ascii_hexdigit)
        && !bytes.get(digits + 2).is_some_and(u8::is_ascii_alphanumeric))
    .then_some((digits, digits + 2))
}

/// A separator between hex groups at `at`: one whitespace byte (line
/// breaks of a dump count as spaces), or `:` `-` `,`, optionally followed
/// by one space. Returns its kind and length.
fn hex_separator(bytes: &[u8], at: usize) -> Option<(u8, usize)> {
    let kind = match *bytes.get(at)? {
        b' ' | b'\t' | b'\n' | b'\r' => return Some((b' ', 1)),
        c @ (b':' | b'-' | b',') => c,
        _ => return None,
    };
    Some((
        kind,
        if bytes.get(at + 1) == Some(&b' ') {
            2
        } else {
            1
        },
    ))
}

// -------------------------------------- percent, entities, backslashes

/// One decoded escape.
#[derive(Debug, Clone, Copy)]
enum Unit {
    Byte(u8),
    Char(char),
    /// A UTF-16 code unit (`\uXXXX`), possibly half a surrogate pair.
    Utf16(u16),
}

fn hex_value(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 8 {
        return None;
    }
    let mut v: u32 = 0;
    for &b in bytes {
        v = (v << 4) | (b as char).to_digit(16)?;
    }
    Some(v)
}

fn percent_at(b: &[u8], i: usize) -> Option<(usize, Unit)> {
    if b.get(i) != Some(&b'%') {
        return None;
    }
    let v = hex_value(b.get(i + 1..i + 3)?)?;
    Some((3, Unit::Byte(v as u8)))
}

/// Named references worth decoding: punctuation an attacker spells out
/// (letters have no names), and the usual markup ones.
const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", ' '),
    ("excl", '!'),
    ("quest", '?'),
    ("period", '.'),
    ("comma", ','),
    ("colon", ':'),
    ("semi", ';'),
    ("sol", '/'),
    ("bsol", '\\'),
    ("lowbar", '_'),
    ("num", '#'),
    ("dollar", '$'),
    ("percnt", '%'),
    ("lpar", '('),
    ("rpar", ')'),
    ("ast", '*'),
    ("plus", '+'),
    ("equals", '='),
    ("commat", '@'),
    ("lsqb", '['),
    ("rsqb", ']'),
    ("lcub", '{'),
    ("rcub", '}'),
    ("verbar", '|'),
    ("grave", '`'),
    ("hyphen", '-'),
    ("dash", '-'),
    ("Tab", '\t'),
    ("NewLine", '\n'),
];

fn entity_at(b: &[u8], i: usize) -> Option<(usize, Unit)> {
    if b.get(i) != Some(&b'&') {
        return None;
    }
    let rest = b.get(i + 1..)?;
    if let Some(num) = rest.strip_prefix(b"#") {
        let (hex, digits) = match num.first() {
            Some(b'x' | b'X') => (true, &num[1..]),
            _ => (false, num),
        };
        let len = digits
            .iter()
            .take(8)
            .take_while(|d| {
                if hex {
                    d.is_ascii_hexdigit()
                } else {
                    d.is_ascii_digit()
                }
            })
            .count();
        if len == 0 {
            return None;
        }
        let text = std::str::from_utf8(&digits[..len]).ok()?;
        let code = u32::from_str_radix(text, if hex { 16 } else { 10 }).ok()?;
        let c = char::from_u32(code)?;
        let semi = usize::from(digits.get(len) == Some(&b';'));
        return Some((2 + usize::from(hex) + len + semi, Unit::Char(c)));
    }
    let len = rest
        .iter()
        .take(9)
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    if len < 2 || rest.get(len) != Some(&b';') {
        return None;
    }
    let name = std::str::from_utf8(&rest[..len]).ok()?;
    let c = ENTITIES.iter().find(|(n, _)| *n == name)?.1;
    Some((len + 2, Unit::Char(c)))
}

fn backslash_at(b: &[u8], i: usize) -> Option<(usize, Unit)> {
    if b.get(i) != Some(&b'\\') {
        return None;
    }
    match *b.get(i + 1)? {
        b'x' => Some((4, Unit::Byte(hex_value(b.get(i + 2..i + 4)?)? as u8))),
        b'u' if b.get(i + 2) == Some(&b'{') => {
            let digits = b.get(i + 3..)?;
            let len = digits
                .iter()
                .take(7)
                .take_while(|d| d.is_ascii_hexdigit())
                .count();
            if !(1..=6).contains(&len) || digits.get(len) != Some(&b'}') {
                return None;
            }
            let c = char::from_u32(hex_value(&digits[..len])?)?;
            Some((len + 4, Unit::Char(c)))
        }
        b'u' => Some((6, Unit::Utf16(hex_value(b.get(i + 2..i + 6)?)? as u16))),
        b'U' => Some((
            10,
            Unit::Char(char::from_u32(hex_value(b.get(i + 2..i + 10)?)?)?),
        )),
        _ => None,
    }
}

type EscapeAt = fn(&[u8], usize) -> Option<(usize, Unit)>;

/// Regions of at least [`MIN_ESCAPES`] escapes of one kind, each within
/// [`ESCAPE_GAP`] bytes of the last on the same line, widened to the
/// whitespace around them; decoded if they are text.
fn escape_regions(source: &str, budget: &mut Budget, layer: &mut Layer) {
    let kinds: [(u8, Encoding, EscapeAt); 3] = [
        (b'%', Encoding::Percent, percent_at),
        (b'&', Encoding::HtmlEntities, entity_at),
        (b'\\', Encoding::Escapes, backslash_at),
    ];
    let bytes = source.as_bytes();
    for (trigger, encoding, parse) in kinds {
        let mut region: Option<(usize, usize, usize)> = None; // start, end, count
        let mut at = 0;
        while let Some(offset) = memchr::memchr(trigger, &bytes[at..]) {
            let i = at + offset;
            at = i + 1;
            let Some((len, _)) = parse(bytes, i) else {
                continue;
            };
            at = i + len;
            region = match region {
                Some((start, end, count))
                    if i - end <= ESCAPE_GAP && !bytes[end..i].contains(&b'\n') =>
                {
                    Some((start, i + len, count + 1))
                }
                Some(done) => {
                    decode_region(source, done, encoding, parse, budget, layer);
                    Some((i, i + len, 1))
                }
                None => Some((i, i + len, 1)),
            };
        }
        if let Some(done) = region {
            decode_region(source, done, encoding, parse, budget, layer);
        }
    }
}

fn decode_region(
    source: &str,
    (start, end, count): (usize, usize, usize),
    encoding: Encoding,
    parse: EscapeAt,
    budget: &mut Budget,
    layer: &mut Layer,
) {
    if count < MIN_ESCAPES {
        return;
    }
    let bytes = source.as_bytes();
    let stop = |b: &u8| b.is_ascii_whitespace();
    let before = bytes[start.saturating_sub(WIDEN)..start]
        .iter()
        .rev()
        .take_while(|b| !stop(b))
        .count();
    let after = bytes[end..(end + WIDEN).min(bytes.len())]
        .iter()
        .take_while(|b| !stop(b))
        .count();
    let start = source.ceil_char_boundary(start - before);
    let end = source.floor_char_boundary(end + after);
    let mut out: Vec<u8> = Vec::with_capacity(end - start);
    let mut i = start;
    let mut high: Option<u16> = None;
    while i < end {
        match parse(bytes, i).filter(|(len, _)| i + len <= end) {
            Some((len, unit)) => {
                i += len;
                let c = match unit {
                    Unit::Byte(b) => {
                        out.push(b);
                        continue;
                    }
                    Unit::Char(c) => Some(c),
                    Unit::Utf16(u) if (0xD800..0xDC00).contains(&u) => {
                        high = Some(u);
                        continue;
                    }
                    Unit::Utf16(u) if (0xDC00..0xE000).contains(&u) => high.take().and_then(|h| {
                        let code =
                            0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                        char::from_u32(code)
                    }),
                    Unit::Utf16(u) => char::from_u32(u32::from(u)),
                };
                if let Some(c) = c {
                    let mut utf8 = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                }
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    if let Some(text) = as_text(&out, false) {
        layer.push(budget, start..end, encoding, Mapping::Whole, text);
    }
}

// ------------------------------------------------------- spaced-out text

fn is_spacer(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'.' | b'-' | b'_' | b'*' | b'/' | b'|' | b'+' | b'~' | b','
    )
}

/// Runs of single letters or digits each set apart by one to three
/// separator bytes (`i g n o r e  a l l`, `i.g.n.o.r.e`): at least
/// [`MIN_SPACED`] characters, 60 % letters, half the gaps one and the same
/// separator. A gap of that one separator joins; any other is a space.
fn spaced_runs(source: &str, budget: &mut Budget, layer: &mut Layer) {
    let b = source.as_bytes();
    let alnum = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphanumeric);
    let single = |i: usize| alnum(i) && !(i > 0 && alnum(i - 1)) && !alnum(i + 1);
    let mut chars: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        if alnum(i + 1) {
            // A longer word: skip it whole.
            while alnum(i) {
                i += 1;
            }
            continue;
        }
        let start = i;
        chars.clear();
        chars.push(i);
        loop {
            let last = *chars.last().unwrap_or(&i);
            let mut j = last + 1;
            while j < b.len() && j - last <= 3 && is_spacer(b[j]) {
                j += 1;
            }
            if j - last > 1 && j - last <= 4 && single(j) {
                chars.push(j);
            } else {
                break;
            }
        }
        let end = chars.last().map_or(start, |&l| l + 1);
        i = end;
        if chars.len() < MIN_SPACED {
            continue;
        }
        let letters = chars
            .iter()
            .filter(|&&c| b[c].is_ascii_alphabetic())
            .count();
        if letters * 10 < chars.len() * 6 {
            continue;
        }
        let mut counts = [0usize; 256];
        for w in chars.windows(2) {
            if w[1] - w[0] == 2 {
                counts[usize::from(b[w[0] + 1])] += 1;
            }
        }
        let (sep, singles) = counts
            .iter()
            .enumerate()
            .max_by_key(|(_, n)| **n)
            .map_or((0, 0), |(s, n)| (s as u8, *n));
        if singles * 2 < chars.len() - 1 {
            continue;
        }
        let mut decoded = String::with_capacity(chars.len() * 2);
        for (k, &c) in chars.iter().enumerate() {
            if k > 0 {
                let prev = chars[k - 1];
                if !(c - prev == 2 && b[prev + 1] == sep) {
                    decoded.push(' ');
                }
            }
            decoded.push(char::from(b[c]));
        }
        layer.push(
            budget,
            start..end,
            Encoding::Spaced,
            Mapping::Whole,
            &decoded,
        );
    }
}

// ----------------------------------------- ROT13, reversal, leetspeak

/// Common English words, and the words of the instructions attackers
/// hide: a sentence is transformed only if the transformation makes far
/// more of its words common.
const COMMON_WORDS: &[&str] = &[
    "about",
    "above",
    "act",
    "admin",
    "after",
    "again",
    "all",
    "also",
    "an",
    "and",
    "answer",
    "any",
    "anything",
    "are",
    "as",
    "assistant",
    "at",
    "be",
    "because",
    "been",
    "before",
    "below",
    "but",
    "by",
    "can",
    "could",
    "data",
    "developer",
    "disregard",
    "do",
    "does",
    "down",
    "each",
    "every",
    "everything",
    "first",
    "following",
    "for",
    "forget",
    "from",
    "get",
    "give",
    "had",
    "has",
    "have",
    "he",
    "her",
    "here",
    "his",
    "how",
    "if",
    "ignore",
    "in",
    "instruction",
    "instructions",
    "into",
    "is",
    "it",
    "its",
    "just",
    "key",
    "know",
    "like",
    "make",
    "may",
    "me",
    "message",
    "mode",
    "model",
    "more",
    "most",
    "must",
    "my",
    "new",
    "no",
    "not",
    "nothing",
    "now",
    "of",
    "on",
    "one",
    "only",
    "or",
    "other",
    "our",
    "out",
    "output",
    "over",
    "password",
    "please",
    "pretend",
    "previous",
    "print",
    "prior",
    "prompt",
    "prompts",
    "question",
    "read",
    "repeat",
    "restrictions",
    "reveal",
    "rules",
    "said",
    "say",
    "secret",
    "see",
    "she",
    "should",
    "show",
    "so",
    "some",
    "such",
    "system",
    "tell",
    "text",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "two",
    "under",
    "up",
    "us",
    "use",
    "user",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "without",
    "would",
    "write",
    "you",
    "your",
];

/// Longest word looked up (5 bits a letter in a `u64`).
const MAX_WORD: usize = 12;

/// A lower-case ASCII word packed 5 bits a letter (1..=26), first letter
/// highest.
fn pack(word: impl Iterator<Item = u8>) -> u64 {
    word.fold(0u64, |acc, b| (acc << 5) | u64::from(b - b'a' + 1))
}

/// Open-addressing set of packed words.
struct WordSet {
    slots: Vec<u64>,
}

impl WordSet {
    const BITS: u32 = 10;

    fn slot(word: u64) -> usize {
        (word.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::BITS)) as usize
    }

    fn contains(&self, word: u64) -> bool {
        let mask = self.slots.len() - 1;
        let mut i = Self::slot(word);
        loop {
            match self.slots[i] {
                0 => return false,
                w if w == word => return true,
                _ => i = (i + 1) & mask,
            }
        }
    }
}

fn common_words() -> &'static WordSet {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| {
        let mut slots = vec![0u64; 1 << WordSet::BITS];
        let mask = slots.len() - 1;
        for word in COMMON_WORDS {
            let packed = pack(word.bytes());
            let mut i = WordSet::slot(packed);
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = packed;
        }
        WordSet { slots }
    })
}

pub(crate) fn rot13_byte(b: u8) -> u8 {
    match b {
        b'a'..=b'z' => (b - b'a' + 13) % 26 + b'a',
        b'A'..=b'Z' => (b - b'A' + 13) % 26 + b'A',
        _ => b,
    }
}

/// A leetspeak token in lower-case letters. `1` stands for `i` or `l`: the
/// spelling that makes a common word, or else `l` after a vowel or `l`
/// (`r3v341`, `t311`) and in `ble` / `ple` / `cle` (`3n4b13d`), `i`
/// elsewhere (`1n57ruc710n5`, `h1dd3n`).
fn unleet_token(token: &[u8]) -> Vec<u8> {
    let spelled = |one: u8| -> Vec<u8> {
        token
            .iter()
            .map(|&b| match b {
                b'1' => one,
                _ => leet_letter(b).unwrap_or(b).to_ascii_lowercase(),
            })
            .collect()
    };
    let as_i = spelled(b'i');
    if !token.contains(&b'1') {
        return as_i;
    }
    let set = common_words();
    let common = |w: &[u8]| w.len() <= MAX_WORD && set.contains(pack(w.iter().copied()));
    let as_l = spelled(b'l');
    if common(&as_l) && !common(&as_i) {
        return as_l;
    }
    if common(&as_i) {
        return as_i;
    }
    let mut out = as_i;
    for k in 0..out.len() {
        if token[k] != b'1' {
            continue;
        }
        let before = k.checked_sub(1).map(|j| out[j]);
        let after = out.get(k + 1).copied();
        let l = matches!(before, Some(b'a' | b'e' | b'o' | b'u' | b'l'))
            || (matches!(before, Some(b'b' | b'p' | b'c')) && after == Some(b'e'));
        if l {
            out[k] = b'l';
        }
    }
    out
}

/// The letter a leetspeak character stands for (`1` as `i`; see
/// [`unleet_token`] for `l`).
fn leet_letter(b: u8) -> Option<u8> {
    Some(match b {
        b'0' => b'o',
        b'1' => b'i',
        b'3' => b'e',
        b'4' | b'@' => b'a',
        b'5' | b'$' => b's',
        b'7' => b't',
        b'8' => b'b',
        b'9' => b'g',
        _ => return None,
    })
}

/// Sentences: split at line breaks and at `. ! ? ; :` before whitespace.
fn sentence_ranges(source: &str, mut each: impl FnMut(Range<usize>)) {
    let b = source.as_bytes();
    let mut start = 0;
    for i in 0..b.len() {
        let end = match b[i] {
            b'\n' => true,
            b'.' | b'!' | b'?' | b';' | b':' => b.get(i + 1).is_none_or(u8::is_ascii_whitespace),
            _ => false,
        };
        if end {
            if i + 1 > start {
                each(start..i + 1);
            }
            start = i + 1;
        }
    }
    if start < b.len() {
        each(start..b.len());
    }
}

/// Word counts of a sentence: common as written, after ROT13, reversed;
/// and leetspeak tokens, and those that decode to a common word.
#[derive(Debug, Default)]
struct Counts {
    words: usize,
    plain: usize,
    rot13: usize,
    reversed: usize,
    leet: usize,
    leet_common: usize,
}

fn count_words(s: &[u8]) -> Counts {
    let set = common_words();
    let mut counts = Counts::default();
    // Words: maximal ASCII letter runs, of a length worth looking up.
    let words = || {
        s.split(|b| !b.is_ascii_alphabetic())
            .filter(|w| (2..=MAX_WORD).contains(&w.len()))
    };
    // Count the words first (cheap), then look them up only until a quarter
    // are common: most sentences are plain text and stop early.
    counts.words = words().count();
    for word in words() {
        if counts.plain * 4 >= counts.words {
            break;
        }
        counts.plain += usize::from(set.contains(pack(word.iter().map(u8::to_ascii_lowercase))));
    }
    // A quarter of the words common as written: English, not transformed
    // (a transformed sentence needs more than twice as many common words
    // after the transformation); the other lookups are skipped.
    if counts.words >= 3 && counts.plain * 4 < counts.words {
        for word in words() {
            let lower = || word.iter().map(u8::to_ascii_lowercase);
            counts.rot13 += usize::from(set.contains(pack(lower().map(rot13_byte))));
            counts.reversed += usize::from(set.contains(pack(lower().rev())));
        }
    }
    (counts.leet, counts.leet_common) = leet_tokens(s);
    counts
}

/// Leetspeak tokens of a sentence, and those that decode to a common word:
/// whitespace-separated tokens, edge punctuation trimmed, mixing letters
/// with leet characters and decoding to letters only; only in a sentence
/// with a leet character at all.
fn leet_tokens(s: &[u8]) -> (usize, usize) {
    if !s.iter().any(|&b| leet_letter(b).is_some()) {
        return (0, 0);
    }
    let set = common_words();
    let (mut leet_tokens, mut common) = (0, 0);
    for token in s.split(u8::is_ascii_whitespace) {
        let token = trim_punct(token);
        let letters = token.iter().filter(|b| b.is_ascii_alphabetic()).count();
        let leet = token.iter().filter(|&&b| leet_letter(b).is_some()).count();
        if letters == 0 || leet == 0 || letters + leet != token.len() || token.len() > MAX_WORD {
            continue;
        }
        leet_tokens += 1;
        common += usize::from(set.contains(pack(unleet_token(token).into_iter())));
    }
    (leet_tokens, common)
}

fn trim_punct(token: &[u8]) -> &[u8] {
    let keep = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'$' | b'@');
    let start = token.iter().position(keep).unwrap_or(token.len());
    let end = token.iter().rposition(keep).map_or(start, |e| e + 1);
    &token[start..end.max(start)]
}

/// ROT13, reversal and leetspeak of the sentences that call for them.
fn sentences(source: &str, budget: &mut Budget, layer: &mut Layer) {
    let bytes = source.as_bytes();
    sentence_ranges(source, |range| {
        let s = &bytes[range.clone()];
        if s.len() < 8 {
            return;
        }
        let counts = count_words(s);
        let beats = |n: usize| counts.words >= 3 && n >= 2 && n > 2 * counts.plain;
        if beats(counts.rot13) {
            let decoded: Vec<u8> = s.iter().map(|&b| rot13_byte(b)).collect();
            if let Ok(text) = String::from_utf8(decoded) {
                layer.push(budget, range.clone(), Encoding::Rot13, Mapping::Same, &text);
            }
        }
        if s.is_ascii() && beats(counts.reversed) {
            let decoded: Vec<u8> = s.iter().rev().copied().collect();
            if let Ok(text) = String::from_utf8(decoded) {
                layer.push(
                    budget,
                    range.clone(),
                    Encoding::Reversed,
                    Mapping::Mirror,
                    &text,
                );
            }
        }
        if counts.leet_common >= 1 {
            let text = unleet(s);
            if let Ok(text) = String::from_utf8(text) {
                layer.push(budget, range.clone(), Encoding::Leet, Mapping::Same, &text);
            }
        }
    });
}

/// The sentence with its leetspeak tokens spelled in letters, every byte
/// in place.
fn unleet(s: &[u8]) -> Vec<u8> {
    let mut out = s.to_vec();
    let mut i = 0;
    while i < s.len() {
        if s[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < s.len() && !s[i].is_ascii_whitespace() {
            i += 1;
        }
        let token = trim_punct(&s[start..i]);
        let letters = token.iter().any(u8::is_ascii_alphabetic);
        let only = token
            .iter()
            .all(|&b| b.is_ascii_alphabetic() || leet_letter(b).is_some());
        if letters && only && !token.is_empty() {
            let offset = start + (token.as_ptr() as usize - s[start..].as_ptr() as usize);
            for (k, l) in unleet_token(token).into_iter().enumerate() {
                // Letters keep their case; leet characters become letters.
                if !token[k].is_ascii_alphabetic() {
                    out[offset + k] = l;
                }
            }
        }
    }
    out
}

#[path = "encoded_tail.rs"]
mod tail;
pub(crate) use tail::open_tail;

#[cfg(test)]
#[path = "encoded_tests.rs"]
pub(crate) mod tests;
