//! A strict, span-keeping JSON parser (RFC 8259).
//!
//! Redaction rewrites a body by replacing exactly the bytes of one string
//! literal, so every value this parser returns carries the byte range it came
//! from ([`Node::span`], [`Str::raw`]). Strings without escapes borrow from
//! the input; only strings with escapes allocate.
//!
//! The parser is strict because a proxy and the upstream must read a body the
//! same way: anything that one JSON implementation might read differently
//! from another (invalid UTF-8, a byte order mark, lone surrogate escapes,
//! control characters in strings, trailing bytes, numbers outside the RFC
//! grammar) is an error here, so a crafted body cannot hide text from
//! inspection. Nesting deeper than [`MAX_DEPTH`] is an error too, which bounds
//! the recursion, so no input can overflow the stack.
//!
//! Duplicate object keys are kept in document order in [`Value::Object`];
//! [`Node::get`] returns the *last* one, as serde_json, JavaScript and
//! Python do. Implementations disagree on duplicates (some keep the first,
//! some refuse), so a governed body must not have any: [`duplicate_key`]
//! finds the first, and the codecs refuse the body.

use std::borrow::Cow;
use std::ops::Range;

/// Deepest nesting of arrays and objects accepted; one more level is an error.
pub const MAX_DEPTH: usize = 128;

/// A JSON value with the byte range it occupies.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    /// The value.
    pub value: Value<'a>,
    /// Byte range of the whole value in the document.
    pub span: Range<usize>,
}

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as written.
    Number(&'a str),
    /// A string.
    String(Str<'a>),
    /// An array.
    Array(Vec<Node<'a>>),
    /// An object, members in document order (duplicates kept).
    Object(Vec<(Str<'a>, Node<'a>)>),
}

/// A decoded JSON string and the bytes of its literal (quotes included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str<'a> {
    /// Decoded text (borrowed when the literal had no escapes).
    pub text: Cow<'a, str>,
    /// Byte range of the literal, quotes included.
    pub raw: Range<usize>,
}

/// Where and why a document is not valid JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {offset}")]
pub struct JsonError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What was wrong.
    pub message: &'static str,
}

impl<'a> Node<'a> {
    /// The member `key` of an object; `None` for other values.
    ///
    /// With duplicate keys the last one wins, as in serde_json and
    /// JavaScript: it is the value the upstream will most likely use, so it is
    /// the one a policy must judge.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.as_object()?
            .iter()
            .rev()
            .find(|(k, _)| k.text == key)
            .map(|(_, v)| v)
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&Str<'a>> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Node<'a>]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The members in document order, if this is an object.
    pub fn as_object(&self) -> Option<&[(Str<'a>, Node<'a>)]> {
        match &self.value {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The value, if this is a number written as a non-negative integer
    /// (no fraction, no exponent) that fits in a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self.value {
            // `parse` would also take a leading `+`, which the grammar never
            // produces, so digits-only is exactly "plain integer".
            Value::Number(n) if n.bytes().all(|b| b.is_ascii_digit()) => n.parse().ok(),
            _ => None,
        }
    }

    /// The value, if this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
}

/// Parses a document: one value, optionally surrounded by whitespace.
pub fn parse(bytes: &[u8]) -> Result<Node<'_>, JsonError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        // RFC 8259 §8.1: parsers MAY ignore a BOM; some do, some do not, so a
        // body with one could read differently upstream. Refuse it.
        return Err(JsonError {
            offset: 0,
            message: "byte order mark is not allowed",
        });
    }
    // Validating UTF-8 once up front lets every later slice be a `&str`
    // taken at ASCII delimiters, which are always character boundaries.
    let src = std::str::from_utf8(bytes).map_err(|e| JsonError {
        offset: e.valid_up_to(),
        message: "invalid UTF-8",
    })?;
    let mut parser = Parser {
        src,
        bytes,
        pos: 0,
        depth: 0,
    };
    parser.skip_ws();
    let node = parser.value()?;
    parser.skip_ws();
    if parser.pos != bytes.len() {
        return Err(parser.error("trailing characters after the JSON value"));
    }
    Ok(node)
}

/// An object member whose key an earlier member of the same object has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// Where the object is: `body` for the document, else like
    /// `messages[0].content[1]`.
    pub path: String,
    /// The key, quoted, when it looks like a field name; keys of free-form
    /// objects can be content, which an error must never repeat.
    pub key: String,
    /// Byte offset of the second occurrence's key literal.
    pub offset: usize,
}

impl std::fmt::Display for DuplicateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: duplicate key {} at byte {}",
            self.path, self.key, self.offset
        )
    }
}

/// The first object member, in document order, whose key repeats an earlier
/// member's key in the same object. Recursion is bounded by [`MAX_DEPTH`];
/// large objects are checked by sorting, so no body costs quadratic time.
pub fn duplicate_key(node: &Node<'_>) -> Option<DuplicateKey> {
    let mut path = Vec::new();
    find_duplicate(node, &mut path)
}

/// A step from a node to a child, for [`DuplicateKey::path`].
enum PathStep<'n> {
    Key(&'n str),
    Index(usize),
}

fn find_duplicate<'n>(node: &'n Node<'_>, path: &mut Vec<PathStep<'n>>) -> Option<DuplicateKey> {
    match &node.value {
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path.push(PathStep::Index(i));
            let found = find_duplicate(item, path);
            path.pop();
            found
        }),
        Value::Object(members) => {
            if let Some(at) = repeated_member(members) {
                let key = &members[at].0;
                return Some(DuplicateKey {
                    path: render_path(path),
                    key: shown_key(&key.text),
                    offset: key.raw.start,
                });
            }
            members.iter().find_map(|(key, value)| {
                path.push(PathStep::Key(&key.text));
                let found = find_duplicate(value, path);
                path.pop();
                found
            })
        }
        _ => None,
    }
}

/// Position of the first member whose key an earlier member has.
fn repeated_member(members: &[(Str<'_>, Node<'_>)]) -> Option<usize> {
    // Objects in API bodies are small: pairwise is fastest there.
    if members.len() <= 16 {
        return (1..members.len()).find(|&i| {
            members[..i]
                .iter()
                .any(|(k, _)| k.text == members[i].0.text)
        });
    }
    let mut keys: Vec<(&str, usize)> = members
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (&*k.text, i))
        .collect();
    keys.sort_unstable();
    // Within a run of equal keys the positions are sorted, so the pair's
    // second element is a later occurrence; the earliest of those wins.
    keys.windows(2)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| pair[1].1)
        .min()
}

/// A key shown in an error only when it is a plain field name (letters and
/// underscores, at most 40): digits or punctuation could be a secret or an
/// address used as a key.
fn shown_key(key: &str) -> String {
    let plain = !key.is_empty()
        && key.len() <= 40
        && key.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_');
    if plain {
        format!("\"{key}\"")
    } else {
        "(not shown)".to_owned()
    }
}

fn render_path(path: &[PathStep<'_>]) -> String {
    if path.is_empty() {
        return "body".to_owned();
    }
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                let shown = shown_key(key);
                out.push_str(shown.trim_matches('"'));
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Appends `s` to `out` as a JSON string literal, quotes included.
///
/// Escapes `"`, `\` and control characters (as `\n`, `\r`, `\t`, `\b`, `\f`
/// or `\u00XX`, lower-case hex, like serde_json); every other character,
/// non-ASCII included, is written as UTF-8.
pub fn write_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut run_start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0C => "\\f",
            0x00..=0x1F => "",
            _ => continue,
        };
        // `i` indexes an ASCII byte, so both ends are character boundaries.
        out.push_str(s.get(run_start..i).unwrap_or_default());
        if escape.is_empty() {
            push_u_escape(out, b);
        } else {
            out.push_str(escape);
        }
        run_start = i + 1;
    }
    out.push_str(s.get(run_start..).unwrap_or_default());
    out.push('"');
}

fn push_u_escape(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u00");
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0xF)]));
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, message: &'static str) -> JsonError {
        JsonError {
            offset: self.pos,
            message,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// `src[start..end]`; both ends are ASCII positions, so this cannot fail
    /// on a valid document, but an error beats a panic if it ever did.
    fn slice(&self, start: usize, end: usize) -> Result<&'a str, JsonError> {
        self.src.get(start..end).ok_or(JsonError {
            offset: start,
            message: "internal error: split inside a character",
        })
    }

    fn value(&mut self) -> Result<Node<'a>, JsonError> {
        let start = self.pos;
        let value = match self.peek() {
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => Value::Number(self.number()?),
            Some(_) => return Err(self.error("expected a JSON value")),
            None => return Err(self.error("unexpected end of input, expected a value")),
        };
        Ok(Node {
            value,
            span: start..self.pos,
        })
    }

    fn literal(&mut self, word: &'static str, value: Value<'a>) -> Result<Value<'a>, JsonError> {
        let found = self
            .bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()));
        if !found {
            return Err(self.error("invalid literal (expected true, false or null)"));
        }
        self.pos += word.len();
        Ok(value)
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("nesting deeper than 128 levels"));
        }
        self.depth += 1;
        Ok(())
    }

    fn array(&mut self) -> Result<Value<'a>, JsonError> {
        self.enter()?;
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if !self.eat(b']') {
            loop {
                self.skip_ws();
                items.push(self.value()?);
                self.skip_ws();
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.error("expected ',' or ']' in array"));
                }
            }
        }
        self.depth -= 1;
        Ok(Value::Array(items))
    }

    fn object(&mut self) -> Result<Value<'a>, JsonError> {
        self.enter()?;
        self.pos += 1; // '{'
        let mut members = Vec::new();
        self.skip_ws();
        if !self.eat(b'}') {
            loop {
                self.skip_ws();
                if self.peek() != Some(b'"') {
                    return Err(self.error("expected a string key in object"));
                }
                let key = self.string()?;
                self.skip_ws();
                if !self.eat(b':') {
                    return Err(self.error("expected ':' after object key"));
                }
                self.skip_ws();
                members.push((key, self.value()?));
                self.skip_ws();
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.error("expected ',' or '}' in object"));
                }
            }
        }
        self.depth -= 1;
        Ok(Value::Object(members))
    }

    /// Advances to the next `"`, `\` or control byte, returning it.
    fn scan_plain(&mut self) -> Option<u8> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        match rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        {
            Some(n) => {
                self.pos += n;
                rest.get(n).copied()
            }
            None => {
                self.pos = self.bytes.len();
                None
            }
        }
    }

    fn string(&mut self) -> Result<Str<'a>, JsonError> {
        let start = self.pos;
        self.pos += 1; // opening quote
        let content = self.pos;
        match self.scan_plain() {
            Some(b'"') => {
                let text = self.slice(content, self.pos)?;
                self.pos += 1;
                Ok(Str {
                    text: Cow::Borrowed(text),
                    raw: start..self.pos,
                })
            }
            Some(b'\\') => {
                let mut text = String::from(self.slice(content, self.pos)?);
                self.escaped_rest(&mut text)?;
                Ok(Str {
                    text: Cow::Owned(text),
                    raw: start..self.pos,
                })
            }
            Some(_) => Err(self.error("control character in string (must be escaped)")),
            None => Err(JsonError {
                offset: start,
                message: "unterminated string",
            }),
        }
    }

    /// Decodes the rest of a string from the first backslash on.
    fn escaped_rest(&mut self, text: &mut String) -> Result<(), JsonError> {
        loop {
            self.escape(text)?;
            let run = self.pos;
            let stop = self.scan_plain();
            text.push_str(self.slice(run, self.pos)?);
            match stop {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {}
                Some(_) => return Err(self.error("control character in string (must be escaped)")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    fn escape(&mut self, text: &mut String) -> Result<(), JsonError> {
        let at = self.pos;
        let kind = self.bytes.get(at + 1).copied();
        self.pos += 2;
        let ch = match kind {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => self.unicode_escape(at)?,
            _ => {
                return Err(JsonError {
                    offset: at,
                    message: "invalid escape sequence",
                });
            }
        };
        text.push(ch);
        Ok(())
    }

    /// `\uXXXX` (already past `\u`); a surrogate must be a high one followed
    /// by a `\u` low one, since a lone surrogate is not a character and
    /// implementations disagree on what to make of it.
    fn unicode_escape(&mut self, at: usize) -> Result<char, JsonError> {
        const LONE: &str = "lone surrogate in \\u escape";
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                let pair = self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u");
                if !pair {
                    return Err(JsonError {
                        offset: at,
                        message: LONE,
                    });
                }
                self.pos += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(JsonError {
                        offset: at,
                        message: LONE,
                    });
                }
                0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(JsonError {
                    offset: at,
                    message: LONE,
                });
            }
            _ => first,
        };
        char::from_u32(code).ok_or(JsonError {
            offset: at,
            message: LONE,
        })
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|b| char::from(b).to_digit(16));
            let Some(digit) = digit else {
                return Err(self.error("expected 4 hex digits in \\u escape"));
            };
            code = code * 16 + digit;
            self.pos += 1;
        }
        Ok(code)
    }

    fn number(&mut self) -> Result<&'a str, JsonError> {
        let start = self.pos;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number: expected a digit")),
        }
        if self.eat(b'.') && !self.digits() {
            return Err(self.error("invalid number: expected a digit after '.'"));
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !self.digits() {
                return Err(self.error("invalid number: expected a digit in the exponent"));
            }
        }
        self.slice(start, self.pos)
    }

    /// Skips ASCII digits; whether there was at least one.
    fn digits(&mut self) -> bool {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos > start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(doc: &str) -> Node<'_> {
        match parse(doc.as_bytes()) {
            Ok(node) => node,
            Err(e) => panic!("{doc:?} should parse: {e}"),
        }
    }

    fn bad(doc: &[u8]) -> JsonError {
        match parse(doc) {
            Ok(node) => panic!("{doc:?} should fail, got {node:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn scalars_and_spans() {
        let doc = r#" {"a": [1, -2.5e+3, true, false, null], "b": "x"} "#;
        let root = ok(doc);
        assert_eq!(root.span, 1..doc.len() - 1);
        let a = root.get("a").and_then(Node::as_array).unwrap();
        assert_eq!(a[0].as_u64(), Some(1));
        assert_eq!(a[1].value, Value::Number("-2.5e+3"));
        assert_eq!(&doc[a[1].span.clone()], "-2.5e+3");
        assert_eq!(a[2].as_bool(), Some(true));
        assert!(a[4].is_null());
        let b = root.get("b").and_then(Node::as_str).unwrap();
        assert_eq!(&doc[b.raw.clone()], "\"x\"");
        assert!(matches!(b.text, Cow::Borrowed("x")));
    }

    #[test]
    fn escapes_decode_and_allocate() {
        let doc = r#""a\u0040b\"c\\d\/e\n\t\b\f\r \ud83d\ude00 é""#;
        let s = ok(doc).as_str().cloned().unwrap();
        assert_eq!(s.text, "a@b\"c\\d/e\n\t\u{8}\u{c}\r 😀 é");
        assert!(matches!(s.text, Cow::Owned(_)));
        assert_eq!(s.raw, 0..doc.len());
    }

    #[test]
    fn last_duplicate_wins() {
        let root = ok(r#"{"k": 1, "k": 2}"#);
        assert_eq!(root.get("k").and_then(Node::as_u64), Some(2));
        assert_eq!(root.as_object().map(<[_]>::len), Some(2));
    }

    #[test]
    fn duplicate_keys_are_found_with_their_place() {
        assert_eq!(duplicate_key(&ok(r#"{"a":1,"b":{"a":2}}"#)), None);
        let doc = r#"{"messages":[{"role":"user","content":"a","content":"b"}]}"#;
        let found = duplicate_key(&ok(doc)).unwrap();
        assert_eq!(
            found.to_string(),
            format!(
                "messages[0]: duplicate key \"content\" at byte {}",
                doc.rfind("\"content\"").unwrap()
            )
        );
        let top = duplicate_key(&ok(r#"{"k":1,"x":[],"k":null}"#)).unwrap();
        assert_eq!((top.path.as_str(), top.key.as_str()), ("body", "\"k\""));
        // Keys that could be content are not repeated in the error.
        let secret = r#"{"input":{"4111111111111111":1,"4111111111111111":2}}"#;
        let found = duplicate_key(&ok(secret)).unwrap();
        assert_eq!(found.path, "input");
        assert_eq!(found.key, "(not shown)");
        assert!(!found.to_string().contains("4111"));
        // Large objects: the first repeated member in document order.
        let mut big: Vec<String> = (0..40)
            .map(|i| format!("\"k{}\":0", char::from(b'a' + i % 26)))
            .collect();
        big.truncate(30);
        let doc = format!("{{{}}}", big.join(","));
        let found = duplicate_key(&ok(&doc)).unwrap();
        let first_repeat = doc.match_indices("\"ka\"").nth(1).unwrap().0;
        assert_eq!(found.offset, first_repeat);
        // The same key in sibling objects is fine.
        assert_eq!(duplicate_key(&ok(r#"[{"a":1},{"a":1}]"#)), None);
    }

    #[test]
    fn as_u64_only_plain_integers() {
        for (doc, want) in [("0", Some(0)), ("18446744073709551615", Some(u64::MAX))] {
            assert_eq!(ok(doc).as_u64(), want);
        }
        for doc in ["-1", "1.0", "1e3", "18446744073709551616", "\"1\""] {
            assert_eq!(ok(doc).as_u64(), None, "{doc}");
        }
    }

    #[test]
    fn rejects_invalid_documents() {
        let cases: &[&[u8]] = &[
            b"",
            b"   ",
            b"\xEF\xBB\xBF{}",
            b"{} x",
            b"{}{}",
            b"[1,]",
            b"{\"a\":1,}",
            b"{a:1}",
            b"{'a':1}",
            b"[01]",
            b"[-]",
            b"[1.]",
            b"[.5]",
            b"[1e]",
            b"[+1]",
            b"[NaN]",
            b"[Infinity]",
            b"[tru]",
            b"[nul]",
            b"\"\\x\"",
            b"\"\\u12\"",
            b"\"\\ud800\"",
            b"\"\\udc00\"",
            b"\"\\ud800\\u0041\"",
            b"\"\\ud800\\n\"",
            b"\"tab\there\"",
            b"\"nl\nhere\"",
            b"\"\xff\"",
            b"\"\xc3\"",
            b"\"\xed\xa0\x80\"",
            b"\"unterminated",
            b"\"esc at end\\",
            b"[1 2]",
            b"{\"a\" 1}",
            b"[",
            b"{",
            b"\x00",
        ];
        for case in cases {
            bad(case);
        }
    }

    #[test]
    fn error_offsets_point_at_the_problem() {
        assert_eq!(bad(b"[1, x]").offset, 4);
        assert_eq!(bad(b"\"ab\\q\"").offset, 3);
        assert_eq!(bad(b"{} x").offset, 3);
        assert_eq!(bad(b"\"\xff\"").offset, 1);
    }

    #[test]
    fn depth_limit() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(nested(MAX_DEPTH).as_bytes()).is_ok());
        assert!(parse(nested(MAX_DEPTH + 1).as_bytes()).is_err());
        let objects = format!(
            "{}1{}",
            "{\"a\":".repeat(MAX_DEPTH + 1),
            "}".repeat(MAX_DEPTH + 1)
        );
        assert!(parse(objects.as_bytes()).is_err());
        // Far deeper than any stack could recurse: still just an error.
        assert!(parse("[".repeat(1_000_000).as_bytes()).is_err());
    }

    #[test]
    fn write_string_escapes() {
        let mut out = String::from("x=");
        write_string(&mut out, "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f} é😀/");
        assert_eq!(
            out,
            "x=\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\u{7f} é😀/\""
        );
    }

    /// serde_json values, every kind, with arbitrary Unicode strings.
    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value as J;
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<i64>().prop_map(J::from),
            any::<u64>().prop_map(J::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(J::from),
            any::<String>().prop_map(J::String),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(J::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..8)
                    .prop_map(|m| J::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Converts our tree to serde_json's, checking every string's raw span.
    fn to_serde(doc: &str, node: &Node<'_>) -> serde_json::Value {
        use serde_json::Value as J;
        assert_eq!(
            doc.get(node.span.clone()).map(str::trim),
            doc.get(node.span.clone())
        );
        match &node.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => number_marker(n),
            Value::String(s) => J::String(check_str(doc, s)),
            Value::Array(items) => J::Array(items.iter().map(|n| to_serde(doc, n)).collect()),
            Value::Object(members) => J::Object(
                members
                    .iter()
                    .map(|(k, v)| (check_str(doc, k), to_serde(doc, v)))
                    .collect(),
            ),
        }
    }

    /// Numbers compare as written: serde_json's default float parsing is
    /// not exactly round-trip, its printing is.
    fn number_marker(text: &str) -> serde_json::Value {
        serde_json::Value::String(format!("\u{0}number {text}"))
    }

    fn numbers_as_text(value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value as J;
        match value {
            J::Number(n) => number_marker(&n.to_string()),
            J::Array(items) => J::Array(items.into_iter().map(numbers_as_text).collect()),
            J::Object(m) => J::Object(
                m.into_iter()
                    .map(|(k, v)| (k, numbers_as_text(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    fn check_str(doc: &str, s: &Str<'_>) -> String {
        let literal = &doc[s.raw.clone()];
        assert_eq!(literal, serde_json::to_string(&*s.text).unwrap());
        assert_eq!(serde_json::from_str::<String>(literal).unwrap(), s.text);
        s.text.to_string()
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json(value in json_value(), pretty in any::<bool>()) {
            let doc = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            let node = parse(doc.as_bytes()).unwrap();
            prop_assert_eq!(node.span.clone(), 0..doc.len());
            prop_assert_eq!(to_serde(&doc, &node), numbers_as_text(value));
        }

        #[test]
        fn write_string_matches_serde_json(s in any::<String>()) {
            let mut out = String::new();
            write_string(&mut out, &s);
            prop_assert_eq!(&out, &serde_json::to_string(&s).unwrap());
            let node = parse(out.as_bytes()).unwrap();
            prop_assert_eq!(node.as_str().map(|s| s.text.to_string()), Some(s));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse(&bytes);
        }

        /// Small documents over a JSON-heavy alphabet: we accept exactly what
        /// serde_json accepts (bar huge floats, which it refuses and the RFC
        /// allows).
        #[test]
        fn validity_matches_serde_json(
            bytes in prop::collection::vec(
                prop::sample::select(b"{}[]\",:\\/ \t\n01-+.eEtrufalsn\xc3\xa9\x80u8dD0aA\x01".to_vec()),
                0..24,
            )
        ) {
            let ours = parse(&bytes);
            let theirs = serde_json::from_slice::<serde_json::Value>(&bytes);
            if let Err(e) = &theirs {
                prop_assume!(!e.to_string().contains("number out of range"));
            }
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: {:?}", String::from_utf8_lossy(&bytes), ours);
        }
    }
}
