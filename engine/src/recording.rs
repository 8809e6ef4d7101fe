//! Recordings: one versioned JSON shape for a recorded interaction with an
//! LLM API (a request and what the upstream answered), used by `explain
//! --request`, `scan`, the traffic examples, `replay` and policy tests. The
//! schema keeps its original name, `aimsgate/exchange/v1`, so existing
//! recordings stay readable.
//!
//! ```json
//! {
//!   "schema": "aimsgate/exchange/v1",
//!   "id": "openai-chat-email",
//!   "request": {
//!     "method": "POST", "host": "api.openai.com", "path": "/v1/chat/completions",
//!     "headers": {"content-type": "application/json"},
//!     "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
//!   },
//!   "response": {"status": 200, "headers": {}, "chunks": ["data: {...}\n\n", "data: [DONE]\n\n"]}
//! }
//! ```
//!
//! A body is either JSON (an object or array, written compactly), a
//! string holding the exact bytes — the form to use when the bytes matter,
//! such as a `\u0040` escape that must reach the engine as written — or
//! `{"base64": "…"}` for bytes that are not UTF-8 (a gzip body). A JSON
//! body of exactly that shape must therefore be written as a string.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::codec::Api;

/// The schema identifier this engine writes and reads.
pub const SCHEMA: &str = "aimsgate/exchange/v1";

/// One recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recording {
    /// Always [`SCHEMA`]; other values are refused.
    #[serde(default = "default_schema")]
    pub schema: String,
    /// A name for the exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The API, when neither the path nor the body tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<Api>,
    /// What the client sent.
    pub request: Request,
    /// What the upstream answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
}

fn default_schema() -> String {
    SCHEMA.to_owned()
}

fn default_method() -> String {
    "POST".to_owned()
}

fn default_status() -> u16 {
    200
}

/// A recorded request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// HTTP method.
    #[serde(default = "default_method")]
    pub method: String,
    /// Host (`:authority`).
    pub host: String,
    /// Path with query.
    pub path: String,
    /// Headers (names compared case-insensitively).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Body.
    #[serde(default)]
    pub body: Body,
    /// Trailers after the body (HTTP/2, or chunked HTTP/1.1); most
    /// recordings have none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub trailers: BTreeMap<String, String>,
}

/// A recorded response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// HTTP status.
    #[serde(default = "default_status")]
    pub status: u16,
    /// Headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A complete body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// A streamed body (SSE, or Gemini's JSON array) as the proxy received
    /// it, chunk by chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks: Option<Vec<String>>,
    /// Trailers after the body.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub trailers: BTreeMap<String, String>,
}

/// A body: exact text, exact bytes in base64, or JSON written compactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Body {
    /// The exact bytes, as UTF-8 text.
    Text(String),
    /// The exact bytes, in standard base64: `{"base64": "…"}`. Tried
    /// before [`Body::Json`], so an object of only that key is bytes.
    Bytes(Base64Body),
    /// A JSON document.
    Json(serde_json::Value),
}

/// Bytes that are not UTF-8 text, in standard base64 (with padding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base64Body {
    /// The bytes, encoded.
    pub base64: String,
}

impl Default for Body {
    fn default() -> Self {
        Body::Text(String::new())
    }
}

impl Body {
    /// The body's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Body::Text(text) => text.as_bytes().to_vec(),
            // Malformed base64 is refused when the recording is read
            // (`Recording::check`), so this never loses bytes silently.
            Body::Bytes(bytes) => decode_base64(&bytes.base64).unwrap_or_default(),
            Body::Json(value) => serde_json::to_vec(value).unwrap_or_default(),
        }
    }
}

/// Why a recording could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// Not JSON of the exchange shape.
    #[error("not an exchange: {0}")]
    Shape(#[from] serde_json::Error),
    /// Another schema version.
    #[error("unsupported exchange schema `{0}` (this engine reads `{SCHEMA}`)")]
    Schema(String),
    /// A `{"base64": …}` body that is not base64.
    #[error("the {0} body is not valid base64: {1}")]
    Base64(&'static str, String),
}

fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text)
}

impl Recording {
    /// Parses an exchange from JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Recording, RecordingError> {
        let exchange: Recording = serde_json::from_slice(bytes)?;
        exchange.check_schema()
    }

    /// Checks the schema field (and any base64 body) of an exchange
    /// built some other way.
    pub fn check_schema(self) -> Result<Recording, RecordingError> {
        if self.schema != SCHEMA {
            return Err(RecordingError::Schema(self.schema));
        }
        let bodies = [
            ("request", Some(&self.request.body)),
            (
                "response",
                self.response.as_ref().and_then(|r| r.body.as_ref()),
            ),
        ];
        for (which, body) in bodies {
            if let Some(Body::Bytes(bytes)) = body {
                decode_base64(&bytes.base64)
                    .map_err(|e| RecordingError::Base64(which, e.to_string()))?;
            }
        }
        Ok(self)
    }

    /// Request headers as lower-case name / value pairs.
    pub fn request_headers(&self) -> Vec<(String, String)> {
        self.request
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect()
    }

    /// The API of the request: the explicit one, else the path, else the
    /// body.
    pub fn api(&self) -> Option<Api> {
        self.api
            .or_else(|| crate::codec::api_from_path(&self.request.path))
            .or_else(|| crate::codec::sniff_request(&self.request.body.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_body_keeps_its_exact_bytes() {
        let json = br#"{"request":{"host":"h","path":"/v1/chat/completions","body":"{\"a\":\"x\\u0040y\"}"}}"#;
        let exchange = Recording::from_json(json).unwrap();
        assert_eq!(exchange.request.body.to_bytes(), br#"{"a":"x\u0040y"}"#);
        assert_eq!(exchange.api(), Some(Api::OpenaiChat));
    }

    #[test]
    fn base64_bodies_are_exact_bytes_and_bad_base64_is_refused() {
        let json = br#"{"request":{"host":"h","path":"/","body":{"base64":"H4sIAA=="}}}"#;
        let exchange = Recording::from_json(json).unwrap();
        assert_eq!(exchange.request.body.to_bytes(), [0x1f, 0x8b, 8, 0]);
        let bad = br#"{"request":{"host":"h","path":"/","body":{"base64":"not base64!"}}}"#;
        assert!(matches!(
            Recording::from_json(bad),
            Err(RecordingError::Base64("request", _))
        ));
        // Any other object is a JSON body.
        let json = br#"{"request":{"host":"h","path":"/","body":{"base64":"AA==","x":1}}}"#;
        let exchange = Recording::from_json(json).unwrap();
        assert!(matches!(exchange.request.body, Body::Json(_)));
    }

    #[test]
    fn unknown_schema_and_fields_are_refused() {
        let other = br#"{"schema":"aimsgate/exchange/v9","request":{"host":"h","path":"/"}}"#;
        assert!(matches!(
            Recording::from_json(other),
            Err(RecordingError::Schema(_))
        ));
        let typo = br#"{"request":{"host":"h","path":"/","bdy":"x"}}"#;
        assert!(Recording::from_json(typo).is_err());
    }
}
