//! The host calls the filter makes, with every status handled.
//!
//! The proxy-wasm SDK's own wrappers `panic!` on a status they do not
//! expect (`BAD_ARGUMENT` from `proxy_set_buffer_bytes`, say), and a panic
//! in wasm is a trap that takes the VM down for every request on that
//! worker. Hosts differ in which statuses they return where (Envoy,
//! ngx_wasm_module), so the filter declares the imports it uses itself and
//! turns every status into a `Result`. The SDK still provides the exports
//! (context dispatch, `proxy_on_memory_allocate`).

use std::ptr::null_mut;

/// A proxy-wasm status other than `OK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(pub u32);

/// `NOT_FOUND`.
pub const NOT_FOUND: u32 = 1;
/// `CAS_MISMATCH`.
pub const CAS_MISMATCH: u32 = 8;

/// Buffers (ABI 0.2.1 `BufferType`).
#[derive(Debug, Clone, Copy)]
#[repr(u32)]
pub enum Buffer {
    /// The request body (as much as is buffered).
    RequestBody = 0,
    /// The response body (as much as is buffered).
    ResponseBody = 1,
    /// The body of an HTTP call's response, during its callback.
    HttpCallResponseBody = 4,
    /// `vm_config.configuration`.
    VmConfiguration = 6,
    /// The plugin's `configuration`.
    PluginConfiguration = 7,
}

/// Header maps (ABI 0.2.1 `MapType`).
#[derive(Debug, Clone, Copy)]
#[repr(u32)]
pub enum Map {
    /// Request headers.
    RequestHeaders = 0,
    /// Response headers.
    ResponseHeaders = 2,
    /// An HTTP call's response headers, during its callback.
    HttpCallResponseHeaders = 6,
}

/// Log levels (ABI 0.2.1 `LogLevel`).
#[derive(Debug, Clone, Copy)]
#[repr(u32)]
pub enum Level {
    /// debug
    Debug = 1,
    /// info
    Info = 2,
    /// warn
    Warn = 3,
    /// error
    Error = 4,
}

#[link(wasm_import_module = "env")]
unsafe extern "C" {
    fn proxy_log(level: u32, data: *const u8, size: usize) -> u32;
    fn proxy_get_current_time_nanoseconds(time: *mut u64) -> u32;
    fn proxy_get_buffer_bytes(
        buffer: u32,
        start: usize,
        max_size: usize,
        data: *mut *mut u8,
        size: *mut usize,
    ) -> u32;
    fn proxy_set_buffer_bytes(
        buffer: u32,
        start: usize,
        size: usize,
        data: *const u8,
        data_size: usize,
    ) -> u32;
    fn proxy_get_header_map_pairs(map: u32, data: *mut *mut u8, size: *mut usize) -> u32;
    fn proxy_get_header_map_value(
        map: u32,
        key: *const u8,
        key_size: usize,
        value: *mut *mut u8,
        value_size: *mut usize,
    ) -> u32;
    fn proxy_replace_header_map_value(
        map: u32,
        key: *const u8,
        key_size: usize,
        value: *const u8,
        value_size: usize,
    ) -> u32;
    fn proxy_add_header_map_value(
        map: u32,
        key: *const u8,
        key_size: usize,
        value: *const u8,
        value_size: usize,
    ) -> u32;
    fn proxy_remove_header_map_value(map: u32, key: *const u8, key_size: usize) -> u32;
    fn proxy_send_local_response(
        status: u32,
        details: *const u8,
        details_size: usize,
        body: *const u8,
        body_size: usize,
        headers: *const u8,
        headers_size: usize,
        grpc_status: i32,
    ) -> u32;
    fn proxy_define_metric(kind: u32, name: *const u8, name_size: usize, id: *mut u32) -> u32;
    fn proxy_increment_metric(id: u32, offset: i64) -> u32;
    fn proxy_get_shared_data(
        key: *const u8,
        key_size: usize,
        value: *mut *mut u8,
        value_size: *mut usize,
        cas: *mut u32,
    ) -> u32;
    fn proxy_set_shared_data(
        key: *const u8,
        key_size: usize,
        value: *const u8,
        value_size: usize,
        cas: u32,
    ) -> u32;
    fn proxy_set_tick_period_milliseconds(period: u32) -> u32;
    fn proxy_get_property(
        path: *const u8,
        path_size: usize,
        value: *mut *mut u8,
        value_size: *mut usize,
    ) -> u32;
}

// Envoy and ngx_wasm_module both provide WASI's `random_get`
// (proxy-wasm-cpp-host src/exports.cc `wasi_unstable_random_get`).
#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn random_get(buf: *mut u8, len: usize) -> u16;
}

fn check(status: u32) -> Result<(), Status> {
    if status == 0 {
        Ok(())
    } else {
        Err(Status(status))
    }
}

/// Takes ownership of memory the host filled through
/// `proxy_on_memory_allocate`.
fn take(data: *mut u8, size: usize) -> Vec<u8> {
    if data.is_null() || size == 0 {
        return Vec::new();
    }
    // SAFETY: the host obtained `data` from the SDK's
    // `proxy_on_memory_allocate(size)`, which returns a leaked
    // `Vec::<u8>::with_capacity(size)`; this rebuilds exactly that vector.
    unsafe { Vec::from_raw_parts(data, size, size) }
}

/// Writes a log line; failures to log are ignored (there is nowhere else
/// to report them).
pub fn log(level: Level, message: &str) {
    // SAFETY: pointer and length describe `message`, alive for the call.
    unsafe {
        proxy_log(level as u32, message.as_ptr(), message.len());
    }
}

/// The host's clock, in nanoseconds since the Unix epoch (0 if it has none).
pub fn now_nanos() -> u64 {
    let mut nanos = 0u64;
    // SAFETY: `nanos` is a valid out-pointer for the call.
    let status = unsafe { proxy_get_current_time_nanoseconds(&mut nanos) };
    if status == 0 { nanos } else { 0 }
}

/// Bytes `start..start + max` of a buffer (empty when absent).
pub fn buffer(buffer: Buffer, start: usize, max: usize) -> Result<Vec<u8>, Status> {
    let (mut data, mut size) = (null_mut(), 0usize);
    // SAFETY: out-pointers are valid for the call.
    let status = unsafe { proxy_get_buffer_bytes(buffer as u32, start, max, &mut data, &mut size) };
    match status {
        0 => Ok(take(data, size)),
        NOT_FOUND => Ok(Vec::new()),
        other => Err(Status(other)),
    }
}

/// Replaces `size` bytes at `start` of a buffer with `data`.
pub fn set_buffer(buffer: Buffer, start: usize, size: usize, data: &[u8]) -> Result<(), Status> {
    // SAFETY: pointer and length describe `data`, alive for the call.
    check(unsafe { proxy_set_buffer_bytes(buffer as u32, start, size, data.as_ptr(), data.len()) })
}

/// Every header of a map, names as the host keeps them (lower-case in
/// Envoy). Malformed host data yields what could be read.
pub fn headers(map: Map) -> Result<Vec<(String, String)>, Status> {
    let (mut data, mut size) = (null_mut(), 0usize);
    // SAFETY: out-pointers are valid for the call.
    check(unsafe { proxy_get_header_map_pairs(map as u32, &mut data, &mut size) })?;
    Ok(parse_pairs(&take(data, size)))
}

/// One header's value.
pub fn header(map: Map, name: &str) -> Option<String> {
    let (mut data, mut size) = (null_mut(), 0usize);
    // SAFETY: pointers describe `name`; out-pointers are valid.
    let status = unsafe {
        proxy_get_header_map_value(map as u32, name.as_ptr(), name.len(), &mut data, &mut size)
    };
    (status == 0).then(|| String::from_utf8_lossy(&take(data, size)).into_owned())
}

/// Sets a header, replacing any value.
pub fn set_header(map: Map, name: &str, value: &str) -> Result<(), Status> {
    // SAFETY: pointers and lengths describe `name` and `value`.
    check(unsafe {
        proxy_replace_header_map_value(
            map as u32,
            name.as_ptr(),
            name.len(),
            value.as_ptr(),
            value.len(),
        )
    })
}

/// Adds a header value.
pub fn add_header(map: Map, name: &str, value: &str) -> Result<(), Status> {
    // SAFETY: pointers and lengths describe `name` and `value`.
    check(unsafe {
        proxy_add_header_map_value(
            map as u32,
            name.as_ptr(),
            name.len(),
            value.as_ptr(),
            value.len(),
        )
    })
}

/// Removes a header.
pub fn remove_header(map: Map, name: &str) -> Result<(), Status> {
    // SAFETY: pointer and length describe `name`.
    check(unsafe { proxy_remove_header_map_value(map as u32, name.as_ptr(), name.len()) })
}

/// Answers the client directly.
pub fn send_local_response(
    status: u32,
    details: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> Result<(), Status> {
    let serialized = serialize_pairs(headers);
    // SAFETY: every pointer/length pair describes a live slice.
    check(unsafe {
        proxy_send_local_response(
            status,
            details.as_ptr(),
            details.len(),
            body.as_ptr(),
            body.len(),
            serialized.as_ptr(),
            serialized.len(),
            -1,
        )
    })
}

/// Asks for `proxy_on_tick` every `ms` milliseconds (0: never).
pub fn set_tick_period(ms: u32) -> Result<(), Status> {
    // SAFETY: no pointers.
    check(unsafe { proxy_set_tick_period_milliseconds(ms) })
}

/// Random bytes from the host (zeros if it has no randomness: callers mix
/// in the clock).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // SAFETY: pointer/length describe `bytes`, alive for the call.
    let _ = unsafe { random_get(bytes.as_mut_ptr(), N) };
    bytes
}

/// Defines a counter, returning its id.
pub fn define_counter(name: &str) -> Result<u32, Status> {
    let mut id = 0u32;
    // SAFETY: pointer/length describe `name`; `id` is a valid out-pointer.
    check(unsafe { proxy_define_metric(0, name.as_ptr(), name.len(), &mut id) })?;
    Ok(id)
}

/// Adds to a counter.
pub fn increment(id: u32, by: i64) -> Result<(), Status> {
    // SAFETY: no pointers.
    check(unsafe { proxy_increment_metric(id, by) })
}

/// A shared-data value and its CAS token (`None` when absent).
pub fn shared_data(key: &str) -> Result<Option<(Vec<u8>, u32)>, Status> {
    let (mut data, mut size, mut cas) = (null_mut(), 0usize, 0u32);
    // SAFETY: pointer/length describe `key`; out-pointers are valid.
    let status =
        unsafe { proxy_get_shared_data(key.as_ptr(), key.len(), &mut data, &mut size, &mut cas) };
    match status {
        0 => Ok(Some((take(data, size), cas))),
        NOT_FOUND => Ok(None),
        other => Err(Status(other)),
    }
}

/// A property (`path` segments, e.g. `["ngx", "nginx_version"]`), `None`
/// when the proxy has no such property.
pub fn property(path: &[&str]) -> Result<Option<Vec<u8>>, Status> {
    // The ABI's path is the segments joined by NUL.
    let joined = path.join("\0");
    let (mut data, mut size) = (null_mut(), 0usize);
    // SAFETY: pointer/length describe `joined`; out-pointers are valid.
    let status = unsafe { proxy_get_property(joined.as_ptr(), joined.len(), &mut data, &mut size) };
    match status {
        0 => Ok(Some(take(data, size))),
        NOT_FOUND => Ok(None),
        other => Err(Status(other)),
    }
}

/// Sets a shared-data value if its CAS token is still `cas` (0: always).
pub fn set_shared_data(key: &str, value: &[u8], cas: u32) -> Result<(), Status> {
    // SAFETY: pointer/length pairs describe `key` and `value`.
    check(unsafe {
        proxy_set_shared_data(key.as_ptr(), key.len(), value.as_ptr(), value.len(), cas)
    })
}

/// Replaces a body buffer of `current` bytes with `data`, in a way every
/// host honours: Envoy drains the size argument (at most what is there)
/// and prepends `data` (buffer_impl.cc `drainImpl` stops at the end);
/// ngx_wasm_module cuts `data` to the size argument. Passing the larger of
/// the two lengths replaces the whole body on both.
pub fn replace_body(buffer: Buffer, current: usize, data: &[u8]) -> Result<(), Status> {
    set_buffer(buffer, 0, current.max(data.len()), data)
}

/// Header map wire format (ABI 0.2.1): u32 count, then per pair u32 key
/// and value lengths, then each key and value followed by a NUL byte; all
/// little-endian.
pub fn serialize_pairs(pairs: &[(&str, &str)]) -> Vec<u8> {
    let text: usize = pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let mut out = Vec::with_capacity(4 + pairs.len() * 8 + text);
    out.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
    for (k, v) in pairs {
        out.extend_from_slice(&(k.len() as u32).to_le_bytes());
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    }
    for (k, v) in pairs {
        out.extend_from_slice(k.as_bytes());
        out.push(0);
        out.extend_from_slice(v.as_bytes());
        out.push(0);
    }
    out
}

/// Parses the header map wire format, bounds-checked: a malformed map
/// yields the pairs that could be read, never a panic.
pub fn parse_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    let u32_at = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let Some(count) = u32_at(0) else {
        return Vec::new();
    };
    let mut pairs = Vec::with_capacity(count.min(256));
    let mut text = 4usize.saturating_add(count.saturating_mul(8));
    for i in 0..count {
        let (Some(key_len), Some(value_len)) = (u32_at(4 + i * 8), u32_at(8 + i * 8)) else {
            break;
        };
        let key = bytes.get(text..text.saturating_add(key_len));
        text = text.saturating_add(key_len).saturating_add(1);
        let value = bytes.get(text..text.saturating_add(value_len));
        text = text.saturating_add(value_len).saturating_add(1);
        let (Some(key), Some(value)) = (key, value) else {
            break;
        };
        pairs.push((
            String::from_utf8_lossy(key).into_owned(),
            String::from_utf8_lossy(value).into_owned(),
        ));
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_maps_round_trip_and_survive_truncation() {
        let wire = serialize_pairs(&[(":path", "/v1/chat"), ("x-a", "")]);
        assert_eq!(
            parse_pairs(&wire),
            [
                (":path".to_owned(), "/v1/chat".to_owned()),
                ("x-a".to_owned(), String::new())
            ]
        );
        for cut in 0..wire.len() {
            assert!(parse_pairs(&wire[..cut]).len() <= 2);
        }
        let mut lying = wire.clone();
        lying[0] = 0xff;
        assert!(parse_pairs(&lying).len() <= 2);
    }
}
