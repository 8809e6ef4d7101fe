//! Rewriting bodies: masked spans and output-token caps, every other byte
//! of the document unchanged.
//!
//! A redaction never re-serialises the document. Each affected JSON string
//! literal is re-encoded on its own (the segment's decoded text with the
//! masks spliced in) and written over the literal's bytes, which the codec
//! recorded. A number in free-form JSON (a card number in a tool's input)
//! cannot hold a mask, so its literal becomes a JSON string of the masked
//! digits; an object key is rewritten in place like any string. The result
//! is valid JSON that differs from the input only inside the redacted
//! literals — and in the cap members, when a cap was set. (Two keys of one
//! object masked to the same text would collide; the upstream then sees a
//! duplicate key, which is still valid JSON and holds no matched text.)

use std::ops::Range;

use crate::codec::json::write_string;
use crate::codec::{Api, RequestView, Segment};
use crate::decision::Redaction;

/// One replacement of a byte range of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Bytes replaced (empty for an insertion).
    pub range: Range<usize>,
    /// New bytes.
    pub replacement: String,
}

/// Why edits could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// Two edits touch the same bytes, or one lies outside the body.
    #[error("edits overlap or fall outside the body")]
    Conflict,
    /// A redaction names a segment that has no bytes of its own in the body
    /// (text assembled from a stream); the streaming inspector redacts those.
    #[error("segment {0} has no literal in the body")]
    NoLiteral(u32),
}

/// Applies non-overlapping edits to `body`.
pub fn splice(body: &[u8], mut edits: Vec<Edit>) -> Result<Vec<u8>, EditError> {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = Vec::with_capacity(body.len() + 64);
    let mut at = 0usize;
    for edit in &edits {
        if edit.range.start < at || edit.range.end > body.len() || edit.range.start > edit.range.end
        {
            return Err(EditError::Conflict);
        }
        out.extend_from_slice(&body[at..edit.range.start]);
        out.extend_from_slice(edit.replacement.as_bytes());
        at = edit.range.end;
    }
    out.extend_from_slice(&body[at..]);
    Ok(out)
}

/// Masks `text` at `spans` (byte ranges on char boundaries, any order,
/// possibly overlapping: overlapping spans merge and take the first mask).
pub fn mask_text(text: &str, spans: &[(Range<usize>, &str)]) -> String {
    let mut spans: Vec<(Range<usize>, &str)> = spans
        .iter()
        .filter(|(r, _)| r.start < r.end && r.end <= text.len())
        .filter(|(r, _)| text.is_char_boundary(r.start) && text.is_char_boundary(r.end))
        .cloned()
        .collect();
    spans.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for (range, mask) in spans {
        if range.end <= at {
            continue; // inside an earlier mask
        }
        if range.start >= at {
            out.push_str(&text[at..range.start]);
            out.push_str(mask);
        }
        // A span that starts inside the previous mask extends it silently.
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A span of a segment's text and its mask.
type MaskSpan<'a> = (Range<usize>, &'a str);

/// Edits that apply `redactions` to the literals of `segments`.
pub fn redaction_edits(
    segments: &[Segment],
    redactions: &[Redaction],
) -> Result<Vec<Edit>, EditError> {
    let mut by_segment: Vec<(u32, Vec<MaskSpan<'_>>)> = Vec::new();
    for r in redactions {
        match by_segment.iter_mut().find(|(s, _)| *s == r.segment) {
            Some((_, spans)) => spans.push((r.span.clone(), r.mask.as_str())),
            None => by_segment.push((r.segment, vec![(r.span.clone(), r.mask.as_str())])),
        }
    }
    let mut edits = Vec::with_capacity(by_segment.len());
    for (index, spans) in by_segment {
        let segment = segments
            .get(index as usize)
            .ok_or(EditError::NoLiteral(index))?;
        if segment.raw.is_empty() {
            return Err(EditError::NoLiteral(index));
        }
        let mut literal = String::with_capacity(segment.raw.len() + 16);
        write_string(&mut literal, &mask_text(&segment.text, &spans));
        edits.push(Edit {
            range: segment.raw.clone(),
            replacement: literal,
        });
    }
    Ok(edits)
}

/// The edits that lower (or insert) the output-token cap of a request.
///
/// Every cap member the request has ([`RequestView::cap_fields`]) whose
/// value is not already an integer at or under `cap` (a larger number,
/// `null`, a string) is replaced by `cap`, so no spelling is left for the
/// upstream to prefer; a cap is inserted only when the request has no cap
/// member at all. Empty when every member is already at or under `cap`, or
/// the API has no such field (embeddings).
pub fn cap_edit(api: Api, view: &RequestView, body: &[u8], cap: u64) -> Vec<Edit> {
    if !view.cap_fields.is_empty() {
        return view
            .cap_fields
            .iter()
            .filter(|field| field.container || field.value.is_none_or(|v| v > cap))
            .map(|field| Edit {
                range: field.raw.clone(),
                replacement: if field.container {
                    format!("{{\"maxOutputTokens\":{cap}}}")
                } else {
                    cap.to_string()
                },
            })
            .collect();
    }
    cap_insert(api, view, body, cap).into_iter().collect()
}

/// The cap member inserted where the codec said, for a request with none.
fn cap_insert(api: Api, view: &RequestView, body: &[u8], cap: u64) -> Option<Edit> {
    let at = view.cap_insert_at?;
    let top_level = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|p| p + 1)
        == Some(at);
    let mut member = match api {
        // Gemini's cap lives in generationConfig; the codec points
        // into it when the request has one.
        Api::Gemini if top_level => {
            format!("\"generationConfig\":{{\"maxOutputTokens\":{cap}}}")
        }
        Api::Gemini => format!("\"maxOutputTokens\":{cap}"),
        Api::OpenaiResponses => format!("\"max_output_tokens\":{cap}"),
        Api::OpenaiChat => format!("\"max_completion_tokens\":{cap}"),
        Api::Anthropic => format!("\"max_tokens\":{cap}"),
        Api::OpenaiEmbeddings => return None,
    };
    let empty_object = body.get(at..)?.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
    if !empty_object {
        member.push(',');
    }
    Some(Edit {
        range: at..at,
        replacement: member,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_text_merges_overlaps_and_keeps_the_rest() {
        let text = "mail a@b.co or c@d.io now";
        let masked = mask_text(text, &[(15..21, "[E]"), (5..11, "[E]"), (6..9, "[X]")]);
        assert_eq!(masked, "mail [E] or [E] now");
    }

    /// The body with the cap applied, parsed: it must stay valid JSON.
    fn capped(api: Api, body: &str, cap: u64) -> serde_json::Value {
        let view = crate::codec::decode_request(api, body.as_bytes()).unwrap();
        let edits = cap_edit(api, &view, body.as_bytes(), cap);
        let out = splice(body.as_bytes(), edits).unwrap();
        // Our parser too: the rewrite must not add a duplicate key.
        let parsed = crate::codec::decode_request(api, &out).unwrap();
        assert!(
            parsed.max_tokens.as_ref().is_some_and(|m| m.value <= cap),
            "{parsed:?}"
        );
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn cap_replaces_every_cap_member_whatever_its_value() {
        let msgs = r#""messages":[{"role":"user","content":"hi"}]"#;
        let chat = |extra: &str| format!("{{{msgs}{extra}}}");
        // `null` after the place a cap used to be inserted: replaced.
        let out = capped(
            Api::OpenaiChat,
            &chat(r#","max_completion_tokens":null"#),
            64,
        );
        assert_eq!(out["max_completion_tokens"], 64);
        // Both spellings: each is capped, the one under the cap kept.
        let out = capped(
            Api::OpenaiChat,
            &chat(r#","max_tokens":9000,"max_completion_tokens":null"#),
            64,
        );
        assert_eq!(
            (&out["max_tokens"], &out["max_completion_tokens"]),
            (&64.into(), &64.into())
        );
        let out = capped(
            Api::OpenaiChat,
            &chat(r#","max_tokens":10,"max_completion_tokens":900"#),
            64,
        );
        assert_eq!(
            (&out["max_tokens"], &out["max_completion_tokens"]),
            (&10.into(), &64.into())
        );
        // None at all: inserted.
        let out = capped(Api::OpenaiChat, &chat(""), 64);
        assert_eq!(out["max_completion_tokens"], 64);
        let out = capped(
            Api::OpenaiResponses,
            r#"{"input":"hi","max_output_tokens":null}"#,
            32,
        );
        assert_eq!(out["max_output_tokens"], 32);
        let out = capped(
            Api::Anthropic,
            &format!(r#"{{{msgs},"max_tokens":null}}"#),
            16,
        );
        assert_eq!(out["max_tokens"], 16);
        let gemini = r#"{"contents":[],"generationConfig":{"maxOutputTokens":null}}"#;
        let out = capped(Api::Gemini, gemini, 8);
        assert_eq!(out["generationConfig"]["maxOutputTokens"], 8);
        let gemini = r#"{"contents":[],"generation_config":{"max_output_tokens":99999}}"#;
        let out = capped(Api::Gemini, gemini, 8);
        assert_eq!(out["generation_config"]["max_output_tokens"], 8);
        // A null generationConfig becomes the cap's object, not a second one.
        let out = capped(Api::Gemini, r#"{"contents":[],"generationConfig":null}"#, 8);
        assert_eq!(
            out["generationConfig"],
            serde_json::json!({"maxOutputTokens": 8})
        );
        let out = capped(Api::Gemini, r#"{"contents":[]}"#, 8);
        assert_eq!(
            out["generationConfig"],
            serde_json::json!({"maxOutputTokens": 8})
        );
    }

    #[test]
    fn splice_refuses_overlapping_edits() {
        let edits = vec![
            Edit {
                range: 0..3,
                replacement: "x".into(),
            },
            Edit {
                range: 2..4,
                replacement: "y".into(),
            },
        ];
        assert_eq!(splice(b"abcdef", edits), Err(EditError::Conflict));
        let ok = vec![
            Edit {
                range: 4..4,
                replacement: "Z".into(),
            },
            Edit {
                range: 0..1,
                replacement: "A".into(),
            },
        ];
        assert_eq!(splice(b"abcdef", ok).unwrap(), b"AbcdZef");
    }
}
