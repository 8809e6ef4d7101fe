//! A span-keeping JSON parser (skeleton: to be implemented).
use std::borrow::Cow;
use std::ops::Range;

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

/// Parses a document.
pub fn parse(bytes: &[u8]) -> Result<Node<'_>, JsonError> {
    let _ = bytes;
    Err(JsonError { offset: 0, message: "parser not implemented yet" })
}
