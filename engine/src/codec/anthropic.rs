//! Anthropic Messages API bodies (`POST /v1/messages`).
//!
//! The system prompt (`system`, a string or text blocks) is index 0, role
//! system; `messages[i]` is index `i`. A `tool_use` block's `input` is a JSON
//! object, not a string, so each string value inside it becomes its own
//! `ToolArguments` segment (role assistant), each redactable in place; the
//! same for the string values of a `tool_result`'s content blocks.
//!
//! Plain-text documents (`source.type` `text` or `content`) are text the
//! model reads and are scanned; base64 / URL / file documents and images are
//! counted as skipped media. Thinking blocks are the model's own signed
//! output (altering them breaks the signature) and are not scanned. Unknown
//! block types are errors: a new block type could carry unscanned text.

use super::delta::{StreamDelta, StreamMeta};
use super::json::Node;
use super::{
    Api, CodecError, Cx, Path, RequestView, ResponseView, Role, SegmentKind, leaf_segments, segment,
};

const CX: Cx = Cx(Api::Anthropic);

/// Block types that carry no text to scan (model reasoning, results of
/// server-side tools, uploads).
const SILENT_BLOCKS: [&str; 8] = [
    "thinking",
    "redacted_thinking",
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "container_upload",
];

/// Decodes a request body.
pub fn request(root: &Node<'_>) -> Result<RequestView, CodecError> {
    let top = Path::ROOT;
    CX.object(root, &top)?;
    let mut view = RequestView {
        model: CX.model(root)?,
        stream: CX.flag(root.get("stream"), &top.key("stream"))?,
        max_tokens: CX.max_tokens(root, "max_tokens", &top)?,
        cap_insert_at: Some(root.span.start + 1),
        cap_fields: Cx::cap_fields(root, &["max_tokens"]),
        ..RequestView::default()
    };
    let tools_path = top.key("tools");
    for (i, tool) in CX.array(root.get("tools"), &tools_path)?.iter().enumerate() {
        let path = tools_path.at(i);
        CX.object(tool, &path)?;
        let name = CX.string(tool.get("name"), &path.key("name"))?;
        view.tools_declared.extend(name.map(|n| n.text.to_string()));
    }
    if let Some(system) = root.get("system") {
        content(
            system,
            Role::System,
            0,
            SegmentKind::Text,
            &top.key("system"),
            &mut view,
        )?;
    }
    let path = top.key("messages");
    let messages = CX.array(Some(CX.required(root.get("messages"), &path)?), &path)?;
    for (i, message) in messages.iter().enumerate() {
        let path = path.at(i);
        CX.object(message, &path)?;
        let role = role(message, &path)?;
        let content_path = path.key("content");
        let node = CX.required(message.get("content"), &content_path)?;
        content(node, role, i, SegmentKind::Text, &content_path, &mut view)?;
    }
    Ok(view)
}

fn role(message: &Node<'_>, path: &Path<'_>) -> Result<Role, CodecError> {
    let path = path.key("role");
    match CX
        .string(Some(CX.required(message.get("role"), &path)?), &path)?
        .map(|r| &*r.text)
    {
        Some("user") => Ok(Role::User),
        Some("assistant") => Ok(Role::Assistant),
        _ => Err(CX.fail(&path, "unknown role (expected user or assistant)")),
    }
}

/// Content: a string, an array of blocks, or `null`.
fn content(
    node: &Node<'_>,
    role: Role,
    index: usize,
    kind: SegmentKind,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    if node.is_null() {
        return Ok(());
    }
    if let Some(text) = node.as_str() {
        view.segments.push(segment(role, index, kind, text));
        return Ok(());
    }
    let blocks = node
        .as_array()
        .ok_or_else(|| CX.fail(path, "expected a string or an array of blocks"))?;
    for (j, item) in blocks.iter().enumerate() {
        block(item, role, index, kind, &path.at(j), view)?;
    }
    Ok(())
}

fn block(
    node: &Node<'_>,
    role: Role,
    index: usize,
    kind: SegmentKind,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    CX.object(node, path)?;
    let type_path = path.key("type");
    let block_type = CX.string(Some(CX.required(node.get("type"), &type_path)?), &type_path)?;
    match block_type.map(|t| &*t.text) {
        Some("text") => {
            let text_path = path.key("text");
            let text = CX.string(Some(CX.required(node.get("text"), &text_path)?), &text_path)?;
            view.segments
                .extend(text.map(|t| segment(role, index, kind, t)));
        }
        Some("image") => view.skipped_media = view.skipped_media.saturating_add(1),
        Some("document") => document(node, role, index, kind, path, view)?,
        Some("tool_use" | "server_tool_use" | "mcp_tool_use") => tool_use(node, index, path, view)?,
        Some("tool_result" | "mcp_tool_result") => {
            if let Some(result) = node.get("content") {
                content(
                    result,
                    Role::Tool,
                    index,
                    SegmentKind::ToolResult,
                    &path.key("content"),
                    view,
                )?;
            }
        }
        Some("search_result") => {
            if let Some(result) = node.get("content") {
                content(result, role, index, kind, &path.key("content"), view)?;
            }
        }
        Some(other) if SILENT_BLOCKS.contains(&other) => {}
        _ => return Err(CX.fail(&type_path, "unsupported content block type")),
    }
    Ok(())
}

/// A document block: plain text (`source.type` `text`) and custom content
/// (`content`) are scanned; base64, URL and file sources are media.
fn document(
    node: &Node<'_>,
    role: Role,
    index: usize,
    kind: SegmentKind,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let path = path.key("source");
    let source = CX.required(node.get("source"), &path)?;
    CX.object(source, &path)?;
    let source_type = CX.string(source.get("type"), &path.key("type"))?;
    match source_type.map(|t| &*t.text) {
        Some("text") => {
            let data = CX.string(source.get("data"), &path.key("data"))?;
            view.segments
                .extend(data.map(|d| segment(role, index, kind, d)));
        }
        Some("content") => {
            if let Some(inner) = source.get("content") {
                content(inner, role, index, kind, &path.key("content"), view)?;
            }
        }
        _ => view.skipped_media = view.skipped_media.saturating_add(1),
    }
    Ok(())
}

/// `tool_use`: the name is a call, every string in `input` is an argument.
fn tool_use(
    node: &Node<'_>,
    index: usize,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let name = CX.string(node.get("name"), &path.key("name"))?;
    view.tool_calls.extend(name.map(|n| n.text.to_string()));
    if let Some(input) = node.get("input") {
        leaf_segments(
            input,
            Role::Assistant,
            index,
            SegmentKind::ToolArguments,
            &mut view.segments,
        );
    }
    Ok(())
}

/// Decodes a (non-streamed) response body.
pub fn response(root: &Node<'_>) -> Result<ResponseView, CodecError> {
    let top = Path::ROOT;
    CX.object(root, &top)?;
    let mut scratch = RequestView::default();
    let path = top.key("content");
    for (j, item) in CX.array(root.get("content"), &path)?.iter().enumerate() {
        block(
            item,
            Role::Assistant,
            0,
            SegmentKind::Text,
            &path.at(j),
            &mut scratch,
        )?;
    }
    let usage = root.get("usage").and_then(|u| u.get("output_tokens"));
    Ok(ResponseView {
        model: CX.model(root)?,
        tool_calls: scratch.tool_calls,
        segments: scratch.segments,
        output_tokens: CX.count(usage, &top.key("usage").key("output_tokens"))?,
    })
}

/// One stream event, chosen by its `type` (the SSE `event:` name repeats
/// it). Pings, block stops, thinking and signature deltas carry no text.
pub(super) fn stream_event(
    root: &Node<'_>,
    out: &mut Vec<StreamDelta>,
    meta: &mut StreamMeta,
) -> Result<(), CodecError> {
    let top = Path::ROOT;
    CX.object(root, &top)?;
    let event_type = CX.string(root.get("type"), &top.key("type"))?;
    let index = CX
        .count(root.get("index"), &top.key("index"))?
        .map_or(0, |i| u32::try_from(i).unwrap_or(u32::MAX));
    match event_type.map(|t| &*t.text) {
        Some("message_start") => {
            if let Some(message) = root.get("message") {
                meta.model = CX.model(message)?.or(meta.model.take());
                usage(message, meta)?;
            }
        }
        Some("message_delta") => usage(root, meta)?,
        Some("message_stop") => out.push(StreamDelta::done(0)),
        Some("content_block_start") => {
            if let Some(block) = root.get("content_block") {
                block_start(block, index, &top.key("content_block"), out)?;
            }
        }
        Some("content_block_delta") => {
            if let Some(delta) = root.get("delta") {
                block_delta(delta, index, &top.key("delta"), out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn usage(holder: &Node<'_>, meta: &mut StreamMeta) -> Result<(), CodecError> {
    let tokens = holder.get("usage").and_then(|u| u.get("output_tokens"));
    meta.output_tokens = CX
        .count(tokens, &Path::ROOT.key("usage"))?
        .or(meta.output_tokens);
    Ok(())
}

fn block_start(
    block: &Node<'_>,
    index: u32,
    path: &Path<'_>,
    out: &mut Vec<StreamDelta>,
) -> Result<(), CodecError> {
    CX.object(block, path)?;
    let block_type = CX.string(block.get("type"), &path.key("type"))?;
    match block_type.map(|t| &*t.text) {
        Some("text") => {
            if let Some(text) = CX.string(block.get("text"), &path.key("text"))? {
                out.extend(StreamDelta::text(0, SegmentKind::Text, index, text));
            }
        }
        Some("tool_use" | "server_tool_use" | "mcp_tool_use") => {
            let name = CX.string(block.get("name"), &path.key("name"))?;
            // `input` is `{}` here; the arguments follow as input_json_delta.
            out.extend(StreamDelta::tool(
                0,
                index,
                name.map(|n| &*n.text),
                "",
                None,
            ));
        }
        _ => {}
    }
    Ok(())
}

fn block_delta(
    delta: &Node<'_>,
    index: u32,
    path: &Path<'_>,
    out: &mut Vec<StreamDelta>,
) -> Result<(), CodecError> {
    CX.object(delta, path)?;
    let delta_type = CX.string(delta.get("type"), &path.key("type"))?;
    let (key, kind) = match delta_type.map(|t| &*t.text) {
        Some("text_delta") => ("text", SegmentKind::Text),
        Some("input_json_delta") => ("partial_json", SegmentKind::ToolArguments),
        _ => return Ok(()),
    };
    if let Some(text) = CX.string(delta.get(key), &path.key(key))? {
        out.extend(StreamDelta::text(0, kind, index, text));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{Segment, assert_raw_spans, decode_request, decode_response};
    use super::*;

    fn texts(segments: &[Segment]) -> Vec<(Role, u32, SegmentKind, &str)> {
        segments
            .iter()
            .map(|s| (s.role, s.message_index, s.kind, s.text.as_str()))
            .collect()
    }

    const REQUEST: &str = r#"{
      "model": "claude-sonnet-4-5",
      "max_tokens": 1024,
      "stream": true,
      "system": [
        {"type": "text", "text": "You are a helpful assistant."},
        {"type": "text", "text": "Cached context \"quoted\"", "cache_control": {"type": "ephemeral"}}
      ],
      "tools": [
        {"name": "get_weather", "description": "Get the weather", "input_schema": {"type": "object"}},
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
      ],
      "messages": [
        {"role": "user", "content": "What's the weather in Paris? mail me at a\u0040b.c"},
        {"role": "assistant", "content": [
          {"type": "thinking", "thinking": "secret reasoning", "signature": "sig"},
          {"type": "text", "text": "Let me check."},
          {"type": "tool_use", "id": "toolu_01", "name": "get_weather",
           "input": {"location": "Paris \ud83c\uddeb\ud83c\uddf7", "unit": "celsius", "days": 3, "opts": {"tags": ["x"]}}}
        ]},
        {"role": "user", "content": [
          {"type": "tool_result", "tool_use_id": "toolu_01", "content": "15 degrees"},
          {"type": "tool_result", "tool_use_id": "toolu_02", "is_error": true, "content": [
            {"type": "text", "text": "partial"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}}
          ]},
          {"type": "image", "source": {"type": "url", "url": "https://example.com/a.jpg"}},
          {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBER"}},
          {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain doc"}},
          {"type": "text", "text": "Thanks"}
        ]}
      ]
    }"#;

    #[test]
    fn request_full() {
        let view = decode_request(Api::Anthropic, REQUEST.as_bytes()).unwrap();
        assert_raw_spans(REQUEST, &view.segments);
        assert_eq!(view.model.as_deref(), Some("claude-sonnet-4-5"));
        assert!(view.stream);
        let cap = view.max_tokens.clone().unwrap();
        assert_eq!(
            (cap.field, cap.value, &REQUEST[cap.raw]),
            ("max_tokens", 1024, "1024")
        );
        assert_eq!(view.cap_insert_at, Some(1));
        assert_eq!(view.tools_declared, ["get_weather", "web_search"]);
        assert_eq!(view.tool_calls, ["get_weather"]);
        assert_eq!(view.skipped_media, 3);
        use Role::*;
        use SegmentKind::*;
        assert_eq!(
            texts(&view.segments),
            [
                (System, 0, Text, "You are a helpful assistant."),
                (System, 0, Text, "Cached context \"quoted\""),
                (
                    User,
                    0,
                    Text,
                    "What's the weather in Paris? mail me at a@b.c"
                ),
                (Assistant, 1, Text, "Let me check."),
                // A tool's input is free-form: keys and numbers too.
                (Assistant, 1, ToolArguments, "location"),
                (Assistant, 1, ToolArguments, "Paris 🇫🇷"),
                (Assistant, 1, ToolArguments, "unit"),
                (Assistant, 1, ToolArguments, "celsius"),
                (Assistant, 1, ToolArguments, "days"),
                (Assistant, 1, ToolArguments, "3"),
                (Assistant, 1, ToolArguments, "opts"),
                (Assistant, 1, ToolArguments, "tags"),
                (Assistant, 1, ToolArguments, "x"),
                (Tool, 2, ToolResult, "15 degrees"),
                (Tool, 2, ToolResult, "partial"),
                (User, 2, Text, "plain doc"),
                (User, 2, Text, "Thanks"),
            ]
        );
    }

    #[test]
    fn request_system_string_and_no_cap() {
        let body = r#"{"model":"claude-3-haiku","system":"Be terse.","messages":[{"role":"user","content":"hi"}]}"#;
        let view = decode_request(Api::Anthropic, body.as_bytes()).unwrap();
        assert_eq!(
            texts(&view.segments)[0],
            (Role::System, 0, SegmentKind::Text, "Be terse.")
        );
        assert_eq!(view.max_tokens, None);
        assert_eq!(view.cap_insert_at, Some(1));
    }

    #[test]
    fn request_rejects_bad_shapes() {
        for body in [
            r#"{"messages":[{"role":"system","content":"x"}]}"#,
            r#"{"messages":[{"role":"user"}]}"#,
            r#"{"messages":[{"role":"user","content":[{"type":"hologram"}]}]}"#,
            r#"{"messages":[{"role":"user","content":[{"type":"text","text":1}]}]}"#,
            r#"{"messages":[{"role":"user","content":[{"type":"document"}]}]}"#,
            r#"{"messages":[],"system":{"text":"x"}}"#,
            r#"{"messages":[],"max_tokens":"many"}"#,
            r#"{"system":"no messages"}"#,
        ] {
            let result = decode_request(Api::Anthropic, body.as_bytes());
            assert!(
                matches!(result, Err(CodecError::Shape { .. })),
                "{body}: {result:?}"
            );
        }
    }

    #[test]
    fn response_text_and_tool_use() {
        let body = r#"{
          "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
          "content": [
            {"type": "text", "text": "I'll check the weather.\nOne moment."},
            {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"location": "San Francisco, CA"}}
          ],
          "stop_reason": "tool_use", "stop_sequence": null,
          "usage": {"input_tokens": 2095, "output_tokens": 503}
        }"#;
        let view = decode_response(Api::Anthropic, body.as_bytes()).unwrap();
        assert_raw_spans(body, &view.segments);
        assert_eq!(view.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
        assert_eq!(view.output_tokens, Some(503));
        assert_eq!(view.tool_calls, ["get_weather"]);
        assert_eq!(
            texts(&view.segments),
            [
                (
                    Role::Assistant,
                    0,
                    SegmentKind::Text,
                    "I'll check the weather.\nOne moment."
                ),
                (Role::Assistant, 0, SegmentKind::ToolArguments, "location"),
                (
                    Role::Assistant,
                    0,
                    SegmentKind::ToolArguments,
                    "San Francisco, CA"
                ),
            ]
        );
    }
}
