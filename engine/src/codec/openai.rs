//! OpenAI bodies: chat completions, responses and embeddings.
//!
//! Unknown content-part and input-item types are errors, not silently
//! skipped: a new part type could carry text the policy never sees, so the
//! body fails closed until the codec learns it. Types known to carry no text
//! (built-in tool calls, item references) are skipped; image, audio and file
//! parts are counted in `skipped_media`.
//!
//! Segment indices: `messages[i]` / `input[i]` in requests (`instructions`
//! is index 0, role system); the choice `index` in chat responses; 0 for
//! every output item of a Responses API response, which is one turn.

use super::delta::{StreamDelta, StreamMeta};
use super::json::{Node, Str};
use super::{Api, CodecError, Cx, Path, RequestView, ResponseView, Role, SegmentKind, segment};

const CHAT: Cx = Cx(Api::OpenaiChat);
const RESPONSES: Cx = Cx(Api::OpenaiResponses);
const EMBEDDINGS: Cx = Cx(Api::OpenaiEmbeddings);

/// Every output-token cap spelling of the OpenAI APIs: OpenAI-compatible
/// servers read either API's spelling, so a cap replaces all three.
const OPENAI_CAPS: [&str; 3] = ["max_tokens", "max_completion_tokens", "max_output_tokens"];

/// Decodes a chat completions request (`POST /v1/chat/completions`).
pub fn chat_request(root: &Node<'_>) -> Result<RequestView, CodecError> {
    let cx = CHAT;
    let top = Path::ROOT;
    cx.object(root, &top)?;
    // `max_completion_tokens` superseded `max_tokens`; when both are sent the
    // newer one is what the upstream honours.
    let newer = cx.max_tokens(root, "max_completion_tokens", &top)?;
    let older = cx.max_tokens(root, "max_tokens", &top)?;
    let mut view = RequestView {
        model: cx.model(root)?,
        stream: cx.flag(root.get("stream"), &top.key("stream"))?,
        max_tokens: newer.or(older),
        cap_insert_at: Some(root.span.start + 1),
        cap_fields: Cx::cap_fields(root, &OPENAI_CAPS),
        ..RequestView::default()
    };
    declared_tools(cx, root, &mut view.tools_declared)?;
    let path = top.key("messages");
    let messages = cx.array(Some(cx.required(root.get("messages"), &path)?), &path)?;
    for (i, message) in messages.iter().enumerate() {
        let path = path.at(i);
        cx.object(message, &path)?;
        let role = chat_role(message, &path)?;
        chat_message(message, role, i, &path, &mut view)?;
    }
    Ok(view)
}

fn chat_role(message: &Node<'_>, path: &Path<'_>) -> Result<Role, CodecError> {
    let path = path.key("role");
    let role = CHAT.string(Some(CHAT.required(message.get("role"), &path)?), &path)?;
    match role.map(|r| &*r.text) {
        Some("system" | "developer") => Ok(Role::System),
        Some("user") => Ok(Role::User),
        Some("assistant") => Ok(Role::Assistant),
        Some("tool" | "function") => Ok(Role::Tool),
        _ => Err(CHAT.fail(&path, "unknown role")),
    }
}

/// The text of one chat message (request) or choice message (response).
fn chat_message(
    message: &Node<'_>,
    role: Role,
    index: usize,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let cx = CHAT;
    let kind = if role == Role::Tool {
        SegmentKind::ToolResult
    } else {
        SegmentKind::Text
    };
    content(
        cx,
        message.get("content"),
        role,
        index,
        kind,
        &path.key("content"),
        view,
    )?;
    if let Some(refusal) = cx.string(message.get("refusal"), &path.key("refusal"))? {
        view.segments
            .push(segment(role, index, SegmentKind::Text, refusal));
    }
    let calls_path = path.key("tool_calls");
    for (j, call) in cx
        .array(message.get("tool_calls"), &calls_path)?
        .iter()
        .enumerate()
    {
        chat_tool_call(call, index, &calls_path.at(j), view)?;
    }
    // Legacy single `function_call` of the functions API.
    if let Some(call) = message.get("function_call").filter(|n| !n.is_null()) {
        named_call(
            cx,
            call,
            "arguments",
            index,
            &path.key("function_call"),
            view,
        )?;
    }
    Ok(())
}

/// `{"type":"function","function":{name,arguments}}` or
/// `{"type":"custom","custom":{name,input}}`.
fn chat_tool_call(
    call: &Node<'_>,
    index: usize,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let cx = CHAT;
    cx.object(call, path)?;
    if let Some(function) = call.get("function") {
        named_call(
            cx,
            function,
            "arguments",
            index,
            &path.key("function"),
            view,
        )
    } else if let Some(custom) = call.get("custom") {
        named_call(cx, custom, "input", index, &path.key("custom"), view)
    } else {
        Err(cx.fail(path, "expected a function or custom tool call"))
    }
}

/// An object with a `name` and a string of arguments under `args_key`: the
/// name goes to `tool_calls`, the arguments string (JSON text for function
/// calls) becomes one assistant `ToolArguments` segment.
fn named_call(
    cx: Cx,
    call: &Node<'_>,
    args_key: &'static str,
    index: usize,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    cx.object(call, path)?;
    if let Some(name) = cx.string(call.get("name"), &path.key("name"))? {
        view.tool_calls.push(name.text.to_string());
    }
    if let Some(args) = cx.string(call.get(args_key), &path.key(args_key))? {
        view.segments.push(segment(
            Role::Assistant,
            index,
            SegmentKind::ToolArguments,
            args,
        ));
    }
    Ok(())
}

/// `content`: a string, an array of parts, or absent / `null`.
fn content(
    cx: Cx,
    node: Option<&Node<'_>>,
    role: Role,
    index: usize,
    kind: SegmentKind,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let Some(node) = node.filter(|n| !n.is_null()) else {
        return Ok(());
    };
    if let Some(text) = node.as_str() {
        view.segments.push(segment(role, index, kind, text));
        return Ok(());
    }
    let parts = node
        .as_array()
        .ok_or_else(|| cx.fail(path, "expected a string, an array of parts or null"))?;
    for (j, part) in parts.iter().enumerate() {
        let path = path.at(j);
        if let Some(text) = part_text(cx, part, &path, view)? {
            view.segments.push(segment(role, index, kind, text));
        }
    }
    Ok(())
}

/// The text of a content part, `None` for media (counted) parts. One table
/// for chat and responses part types: accepting the other API's spelling
/// costs nothing (the upstream refuses it) and keeps one list to maintain.
fn part_text<'n, 'a>(
    cx: Cx,
    part: &'n Node<'a>,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<Option<&'n Str<'a>>, CodecError> {
    cx.object(part, path)?;
    let type_path = path.key("type");
    let kind = cx.string(Some(cx.required(part.get("type"), &type_path)?), &type_path)?;
    let key = match kind.map(|k| &*k.text) {
        Some("text" | "input_text" | "output_text" | "summary_text") => "text",
        Some("refusal") => "refusal",
        Some("image_url" | "input_audio" | "file" | "input_image" | "input_file") => {
            view.skipped_media = view.skipped_media.saturating_add(1);
            return Ok(None);
        }
        _ => return Err(cx.fail(&type_path, "unsupported content part type")),
    };
    let text_path = path.key(key);
    cx.string(Some(cx.required(part.get(key), &text_path)?), &text_path)
}

/// Names of declared tools: `function.name` (chat), `custom.name`, a
/// top-level `name` (responses), else the built-in tool's `type`
/// (`web_search`, `file_search`, …); plus legacy `functions[].name`.
fn declared_tools(cx: Cx, root: &Node<'_>, names: &mut Vec<String>) -> Result<(), CodecError> {
    let top = Path::ROOT;
    let tools_path = top.key("tools");
    for (i, tool) in cx.array(root.get("tools"), &tools_path)?.iter().enumerate() {
        let path = tools_path.at(i);
        cx.object(tool, &path)?;
        let named = tool
            .get("function")
            .or_else(|| tool.get("custom"))
            .unwrap_or(tool);
        let name = match named.get("name") {
            Some(name) => cx.string(Some(name), &path.key("name"))?,
            None => cx.string(tool.get("type"), &path.key("type"))?,
        };
        names.extend(name.map(|n| n.text.to_string()));
    }
    let functions_path = top.key("functions");
    for (i, function) in cx
        .array(root.get("functions"), &functions_path)?
        .iter()
        .enumerate()
    {
        let path = functions_path.at(i);
        cx.object(function, &path)?;
        names.extend(
            cx.string(function.get("name"), &path.key("name"))?
                .map(|n| n.text.to_string()),
        );
    }
    Ok(())
}

/// Decodes a Responses API request (`POST /v1/responses`).
pub fn responses_request(root: &Node<'_>) -> Result<RequestView, CodecError> {
    let cx = RESPONSES;
    let top = Path::ROOT;
    cx.object(root, &top)?;
    let mut view = RequestView {
        model: cx.model(root)?,
        stream: cx.flag(root.get("stream"), &top.key("stream"))?,
        max_tokens: cx.max_tokens(root, "max_output_tokens", &top)?,
        cap_insert_at: Some(root.span.start + 1),
        cap_fields: Cx::cap_fields(root, &OPENAI_CAPS),
        ..RequestView::default()
    };
    declared_tools(cx, root, &mut view.tools_declared)?;
    if let Some(instructions) = cx.string(root.get("instructions"), &top.key("instructions"))? {
        view.segments
            .push(segment(Role::System, 0, SegmentKind::Text, instructions));
    }
    let path = top.key("input");
    let Some(input) = root.get("input").filter(|n| !n.is_null()) else {
        return Ok(view);
    };
    if let Some(text) = input.as_str() {
        view.segments
            .push(segment(Role::User, 0, SegmentKind::Text, text));
        return Ok(view);
    }
    let items = input
        .as_array()
        .ok_or_else(|| cx.fail(&path, "expected a string or an array of items"))?;
    for (i, item) in items.iter().enumerate() {
        responses_item(item, i, &path.at(i), &mut view)?;
    }
    Ok(view)
}

/// Item types that carry no text the model reads as prose (built-in tool
/// calls, references, approvals).
const SILENT_ITEMS: [&str; 10] = [
    "item_reference",
    "web_search_call",
    "file_search_call",
    "computer_call",
    "image_generation_call",
    "code_interpreter_call",
    "local_shell_call",
    "mcp_list_tools",
    "mcp_approval_request",
    "mcp_approval_response",
];

/// One item of `input` (request) or `output` (response).
fn responses_item(
    item: &Node<'_>,
    index: usize,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let cx = RESPONSES;
    cx.object(item, path)?;
    let kind = cx.string(item.get("type"), &path.key("type"))?;
    match kind.map(|k| &*k.text) {
        // The "easy" input message form has a role and no type.
        None | Some("message") => {
            let role = responses_role(item, path)?;
            content(
                cx,
                item.get("content"),
                role,
                index,
                SegmentKind::Text,
                &path.key("content"),
                view,
            )
        }
        Some("function_call") | Some("mcp_call") => {
            named_call(cx, item, "arguments", index, path, view)?;
            tool_output(item, index, path, view)
        }
        Some("custom_tool_call") => named_call(cx, item, "input", index, path, view),
        Some("function_call_output" | "custom_tool_call_output" | "local_shell_call_output") => {
            tool_output(item, index, path, view)
        }
        Some("computer_call_output") => {
            // Its output is a screenshot.
            view.skipped_media = view.skipped_media.saturating_add(1);
            Ok(())
        }
        Some("reasoning") => {
            let summary_path = path.key("summary");
            let summary = cx.array(item.get("summary"), &summary_path)?;
            for (j, part) in summary.iter().enumerate() {
                if let Some(text) = part_text(cx, part, &summary_path.at(j), view)? {
                    view.segments
                        .push(segment(Role::Assistant, index, SegmentKind::Text, text));
                }
            }
            Ok(())
        }
        Some(other) if SILENT_ITEMS.contains(&other) => Ok(()),
        Some(_) => Err(cx.fail(&path.key("type"), "unsupported item type")),
    }
}

/// `output` of a tool-result item: a string or an array of content parts.
fn tool_output(
    item: &Node<'_>,
    index: usize,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let output = item.get("output");
    content(
        RESPONSES,
        output,
        Role::Tool,
        index,
        SegmentKind::ToolResult,
        &path.key("output"),
        view,
    )
}

fn responses_role(item: &Node<'_>, path: &Path<'_>) -> Result<Role, CodecError> {
    let cx = RESPONSES;
    let path = path.key("role");
    match cx
        .string(Some(cx.required(item.get("role"), &path)?), &path)?
        .map(|r| &*r.text)
    {
        Some("system" | "developer") => Ok(Role::System),
        Some("user") => Ok(Role::User),
        Some("assistant") => Ok(Role::Assistant),
        _ => Err(cx.fail(&path, "unknown role")),
    }
}

/// Decodes an embeddings request (`POST /v1/embeddings`). Token-id inputs
/// (arrays of integers) are not text and yield nothing.
pub fn embeddings_request(root: &Node<'_>) -> Result<RequestView, CodecError> {
    let cx = EMBEDDINGS;
    let top = Path::ROOT;
    cx.object(root, &top)?;
    let mut view = RequestView {
        model: cx.model(root)?,
        ..RequestView::default()
    };
    let path = top.key("input");
    let input = cx.required(root.get("input"), &path)?;
    let kind = SegmentKind::EmbeddingInput;
    if let Some(text) = input.as_str() {
        view.segments.push(segment(Role::User, 0, kind, text));
        return Ok(view);
    }
    let items = input
        .as_array()
        .ok_or_else(|| cx.fail(&path, "expected a string or an array"))?;
    for (i, item) in items.iter().enumerate() {
        match &item.value {
            super::json::Value::String(text) => {
                view.segments.push(segment(Role::User, i, kind, text))
            }
            super::json::Value::Number(_) | super::json::Value::Array(_) => {}
            _ => return Err(cx.fail(&path.at(i), "expected a string or token ids")),
        }
    }
    Ok(view)
}

/// Decodes a chat completions response.
pub fn chat_response(root: &Node<'_>) -> Result<ResponseView, CodecError> {
    let cx = CHAT;
    let top = Path::ROOT;
    cx.object(root, &top)?;
    let mut scratch = RequestView::default();
    let choices_path = top.key("choices");
    for (pos, choice) in cx
        .array(root.get("choices"), &choices_path)?
        .iter()
        .enumerate()
    {
        let path = choices_path.at(pos);
        cx.object(choice, &path)?;
        let index = choice_index(cx, choice, pos, &path)?;
        if let Some(message) = choice.get("message").filter(|n| !n.is_null()) {
            let path = path.key("message");
            cx.object(message, &path)?;
            chat_message(message, Role::Assistant, index, &path, &mut scratch)?;
        }
    }
    let usage = root.get("usage").and_then(|u| u.get("completion_tokens"));
    Ok(ResponseView {
        model: cx.model(root)?,
        tool_calls: scratch.tool_calls,
        segments: scratch.segments,
        output_tokens: cx.count(usage, &top.key("usage").key("completion_tokens"))?,
    })
}

/// A choice's `index` field, else its position.
fn choice_index(
    cx: Cx,
    choice: &Node<'_>,
    pos: usize,
    path: &Path<'_>,
) -> Result<usize, CodecError> {
    let index = cx.count(choice.get("index"), &path.key("index"))?;
    Ok(index.map_or(pos, |i| usize::try_from(i).unwrap_or(usize::MAX)))
}

/// Decodes a Responses API response.
pub fn responses_response(root: &Node<'_>) -> Result<ResponseView, CodecError> {
    let cx = RESPONSES;
    let top = Path::ROOT;
    cx.object(root, &top)?;
    let mut scratch = RequestView::default();
    let output_path = top.key("output");
    for (i, item) in cx
        .array(root.get("output"), &output_path)?
        .iter()
        .enumerate()
    {
        responses_item(item, 0, &output_path.at(i), &mut scratch)?;
    }
    let usage = root.get("usage").and_then(|u| u.get("output_tokens"));
    Ok(ResponseView {
        model: cx.model(root)?,
        tool_calls: scratch.tool_calls,
        segments: scratch.segments,
        output_tokens: cx.count(usage, &top.key("usage").key("output_tokens"))?,
    })
}

// ---------------------------------------------------------------------------
// Streaming.

/// One `chat.completion.chunk`: `choices[].delta` content, refusal and tool
/// calls (the name arrives in the first fragment of each call).
pub(super) fn chat_chunk(
    root: &Node<'_>,
    out: &mut Vec<StreamDelta>,
    meta: &mut StreamMeta,
) -> Result<(), CodecError> {
    let cx = CHAT;
    let top = Path::ROOT;
    cx.object(root, &top)?;
    meta.model = cx.model(root)?.or(meta.model.take());
    let usage = root.get("usage").and_then(|u| u.get("completion_tokens"));
    meta.output_tokens = cx.count(usage, &top.key("usage"))?.or(meta.output_tokens);
    let choices_path = top.key("choices");
    for (pos, choice) in cx
        .array(root.get("choices"), &choices_path)?
        .iter()
        .enumerate()
    {
        let path = choices_path.at(pos);
        cx.object(choice, &path)?;
        let index = to_u32(choice_index(cx, choice, pos, &path)?);
        if let Some(delta) = choice.get("delta").filter(|n| !n.is_null()) {
            chat_delta(delta, index, &path.key("delta"), out)?;
        }
    }
    Ok(())
}

fn chat_delta(
    delta: &Node<'_>,
    choice: u32,
    path: &Path<'_>,
    out: &mut Vec<StreamDelta>,
) -> Result<(), CodecError> {
    let cx = CHAT;
    cx.object(delta, path)?;
    for key in ["content", "refusal"] {
        if let Some(text) = cx.string(delta.get(key), &path.key(key))? {
            out.extend(StreamDelta::text(choice, SegmentKind::Text, 0, text));
        }
    }
    let calls_path = path.key("tool_calls");
    for (j, call) in cx
        .array(delta.get("tool_calls"), &calls_path)?
        .iter()
        .enumerate()
    {
        let path = calls_path.at(j);
        cx.object(call, &path)?;
        let index = cx
            .count(call.get("index"), &path.key("index"))?
            .map_or(to_u32(j), to_u32_64);
        if let Some(function) = call.get("function").or_else(|| call.get("custom")) {
            call_delta(function, choice, index, &path.key("function"), out)?;
        }
    }
    if let Some(function) = delta.get("function_call").filter(|n| !n.is_null()) {
        call_delta(function, choice, 0, &path.key("function_call"), out)?;
    }
    Ok(())
}

fn call_delta(
    function: &Node<'_>,
    choice: u32,
    index: u32,
    path: &Path<'_>,
    out: &mut Vec<StreamDelta>,
) -> Result<(), CodecError> {
    let cx = CHAT;
    cx.object(function, path)?;
    let name = cx.string(function.get("name"), &path.key("name"))?;
    let args = function.get("arguments").or_else(|| function.get("input"));
    let args = cx.string(args, &path.key("arguments"))?;
    out.extend(StreamDelta::tool(
        choice,
        index,
        name.map(|n| &*n.text),
        args.map_or("", |a| &*a.text),
        args.map(|a| a.raw.clone()),
    ));
    Ok(())
}

/// One Responses API stream event, chosen by its `type`. The `*.done`
/// events repeat the whole text and are ignored: the deltas already had it.
pub(super) fn responses_event(
    root: &Node<'_>,
    out: &mut Vec<StreamDelta>,
    meta: &mut StreamMeta,
) -> Result<(), CodecError> {
    let cx = RESPONSES;
    let top = Path::ROOT;
    cx.object(root, &top)?;
    let kind = cx.string(root.get("type"), &top.key("type"))?;
    let index = cx
        .count(root.get("output_index"), &top.key("output_index"))?
        .map_or(0, to_u32_64);
    let delta = || cx.string(root.get("delta"), &top.key("delta"));
    match kind.map(|k| &*k.text) {
        Some("response.created" | "response.in_progress") => response_meta(root, meta)?,
        Some("response.completed" | "response.incomplete" | "response.failed") => {
            response_meta(root, meta)?;
            out.push(StreamDelta::done(0));
        }
        Some("response.output_item.added") => {
            if let Some(item) = root.get("item") {
                added_item(item, index, &top.key("item"), out)?;
            }
        }
        Some("response.output_text.delta" | "response.refusal.delta") => {
            if let Some(delta) = delta()? {
                out.extend(StreamDelta::text(0, SegmentKind::Text, index, delta));
            }
        }
        Some(
            "response.function_call_arguments.delta" | "response.custom_tool_call_input.delta",
        ) => {
            if let Some(delta) = delta()? {
                out.extend(StreamDelta::text(
                    0,
                    SegmentKind::ToolArguments,
                    index,
                    delta,
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// `response.output_item.added` for a call item names the tool.
fn added_item(
    item: &Node<'_>,
    index: u32,
    path: &Path<'_>,
    out: &mut Vec<StreamDelta>,
) -> Result<(), CodecError> {
    let cx = RESPONSES;
    cx.object(item, path)?;
    let kind = cx.string(item.get("type"), &path.key("type"))?;
    let args_key = match kind.map(|k| &*k.text) {
        Some("function_call" | "mcp_call") => "arguments",
        Some("custom_tool_call") => "input",
        _ => return Ok(()),
    };
    let name = cx.string(item.get("name"), &path.key("name"))?;
    let args = cx.string(item.get(args_key), &path.key(args_key))?;
    out.extend(StreamDelta::tool(
        0,
        index,
        name.map(|n| &*n.text),
        args.map_or("", |a| &*a.text),
        args.map(|a| a.raw.clone()),
    ));
    Ok(())
}

fn response_meta(root: &Node<'_>, meta: &mut StreamMeta) -> Result<(), CodecError> {
    let cx = RESPONSES;
    let Some(response) = root.get("response") else {
        return Ok(());
    };
    meta.model = cx.model(response)?.or(meta.model.take());
    let usage = response.get("usage").and_then(|u| u.get("output_tokens"));
    meta.output_tokens = cx
        .count(usage, &Path::ROOT.key("response"))?
        .or(meta.output_tokens);
    Ok(())
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn to_u32_64(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::super::{MaxTokens, Segment, assert_raw_spans, decode_request, decode_response};
    use super::*;

    fn request(api: Api, body: &str) -> RequestView {
        let view = decode_request(api, body.as_bytes()).unwrap();
        assert_raw_spans(body, &view.segments);
        view
    }

    fn texts(segments: &[Segment]) -> Vec<(Role, u32, SegmentKind, &str)> {
        segments
            .iter()
            .map(|s| (s.role, s.message_index, s.kind, s.text.as_str()))
            .collect()
    }

    const CHAT_BODY: &str = r#"{
      "model": "gpt-4o",
      "stream": true,
      "max_tokens": 100,
      "max_completion_tokens": 256,
      "messages": [
        {"role": "developer", "content": "Be brief. Mail admin\u0040example.com"},
        {"role": "user", "content": [
          {"type": "text", "text": "What is in \"this\" image? \ud83d\ude00"},
          {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
          {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
          {"type": "file", "file": {"file_id": "file-abc"}},
          {"type": "text", "text": "second part"}
        ]},
        {"role": "assistant", "content": null, "tool_calls": [
          {"id": "call_1", "type": "function",
           "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "22C and sunny"},
        {"role": "system", "content": [{"type": "text", "text": "sys part"}]},
        {"role": "assistant", "content": "", "refusal": "I can't help with that"},
        {"role": "function", "name": "legacy", "content": "legacy result"},
        {"role": "assistant", "content": null, "function_call": {"name": "old_fn", "arguments": "{}"}}
      ],
      "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}],
      "functions": [{"name": "old_fn", "parameters": {}}]
    }"#;

    #[test]
    fn chat_request_full() {
        let view = request(Api::OpenaiChat, CHAT_BODY);
        assert_eq!(view.model.as_deref(), Some("gpt-4o"));
        assert!(view.stream);
        let cap = view.max_tokens.clone().unwrap();
        assert_eq!((cap.field, cap.value), ("max_completion_tokens", 256));
        assert_eq!(&CHAT_BODY[cap.raw], "256");
        assert_eq!(view.cap_insert_at, Some(1));
        assert_eq!(view.tools_declared, ["get_weather", "old_fn"]);
        assert_eq!(view.tool_calls, ["get_weather", "old_fn"]);
        assert_eq!(view.skipped_media, 3);
        use Role::*;
        use SegmentKind::*;
        assert_eq!(
            texts(&view.segments),
            [
                (System, 0, Text, "Be brief. Mail admin@example.com"),
                (User, 1, Text, "What is in \"this\" image? 😀"),
                (User, 1, Text, "second part"),
                (Assistant, 2, ToolArguments, "{\"city\":\"Paris\"}"),
                (Tool, 3, ToolResult, "22C and sunny"),
                (System, 4, Text, "sys part"),
                (Assistant, 5, Text, ""),
                (Assistant, 5, Text, "I can't help with that"),
                (Tool, 6, ToolResult, "legacy result"),
                (Assistant, 7, ToolArguments, "{}"),
            ]
        );
    }

    #[test]
    fn chat_max_tokens_spellings() {
        let cap = |body: &str| request(Api::OpenaiChat, body).max_tokens;
        let msgs = r#""messages":[{"role":"user","content":"hi"}]"#;
        let only_old = format!(r#"{{"max_tokens": 64, {msgs}}}"#);
        let at = only_old.find("64").unwrap();
        assert_eq!(
            cap(&only_old),
            Some(MaxTokens {
                field: "max_tokens",
                value: 64,
                raw: at..at + 2
            })
        );
        let only_new = format!(r#"{{{msgs}, "max_completion_tokens":7}}"#);
        assert_eq!(
            cap(&only_new).map(|c| (c.field, c.value)),
            Some(("max_completion_tokens", 7))
        );
        let null_new = format!(r#"{{{msgs}, "max_completion_tokens":null, "max_tokens":5}}"#);
        assert_eq!(
            cap(&null_new).map(|c| (c.field, c.value)),
            Some(("max_tokens", 5))
        );
        assert_eq!(cap(&format!("{{{msgs}}}")), None);
        for bad in ["-1", "1.5", "\"10\"", "1e3"] {
            let body = format!(r#"{{{msgs}, "max_tokens":{bad}}}"#);
            assert!(
                decode_request(Api::OpenaiChat, body.as_bytes()).is_err(),
                "{body}"
            );
        }
    }

    #[test]
    fn chat_request_rejects_bad_shapes() {
        let cases = [
            r#"[]"#,
            r#"{"model":"m"}"#,
            r#"{"messages":{}}"#,
            r#"{"messages":[1]}"#,
            r#"{"messages":[{"content":"no role"}]}"#,
            r#"{"messages":[{"role":"wizard","content":"x"}]}"#,
            r#"{"messages":[{"role":"user","content":5}]}"#,
            r#"{"messages":[{"role":"user","content":[{"type":"text"}]}]}"#,
            r#"{"messages":[{"role":"user","content":[{"type":"hologram","text":"x"}]}]}"#,
            r#"{"messages":[{"role":"user","content":[{"text":"untyped"}]}]}"#,
            r#"{"messages":[{"role":"assistant","tool_calls":[{"id":"x"}]}]}"#,
            r#"{"messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":{}}}]}]}"#,
            r#"{"messages":[],"stream":"yes"}"#,
            r#"{"messages":[],"model":4}"#,
            r#"{"messages":[],"tools":[{"type":"function","function":{"name":1}}]}"#,
        ];
        for body in cases {
            let result = decode_request(Api::OpenaiChat, body.as_bytes());
            assert!(
                matches!(result, Err(CodecError::Shape { .. })),
                "{body}: {result:?}"
            );
        }
        let result = decode_request(Api::OpenaiChat, b"{\"messages\": [}");
        assert!(matches!(result, Err(CodecError::Json(_))));
    }

    #[test]
    fn chat_custom_tools() {
        let body = r#"{"messages":[{"role":"assistant","tool_calls":[
            {"id":"c","type":"custom","custom":{"name":"grammar","input":"SELECT 1"}}]}],
            "tools":[{"type":"custom","custom":{"name":"grammar"}}]}"#;
        let view = request(Api::OpenaiChat, body);
        assert_eq!(view.tools_declared, ["grammar"]);
        assert_eq!(view.tool_calls, ["grammar"]);
        assert_eq!(view.segments[0].text, "SELECT 1");
        assert_eq!(view.segments[0].kind, SegmentKind::ToolArguments);
    }

    #[test]
    fn responses_request_string_input() {
        let body = r#"{"model":"gpt-4.1","instructions":"Talk like a pirate.","input":"Are semicolons optional in JavaScript?","max_output_tokens":500,"stream":false}"#;
        let view = request(Api::OpenaiResponses, body);
        use Role::*;
        use SegmentKind::*;
        assert_eq!(
            texts(&view.segments),
            [
                (System, 0, Text, "Talk like a pirate."),
                (User, 0, Text, "Are semicolons optional in JavaScript?")
            ]
        );
        let cap = view.max_tokens.unwrap();
        assert_eq!(
            (cap.field, cap.value, &body[cap.raw]),
            ("max_output_tokens", 500, "500")
        );
        assert_eq!(view.cap_insert_at, Some(1));
    }

    #[test]
    fn responses_request_items() {
        let body = r#"{
          "model": "gpt-4.1",
          "input": [
            {"role": "user", "content": "plain \u00e9"},
            {"type": "message", "role": "user", "content": [
              {"type": "input_text", "text": "what is in this image?"},
              {"type": "input_image", "image_url": "https://example.com/a.jpg"},
              {"type": "input_file", "file_id": "file-1"}
            ]},
            {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed", "content": [
              {"type": "output_text", "text": "An image.", "annotations": []}
            ]},
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "thinking..."}]},
            {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{\"location\":\"Paris\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "{\"temp\":22}"},
            {"type": "web_search_call", "id": "ws_1", "status": "completed"},
            {"type": "item_reference", "id": "msg_0"},
            {"role": "developer", "content": "dev note"}
          ],
          "tools": [
            {"type": "function", "name": "get_weather", "parameters": {}},
            {"type": "web_search_preview"},
            {"type": "mcp", "server_label": "deepwiki", "server_url": "https://mcp.deepwiki.com/mcp"}
          ]
        }"#;
        let view = request(Api::OpenaiResponses, body);
        assert_eq!(
            view.tools_declared,
            ["get_weather", "web_search_preview", "mcp"]
        );
        assert_eq!(view.tool_calls, ["get_weather"]);
        assert_eq!(view.skipped_media, 2);
        assert_eq!(view.max_tokens, None);
        use Role::*;
        use SegmentKind::*;
        assert_eq!(
            texts(&view.segments),
            [
                (User, 0, Text, "plain é"),
                (User, 1, Text, "what is in this image?"),
                (Assistant, 2, Text, "An image."),
                (Assistant, 3, Text, "thinking..."),
                (Assistant, 4, ToolArguments, "{\"location\":\"Paris\"}"),
                (Tool, 5, ToolResult, "{\"temp\":22}"),
                (System, 8, Text, "dev note"),
            ]
        );
    }

    #[test]
    fn responses_request_rejects_bad_shapes() {
        for body in [
            r#"{"input": 5}"#,
            r#"{"input": [{"type": "teleport"}]}"#,
            r#"{"input": [{"role": "tool", "content": "x"}]}"#,
            r#"{"input": [{"role": "user", "content": [{"type": "input_video"}]}]}"#,
            r#"{"instructions": ["x"]}"#,
        ] {
            let result = decode_request(Api::OpenaiResponses, body.as_bytes());
            assert!(
                matches!(result, Err(CodecError::Shape { .. })),
                "{body}: {result:?}"
            );
        }
    }

    #[test]
    fn embeddings_inputs() {
        let one = request(
            Api::OpenaiEmbeddings,
            r#"{"model":"text-embedding-3-small","input":"The food was delicious"}"#,
        );
        assert_eq!(
            texts(&one.segments),
            [(
                Role::User,
                0,
                SegmentKind::EmbeddingInput,
                "The food was delicious"
            )]
        );
        assert_eq!(one.cap_insert_at, None);
        let many = request(
            Api::OpenaiEmbeddings,
            r#"{"model":"m","input":["a","b\nc"],"encoding_format":"float"}"#,
        );
        assert_eq!(
            texts(&many.segments),
            [
                (Role::User, 0, SegmentKind::EmbeddingInput, "a"),
                (Role::User, 1, SegmentKind::EmbeddingInput, "b\nc")
            ]
        );
        let tokens = request(
            Api::OpenaiEmbeddings,
            r#"{"model":"m","input":[[1,2,3],[4]]}"#,
        );
        assert!(tokens.segments.is_empty());
        let flat = request(Api::OpenaiEmbeddings, r#"{"model":"m","input":[1,2,3]}"#);
        assert!(flat.segments.is_empty());
        for body in [r#"{"model":"m"}"#, r#"{"input":{}}"#, r#"{"input":[true]}"#] {
            assert!(
                decode_request(Api::OpenaiEmbeddings, body.as_bytes()).is_err(),
                "{body}"
            );
        }
    }

    #[test]
    fn chat_response_choices_and_tool_calls() {
        let body = r#"{
          "id": "chatcmpl-123", "object": "chat.completion", "created": 1677652288, "model": "gpt-4o-2024-08-06",
          "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hello there, how may I assist you today?", "refusal": null},
             "logprobs": null, "finish_reason": "stop"},
            {"index": 1, "message": {"role": "assistant", "content": null, "tool_calls": [
              {"id": "call_abc", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\n\"location\": \"Boston, MA\"\n}"}}
            ]}, "finish_reason": "tool_calls"}
          ],
          "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}
        }"#;
        let view = decode_response(Api::OpenaiChat, body.as_bytes()).unwrap();
        assert_raw_spans(body, &view.segments);
        assert_eq!(view.model.as_deref(), Some("gpt-4o-2024-08-06"));
        assert_eq!(view.output_tokens, Some(12));
        assert_eq!(view.tool_calls, ["get_current_weather"]);
        assert_eq!(
            texts(&view.segments),
            [
                (
                    Role::Assistant,
                    0,
                    SegmentKind::Text,
                    "Hello there, how may I assist you today?"
                ),
                (
                    Role::Assistant,
                    1,
                    SegmentKind::ToolArguments,
                    "{\n\"location\": \"Boston, MA\"\n}"
                ),
            ]
        );
        assert!(decode_response(Api::OpenaiChat, br#"{"choices":[{"message":"x"}]}"#).is_err());
        assert!(decode_response(Api::OpenaiChat, br#"{"choices":{}}"#).is_err());
    }

    #[test]
    fn responses_response_output() {
        let body = r#"{
          "id": "resp_67cc", "object": "response", "created_at": 1741476542, "status": "completed",
          "model": "gpt-4.1-2025-04-14",
          "output": [
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "message", "id": "msg_67cc", "status": "completed", "role": "assistant",
             "content": [{"type": "output_text", "text": "In a peaceful grove beneath a silver moon\u2026", "annotations": []}]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather", "arguments": "{\"location\":\"Paris, France\"}", "status": "completed"}
          ],
          "usage": {"input_tokens": 36, "output_tokens": 87, "total_tokens": 123}
        }"#;
        let view = decode_response(Api::OpenaiResponses, body.as_bytes()).unwrap();
        assert_raw_spans(body, &view.segments);
        assert_eq!(view.model.as_deref(), Some("gpt-4.1-2025-04-14"));
        assert_eq!(view.output_tokens, Some(87));
        assert_eq!(view.tool_calls, ["get_weather"]);
        assert_eq!(
            texts(&view.segments),
            [
                (
                    Role::Assistant,
                    0,
                    SegmentKind::Text,
                    "In a peaceful grove beneath a silver moon…"
                ),
                (
                    Role::Assistant,
                    0,
                    SegmentKind::ToolArguments,
                    "{\"location\":\"Paris, France\"}"
                ),
            ]
        );
    }
}
