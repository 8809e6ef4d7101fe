//! `proxy_get_property` / `proxy_set_property` with Envoy's attribute names and
//! encodings (envoy source/extensions/common/wasm/context.cc `getProperty`,
//! `serializeValue`; source/extensions/filters/common/expr/context.cc for the
//! `request`, `response`, `source`, `destination` and `connection` attributes).
//!
//! Encodings follow `serializeValue`: strings and bytes raw, integers as 8
//! little-endian bytes, booleans as one byte, maps as serialised pairs.

use crate::abi::Status;
use crate::flavor::Flavor;
use crate::headers::{HeaderMap, encode_pairs};
use crate::state::{HostState, StreamState};

/// A property value before serialisation.
enum Value {
    Text(String),
    Bytes(Vec<u8>),
    Int(i64),
    Uint(u64),
    Bool(bool),
    Map(Vec<(String, String)>),
}

impl Value {
    fn serialize(self) -> Vec<u8> {
        match self {
            Self::Text(text) => text.into_bytes(),
            Self::Bytes(bytes) => bytes,
            Self::Int(value) => value.to_le_bytes().to_vec(),
            Self::Uint(value) => value.to_le_bytes().to_vec(),
            Self::Bool(value) => vec![u8::from(value)],
            Self::Map(pairs) => encode_pairs(&pairs),
        }
    }
}

/// Looks up a NUL-separated property path in the active context.
pub(crate) fn get(state: &HostState, path: &[u8]) -> Result<Vec<u8>, Status> {
    let segments: Vec<String> = path
        .split(|byte| *byte == 0)
        .map(|segment| String::from_utf8_lossy(segment).into_owned())
        .collect();
    let Some((top, rest)) = segments.split_first() else {
        return Err(Status::NotFound);
    };
    if path.is_empty() {
        return Err(Status::NotFound);
    }
    let stream = state.active_stream();
    if state.config.flavor == Flavor::NgxWasm {
        return ngx_property(state, stream, &segments);
    }
    let value = match top.as_str() {
        "plugin_name" => leaf(rest, Value::Text(state.config.plugin_name.clone()))?,
        "plugin_root_id" => leaf(rest, Value::Text(state.config.root_id.clone()))?,
        "plugin_vm_id" => leaf(rest, Value::Text(state.config.vm_id.clone()))?,
        // Stream attributes need stream info, which only a stream context has.
        "request" => request(stream.ok_or(Status::NotFound)?, rest)?,
        "response" => response(stream.ok_or(Status::NotFound)?, rest)?,
        "source" => peer(
            stream.ok_or(Status::NotFound)?,
            &state.config.source_address,
            rest,
        )?,
        "destination" => peer(
            stream.ok_or(Status::NotFound)?,
            &state.config.destination_address,
            rest,
        )?,
        "connection" => connection(stream.ok_or(Status::NotFound)?, rest)?,
        // Anything else is filter state the plugin set (`wasm.<name>`).
        _ => {
            let stream = stream.ok_or(Status::NotFound)?;
            let value = stream
                .filter_state
                .get(path)
                .or_else(|| stream.filter_state.get(top.as_bytes()));
            Value::Bytes(value.cloned().ok_or(Status::NotFound)?)
        }
    };
    Ok(value.serialize())
}

/// `proxy_set_property`: stores filter state for the stream (NOT_FOUND outside one,
/// as `getRequestStreamInfo()` is null there).
pub(crate) fn set(state: &mut HostState, path: Vec<u8>, value: Vec<u8>) -> Result<(), Status> {
    let stream = state.active_stream_mut().ok_or(Status::NotFound)?;
    stream.filter_state.insert(path, value);
    Ok(())
}

/// A scalar must be the last segment; walking into it is NOT_FOUND.
fn leaf(rest: &[String], value: Value) -> Result<Value, Status> {
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(Status::NotFound)
    }
}

/// `request.*` (expr/context.cc `RequestLookupValues`). Header-backed attributes
/// exist only while the filter holds the request headers, or in `proxy_on_log`.
fn request(stream: &StreamState, rest: &[String]) -> Result<Value, Status> {
    let (field, rest) = rest.split_first().ok_or(Status::SerializationFailure)?;
    let headers = (stream.access_log_phase || stream.request_headers_visible)
        .then_some(&stream.request_headers);
    let header = |key: &str| -> Result<Value, Status> {
        let value = headers
            .and_then(|headers| headers.get(key))
            .ok_or(Status::NotFound)?;
        leaf(rest, Value::Text(value.to_owned()))
    };
    match field.as_str() {
        "path" => header(":path"),
        "host" => header(":authority"),
        "scheme" => header(":scheme"),
        "method" => header(":method"),
        "referer" => header("referer"),
        "useragent" => header("user-agent"),
        "id" => header("x-request-id"),
        "url_path" | "query" => {
            let path = headers
                .and_then(|headers| headers.get(":path"))
                .ok_or(Status::NotFound)?;
            let (url_path, query) = match path.split_once('?') {
                Some((url_path, query)) => (url_path, query.split('#').next().unwrap_or_default()),
                None => (path, ""),
            };
            let value = if field == "url_path" { url_path } else { query };
            leaf(rest, Value::Text(value.to_owned()))
        }
        "headers" => map_lookup(headers, rest),
        "time" => leaf(
            rest,
            Value::Int(i64::try_from(stream.start_time_ns).unwrap_or(i64::MAX)),
        ),
        "protocol" => leaf(rest, Value::Text("HTTP/1.1".to_owned())),
        "size" => {
            let length = match headers.and_then(|headers| headers.get("content-length")) {
                Some(length) => length.parse::<i64>().map_err(|_| Status::NotFound)?,
                None => i64::try_from(stream.request_bytes_received).unwrap_or(i64::MAX),
            };
            leaf(rest, Value::Int(length))
        }
        _ => Err(Status::NotFound),
    }
}

/// `response.*` (expr/context.cc `ResponseLookupValues`).
fn response(stream: &StreamState, rest: &[String]) -> Result<Value, Status> {
    let (field, rest) = rest.split_first().ok_or(Status::SerializationFailure)?;
    let headers = (stream.access_log_phase || stream.response_headers_visible)
        .then_some(stream.response_headers.as_ref())
        .flatten();
    let trailers = (stream.access_log_phase || stream.response_trailers_visible)
        .then_some(stream.response_trailers.as_ref())
        .flatten();
    match field.as_str() {
        "code" => leaf(
            rest,
            Value::Int(i64::from(stream.response_code.ok_or(Status::NotFound)?)),
        ),
        "code_details" => leaf(
            rest,
            Value::Text(
                stream
                    .response_code_details
                    .clone()
                    .ok_or(Status::NotFound)?,
            ),
        ),
        "headers" => map_lookup(headers, rest),
        "trailers" => map_lookup(trailers, rest),
        "size" => leaf(
            rest,
            Value::Int(i64::try_from(stream.response_bytes_sent).unwrap_or(i64::MAX)),
        ),
        "flags" => leaf(rest, Value::Int(0)),
        _ => Err(Status::NotFound),
    }
}

/// `source.*` / `destination.*`: `address` is `ip:port`, `port` an integer.
fn peer(_stream: &StreamState, address: &str, rest: &[String]) -> Result<Value, Status> {
    let (field, rest) = rest.split_first().ok_or(Status::SerializationFailure)?;
    match field.as_str() {
        "address" => leaf(rest, Value::Text(address.to_owned())),
        "port" => {
            let port = address
                .rsplit_once(':')
                .and_then(|(_, port)| port.parse::<i64>().ok());
            leaf(rest, Value::Int(port.ok_or(Status::NotFound)?))
        }
        _ => Err(Status::NotFound),
    }
}

/// `connection.*`: a plain-text downstream connection.
fn connection(_stream: &StreamState, rest: &[String]) -> Result<Value, Status> {
    let (field, rest) = rest.split_first().ok_or(Status::SerializationFailure)?;
    match field.as_str() {
        "id" => leaf(rest, Value::Uint(1)),
        "mtls" => leaf(rest, Value::Bool(false)),
        "requested_server_name" => leaf(rest, Value::Text(String::new())),
        _ => Err(Status::NotFound),
    }
}

/// A header map attribute: one more segment looks a header up (all its values
/// joined with `,`); none serialises the map as pairs. [unverified] Envoy's header
/// map wrapper may refuse to list its keys, making the whole-map form a
/// SERIALIZATION_FAILURE there.
fn map_lookup(map: Option<&HeaderMap>, rest: &[String]) -> Result<Value, Status> {
    let map = map.ok_or(Status::NotFound)?;
    match rest {
        [] => Ok(Value::Map(map.to_pairs())),
        [name] => map
            .get_joined(name)
            .map(Value::Text)
            .ok_or(Status::NotFound),
        _ => Err(Status::NotFound),
    }
}

/// ngx_wasm_module's properties, as far as the filter reads them (3bed278,
/// src/common/proxy_wasm/ngx_proxy_wasm_properties.c): outside a request a
/// dotted path is an error (lines 1100-1107, INTERNAL_FAILURE through
/// `ngx_proxy_wasm_result_err`); `ngx.<name>` is the nginx variable
/// (lines 1124-1129); `plugin_name` and `plugin_root_id` are the filter's.
fn ngx_property(
    state: &HostState,
    stream: Option<&StreamState>,
    segments: &[String],
) -> Result<Vec<u8>, Status> {
    let dotted = segments.len() > 1;
    let Some(stream) = stream else {
        if dotted {
            return Err(Status::InternalFailure);
        }
        return match segments.first().map(String::as_str) {
            Some("plugin_name") => Ok(state.config.plugin_name.clone().into_bytes()),
            Some("plugin_root_id") => Ok(state.config.root_id.clone().into_bytes()),
            _ => Err(Status::NotFound),
        };
    };
    let path: Vec<&str> = segments.iter().map(String::as_str).collect();
    let header = |name: &str| stream.request_headers.get(name).map(str::to_owned);
    let value = match path.as_slice() {
        // nginx's `$nginx_version`, always defined (ngx_http_variables.c).
        ["ngx", "nginx_version"] => Some(NGX_NGINX_VERSION.to_owned()),
        // nginx's `$host` (see the driver), in a request on ngx_wasm_module.
        ["ngx", "host"] => stream.ngx_host.clone(),
        ["ngx", "hostname"] | ["request", "host"] => Some("aimsgate-host-test".to_owned()),
        ["request", "path"] => header(":path"),
        ["request", "method"] => header(":method"),
        ["request", "id"] => header("x-request-id"),
        ["plugin_name"] => Some(state.config.plugin_name.clone()),
        ["plugin_root_id"] => Some(state.config.root_id.clone()),
        _ => None,
    };
    value.map(String::into_bytes).ok_or(Status::NotFound)
}

/// The nginx version ngx_wasm_module 3bed278 builds against in its CI.
const NGX_NGINX_VERSION: &str = "1.27.4";
