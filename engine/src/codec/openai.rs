//! OpenAI bodies: chat completions, responses and embeddings.
//!
//! Every string of a body is scanned except the members declared not text
//! here (the `*_NOT_TEXT` lists, ids and type tags everywhere, media
//! bytes): known fields with the role and kind they have, everything else
//! (unknown members, unknown part and item types) as text of the enclosing
//! message's role. Image, audio and file parts are counted in
//! `skipped_media`; their URLs and bytes are not text. Tool definitions and
//! `response_format` / `text.format` are the developer's: role system,
//! schemas scanned whole (keys and numbers too). Unknown top-level members
//! of a request are role user, the author we cannot rule out.
//!
//! Segment indices: `messages[i]` / `input[i]` in requests (`instructions`,
//! tools and other top-level members are index 0); the choice `index` in
//! chat responses; 0 for every output item of a Responses API response,
//! which is one turn.

use super::delta::{StreamDelta, StreamMeta, scan_rest_deltas};
use super::json::{Node, Value};
use super::{
    Api, At, CodecError, Cx, Path, RequestView, ResponseView, Role, Scan, SegmentKind, run_seed,
    scan_rest, scan_value, segment, tool_definition,
};

const CHAT: Cx = Cx(Api::OpenaiChat);
const RESPONSES: Cx = Cx(Api::OpenaiResponses);
const EMBEDDINGS: Cx = Cx(Api::OpenaiEmbeddings);

/// Every output-token cap spelling of the OpenAI APIs: OpenAI-compatible
/// servers read either API's spelling, so a cap replaces all three.
/// The run of a chat choice's refusal text (its content is run 0).
const REFUSAL_RUN: u32 = 1 << 30;

/// Responses API input items that replay the model's own built-in calls.
const MODEL_ITEMS: &[&str] = &[
    "web_search_call",
    "file_search_call",
    "computer_call",
    "code_interpreter_call",
    "image_generation_call",
    "local_shell_call",
    "shell_call",
    "apply_patch_call",
    "mcp_call",
    "mcp_approval_request",
    "mcp_approval_response",
    "item_reference",
    "reasoning",
];

const OPENAI_CAPS: [&str; 3] = ["max_tokens", "max_completion_tokens", "max_output_tokens"];

/// Top-level request members that are settings, not text, shared by chat
/// and responses (each API ignores or refuses the other's).
const REQUEST_NOT_TEXT: [&str; 33] = [
    "model",
    "stream",
    "stream_options",
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "max_tool_calls",
    "temperature",
    "top_p",
    "n",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "seed",
    "user",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "store",
    "background",
    "parallel_tool_calls",
    "tool_choice",
    "function_call",
    "modalities",
    "audio",
    "reasoning_effort",
    "reasoning",
    "verbosity",
    "service_tier",
    "include",
    "truncation",
];

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
    declared_tools(cx, root, &mut view)?;
    let path = top.key("messages");
    let messages = cx.array(Some(cx.required(root.get("messages"), &path)?), &path)?;
    for (i, message) in messages.iter().enumerate() {
        let path = path.at(i);
        cx.object(message, &path)?;
        let role = chat_role(message, &path)?;
        chat_message(message, role, i, &path, &mut view)?;
    }
    let system = At::new(Role::System, 0, SegmentKind::Text);
    if let Some(format) = root.get("response_format") {
        // `{"type":"json_schema","json_schema":{name, description, schema}}`.
        match format.get("json_schema") {
            Some(schema) => tool_definition(schema, &["name", "strict"], &mut view.segments),
            None => scan_rest(format, &[], system, &mut view.segments),
        }
    }
    let mut handled = REQUEST_NOT_TEXT.to_vec();
    handled.extend(["messages", "tools", "functions", "response_format"]);
    // Everything else, `prediction.content` and `metadata` included: the
    // client's, as far as we know.
    let user = At::new(Role::User, 0, SegmentKind::Text);
    scan_rest(root, &handled, user, &mut view.segments);
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

/// Members of a chat message handled by [`chat_message`] or not text.
const CHAT_MESSAGE_HANDLED: [&str; 6] = [
    "role",
    "content",
    "refusal",
    "tool_calls",
    "function_call",
    "audio",
];

/// The text of one chat message (request) or choice message (response):
/// content, refusal, tool calls, the audio transcript, and every other
/// member (`name`, `reasoning_content`, `annotations`, …) as text of the
/// message's role.
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
        At::new(role, index, kind),
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
    let at = At::new(role, index, SegmentKind::Text);
    if let Some(audio) = message.get("audio") {
        // `{id}` in a request; `{id, data, expires_at, transcript}` in a
        // response, where `data` is the base64 audio.
        if audio.get("data").is_some() {
            view.skipped_media = view.skipped_media.saturating_add(1);
        }
        scan_rest(audio, &["data", "expires_at"], at, &mut view.segments);
    }
    scan_rest(message, &CHAT_MESSAGE_HANDLED, at, &mut view.segments);
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
    let at = At::new(Role::Assistant, index, SegmentKind::ToolArguments);
    scan_rest(call, &["function", "custom"], at, &mut view.segments);
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
/// calls) becomes one assistant `ToolArguments` segment; other members are
/// scanned as arguments too.
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
    let at = At::new(Role::Assistant, index, SegmentKind::ToolArguments);
    if let Some(args) = cx.string(call.get(args_key), &path.key(args_key))? {
        view.segments.push(at.segment(args));
    }
    // A call item of the Responses API also holds its output (`mcp_call`),
    // scanned by the caller.
    scan_rest(call, &["name", args_key, "output"], at, &mut view.segments);
    Ok(())
}

/// `content`: a string, an array of parts, or absent / `null`.
fn content(
    cx: Cx,
    node: Option<&Node<'_>>,
    at: At,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let Some(node) = node.filter(|n| !n.is_null()) else {
        return Ok(());
    };
    if let Some(text) = node.as_str() {
        view.segments.push(at.segment(text));
        return Ok(());
    }
    let parts = node
        .as_array()
        .ok_or_else(|| cx.fail(path, "expected a string, an array of parts or null"))?;
    for (j, item) in parts.iter().enumerate() {
        part(cx, item, at, &path.at(j), view)?;
    }
    Ok(())
}

/// One content part. One table for chat and responses part types:
/// accepting the other API's spelling costs nothing (the upstream refuses
/// it) and keeps one list to maintain. A part of an unknown type is
/// scanned whole (every string but its `type`).
fn part(
    cx: Cx,
    part: &Node<'_>,
    at: At,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    cx.object(part, path)?;
    let type_path = path.key("type");
    let kind = cx.string(Some(cx.required(part.get("type"), &type_path)?), &type_path)?;
    // Per media part type, the members that are the medium (URL, bytes,
    // file reference), not text; a file's `filename` is text.
    let media: &[&str] = match kind.map(|k| &*k.text) {
        Some("text" | "input_text" | "output_text" | "summary_text" | "reasoning_text") => {
            let text_path = path.key("text");
            let text = cx.string(Some(cx.required(part.get("text"), &text_path)?), &text_path)?;
            view.segments.extend(text.map(|t| at.segment(t)));
            scan_rest(part, &["text"], at, &mut view.segments);
            return Ok(());
        }
        Some("refusal") => {
            let text_path = path.key("refusal");
            let text = cx.string(
                Some(cx.required(part.get("refusal"), &text_path)?),
                &text_path,
            )?;
            view.segments.extend(text.map(|t| at.segment(t)));
            scan_rest(part, &["refusal"], at, &mut view.segments);
            return Ok(());
        }
        Some("image_url") => &["image_url"],
        Some("input_audio") => &["input_audio"],
        Some("input_image") => &["image_url", "detail"],
        Some("input_file") => &["file_data", "file_url"],
        Some("file") => {
            if let Some(file) = part.get("file") {
                scan_rest(file, &["file_data"], at, &mut view.segments);
            }
            &["file"]
        }
        // Unknown: scanned whole rather than refused or skipped.
        _ => &[],
    };
    if !media.is_empty() {
        view.skipped_media = view.skipped_media.saturating_add(1);
    }
    scan_rest(part, media, at, &mut view.segments);
    Ok(())
}

/// Names of declared tools: `function.name` (chat), `custom.name`, a
/// top-level `name` (responses), else the built-in tool's `type`
/// (`web_search`, `file_search`, …); plus legacy `functions[].name`. Their
/// descriptions, schemas and other strings are scanned as system text.
fn declared_tools(cx: Cx, root: &Node<'_>, view: &mut RequestView) -> Result<(), CodecError> {
    let top = Path::ROOT;
    let tools_path = top.key("tools");
    for (i, tool) in cx.array(root.get("tools"), &tools_path)?.iter().enumerate() {
        let path = tools_path.at(i);
        cx.object(tool, &path)?;
        let inner = tool.get("function").or_else(|| tool.get("custom"));
        let named = inner.unwrap_or(tool);
        let name = match named.get("name") {
            Some(name) => cx.string(Some(name), &path.key("name"))?,
            None => cx.string(tool.get("type"), &path.key("type"))?,
        };
        view.tools_declared.extend(name.map(|n| n.text.to_string()));
        // The model reads a tool's name too: it is text besides a fact.
        if let Some(Node {
            value: Value::String(name),
            ..
        }) = named.get("name")
        {
            view.segments
                .push(segment(Role::System, 0, SegmentKind::Text, name));
        }
        tool_definition(
            tool,
            &["name", "strict", "function", "custom"],
            &mut view.segments,
        );
        if let Some(inner) = inner {
            tool_definition(inner, &["name", "strict"], &mut view.segments);
        }
    }
    let functions_path = top.key("functions");
    for (i, function) in cx
        .array(root.get("functions"), &functions_path)?
        .iter()
        .enumerate()
    {
        let path = functions_path.at(i);
        cx.object(function, &path)?;
        let name = cx.string(function.get("name"), &path.key("name"))?;
        view.tools_declared.extend(name.map(|n| n.text.to_string()));
        if let Some(name) = name {
            view.segments
                .push(segment(Role::System, 0, SegmentKind::Text, name));
        }
        tool_definition(function, &["name", "strict"], &mut view.segments);
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
    declared_tools(cx, root, &mut view)?;
    if let Some(instructions) = cx.string(root.get("instructions"), &top.key("instructions"))? {
        view.segments
            .push(segment(Role::System, 0, SegmentKind::Text, instructions));
    }
    let user = At::new(Role::User, 0, SegmentKind::Text);
    if let Some(text) = root.get("text") {
        // `{format: {type, name, description, schema, strict}, verbosity}`.
        if let Some(format) = text.get("format") {
            tool_definition(format, &["name", "strict"], &mut view.segments);
        }
        scan_rest(text, &["format", "verbosity"], user, &mut view.segments);
    }
    if let Some(prompt) = root.get("prompt") {
        prompt_variables(prompt, &top.key("prompt"), &mut view)?;
    }
    let mut handled = REQUEST_NOT_TEXT.to_vec();
    handled.extend([
        "instructions",
        "input",
        "tools",
        "text",
        "prompt",
        "conversation",
    ]);
    scan_rest(root, &handled, user, &mut view.segments);
    let path = top.key("input");
    let Some(input) = root.get("input").filter(|n| !n.is_null()) else {
        return Ok(view);
    };
    if let Some(text) = input.as_str() {
        view.segments.push(user.segment(text));
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

/// `prompt: {id, version, variables}`: the values of a stored prompt's
/// variables are spliced into its text, so they are user text (or input
/// parts); their names are placeholders the model never sees.
fn prompt_variables(
    prompt: &Node<'_>,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let cx = RESPONSES;
    let user = At::new(Role::User, 0, SegmentKind::Text);
    scan_rest(prompt, &["version", "variables"], user, &mut view.segments);
    let Some(variables) = prompt.get("variables").filter(|n| !n.is_null()) else {
        return Ok(());
    };
    let path = path.key("variables");
    for (_, value) in cx.object(variables, &path)? {
        if value.get("type").is_some() {
            part(cx, value, user, &path, view)?;
        } else {
            scan_value(value, user, Scan::Strings, &mut view.segments);
        }
    }
    Ok(())
}

/// One item of `input` (request) or `output` (response). Items the codec
/// does not know by type are scanned whole, as text of their `role`, else
/// of the tool (`*_output` items) or of the model (calls and the rest).
fn responses_item(
    item: &Node<'_>,
    index: usize,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let cx = RESPONSES;
    cx.object(item, path)?;
    let kind = cx.string(item.get("type"), &path.key("type"))?;
    let kind = kind.map(|k| &*k.text);
    let assistant = At::new(Role::Assistant, index, SegmentKind::Text);
    let tool = At::new(Role::Tool, index, SegmentKind::ToolResult);
    match kind {
        // The "easy" input message form has a role and no type.
        None | Some("message") => {
            let role = responses_role(item, path)?;
            let at = At::new(role, index, SegmentKind::Text);
            content(cx, item.get("content"), at, &path.key("content"), view)?;
            scan_rest(item, &["content"], at, &mut view.segments);
        }
        Some("function_call" | "mcp_call") => {
            named_call(cx, item, "arguments", index, path, view)?;
            tool_output(item, index, path, view)?;
        }
        Some("custom_tool_call") => named_call(cx, item, "input", index, path, view)?,
        Some("computer_call_output") => {
            // Its output is a screenshot.
            view.skipped_media = view.skipped_media.saturating_add(1);
            scan_rest(item, &["output"], tool, &mut view.segments);
        }
        Some(output) if output.ends_with("_output") => {
            tool_output(item, index, path, view)?;
            scan_rest(item, &["output"], tool, &mut view.segments);
        }
        Some("reasoning") => {
            for key in ["summary", "content"] {
                let parts_path = path.key(key);
                for (j, item) in cx.array(item.get(key), &parts_path)?.iter().enumerate() {
                    part(cx, item, assistant, &parts_path.at(j), view)?;
                }
            }
            scan_rest(item, &["summary", "content"], assistant, &mut view.segments);
        }
        Some("image_generation_call") => {
            // `result` is the base64 image.
            if item.get("result").is_some_and(|r| !r.is_null()) {
                view.skipped_media = view.skipped_media.saturating_add(1);
            }
            scan_rest(item, &["result"], assistant, &mut view.segments);
        }
        Some(_) => {
            // Built-in tool calls (web search queries, file search results,
            // computer actions, code and its logs, shell commands), MCP
            // listings and approvals, references, and types added later.
            let at = match (item_role(item), kind) {
                (Some(role), _) => At::new(role, index, SegmentKind::Text),
                // An MCP server's own listing of its tools.
                (None, Some("mcp_list_tools")) => tool,
                // The model's own earlier calls.
                (None, Some(kind)) if MODEL_ITEMS.contains(&kind) => assistant,
                // A type added later, or made up: the client sent it, so
                // the rules for the user's text apply (injection rules
                // look at user and tool text).
                (None, _) => At::new(Role::User, index, SegmentKind::Text),
            };
            for (key, value) in item.as_object().unwrap_or_default() {
                let at = match &*key.text {
                    "output" | "outputs" | "results" | "result" => tool,
                    _ => at,
                };
                if !super::skipped(&key.text, value, &[]) {
                    scan_value(value, at, Scan::Strings, &mut view.segments);
                }
            }
        }
    }
    Ok(())
}

/// `output` of a tool-result item: a string or an array of content parts.
fn tool_output(
    item: &Node<'_>,
    index: usize,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    let at = At::new(Role::Tool, index, SegmentKind::ToolResult);
    let Some(output) = item.get("output").filter(|n| !n.is_null()) else {
        return Ok(());
    };
    match output.as_array() {
        // Content parts, or shell outputs (`{stdout, stderr, outcome}`),
        // which have no type and are scanned whole.
        Some(items) => {
            let path = path.key("output");
            for (j, item) in items.iter().enumerate() {
                if item.get("type").is_some() {
                    part(RESPONSES, item, at, &path.at(j), view)?;
                } else {
                    scan_value(item, at, Scan::Strings, &mut view.segments);
                }
            }
        }
        None => scan_value(output, at, Scan::Strings, &mut view.segments),
    }
    Ok(())
}

fn responses_role(item: &Node<'_>, path: &Path<'_>) -> Result<Role, CodecError> {
    let cx = RESPONSES;
    let path = path.key("role");
    cx.string(Some(cx.required(item.get("role"), &path)?), &path)?;
    item_role(item).ok_or_else(|| cx.fail(&path, "unknown role"))
}

/// The role an item names, if it names one we know.
fn item_role(item: &Node<'_>) -> Option<Role> {
    match item.get("role").and_then(Node::as_str).map(|r| &*r.text) {
        Some("system" | "developer") => Some(Role::System),
        Some("user") => Some(Role::User),
        Some("assistant") => Some(Role::Assistant),
        _ => None,
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
    let rest = At::new(Role::User, 0, SegmentKind::Text);
    let handled = ["input", "model", "encoding_format", "dimensions", "user"];
    scan_rest(root, &handled, rest, &mut view.segments);
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

/// Top-level members of a chat response (or chunk) that are not text.
const CHAT_RESPONSE_NOT_TEXT: [&str; 7] = [
    "choices",
    "created",
    "system_fingerprint",
    "service_tier",
    "usage",
    "prompt_filter_results",
    "prompt_logprobs",
];

/// Members of a choice that are not text (besides `message` / `delta`,
/// handled on their own): Azure's content-filter verdicts, vLLM's stop
/// reason (the matched stop sequence or token).
const CHOICE_NOT_TEXT: [&str; 5] = [
    "message",
    "delta",
    "index",
    "content_filter_results",
    "stop_reason",
];

/// Decodes a chat completions response; also the legacy completions
/// shape, whose choices carry `text`.
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
        // `text` (legacy completions), `logprobs` and anything new.
        let at = At::new(Role::Assistant, index, SegmentKind::Text);
        scan_rest(choice, &CHOICE_NOT_TEXT, at, &mut scratch.segments);
    }
    let at = At::new(Role::Assistant, 0, SegmentKind::Text);
    scan_rest(root, &CHAT_RESPONSE_NOT_TEXT, at, &mut scratch.segments);
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

/// Members of a Responses API response that are not model output: ids,
/// status and usage, and the request's parameters echoed back, which were
/// governed as the request (a canary in `instructions` must not fire on
/// every response).
const RESPONSE_NOT_TEXT: [&str; 29] = [
    "output",
    "created_at",
    "completed_at",
    "incomplete_details",
    "usage",
    "instructions",
    "tools",
    "tool_choice",
    "text",
    "prompt",
    "reasoning",
    "metadata",
    "user",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "temperature",
    "top_p",
    "top_logprobs",
    "max_output_tokens",
    "max_tool_calls",
    "parallel_tool_calls",
    "conversation",
    "store",
    "background",
    "service_tier",
    "truncation",
    "billing",
    "include",
];

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
    // `error.message`, `output_text` (an SDK-style aggregate a server may
    // send), anything new.
    let at = At::new(Role::Assistant, 0, SegmentKind::Text);
    scan_rest(root, &RESPONSE_NOT_TEXT, at, &mut scratch.segments);
    // In a response everything is the model's: the item roles only place
    // tool output for requests.
    for segment in &mut scratch.segments {
        segment.role = Role::Assistant;
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
/// calls (the name arrives in the first fragment of each call), and every
/// other string (`reasoning_content`, the audio transcript, annotations,
/// logprobs, members added later), each field in a run of its own.
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
        scan_rest_deltas(choice, &CHOICE_NOT_TEXT, index, run_seed("choice", 0), out);
    }
    scan_rest_deltas(root, &CHAT_RESPONSE_NOT_TEXT, 0, run_seed("chunk", 0), out);
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
    // Content and refusal are two texts a client accumulates apart: each
    // its own run, so a refusal between two content pieces does not hide a
    // match the client's `content` holds whole.
    for (key, run) in [("content", 0), ("refusal", REFUSAL_RUN)] {
        if let Some(text) = cx.string(delta.get(key), &path.key(key))? {
            out.extend(StreamDelta::text(choice, SegmentKind::Text, run, text));
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
    let seed = run_seed("delta", 0);
    if let Some(audio) = delta.get("audio") {
        // `data` is base64 audio; `transcript` is what it says.
        let seed = super::mix(seed, b"audio");
        scan_rest_deltas(audio, &["data", "expires_at"], choice, seed, out);
    }
    let handled = ["content", "refusal", "tool_calls", "function_call", "audio"];
    scan_rest_deltas(delta, &handled, choice, seed, out);
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
    // An empty name names nothing: it must not start a new run.
    let name = cx
        .string(function.get("name"), &path.key("name"))?
        .filter(|n| !n.text.is_empty());
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

/// One Responses API stream event, chosen by its `type`.
///
/// Text deltas extend their run. The lifecycle events and every `*.done`
/// event repeat text the deltas streamed (or carry text no delta did): each
/// of their strings not declared non-text ([`echo_strings`]) comes out as an
/// echo, which the stream masks as the run it repeats or inspects as new
/// text. Events of other types (content parts and annotations added,
/// errors, built-in tool progress, types added later) are scanned whole,
/// each field in a run of its own.
pub(super) fn responses_event(
    root: &Node<'_>,
    out: &mut Vec<StreamDelta>,
    meta: &mut StreamMeta,
) -> Result<(), CodecError> {
    let cx = RESPONSES;
    let top = Path::ROOT;
    cx.object(root, &top)?;
    let kind = cx.string(root.get("type"), &top.key("type"))?;
    let kind = kind.map_or("", |k| &*k.text);
    let index = cx
        .count(root.get("output_index"), &top.key("output_index"))?
        .map_or(0, to_u32_64);
    let delta = || cx.string(root.get("delta"), &top.key("delta"));
    let seed = run_seed(kind, index);
    if let Some(sequence) = root.get("sequence_number").and_then(|n| n.as_u64()) {
        meta.last_sequence = Some(sequence);
    }
    let mut echo = false;
    match kind {
        "response.created" | "response.in_progress" | "response.queued" => {
            response_meta(root, meta)?;
            echo = true;
        }
        "response.completed" | "response.incomplete" | "response.failed" => {
            response_meta(root, meta)?;
            echo = true;
        }
        "response.output_item.added" => {
            if let Some(item) = root.get("item") {
                added_item(item, index, seed, &top.key("item"), out)?;
            }
        }
        "response.output_text.delta"
        | "response.refusal.delta"
        | "response.reasoning_summary_text.delta" => {
            // A reasoning item has an output index of its own, so its
            // summary never joins a message's text.
            if let Some(delta) = delta()? {
                out.extend(StreamDelta::text(0, SegmentKind::Text, index, delta));
            }
            scan_rest_deltas(root, &["delta"], 0, seed, out);
        }
        "response.reasoning_text.delta" => {
            // The same item's summary uses the plain index.
            let run = seed | 1 << 31;
            if let Some(delta) = delta()? {
                out.extend(StreamDelta::text(0, SegmentKind::Text, run, delta));
            }
            scan_rest_deltas(root, &["delta"], 0, seed, out);
        }
        "response.function_call_arguments.delta"
        | "response.custom_tool_call_input.delta"
        | "response.mcp_call_arguments.delta" => {
            if let Some(delta) = delta()? {
                out.extend(StreamDelta::text(
                    0,
                    SegmentKind::ToolArguments,
                    index,
                    delta,
                ));
            }
            scan_rest_deltas(root, &["delta"], 0, seed, out);
        }
        // Base64 audio and partial images: media, not text (the audio's
        // transcript streams as `response.audio.transcript.delta`).
        "response.audio.delta" | "response.image_generation_call.partial_image" => {}
        done if done.ends_with(".done") => echo = true,
        // Any other delta event (audio transcripts, event types added
        // later): text of the output item it names.
        other if other.ends_with(".delta") => {
            if let Some(Node {
                value: Value::String(delta),
                ..
            }) = root.get("delta")
            {
                out.extend(StreamDelta::text(0, SegmentKind::Text, index, delta));
                scan_rest_deltas(root, &["delta"], 0, seed, out);
            } else {
                scan_rest_deltas(root, &[], 0, seed, out);
            }
        }
        _ => scan_rest_deltas(root, &[], 0, seed, out),
    }
    if echo {
        echo_strings(root, out);
    }
    if matches!(
        kind,
        "response.completed" | "response.incomplete" | "response.failed"
    ) {
        out.push(StreamDelta::done(0));
    }
    Ok(())
}

/// Members whose strings are not text for anyone to read: identifiers,
/// type tags, states, names of models and tools, opaque or encrypted
/// blobs.
const NOT_TEXT: &[&str] = &[
    "type",
    "id",
    "item_id",
    "object",
    "status",
    "role",
    "model",
    "call_id",
    "name",
    "server_label",
    "service_tier",
    "previous_response_id",
    "conversation",
    "prompt_cache_key",
    "safety_identifier",
    "encrypted_content",
    "signature",
    "logprobs",
];

/// Members of a response object that echo the request (already inspected
/// on its way in) or configure it: `instructions` is the request's own
/// system prompt, not the model's output.
const REQUEST_ECHO: &[&str] = &[
    "instructions",
    "tools",
    "tool_choice",
    "text",
    "reasoning",
    "metadata",
    "prompt",
    "user",
    "truncation",
    "include",
];

/// Every string of an event but the members declared not text, as echoes.
fn echo_strings(root: &Node<'_>, out: &mut Vec<StreamDelta>) {
    let Value::Object(members) = &root.value else {
        return;
    };
    for (key, node) in members {
        if NOT_TEXT.contains(&&*key.text) {
            continue;
        }
        if &*key.text == "response" {
            response_echoes(node, out);
        } else {
            strings_of(node, out);
        }
    }
}

/// The strings of a response object, less what echoes the request.
fn response_echoes(response: &Node<'_>, out: &mut Vec<StreamDelta>) {
    let Value::Object(members) = &response.value else {
        return strings_of(response, out);
    };
    for (key, node) in members {
        if !NOT_TEXT.contains(&&*key.text) && !REQUEST_ECHO.contains(&&*key.text) {
            strings_of(node, out);
        }
    }
}

/// Every string under `node` (object members declared not text left out).
fn strings_of(node: &Node<'_>, out: &mut Vec<StreamDelta>) {
    match &node.value {
        Value::String(s) => out.extend(StreamDelta::echo(s)),
        Value::Array(items) => items.iter().for_each(|item| strings_of(item, out)),
        Value::Object(members) => {
            for (key, node) in members {
                if !NOT_TEXT.contains(&&*key.text) {
                    strings_of(node, out);
                }
            }
        }
        _ => {}
    }
}

/// `response.output_item.added`: a call item names the tool; any text an
/// item already holds is scanned.
fn added_item(
    item: &Node<'_>,
    index: u32,
    seed: u32,
    path: &Path<'_>,
    out: &mut Vec<StreamDelta>,
) -> Result<(), CodecError> {
    let cx = RESPONSES;
    cx.object(item, path)?;
    let kind = cx.string(item.get("type"), &path.key("type"))?;
    let args_key = match kind.map(|k| &*k.text) {
        Some("function_call" | "mcp_call") => "arguments",
        Some("custom_tool_call") => "input",
        // An image generation call's `result` is the base64 image.
        Some("image_generation_call") => {
            scan_rest_deltas(item, &["result"], 0, seed, out);
            return Ok(());
        }
        _ => {
            scan_rest_deltas(item, &[], 0, seed, out);
            return Ok(());
        }
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
    scan_rest_deltas(item, &["name", args_key], 0, seed, out);
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
                (System, 0, Text, "get_weather"),
                (System, 0, Text, "old_fn"),
                (System, 0, Text, "Be brief. Mail admin@example.com"),
                (User, 1, Text, "What is in \"this\" image? 😀"),
                (User, 1, Text, "second part"),
                (Assistant, 2, ToolArguments, "{\"city\":\"Paris\"}"),
                (Tool, 3, ToolResult, "22C and sunny"),
                (System, 4, Text, "sys part"),
                (Assistant, 5, Text, ""),
                (Assistant, 5, Text, "I can't help with that"),
                (Tool, 6, ToolResult, "legacy result"),
                (Tool, 6, Text, "legacy"),
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
        // A `null` member may read as "no limit" upstream: uncapped, so a
        // cap rule rewrites every member.
        let null_new = format!(r#"{{{msgs}, "max_completion_tokens":null, "max_tokens":5}}"#);
        assert_eq!(cap(&null_new).map(|c| (c.field, c.value)), None);
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
        // The declared tool's name is text the model reads, then the call.
        assert_eq!(view.segments[0].text, "grammar");
        assert_eq!(view.segments[1].text, "SELECT 1");
        assert_eq!(view.segments[1].kind, SegmentKind::ToolArguments);
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
                (System, 0, Text, "get_weather"),
                (System, 0, Text, "deepwiki"),
                (System, 0, Text, "https://mcp.deepwiki.com/mcp"),
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
            r#"{"input": [{"role": "tool", "content": "x"}]}"#,
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

    use super::super::redact_needle;

    /// Every text is scanned with its role, and masking it keeps the body
    /// valid JSON: one case per field that used to pass unscanned.
    #[test]
    fn chat_request_scans_every_field_the_model_reads() {
        let body = r#"{"model":"gpt-4o","temperature":0.2,"user":"u-1",
          "messages":[
            {"role":"user","name":"SECRET-NAME","content":"hi"},
            {"role":"user","content":[
              {"type":"file","file":{"file_id":"file-1","filename":"SECRET-FILE.pdf","file_data":"AAAA"}},
              {"type":"video_url","video_url":{"url":"SECRET-VIDEO"}}]},
            {"role":"assistant","content":"a","reasoning_content":"SECRET-REASONING","extra":{"note":"SECRET-EXTRA"}}
          ],
          "tools":[{"type":"function","function":{"name":"f","description":"SECRET-TOOL",
            "parameters":{"type":"object","properties":{"x":{"type":"string","description":"SECRET-PARAM","default":4111111111111111}}}}}],
          "functions":[{"name":"g","description":"SECRET-FUNCTION","parameters":{}}],
          "prediction":{"type":"content","content":"SECRET-PREDICTION"},
          "response_format":{"type":"json_schema","json_schema":{"name":"out","description":"SECRET-FORMAT","schema":{"type":"object"}}},
          "metadata":{"k":"SECRET-METADATA"}
        }"#;
        let view = request(Api::OpenaiChat, body);
        let role = |needle: &str| {
            let found = view.segments.iter().find(|s| s.text.contains(needle));
            found
                .map(|s| (s.role, s.message_index))
                .unwrap_or_else(|| panic!("{needle}"))
        };
        use Role::*;
        let cases = [
            ("SECRET-NAME", (User, 0)),
            ("SECRET-FILE", (User, 1)),
            ("SECRET-VIDEO", (User, 1)),
            ("SECRET-REASONING", (Assistant, 2)),
            ("SECRET-EXTRA", (Assistant, 2)),
            ("SECRET-TOOL", (System, 0)),
            ("SECRET-PARAM", (System, 0)),
            ("4111111111111111", (System, 0)),
            ("SECRET-FUNCTION", (System, 0)),
            ("SECRET-PREDICTION", (User, 0)),
            ("SECRET-FORMAT", (System, 0)),
            ("SECRET-METADATA", (User, 0)),
        ];
        for (needle, want) in cases {
            assert_eq!(role(needle), want, "{needle}");
            redact_needle(Api::OpenaiChat, body, needle, true);
        }
        // Media, ids and settings stay out of the scan.
        assert_eq!(view.skipped_media, 1);
        for not_text in ["AAAA", "file-1", "u-1", "gpt-4o", "0.2", "function"] {
            assert!(
                view.segments.iter().all(|s| s.text != not_text),
                "{not_text} scanned"
            );
        }
        // A number in a schema is masked as a JSON string.
        let out = redact_needle(Api::OpenaiChat, body, "4111111111111111", true);
        assert!(out.contains(r#""default":"[X]""#), "{out}");
    }

    #[test]
    fn responses_request_scans_every_field_the_model_reads() {
        let body = r#"{"model":"gpt-4.1","previous_response_id":"resp_1",
          "prompt":{"id":"pmpt_1","version":"2","variables":{"customer":"SECRET-VAR",
            "doc":{"type":"input_text","text":"SECRET-VARPART"},
            "pic":{"type":"input_image","image_url":"data:image/png;base64,AAAA"}}},
          "tools":[
            {"type":"function","name":"f","description":"SECRET-TOOL","parameters":{"properties":{"SECRET-KEY":{}}}},
            {"type":"mcp","server_label":"s","server_url":"https://mcp.example","headers":{"Authorization":"Bearer SECRET-HEADER"}}
          ],
          "text":{"format":{"type":"json_schema","name":"o","schema":{"description":"SECRET-SCHEMA"}},"verbosity":"low"},
          "input":[
            {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"SECRET-SUMMARY"}],
             "content":[{"type":"reasoning_text","text":"SECRET-RTEXT"}],"encrypted_content":"gAAAA-opaque"},
            {"type":"shell_call_output","call_id":"c","output":[{"stdout":"SECRET-STDOUT","stderr":"","outcome":{"type":"exit","exit_code":0}}]},
            {"type":"future_item","payload":{"words":"SECRET-FUTURE"}},
            {"type":"mcp_approval_request","id":"a","server_label":"s","name":"n","arguments":"SECRET-APPROVAL"}
          ]}"#;
        let view = request(Api::OpenaiResponses, body);
        let role = |needle: &str| {
            let found = view.segments.iter().find(|s| s.text.contains(needle));
            found.map(|s| s.role).unwrap_or_else(|| panic!("{needle}"))
        };
        use Role::*;
        for (needle, want) in [
            ("SECRET-VAR", User),
            ("SECRET-VARPART", User),
            ("SECRET-TOOL", System),
            ("SECRET-KEY", System),
            ("SECRET-HEADER", System),
            ("SECRET-SCHEMA", System),
            ("SECRET-SUMMARY", Assistant),
            ("SECRET-RTEXT", Assistant),
            ("SECRET-STDOUT", Tool),
            ("SECRET-FUTURE", User),
            ("SECRET-APPROVAL", Assistant),
        ] {
            assert_eq!(role(needle), want, "{needle}");
            redact_needle(Api::OpenaiResponses, body, needle, true);
        }
        assert_eq!(view.skipped_media, 1);
        for not_text in [
            "gAAAA-opaque",
            "resp_1",
            "pmpt_1",
            "customer",
            "low",
            "data:image/png;base64,AAAA",
        ] {
            assert!(
                view.segments.iter().all(|s| s.text != not_text),
                "{not_text} scanned"
            );
        }
    }

    #[test]
    fn chat_response_scans_transcripts_reasoning_annotations_and_legacy_text() {
        let body = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-audio",
          "system_fingerprint":"fp_1",
          "choices":[
            {"index":0,"finish_reason":"stop","message":{"role":"assistant","content":null,
              "audio":{"id":"audio_1","data":"UklGRg==","expires_at":2,"transcript":"SECRET-TRANSCRIPT"},
              "reasoning_content":"SECRET-REASONING",
              "annotations":[{"type":"url_citation","url_citation":{"start_index":0,"end_index":1,"url":"https://x.example","title":"SECRET-TITLE"}}]}},
            {"index":1,"text":"SECRET-LEGACY","finish_reason":"length","logprobs":null}
          ],
          "usage":{"completion_tokens":3}}"#;
        let view = decode_response(Api::OpenaiChat, body.as_bytes()).unwrap();
        for needle in [
            "SECRET-TRANSCRIPT",
            "SECRET-REASONING",
            "SECRET-TITLE",
            "SECRET-LEGACY",
        ] {
            redact_needle(Api::OpenaiChat, body, needle, false);
        }
        let legacy = view
            .segments
            .iter()
            .find(|s| s.text == "SECRET-LEGACY")
            .unwrap();
        assert_eq!((legacy.role, legacy.message_index), (Role::Assistant, 1));
        for not_text in [
            "UklGRg==",
            "audio_1",
            "stop",
            "fp_1",
            "gpt-4o-audio",
            "chatcmpl-1",
        ] {
            assert!(
                view.segments.iter().all(|s| s.text != not_text),
                "{not_text} scanned"
            );
        }
    }

    #[test]
    fn responses_response_scans_reasoning_and_unknown_items_not_the_echo() {
        let body = r#"{"id":"resp_1","object":"response","status":"completed","model":"gpt-5",
          "instructions":"CANARY-IN-SYSTEM-PROMPT","tools":[{"type":"function","name":"f","description":"echo"}],
          "output":[
            {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"SECRET-SUMMARY"}],"encrypted_content":"opaque"},
            {"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"SECRET-QUERY"}},
            {"type":"image_generation_call","id":"ig_1","status":"completed","result":"iVBORw0KGgo=","revised_prompt":"SECRET-PROMPT"},
            {"type":"message","id":"msg_1","role":"assistant","content":[
              {"type":"output_text","text":"hi","annotations":[{"type":"url_citation","url":"https://x","title":"SECRET-CITE"}]}]}
          ],
          "usage":{"output_tokens":9}}"#;
        let view = decode_response(Api::OpenaiResponses, body.as_bytes()).unwrap();
        for needle in [
            "SECRET-SUMMARY",
            "SECRET-QUERY",
            "SECRET-PROMPT",
            "SECRET-CITE",
        ] {
            redact_needle(Api::OpenaiResponses, body, needle, false);
        }
        assert!(view.segments.iter().all(|s| s.role == Role::Assistant));
        for not_text in [
            "CANARY-IN-SYSTEM-PROMPT",
            "echo",
            "opaque",
            "iVBORw0KGgo=",
            "rs_1",
        ] {
            assert!(
                view.segments.iter().all(|s| s.text != not_text),
                "{not_text} scanned"
            );
        }
    }
}
