//! Hash chains: sealing events as they are written, opening them again.
//!
//! An event's digest is SHA-256 over the exact bytes of its line up to the
//! closing brace, without the `digest` member, which is always last:
//!
//! ```text
//! {"schema":"aimsgate.audit/1",…,"aimsgate.chain.prev":"<hex>",…,"digest":"<hex>"}
//! └──────────────── hashed, with a closing `}` ─────────────────┘
//! ```
//!
//! Hashing the bytes as written (rather than a canonical re-serialisation)
//! means a verifier needs no knowledge of member order or number formats,
//! and any byte changed anywhere, including an added member, breaks it.
//!
//! A chain's own events (start, checkpoints, end) may also be signed, when
//! the runtime holds a checkpoint key. The signature member comes just
//! before the digest and signs the bytes before it, the same way:
//!
//! ```text
//! {"schema":…,"aimsgate.chain.signature":"<key id>:<sig>","digest":"<hex>"}
//! └──── signed, with a closing `}` ────┘
//! └──────────────────────── hashed, with a closing `}` ─────────────┘
//! ```
//!
//! A signed checkpoint's `prev` commits to every event before it, so one
//! signature covers the chain up to there.

use hmac::{Hmac, Mac};
use sha2::{Digest as _, Sha256};

use super::event::{AuditEvent, MARKER, SCHEMA};
use crate::signing::{SIGNATURE_TEXT_LEN, Signer25519};

/// `prev` of a chain's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const DIGEST_MEMBER: &str = ",\"digest\":\"";

/// The signature member, when there is one: always just before the digest.
const SIGNATURE_MEMBER: &str = ",\"aimsgate.chain.signature\":\"";

/// Where nginx's suffix to a request's log line may begin, after an
/// event: ` while <action>` when the connection's log has an action (the
/// upstream phases: "reading response header from upstream", "sending to
/// client", …), then `, client: …` (nginx 1.26
/// src/http/ngx_http_request.c:3880-3890, `ngx_http_log_error`). Neither
/// is JSON text after a string's closing quote and an object's end, so
/// neither can occur inside an event.
const NGINX_SUFFIXES: [&str; 2] = ["\"} while ", "\"}, client: "];

/// One chain of events: what a VM appends its events to.
#[derive(Debug, Clone)]
pub struct Chain {
    id: String,
    next: u64,
    head: String,
}

/// A sealed event: its line (no newline), sequence number and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Sequence number given.
    pub seq: u64,
    /// The event's digest, hex.
    pub digest: String,
    /// The JSON line.
    pub line: String,
}

impl Chain {
    /// A new chain named `id` (unique per VM: random bits and a start time).
    pub fn new(id: impl Into<String>) -> Chain {
        Chain {
            id: id.into(),
            next: 0,
            head: GENESIS.to_owned(),
        }
    }

    /// The chain id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Sequence number the next event gets.
    pub fn next_seq(&self) -> u64 {
        self.next
    }

    /// Digest of the last sealed event ([`GENESIS`] before the first).
    pub fn head(&self) -> &str {
        &self.head
    }

    /// Gives `event` its place in the chain and writes its line.
    pub fn seal(&mut self, event: AuditEvent) -> Sealed {
        self.seal_signed(event, None)
    }

    /// [`Chain::seal`], signed by `signer` when there is one.
    pub fn seal_signed(&mut self, mut event: AuditEvent, signer: Option<&Signer25519>) -> Sealed {
        event.schema = SCHEMA.to_owned();
        event.chain_id.clone_from(&self.id);
        event.seq = self.next;
        event.prev.clone_from(&self.head);
        event.signature = None;
        event.digest = None;
        // Serialising a struct of strings, numbers and vectors cannot fail;
        // an empty line would only fail verification, never the proxy.
        let mut line = serde_json::to_string(&event).unwrap_or_default();
        if let Some(signer) = signer {
            let signature = signer.sign_text(line.as_bytes());
            line.pop();
            line.push_str(SIGNATURE_MEMBER);
            line.push_str(&signature);
            line.push_str("\"}");
        }
        let digest = hex(&Sha256::digest(line.as_bytes()));
        line.pop();
        line.push_str(DIGEST_MEMBER);
        line.push_str(&digest);
        line.push_str("\"}");
        let sealed = Sealed {
            seq: self.next,
            digest: digest.clone(),
            line,
        };
        self.next += 1;
        self.head = digest;
        sealed
    }
}

/// An event found in a line, with its digest checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened<'a> {
    /// The event's JSON, digest member included.
    pub json: &'a str,
    /// The digest the line claims.
    pub claimed: &'a str,
    /// Whether the bytes hash to the claimed digest.
    pub intact: bool,
    /// The signature member's value and where the signed bytes end, for a
    /// signed event.
    signature: Option<(&'a str, usize)>,
}

impl<'a> Opened<'a> {
    /// For a signed event: the signature (`<key id>:<signature>`) and the
    /// bytes it signs.
    pub fn signature(&self) -> Option<(&'a str, String)> {
        let (signature, end) = self.signature?;
        let mut signed = self.json[..end].to_owned();
        signed.push('}');
        Some((signature, signed))
    }
}

/// Why a line holds no readable event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// No `{"schema":"aimsgate.audit/` in the line: not an audit event.
    #[error("no audit event in this line")]
    NotAnEvent,
    /// An event of another schema version.
    #[error("audit schema `{0}` is not {SCHEMA}")]
    Schema(String),
    /// The line does not end with a digest member: truncated or edited.
    #[error("the event does not end with its digest (truncated or edited)")]
    NoDigest,
}

/// Finds the audit event in a log line (the proxy may prefix its own
/// fields) and checks its digest.
pub fn open(line: &str) -> Result<Opened<'_>, OpenError> {
    let start = line.find(MARKER).ok_or(OpenError::NotAnEvent)?;
    let json = line[start..].trim_end();
    // nginx appends `[ while …], client: …, server: …, request: "…"` to
    // every line logged in a request. The event ends where that starts.
    let json = match NGINX_SUFFIXES
        .iter()
        .filter_map(|suffix| unescaped(json, suffix))
        .min()
    {
        Some(at) => &json[..at + 2],
        None => json,
    };
    let schema_end = json[MARKER.len()..]
        .find('"')
        .map_or(json.len(), |i| MARKER.len() + i);
    let schema = &json["{\"schema\":\"".len()..schema_end];
    if schema != SCHEMA {
        return Err(OpenError::Schema(schema.to_owned()));
    }
    // `…,"digest":"<64 hex>"}`
    let tail = DIGEST_MEMBER.len() + 64 + 2;
    let split = json.len().checked_sub(tail).ok_or(OpenError::NoDigest)?;
    let (body, member) = (json.get(..split), json.get(split..));
    let (Some(body), Some(member)) = (body, member) else {
        return Err(OpenError::NoDigest);
    };
    let claimed = member
        .strip_prefix(DIGEST_MEMBER)
        .and_then(|m| m.strip_suffix("\"}"))
        .filter(|d| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(OpenError::NoDigest)?;
    let mut hasher = Sha256::new();
    hasher.update(body.as_bytes());
    hasher.update(b"}");
    let intact = hex(&hasher.finalize()) == claimed.to_ascii_lowercase();
    // `…,"aimsgate.chain.signature":"<145 characters>"` ends the body.
    let signature = body
        .len()
        .checked_sub(SIGNATURE_MEMBER.len() + SIGNATURE_TEXT_LEN + 1)
        .and_then(|start| {
            let member = body.get(start..)?;
            let value = member.strip_prefix(SIGNATURE_MEMBER)?.strip_suffix('"')?;
            Some((value, start))
        });
    Ok(Opened {
        json,
        claimed,
        intact,
        signature,
    })
}

/// The first `needle` (which starts with `"`) in `json` whose quote is not
/// escaped inside a string (`\"` preceded by an odd run of backslashes).
fn unescaped(json: &str, needle: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = json[from..].find(needle) {
        let at = from + found;
        let backslashes = json[..at].bytes().rev().take_while(|b| *b == b'\\').count();
        if backslashes % 2 == 0 {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Keyed fingerprint of matched text: HMAC-SHA-256 under `key`, first 16
/// bytes as hex. Equal texts give equal fingerprints under one key; without
/// the key nothing about the text can be recovered or confirmed.
pub fn fingerprint(key: &[u8], text: &[u8]) -> String {
    // HMAC takes keys of any length; the error type exists for fixed-size MACs.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(text);
    let bytes = mac.finalize().into_bytes();
    hex(&bytes[..16])
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::names;

    fn event(name: &str) -> AuditEvent {
        AuditEvent {
            name: name.to_owned(),
            time_unix_nano: 1,
            runtime: "test/0".to_owned(),
            ..AuditEvent::default()
        }
    }

    #[test]
    fn an_event_in_an_nginx_error_log_line_opens_with_its_suffix() {
        let mut chain = Chain::new("c1");
        let sealed = chain.seal(event(names::DECISION));
        let line = format!(
            "2026/12/03 10:00:00 [info] 7#0: *1 [proxy-wasm] {}, client: 127.0.0.1, server: _, request: \"POST /v1/x?key=k HTTP/1.1\", host: \"a\"",
            sealed.line
        );
        let opened = open(&line).unwrap();
        assert!(opened.intact);
        assert_eq!(opened.json, sealed.line);
        // A string in the event that reads like nginx's suffix does not
        // end it early: its quote is escaped.
        let sealed = chain.seal(event("x\"}, client: y"));
        let line = format!("{}, client: 127.0.0.1", sealed.line);
        let opened = open(&line).unwrap();
        assert!(opened.intact);
        assert_eq!(opened.json, sealed.line);
        // Cut by nginx's line limit: not an intact event.
        let cut = &line[..line.len() - sealed.line.len() / 2 - 90];
        assert_eq!(open(cut), Err(OpenError::NoDigest));
    }

    /// Logged while nginx sends the response, the suffix starts with the
    /// connection's action (as a real ngx_wasm_module log showed).
    #[test]
    fn an_event_logged_while_nginx_sends_the_response_opens_too() {
        let mut chain = Chain::new("c1");
        let sealed = chain.seal(event("x\"} while y"));
        let line = format!(
            "2026/12/03 13:06:42 [info] 2580#0: *3 [proxy-wasm][\"aimsgate\" #2] {} while sending to client, client: 127.0.0.1, server: api.openai.com, request: \"POST /v1/chat/completions HTTP/1.1\", upstream: \"http://127.0.0.1:9000/v1/chat/completions\", host: \"api.openai.com\"",
            sealed.line
        );
        let opened = open(&line).unwrap();
        assert!(opened.intact);
        assert_eq!(opened.json, sealed.line);
    }

    #[test]
    fn sealed_lines_open_intact_and_link() {
        let mut chain = Chain::new("c1");
        let first = chain.seal(event(names::CHAIN_START));
        let second = chain.seal(event(names::DECISION));
        assert_eq!((first.seq, second.seq), (0, 1));
        let opened = open(&second.line).unwrap();
        assert!(opened.intact);
        assert_eq!(opened.claimed, second.digest);
        let parsed: AuditEvent = serde_json::from_str(opened.json).unwrap();
        assert_eq!(parsed.prev, first.digest);
        assert_eq!(parsed.digest.as_deref(), Some(second.digest.as_str()));
        let first: AuditEvent = serde_json::from_str(&first.line).unwrap();
        assert_eq!(first.prev, GENESIS);
    }

    #[test]
    fn any_edit_breaks_the_digest() {
        let mut chain = Chain::new("c1");
        let line = chain.seal(event(names::DECISION)).line;
        let prefixed = format!("[2026-11-28][info][wasm] wasm log aimsgate: {line}\n");
        assert!(open(&prefixed).unwrap().intact);
        let edited = line.replace("\"time_unix_nano\":1", "\"time_unix_nano\":2");
        assert!(!open(&edited).unwrap().intact);
        let truncated = &line[..line.len() - 3];
        assert_eq!(open(truncated), Err(OpenError::NoDigest));
        assert_eq!(open("plain envoy log"), Err(OpenError::NotAnEvent));
    }

    #[test]
    fn a_signed_event_opens_with_the_bytes_its_signature_covers() {
        use crate::signing::TrustedKeys;
        let signer = Signer25519::from_seed([3; 32]);
        let trusted = TrustedKeys::parse(&signer.public_text()).unwrap();
        let mut chain = Chain::new("c1");
        let unsigned = chain.seal(event(names::DECISION));
        assert_eq!(open(&unsigned.line).unwrap().signature(), None);
        let sealed = chain.seal_signed(event(names::CHECKPOINT), Some(&signer));
        let opened = open(&sealed.line).unwrap();
        assert!(opened.intact);
        let (signature, signed) = opened.signature().expect("signed");
        assert_eq!(
            trusted.verify_text(signature, signed.as_bytes()),
            Ok(signer.key_id())
        );
        // The signature covers `prev`, so the chain before it.
        assert!(signed.contains(&unsigned.digest));
        let parsed: AuditEvent = serde_json::from_str(opened.json).unwrap();
        assert_eq!(parsed.signature.as_deref(), Some(signature));
        // Re-sealed after an edit, the digest holds and the signature does not.
        let edited = sealed
            .line
            .replace("\"time_unix_nano\":1", "\"time_unix_nano\":2");
        let body = &edited[..edited.len() - DIGEST_MEMBER.len() - 66];
        let resealed = format!(
            "{body}{DIGEST_MEMBER}{}\"}}",
            hex(&Sha256::digest(format!("{body}}}").as_bytes()))
        );
        let opened = open(&resealed).unwrap();
        assert!(opened.intact);
        let (signature, signed) = opened.signature().expect("still signed");
        assert!(trusted.verify_text(signature, signed.as_bytes()).is_err());
    }

    #[test]
    fn fingerprints_depend_on_key_and_text() {
        let a = fingerprint(b"k1", b"4111 1111 1111 1111");
        assert_eq!(a.len(), 32);
        assert_eq!(a, fingerprint(b"k1", b"4111 1111 1111 1111"));
        assert_ne!(a, fingerprint(b"k2", b"4111 1111 1111 1111"));
        assert_ne!(a, fingerprint(b"k1", b"4111 1111 1111 1112"));
    }
}
