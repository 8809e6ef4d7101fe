//! What a stream event adds to a response: text fragments
//! ([`StreamDelta`]) and facts about the response ([`StreamMeta`]). Each
//! API's codec produces them from its own events ([`super::events`]); the
//! streaming inspector scans them as they settle. The generic walk of
//! event members a codec does not know (`scan_deltas`) lives here too,
//! beside the type it produces, so the codec's root module never imports
//! its own child.

use std::ops::Range;

use super::json::{self, Node, Value};
use super::{SegmentKind, is_media, is_scalar, mix, skipped, structural};

/// A piece of text one stream event adds to the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDelta {
    /// The text fragment (may be empty on a tool-call start or a `done`).
    pub text: String,
    /// Completion text or tool-call arguments.
    pub kind: SegmentKind,
    /// The choice / candidate it belongs to (0 for APIs with one).
    pub choice: u32,
    /// Which run of text within the choice this extends: the tool call's
    /// `index` (OpenAI chat), the content block `index` (Anthropic), the
    /// `output_index` (OpenAI responses), the part's position (Gemini
    /// calls); 0 for OpenAI chat and Gemini text. Runs are keyed by
    /// `(choice, kind, index)`.
    pub index: u32,
    /// Set on the first delta of a tool call: its name. A delta with a name
    /// starts a new run even if its key was used before.
    pub tool_name: Option<String>,
    /// Byte range, in the event's data, of the JSON string literal (quotes
    /// included) whose decoded value is the `text` field; `None` when
    /// the text is not one string (Gemini's `args` object, `done`). A
    /// streaming redactor rewrites exactly this literal.
    pub raw: Option<Range<usize>>,
    /// The stream is complete (OpenAI `[DONE]`, `response.completed`,
    /// Anthropic `message_stop`; for Gemini, a candidate's `finishReason`).
    pub done: bool,
    /// Text outside the deltas: a string of an event that repeats a run
    /// whole (the Responses API's `*.done` events, `response.completed`)
    /// or adds text no delta carried. The stream masks it as the run it
    /// repeats, or inspects it as new text; never passes it unread.
    pub echo: bool,
}

impl StreamDelta {
    /// A fragment of text; `None` when empty (nothing to scan).
    pub(crate) fn text(
        choice: u32,
        kind: SegmentKind,
        index: u32,
        text: &json::Str<'_>,
    ) -> Option<StreamDelta> {
        (!text.text.is_empty()).then(|| StreamDelta {
            text: text.text.to_string(),
            kind,
            choice,
            index,
            tool_name: None,
            done: false,
            raw: Some(text.raw.clone()),
            echo: false,
        })
    }

    /// A string outside the deltas (see [`StreamDelta::echo`]); `None`
    /// when empty.
    pub(crate) fn echo(text: &json::Str<'_>) -> Option<StreamDelta> {
        StreamDelta::text(0, SegmentKind::Text, 0, text).map(|delta| StreamDelta {
            echo: true,
            ..delta
        })
    }

    /// The start of a tool call named `name`.
    pub(crate) fn call(
        choice: u32,
        index: u32,
        name: &str,
        args: String,
        raw: Option<Range<usize>>,
    ) -> StreamDelta {
        StreamDelta {
            text: args,
            kind: SegmentKind::ToolArguments,
            choice,
            index,
            tool_name: Some(name.to_owned()),
            done: false,
            raw,
            echo: false,
        }
    }

    /// The start of a tool call when it is named, else a fragment of its
    /// arguments (`None` when empty).
    /// `args` is the arguments' text and `raw` the literal it was decoded
    /// from, when it was one JSON string.
    pub(crate) fn tool(
        choice: u32,
        index: u32,
        name: Option<&str>,
        args: &str,
        raw: Option<Range<usize>>,
    ) -> Option<StreamDelta> {
        match name {
            Some(name) => Some(StreamDelta::call(choice, index, name, args.to_owned(), raw)),
            None => (!args.is_empty()).then(|| StreamDelta {
                text: args.to_owned(),
                kind: SegmentKind::ToolArguments,
                choice,
                index,
                tool_name: None,
                done: false,
                raw,
                echo: false,
            }),
        }
    }

    /// The end of the stream (or of one Gemini candidate).
    pub(crate) fn done(choice: u32) -> StreamDelta {
        StreamDelta {
            text: String::new(),
            kind: SegmentKind::Text,
            choice,
            index: 0,
            tool_name: None,
            done: true,
            raw: None,
            echo: false,
        }
    }
}

/// What a stream says about the response besides its text; later events
/// overwrite earlier ones (usage counts in streams are cumulative).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamMeta {
    /// The model that answers.
    pub model: Option<String>,
    /// Output tokens from the latest usage block seen.
    pub output_tokens: Option<u64>,
    /// The `sequence_number` of the latest Responses API event.
    pub last_sequence: Option<u64>,
}

/// Stream deltas for every string under `node` (as [`Scan::Strings`]),
/// each in a run of its own field: the run index is a hash of `seed` (the
/// event type, block or item) and the path from it, with the top bit set so
/// it never meets the small indices of known runs. Text of one field in
/// successive events joins up; text of different fields never does.
pub(super) fn scan_deltas(node: &Node<'_>, choice: u32, seed: u32, out: &mut Vec<StreamDelta>) {
    match &node.value {
        Value::String(s) => {
            out.extend(StreamDelta::text(
                choice,
                SegmentKind::Text,
                seed | 1 << 31,
                s,
            ));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                scan_deltas(item, choice, mix(seed, &i.to_le_bytes()), out);
            }
        }
        Value::Object(members) => {
            let media = is_media(node);
            for (key, value) in members {
                if !(structural(&key.text) && is_scalar(value) || media && key.text == "data") {
                    scan_deltas(value, choice, mix(seed, key.text.as_bytes()), out);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// [`scan_deltas`] over the members of `object` not in `skip`.
pub(super) fn scan_rest_deltas(
    object: &Node<'_>,
    skip: &[&str],
    choice: u32,
    seed: u32,
    out: &mut Vec<StreamDelta>,
) {
    let Some(members) = object.as_object() else {
        return scan_deltas(object, choice, seed, out);
    };
    for (key, value) in members {
        if !skipped(&key.text, value, skip) {
            scan_deltas(value, choice, mix(seed, key.text.as_bytes()), out);
        }
    }
}
