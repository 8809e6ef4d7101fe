//! LLM API payload codecs: from a request or response body to the strings the
//! model sees, each tied to the exact bytes it came from.
//!
//! Every supported API (OpenAI chat completions and responses, embeddings,
//! Anthropic messages, Gemini `generateContent`) is decoded by walking a
//! [`json::Node`] tree produced by our own span-keeping JSON parser: serde_json
//! cannot tell where in the document a string literal sat, and redaction needs
//! exactly that to rewrite a masked string while leaving every other byte of
//! the body unchanged.
//!
//! Image, audio and file parts are not text: they are counted in
//! [`RequestView::skipped_media`], never scanned as text.

pub mod anthropic;
pub mod gemini;
pub mod json;
pub mod openai;
pub mod sse;

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// The LLM API a body belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Api {
    /// OpenAI `POST /v1/chat/completions` (and compatible servers).
    OpenaiChat,
    /// OpenAI `POST /v1/responses`.
    OpenaiResponses,
    /// OpenAI `POST /v1/embeddings`.
    OpenaiEmbeddings,
    /// Anthropic `POST /v1/messages`.
    Anthropic,
    /// Gemini `models/{model}:generateContent` and `:streamGenerateContent`.
    Gemini,
}

impl Api {
    /// Every API, in a stable order.
    pub const ALL: [Api; 5] = [
        Api::OpenaiChat,
        Api::OpenaiResponses,
        Api::OpenaiEmbeddings,
        Api::Anthropic,
        Api::Gemini,
    ];

    /// The name used on the command line and in exchanges (`openai-chat`, …).
    pub fn name(self) -> &'static str {
        match self {
            Api::OpenaiChat => "openai-chat",
            Api::OpenaiResponses => "openai-responses",
            Api::OpenaiEmbeddings => "openai-embeddings",
            Api::Anthropic => "anthropic",
            Api::Gemini => "gemini",
        }
    }

    /// Parses a name as printed by [`Api::name`].
    pub fn from_name(name: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|api| api.name() == name)
    }
}

impl std::fmt::Display for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Who wrote a piece of text, in the API's own conversation model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// System / developer instructions (OpenAI `system`/`developer`, Anthropic
    /// `system`, Gemini `systemInstruction`).
    System,
    /// The end user.
    User,
    /// The model (completions, earlier assistant turns, tool-call arguments).
    Assistant,
    /// Tool / function results fed back to the model.
    Tool,
}

impl Role {
    /// Lower-case name as used in policies.
    pub fn name(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }

    /// Bit of this role in a [`RoleSet`].
    pub fn bit(self) -> u8 {
        match self {
            Role::System => 1,
            Role::User => 2,
            Role::Assistant => 4,
            Role::Tool => 8,
        }
    }
}

/// What a [`Segment`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SegmentKind {
    /// Ordinary message text.
    Text,
    /// The JSON arguments string of a tool / function call.
    ToolArguments,
    /// The output of a tool fed back to the model.
    ToolResult,
    /// Text to embed (embeddings API input).
    EmbeddingInput,
}

/// One string the model sees, decoded, with the bytes it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Who wrote it.
    pub role: Role,
    /// Index of the message (turn) in the conversation, 0-based, counted the
    /// way the API counts it (`messages[i]`, `contents[i]`, `input[i]`). The
    /// system prompt of Anthropic / Gemini, which sits outside the list, uses
    /// index 0 with role [`Role::System`].
    pub message_index: u32,
    /// What kind of text this is.
    pub kind: SegmentKind,
    /// The decoded string: JSON escapes resolved, not yet Unicode-normalised.
    pub text: String,
    /// Byte range of the JSON string literal in the body, quotes included.
    /// Redaction replaces exactly these bytes. For SSE-assembled text, where
    /// the text spans many events, it is the empty range `0..0`.
    pub raw: Range<usize>,
}

/// A request's `max_tokens`-style cap, under the API's own field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaxTokens {
    /// The field as spelled by the API (`max_tokens`, `max_completion_tokens`,
    /// `max_output_tokens`, `maxOutputTokens`).
    pub field: &'static str,
    /// Its value.
    pub value: u64,
    /// Byte range of the number in the body (for rewriting it in place).
    pub raw: Range<usize>,
}

/// What the engine needs to know about a request body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestView {
    /// The model asked for, if the body names it (Gemini names it in the path).
    pub model: Option<String>,
    /// Whether the client asked for a streamed response.
    pub stream: bool,
    /// The output-token cap the request carries, if any.
    pub max_tokens: Option<MaxTokens>,
    /// Byte offset just after the `{` of the object where a missing cap
    /// field would be inserted (OpenAI/Anthropic: the top-level object;
    /// Gemini: `generationConfig` when present, else the top level).
    pub cap_insert_at: Option<usize>,
    /// Names of the tools / functions the request declares.
    pub tools_declared: Vec<String>,
    /// Names of tool / function calls present in the conversation.
    pub tool_calls: Vec<String>,
    /// Every text the model will see, in document order.
    pub segments: Vec<Segment>,
    /// Image / audio / file parts that were skipped, not scanned.
    pub skipped_media: u32,
}

/// What the engine needs to know about a (non-streamed) response body, or
/// about a whole SSE stream once assembled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseView {
    /// The model that answered, if the body says.
    pub model: Option<String>,
    /// Names of tool / function calls the model made.
    pub tool_calls: Vec<String>,
    /// Completion texts and tool-call arguments, role [`Role::Assistant`].
    pub segments: Vec<Segment>,
    /// Output tokens reported by the API's usage block, if present.
    pub output_tokens: Option<u64>,
}

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The body is not valid JSON (or nests deeper than the parser allows).
    #[error("body is not valid JSON: {0}")]
    Json(#[from] json::JsonError),
    /// Valid JSON, but not the shape this API uses.
    #[error("not a {api} body: {reason}")]
    Shape {
        /// The API the body was decoded as.
        api: Api,
        /// What was wrong, naming the field.
        reason: String,
    },
}

/// Picks the API of a request from its path (authoritative when it matches).
pub fn api_from_path(path: &str) -> Option<Api> {
    let path = path.split('?').next().unwrap_or(path);
    if path.ends_with("/chat/completions") {
        Some(Api::OpenaiChat)
    } else if path.ends_with("/responses") {
        Some(Api::OpenaiResponses)
    } else if path.ends_with("/embeddings") {
        Some(Api::OpenaiEmbeddings)
    } else if path.ends_with("/messages") {
        Some(Api::Anthropic)
    } else if path.contains(":generateContent") || path.contains(":streamGenerateContent") {
        Some(Api::Gemini)
    } else {
        None
    }
}

/// Guesses the API of a request body from its top-level fields.
pub fn sniff_request(body: &[u8]) -> Option<Api> {
    let root = json::parse(body).ok()?;
    let json::Value::Object(fields) = &root.value else {
        return None;
    };
    let has = |name: &str| fields.iter().any(|(k, _)| k.text == name);
    if has("contents") {
        Some(Api::Gemini)
    } else if has("messages") {
        // Anthropic puts the system prompt at the top and requires max_tokens;
        // OpenAI puts it in messages.
        if has("system") || (has("max_tokens") && has("anthropic_version")) {
            Some(Api::Anthropic)
        } else {
            Some(Api::OpenaiChat)
        }
    } else if has("input") && has("model") && !has("instructions") && looks_like_embeddings(fields) {
        Some(Api::OpenaiEmbeddings)
    } else if has("input") || has("instructions") {
        Some(Api::OpenaiResponses)
    } else {
        None
    }
}

fn looks_like_embeddings(fields: &[(json::Str<'_>, json::Node<'_>)]) -> bool {
    fields.iter().any(|(k, v)| {
        (k.text == "model" && matches!(&v.value, json::Value::String(s) if s.text.contains("embed")))
            || k.text == "encoding_format"
            || k.text == "dimensions"
    })
}

/// Decodes a request body of the given API.
pub fn decode_request(api: Api, body: &[u8]) -> Result<RequestView, CodecError> {
    let root = json::parse(body)?;
    match api {
        Api::OpenaiChat => openai::chat_request(&root),
        Api::OpenaiResponses => openai::responses_request(&root),
        Api::OpenaiEmbeddings => openai::embeddings_request(&root),
        Api::Anthropic => anthropic::request(&root),
        Api::Gemini => gemini::request(&root),
    }
}

/// Decodes a complete (non-streamed) response body of the given API.
pub fn decode_response(api: Api, body: &[u8]) -> Result<ResponseView, CodecError> {
    let root = json::parse(body)?;
    match api {
        Api::OpenaiChat => openai::chat_response(&root),
        Api::OpenaiResponses => openai::responses_response(&root),
        Api::OpenaiEmbeddings => Ok(ResponseView::default()),
        Api::Anthropic => anthropic::response(&root),
        Api::Gemini => gemini::response(&root),
    }
}
