//! Gemini `generateContent` / `streamGenerateContent` bodies.
//!
//! Gemini's REST API reads JSON with the protobuf mapping, which accepts
//! both the camelCase field names (`systemInstruction`, `maxOutputTokens`)
//! and the original snake_case ones (`system_instruction`,
//! `max_output_tokens`); Google's own examples use both. Both are read here,
//! or a snake_case body would slip past inspection, and every list of
//! members declared not text names both spellings. A body that spells one
//! field both ways is an error: which one the upstream keeps is not ours to
//! guess.
//!
//! `systemInstruction` is index 0, role system; `contents[i]` is index `i`
//! (role `user` or absent → user, `model` → assistant, `function` → tool).
//! Every string is scanned except the members declared not text (settings,
//! safety settings and ratings, usage, ids, `thoughtSignature`, inline and
//! file data, which are counted as media). The strings, numbers and keys
//! inside `functionCall.args` are `ToolArguments` segments (role
//! assistant), those inside `functionResponse.response` `ToolResult`
//! segments (role tool); `executableCode.code` is the model's arguments to
//! its code tool and `codeExecutionResult.output` that tool's result.
//! Function declarations and response schemas are system text. The model is
//! named in the URL path, so `model` is `None` unless the body has one.

use super::delta::{StreamDelta, StreamMeta, scan_rest_deltas};
use super::json::{Node, Str};
use super::{
    Api, At, CodecError, Cx, MaxTokens, Path, RequestView, ResponseView, Role, Scan, SegmentKind,
    mix, run_seed, scan_rest, scan_value, tool_definition,
};

const CX: Cx = Cx(Api::Gemini);

/// The member spelled `camel` or `snake` and the spelling found; `null` reads
/// as absent.
fn field<'n, 'a>(
    node: &'n Node<'a>,
    camel: &'static str,
    snake: &'static str,
    path: &Path<'_>,
) -> Result<(Option<&'n Node<'a>>, &'static str), CodecError> {
    let present = |key| node.get(key).filter(|n| !n.is_null());
    match (present(camel), present(snake)) {
        (Some(_), Some(_)) => Err(CX.fail(&path.key(camel), "also spelled in snake_case")),
        (Some(value), None) => Ok((Some(value), camel)),
        (None, value) => Ok((value, snake)),
    }
}

/// Top-level request members handled on their own or not text.
const REQUEST_HANDLED: [&str; 13] = [
    "contents",
    "systemInstruction",
    "system_instruction",
    "tools",
    "generationConfig",
    "generation_config",
    "toolConfig",
    "tool_config",
    "safetySettings",
    "safety_settings",
    "cachedContent",
    "cached_content",
    "model",
];

/// `generationConfig` members that are settings, not text (its schemas
/// are scanned whole, its stop sequences as text).
const GENERATION_NOT_TEXT: [&str; 12] = [
    "responseMimeType",
    "response_mime_type",
    "responseModalities",
    "response_modalities",
    "speechConfig",
    "speech_config",
    "thinkingConfig",
    "thinking_config",
    "imageConfig",
    "image_config",
    "mediaResolution",
    "media_resolution",
];

/// Decodes a request body.
pub fn request(root: &Node<'_>) -> Result<RequestView, CodecError> {
    let top = Path::ROOT;
    CX.object(root, &top)?;
    let (config, config_key) = field(root, "generationConfig", "generation_config", &top)?;
    let config_path = top.key(config_key);
    if let Some(config) = config {
        CX.object(config, &config_path)?;
    }
    let mut view = RequestView {
        model: CX.model(root)?,
        max_tokens: config
            .map(|c| max_tokens(c, &config_path))
            .transpose()?
            .flatten(),
        cap_insert_at: Some(config.unwrap_or(root).span.start + 1),
        cap_fields: cap_fields(root, config),
        ..RequestView::default()
    };
    if let Some(config) = config {
        tool_definition(config, &GENERATION_NOT_TEXT, &mut view.segments);
    }
    declared_tools(root, &mut view)?;
    let (system, system_key) = field(root, "systemInstruction", "system_instruction", &top)?;
    if let Some(system) = system {
        parts(system, Role::System, 0, &top.key(system_key), &mut view)?;
    }
    let path = top.key("contents");
    let contents = CX.array(Some(CX.required(root.get("contents"), &path)?), &path)?;
    for (i, content) in contents.iter().enumerate() {
        let path = path.at(i);
        let role = role(content, &path)?;
        parts(content, role, i, &path, &mut view)?;
    }
    let user = At::new(Role::User, 0, SegmentKind::Text);
    scan_rest(root, &REQUEST_HANDLED, user, &mut view.segments);
    Ok(view)
}

/// The cap members of `generationConfig` (both spellings), or the config
/// itself when it is `null`: inserting a second `generationConfig` beside
/// a `null` one would leave the upstream to choose.
fn cap_fields(root: &Node<'_>, config: Option<&Node<'_>>) -> Vec<super::CapField> {
    if let Some(config) = config {
        return Cx::cap_fields(config, &["maxOutputTokens", "max_output_tokens"]);
    }
    let mut nulls = Cx::cap_fields(root, &["generationConfig", "generation_config"]);
    for field in &mut nulls {
        field.container = true;
    }
    nulls
}

fn max_tokens(config: &Node<'_>, path: &Path<'_>) -> Result<Option<MaxTokens>, CodecError> {
    let (_, key) = field(config, "maxOutputTokens", "max_output_tokens", path)?;
    CX.max_tokens(config, key, path)
}

fn role(content: &Node<'_>, path: &Path<'_>) -> Result<Role, CodecError> {
    CX.object(content, path)?;
    let path = path.key("role");
    match CX.string(content.get("role"), &path)?.map(|r| &*r.text) {
        None | Some("user") => Ok(Role::User),
        Some("model") => Ok(Role::Assistant),
        Some("function") => Ok(Role::Tool),
        Some(_) => Err(CX.fail(&path, "unknown role (expected user or model)")),
    }
}

/// `tools[].functionDeclarations[].name`; other tools (`googleSearch`,
/// `codeExecution`, `urlContext`, …) are declared under their key. The
/// declarations' descriptions and schemas, and every string of the other
/// tools' settings, are system text.
fn declared_tools(root: &Node<'_>, view: &mut RequestView) -> Result<(), CodecError> {
    let tools_path = Path::ROOT.key("tools");
    for (i, tool) in CX.array(root.get("tools"), &tools_path)?.iter().enumerate() {
        let path = tools_path.at(i);
        for (key, value) in CX.object(tool, &path)? {
            if key.text != "functionDeclarations" && key.text != "function_declarations" {
                view.tools_declared.push(key.text.to_string());
                tool_definition(value, &[], &mut view.segments);
                continue;
            }
            let path = path.key("functionDeclarations");
            for (j, declaration) in CX.array(Some(value), &path)?.iter().enumerate() {
                let path = path.at(j);
                CX.object(declaration, &path)?;
                view.tools_declared.extend(
                    CX.string(declaration.get("name"), &path.key("name"))?
                        .map(|n| n.text.to_string()),
                );
                tool_definition(declaration, &["name", "behavior"], &mut view.segments);
            }
        }
    }
    Ok(())
}

/// Part members handled by [`parts`] or not text; the rest of a part
/// (members added later included) is scanned as text of the content's role.
const PART_HANDLED: [&str; 18] = [
    "text",
    "thought",
    "inlineData",
    "inline_data",
    "fileData",
    "file_data",
    "functionCall",
    "function_call",
    "functionResponse",
    "function_response",
    "executableCode",
    "executable_code",
    "codeExecutionResult",
    "code_execution_result",
    "videoMetadata",
    "video_metadata",
    "mediaResolution",
    "media_resolution",
];

/// The `parts` of one `Content`.
fn parts(
    content: &Node<'_>,
    role: Role,
    index: usize,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    CX.object(content, path)?;
    let kind = if role == Role::Tool {
        SegmentKind::ToolResult
    } else {
        SegmentKind::Text
    };
    let at = At::new(role, index, kind);
    scan_rest(content, &["parts"], at, &mut view.segments);
    let path = path.key("parts");
    let arguments = At::new(Role::Assistant, index, SegmentKind::ToolArguments);
    let result = At::new(Role::Tool, index, SegmentKind::ToolResult);
    for (j, part) in CX.array(content.get("parts"), &path)?.iter().enumerate() {
        let path = path.at(j);
        CX.object(part, &path)?;
        if let Some(text) = part_text(part, &path)? {
            view.segments.push(at.segment(text));
        }
        if field(part, "inlineData", "inline_data", &path)?.0.is_some()
            || field(part, "fileData", "file_data", &path)?.0.is_some()
        {
            view.skipped_media = view.skipped_media.saturating_add(1);
        }
        if let (Some(call), key) = field(part, "functionCall", "function_call", &path)? {
            let path = path.key(key);
            CX.object(call, &path)?;
            view.tool_calls.extend(
                CX.string(call.get("name"), &path.key("name"))?
                    .map(|n| n.text.to_string()),
            );
            if let Some(args) = call.get("args") {
                scan_value(args, arguments, Scan::Everything, &mut view.segments);
            }
            scan_rest(call, &["name", "args"], arguments, &mut view.segments);
        }
        if let (Some(response), key) = field(part, "functionResponse", "function_response", &path)?
        {
            CX.object(response, &path.key(key))?;
            if let Some(body) = response.get("response") {
                scan_value(body, result, Scan::Everything, &mut view.segments);
            }
            // `parts` (media the function returned) and anything new.
            scan_rest(response, &["name", "response"], result, &mut view.segments);
        }
        if let (Some(code), _) = field(part, "executableCode", "executable_code", &path)? {
            scan_rest(code, &["language"], arguments, &mut view.segments);
        }
        if let (Some(outcome), _) =
            field(part, "codeExecutionResult", "code_execution_result", &path)?
        {
            scan_rest(outcome, &["outcome"], result, &mut view.segments);
        }
        scan_rest(part, &PART_HANDLED, at, &mut view.segments);
    }
    Ok(())
}

fn part_text<'n, 'a>(
    part: &'n Node<'a>,
    path: &Path<'_>,
) -> Result<Option<&'n Str<'a>>, CodecError> {
    CX.string(part.get("text"), &path.key("text"))
}

/// Candidate members handled on their own or not text: `citationMetadata`,
/// `groundingMetadata` (search queries, sources, supported text),
/// `finishMessage` and `logprobsResult` are scanned.
const CANDIDATE_NOT_TEXT: [&str; 9] = [
    "content",
    "index",
    "safetyRatings",
    "safety_ratings",
    "tokenCount",
    "token_count",
    "avgLogprobs",
    "avg_logprobs",
    "finishReason",
];

/// Response members that are not text (`candidates` are decoded on their
/// own).
const RESPONSE_NOT_TEXT: [&str; 9] = [
    "candidates",
    "usageMetadata",
    "usage_metadata",
    "modelVersion",
    "model_version",
    "createTime",
    "create_time",
    "promptFeedback",
    "prompt_feedback",
];

/// Decodes a (non-streamed) response body, or one chunk of a stream.
pub fn response(root: &Node<'_>) -> Result<ResponseView, CodecError> {
    let top = Path::ROOT;
    CX.object(root, &top)?;
    let mut scratch = RequestView::default();
    let path = top.key("candidates");
    for (pos, candidate) in CX.array(root.get("candidates"), &path)?.iter().enumerate() {
        let path = path.at(pos);
        let index = candidate_index(candidate, pos, &path)?;
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        if let Some(content) = candidate.get("content").filter(|n| !n.is_null()) {
            parts(
                content,
                Role::Assistant,
                index,
                &path.key("content"),
                &mut scratch,
            )?;
        }
        let at = At::new(Role::Assistant, index, SegmentKind::Text);
        scan_rest(candidate, &CANDIDATE_NOT_TEXT, at, &mut scratch.segments);
    }
    let at = At::new(Role::Assistant, 0, SegmentKind::Text);
    scan_rest(root, &RESPONSE_NOT_TEXT, at, &mut scratch.segments);
    // All of a response is the model's: part roles only place tool results
    // in requests.
    for segment in &mut scratch.segments {
        segment.role = Role::Assistant;
    }
    let meta = meta(root)?;
    Ok(ResponseView {
        model: meta.model,
        tool_calls: scratch.tool_calls,
        segments: scratch.segments,
        output_tokens: meta.output_tokens,
    })
}

/// A candidate's `index`, else its position.
fn candidate_index(candidate: &Node<'_>, pos: usize, path: &Path<'_>) -> Result<u32, CodecError> {
    CX.object(candidate, path)?;
    let index = CX.count(candidate.get("index"), &path.key("index"))?;
    Ok(index.map_or(u32::try_from(pos).unwrap_or(u32::MAX), |i| {
        u32::try_from(i).unwrap_or(u32::MAX)
    }))
}

/// `modelVersion` and `usageMetadata.candidatesTokenCount` (or `model` if
/// the body has it).
fn meta(root: &Node<'_>) -> Result<StreamMeta, CodecError> {
    let top = Path::ROOT;
    let (version, key) = field(root, "modelVersion", "model_version", &top)?;
    let model = match CX.string(version, &top.key(key))? {
        Some(version) => Some(version.text.to_string()),
        None => CX.model(root)?,
    };
    let (usage, usage_key) = field(root, "usageMetadata", "usage_metadata", &top)?;
    let output_tokens = match usage {
        Some(usage) => {
            let path = top.key(usage_key);
            CX.object(usage, &path)?;
            let (count, key) = field(
                usage,
                "candidatesTokenCount",
                "candidates_token_count",
                &path,
            )?;
            CX.count(count, &path.key(key))?
        }
        None => None,
    };
    Ok(StreamMeta {
        model,
        output_tokens,
        last_sequence: None,
    })
}

/// One streamed `GenerateContentResponse` (an SSE `data` or an array
/// element); `data` is the document `root` was parsed from, so that a
/// call's `args` can be passed on as the JSON text it was written as.
/// Besides text and calls, every other string of a chunk (executed code
/// and its output, grounding and citation metadata, members added later)
/// is scanned, each field in a run of its own.
pub(super) fn stream_chunk(
    root: &Node<'_>,
    data: &[u8],
    out: &mut Vec<StreamDelta>,
    meta: &mut StreamMeta,
) -> Result<(), CodecError> {
    let top = Path::ROOT;
    CX.object(root, &top)?;
    let path = top.key("candidates");
    for (pos, candidate) in CX.array(root.get("candidates"), &path)?.iter().enumerate() {
        let path = path.at(pos);
        let choice = candidate_index(candidate, pos, &path)?;
        if let Some(content) = candidate.get("content").filter(|n| !n.is_null()) {
            chunk_parts(content, choice, data, &path.key("content"), out)?;
        }
        let seed = run_seed("candidate", 0);
        scan_rest_deltas(candidate, &CANDIDATE_NOT_TEXT, choice, seed, out);
        if candidate
            .get("finishReason")
            .or_else(|| candidate.get("finish_reason"))
            .is_some_and(|r| !r.is_null())
        {
            out.push(StreamDelta::done(choice));
        }
    }
    scan_rest_deltas(root, &RESPONSE_NOT_TEXT, 0, run_seed("chunk", 0), out);
    let latest = self::meta(root)?;
    meta.model = latest.model.or(meta.model.take());
    meta.output_tokens = latest.output_tokens.or(meta.output_tokens);
    Ok(())
}

/// Part members a stream chunk handles itself or that are not text.
const CHUNK_PART_HANDLED: [&str; 14] = [
    "text",
    "executableCode",
    "executable_code",
    "codeExecutionResult",
    "code_execution_result",
    "thought",
    "inlineData",
    "inline_data",
    "fileData",
    "file_data",
    "functionCall",
    "function_call",
    "videoMetadata",
    "video_metadata",
];

fn chunk_parts(
    content: &Node<'_>,
    choice: u32,
    data: &[u8],
    path: &Path<'_>,
    out: &mut Vec<StreamDelta>,
) -> Result<(), CodecError> {
    CX.object(content, path)?;
    let path = path.key("parts");
    for (j, part) in CX.array(content.get("parts"), &path)?.iter().enumerate() {
        let path = path.at(j);
        CX.object(part, &path)?;
        if let Some(text) = part_text(part, &path)? {
            out.extend(StreamDelta::text(choice, SegmentKind::Text, 0, text));
        }
        if let (Some(call), key) = field(part, "functionCall", "function_call", &path)? {
            let path = path.key(key);
            CX.object(call, &path)?;
            let name = CX.string(call.get("name"), &path.key("name"))?;
            let args = call.get("args").and_then(|a| data.get(a.span.clone()));
            let args = String::from_utf8_lossy(args.unwrap_or_default());
            let index = u32::try_from(j).unwrap_or(u32::MAX);
            out.extend(StreamDelta::tool(
                choice,
                index,
                name.map(|n| &*n.text),
                &args,
                None,
            ));
        }
        // `executableCode.code`, `codeExecutionResult.output` and the rest:
        // one run per field, whatever the part's position in its chunk.
        let seed = run_seed("part", 0);
        if let (Some(code), _) = field(part, "executableCode", "executable_code", &path)? {
            let seed = mix(seed, b"executableCode");
            scan_rest_deltas(code, &["language"], choice, seed, out);
        }
        if let (Some(outcome), _) =
            field(part, "codeExecutionResult", "code_execution_result", &path)?
        {
            let seed = mix(seed, b"codeExecutionResult");
            scan_rest_deltas(outcome, &["outcome"], choice, seed, out);
        }
        scan_rest_deltas(part, &CHUNK_PART_HANDLED, choice, seed, out);
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
      "systemInstruction": {"parts": [{"text": "You are a cat. Your name is Neko."}]},
      "contents": [
        {"role": "user", "parts": [
          {"text": "Tell me about this \"image\" \u0040 \ud83d\udc31"},
          {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/4AAQ"}},
          {"fileData": {"mimeType": "application/pdf", "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/x"}}
        ]},
        {"role": "model", "parts": [
          {"functionCall": {"name": "find_theaters", "args": {"location": "Mountain View, CA", "movie": "Barbie", "n": 2}}}
        ]},
        {"role": "user", "parts": [
          {"functionResponse": {"name": "find_theaters", "response": {"name": "find_theaters",
            "content": {"theaters": [{"name": "AMC Mountain View 16", "address": "2000 W El Camino Real"}]}}}}
        ]},
        {"parts": [{"text": "no role means user"}]}
      ],
      "tools": [
        {"functionDeclarations": [{"name": "find_theaters", "parameters": {"type": "object"}}, {"name": "find_movies"}]},
        {"googleSearch": {}}
      ],
      "generationConfig": {"temperature": 1.0, "maxOutputTokens": 800}
    }"#;

    #[test]
    fn request_full() {
        let view = decode_request(Api::Gemini, REQUEST.as_bytes()).unwrap();
        assert_raw_spans(REQUEST, &view.segments);
        assert_eq!(view.model, None);
        assert!(!view.stream);
        let cap = view.max_tokens.clone().unwrap();
        assert_eq!(
            (cap.field, cap.value, &REQUEST[cap.raw]),
            ("maxOutputTokens", 800, "800")
        );
        let config =
            REQUEST.find("\"generationConfig\": {").unwrap() + "\"generationConfig\": {".len();
        assert_eq!(view.cap_insert_at, Some(config));
        assert_eq!(
            view.tools_declared,
            ["find_theaters", "find_movies", "googleSearch"]
        );
        assert_eq!(view.tool_calls, ["find_theaters"]);
        assert_eq!(view.skipped_media, 2);
        use Role::*;
        use SegmentKind::*;
        assert_eq!(
            texts(&view.segments),
            [
                // find_theaters' parameters schema, whole.
                (System, 0, Text, "type"),
                (System, 0, Text, "object"),
                (System, 0, Text, "You are a cat. Your name is Neko."),
                (User, 0, Text, "Tell me about this \"image\" @ 🐱"),
                // Calls' args and results are free-form: keys and numbers too.
                (Assistant, 1, ToolArguments, "location"),
                (Assistant, 1, ToolArguments, "Mountain View, CA"),
                (Assistant, 1, ToolArguments, "movie"),
                (Assistant, 1, ToolArguments, "Barbie"),
                (Assistant, 1, ToolArguments, "n"),
                (Assistant, 1, ToolArguments, "2"),
                (Tool, 2, ToolResult, "name"),
                (Tool, 2, ToolResult, "find_theaters"),
                (Tool, 2, ToolResult, "content"),
                (Tool, 2, ToolResult, "theaters"),
                (Tool, 2, ToolResult, "name"),
                (Tool, 2, ToolResult, "AMC Mountain View 16"),
                (Tool, 2, ToolResult, "address"),
                (Tool, 2, ToolResult, "2000 W El Camino Real"),
                (User, 3, Text, "no role means user"),
            ]
        );
    }

    #[test]
    fn request_snake_case_spellings() {
        let body = r#"{"model":"gemini-2.5-flash","system_instruction":{"parts":[{"text":"sys"}]},
          "contents":[{"role":"user","parts":[{"text":"hi"},{"inline_data":{"mime_type":"image/png","data":"AA"}},
            {"function_call":{"name":"f","args":{"a":"b"}}}]}],
          "tools":[{"function_declarations":[{"name":"f"}]}],
          "generation_config":{"max_output_tokens":64}}"#;
        let view = decode_request(Api::Gemini, body.as_bytes()).unwrap();
        assert_raw_spans(body, &view.segments);
        assert_eq!(view.model.as_deref(), Some("gemini-2.5-flash"));
        assert_eq!(
            view.max_tokens.map(|c| (c.field, c.value)),
            Some(("max_output_tokens", 64))
        );
        assert_eq!(view.skipped_media, 1);
        assert_eq!(view.tools_declared, ["f"]);
        assert_eq!(view.tool_calls, ["f"]);
        assert_eq!(view.segments.len(), 4);
        let config = body.find("{\"max_output").unwrap() + 1;
        assert_eq!(view.cap_insert_at, Some(config));
    }

    #[test]
    fn request_without_generation_config_inserts_at_top() {
        let body = r#"  {"contents":[{"parts":[{"text":"hi"}]}]}"#;
        let view = decode_request(Api::Gemini, body.as_bytes()).unwrap();
        assert_eq!(view.max_tokens, None);
        assert_eq!(view.cap_insert_at, Some(3));
    }

    #[test]
    fn request_rejects_bad_shapes() {
        for body in [
            r#"{}"#,
            r#"{"contents":{}}"#,
            r#"{"contents":[{"role":"assistant","parts":[]}]}"#,
            r#"{"contents":[{"parts":[{"text":5}]}]}"#,
            r#"{"contents":[{"parts":"text"}]}"#,
            r#"{"contents":[],"generationConfig":[]}"#,
            r#"{"contents":[],"generationConfig":{"maxOutputTokens":-5}}"#,
            r#"{"contents":[],"generationConfig":{"maxOutputTokens":5,"max_output_tokens":9000}}"#,
            r#"{"contents":[],"systemInstruction":{"parts":[]},"system_instruction":{"parts":[{"text":"x"}]}}"#,
        ] {
            let result = decode_request(Api::Gemini, body.as_bytes());
            assert!(
                matches!(result, Err(CodecError::Shape { .. })),
                "{body}: {result:?}"
            );
        }
    }

    #[test]
    fn response_candidates() {
        let body = r#"{
          "candidates": [
            {"content": {"parts": [{"text": "Once upon a time\n"}, {"text": "the end."}], "role": "model"},
             "finishReason": "STOP", "index": 0},
            {"content": {"parts": [{"functionCall": {"name": "get_time", "args": {"tz": "UTC"}}}], "role": "model"},
             "finishReason": "STOP", "index": 1},
            {"finishReason": "SAFETY", "index": 2}
          ],
          "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 398, "totalTokenCount": 406},
          "modelVersion": "gemini-2.5-flash"
        }"#;
        let view = decode_response(Api::Gemini, body.as_bytes()).unwrap();
        assert_raw_spans(body, &view.segments);
        assert_eq!(view.model.as_deref(), Some("gemini-2.5-flash"));
        assert_eq!(view.output_tokens, Some(398));
        assert_eq!(view.tool_calls, ["get_time"]);
        assert_eq!(
            texts(&view.segments),
            [
                (Role::Assistant, 0, SegmentKind::Text, "Once upon a time\n"),
                (Role::Assistant, 0, SegmentKind::Text, "the end."),
                (Role::Assistant, 1, SegmentKind::ToolArguments, "tz"),
                (Role::Assistant, 1, SegmentKind::ToolArguments, "UTC"),
            ]
        );
    }

    use super::super::redact_needle;

    #[test]
    fn request_scans_code_execution_declarations_and_schemas() {
        let body = r#"{"contents":[
            {"role":"user","parts":[{"text":"hi"},{"inlineData":{"mimeType":"image/png","data":"iVBORw0K"}},
              {"future_part":{"words":"SECRET-FUTURE"}}]},
            {"role":"model","parts":[
              {"text":"thinking","thought":true,"thoughtSignature":"CiQBVKhc7Z"},
              {"executableCode":{"language":"PYTHON","code":"print('SECRET-CODE')"}},
              {"codeExecutionResult":{"outcome":"OUTCOME_OK","output":"SECRET-OUTPUT"}},
              {"functionCall":{"id":"fc-1","name":"f","args":{"SECRET-ARGKEY":4111111111111111}}}]},
            {"role":"user","parts":[{"functionResponse":{"id":"fc-1","name":"f","response":{"result":"SECRET-RESULT"}}}]}
          ],
          "tools":[{"functionDeclarations":[{"name":"f","description":"SECRET-DECL",
            "parameters":{"type":"object","properties":{"q":{"type":"string","description":"SECRET-PARAM"}}}}]},
            {"codeExecution":{}}],
          "safetySettings":[{"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"BLOCK_NONE"}],
          "generation_config":{"response_mime_type":"application/json","response_schema":{"description":"SECRET-SCHEMA"},"temperature":0.1}}"#;
        let view = decode_request(Api::Gemini, body.as_bytes()).unwrap();
        let role = |needle: &str| {
            let found = view.segments.iter().find(|s| s.text.contains(needle));
            found.map(|s| s.role).unwrap_or_else(|| panic!("{needle}"))
        };
        use Role::*;
        for (needle, want) in [
            ("SECRET-FUTURE", User),
            ("SECRET-CODE", Assistant),
            ("SECRET-OUTPUT", Tool),
            ("SECRET-ARGKEY", Assistant),
            ("4111111111111111", Assistant),
            ("SECRET-RESULT", Tool),
            ("SECRET-DECL", System),
            ("SECRET-PARAM", System),
            ("SECRET-SCHEMA", System),
        ] {
            assert_eq!(role(needle), want, "{needle}");
            redact_needle(Api::Gemini, body, needle, true);
        }
        assert_eq!(view.skipped_media, 1);
        for not_text in [
            "iVBORw0K",
            "CiQBVKhc7Z",
            "PYTHON",
            "OUTCOME_OK",
            "BLOCK_NONE",
            "application/json",
            "fc-1",
        ] {
            assert!(
                view.segments.iter().all(|s| s.text != not_text),
                "{not_text} scanned"
            );
        }
        let out = redact_needle(Api::Gemini, body, "4111111111111111", true);
        assert!(out.contains(r#"{"SECRET-ARGKEY":"[X]"}"#), "{out}");
    }

    #[test]
    fn response_scans_code_execution_grounding_and_finish_message() {
        let body = r#"{"candidates":[{"content":{"role":"model","parts":[
            {"executableCode":{"language":"PYTHON","code":"SECRET-CODE"}},
            {"codeExecutionResult":{"outcome":"OUTCOME_OK","output":"SECRET-OUTPUT"}}]},
            "finishReason":"STOP","finishMessage":"SECRET-FINISH","index":0,
            "safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"NEGLIGIBLE"}],
            "groundingMetadata":{"webSearchQueries":["SECRET-QUERY"],"groundingChunks":[{"web":{"uri":"https://g.example","title":"SECRET-SOURCE"}}]}}],
          "usageMetadata":{"candidatesTokenCount":3},"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}"#;
        let view = decode_response(Api::Gemini, body.as_bytes()).unwrap();
        for needle in [
            "SECRET-CODE",
            "SECRET-OUTPUT",
            "SECRET-FINISH",
            "SECRET-QUERY",
            "SECRET-SOURCE",
        ] {
            redact_needle(Api::Gemini, body, needle, false);
        }
        assert!(view.segments.iter().all(|s| s.role == Role::Assistant));
        for not_text in ["PYTHON", "STOP", "NEGLIGIBLE", "gemini-2.5-flash", "resp-1"] {
            assert!(
                view.segments.iter().all(|s| s.text != not_text),
                "{not_text} scanned"
            );
        }
    }
}
