//! Reading a policy file into a JSON value plus a map from each value's
//! path (`rules[2].controls[0]`) to its byte span.
//!
//! Deserialising straight into the model would lose positions; instead the
//! document is parsed once into a position-keeping tree (saphyr's
//! `MarkedYaml` for YAML, the engine's span-keeping parser for JSON), turned
//! into a `serde_json::Value` and a [`SpanIndex`], and then deserialised
//! with `serde_path_to_error`. Every error — syntax, type or semantic —
//! names a path, and the index turns the path into file:line:column.

use std::collections::HashMap;
use std::ops::Range;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Number, Value};

use crate::diagnostics::{Code, Diagnostic};

/// Spans of values and keys by path.
#[derive(Debug, Default, Clone)]
pub struct SpanIndex {
    values: HashMap<String, Range<usize>>,
    keys: HashMap<String, Range<usize>>,
}

impl SpanIndex {
    /// Span of the value at `path`, or of its nearest ancestor.
    pub fn value(&self, path: &str) -> Option<Range<usize>> {
        let mut path = path;
        loop {
            if let Some(span) = self.values.get(path) {
                return Some(span.clone());
            }
            path = parent(path)?;
        }
    }

    /// Span of the key that names the value at `path` (falls back to the
    /// value's span).
    pub fn key(&self, path: &str) -> Option<Range<usize>> {
        self.keys.get(path).cloned().or_else(|| self.value(path))
    }
}

fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(&path[..cut])
}

/// Joins a path and a key the way `serde_path_to_error` prints paths.
pub fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Joins a path and an index.
pub fn join_index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// A parsed document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document as JSON.
    pub value: Value,
    /// Where each part came from.
    pub spans: SpanIndex,
}

/// Parses `text` as JSON when it looks like JSON (first non-blank byte is
/// `{`), else as YAML.
pub fn parse(text: &str) -> Result<Document, Diagnostic> {
    if text.trim_start().starts_with('{') {
        parse_json(text)
    } else {
        parse_yaml(text)
    }
}

fn parse_json(text: &str) -> Result<Document, Diagnostic> {
    use aimsgate_engine::codec::json;
    let root = json::parse(text.as_bytes()).map_err(|e| {
        Diagnostic::error(Code::Syntax, format!("JSON syntax error: {}", e.message))
            .at(Some(e.offset..e.offset))
    })?;
    let mut spans = SpanIndex::default();
    let value = json_to_value(&root, "", &mut spans);
    Ok(Document { value, spans })
}

fn json_to_value(
    node: &aimsgate_engine::codec::json::Node<'_>,
    path: &str,
    spans: &mut SpanIndex,
) -> Value {
    use aimsgate_engine::codec::json::Value as J;
    spans.values.insert(path.to_owned(), node.span.clone());
    match &node.value {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => serde_json::from_str::<Number>(n).map_or(Value::Null, Value::Number),
        J::String(s) => Value::String(s.text.to_string()),
        J::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| json_to_value(item, &join_index(path, i), spans))
                .collect(),
        ),
        J::Object(members) => {
            let mut map = Map::new();
            for (key, member) in members {
                let child = join_key(path, &key.text);
                spans.keys.insert(child.clone(), key.raw.clone());
                map.insert(key.text.to_string(), json_to_value(member, &child, spans));
            }
            Value::Object(map)
        }
    }
}

/// Maps saphyr's character indices to byte offsets.
struct CharOffsets<'t> {
    text: &'t str,
    table: Option<Vec<usize>>,
}

impl<'t> CharOffsets<'t> {
    fn new(text: &'t str) -> Self {
        let table = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .collect()
        });
        CharOffsets { text, table }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.table {
            None => char_index.min(self.text.len()),
            Some(table) => table.get(char_index).copied().unwrap_or(self.text.len()),
        }
    }

    fn span(&self, span: &saphyr_parser::Span) -> Range<usize> {
        let start = self.byte(span.start.index());
        let end = self.byte(span.end.index()).max(start);
        start..end
    }
}

fn parse_yaml(text: &str) -> Result<Document, Diagnostic> {
    let offsets = CharOffsets::new(text);
    let docs = MarkedYaml::load_from_str(text).map_err(|e| {
        let at = offsets.byte(e.marker().index());
        Diagnostic::error(Code::Syntax, format!("YAML syntax error: {}", e.info())).at(Some(at..at))
    })?;
    let Some(root) = docs.into_iter().next() else {
        return Err(
            Diagnostic::error(Code::Syntax, "the file holds no YAML document").at(Some(0..0)),
        );
    };
    let mut spans = SpanIndex::default();
    let value = yaml_to_value(&root, "", &offsets, &mut spans)?;
    Ok(Document { value, spans })
}

fn yaml_to_value(
    node: &MarkedYaml<'_>,
    path: &str,
    offsets: &CharOffsets<'_>,
    spans: &mut SpanIndex,
) -> Result<Value, Diagnostic> {
    let span = offsets.span(&node.span);
    spans.values.insert(path.to_owned(), span.clone());
    Ok(match &node.data {
        YamlData::Value(scalar) => scalar_to_value(scalar),
        YamlData::Representation(text, _, _) => Value::String(text.to_string()),
        YamlData::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| yaml_to_value(item, &join_index(path, i), offsets, spans))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(mapping) => {
            let mut map = Map::new();
            for (key, member) in mapping {
                let name = match &key.data {
                    YamlData::Value(Scalar::String(s)) => s.to_string(),
                    YamlData::Value(other) => scalar_to_value(other).to_string(),
                    _ => {
                        return Err(Diagnostic::error(
                            Code::Syntax,
                            "mapping keys must be plain strings",
                        )
                        .at(Some(offsets.span(&key.span))));
                    }
                };
                let child = join_key(path, &name);
                spans.keys.insert(child.clone(), offsets.span(&key.span));
                let value = yaml_to_value(member, &child, offsets, spans)?;
                if map.insert(name.clone(), value).is_some() {
                    return Err(Diagnostic::error(
                        Code::DuplicateKey,
                        format!("key `{name}` appears twice"),
                    )
                    .at(Some(offsets.span(&key.span))));
                }
            }
            Value::Object(map)
        }
        YamlData::Tagged(_, inner) => yaml_to_value(inner, path, offsets, spans)?,
        YamlData::Alias(_) => {
            return Err(Diagnostic::error(
                Code::Syntax,
                "YAML aliases are not supported in policies",
            )
            .at(Some(span)));
        }
        YamlData::BadValue => {
            return Err(Diagnostic::error(Code::Syntax, "this value cannot be read").at(Some(span)));
        }
    })
}

fn scalar_to_value(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => {
            Number::from_f64(f.into_inner()).map_or(Value::Null, Value::Number)
        }
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_paths_map_to_spans() {
        let text = "a:\n  b:\n    - x\n    - yz\n";
        let doc = parse(text).unwrap();
        let span = doc.spans.value("a.b[1]").unwrap();
        assert_eq!(&text[span.start..span.start + 2], "yz");
        let key = doc.spans.key("a.b").unwrap();
        assert_eq!(&text[key], "b");
    }

    #[test]
    fn json_paths_map_to_spans() {
        let text = r#"{"a": {"b": ["x", "yz"]}}"#;
        let doc = parse(text).unwrap();
        let span = doc.spans.value("a.b[1]").unwrap();
        assert_eq!(&text[span], "\"yz\"");
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.span.is_some());
    }

    #[test]
    fn non_ascii_text_keeps_byte_spans_right() {
        let text = "é: ü\nk: v\n";
        let doc = parse(text).unwrap();
        let span = doc.spans.value("k").unwrap();
        assert_eq!(&text[span.start..span.start + 1], "v");
    }
}
