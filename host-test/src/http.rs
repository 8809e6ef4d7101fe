//! The HTTP-level inputs and outputs of an exchange.

use serde::{Serialize, Serializer};

use crate::logs::LogRecord;

/// A request as the downstream client sends it to Envoy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// Headers including the pseudo-headers `:method`, `:path`, `:authority` and
    /// `:scheme` (keys are lower-cased on the way in, as Envoy's codecs do).
    pub headers: Vec<(String, String)>,
    /// The body in the chunks Envoy's codec delivers them. Empty: a headers-only
    /// request (`end_of_stream` on the headers, no body callback).
    pub body: Vec<Vec<u8>>,
    /// Trailers; empty for none.
    pub trailers: Vec<(String, String)>,
}

impl HttpRequest {
    /// A request with `method` and `path` for `authority` over plain HTTP.
    pub fn new(method: &str, path: &str, authority: &str) -> Self {
        Self {
            headers: vec![
                (":method".into(), method.into()),
                (":path".into(), path.into()),
                (":authority".into(), authority.into()),
                (":scheme".into(), "http".into()),
            ],
            body: Vec::new(),
            trailers: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, key: &str, value: &str) -> Self {
        self.headers.push((key.into(), value.into()));
        self
    }

    /// Adds a body chunk.
    pub fn chunk(mut self, chunk: impl Into<Vec<u8>>) -> Self {
        self.body.push(chunk.into());
        self
    }
}

/// A response as an upstream sends it (or as an HTTP call handler answers).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// Headers including `:status`.
    pub headers: Vec<(String, String)>,
    /// The body in the chunks Envoy receives them; empty for none.
    pub body: Vec<Vec<u8>>,
    /// Trailers; empty for none.
    pub trailers: Vec<(String, String)>,
}

impl HttpResponse {
    /// A response with `status` and one body chunk (none if `body` is empty).
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        Self {
            headers: vec![(":status".into(), status.to_string())],
            body: if body.is_empty() {
                Vec::new()
            } else {
                vec![body]
            },
            trailers: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, key: &str, value: &str) -> Self {
        self.headers.push((key.into(), value.into()));
        self
    }
}

/// What reached the upstream: the request after the filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UpstreamRequest {
    /// Headers as the filter left them.
    pub headers: Vec<(String, String)>,
    /// The body as forwarded (all chunks).
    #[serde(serialize_with = "lossy")]
    pub body: Vec<u8>,
    /// Trailers as forwarded.
    pub trailers: Vec<(String, String)>,
}

impl UpstreamRequest {
    /// The first value of header `key`.
    pub fn header(&self, key: &str) -> Option<&str> {
        header_value(&self.headers, key)
    }
}

/// The server side of an exchange. Called once the request has fully reached the
/// upstream (Envoy's router has sent it).
pub trait Upstream {
    /// Answers the request.
    fn respond(&mut self, request: &UpstreamRequest) -> HttpResponse;
}

impl Upstream for HttpResponse {
    fn respond(&mut self, _request: &UpstreamRequest) -> HttpResponse {
        self.clone()
    }
}

impl<F: FnMut(&UpstreamRequest) -> HttpResponse> Upstream for F {
    fn respond(&mut self, request: &UpstreamRequest) -> HttpResponse {
        self(request)
    }
}

/// Who produced a local reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum LocalReplySender {
    /// The plugin, through `proxy_send_local_response`.
    Filter,
    /// Envoy itself; the reason is its response-code details, e.g.
    /// `request_payload_too_large`, `wasm_fail_stream`, `stream_idle_timeout`.
    Envoy(String),
}

/// A response Envoy generated instead of (or in place of) the upstream's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalReply {
    /// Its status code.
    pub status: u16,
    /// Envoy's response-code details (for the filter's reply, the details the plugin
    /// passed, with whitespace replaced by `_` as Envoy does).
    pub details: String,
    /// Who sent it.
    pub sent_by: LocalReplySender,
}

/// What happened to one HTTP stream, as the client and the upstream saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ExchangeOutcome {
    /// The request as the upstream got it; `None` if the upstream was never contacted.
    /// Present as soon as the request headers reached the router, even if the
    /// stream ended before the request was complete (then the upstream was not asked
    /// to respond).
    pub upstream: Option<UpstreamRequest>,
    /// The status the client got; 0 if no response headers reached it (reset).
    pub status: u16,
    /// The response headers the client got, with what Envoy's connection manager
    /// adds (`date`, `server: envoy`).
    pub headers: Vec<(String, String)>,
    /// The response body the client got.
    #[serde(serialize_with = "lossy")]
    pub body: Vec<u8>,
    /// The body as forwarded downstream, one entry per non-empty data frame: a
    /// buffering filter shows up as a single chunk, a streaming one as many.
    #[serde(serialize_with = "lossy_chunks")]
    pub chunks: Vec<Vec<u8>>,
    /// Response trailers the client got.
    pub trailers: Vec<(String, String)>,
    /// The local reply the client got, if the response was one.
    pub local_reply: Option<LocalReply>,
    /// The stream was reset instead of completing cleanly.
    pub reset: bool,
    /// Lines logged while this exchange ran (root-context lines included).
    pub logs: Vec<LogRecord>,
    /// The trap that killed the VM during this exchange, if one did.
    pub trap: Option<String>,
}

impl ExchangeOutcome {
    /// The first value of response header `key`.
    pub fn header(&self, key: &str) -> Option<&str> {
        header_value(&self.headers, key)
    }

    /// The body as (lossy) UTF-8.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An HTTP call the plugin made with `proxy_http_call`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HttpCall {
    /// The token the call got.
    pub token: u32,
    /// The context that made it (the effective one).
    pub context_id: u32,
    /// The upstream cluster.
    pub cluster: String,
    /// Its headers (keys lower-cased; `content-length` added for a body, as Envoy does).
    pub headers: Vec<(String, String)>,
    /// Its body.
    #[serde(serialize_with = "lossy")]
    pub body: Vec<u8>,
    /// Its trailers.
    pub trailers: Vec<(String, String)>,
    /// The timeout in milliseconds (0: none).
    pub timeout_ms: u32,
}

impl HttpCall {
    /// The first value of header `key`.
    pub fn header(&self, key: &str) -> Option<&str> {
        header_value(&self.headers, key)
    }
}

/// The response to an [`HttpCall`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpCallResponse {
    /// Headers including `:status`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Trailers.
    pub trailers: Vec<(String, String)>,
}

impl HttpCallResponse {
    /// A response with `status` and `body`.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            headers: vec![(":status".into(), status.to_string())],
            body: body.into(),
            trailers: Vec::new(),
        }
    }
}

fn header_value<'a>(headers: &'a [(String, String)], key: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, value)| value.as_str())
}

fn lossy<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&String::from_utf8_lossy(bytes))
}

fn lossy_chunks<S: Serializer>(chunks: &[Vec<u8>], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(chunks.iter().map(|chunk| String::from_utf8_lossy(chunk)))
}
