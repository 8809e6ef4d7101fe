//! What a stream must hold back to decode and rescan: the encoded text
//! that may still be growing at the end of what has arrived.
//!
//! The decoders of the parent module need an encoded run whole: base64 cut
//! in two decodes to nothing useful, and a mask must cover the whole run
//! (masking part of it would leave the rest decodable). A streaming
//! inspector therefore holds a run back while it is open at the tail and
//! decodes it, with [`super::rescan`], once it has closed. What counts as
//! "may still be an encoded run" is each decoder's own pre-check, applied
//! to what has arrived — the rules live here, next to the decoders, so the
//! two cannot drift apart:
//!
//! - a base64 / base32 / hex run (and its `=` padding) while one of the
//!   three is still possible for its alphabet and its first bytes still
//!   decode to what may be text. The probe of [`super::decode_token`] is
//!   applied as soon as its 36 bytes have arrived; before that, a control
//!   character or invalid UTF-8 in what decodes so far already rules the
//!   decoder out. So a hash, a UUID or a streamed image is let go after a
//!   few bytes, and only runs that decode to text are held;
//! - hex bytes written apart (`49 67 6e`), while the chain of groups may
//!   continue;
//! - `%XX`, HTML entities and backslash escapes, while another escape may
//!   still join the region (within the region gap, on the same line), or
//!   the region's widening to the next whitespace is still growing; an
//!   escape still arriving (`%4`, `&#x4`) counts;
//! - spaced-out letters, while the chain of single characters may go on;
//! - the open sentence, for ROT13, reversal and leetspeak, while some of
//!   its words read as common English only transformed (and they are not
//!   far outnumbered by words common as written).
//!
//! The first four map a match to the whole run: a run that outgrows the
//! stream's window cannot be held whole, and the stream treats that like
//! the decode budget running out. Sentences map a match character for
//! character, so a sentence longer than the window is merely decoded in
//! parts (of about half the window).

use super::{
    Decoder, ESCAPE_GAP, EscapeAt, MAX_WORD, MIN_TOKEN_RUN, PROBE_BYTES, WIDEN, as_text,
    backslash_at, common_words, decode_base32, decode_base64, decode_hex, entity_at, hex_group,
    hex_separator, is_spacer, is_token_byte, leet_tokens, pack, percent_at, rot13_byte,
};

/// Most `=` after a token run that are its padding (see `token_runs`).
const MAX_PADDING: usize = 6;

/// Longest escape still arriving (`\UXXXXXXXX`, `&#x10FFFF;`).
const MAX_ESCAPE: usize = 12;

/// The encoded text that may still grow at the end of a text, in bytes
/// from its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenTail {
    /// An encoded run that maps to its whole span (base64, base32, hex,
    /// escapes, spaced-out letters): it must be held whole until it
    /// closes.
    pub whole: usize,
    /// The open sentence, when ROT13, reversal or leetspeak may still
    /// transform it; matches in it map character for character.
    pub sentence: usize,
}

/// The encoded text that may still grow at the end of `text` (normalised,
/// as the decoders read it). Runs that began more than about `window`
/// bytes before the end are measured from there: they are longer than the
/// window either way.
pub fn open_tail(text: &str, window: usize) -> OpenTail {
    let b = text.as_bytes();
    OpenTail {
        whole: open_token_run(b)
            .max(open_hex_bytes(b, window))
            .max(open_escapes(b, window))
            .max(open_spaced(b)),
        sentence: open_sentence(b, window),
    }
}

/// The trailing base64 / base32 / hex run, if it may still be decoded.
fn open_token_run(b: &[u8]) -> usize {
    let padding = b.iter().rev().take_while(|&&c| c == b'=').count();
    if padding >= MAX_PADDING {
        return 0; // padding complete: the run has closed
    }
    let body_end = b.len() - padding;
    let body_len = b[..body_end]
        .iter()
        .rev()
        .take_while(|&&c| is_token_byte(c))
        .count();
    let body = &b[body_end - body_len..body_end];
    // Padding ends the body: a run too short to decode stays so.
    if body.is_empty() || (padding > 0 && body.len() < MIN_TOKEN_RUN) {
        return 0;
    }
    if token_may_decode(body) {
        body.len() + padding
    } else {
        0
    }
}

/// Whether a token run that begins with `body` (more may follow) can still
/// pass the pre-checks of `decode_token`: hex, base32 or base64 is still
/// possible for its alphabet, and its probe decodes to text as far as what
/// arrived tells.
fn token_may_decode(body: &[u8]) -> bool {
    let hex = body
        .strip_prefix(b"0x")
        .or_else(|| body.strip_prefix(b"0X"))
        .unwrap_or(body);
    let base32 = |upper: bool| {
        body.iter().all(|b| {
            (b'2'..=b'7').contains(b)
                || if upper {
                    b.is_ascii_uppercase()
                } else {
                    b.is_ascii_lowercase()
                }
        })
    };
    let std = body.iter().any(|b| matches!(b, b'+' | b'/'));
    let url = body.iter().any(|b| matches!(b, b'-' | b'_'));
    let mut buf = Vec::with_capacity(PROBE_BYTES);
    (hex.iter().all(u8::is_ascii_hexdigit) && probe_may_pass(decode_hex, hex, &mut buf))
        || ((base32(true) || base32(false)) && probe_may_pass(decode_base32, body, &mut buf))
        || (!(std && url) && probe_may_pass(decode_base64, body, &mut buf))
}

/// Whether the probe of `decode_token` may still pass on a run beginning
/// with `input`: exactly its test once the probe's bytes have arrived;
/// before, whether what decodes so far may begin a text.
fn probe_may_pass(decode: Decoder, input: &[u8], buf: &mut Vec<u8>) -> bool {
    buf.clear();
    if !decode(input, PROBE_BYTES, buf) {
        return false;
    }
    if buf.len() >= PROBE_BYTES {
        return as_text(buf, true).is_some();
    }
    may_begin_text(buf)
}

/// Whether `bytes` may be the beginning of what `as_text` accepts: valid
/// UTF-8 (a character may be incomplete at the end) without control
/// characters but tab and newlines. (The share of letters can still
/// change.)
fn may_begin_text(bytes: &[u8]) -> bool {
    let valid = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !valid
        .chars()
        .any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFD}')
}

/// The trailing chain of hex bytes written apart, if it may continue.
fn open_hex_bytes(b: &[u8], window: usize) -> usize {
    // An open chain lies within the trailing bytes a chain can hold (hex
    // digits, `0x`, separators): parse from there, not the whole window.
    let chain_bytes = b
        .iter()
        .rev()
        .take(window + 8)
        .take_while(|&&c| {
            c.is_ascii_hexdigit() || matches!(c, b'x' | b'X') || hex_separator(&[c], 0).is_some()
        })
        .count();
    let mut i = b.len() - chain_bytes;
    while i < b.len() {
        let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let Some(first) = hex_group(b, i).filter(|_| word_start) else {
            i += 1;
            continue;
        };
        let mut kind = None;
        let mut end = first.1;
        while let Some((sep, len)) = hex_separator(b, end) {
            let Some(next) = hex_group(b, end + len).filter(|_| kind.is_none_or(|k| k == sep))
            else {
                break;
            };
            kind = Some(sep);
            end = next.1;
        }
        if hex_chain_may_continue(&b[end..], kind) {
            return b.len() - i;
        }
        i = end;
    }
    0
}

/// Whether `rest`, all that follows a chain of hex groups, may still be
/// the beginning of its next separator and group.
fn hex_chain_may_continue(rest: &[u8], kind: Option<u8>) -> bool {
    if rest.is_empty() {
        return true;
    }
    let Some((sep, len)) = hex_separator(rest, 0) else {
        return false;
    };
    if kind.is_some_and(|k| k != sep) {
        return false;
    }
    let group = &rest[len..];
    let digits = group
        .strip_prefix(b"0x")
        .or_else(|| group.strip_prefix(b"0X"))
        .unwrap_or(group);
    group == b"0" || (digits.len() < 2 && digits.iter().all(u8::is_ascii_hexdigit))
}

/// The trailing region of `%XX`, entities or backslash escapes, widened as
/// `decode_region` widens it, if it may still grow.
fn open_escapes(b: &[u8], window: usize) -> usize {
    let from = b.len().saturating_sub(window + WIDEN + ESCAPE_GAP);
    let kinds: [(u8, EscapeAt); 3] = [(b'%', percent_at), (b'&', entity_at), (b'\\', backslash_at)];
    let joins =
        |end: usize, i: usize| i >= end && i - end <= ESCAPE_GAP && !b[end..i].contains(&b'\n');
    let mut open: Option<usize> = None;
    for (trigger, parse) in kinds {
        let mut region: Option<(usize, usize)> = None;
        let mut last = None;
        let mut at = from;
        while let Some(offset) = memchr::memchr(trigger, &b[at..]) {
            let i = at + offset;
            at = i + 1;
            last = Some(i);
            let Some((len, _)) = parse(b, i) else {
                continue;
            };
            at = i + len;
            region = match region {
                Some((start, end)) if joins(end, i) => Some((start, i + len)),
                _ => Some((i, i + len)),
            };
        }
        let mut start = None;
        if let Some((first, end)) = region {
            let rest = &b[end..];
            // Another escape may join it, or its widening to the next
            // whitespace is still growing.
            let joinable = joins(end, b.len());
            let widening = rest.len() < WIDEN && !rest.iter().any(u8::is_ascii_whitespace);
            if joinable || widening {
                start = Some(first);
            }
        }
        // An escape still arriving: `%4`, `&#x4`, `\u00`.
        if let Some(t) = last
            && b.len() - t < MAX_ESCAPE
            && parse(b, t).is_none()
            && !b[t + 1..].iter().any(u8::is_ascii_whitespace)
        {
            let first = region.filter(|&(_, end)| joins(end, t)).map_or(t, |r| r.0);
            start = Some(start.map_or(first, |s| s.min(first)));
        }
        if let Some(start) = start {
            let before = b[start.saturating_sub(WIDEN)..start]
                .iter()
                .rev()
                .take_while(|c| !c.is_ascii_whitespace())
                .count();
            let start = start - before;
            open = Some(open.map_or(start, |o| o.min(start)));
        }
    }
    open.map_or(0, |start| b.len() - start)
}

/// The trailing chain of spaced-out single characters (`i g n o`), if it
/// may continue.
fn open_spaced(b: &[u8]) -> usize {
    let alnum = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphanumeric);
    let single = |i: usize| alnum(i) && !(i > 0 && alnum(i - 1));
    let trailing = b.iter().rev().take_while(|&&c| is_spacer(c)).count();
    if trailing > 3 {
        return 0;
    }
    let Some(mut start) = (b.len() - trailing).checked_sub(1).filter(|&i| single(i)) else {
        return 0;
    };
    loop {
        let gap = b[..start]
            .iter()
            .rev()
            .take(4)
            .take_while(|&&c| is_spacer(c))
            .count();
        if !(1..=3).contains(&gap) {
            break;
        }
        match (start - gap).checked_sub(1) {
            Some(previous) if single(previous) => start = previous,
            _ => break,
        }
    }
    b.len() - start
}

/// The open sentence (after the last sentence end `sentence_ranges` would
/// see), if ROT13, reversal or leetspeak may still transform it.
fn open_sentence(b: &[u8], window: usize) -> usize {
    let tail = &b[b.len().saturating_sub(window)..];
    // A `.` at the very end may still be followed by a letter.
    let start = (0..tail.len())
        .rev()
        .find(|&i| match tail[i] {
            b'\n' => true,
            b'.' | b'!' | b'?' | b';' | b':' => {
                tail.get(i + 1).is_some_and(u8::is_ascii_whitespace)
            }
            _ => false,
        })
        .map_or(0, |i| i + 1);
    let sentence = &tail[start..];
    if may_transform(sentence) {
        sentence.len()
    } else {
        0
    }
}

/// Whether a sentence so far has words that read as common English only
/// after ROT13 or reversal, not far outnumbered by words common as
/// written; or a leetspeak token that spells a common word.
fn may_transform(s: &[u8]) -> bool {
    let set = common_words();
    let (mut plain, mut transformed) = (0usize, 0usize);
    for word in s
        .split(|b| !b.is_ascii_alphabetic())
        .filter(|w| (2..=MAX_WORD).contains(&w.len()))
    {
        let lower = || word.iter().map(u8::to_ascii_lowercase);
        if set.contains(pack(lower())) {
            plain += 1;
        } else if set.contains(pack(lower().map(rot13_byte))) || set.contains(pack(lower().rev())) {
            transformed += 1;
        }
    }
    (transformed > 0 && transformed * 2 > plain) || leet_tokens(s).1 > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str) -> usize {
        open_tail(text, 4096).whole
    }

    #[test]
    fn a_base64_run_of_text_is_open_until_something_else_follows() {
        let b64 = "aWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM";
        for cut in 1..=b64.len() {
            assert_eq!(whole(&format!("see {}", &b64[..cut])), cut, "cut at {cut}");
        }
        assert_eq!(whole(&format!("see {b64}=")), b64.len() + 1);
        assert_eq!(whole(&format!("see {b64}= ")), 0);
        assert_eq!(whole("see it. "), 0);
    }

    #[test]
    fn runs_that_decode_to_binary_are_let_go() {
        // A SHA-256 in hex, a UUID, a PNG's base64: not text once decoded.
        for benign in [
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk",
        ] {
            assert_eq!(whole(&format!("id {benign}")), 0, "{benign}");
        }
    }

    #[test]
    fn escapes_spaced_letters_and_hex_bytes_are_open_while_they_may_grow() {
        assert_eq!(whole("x %69%67"), 6);
        assert_eq!(whole("x %69%67%6"), 8);
        assert_eq!(whole("x 49 67 6e 6f "), 12);
        assert_eq!(whole("x 49 67 6e 6f zz"), 2); // `zz` may still be base64
        assert_eq!(whole("see i g n o r"), 9);
        assert_eq!(whole("see i g n o r e  "), 13);
        assert_eq!(whole("hello there, "), 0);
    }

    #[test]
    fn only_sentences_that_read_transformed_are_open() {
        assert_eq!(open_tail("Fine. vtaber nyy ", 4096).sentence, 12);
        assert_eq!(
            open_tail("Fine. The answer is on the way ", 4096).sentence,
            0
        );
        assert_eq!(open_tail("Fine. 1gn0r3 ", 4096).sentence, 8);
    }
}
