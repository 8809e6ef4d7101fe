//! Anthropic Messages API bodies (`POST /v1/messages`).
//!
//! The system prompt (`system`, a string or text blocks) is index 0, role
//! system; `messages[i]` is index `i`. Every string is scanned except the
//! members declared not text here (settings in `REQUEST_NOT_TEXT`, ids,
//! type tags, `signature`, `redacted_thinking.data`, `encrypted_content`,
//! `cache_control`, and media: image sources, base64 / URL / file
//! documents, counted as skipped media). A `tool_use` block's `input` is a
//! JSON object, not a string, so each string, number and key inside it
//! becomes its own `ToolArguments` segment (role assistant), each
//! redactable in place. Tool definitions and `mcp_servers` (their URLs and
//! authorization tokens) are system text. Thinking blocks are scanned: the
//! model reads them back in a tool loop; a redaction inside one breaks its
//! signature, so the upstream refuses the request rather than read altered
//! reasoning. Results of server tools (web search, web fetch, code
//! execution) and block types added later are scanned whole, blocks nested
//! in them (documents, text) by their own rules.

use super::delta::{StreamDelta, StreamMeta, scan_deltas, scan_rest_deltas};
use super::json::Node;
use super::{
    Api, At, CodecError, Cx, Path, RequestView, ResponseView, Role, Scan, SegmentKind, mix,
    run_seed, scan_rest, scan_value, skipped, tool_definition,
};

const CX: Cx = Cx(Api::Anthropic);

/// Top-level request members that are settings, not text.
const REQUEST_NOT_TEXT: [&str; 14] = [
    "model",
    "container",
    "max_tokens",
    "stream",
    "temperature",
    "top_p",
    "top_k",
    "tool_choice",
    "metadata",
    "thinking",
    "service_tier",
    "context_management",
    "anthropic_version",
    "anthropic_beta",
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
        tool_definition(tool, &["name", "cache_control"], &mut view.segments);
    }
    let servers_path = top.key("mcp_servers");
    for server in CX.array(root.get("mcp_servers"), &servers_path)? {
        // `url` and `authorization_token` included: a credential sent on.
        tool_definition(server, &["name"], &mut view.segments);
    }
    if let Some(system) = root.get("system") {
        let at = At::new(Role::System, 0, SegmentKind::Text);
        content(system, at, &top.key("system"), &mut view)?;
    }
    let path = top.key("messages");
    let messages = CX.array(Some(CX.required(root.get("messages"), &path)?), &path)?;
    for (i, message) in messages.iter().enumerate() {
        let path = path.at(i);
        CX.object(message, &path)?;
        let role = role(message, &path)?;
        let content_path = path.key("content");
        let node = CX.required(message.get("content"), &content_path)?;
        let at = At::new(role, i, SegmentKind::Text);
        content(node, at, &content_path, &mut view)?;
        scan_rest(message, &["content"], at, &mut view.segments);
    }
    let mut handled = REQUEST_NOT_TEXT.to_vec();
    handled.extend(["tools", "mcp_servers", "system", "messages"]);
    let user = At::new(Role::User, 0, SegmentKind::Text);
    scan_rest(root, &handled, user, &mut view.segments);
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
    at: At,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    if node.is_null() {
        return Ok(());
    }
    if let Some(text) = node.as_str() {
        view.segments.push(at.segment(text));
        return Ok(());
    }
    let blocks = node
        .as_array()
        .ok_or_else(|| CX.fail(path, "expected a string or an array of blocks"))?;
    for (j, item) in blocks.iter().enumerate() {
        block(item, at, &path.at(j), view)?;
    }
    Ok(())
}

/// One content block. Per known type the members handled or not text are
/// skipped and the rest scanned (`citations`, a document's `title` and
/// `context`, a search result's `source` and `title`, …).
fn block(
    node: &Node<'_>,
    at: At,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    CX.object(node, path)?;
    let type_path = path.key("type");
    let block_type = CX.string(Some(CX.required(node.get("type"), &type_path)?), &type_path)?;
    let block_type = block_type.map_or("", |t| &*t.text);
    let tool = At::new(Role::Tool, at.index, SegmentKind::ToolResult);
    let handled: &[&str] = match block_type {
        "text" => {
            let text_path = path.key("text");
            let text = CX.string(Some(CX.required(node.get("text"), &text_path)?), &text_path)?;
            view.segments.extend(text.map(|t| at.segment(t)));
            &["text"]
        }
        "thinking" => {
            let text = CX.string(node.get("thinking"), &path.key("thinking"))?;
            view.segments.extend(text.map(|t| at.segment(t)));
            &["thinking"]
        }
        // Encrypted reasoning.
        "redacted_thinking" => &["data"],
        "image" => {
            view.skipped_media = view.skipped_media.saturating_add(1);
            &["source"]
        }
        "document" => {
            document(node, at, path, view)?;
            &["source"]
        }
        "search_result" => {
            if let Some(result) = node.get("content") {
                content(result, at, &path.key("content"), view)?;
            }
            &["content"]
        }
        "tool_use" | "server_tool_use" | "mcp_tool_use" => {
            tool_use(node, at.index, path, view)?;
            &["name", "input"]
        }
        "tool_result" | "mcp_tool_result" => {
            if let Some(result) = node.get("content") {
                content(result, tool, &path.key("content"), view)?;
            }
            scan_rest(
                node,
                &["content", "cache_control"],
                tool,
                &mut view.segments,
            );
            return Ok(());
        }
        _ => {
            // Server tool results and types added later.
            let at = if block_type.ends_with("_tool_result") {
                tool
            } else {
                at
            };
            return generic_block(node, at, path, view);
        }
    };
    let mut skip = handled.to_vec();
    skip.push("cache_control");
    scan_rest(node, &skip, at, &mut view.segments);
    Ok(())
}

/// Block types that may sit inside a server tool's result and are decoded
/// by [`block`] there (a fetched page is a document block).
const NESTED_BLOCKS: [&str; 4] = ["text", "image", "document", "search_result"];

/// A block of a type decoded generically: every string, except that a
/// `content` holding blocks of a known type decodes them as such (so a
/// fetched PDF stays media).
fn generic_block(
    node: &Node<'_>,
    at: At,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let known = node
        .get("type")
        .and_then(Node::as_str)
        .is_some_and(|t| NESTED_BLOCKS.contains(&&*t.text));
    match &node.value {
        _ if known => block(node, at, path, view)?,
        super::json::Value::Array(items) => {
            for item in items {
                generic_block(item, at, path, view)?;
            }
        }
        super::json::Value::Object(members) => {
            for (key, value) in members {
                if key.text == "content" {
                    generic_block(value, at, path, view)?;
                } else if !skipped(&key.text, value, &["cache_control"]) {
                    scan_value(value, at, Scan::Strings, &mut view.segments);
                }
            }
        }
        _ => scan_value(node, at, Scan::Strings, &mut view.segments),
    }
    Ok(())
}

/// A document block's source: plain text (`source.type` `text`) and custom
/// content (`content`) are scanned; base64, URL and file sources are media.
fn document(
    node: &Node<'_>,
    at: At,
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
            view.segments.extend(data.map(|d| at.segment(d)));
            scan_rest(source, &["data", "media_type"], at, &mut view.segments);
        }
        Some("content") => {
            if let Some(inner) = source.get("content") {
                content(inner, at, &path.key("content"), view)?;
            }
        }
        _ => view.skipped_media = view.skipped_media.saturating_add(1),
    }
    Ok(())
}

/// `tool_use`: the name is a call, `input` is free-form arguments.
fn tool_use(
    node: &Node<'_>,
    index: usize,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let name = CX.string(node.get("name"), &path.key("name"))?;
    view.tool_calls.extend(name.map(|n| n.text.to_string()));
    if let Some(input) = node.get("input") {
        let at = At::new(Role::Assistant, index, SegmentKind::ToolArguments);
        scan_value(input, at, Scan::Everything, &mut view.segments);
    }
    Ok(())
}

/// Top-level response members that are not text (`content` is decoded on
/// its own): ids, the stop reason and sequence (the request's), usage.
const RESPONSE_NOT_TEXT: [&str; 5] = [
    "content",
    "stop_sequence",
    "usage",
    "container",
    "context_management",
];

/// Decodes a (non-streamed) response body.
pub fn response(root: &Node<'_>) -> Result<ResponseView, CodecError> {
    let top = Path::ROOT;
    CX.object(root, &top)?;
    let mut scratch = RequestView::default();
    let path = top.key("content");
    let at = At::new(Role::Assistant, 0, SegmentKind::Text);
    for (j, item) in CX.array(root.get("content"), &path)?.iter().enumerate() {
        block(item, at, &path.at(j), &mut scratch)?;
    }
    scan_rest(root, &RESPONSE_NOT_TEXT, at, &mut scratch.segments);
    // All of a response is the model's: block roles only place tool
    // results in requests.
    for segment in &mut scratch.segments {
        segment.role = Role::Assistant;
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
/// it). Pings, block stops and signature deltas carry no text; thinking is
/// text of its block's run; citations, server tool results, errors and
/// event, block and delta types added later are scanned whole, each field
/// in a run of its own.
pub(super) fn stream_event(
    root: &Node<'_>,
    out: &mut Vec<StreamDelta>,
    meta: &mut StreamMeta,
) -> Result<(), CodecError> {
    let top = Path::ROOT;
    CX.object(root, &top)?;
    let event_type = CX.string(root.get("type"), &top.key("type"))?;
    let event_type = event_type.map_or("", |t| &*t.text);
    let index = CX
        .count(root.get("index"), &top.key("index"))?
        .map_or(0, |i| u32::try_from(i).unwrap_or(u32::MAX));
    let seed = run_seed(event_type, index);
    match event_type {
        "message_start" => {
            if let Some(message) = root.get("message") {
                meta.model = CX.model(message)?.or(meta.model.take());
                usage(message, meta)?;
                // Its `content` is empty by the spec, but scanned if not.
                scan_rest_deltas(message, &RESPONSE_NOT_TEXT[1..], 0, seed, out);
            }
        }
        "message_delta" => {
            usage(root, meta)?;
            if let Some(delta) = root.get("delta") {
                scan_rest_deltas(delta, &RESPONSE_NOT_TEXT, 0, seed, out);
            }
            scan_rest_deltas(
                root,
                &["delta", "usage", "context_management"],
                0,
                seed,
                out,
            );
        }
        "message_stop" => out.push(StreamDelta::done(0)),
        "content_block_start" => {
            if let Some(block) = root.get("content_block") {
                block_start(block, index, &top.key("content_block"), out)?;
            }
        }
        "content_block_delta" => {
            if let Some(delta) = root.get("delta") {
                block_delta(delta, index, &top.key("delta"), out)?;
            }
        }
        "ping" | "content_block_stop" => {}
        _ => scan_rest_deltas(root, &[], 0, seed, out),
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
    let block_type = block_type.map_or("", |t| &*t.text);
    let seed = run_seed(block_type, index);
    let handled: &[&str] = match block_type {
        "text" | "thinking" => {
            let key = if block_type == "text" {
                "text"
            } else {
                "thinking"
            };
            if let Some(text) = CX.string(block.get(key), &path.key(key))? {
                out.extend(StreamDelta::text(0, SegmentKind::Text, index, text));
            }
            &["text", "thinking"]
        }
        "tool_use" | "server_tool_use" | "mcp_tool_use" => {
            let name = CX.string(block.get("name"), &path.key("name"))?;
            // `input` is `{}` here; the arguments follow as input_json_delta.
            out.extend(StreamDelta::tool(
                0,
                index,
                name.map(|n| &*n.text),
                "",
                None,
            ));
            &["name"]
        }
        "redacted_thinking" => &["data"],
        // Server tool results arrive whole here; types added later too.
        _ => &[],
    };
    scan_rest_deltas(block, handled, 0, seed, out);
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
    let delta_type = delta_type.map_or("", |t| &*t.text);
    let (key, kind) = match delta_type {
        "text_delta" => ("text", SegmentKind::Text),
        // A thinking block has an index of its own: its run never joins
        // the answer's.
        "thinking_delta" => ("thinking", SegmentKind::Text),
        "input_json_delta" => ("partial_json", SegmentKind::ToolArguments),
        "signature_delta" => return Ok(()),
        _ => {
            // `citations_delta` (each citation's quoted text and titles)
            // and types added later.
            scan_deltas(delta, 0, mix(run_seed(delta_type, index), b"delta"), out);
            return Ok(());
        }
    };
    if let Some(text) = CX.string(delta.get(key), &path.key(key))? {
        out.extend(StreamDelta::text(0, kind, index, text));
    }
    scan_rest_deltas(delta, &[key], 0, run_seed(delta_type, index), out);
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
                // The tool's description and its schema, whole.
                (System, 0, Text, "Get the weather"),
                (System, 0, Text, "type"),
                (System, 0, Text, "object"),
                (System, 0, Text, "You are a helpful assistant."),
                (System, 0, Text, "Cached context \"quoted\""),
                (
                    User,
                    0,
                    Text,
                    "What's the weather in Paris? mail me at a@b.c"
                ),
                (Assistant, 1, Text, "secret reasoning"),
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

    use super::super::redact_needle;

    #[test]
    fn request_scans_tools_documents_search_results_mcp_tokens_and_thinking() {
        let body = r#"{"model":"claude-sonnet-4-5","max_tokens":64,"metadata":{"user_id":"u-9"},
          "tools":[{"name":"t","description":"SECRET-TOOL","input_schema":{"type":"object",
            "properties":{"SECRET-KEY":{"type":"string","description":"SECRET-PARAM"}}},"cache_control":{"type":"ephemeral"}}],
          "mcp_servers":[{"type":"url","url":"https://mcp.example/sse","name":"m","authorization_token":"SECRET-TOKEN"}],
          "messages":[
            {"role":"user","content":[
              {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"},
               "title":"SECRET-TITLE","context":"SECRET-CONTEXT","citations":{"enabled":true}},
              {"type":"search_result","source":"https://kb.example/SECRET-SOURCE","title":"kb",
               "content":[{"type":"text","text":"SECRET-SEARCH"}]},
              {"type":"image","source":{"type":"url","url":"https://img.example/a.png"}},
              {"type":"hologram","payload":{"words":"SECRET-FUTURE"}}
            ]},
            {"role":"assistant","content":[
              {"type":"thinking","thinking":"SECRET-THINKING","signature":"EqQBCkgIARABGAI"},
              {"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"},
              {"type":"tool_use","id":"toolu_01","name":"t","input":{"SECRET-INKEY":{"card":4111111111111111}}},
              {"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"q"}},
              {"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[
                {"type":"web_search_result","url":"https://w.example","title":"SECRET-WEB","encrypted_content":"EqgfCioIARgBIiQ3","page_age":null}]},
              {"type":"web_fetch_tool_result","tool_use_id":"srvtoolu_2","content":{"type":"web_fetch_result","url":"https://f.example",
                "content":{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0y"},"title":"SECRET-FETCHED"}}}
            ]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":[
              {"type":"search_result","source":"s","title":"SECRET-NESTED-TITLE","content":[{"type":"text","text":"SECRET-NESTED"}]}]}]}
          ]}"#;
        let view = decode_request(Api::Anthropic, body.as_bytes()).unwrap();
        let role = |needle: &str| {
            let found = view.segments.iter().find(|s| s.text.contains(needle));
            found.map(|s| s.role).unwrap_or_else(|| panic!("{needle}"))
        };
        use Role::*;
        for (needle, want) in [
            ("SECRET-TOOL", System),
            ("SECRET-KEY", System),
            ("SECRET-PARAM", System),
            ("SECRET-TOKEN", System),
            ("SECRET-TITLE", User),
            ("SECRET-CONTEXT", User),
            ("SECRET-SOURCE", User),
            ("SECRET-SEARCH", User),
            ("SECRET-FUTURE", User),
            ("SECRET-THINKING", Assistant),
            ("SECRET-INKEY", Assistant),
            ("4111111111111111", Assistant),
            ("SECRET-WEB", Tool),
            ("SECRET-FETCHED", Tool),
            ("SECRET-NESTED-TITLE", Tool),
            ("SECRET-NESTED", Tool),
        ] {
            assert_eq!(role(needle), want, "{needle}");
            redact_needle(Api::Anthropic, body, needle, true);
        }
        // Two PDFs (one fetched) and the image are media.
        assert_eq!(view.skipped_media, 3);
        for not_text in [
            "JVBERi0x",
            "JVBERi0y",
            "EqQBCkgIARABGAI",
            "EmwKAhgBEgy3va3pzix",
            "EqgfCioIARgBIiQ3",
            "https://img.example/a.png",
            "toolu_01",
            "u-9",
            "ephemeral",
        ] {
            assert!(
                view.segments.iter().all(|s| s.text != not_text),
                "{not_text} scanned"
            );
        }
        // A key and a number of a tool's input, masked: still valid JSON.
        let out = redact_needle(Api::Anthropic, body, "4111111111111111", true);
        assert!(out.contains(r#"{"card":"[X]"}"#), "{out}");
        let out = redact_needle(Api::Anthropic, body, "SECRET-INKEY", true);
        assert!(out.contains(r#"{"[X]":{"card""#), "{out}");
    }

    #[test]
    fn response_scans_thinking_citations_and_server_tool_results() {
        let body = r#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
          "content":[
            {"type":"thinking","thinking":"SECRET-THINKING","signature":"EqQBCkgIARAB"},
            {"type":"redacted_thinking","data":"EmwKAhgBEgy3"},
            {"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[
              {"type":"web_search_result","url":"https://w.example","title":"SECRET-WEB","encrypted_content":"Eqgf"}]},
            {"type":"text","text":"Answer","citations":[{"type":"web_search_result_location","url":"https://w.example",
              "title":"t","cited_text":"SECRET-CITED","encrypted_index":"Eo8B"}]},
            {"type":"future_block","words":"SECRET-FUTURE"}
          ],
          "stop_reason":"end_turn","stop_sequence":null,"usage":{"output_tokens":5}}"#;
        let view = decode_response(Api::Anthropic, body.as_bytes()).unwrap();
        for needle in [
            "SECRET-THINKING",
            "SECRET-WEB",
            "SECRET-CITED",
            "SECRET-FUTURE",
        ] {
            redact_needle(Api::Anthropic, body, needle, false);
        }
        assert!(view.segments.iter().all(|s| s.role == Role::Assistant));
        for not_text in [
            "EqQBCkgIARAB",
            "EmwKAhgBEgy3",
            "Eqgf",
            "Eo8B",
            "end_turn",
            "msg_1",
        ] {
            assert!(
                view.segments.iter().all(|s| s.text != not_text),
                "{not_text} scanned"
            );
        }
    }
}
