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
//! What is text: everything the model reads or writes, which is every
//! string of a body except the members a codec declares are not text (ids
//! and type tags, roles, model names, settings, counts and limits, media
//! bytes and URLs, signatures and encrypted blobs). A codec knows the role
//! and kind of the fields it knows; every other member, and every part,
//! item or block of a type it does not know, is scanned whole as text of
//! the enclosing message's role (`scan_rest`) rather than refused or
//! skipped, so text cannot hide in a field the codec never heard of. Tool
//! definitions and output schemas are [`Role::System`]: the developer wrote
//! them. Inside free-form JSON the model reads whole (tool inputs and
//! results as objects, schemas) object keys and numbers are text too; a
//! redacted number becomes a JSON string, a redacted key keeps its place.
//! Unknown stream event types are scanned too, each field in a run of its
//! own (`scan_deltas`).
//!
//! Image, audio and file parts are not text: they are counted in
//! [`RequestView::skipped_media`], never scanned as text.
//!
//! A body with a duplicate object key is refused ([`CodecError::DuplicateKey`]).

pub mod anthropic;
pub mod delta;
pub mod events;
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

    /// Bit of this role in a role mask (a rule's `roles` bit set in the
    /// [`ruleset`](crate::ruleset)).
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
    /// For a number in free-form JSON, the number as written.
    pub text: String,
    /// Byte range of the JSON literal in the body: a string literal, quotes
    /// included (an object key's, for a key), or a number literal.
    /// Redaction replaces exactly these bytes with a JSON string, which is
    /// valid JSON in each of those places. For SSE-assembled text, where
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

/// One output-token cap member of a request, whatever its value: a cap
/// that is set replaces each of them, so that no other spelling, `null` or
/// string is left for the upstream to prefer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapField {
    /// The member's key as spelled in the body.
    pub field: &'static str,
    /// Byte range of its value (a number, `null`, or anything else).
    pub raw: Range<usize>,
    /// The value, when it is a plain non-negative integer.
    pub value: Option<u64>,
    /// The value is a `null` Gemini `generationConfig`, which the cap
    /// replaces with an object holding `maxOutputTokens`.
    pub container: bool,
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
    /// Every cap member present (see [`CapField`]), in document order; the
    /// cap is inserted at `cap_insert_at` only when there is none.
    pub cap_fields: Vec<CapField>,
    /// Names of the tools / functions the request declares.
    pub tools_declared: Vec<String>,
    /// Names of tool / function calls present in the conversation.
    pub tool_calls: Vec<String>,
    /// Every text the model will see, field by field (messages in order).
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
    /// An object has the same key twice. The proxy reads one member and the
    /// upstream may act on the other, so neither a request nor a response
    /// (fail closed) with one is governed.
    #[error("{api} body: {duplicate}")]
    DuplicateKey {
        /// The API the body was decoded as.
        api: Api,
        /// Where (the object's path and the key's offset) and which key.
        duplicate: json::DuplicateKey,
    },
    /// A body of no known shape, read generically ([`decode_generic`]),
    /// has the same key twice.
    #[error("body: {0}")]
    Duplicate(json::DuplicateKey),
    /// The stream framing is broken: an SSE event or a Gemini array element
    /// over [`sse::MAX_EVENT_BYTES`], or a JSON array stream that is not one.
    #[error("bad stream: {0}")]
    Stream(#[from] sse::StreamError),
}

/// The value of header `name` (any case) among `headers`: the one header
/// lookup of the engine and every runtime.
pub fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
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

/// The API of the endpoint `path` is, or lies under: besides the API's
/// own endpoints ([`api_from_path`]), the ones that read or write the same
/// content elsewhere — stored outputs (`/v1/responses/{id}`,
/// `/v1/chat/completions/{id}/messages`), batches and token counts
/// (`/v1/messages/batches/{id}/results`, `/v1/messages/count_tokens`),
/// Gemini's other model methods (`:countTokens`, `:batchGenerateContent`,
/// `cachedContents`). Their bodies are read as the API's shape when they
/// have it, else as generic JSON ([`decode_generic`]).
pub fn api_under_path(path: &str) -> Option<Api> {
    if let Some(api) = api_from_path(path) {
        return Some(api);
    }
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let has = |run: &[&str]| segments.windows(run.len()).any(|w| w == run);
    if has(&["chat", "completions"]) {
        Some(Api::OpenaiChat)
    } else if has(&["responses"]) {
        Some(Api::OpenaiResponses)
    } else if has(&["embeddings"]) {
        Some(Api::OpenaiEmbeddings)
    } else if has(&["messages"]) {
        Some(Api::Anthropic)
    } else if has(&["cachedContents"])
        || segments.iter().any(|s| {
            s.contains(":countTokens")
                || s.contains(":batchGenerateContent")
                || s.contains(":embedContent")
                || s.contains(":batchEmbedContents")
        })
    {
        Some(Api::Gemini)
    } else {
        None
    }
}

/// Decodes a body no API codec knows the shape of: every string of a JSON
/// document (or of each line of JSON lines, as batch results come) is text
/// of `role`, except the scalar values of members that are never text
/// (type tags, ids, media data). Used for the endpoints under an API's
/// ([`api_under_path`]) and for responses of an unknown shape: inspected
/// generically rather than passed, or refused when not JSON at all.
pub fn decode_generic(body: &[u8], role: Role) -> Result<Vec<Segment>, CodecError> {
    let mut segments = Vec::new();
    let at = At::new(role, 0, SegmentKind::Text);
    match json::parse(body) {
        Ok(root) => {
            if let Some(duplicate) = json::duplicate_key(&root) {
                return Err(CodecError::Duplicate(duplicate));
            }
            scan_value(&root, at, Scan::Strings, &mut segments);
        }
        Err(first) => {
            // JSON lines: one document per line.
            let mut offset = 0;
            let mut lines = 0;
            for line in body.split_inclusive(|&b| b == b'\n') {
                let start = offset;
                offset += line.len();
                if line.trim_ascii().is_empty() {
                    continue;
                }
                let Ok(root) = json::parse(line) else {
                    return Err(first.into());
                };
                if let Some(mut duplicate) = json::duplicate_key(&root) {
                    duplicate.offset += start;
                    return Err(CodecError::Duplicate(duplicate));
                }
                lines += 1;
                let from = segments.len();
                scan_value(&root, at, Scan::Strings, &mut segments);
                for segment in &mut segments[from..] {
                    segment.raw = segment.raw.start + start..segment.raw.end + start;
                }
            }
            if lines == 0 {
                return Err(first.into());
            }
        }
    }
    Ok(segments)
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
        if looks_like_anthropic(&root, fields) {
            Some(Api::Anthropic)
        } else {
            Some(Api::OpenaiChat)
        }
    } else if has("input") && has("model") && !has("instructions") && looks_like_embeddings(fields)
    {
        Some(Api::OpenaiEmbeddings)
    } else if has("input") || has("instructions") {
        Some(Api::OpenaiResponses)
    } else {
        None
    }
}

/// Anthropic puts the system prompt at the top level (OpenAI puts it in
/// `messages`), has Anthropic-only fields, or uses content blocks OpenAI
/// does not have.
fn looks_like_anthropic(root: &json::Node<'_>, fields: &[(json::Str<'_>, json::Node<'_>)]) -> bool {
    const ONLY_ANTHROPIC: [&str; 3] = ["system", "anthropic_version", "stop_sequences"];
    if fields
        .iter()
        .any(|(k, _)| ONLY_ANTHROPIC.contains(&&*k.text))
    {
        return true;
    }
    let messages = root
        .get("messages")
        .and_then(json::Node::as_array)
        .unwrap_or_default();
    let mut blocks = messages
        .iter()
        .filter_map(|m| m.get("content").and_then(json::Node::as_array))
        .flatten();
    let anthropic_block = |block: &json::Node<'_>| {
        let kind = block
            .get("type")
            .and_then(json::Node::as_str)
            .map(|s| &*s.text);
        matches!(
            kind,
            Some("tool_use" | "tool_result" | "document" | "thinking" | "redacted_thinking")
        ) || (kind == Some("image") && block.get("source").is_some())
    };
    blocks.any(anthropic_block)
}

fn looks_like_embeddings(fields: &[(json::Str<'_>, json::Node<'_>)]) -> bool {
    fields.iter().any(|(k, v)| {
        (k.text == "model"
            && matches!(&v.value, json::Value::String(s) if s.text.contains("embed")))
            || k.text == "encoding_format"
            || k.text == "dimensions"
    })
}

/// Parses a body (a request, a response, or one stream event) of `api`,
/// refusing duplicate keys.
pub(crate) fn parse_body(api: Api, body: &[u8]) -> Result<Node<'_>, CodecError> {
    let root = json::parse(body)?;
    match json::duplicate_key(&root) {
        Some(duplicate) => Err(CodecError::DuplicateKey { api, duplicate }),
        None => Ok(root),
    }
}

/// Decodes a request body of the given API.
pub fn decode_request(api: Api, body: &[u8]) -> Result<RequestView, CodecError> {
    let root = parse_body(api, body)?;
    let mut view = match api {
        Api::OpenaiChat => openai::chat_request(&root),
        Api::OpenaiResponses => openai::responses_request(&root),
        Api::OpenaiEmbeddings => openai::embeddings_request(&root),
        Api::Anthropic => anthropic::request(&root),
        Api::Gemini => gemini::request(&root),
    }?;
    // A cap member that is not a number (`"max_completion_tokens": null`
    // beside `"max_tokens": 10`) may read as "no limit" upstream: the
    // request counts as uncapped, so a cap rule rewrites every member.
    if view
        .cap_fields
        .iter()
        .any(|field| field.value.is_none() || field.container)
    {
        view.max_tokens = None;
    }
    Ok(view)
}

/// Decodes a complete (non-streamed) response body of the given API.
pub fn decode_response(api: Api, body: &[u8]) -> Result<ResponseView, CodecError> {
    let root = parse_body(api, body)?;
    match api {
        Api::OpenaiChat => openai::chat_response(&root),
        Api::OpenaiResponses => openai::responses_response(&root),
        // Vectors are numbers, but a guessed API (or a lying upstream) must
        // not make a body unread: every string of it is inspected.
        Api::OpenaiEmbeddings => {
            decode_generic(body, Role::Assistant).map(|segments| ResponseView {
                segments,
                ..ResponseView::default()
            })
        }
        Api::Anthropic => anthropic::response(&root),
        Api::Gemini => gemini::response(&root),
    }
}

// ---------------------------------------------------------------------------
// Helpers shared by the API codecs (private to `codec` and its children).

use json::{Node, Str};

/// Where a value sits in the body, for error messages. Built on the stack
/// while walking (free) and only rendered when something is wrong.
#[derive(Clone, Copy)]
struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    step: Step,
}

#[derive(Clone, Copy)]
enum Step {
    Key(&'static str),
    Index(usize),
}

impl Path<'static> {
    /// The document itself.
    const ROOT: Path<'static> = Path {
        parent: None,
        step: Step::Key(""),
    };
}

impl<'p> Path<'p> {
    fn key(&'p self, key: &'static str) -> Path<'p> {
        Path {
            parent: Some(self),
            step: Step::Key(key),
        }
    }

    fn at(&'p self, index: usize) -> Path<'p> {
        Path {
            parent: Some(self),
            step: Step::Index(index),
        }
    }
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.parent, self.step) {
            (None, _) => f.write_str("body"),
            (Some(Path { parent: None, .. }), Step::Key(key)) => f.write_str(key),
            (Some(parent), Step::Key(key)) => write!(f, "{parent}.{key}"),
            (Some(parent), Step::Index(i)) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Typed access to the body of one API, failing with a [`CodecError::Shape`]
/// that names the field. Absent and `null` read the same everywhere: the
/// APIs treat an explicit `null` as "not set".
#[derive(Clone, Copy)]
struct Cx(Api);

impl Cx {
    fn fail(self, path: &Path<'_>, what: &str) -> CodecError {
        CodecError::Shape {
            api: self.0,
            reason: format!("{path}: {what}"),
        }
    }

    fn object<'n, 'a>(
        self,
        node: &'n Node<'a>,
        path: &Path<'_>,
    ) -> Result<&'n [(Str<'a>, Node<'a>)], CodecError> {
        node.as_object()
            .ok_or_else(|| self.fail(path, "expected an object"))
    }

    /// A member that must be present (and not `null`).
    fn required<'n, 'a>(
        self,
        node: Option<&'n Node<'a>>,
        path: &Path<'_>,
    ) -> Result<&'n Node<'a>, CodecError> {
        node.filter(|n| !n.is_null())
            .ok_or_else(|| self.fail(path, "missing"))
    }

    /// An optional array; absent or `null` is empty.
    fn array<'n, 'a>(
        self,
        node: Option<&'n Node<'a>>,
        path: &Path<'_>,
    ) -> Result<&'n [Node<'a>], CodecError> {
        match node {
            None => Ok(&[]),
            Some(n) if n.is_null() => Ok(&[]),
            Some(n) => n
                .as_array()
                .ok_or_else(|| self.fail(path, "expected an array")),
        }
    }

    /// An optional string.
    fn string<'n, 'a>(
        self,
        node: Option<&'n Node<'a>>,
        path: &Path<'_>,
    ) -> Result<Option<&'n Str<'a>>, CodecError> {
        match node {
            None => Ok(None),
            Some(n) if n.is_null() => Ok(None),
            Some(n) => n
                .as_str()
                .map(Some)
                .ok_or_else(|| self.fail(path, "expected a string")),
        }
    }

    /// An optional boolean; absent is `false`.
    fn flag(self, node: Option<&Node<'_>>, path: &Path<'_>) -> Result<bool, CodecError> {
        match node {
            None => Ok(false),
            Some(n) if n.is_null() => Ok(false),
            Some(n) => n
                .as_bool()
                .ok_or_else(|| self.fail(path, "expected true or false")),
        }
    }

    /// An optional non-negative integer.
    fn count(self, node: Option<&Node<'_>>, path: &Path<'_>) -> Result<Option<u64>, CodecError> {
        match node {
            None => Ok(None),
            Some(n) if n.is_null() => Ok(None),
            Some(n) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.fail(path, "expected a non-negative integer")),
        }
    }

    /// The output-token cap `field` of `parent`, with the bytes of its value.
    fn max_tokens(
        self,
        parent: &Node<'_>,
        field: &'static str,
        path: &Path<'_>,
    ) -> Result<Option<MaxTokens>, CodecError> {
        let node = parent.get(field);
        let value = self.count(node, &path.key(field))?;
        Ok(value.zip(node).map(|(value, node)| MaxTokens {
            field,
            value,
            raw: node.span.clone(),
        }))
    }

    /// The members of `parent` named in `fields`, whatever their values.
    fn cap_fields(parent: &Node<'_>, fields: &[&'static str]) -> Vec<CapField> {
        let members = parent.as_object().unwrap_or_default();
        members
            .iter()
            .filter_map(|(key, value)| {
                let field = fields.iter().find(|f| **f == key.text)?;
                Some(CapField {
                    field,
                    raw: value.span.clone(),
                    value: value.as_u64(),
                    container: false,
                })
            })
            .collect()
    }

    /// The model name, if the body has a string `model`.
    fn model(self, root: &Node<'_>) -> Result<Option<String>, CodecError> {
        let path = Path::ROOT;
        Ok(self
            .string(root.get("model"), &path.key("model"))?
            .map(|s| s.text.to_string()))
    }
}

/// A segment for the string literal `s`.
fn segment(role: Role, index: usize, kind: SegmentKind, s: &Str<'_>) -> Segment {
    Segment {
        role,
        message_index: u32::try_from(index).unwrap_or(u32::MAX),
        kind,
        text: s.text.to_string(),
        raw: s.raw.clone(),
    }
}

/// Who wrote a part of a body and what kind of text it is: what every
/// segment found under it gets.
#[derive(Clone, Copy, Debug)]
struct At {
    role: Role,
    index: usize,
    kind: SegmentKind,
}

impl At {
    fn new(role: Role, index: usize, kind: SegmentKind) -> At {
        At { role, index, kind }
    }

    fn segment(self, s: &Str<'_>) -> Segment {
        segment(self.role, self.index, self.kind, s)
    }
}

/// How much of a value is text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scan {
    /// Every string, except the scalar values of [`structural`] keys:
    /// fields and types the codec does not know.
    Strings,
    /// Every string, number and object key: free-form JSON the model reads
    /// whole (tool inputs and arguments, tool results, JSON schemas). A
    /// number's segment is its literal as written; a key's is its literal.
    Everything,
}

/// Keys whose scalar values are never text in any API: type tags, ids,
/// roles, statuses, signatures and opaque encrypted blobs. Walks of
/// unknown fields ([`Scan::Strings`]) skip them so that ids such as
/// `call_…` or `toolu_…` do not reach the detectors; an object or array
/// under such a key is still walked.
fn structural(key: &str) -> bool {
    const KEYS: [&str; 17] = [
        "type",
        "id",
        "object",
        "role",
        "status",
        "model",
        "signature",
        "thoughtSignature",
        "thought_signature",
        "encrypted_content",
        "encrypted_index",
        "obfuscation",
        "finish_reason",
        "finishReason",
        "stop_reason",
        "mimeType",
        "mime_type",
    ];
    KEYS.contains(&key)
        || key.ends_with("_id")
        || key.ends_with("_ids")
        || key.ends_with("Id")
        || key.ends_with("Ids")
        || key == "media_type"
}

/// Appends a segment for every text under `node` (see [`Scan`]).
/// Recursion is bounded by the parser's depth limit.
fn scan_value(node: &Node<'_>, at: At, scan: Scan, out: &mut Vec<Segment>) {
    match &node.value {
        json::Value::String(s) => out.push(at.segment(s)),
        json::Value::Number(n) if scan == Scan::Everything => out.push(Segment {
            role: at.role,
            message_index: u32::try_from(at.index).unwrap_or(u32::MAX),
            kind: at.kind,
            text: (*n).to_owned(),
            raw: node.span.clone(),
        }),
        json::Value::Array(items) => {
            for item in items {
                scan_value(item, at, scan, out);
            }
        }
        json::Value::Object(members) => {
            let media = scan == Scan::Strings && is_media(node);
            for (key, value) in members {
                match scan {
                    Scan::Everything => out.push(at.segment(key)),
                    Scan::Strings if structural(&key.text) && is_scalar(value) => continue,
                    Scan::Strings if media && key.text == "data" => continue,
                    Scan::Strings => {}
                }
                scan_value(value, at, scan, out);
            }
        }
        json::Value::Null | json::Value::Bool(_) | json::Value::Number(_) => {}
    }
}

/// Whether a member is left out of a scan: the caller handled it or
/// declared it not text (`skip`), or it is a [`structural`] scalar.
fn skipped(key: &str, value: &Node<'_>, skip: &[&str]) -> bool {
    skip.contains(&key) || (structural(key) && is_scalar(value))
}

/// An inline medium met in a walk of unknown members: an object with a
/// media type (`media_type`, `mimeType`, `mime_type`) or `"type":"base64"`,
/// whose `data` is the encoded bytes, not text.
fn is_media(node: &Node<'_>) -> bool {
    ["media_type", "mimeType", "mime_type"]
        .iter()
        .any(|key| node.get(key).is_some())
        || node
            .get("type")
            .and_then(Node::as_str)
            .is_some_and(|t| t.text == "base64")
}

fn is_scalar(node: &Node<'_>) -> bool {
    !matches!(node.value, json::Value::Array(_) | json::Value::Object(_))
}

/// Scans, as unknown fields ([`Scan::Strings`]), every member of `object`
/// whose key is not in `skip`: the members the caller handled itself or
/// declared not text. This is what makes a codec scan what it does not
/// know rather than skip it.
fn scan_rest(object: &Node<'_>, skip: &[&str], at: At, out: &mut Vec<Segment>) {
    // Not the object the codec expected: unknown, so scanned whole.
    let Some(members) = object.as_object() else {
        return scan_value(object, at, Scan::Strings, out);
    };
    for (key, value) in members {
        if !skipped(&key.text, value, skip) {
            scan_value(value, at, Scan::Strings, out);
        }
    }
}

/// Members of a tool definition that hold a JSON schema (or, for MCP
/// servers, headers): scanned whole, keys and numbers included.
const SCHEMA_KEYS: [&str; 11] = [
    "parameters",
    "responseSchema",
    "response_schema",
    "input_schema",
    "schema",
    "parametersJsonSchema",
    "parameters_json_schema",
    "response",
    "responseJsonSchema",
    "response_json_schema",
    "headers",
];

/// Scans a tool, function or output-format definition. The developer wrote
/// it and the model reads it as instructions, so its text is
/// [`Role::System`] at index 0: descriptions and every other string, and
/// schemas whole ([`Scan::Everything`]). `skip` lists the members handled
/// by the caller or not text (the tool's name is a fact, `tools_declared`,
/// which rules match on, not text).
fn tool_definition(def: &Node<'_>, skip: &[&str], out: &mut Vec<Segment>) {
    let at = At::new(Role::System, 0, SegmentKind::Text);
    let Some(members) = def.as_object() else {
        return scan_value(def, at, Scan::Strings, out);
    };
    for (key, value) in members {
        if skipped(&key.text, value, skip) {
            continue;
        }
        let scan = match SCHEMA_KEYS.contains(&&*key.text) {
            true => Scan::Everything,
            false => Scan::Strings,
        };
        scan_value(value, at, scan, out);
    }
}

/// FNV-1a over `bytes`, continuing from `hash` (a run key, not security).
fn mix(hash: u32, bytes: &[u8]) -> u32 {
    let mut hash = if hash == 0 { 0x811c_9dc5 } else { hash };
    for &b in bytes {
        hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    // A separator, so that ("ab", "c") and ("a", "bc") differ.
    (hash ^ 0xff).wrapping_mul(0x0100_0193)
}

/// The run seed of a stream event of type `event` at `index`.
fn run_seed(event: &str, index: u32) -> u32 {
    mix(mix(0, event.as_bytes()), &index.to_le_bytes())
}

/// Checks that every segment's `raw` is the JSON literal its text came from.
#[cfg(test)]
fn assert_raw_spans(body: &str, segments: &[Segment]) {
    for segment in segments {
        let literal = &body[segment.raw.clone()];
        // A number's segment is its literal as written.
        let decoded = match literal.starts_with('"') {
            true => serde_json::from_str(literal).unwrap(),
            false => literal.to_owned(),
        };
        assert_eq!(decoded, segment.text, "raw {:?} = {literal}", segment.raw);
    }
}

/// Test helper: masks `needle` in every segment of a request (`request`)
/// or response body that holds it, as a redaction would, and checks that
/// the text was scanned and the rewritten body is valid JSON that decodes
/// again without it. Returns the rewritten body.
#[cfg(test)]
fn redact_needle(api: Api, body: &str, needle: &str, request: bool) -> String {
    let segments = match request {
        true => decode_request(api, body.as_bytes()).unwrap().segments,
        false => decode_response(api, body.as_bytes()).unwrap().segments,
    };
    assert_raw_spans(body, &segments);
    let redactions: Vec<crate::decision::Redaction> = segments
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let at = s.text.find(needle)?;
            Some(crate::decision::Redaction {
                segment: u32::try_from(i).unwrap(),
                span: at..at + needle.len(),
                mask: "[X]".into(),
            })
        })
        .collect();
    assert!(!redactions.is_empty(), "{needle:?} not scanned in {body}");
    let edits = crate::redact::redaction_edits(&segments, &redactions).unwrap();
    let out = crate::redact::splice(body.as_bytes(), edits).unwrap();
    let out = String::from_utf8(out).unwrap();
    serde_json::from_str::<serde_json::Value>(&out).expect("valid JSON");
    match request {
        true => decode_request(api, out.as_bytes()).map(drop),
        false => decode_response(api, out.as_bytes()).map(drop),
    }
    .expect("decodes again");
    assert!(!out.contains(needle), "{out}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_from_path_picks_each_api() {
        let cases = [
            ("/v1/chat/completions", Some(Api::OpenaiChat)),
            ("/v1/responses?x=1", Some(Api::OpenaiResponses)),
            ("/v1/embeddings", Some(Api::OpenaiEmbeddings)),
            ("/v1/messages", Some(Api::Anthropic)),
            (
                "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                Some(Api::Gemini),
            ),
            ("/v1/models", None),
        ];
        for (path, api) in cases {
            assert_eq!(api_from_path(path), api, "{path}");
        }
    }

    #[test]
    fn sniff_request_tells_apis_apart() {
        let cases: [(&str, Option<Api>); 9] = [
            (
                r#"{"contents":[{"parts":[{"text":"hi"}]}]}"#,
                Some(Api::Gemini),
            ),
            (
                r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#,
                Some(Api::OpenaiChat),
            ),
            (
                r#"{"model":"claude","max_tokens":9,"system":"s","messages":[{"role":"user","content":"hi"}]}"#,
                Some(Api::Anthropic),
            ),
            (
                r#"{"model":"claude","max_tokens":9,"messages":[{"role":"user","content":[
                    {"type":"tool_result","tool_use_id":"t","content":"x"}]}]}"#,
                Some(Api::Anthropic),
            ),
            (
                r#"{"model":"claude","messages":[{"role":"user","content":[
                    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}}]}]}"#,
                Some(Api::Anthropic),
            ),
            (
                r#"{"model":"text-embedding-3-small","input":"hi"}"#,
                Some(Api::OpenaiEmbeddings),
            ),
            (
                r#"{"model":"gpt-4.1","input":"hi"}"#,
                Some(Api::OpenaiResponses),
            ),
            (r#"{"model":"gpt-4.1"}"#, None),
            ("not json", None),
        ];
        for (body, api) in cases {
            assert_eq!(sniff_request(body.as_bytes()), api, "{body}");
        }
    }

    #[test]
    fn every_api_decodes_through_the_entry_points() {
        assert!(matches!(
            decode_request(Api::OpenaiChat, b"{"),
            Err(CodecError::Json(_))
        ));
        assert!(matches!(
            decode_request(Api::Gemini, b"[]"),
            Err(CodecError::Shape {
                api: Api::Gemini,
                ..
            })
        ));
        let view = decode_response(Api::OpenaiEmbeddings, br#"{"data":[]}"#).unwrap();
        assert_eq!(view, ResponseView::default());
    }

    #[test]
    fn duplicate_keys_are_refused_in_requests_and_responses() {
        let request =
            br#"{"model":"m","messages":[{"role":"user","content":"ok","content":"hidden"}]}"#;
        let error = decode_request(Api::OpenaiChat, request).unwrap_err();
        assert_eq!(
            error.to_string(),
            "openai-chat body: messages[0]: duplicate key \"content\" at byte 55"
        );
        let response = br#"{"content":[{"type":"text","text":"a"}],"content":[]}"#;
        assert!(matches!(
            decode_response(Api::Anthropic, response),
            Err(CodecError::DuplicateKey {
                api: Api::Anthropic,
                ..
            })
        ));
        for api in Api::ALL {
            assert!(matches!(
                decode_request(api, br#"{"model":"a","model":"b"}"#),
                Err(CodecError::DuplicateKey { .. })
            ));
        }
    }

    #[test]
    fn shape_errors_name_the_field() {
        let body = br#"{"messages":[{"role":"user","content":"a"},{"role":"user","content":[{"type":"text"}]}]}"#;
        let error = decode_request(Api::OpenaiChat, body).unwrap_err();
        assert_eq!(
            error.to_string(),
            "not a openai-chat body: messages[1].content[0].text: missing"
        );
    }

    #[test]
    fn an_embeddings_response_is_read_generically_not_skipped() {
        // A guessed API must not make a body unread: the vectors are
        // numbers, every string is text.
        let body = br#"{"object":"list","model":"m","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"note":"leak AKIAIOSFODNN7EXAMPLE"}"#;
        let view = decode_response(Api::OpenaiEmbeddings, body).unwrap();
        let texts: Vec<&str> = view.segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["leak AKIAIOSFODNN7EXAMPLE"]);
    }

    #[test]
    fn json_lines_are_read_line_by_line_with_their_offsets() {
        let body = b"{\"a\":\"one\"}\n\n{\"b\":\"two\"}\n";
        let segments = decode_generic(body, Role::Assistant).unwrap();
        for segment in &segments {
            let literal = &body[segment.raw.clone()];
            assert_eq!(literal, format!("\"{}\"", segment.text).as_bytes());
        }
        assert_eq!(segments.len(), 2);
        assert!(decode_generic(b"{\"a\":1}\nnot json\n", Role::Assistant).is_err());
    }
}
