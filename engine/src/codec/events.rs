//! Stream events of each API, decoded into deltas: the `data` of an SSE
//! event ([`super::sse::SseParser`]) or one element of Gemini's JSON array
//! stream, handed to the API's own codec.

use super::delta::{StreamDelta, StreamMeta};
use super::sse::SseEvent;
use super::{Api, CodecError, anthropic, gemini, openai};

/// The text deltas of one SSE event of `api`, in order.
///
/// An event can carry several (one per choice, or text and a tool call), so
/// this returns them all; an event with none (pings, `*.done` echoes,
/// bookkeeping) gives an empty vector, which does not allocate.
pub fn event_delta(api: Api, event: &SseEvent) -> Result<Vec<StreamDelta>, CodecError> {
    let mut deltas = Vec::new();
    decode_event(api, event, &mut deltas, &mut StreamMeta::default())?;
    Ok(deltas)
}

/// Like [`event_delta`], appending to `deltas` and also collecting the model
/// and usage into `meta`.
pub fn decode_event(
    api: Api,
    event: &SseEvent,
    deltas: &mut Vec<StreamDelta>,
    meta: &mut StreamMeta,
) -> Result<(), CodecError> {
    decode_data(api, event.data.as_bytes(), deltas, meta)
}

/// Decodes one event payload: the `data` of an SSE event, or one element of
/// a Gemini array stream ([`super::sse::ArrayElement::bytes`]). Blank data is nothing;
/// `[DONE]` (OpenAI's end marker) is a `done` delta; anything else must be
/// a JSON value of the API's stream shape.
pub fn decode_data(
    api: Api,
    data: &[u8],
    deltas: &mut Vec<StreamDelta>,
    meta: &mut StreamMeta,
) -> Result<(), CodecError> {
    let data = data.trim_ascii();
    if data.is_empty() {
        return Ok(());
    }
    if data == b"[DONE]" {
        deltas.push(StreamDelta::done(0));
        return Ok(());
    }
    let root = super::parse_body(api, data)?;
    match api {
        Api::OpenaiChat => openai::chat_chunk(&root, deltas, meta),
        Api::OpenaiResponses => openai::responses_event(&root, deltas, meta),
        // No embeddings stream exists; whatever arrives is read whole.
        Api::OpenaiEmbeddings => {
            super::delta::scan_rest_deltas(&root, &[], 0, super::run_seed("embeddings", 0), deltas);
            Ok(())
        }
        Api::Anthropic => anthropic::stream_event(&root, deltas, meta),
        Api::Gemini => gemini::stream_chunk(&root, data, deltas, meta),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::sse::{GeminiArrayStream, MAX_EVENT_BYTES, SseParser};
    use crate::codec::{ResponseView, Role, Segment, SegmentKind};

    /// Test helper: decodes a whole recorded stream (SSE, or for Gemini also the JSON array
    /// form) into the view a non-streamed response would give: one segment per
    /// run of text (per choice, per content block, per tool call), in order of
    /// first appearance, `raw` = `0..0`.
    fn assemble_stream(api: Api, body: &[u8]) -> Result<ResponseView, CodecError> {
        let mut deltas = Vec::new();
        let mut meta = StreamMeta::default();
        if api == Api::Gemini && body.trim_ascii_start().first() == Some(&b'[') {
            let mut stream = GeminiArrayStream::new();
            let mut elements = Vec::new();
            stream.push(body, &mut elements)?;
            stream.finish()?;
            for element in &elements {
                decode_data(api, &element.bytes, &mut deltas, &mut meta)?;
            }
        } else {
            let mut parser = SseParser::new();
            let mut events = Vec::new();
            parser.push(body, &mut events)?;
            parser.finish(&mut events)?;
            for event in &events {
                decode_event(api, event, &mut deltas, &mut meta)?;
            }
        }
        // Echoes repeat (or add to) the deltas' text; the view is the deltas'.
        deltas.retain(|d| !d.echo);
        Ok(assemble(&deltas, meta))
    }

    /// Concatenates deltas into segments, one per `(choice, kind, index)` run.
    fn assemble(deltas: &[StreamDelta], meta: StreamMeta) -> ResponseView {
        let mut view = ResponseView {
            model: meta.model,
            output_tokens: meta.output_tokens,
            ..ResponseView::default()
        };
        // Open runs: key → position in `view.segments`. Streams have a handful.
        let mut runs: Vec<((u32, SegmentKind, u32), usize)> = Vec::new();
        for delta in deltas {
            let key = (delta.choice, delta.kind, delta.index);
            let open = runs
                .iter()
                .rev()
                .find(|(k, _)| *k == key)
                .map(|&(_, at)| at);
            match (
                &delta.tool_name,
                open.and_then(|at| view.segments.get_mut(at)),
            ) {
                (None, _) if delta.text.is_empty() => {}
                (None, Some(segment)) => segment.text.push_str(&delta.text),
                (name, _) => {
                    view.tool_calls.extend(name.iter().cloned());
                    runs.push((key, view.segments.len()));
                    view.segments.push(Segment {
                        role: Role::Assistant,
                        message_index: delta.choice,
                        kind: delta.kind,
                        text: delta.text.clone(),
                        raw: 0..0,
                    });
                }
            }
        }
        view
    }

    fn deltas(api: Api, data: &str) -> Vec<StreamDelta> {
        event_delta(
            api,
            &SseEvent {
                event: None,
                data: data.to_owned(),
                raw: 0..0,
            },
        )
        .unwrap()
        .into_iter()
        // Literal spans are checked on their own below.
        .map(|d| StreamDelta { raw: None, ..d })
        .collect()
    }

    fn text(choice: u32, kind: SegmentKind, index: u32, text: &str) -> StreamDelta {
        StreamDelta {
            text: text.into(),
            kind,
            choice,
            index,
            tool_name: None,
            done: false,
            raw: None,
            echo: false,
        }
    }

    #[test]
    fn raw_spans_name_the_string_literal() {
        let data = r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\u0040b"}}"#;
        let got = event_delta(
            Api::Anthropic,
            &SseEvent {
                event: None,
                data: data.to_owned(),
                raw: 0..0,
            },
        )
        .unwrap();
        let raw = got[0].raw.clone().unwrap();
        assert_eq!(&data[raw], r#""a\u0040b""#);
        assert_eq!(got[0].text, "a@b");
    }

    #[test]
    fn openai_chat_deltas() {
        let got = deltas(
            Api::OpenaiChat,
            r#"{"id":"c","object":"chat.completion.chunk","model":"gpt-4o","choices":[
              {"index":0,"delta":{"content":"Hi \u0040 \ud83d\ude00"},"finish_reason":null},
              {"index":1,"delta":{"role":"assistant","content":null,"tool_calls":[
                {"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}},
                {"index":1,"function":{"arguments":"{\"a\""}}]}}]}"#,
        );
        let call = StreamDelta::call(1, 0, "f", String::new(), None);
        assert_eq!(
            got,
            [
                text(0, SegmentKind::Text, 0, "Hi @ 😀"),
                call,
                text(1, SegmentKind::ToolArguments, 1, "{\"a\"")
            ]
        );
        assert_eq!(deltas(Api::OpenaiChat, "[DONE]"), [StreamDelta::done(0)]);
        let role_only = r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#;
        assert!(deltas(Api::OpenaiChat, role_only).is_empty());
    }

    #[test]
    fn openai_responses_deltas() {
        let text_delta = r#"{"type":"response.output_text.delta","item_id":"msg_1","output_index":2,"content_index":0,"delta":"Hel"}"#;
        assert_eq!(
            deltas(Api::OpenaiResponses, text_delta),
            [text(0, SegmentKind::Text, 2, "Hel")]
        );
        let added = r#"{"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"c","name":"get_weather","arguments":""}}"#;
        assert_eq!(
            deltas(Api::OpenaiResponses, added),
            [StreamDelta::call(0, 1, "get_weather", String::new(), None)]
        );
        let args = r#"{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":"{\""}"#;
        assert_eq!(
            deltas(Api::OpenaiResponses, args),
            [text(0, SegmentKind::ToolArguments, 1, "{\"")]
        );
        // The `*.done` events repeat the text: an echo, for the stream to
        // mask as the run it repeats.
        let done = r#"{"type":"response.output_text.done","item_id":"msg_1","output_index":0,"text":"Hello"}"#;
        let echo = deltas(Api::OpenaiResponses, done);
        assert_eq!(echo.len(), 1);
        assert!(echo[0].echo);
        assert_eq!(echo[0].text, "Hello");
        // A delta event of a type added later is still text of its item.
        let unknown = r#"{"type":"response.vendor_text.delta","output_index":3,"delta":"Hmm"}"#;
        assert_eq!(
            deltas(Api::OpenaiResponses, unknown),
            [text(0, SegmentKind::Text, 3, "Hmm")]
        );
        let completed = r#"{"type":"response.completed","response":{"status":"completed","usage":{"output_tokens":5}}}"#;
        assert_eq!(
            deltas(Api::OpenaiResponses, completed),
            [StreamDelta::done(0)]
        );
    }

    #[test]
    fn anthropic_deltas() {
        let text_delta = r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#;
        assert_eq!(
            deltas(Api::Anthropic, text_delta),
            [text(0, SegmentKind::Text, 0, "Hello")]
        );
        let start = r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"get_weather","input":{}}}"#;
        assert_eq!(
            deltas(Api::Anthropic, start),
            [StreamDelta::call(0, 1, "get_weather", String::new(), None)]
        );
        let json = r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}"#;
        assert_eq!(
            deltas(Api::Anthropic, json),
            [text(
                0,
                SegmentKind::ToolArguments,
                1,
                "{\"location\": \"San Fra"
            )]
        );
        assert!(deltas(Api::Anthropic, r#"{"type": "ping"}"#).is_empty());
        let thinking = r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hm"}}"#;
        assert_eq!(
            deltas(Api::Anthropic, thinking),
            [text(0, SegmentKind::Text, 0, "hm")]
        );
        assert_eq!(
            deltas(Api::Anthropic, r#"{"type":"message_stop"}"#),
            [StreamDelta::done(0)]
        );
    }

    #[test]
    fn gemini_deltas() {
        let chunk = r#"{"candidates":[{"content":{"parts":[{"text":"Hi"},{"functionCall":{"name":"f","args":{"q":"x y"}}}],"role":"model"},"finishReason":"STOP","index":0}]}"#;
        let mut call = StreamDelta::call(0, 1, "f", r#"{"q":"x y"}"#.into(), None);
        call.kind = SegmentKind::ToolArguments;
        assert_eq!(
            deltas(Api::Gemini, chunk),
            [
                text(0, SegmentKind::Text, 0, "Hi"),
                call,
                StreamDelta::done(0)
            ]
        );
    }

    #[test]
    fn malformed_events_are_errors() {
        let event = |data: &str| SseEvent {
            event: None,
            data: data.into(),
            raw: 0..0,
        };
        for api in Api::ALL {
            assert!(
                matches!(
                    event_delta(api, &event(r#"{"type":"a","type":"b"}"#)),
                    Err(CodecError::DuplicateKey { .. })
                ),
                "{api}"
            );
            assert!(
                matches!(
                    event_delta(api, &event("{\"choices\": [")),
                    Err(CodecError::Json(_))
                ),
                "{api}"
            );
            assert!(event_delta(api, &event("  ")).unwrap().is_empty());
        }
        let shapes = [
            (Api::OpenaiChat, r#"{"choices":{}}"#),
            (Api::OpenaiChat, r#"{"choices":[{"delta":{"content":5}}]}"#),
            (
                Api::OpenaiResponses,
                r#"{"type":"response.output_text.delta","delta":7}"#,
            ),
            (
                Api::Anthropic,
                r#"{"type":"content_block_delta","index":-1,"delta":{}}"#,
            ),
            (
                Api::Gemini,
                r#"{"candidates":[{"content":{"parts":[{"text":1}]}}]}"#,
            ),
            (Api::Gemini, r#"[]"#),
        ];
        for (api, data) in shapes {
            let result = event_delta(api, &event(data));
            assert!(
                matches!(result, Err(CodecError::Shape { .. })),
                "{api} {data}: {result:?}"
            );
        }
    }

    fn assembled(api: Api, stream: &str) -> ResponseView {
        let view = assemble_stream(api, stream.as_bytes()).unwrap();
        assert!(
            view.segments
                .iter()
                .all(|s| s.raw == (0..0) && s.role == Role::Assistant)
        );
        view
    }

    fn segs(view: &ResponseView) -> Vec<(u32, SegmentKind, &str)> {
        view.segments
            .iter()
            .map(|s| (s.message_index, s.kind, s.text.as_str()))
            .collect()
    }

    const CHAT_STREAM: &str = concat!(
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null},{"index":1,"delta":{"content":"Bon"},"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" wor\u006cd \"\ud83d\ude00\""},"finish_reason":null},{"index":1,"delta":{"content":"jour"},"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"loc"}}]},"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ation\":\"Paris\"}"}}]},"finish_reason":null}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        "\n\n",
        r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}"#,
        "\n\n",
        "data: [DONE]\n\n",
    );

    #[test]
    fn assemble_openai_chat() {
        let view = assembled(Api::OpenaiChat, CHAT_STREAM);
        assert_eq!(view.model.as_deref(), Some("gpt-4o-mini"));
        assert_eq!(view.output_tokens, Some(12));
        assert_eq!(view.tool_calls, ["get_weather"]);
        assert_eq!(
            segs(&view),
            [
                (0, SegmentKind::Text, "Hello world \"😀\""),
                (1, SegmentKind::Text, "Bonjour"),
                (0, SegmentKind::ToolArguments, "{\"location\":\"Paris\"}"),
            ]
        );
        // The same stream with CRLF line ends, split anywhere, is the same.
        let crlf = CHAT_STREAM.replace('\n', "\r\n");
        assert_eq!(assembled(Api::OpenaiChat, &crlf), view);
        let mut parser = SseParser::new();
        let mut events = Vec::new();
        for piece in crlf.as_bytes().chunks(7) {
            parser.push(piece, &mut events).unwrap();
        }
        parser.finish(&mut events).unwrap();
        let mut whole = Vec::new();
        let mut parser = SseParser::new();
        parser.push(crlf.as_bytes(), &mut whole).unwrap();
        parser.finish(&mut whole).unwrap();
        assert_eq!(events, whole);
        assert_eq!(events.len(), 9);
        assert_eq!(
            events.last().map(|e| &crlf.as_bytes()[e.raw.clone()]),
            Some(&b"data: [DONE]\r\n\r\n"[..])
        );
    }

    #[test]
    fn assemble_openai_responses() {
        let stream = concat!(
            "event: response.created\n",
            r#"data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","model":"gpt-4.1-2025-04-14","output":[],"usage":null}}"#,
            "\n\nevent: response.output_item.added\n",
            r#"data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_1","type":"message","status":"in_progress","role":"assistant","content":[]}}"#,
            "\n\nevent: response.content_part.added\n",
            r#"data: {"type":"response.content_part.added","sequence_number":2,"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}"#,
            "\n\nevent: response.output_text.delta\n",
            r#"data: {"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi"}"#,
            "\n\nevent: response.output_text.delta\n",
            r#"data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":" there"}"#,
            "\n\nevent: response.output_text.done\n",
            r#"data: {"type":"response.output_text.done","sequence_number":5,"item_id":"msg_1","output_index":0,"content_index":0,"text":"Hi there"}"#,
            "\n\nevent: response.output_item.added\n",
            r#"data: {"type":"response.output_item.added","sequence_number":6,"output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"","status":"in_progress"}}"#,
            "\n\nevent: response.function_call_arguments.delta\n",
            r#"data: {"type":"response.function_call_arguments.delta","sequence_number":7,"item_id":"fc_1","output_index":1,"delta":"{\"location\":"}"#,
            "\n\nevent: response.function_call_arguments.delta\n",
            r#"data: {"type":"response.function_call_arguments.delta","sequence_number":8,"item_id":"fc_1","output_index":1,"delta":"\"Paris\"}"}"#,
            "\n\nevent: response.completed\n",
            r#"data: {"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","status":"completed","model":"gpt-4.1-2025-04-14","output":[],"usage":{"input_tokens":10,"output_tokens":20,"total_tokens":30}}}"#,
            "\n\n",
        );
        let view = assembled(Api::OpenaiResponses, stream);
        assert_eq!(view.model.as_deref(), Some("gpt-4.1-2025-04-14"));
        assert_eq!(view.output_tokens, Some(20));
        assert_eq!(view.tool_calls, ["get_weather"]);
        assert_eq!(
            segs(&view),
            [
                (0, SegmentKind::Text, "Hi there"),
                (0, SegmentKind::ToolArguments, "{\"location\":\"Paris\"}")
            ]
        );
    }

    const ANTHROPIC_STREAM: &str = concat!(
        "event: message_start\n",
        r#"data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"#,
        "\n\nevent: content_block_start\n",
        r#"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        "\n\nevent: ping\n",
        r#"data: {"type": "ping"}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello \u0040"}}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" you"}}"#,
        "\n\nevent: content_block_stop\n",
        r#"data: {"type":"content_block_stop","index":0}"#,
        "\n\nevent: content_block_start\n",
        r#"data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\"}"}}"#,
        "\n\nevent: content_block_stop\n",
        r#"data: {"type":"content_block_stop","index":1}"#,
        "\n\nevent: message_delta\n",
        r#"data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}"#,
        "\n\nevent: message_stop\n",
        r#"data: {"type":"message_stop"}"#,
        "\n\n",
    );

    #[test]
    fn assemble_anthropic() {
        let view = assembled(Api::Anthropic, ANTHROPIC_STREAM);
        assert_eq!(view.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
        assert_eq!(view.output_tokens, Some(89));
        assert_eq!(view.tool_calls, ["get_weather"]);
        assert_eq!(
            segs(&view),
            [
                (0, SegmentKind::Text, "Hello @ you"),
                (
                    0,
                    SegmentKind::ToolArguments,
                    "{\"location\": \"San Francisco, CA\"}"
                ),
            ]
        );
        let mut events = Vec::new();
        let mut parser = SseParser::new();
        parser
            .push(ANTHROPIC_STREAM.as_bytes(), &mut events)
            .unwrap();
        assert_eq!(events[2].event.as_deref(), Some("ping"));
    }

    #[test]
    fn assemble_gemini_sse_and_array() {
        let chunks = [
            r#"{"candidates": [{"content": {"parts": [{"text": "The"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.5-flash"}"#,
            r#"{"candidates": [{"content": {"parts": [{"text": " quick \"brown\" fox \ud83e\udd8a"}],"role": "model"},"index": 0}],"modelVersion": "gemini-2.5-flash"}"#,
            r#"{"candidates": [{"content": {"parts": [{"functionCall": {"name": "jump","args": {"over": "dog"}}}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 12,"totalTokenCount": 20},"modelVersion": "gemini-2.5-flash"}"#,
        ];
        let sse: String = chunks
            .iter()
            .map(|c| format!("data: {c}\r\n\r\n"))
            .collect();
        let array = format!("[{}]", chunks.join(",\r\n"));
        let expect = |view: &ResponseView| {
            assert_eq!(view.model.as_deref(), Some("gemini-2.5-flash"));
            assert_eq!(view.output_tokens, Some(12));
            assert_eq!(view.tool_calls, ["jump"]);
            assert_eq!(
                segs(view),
                [
                    (0, SegmentKind::Text, "The quick \"brown\" fox 🦊"),
                    (0, SegmentKind::ToolArguments, "{\"over\": \"dog\"}")
                ]
            );
        };
        expect(&assembled(Api::Gemini, &sse));
        expect(&assembled(Api::Gemini, &array));
        assert!(matches!(
            assemble_stream(Api::Gemini, b"[{\"candidates\": []}"),
            Err(CodecError::Stream(_))
        ));
        assert!(matches!(
            assemble_stream(Api::Gemini, b"[{\"candidates\": 1}]"),
            Err(CodecError::Shape { .. })
        ));
    }

    #[test]
    fn assemble_errors_and_empty() {
        assert_eq!(
            assemble_stream(Api::OpenaiChat, b"").unwrap(),
            ResponseView::default()
        );
        assert_eq!(
            assemble_stream(Api::OpenaiChat, b": ping\n\n").unwrap(),
            ResponseView::default()
        );
        assert!(matches!(
            assemble_stream(Api::OpenaiChat, b"data: {oops}\n\n"),
            Err(CodecError::Json(_))
        ));
        let huge = format!("data: {}\n\n", "x".repeat(MAX_EVENT_BYTES));
        assert!(matches!(
            assemble_stream(Api::Anthropic, huge.as_bytes()),
            Err(CodecError::Stream(_))
        ));
    }

    /// The deltas of one event, with each delta's `raw` checked to be the
    /// literal of its text.
    fn checked(api: Api, data: &str) -> Vec<StreamDelta> {
        let got = event_delta(
            api,
            &SseEvent {
                event: None,
                data: data.to_owned(),
                raw: 0..0,
            },
        )
        .unwrap();
        for delta in got.iter().filter(|d| !d.done && d.tool_name.is_none()) {
            let raw = delta.raw.clone().expect("a literal to redact");
            let literal: String = serde_json::from_str(&data[raw]).unwrap();
            assert_eq!(literal, delta.text);
        }
        got
    }

    /// The run key of the delta holding `needle`.
    fn run_of(deltas: &[StreamDelta], needle: &str) -> (u32, SegmentKind, u32) {
        let delta = deltas.iter().find(|d| d.text.contains(needle));
        let delta = delta.unwrap_or_else(|| panic!("{needle} not in {deltas:?}"));
        (delta.choice, delta.kind, delta.index)
    }

    #[test]
    fn openai_chat_chunks_scan_reasoning_audio_and_unknown_fields_in_runs_of_their_own() {
        let data = r#"{"id":"c","object":"chat.completion.chunk","model":"m","obfuscation":"xyz","choices":[
          {"index":1,"delta":{"content":"text","reasoning_content":"SECRET-REASONING",
            "audio":{"id":"audio_1","data":"UklGRg==","transcript":"SECRET-TRANSCRIPT"},
            "future":{"words":"SECRET-FUTURE"}},"finish_reason":null}]}"#;
        let got = checked(Api::OpenaiChat, data);
        let text = run_of(&got, "text");
        assert_eq!(text, (1, SegmentKind::Text, 0));
        let runs: Vec<_> = ["SECRET-REASONING", "SECRET-TRANSCRIPT", "SECRET-FUTURE"]
            .iter()
            .map(|needle| run_of(&got, needle))
            .collect();
        for run in &runs {
            assert_eq!(run.0, 1, "the choice");
            assert_ne!(*run, text);
        }
        assert!(runs[0] != runs[1] && runs[1] != runs[2] && runs[0] != runs[2]);
        // The same field in the next chunk joins its run.
        let next = r#"{"choices":[{"index":1,"delta":{"reasoning_content":"more"}}]}"#;
        assert_eq!(run_of(&checked(Api::OpenaiChat, next), "more"), runs[0]);
        for not_text in ["UklGRg==", "xyz", "audio_1", "m", "c"] {
            assert!(got.iter().all(|d| d.text != not_text), "{not_text}");
        }
    }

    #[test]
    fn openai_responses_events_scan_reasoning_and_unknown_types() {
        let summary = r#"{"type":"response.reasoning_summary_text.delta","item_id":"rs_1","output_index":0,"summary_index":0,"delta":"SECRET-SUMMARY"}"#;
        let reasoning = r#"{"type":"response.reasoning_text.delta","item_id":"rs_1","output_index":0,"content_index":0,"delta":"SECRET-REASONING"}"#;
        let unknown = r#"{"type":"response.future_text.delta","item_id":"x_1","output_index":3,"delta":"SECRET-FUTURE"}"#;
        let annotation = r#"{"type":"response.output_text.annotation.added","item_id":"msg_1","output_index":1,"content_index":0,"annotation_index":0,"annotation":{"type":"url_citation","url":"https://x","title":"SECRET-TITLE"}}"#;
        let part = r#"{"type":"response.content_part.added","item_id":"msg_1","output_index":1,"content_index":0,"part":{"type":"output_text","text":"SECRET-PART","annotations":[]}}"#;
        let error =
            r#"{"type":"error","code":"server_error","message":"SECRET-ERROR","param":null}"#;
        let mut runs = Vec::new();
        for (data, needle) in [
            (summary, "SECRET-SUMMARY"),
            (reasoning, "SECRET-REASONING"),
            (unknown, "SECRET-FUTURE"),
            (annotation, "SECRET-TITLE"),
            (part, "SECRET-PART"),
            (error, "SECRET-ERROR"),
        ] {
            let got = checked(Api::OpenaiResponses, data);
            runs.push(run_of(&got, needle));
            assert!(
                got.iter()
                    .all(|d| !d.text.starts_with("rs_") && !d.text.starts_with("msg_"))
            );
        }
        assert_eq!(runs[0], (0, SegmentKind::Text, 0));
        assert_ne!(runs[1], runs[0], "reasoning text and summary of one item");
        // Media and the request's own instructions stay out.
        for data in [
            r#"{"type":"response.audio.delta","delta":"UklGRg=="}"#,
            r#"{"type":"response.image_generation_call.partial_image","output_index":0,"partial_image_b64":"iVBOR"}"#,
            r#"{"type":"response.created","response":{"instructions":"CANARY","output":[]}}"#,
        ] {
            assert!(deltas(Api::OpenaiResponses, data).is_empty(), "{data}");
        }
        // The `*.done` repeats are echoes, for the stream to mask as the
        // run they repeat.
        let done = r#"{"type":"response.reasoning_summary_text.done","output_index":0,"text":"SECRET-SUMMARY"}"#;
        let echoes = deltas(Api::OpenaiResponses, done);
        assert!(echoes.iter().all(|d| d.echo), "{echoes:?}");
        assert_eq!(echoes.len(), 1);
    }

    #[test]
    fn anthropic_events_scan_thinking_citations_results_and_unknown_types() {
        let thinking = r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"SECRET-THINKING"}}"#;
        let answer = r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"answer"}}"#;
        let citation = r#"{"type":"content_block_delta","index":1,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"SECRET-CITED","document_index":0,"document_title":"SECRET-DOC","start_char_index":0,"end_char_index":5}}}"#;
        let result = r#"{"type":"content_block_start","index":2,"content_block":{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[{"type":"web_search_result","title":"SECRET-WEB","url":"https://w.example","encrypted_content":"Eqgf"}]}}"#;
        let unknown = r#"{"type":"future_event","payload":{"words":"SECRET-FUTURE"}}"#;
        let mut runs = Vec::new();
        for (data, needle) in [
            (thinking, "SECRET-THINKING"),
            (answer, "answer"),
            (citation, "SECRET-CITED"),
            (citation, "SECRET-DOC"),
            (result, "SECRET-WEB"),
            (unknown, "SECRET-FUTURE"),
        ] {
            let got = checked(Api::Anthropic, data);
            runs.push(run_of(&got, needle));
            assert!(
                got.iter()
                    .all(|d| d.text != "Eqgf" && d.text != "srvtoolu_1")
            );
        }
        assert_eq!(runs[0], (0, SegmentKind::Text, 0));
        assert_eq!(runs[1], (0, SegmentKind::Text, 1));
        for (i, run) in runs.iter().enumerate() {
            assert!(!runs[..i].contains(run), "{runs:?}");
        }
        let signature = r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCkgIARAB"}}"#;
        assert!(deltas(Api::Anthropic, signature).is_empty());
        let redacted = r#"{"type":"content_block_start","index":3,"content_block":{"type":"redacted_thinking","data":"EmwKAhgB"}}"#;
        assert!(deltas(Api::Anthropic, redacted).is_empty());
    }

    #[test]
    fn gemini_chunks_scan_code_execution_and_metadata_in_runs_of_their_own() {
        let chunk = r#"{"candidates":[{"content":{"role":"model","parts":[
            {"text":"answer"},
            {"executableCode":{"language":"PYTHON","code":"SECRET-CODE"}},
            {"codeExecutionResult":{"outcome":"OUTCOME_OK","output":"SECRET-OUTPUT"}},
            {"inlineData":{"mimeType":"image/png","data":"iVBORw0K"}}]},
            "citationMetadata":{"citationSources":[{"uri":"https://c.example","title":"SECRET-CITED"}]},"index":1}],
          "modelVersion":"gemini-2.5-flash","responseId":"r-1"}"#;
        let got = checked(Api::Gemini, chunk);
        let text = run_of(&got, "answer");
        assert_eq!(text, (1, SegmentKind::Text, 0));
        let runs: Vec<_> = ["SECRET-CODE", "SECRET-OUTPUT", "SECRET-CITED"]
            .iter()
            .map(|needle| run_of(&got, needle))
            .collect();
        for (i, run) in runs.iter().enumerate() {
            assert_eq!(run.0, 1);
            assert_ne!(*run, text);
            assert!(!runs[..i].contains(run));
        }
        for not_text in [
            "iVBORw0K",
            "PYTHON",
            "OUTCOME_OK",
            "gemini-2.5-flash",
            "r-1",
        ] {
            assert!(got.iter().all(|d| d.text != not_text), "{not_text}");
        }
    }
}
