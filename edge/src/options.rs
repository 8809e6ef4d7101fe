//! Guard options, given as a JSON object (from JS: the options object).
//!
//! Names are camelCase, as JavaScript writes them. Unknown names are
//! refused rather than ignored: a misspelt `failOpen` must not silently
//! mean the default (the filter's configuration does the same).

use aimsgate_engine::flow::Settings;
use serde::Deserialize;

/// Options of a [`Guard`](crate::Guard), with the filter's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Options {
    /// With no valid rule set, pass traffic uninspected instead of
    /// answering 503. Off by default: fail closed.
    pub fail_open: bool,
    /// Largest request body inspected, in bytes.
    pub max_request_body: usize,
    /// Largest non-streamed response body inspected, in bytes.
    pub max_response_body: usize,
    /// Bytes of text held back for detectors without a natural match bound
    /// (PEM blocks) in streamed responses.
    pub stream_window: usize,
    /// Most detector matches in one body (or stream); past it the body is
    /// refused (the stream cut) rather than passed partly redacted.
    pub max_hits: usize,
    /// Most bytes of encoded text decoded and rescanned per body; past it
    /// the body is flagged, or refused where its route says
    /// `on_decode_limit: block`. 0 turns decoding off.
    pub max_decoded_bytes: usize,
    /// Header carrying the request id (`cf-ray` is a good choice on
    /// Cloudflare); a request without it gets one made up.
    pub request_id_header: String,
    /// Key for keyed fingerprints of matched text in audit events (HMAC);
    /// unset: no fingerprints. On Workers, pass a secret binding.
    pub hit_key: Option<String>,
    /// Id of the audit chain (unique per guard); made up when unset.
    pub chain_id: Option<String>,
    /// Audit events kept waiting for the caller to take them; past it new
    /// events are dropped, and the next checkpoint declares them.
    pub max_pending_events: usize,
    /// Public keys (`aimsgate-ed25519:…`, from `aimsgate keygen`) the rule
    /// set must be signed by; empty: signatures are not checked. Pass them
    /// from the worker's environment, never beside the rule set.
    pub trusted_keys: Vec<String>,
    /// The external classifier the rule set's `classifier` detector asks.
    /// Absent while the rule set has one: every consultation fails, and
    /// the route's `on_classifier_unavailable` decides (block by default).
    pub classifier: Option<ClassifierOptions>,
    /// The checkpoint key (the private key text `aimsgate keygen`
    /// writes): the chain's own events are signed with it. On Workers,
    /// pass a secret binding, never a literal.
    pub audit_signing_key: Option<String>,
    /// Milliseconds between checkpoints, written when events are taken
    /// (0: only when drops are to be declared).
    pub checkpoint_interval_ms: u64,
    /// RFC 3161 anchoring of the chain's head (see [`AnchorOptions`]).
    pub anchor: Option<AnchorOptions>,
}

/// A timestamp authority the guard has timestamp its chain's head, at
/// most once per interval: the caller sends the request the guard
/// returns (on Workers through `fetch` in `waitUntil`) and hands back the
/// answer, which goes into a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct AnchorOptions {
    /// The TSA's URL.
    pub url: String,
    /// Extra request headers (credentials of a commercial TSA, say).
    pub headers: std::collections::BTreeMap<String, String>,
    /// Milliseconds between anchors.
    pub interval_ms: u64,
    /// Call timeout in milliseconds.
    pub timeout_ms: u64,
}

impl Default for AnchorOptions {
    fn default() -> AnchorOptions {
        AnchorOptions {
            url: String::new(),
            headers: std::collections::BTreeMap::new(),
            interval_ms: 60_000,
            timeout_ms: 5_000,
        }
    }
}

/// Where a `classifier` detector's second opinion comes from: a `fetch`
/// to `url` answering Hugging Face's text-classification format (see
/// `aimsgate_engine::consult`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ClassifierOptions {
    /// The classification endpoint (`https://…/predict`).
    pub url: String,
    /// Extra request headers (an API key, say).
    pub headers: std::collections::BTreeMap<String, String>,
    /// Call timeout in milliseconds: the request waits at most this long.
    pub timeout_ms: u64,
}

impl Default for ClassifierOptions {
    fn default() -> ClassifierOptions {
        ClassifierOptions {
            url: String::new(),
            headers: std::collections::BTreeMap::new(),
            timeout_ms: 500,
        }
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            fail_open: false,
            max_request_body: Settings::DEFAULT.max_request_body,
            max_response_body: Settings::DEFAULT.max_response_body,
            stream_window: Settings::DEFAULT.stream_window,
            max_hits: aimsgate_engine::inspect::DEFAULT_MAX_HITS,
            max_decoded_bytes: aimsgate_engine::detect::encoded::DEFAULT_MAX_DECODED_BYTES,
            request_id_header: Settings::DEFAULT.request_id_header.to_owned(),
            hit_key: None,
            chain_id: None,
            max_pending_events: 10_000,
            trusted_keys: Vec::new(),
            classifier: None,
            audit_signing_key: None,
            checkpoint_interval_ms: 0,
            anchor: None,
        }
    }
}

impl Options {
    /// The limits and names the exchange flow applies.
    pub fn settings(&self) -> Settings<'_> {
        Settings {
            request_id_header: &self.request_id_header,
            max_request_body: self.max_request_body,
            max_response_body: self.max_response_body,
            // Nothing is decoded here (compressed bodies are refused).
            max_decompressed_body: self.max_response_body,
            stream_window: self.stream_window,
        }
    }

    /// Parses options from JSON; an empty text (or `null`) means the
    /// defaults.
    pub fn from_json(text: &str) -> Result<Options, String> {
        let text = text.trim();
        if text.is_empty() || text == "null" {
            return Ok(Options::default());
        }
        let options: Options =
            serde_json::from_str(text).map_err(|e| format!("the options are invalid: {e}"))?;
        if options.max_request_body == 0 || options.max_response_body == 0 {
            return Err("the options are invalid: body limits must be positive".to_owned());
        }
        if options.request_id_header.is_empty() {
            return Err("the options are invalid: requestIdHeader is empty".to_owned());
        }
        if let Some(classifier) = &options.classifier
            && (!(classifier.url.starts_with("https://") || classifier.url.starts_with("http://"))
                || classifier.timeout_ms == 0)
        {
            return Err(
                "the options are invalid: classifier needs an http(s) `url` and a positive `timeoutMs`"
                    .to_owned(),
            );
        }
        if let Some(anchor) = &options.anchor
            && (!(anchor.url.starts_with("https://") || anchor.url.starts_with("http://"))
                || anchor.interval_ms == 0
                || anchor.timeout_ms == 0)
        {
            return Err(
                "the options are invalid: anchor needs an http(s) `url` and positive `intervalMs` and `timeoutMs`"
                    .to_owned(),
            );
        }
        Ok(options)
    }

    /// `failOpen` of options that may be invalid otherwise, so that a guard
    /// whose rule set is what is broken still honours it. Invalid JSON
    /// means the default (fail closed).
    pub fn fail_open_of(text: &str) -> bool {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("failOpen").and_then(serde_json::Value::as_bool))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_camel_case_names() {
        assert_eq!(Options::from_json("").unwrap(), Options::default());
        assert_eq!(Options::from_json("null").unwrap(), Options::default());
        let options = Options::from_json(r#"{"failOpen": true, "maxRequestBody": 10}"#).unwrap();
        assert!(options.fail_open);
        assert_eq!(options.max_request_body, 10);
    }

    #[test]
    fn unknown_and_bad_options_are_refused() {
        let err = Options::from_json(r#"{"failOpn": true}"#).unwrap_err();
        assert!(err.contains("failOpn"), "{err}");
        assert!(Options::from_json(r#"{"maxResponseBody": 0}"#).is_err());
        assert!(Options::from_json("[1,").is_err());
        assert!(Options::fail_open_of(r#"{"failOpen": true, "bad": 1}"#));
        assert!(!Options::fail_open_of("garbage"));
    }
}
