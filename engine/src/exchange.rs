//! Recorded exchanges: one versioned JSON shape for an interaction with an
//! LLM API, used by `explain --request`, `scan`, the traffic examples,
//! `replay` and policy tests.
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
//! A body is either JSON (an object or array, written compactly) or a
//! string holding the exact bytes — the form to use when the bytes matter,
//! such as a `\u0040` escape that must reach the engine as written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::codec::Api;

/// The schema identifier this engine writes and reads.
pub const SCHEMA: &str = "aimsgate/exchange/v1";

/// One recorded interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
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
}

/// A body: exact text, or JSON written compactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Body {
    /// The exact bytes, as UTF-8 text.
    Text(String),
    /// A JSON document.
    Json(serde_json::Value),
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
            Body::Json(value) => serde_json::to_vec(value).unwrap_or_default(),
        }
    }
}

/// Why an exchange could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// Not JSON of the exchange shape.
    #[error("not an exchange: {0}")]
    Shape(#[from] serde_json::Error),
    /// Another schema version.
    #[error("unsupported exchange schema `{0}` (this engine reads `{SCHEMA}`)")]
    Schema(String),
}

impl Exchange {
    /// Parses an exchange from JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Exchange, ExchangeError> {
        let exchange: Exchange = serde_json::from_slice(bytes)?;
        exchange.check_schema()
    }

    /// Checks the schema field of an exchange built some other way.
    pub fn check_schema(self) -> Result<Exchange, ExchangeError> {
        if self.schema != SCHEMA {
            return Err(ExchangeError::Schema(self.schema));
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
        let exchange = Exchange::from_json(json).unwrap();
        assert_eq!(exchange.request.body.to_bytes(), br#"{"a":"x\u0040y"}"#);
        assert_eq!(exchange.api(), Some(Api::OpenaiChat));
    }

    #[test]
    fn unknown_schema_and_fields_are_refused() {
        let other = br#"{"schema":"aimsgate/exchange/v9","request":{"host":"h","path":"/"}}"#;
        assert!(matches!(
            Exchange::from_json(other),
            Err(ExchangeError::Schema(_))
        ));
        let typo = br#"{"request":{"host":"h","path":"/","bdy":"x"}}"#;
        assert!(Exchange::from_json(typo).is_err());
    }
}
