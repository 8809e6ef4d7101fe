//! Gemini `generateContent` / `streamGenerateContent` bodies.
//!
//! Gemini's REST API reads JSON with the protobuf mapping, which accepts
//! both the camelCase field names (`systemInstruction`, `maxOutputTokens`)
//! and the original snake_case ones (`system_instruction`,
//! `max_output_tokens`); Google's own examples use both. Both are read here,
//! or a snake_case body would slip past inspection. A body that spells one
//! field both ways is an error: which one the upstream keeps is not ours to
//! guess.
//!
//! `systemInstruction` is index 0, role system; `contents[i]` is index `i`
//! (role `user` or absent → user, `model` → assistant, `function` → tool).
//! The string values inside `functionCall.args` are `ToolArguments` segments
//! (role assistant) and those inside `functionResponse.response` are
//! `ToolResult` segments (role tool). Part kinds without text (inline / file
//! data, which are counted as media; code execution; metadata) yield nothing.
//! The model is named in the URL path, so `model` is `None` unless the body
//! has one.

use super::delta::{StreamDelta, StreamMeta};
use super::json::{Node, Str};
use super::{
    Api, CodecError, Cx, MaxTokens, Path, RequestView, ResponseView, Role, SegmentKind,
    leaf_segments, segment,
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
    declared_tools(root, &mut view.tools_declared)?;
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
/// `codeExecution`, `urlContext`, …) are declared under their key.
fn declared_tools(root: &Node<'_>, names: &mut Vec<String>) -> Result<(), CodecError> {
    let tools_path = Path::ROOT.key("tools");
    for (i, tool) in CX.array(root.get("tools"), &tools_path)?.iter().enumerate() {
        let path = tools_path.at(i);
        for (key, value) in CX.object(tool, &path)? {
            if key.text != "functionDeclarations" && key.text != "function_declarations" {
                names.push(key.text.to_string());
                continue;
            }
            let path = path.key("functionDeclarations");
            for (j, declaration) in CX.array(Some(value), &path)?.iter().enumerate() {
                let path = path.at(j);
                CX.object(declaration, &path)?;
                names.extend(
                    CX.string(declaration.get("name"), &path.key("name"))?
                        .map(|n| n.text.to_string()),
                );
            }
        }
    }
    Ok(())
}

/// The `parts` of one `Content`.
fn parts(
    content: &Node<'_>,
    role: Role,
    index: usize,
    path: &Path<'_>,
    view: &mut RequestView,
) -> Result<(), CodecError> {
    CX.object(content, path)?;
    let path = path.key("parts");
    for (j, part) in CX.array(content.get("parts"), &path)?.iter().enumerate() {
        let path = path.at(j);
        CX.object(part, &path)?;
        let kind = if role == Role::Tool {
            SegmentKind::ToolResult
        } else {
            SegmentKind::Text
        };
        if let Some(text) = part_text(part, &path)? {
            view.segments.push(segment(role, index, kind, text));
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
                leaf_segments(
                    args,
                    Role::Assistant,
                    index,
                    SegmentKind::ToolArguments,
                    &mut view.segments,
                );
            }
        }
        if let (Some(result), key) = field(part, "functionResponse", "function_response", &path)? {
            CX.object(result, &path.key(key))?;
            if let Some(response) = result.get("response") {
                leaf_segments(
                    response,
                    Role::Tool,
                    index,
                    SegmentKind::ToolResult,
                    &mut view.segments,
                );
            }
        }
    }
    Ok(())
}

fn part_text<'n, 'a>(
    part: &'n Node<'a>,
    path: &Path<'_>,
) -> Result<Option<&'n Str<'a>>, CodecError> {
    CX.string(part.get("text"), &path.key("text"))
}

/// Decodes a (non-streamed) response body, or one chunk of a stream.
pub fn response(root: &Node<'_>) -> Result<ResponseView, CodecError> {
    let top = Path::ROOT;
    CX.object(root, &top)?;
    let mut scratch = RequestView::default();
    let path = top.key("candidates");
    for (pos, candidate) in CX.array(root.get("candidates"), &path)?.iter().enumerate() {
        let path = path.at(pos);
        let index = candidate_index(candidate, pos, &path)?;
        if let Some(content) = candidate.get("content").filter(|n| !n.is_null()) {
            parts(
                content,
                Role::Assistant,
                usize::try_from(index).unwrap_or(usize::MAX),
                &path.key("content"),
                &mut scratch,
            )?;
        }
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
    })
}

/// One streamed `GenerateContentResponse` (an SSE `data` or an array
/// element); `data` is the document `root` was parsed from, so that a
/// call's `args` can be passed on as the JSON text it was written as.
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
        if candidate
            .get("finishReason")
            .or_else(|| candidate.get("finish_reason"))
            .is_some_and(|r| !r.is_null())
        {
            out.push(StreamDelta::done(choice));
        }
    }
    let latest = self::meta(root)?;
    meta.model = latest.model.or(meta.model.take());
    meta.output_tokens = latest.output_tokens.or(meta.output_tokens);
    Ok(())
}

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
}
