//! Audit events over log lines that cannot hold them whole.
//!
//! nginx cuts every error-log line at `NGX_MAX_ERROR_STR` (2,048 bytes,
//! prefix included) and appends `, client: …, request: "…"` to lines
//! logged in a request. An event longer than a line is written as parts —
//! `aimsgate.audit.part/1 <chain> <k>/<n> <bytes> <text>` — which [`Joiner`]
//! puts back together; the byte count says where each part's text ends,
//! whatever the proxy appends after it.

use std::collections::HashMap;

/// What starts a part line.
pub const PART_MARKER: &str = "aimsgate.audit.part/1 ";

/// Splits `line` (a sealed event of chain `chain`) into part lines whose
/// text is at most `max` bytes each (cut at character boundaries); a line
/// that fits is returned as it is.
pub fn split(chain: &str, line: &str, max: usize) -> Vec<String> {
    if line.len() <= max {
        return vec![line.to_owned()];
    }
    let max = max.max(4);
    let mut pieces = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let mut end = rest.len().min(max);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        pieces.push(&rest[..end]);
        rest = &rest[end..];
    }
    let n = pieces.len();
    pieces
        .iter()
        .enumerate()
        .map(|(i, text)| format!("{PART_MARKER}{chain} {}/{n} {} {text}", i + 1, text.len()))
        .collect()
}

/// What one log line gave a [`Joiner`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joined<'a> {
    /// Not a part: the line as it is.
    Line(&'a str),
    /// A part of an event still incomplete.
    Pending,
    /// The last part: the whole event line.
    Event(String),
    /// A part that cannot be placed (missing or reordered parts, a cut
    /// line), and why. The event it belonged to is lost.
    Broken(String),
}

/// Puts split events back together, line by line. Parts of one chain come
/// in order (a worker logs them one after the other); chains may
/// interleave (workers share the log).
#[derive(Debug, Default)]
pub struct Joiner {
    pending: HashMap<String, (usize, usize, String)>,
}

impl Joiner {
    /// Feeds the next log line.
    pub fn feed<'a>(&mut self, line: &'a str) -> Joined<'a> {
        // A part's marker starts the line's text (after the proxy's own
        // prefix and a space), before any event in it: the same words
        // inside an event (a model name a client chose, say) are text.
        let event_at = line.find(super::event::MARKER).unwrap_or(line.len());
        let Some(at) = line
            .match_indices(PART_MARKER)
            .map(|(at, _)| at)
            .take_while(|at| *at < event_at)
            .find(|at| *at == 0 || line.as_bytes()[at - 1] == b' ')
        else {
            return Joined::Line(line);
        };
        let Some((chain, k, n, text)) = parse(&line[at + PART_MARKER.len()..]) else {
            return Joined::Broken("a part line that is cut or malformed".to_owned());
        };
        let entry = self.pending.remove(chain);
        let mut joined = match entry {
            None if k == 1 => String::new(),
            Some((next, total, text)) if next == k && total == n => text,
            Some(_) => {
                return Joined::Broken(format!(
                    "part {k}/{n} of chain {chain} does not follow the part before it"
                ));
            }
            None => return Joined::Broken(format!("part {k}/{n} of chain {chain} has no part 1")),
        };
        joined.push_str(text);
        if k == n {
            return Joined::Event(joined);
        }
        self.pending.insert(chain.to_owned(), (k + 1, n, joined));
        Joined::Pending
    }

    /// Chains whose last event never got its last part.
    pub fn unfinished(&self) -> Vec<String> {
        let mut chains: Vec<String> = self.pending.keys().cloned().collect();
        chains.sort();
        chains
    }
}

/// `<chain> <k>/<n> <bytes> <text…>` → its fields, the text cut to its
/// byte count (the proxy's suffix dropped).
fn parse(rest: &str) -> Option<(&str, usize, usize, &str)> {
    let (chain, rest) = rest.split_once(' ')?;
    let (position, rest) = rest.split_once(' ')?;
    let (bytes, rest) = rest.split_once(' ')?;
    let (k, n) = position.split_once('/')?;
    let (k, n): (usize, usize) = (k.parse().ok()?, n.parse().ok()?);
    let bytes: usize = bytes.parse().ok()?;
    if k == 0 || k > n {
        return None;
    }
    Some((chain, k, n, rest.get(..bytes)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client's text that reads like a part marker (a model name, say)
    /// inside a whole event is text: the event is read, not swallowed.
    #[test]
    fn a_marker_inside_an_event_is_text() {
        let line = r#"[info] wasm log aimsgate: {"schema":"aimsgate.audit/1","gen_ai.request.model":"aimsgate.audit.part/1 x 1/1 2 hi","digest":"00"}"#;
        let mut joiner = Joiner::default();
        assert_eq!(joiner.feed(line), Joined::Line(line));
    }

    #[test]
    fn split_events_join_back_whatever_the_proxy_appends() {
        let line = format!(
            "{{\"schema\":\"aimsgate.audit/1\",\"x\":\"{}é\"}}",
            "a".repeat(5000)
        );
        let parts = split("c1", &line, 1600);
        assert_eq!(parts.len(), 4);
        let mut joiner = Joiner::default();
        let mut got = None;
        for (i, part) in parts.iter().enumerate() {
            // nginx's prefix and suffix around each line; another chain's
            // line in between.
            let logged = format!(
                "2026/12/03 [info] *1 {part}, client: 127.0.0.1, request: \"POST /?key=k\""
            );
            match joiner.feed(&logged) {
                Joined::Event(event) => got = Some(event),
                Joined::Pending => assert!(i + 1 < parts.len()),
                other => panic!("{other:?}"),
            }
            assert_eq!(joiner.feed("other line"), Joined::Line("other line"));
        }
        assert_eq!(got.as_deref(), Some(line.as_str()));
        assert!(joiner.unfinished().is_empty());
        // A line that fits is left alone.
        assert_eq!(split("c1", "short", 1600), vec!["short".to_owned()]);
    }

    #[test]
    fn missing_or_cut_parts_are_reported_not_joined() {
        let line = "x".repeat(100);
        let parts = split("c1", &line, 40);
        let mut joiner = Joiner::default();
        assert_eq!(joiner.feed(&parts[0]), Joined::Pending);
        assert!(matches!(joiner.feed(&parts[2]), Joined::Broken(_)));
        let mut joiner = Joiner::default();
        assert!(matches!(joiner.feed(&parts[1]), Joined::Broken(_)));
        let cut = &parts[0][..parts[0].len() - 5];
        assert!(matches!(Joiner::default().feed(cut), Joined::Broken(_)));
        let mut joiner = Joiner::default();
        joiner.feed(&parts[0]);
        assert_eq!(joiner.unfinished(), vec!["c1".to_owned()]);
    }
}
