//! The JavaScript API: `Guard` and `Exchange` classes over the Rust ones.
//!
//! Only conversions live here. Inputs are read leniently (headers as an
//! array of pairs, a `Headers`/`Map`, or a plain object; bodies as
//! `Uint8Array`, `ArrayBuffer`, any typed array view, or a string), and a
//! request that cannot be read is refused (400, audited), never passed.
//! Results are plain objects; bodies are `Uint8Array`s, headers arrays of
//! `[name, value]` pairs.
//!
//! Time and randomness come from JS (`Date.now()`, `Math.random()`):
//! `std::time` and `getrandom` have no source on `wasm32-unknown-unknown`.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::audit::Recorded;
use crate::exchange::{Exchange, Request, Verdict};
use crate::guard::Guard;

/// Nanoseconds since the Unix epoch, from `Date.now()`.
fn now_ns() -> u64 {
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 {
        // Whole milliseconds first: an f64 holds them exactly, nanoseconds
        // it does not. The cast saturates, so a clock far off cannot wrap.
        (ms as u64).saturating_mul(1_000_000)
    } else {
        0
    }
}

/// A chain id: random bits and the start time, as the filter makes them.
fn chain_id() -> String {
    let random = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    let id = random ^ now_ns().rotate_left(17);
    format!("{:016x}", if id == 0 { 1 } else { id })
}

/// Sets `key` on a plain object (cannot fail on one).
fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(object, &JsValue::from_str(key), &value.into());
}

fn get(object: &JsValue, key: &str) -> JsValue {
    if !object.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn string_of(value: &JsValue) -> Option<String> {
    value
        .as_string()
        .or_else(|| value.as_f64().map(|n| n.to_string()))
}

fn optional_string(object: &JsValue, key: &str) -> Result<Option<String>, String> {
    let value = get(object, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    string_of(&value)
        .map(Some)
        .ok_or_else(|| format!("`{key}` must be a string"))
}

/// Bytes of a body or chunk.
fn bytes_of(value: &JsValue, what: &str) -> Result<Vec<u8>, String> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        return Ok(array.to_vec());
    }
    if value.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(Uint8Array::new(value).to_vec());
    }
    if js_sys::ArrayBuffer::is_view(value) {
        // Another typed array or a DataView: its bytes, where they are.
        let buffer = get(value, "buffer");
        let offset = get(value, "byteOffset").as_f64().unwrap_or(0.0) as u32;
        let length = get(value, "byteLength").as_f64().unwrap_or(0.0) as u32;
        return Ok(Uint8Array::new_with_byte_offset_and_length(&buffer, offset, length).to_vec());
    }
    Err(format!(
        "{what} must be a Uint8Array, an ArrayBuffer or a string"
    ))
}

/// Headers from pairs, a `Headers`/`Map`, or a plain object.
fn headers_of(value: &JsValue) -> Result<Vec<(String, String)>, String> {
    let mut headers = Vec::new();
    if value.is_undefined() || value.is_null() {
        return Ok(headers);
    }
    if !value.is_object() {
        return Err("`headers` must be an object, a Headers or an array of pairs".to_owned());
    }
    let iterator = js_sys::try_iter(value).map_err(|_| "`headers` is not iterable".to_owned())?;
    let entries: Vec<JsValue> = match iterator {
        Some(iterator) => {
            let mut entries = Vec::new();
            for entry in iterator {
                entries.push(entry.map_err(|_| "`headers` could not be read".to_owned())?);
            }
            entries
        }
        None => match value.dyn_ref::<Object>() {
            Some(object) => Object::entries(object).iter().collect(),
            None => Vec::new(),
        },
    };
    for entry in entries {
        if !Array::is_array(&entry) {
            return Err("each header must be a [name, value] pair".to_owned());
        }
        let pair: Array = entry.unchecked_into();
        let (Some(name), Some(value)) = (string_of(&pair.get(0)), string_of(&pair.get(1))) else {
            return Err("header names and values must be strings".to_owned());
        };
        headers.push((name, value));
    }
    Ok(headers)
}

/// `scheme://host[:port]/path?query#fragment` → (host, path with query).
fn split_url(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split('#').next().unwrap_or_default();
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    // Credentials never reach routing (nor the audit event).
    let host = authority.rsplit('@').next().unwrap_or_default();
    let path = if path.is_empty() {
        "/".to_owned()
    } else if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_owned()
    };
    (host.to_owned(), path)
}

fn pairs_js(pairs: &[(String, String)]) -> Array {
    pairs
        .iter()
        .map(|(k, v)| {
            let pair = Array::new();
            pair.push(&JsValue::from_str(k));
            pair.push(&JsValue::from_str(v));
            JsValue::from(pair)
        })
        .collect()
}

fn strings_js<S: AsRef<str>>(items: &[S]) -> Array {
    items
        .iter()
        .map(|s| JsValue::from_str(s.as_ref()))
        .collect()
}

fn recorded_js(recorded: Option<&Recorded>) -> JsValue {
    let Some(recorded) = recorded else {
        return JsValue::UNDEFINED;
    };
    let object = Object::new();
    set(&object, "phase", recorded.phase.as_str());
    set(&object, "outcome", recorded.outcome.as_str());
    set(&object, "rules", strings_js(&recorded.rules));
    set(&object, "controls", strings_js(&recorded.controls));
    if let Some(code) = &recorded.code {
        set(&object, "code", code.as_str());
    }
    if let Some(status) = recorded.status {
        set(&object, "status", status);
    }
    object.into()
}

/// The package version (`aimsgate-edge/<version>` in audit events).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// `{action: "forward", body?, upstreamHeaders, removeHeaders}`,
/// `{action: "refuse", status, headers, body}` or `{action: "consult",
/// consult: {url, headers, body, timeoutMs}}`.
fn verdict_js(verdict: &Verdict) -> Object {
    let object = Object::new();
    match verdict {
        Verdict::Forward {
            body,
            set_headers,
            remove_headers,
        } => {
            set(&object, "action", "forward");
            if let Some(body) = body {
                set(&object, "body", Uint8Array::from(body.as_slice()));
            }
            set(&object, "upstreamHeaders", pairs_js(set_headers));
            set(&object, "removeHeaders", strings_js(remove_headers));
        }
        Verdict::Refuse(reply) => {
            set(&object, "action", "refuse");
            set(&object, "status", reply.status);
            set(&object, "headers", pairs_js(&reply.headers));
            set(&object, "body", Uint8Array::from(reply.body.as_slice()));
        }
        Verdict::Consult(call) => {
            set(&object, "action", "consult");
            let consult = Object::new();
            set(&consult, "url", call.url.as_str());
            set(&consult, "headers", pairs_js(&call.headers));
            set(&consult, "body", Uint8Array::from(call.body.as_slice()));
            // Milliseconds fit a JS number exactly far beyond any timeout.
            set(&consult, "timeoutMs", call.timeout_ms as f64);
            set(&object, "consult", consult);
        }
    }
    object
}

/// A loaded rule set guarding exchanges: `new Guard(rules, options?)`.
#[wasm_bindgen(js_name = Guard)]
pub struct JsGuard {
    inner: Guard,
}

#[wasm_bindgen(js_class = Guard)]
impl JsGuard {
    /// Loads a rule set (binary or JSON, as `aimsgate compile` writes it;
    /// `Uint8Array`, `ArrayBuffer` or string). `options` is an object of
    /// camelCase options (`failOpen`, `maxRequestBody`, `maxResponseBody`,
    /// `streamWindow`, `requestIdHeader`, `hitKey`, `chainId`,
    /// `maxPendingEvents`).
    ///
    /// Never throws: a rule set or options that do not load leave a guard
    /// that refuses every request with 503 (fail closed) or, with
    /// `failOpen`, passes it; `loadError` says why.
    #[wasm_bindgen(constructor)]
    pub fn new(rules: JsValue, options: JsValue) -> JsGuard {
        let options_json = if options.is_undefined() || options.is_null() {
            String::new()
        } else {
            match js_sys::JSON::stringify(&options) {
                Ok(text) => text.as_string().unwrap_or_default(),
                // Unserialisable options (a cycle, a BigInt): refused as
                // invalid, which fails closed.
                Err(_) => "{\"options\": \"unreadable\"}".to_owned(),
            }
        };
        let inner = match bytes_of(&rules, "the rule set") {
            Ok(bytes) => Guard::new(&bytes, &options_json, now_ns, chain_id()),
            Err(_) => Guard::new(&[], &options_json, now_ns, chain_id()),
        };
        JsGuard { inner }
    }

    /// Whether the rule set loaded.
    #[wasm_bindgen(getter)]
    pub fn ready(&self) -> bool {
        self.inner.load_error().is_none()
    }

    /// Why the rule set (or the options) did not load.
    #[wasm_bindgen(getter, js_name = loadError)]
    pub fn load_error(&self) -> Option<String> {
        self.inner.load_error().map(str::to_owned)
    }

    /// `{name, version, digest}` of the loaded policy.
    #[wasm_bindgen(getter)]
    pub fn policy(&self) -> JsValue {
        let Some(engine) = self.inner.engine() else {
            return JsValue::UNDEFINED;
        };
        let policy = &engine.ruleset().policy;
        let object = Object::new();
        set(&object, "name", policy.name.as_str());
        set(&object, "version", policy.version.as_str());
        set(&object, "digest", policy.digest.to_hex());
        object.into()
    }

    /// Inspects a request `{method, host, path, url, headers, body}`
    /// (`host`/`path` win over `url`; `body` whole). Returns
    /// `{action: "forward", body?, upstreamHeaders, removeHeaders}` or
    /// `{action: "refuse", status, headers, body}`, with `requestId`,
    /// `decision` (when governed), `events` (sealed audit lines) and
    /// `exchange` (for the response).
    #[wasm_bindgen(js_name = inspectRequest)]
    pub fn inspect_request(&self, request: JsValue) -> JsValue {
        let parsed = (|| -> Result<_, String> {
            if !request.is_object() {
                return Err("it must be an object".to_owned());
            }
            let method = optional_string(&request, "method")?.unwrap_or_else(|| "GET".to_owned());
            let url = optional_string(&request, "url")?;
            let (url_host, url_path) = url.as_deref().map(split_url).unwrap_or_default();
            let host = optional_string(&request, "host")?.unwrap_or(url_host);
            let path = optional_string(&request, "path")?.unwrap_or(url_path);
            // Without a host nothing is governed: a caller that forgot it
            // would pass every request uninspected. Refused instead.
            if host.is_empty() {
                return Err("`host` or `url` is required".to_owned());
            }
            let headers = headers_of(&get(&request, "headers"))?;
            let body = bytes_of(&get(&request, "body"), "`body`")?;
            Ok((method, host, path, headers, body))
        })();
        let result = match &parsed {
            Ok((method, host, path, headers, body)) => self.inner.inspect_request(&Request {
                method,
                host,
                path,
                headers,
                body,
            }),
            Err(reason) => {
                let host = optional_string(&request, "host")
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                self.inner
                    .refuse_unreadable(&host, &format!("the request could not be read: {reason}"))
            }
        };
        let object = verdict_js(&result.verdict);
        let exchange = result.exchange;
        set(&object, "requestId", exchange.request_id());
        set(&object, "governed", exchange.governed());
        set(
            &object,
            "decision",
            recorded_js(exchange.request_decision()),
        );
        set(&object, "events", strings_js(&self.inner.take_events()));
        set(&object, "exchange", JsExchange { inner: exchange });
        object.into()
    }

    /// The sealed audit lines not taken yet (one chain per guard).
    /// The timestamp request for the chain's head when the `anchor`
    /// option is set and due: `{url, headers, body, timeoutMs}` (POST
    /// it, then hand the answer to `anchored`), or `null`.
    #[wasm_bindgen(js_name = anchorRequest)]
    pub fn anchor_request(&self) -> JsValue {
        let Some(call) = self.inner.anchor_request() else {
            return JsValue::NULL;
        };
        let object = Object::new();
        set(&object, "url", call.url.as_str());
        set(&object, "headers", pairs_js(&call.headers));
        set(
            &object,
            "body",
            js_sys::Uint8Array::from(call.body.as_slice()),
        );
        set(&object, "timeoutMs", call.timeout_ms as f64);
        object.into()
    }

    /// The TSA's answer to `anchorRequest`'s call (`status` 0 when none
    /// came): a checkpoint the next `takeEvents` returns.
    pub fn anchored(&self, status: u16, body: Vec<u8>) {
        self.inner.anchored(status, &body);
    }

    #[wasm_bindgen(js_name = takeEvents)]
    pub fn take_events(&self) -> Vec<String> {
        self.inner.take_events()
    }

    /// Ends the audit chain; returns the last lines.
    #[wasm_bindgen(js_name = endChain)]
    pub fn end_chain(&self) -> Vec<String> {
        self.inner.end_chain()
    }
}

/// One exchange's response phase; from `guard.inspectRequest(…).exchange`.
#[wasm_bindgen(js_name = Exchange)]
pub struct JsExchange {
    inner: Exchange,
}

#[wasm_bindgen(js_class = Exchange)]
impl JsExchange {
    /// The request id.
    #[wasm_bindgen(getter, js_name = requestId)]
    pub fn request_id(&self) -> String {
        self.inner.request_id().to_owned()
    }

    /// The request decision as recorded: `{phase, outcome, rules,
    /// controls, code?, status?}`.
    #[wasm_bindgen(getter, js_name = requestDecision)]
    pub fn request_decision(&self) -> JsValue {
        recorded_js(self.inner.request_decision())
    }

    /// The response decision as recorded, once made.
    #[wasm_bindgen(getter, js_name = responseDecision)]
    pub fn response_decision(&self) -> JsValue {
        recorded_js(self.inner.response_decision())
    }

    /// The response head `{status, headers, hasBody}` arrived. Returns
    /// `{mode: "pass" | "buffer" | "stream", headers (to set),
    /// removeHeaders, events}`.
    #[wasm_bindgen(js_name = responseHead)]
    pub fn response_head(&mut self, response: JsValue) -> JsValue {
        let status = get(&response, "status").as_f64().unwrap_or(0.0);
        let status = if (0.0..=999.0).contains(&status) {
            status as u16
        } else {
            0
        };
        // Unreadable headers: as if none came (no content type: buffered
        // and inspected as JSON, which fails closed if it is not).
        let headers = headers_of(&get(&response, "headers")).unwrap_or_default();
        let has_body = get(&response, "hasBody").as_bool().unwrap_or(true);
        let head = self.inner.response_head(status, &headers, has_body);
        let object = Object::new();
        set(&object, "mode", head.mode.name());
        set(&object, "headers", pairs_js(&head.set_headers));
        set(&object, "removeHeaders", strings_js(&head.remove_headers));
        set(&object, "events", strings_js(&self.inner.take_events()));
        object.into()
    }

    /// The whole body of a `buffer` response. Returns `{status?, headers,
    /// removeHeaders, body?, decision, events}`: `body` only when it
    /// changed, `status` only when it changed (a refusal).
    #[wasm_bindgen(js_name = responseBody)]
    pub fn response_body(&mut self, body: JsValue) -> Result<JsValue, JsError> {
        let bytes = bytes_of(&body, "the body").map_err(|e| JsError::new(&e))?;
        let result = self.inner.response_body(&bytes);
        let object = Object::new();
        if let Some(status) = result.status {
            set(&object, "status", status);
        }
        set(&object, "headers", pairs_js(&result.set_headers));
        set(&object, "removeHeaders", strings_js(&result.remove_headers));
        if let Some(body) = &result.body {
            set(&object, "body", Uint8Array::from(body.as_slice()));
        }
        set(
            &object,
            "decision",
            recorded_js(self.inner.response_decision()),
        );
        set(&object, "events", strings_js(&self.inner.take_events()));
        Ok(object.into())
    }

    /// The next chunk of a `stream` response: the bytes to forward now.
    pub fn transform(&mut self, chunk: JsValue) -> Result<Vec<u8>, JsError> {
        let bytes = bytes_of(&chunk, "a chunk").map_err(|e| JsError::new(&e))?;
        Ok(self.inner.transform(&bytes))
    }

    /// The end of a `stream` response: the last bytes to forward.
    pub fn flush(&mut self) -> Vec<u8> {
        self.inner.flush()
    }

    /// A whole response `{status, headers, body}` in one call (a stream as
    /// one chunk). Returns `{status, headers, removeHeaders, body,
    /// decision, events}`.
    #[wasm_bindgen(js_name = inspectResponse)]
    pub fn inspect_response(&mut self, response: JsValue) -> Result<JsValue, JsError> {
        let status = get(&response, "status").as_f64().unwrap_or(0.0);
        let status = if (0.0..=999.0).contains(&status) {
            status as u16
        } else {
            0
        };
        let headers = headers_of(&get(&response, "headers")).map_err(|e| JsError::new(&e))?;
        let body = bytes_of(&get(&response, "body"), "`body`").map_err(|e| JsError::new(&e))?;
        let result = self.inner.inspect_response(status, &headers, &body);
        let object = Object::new();
        set(&object, "status", result.status);
        set(&object, "headers", pairs_js(&result.set_headers));
        set(&object, "removeHeaders", strings_js(&result.remove_headers));
        set(&object, "body", Uint8Array::from(result.body.as_slice()));
        set(
            &object,
            "decision",
            recorded_js(self.inner.response_decision()),
        );
        set(&object, "events", strings_js(&self.inner.take_events()));
        Ok(object.into())
    }

    /// The classifier's answer to an `action: "consult"`: its `status`
    /// (`null` when it never answered) and body. Returns what
    /// `inspectRequest` would have (`forward` or `refuse`), with
    /// `decision` and `events`.
    pub fn opinion(&mut self, status: JsValue, body: JsValue) -> JsValue {
        let status = status
            .as_f64()
            .filter(|s| (0.0..=999.0).contains(s))
            .map(|s| s as u16);
        let body = bytes_of(&body, "the answer").unwrap_or_default();
        let verdict = self.inner.opinion(status, &body);
        let object = verdict_js(&verdict);
        set(&object, "requestId", self.inner.request_id());
        set(
            &object,
            "decision",
            recorded_js(self.inner.request_decision()),
        );
        set(&object, "events", strings_js(&self.inner.take_events()));
        object.into()
    }

    /// The upstream could not be reached: returns the 502 reply
    /// `{status, headers, body, events}` and records the response phase.
    #[wasm_bindgen(js_name = upstreamFailed)]
    pub fn upstream_failed(&mut self, reason: String) -> JsValue {
        let reply = self.inner.upstream_failed(&reason);
        let object = Object::new();
        set(&object, "status", reply.status);
        set(&object, "headers", pairs_js(&reply.headers));
        set(&object, "body", Uint8Array::from(reply.body.as_slice()));
        set(&object, "events", strings_js(&self.inner.take_events()));
        object.into()
    }

    /// The exchange is over (client gone, stream cancelled): records any
    /// phase left undecided. Idempotent; `free()` does it too.
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// The sealed audit lines not taken yet (the guard's queue).
    #[wasm_bindgen(js_name = takeEvents)]
    pub fn take_events(&self) -> Vec<String> {
        self.inner.take_events()
    }
}

#[cfg(test)]
mod tests {
    use super::split_url;

    #[test]
    fn urls_split_into_host_and_path() {
        let split = |u: &str| split_url(u);
        assert_eq!(
            split("https://api.openai.com/v1/chat/completions?x=1#f"),
            ("api.openai.com".into(), "/v1/chat/completions?x=1".into())
        );
        assert_eq!(split("http://u:p@h:8080"), ("h:8080".into(), "/".into()));
        assert_eq!(split("http://h?q"), ("h".into(), "/?q".into()));
        assert_eq!(split(""), ("".into(), "/".into()));
        assert_eq!(split("é://é/é"), ("é".into(), "/é".into()));
    }
}
