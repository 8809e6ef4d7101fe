//! The `env.proxy_*` host functions of ABI 0.2.1, with Envoy's answers
//! (proxy-wasm-cpp-host src/exports.cc for argument handling, envoy
//! source/extensions/common/wasm/context.cc for what each call does).

use wasmtime::{Caller, Linker};

use super::memory::{
    Fault, HostResult, copy_out, read, read_string, status_of, to_usize, write_u32, write_u64,
};
use crate::abi::{BufferType, MapType, Status, StreamType};
use crate::flavor::Flavor;
use crate::headers::{HeaderMap, decode_pairs, decode_string_pairs, encode_pairs};
use crate::http::HttpCall;
use crate::logs::{LogLevel, LogSource};
use crate::properties;
use crate::state::{HostAction, HostState};

type Ctx<'a> = Caller<'a, HostState>;

/// Binds every `env.proxy_*` function the host implements.
pub(crate) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        "env",
        "proxy_log",
        |mut c: Ctx<'_>, level: i32, ptr: i32, len: i32| status_of(log(&mut c, level, ptr, len)),
    )?;
    linker.func_wrap("env", "proxy_get_log_level", |mut c: Ctx<'_>, out: i32| {
        let level = c.data().config.log_level.raw() as u32;
        status_of(write_u32(&mut c, out, level))
    })?;
    linker.func_wrap(
        "env",
        "proxy_get_current_time_nanoseconds",
        |mut c: Ctx<'_>, out: i32| {
            let now = c.data().clock.now_ns();
            status_of(write_u64(&mut c, out, now))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_tick_period_milliseconds",
        |mut c: Ctx<'_>, period: i32| status_of(set_tick_period(c.data_mut(), period as u32)),
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_effective_context",
        |mut c: Ctx<'_>, context: i32| {
            let context = context as u32;
            let state = c.data_mut();
            if !state.context_exists(context) {
                return Ok(Status::BadArgument.code());
            }
            state.effective_context = context;
            Ok(Status::Ok.code())
        },
    )?;
    linker.func_wrap("env", "proxy_done", |_c: Ctx<'_>| Ok(Status::Ok.code()))?;
    linker.func_wrap(
        "env",
        "proxy_get_buffer_bytes",
        |mut c: Ctx<'_>, kind: i32, start: i32, max: i32, ptr_ptr: i32, size_ptr: i32| {
            status_of(get_buffer_bytes(
                &mut c, kind, start, max, ptr_ptr, size_ptr,
            ))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_buffer_status",
        |mut c: Ctx<'_>, kind: i32, len_ptr: i32, flags_ptr: i32| {
            status_of(get_buffer_status(&mut c, kind, len_ptr, flags_ptr))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_buffer_bytes",
        |mut c: Ctx<'_>, kind: i32, start: i32, len: i32, ptr: i32, size: i32| {
            status_of(set_buffer_bytes(&mut c, kind, start, len, ptr, size))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_header_map_pairs",
        |mut c: Ctx<'_>, kind: i32, ptr_ptr: i32, size_ptr: i32| {
            status_of(get_header_map_pairs(&mut c, kind, ptr_ptr, size_ptr))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_header_map_pairs",
        |mut c: Ctx<'_>, kind: i32, ptr: i32, size: i32| {
            status_of(set_header_map_pairs(&mut c, kind, ptr, size))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_header_map_value",
        |mut c: Ctx<'_>, kind: i32, key_ptr: i32, key_len: i32, ptr_ptr: i32, size_ptr: i32| {
            status_of(get_header_map_value(
                &mut c, kind, key_ptr, key_len, ptr_ptr, size_ptr,
            ))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_add_header_map_value",
        |mut c: Ctx<'_>, kind: i32, key_ptr: i32, key_len: i32, value_ptr: i32, value_len: i32| {
            status_of(modify_header_map(
                &mut c,
                kind,
                key_ptr,
                key_len,
                Some((value_ptr, value_len)),
                Edit::Add,
            ))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_replace_header_map_value",
        |mut c: Ctx<'_>, kind: i32, key_ptr: i32, key_len: i32, value_ptr: i32, value_len: i32| {
            status_of(modify_header_map(
                &mut c,
                kind,
                key_ptr,
                key_len,
                Some((value_ptr, value_len)),
                Edit::Replace,
            ))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_remove_header_map_value",
        |mut c: Ctx<'_>, kind: i32, key_ptr: i32, key_len: i32| {
            status_of(modify_header_map(
                &mut c,
                kind,
                key_ptr,
                key_len,
                None,
                Edit::Remove,
            ))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_header_map_size",
        |mut c: Ctx<'_>, kind: i32, out: i32| status_of(get_header_map_size(&mut c, kind, out)),
    )?;
    linker.func_wrap(
        "env",
        "proxy_continue_stream",
        |mut c: Ctx<'_>, kind: i32| Ok(continue_stream(&mut c, kind).code()),
    )?;
    linker.func_wrap("env", "proxy_close_stream", |mut c: Ctx<'_>, kind: i32| {
        Ok(close_stream(&mut c, kind).code())
    })?;
    linker.func_wrap(
        "env",
        "proxy_send_local_response",
        |mut c: Ctx<'_>,
         status: i32,
         details_ptr: i32,
         details_len: i32,
         body_ptr: i32,
         body_len: i32,
         headers_ptr: i32,
         headers_len: i32,
         grpc_status: i32| {
            status_of(send_local_response(
                &mut c,
                status,
                (details_ptr, details_len),
                (body_ptr, body_len),
                (headers_ptr, headers_len),
                grpc_status,
            ))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_http_call",
        |mut c: Ctx<'_>,
         cluster_ptr: i32,
         cluster_len: i32,
         headers_ptr: i32,
         headers_len: i32,
         body_ptr: i32,
         body_len: i32,
         trailers_ptr: i32,
         trailers_len: i32,
         timeout_ms: i32,
         token_ptr: i32| {
            status_of(http_call(
                &mut c,
                (cluster_ptr, cluster_len),
                (headers_ptr, headers_len),
                (body_ptr, body_len),
                (trailers_ptr, trailers_len),
                timeout_ms,
                token_ptr,
            ))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_shared_data",
        |mut c: Ctx<'_>, key_ptr: i32, key_len: i32, ptr_ptr: i32, size_ptr: i32, cas_ptr: i32| {
            status_of(get_shared_data(
                &mut c, key_ptr, key_len, ptr_ptr, size_ptr, cas_ptr,
            ))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_shared_data",
        |mut c: Ctx<'_>, key_ptr: i32, key_len: i32, value_ptr: i32, value_len: i32, cas: i32| {
            status_of(set_shared_data(
                &mut c, key_ptr, key_len, value_ptr, value_len, cas,
            ))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_define_metric",
        |mut c: Ctx<'_>, kind: i32, name_ptr: i32, name_len: i32, id_ptr: i32| {
            status_of(define_metric(&mut c, kind, name_ptr, name_len, id_ptr))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_increment_metric",
        |c: Ctx<'_>, id: i32, offset: i64| {
            let state = c.data();
            Ok(state
                .metric_ids
                .increment(&state.shared, id as u32, offset)
                .code())
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_record_metric",
        |c: Ctx<'_>, id: i32, value: i64| {
            let state = c.data();
            Ok(state
                .metric_ids
                .record(&state.shared, id as u32, value as u64)
                .code())
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_metric",
        |mut c: Ctx<'_>, id: i32, out: i32| {
            let value = {
                let state = c.data();
                state.metric_ids.get(&state.shared, id as u32)
            };
            status_of(
                value
                    .map_err(Fault::from)
                    .and_then(|value| write_u64(&mut c, out, value)),
            )
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_property",
        |mut c: Ctx<'_>, path_ptr: i32, path_len: i32, ptr_ptr: i32, size_ptr: i32| {
            status_of(get_property(&mut c, path_ptr, path_len, ptr_ptr, size_ptr))
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_property",
        |mut c: Ctx<'_>, path_ptr: i32, path_len: i32, value_ptr: i32, value_len: i32| {
            status_of(set_property(
                &mut c, path_ptr, path_len, value_ptr, value_len,
            ))
        },
    )?;
    add_unimplemented(linker)
}

/// Calls this host answers with UNIMPLEMENTED (and records): gRPC, shared queues and
/// foreign functions. Envoy implements them, but aimsgate's filter does not use them;
/// a plugin that does is told so loudly instead of getting a fake answer.
fn add_unimplemented(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    macro_rules! unimplemented_call {
        ($name:literal, $($arg:ident),*) => {
            linker.func_wrap("env", $name, |mut c: Ctx<'_>, $($arg: i32),*| {
                $(let _ = $arg;)*
                c.data_mut().record_unimplemented($name);
                Ok(Status::Unimplemented.code())
            })?;
        };
    }
    unimplemented_call!("proxy_grpc_call", a, b, c_, d, e, f, g, h, i, j, k, l);
    unimplemented_call!("proxy_grpc_stream", a, b, c_, d, e, f, g, h, i);
    unimplemented_call!("proxy_grpc_send", a, b, c_, d);
    unimplemented_call!("proxy_grpc_cancel", a);
    unimplemented_call!("proxy_grpc_close", a);
    unimplemented_call!("proxy_get_status", a, b, c_);
    unimplemented_call!("proxy_register_shared_queue", a, b, c_);
    unimplemented_call!("proxy_resolve_shared_queue", a, b, c_, d, e);
    unimplemented_call!("proxy_enqueue_shared_queue", a, b, c_);
    unimplemented_call!("proxy_dequeue_shared_queue", a, b, c_);
    unimplemented_call!("proxy_call_foreign_function", a, b, c_, d, e, f);
    Ok(())
}

fn log(c: &mut Ctx<'_>, level: i32, ptr: i32, len: i32) -> HostResult<()> {
    let level = LogLevel::from_raw(level).ok_or(Status::BadArgument)?;
    let mut message = read_string(c, ptr, len)?;
    if c.data().config.flavor == Flavor::NgxWasm {
        message = ngx_error_log_line(c.data(), message);
    }
    c.data_mut().log(level, message, LogSource::ProxyLog);
    Ok(())
}

/// Bytes of an nginx error-log line before the message (`2026/12/03
/// 10:00:00 [info] 4242#0: *17 [proxy-wasm]["aimsgate" #1] `), as assumed here.
const NGX_LOG_PREFIX: usize = 64;

/// `NGX_MAX_ERROR_STR`: an nginx error-log line, prefix and line feed
/// included, is cut to this (nginx src/core/ngx_log.h; ngx_log.c
/// `ngx_log_error_core`).
const NGX_MAX_ERROR_STR: usize = 2048;

/// What nginx makes of a message logged in a request: the message, cut to
/// what the line has room for, then (if room is left) the connection's
/// action and the request's `[ while …], client: …, server: …, request:
/// "…"[, upstream: "…"], host: "…"` (nginx 1.26
/// src/http/ngx_http_request.c:3873-3990 `ngx_http_log_error`, called as the
/// log handler at the end of `ngx_log_error_core`).
fn ngx_error_log_line(state: &HostState, message: String) -> String {
    let Some(stream) = state.active_stream() else {
        return message;
    };
    let room = NGX_MAX_ERROR_STR - NGX_LOG_PREFIX - 1;
    let mut line = message.into_bytes();
    line.truncate(room);
    let headers = &stream.request_headers;
    // The action: none while the request's phases run (ngx_http_handler
    // clears it, src/http/ngx_http_core_module.c:824); the upstream module's
    // once the response comes (src/http/ngx_http_upstream.c:2382 for its
    // head, 3649/4052/4628 for its body); the log phase's own
    // (ngx_http_request.c:3768).
    let (action, upstream) = match state.callback {
        "proxy_on_response_headers" => (" while reading response header from upstream", true),
        "proxy_on_response_body" | "proxy_on_response_trailers" => {
            (" while sending to client", true)
        }
        "proxy_on_log" => (" while logging request", true),
        _ => ("", false),
    };
    let path = headers.get(":path").unwrap_or("/");
    let host = headers.get("host").unwrap_or_default();
    let upstream = if upstream {
        format!(", upstream: \"https://{host}:443{path}\"")
    } else {
        String::new()
    };
    let suffix = format!(
        "{action}, client: 127.0.0.1, server: {}, request: \"{} {path} HTTP/1.1\"{upstream}, host: \"{host}\"",
        state.config.ngx_server_name,
        headers.get(":method").unwrap_or("GET"),
    );
    let left = room - line.len();
    line.extend_from_slice(&suffix.as_bytes()[..suffix.len().min(left)]);
    String::from_utf8_lossy(&line).into_owned()
}

/// The tick belongs to the root context (proxy-wasm-cpp-host `setTimerPeriod` uses
/// `root_context()->id()`); Envoy re-arms the timer `period` after each tick and a
/// period of 0 stops it (envoy wasm.cc `setTickPeriod`/`tickHandler`).
fn set_tick_period(state: &mut HostState, period_ms: u32) -> HostResult<()> {
    // ngx_wasm_module takes one tick period per root context: setting
    // another traps (3bed278,
    // src/common/proxy_wasm/ngx_proxy_wasm_host.c:287-290). Envoy replaces it.
    if state.config.flavor == Flavor::NgxWasm && period_ms > 0 && state.tick_period_ms > 0 {
        return Err(Fault::Trap(wasmtime::Error::msg("tick_period already set")));
    }
    state.tick_period_ms = period_ms;
    state.next_tick_ns = (period_ms > 0).then(|| {
        state
            .clock
            .now_ns()
            .saturating_add(u64::from(period_ms) * 1_000_000)
    });
    Ok(())
}

/// A buffer as Envoy's `Context::getBuffer` exposes it.
enum BufferView {
    /// `getBuffer` returned null: NOT_FOUND.
    Missing,
    /// A body buffer `set_buffer_bytes` may change.
    Body(Vec<u8>),
    /// Read-only data (configuration, HTTP call response, or nothing at all).
    ReadOnly(Vec<u8>),
}

fn buffer_view(state: &HostState, kind: BufferType) -> BufferView {
    let stream = state.active_stream();
    match kind {
        BufferType::HttpRequestBody => match stream {
            // ngx_wasm_module cannot read a body nginx spilled to a temp
            // file: NOT_FOUND, with an error line (3bed278,
            // src/common/proxy_wasm/ngx_proxy_wasm_host.c:76-83).
            Some(stream) if stream.request_body_in_file => BufferView::Missing,
            Some(stream) if stream.request_body_visible => {
                BufferView::Body(stream.request_body.clone().unwrap_or_default())
            }
            _ => BufferView::ReadOnly(Vec::new()),
        },
        BufferType::HttpResponseBody => match stream {
            Some(stream) if stream.response_body_visible => {
                BufferView::Body(stream.response_body.clone().unwrap_or_default())
            }
            _ => BufferView::ReadOnly(Vec::new()),
        },
        BufferType::VmConfiguration => BufferView::ReadOnly(state.config.vm_configuration.clone()),
        BufferType::PluginConfiguration => match &state.plugin_configuration {
            Some(configuration) => BufferView::ReadOnly(configuration.clone()),
            None => BufferView::Missing,
        },
        BufferType::HttpCallResponseBody => match &state.http_call_response {
            Some(response) => BufferView::ReadOnly(response.body.clone()),
            None => BufferView::Missing,
        },
        BufferType::DownstreamData
        | BufferType::UpstreamData
        | BufferType::GrpcReceiveBuffer
        | BufferType::CallData => BufferView::ReadOnly(Vec::new()),
    }
}

fn get_buffer_bytes(
    c: &mut Ctx<'_>,
    kind: i32,
    start: i32,
    max: i32,
    ptr_ptr: i32,
    size_ptr: i32,
) -> HostResult<()> {
    let kind = BufferType::from_raw(kind).ok_or(Status::BadArgument)?;
    let data = match buffer_view(c.data(), kind) {
        BufferView::Missing => return Err(Status::NotFound.into()),
        BufferView::Body(data) | BufferView::ReadOnly(data) => data,
    };
    let start = to_usize(start);
    if start > data.len() {
        // Envoy computes `length = size - start`, which wraps to an allocation of
        // nearly 4 GiB that the guest cannot satisfy: INVALID_MEMORY_ACCESS.
        return Err(Status::InvalidMemoryAccess.into());
    }
    let end = start.saturating_add(to_usize(max)).min(data.len());
    if end > start {
        copy_out(c, &data[start..end], ptr_ptr, size_ptr)?;
    }
    // Nothing to copy: OK without touching the out-pointers (exports.cc).
    Ok(())
}

fn get_buffer_status(c: &mut Ctx<'_>, kind: i32, len_ptr: i32, flags_ptr: i32) -> HostResult<()> {
    let kind = BufferType::from_raw(kind).ok_or(Status::BadArgument)?;
    let length = match buffer_view(c.data(), kind) {
        BufferView::Missing => return Err(Status::NotFound.into()),
        BufferView::Body(data) | BufferView::ReadOnly(data) => data.len(),
    };
    write_u32(c, len_ptr, u32::try_from(length).unwrap_or(u32::MAX))?;
    write_u32(c, flags_ptr, 0)
}

fn set_buffer_bytes(
    c: &mut Ctx<'_>,
    kind: i32,
    start: i32,
    length: i32,
    ptr: i32,
    size: i32,
) -> HostResult<()> {
    let kind = BufferType::from_raw(kind).ok_or(Status::BadArgument)?;
    if let BufferView::Missing = buffer_view(c.data(), kind) {
        return Err(Status::NotFound.into());
    }
    let data = read(c, ptr, size)?;
    let flavor = c.data().config.flavor;
    // ngx_wasm_module sets a request body only from the request's own
    // steps; from any other (an HTTP call's answer, a tick) it traps
    // (3bed278, src/common/proxy_wasm/ngx_proxy_wasm_host.c:478-491).
    if flavor == Flavor::NgxWasm
        && kind == BufferType::HttpRequestBody
        && !["proxy_on_request_headers", "proxy_on_request_body"].contains(&c.data().callback)
    {
        return Err(Fault::Trap(wasmtime::Error::msg(
            "can only set request body during \"on_request_body\"",
        )));
    }
    let body = c
        .data_mut()
        .active_stream_mut()
        .and_then(|stream| match kind {
            BufferType::HttpRequestBody if stream.request_body_visible => {
                Some(stream.request_body.get_or_insert_with(Vec::new))
            }
            BufferType::HttpResponseBody if stream.response_body_visible => {
                Some(stream.response_body.get_or_insert_with(Vec::new))
            }
            _ => None,
        });
    // Only a body Envoy holds for the filter is mutable; everything else is a
    // read-only view (proxy-wasm `BufferBase::copyFrom` answers BAD_ARGUMENT).
    let body = body.ok_or(Status::BadArgument)?;
    match flavor {
        Flavor::Envoy => copy_into_body(body, to_usize(start), to_usize(length), &data),
        Flavor::NgxWasm => splice_truncated(body, to_usize(start), to_usize(length), &data),
    }
}

/// ngx_wasm_module's `set_buffer_bytes`: bytes `start..start + length` are
/// replaced by `data` cut to `length` bytes, so a replacement longer than
/// the size argument loses its tail (seen with the Rust SDK's http_body
/// example). Past the end it appends.
fn splice_truncated(
    body: &mut Vec<u8>,
    start: usize,
    length: usize,
    data: &[u8],
) -> HostResult<()> {
    let start = start.min(body.len());
    let end = start.saturating_add(length).min(body.len());
    let kept = &data[..length.min(data.len())];
    body.splice(start..end, kept.iter().copied());
    Ok(())
}

/// Envoy's `Buffer::copyFrom` (context.cc): at offset 0, drain `length` bytes and
/// prepend the data (so `(0, len, data)` replaces the whole body); at or past the
/// end, append; anywhere else, BAD_ARGUMENT.
fn copy_into_body(body: &mut Vec<u8>, start: usize, length: usize, data: &[u8]) -> HostResult<()> {
    if start == 0 {
        let drained = length.min(body.len());
        body.splice(..drained, data.iter().copied());
        Ok(())
    } else if start >= body.len() {
        body.extend_from_slice(data);
        Ok(())
    } else {
        Err(Status::BadArgument.into())
    }
}

/// Envoy's `getConstMap`: the maps readable in the current context and phase.
fn map_for_read(state: &HostState, kind: MapType) -> Option<HeaderMap> {
    let stream = state.active_stream();
    match kind {
        MapType::RequestHeaders => stream.and_then(|stream| {
            (stream.access_log_phase || stream.request_headers_visible)
                .then(|| stream.request_headers.clone())
        }),
        MapType::RequestTrailers => stream.and_then(|stream| {
            (!stream.access_log_phase && stream.request_trailers_visible)
                .then(|| stream.request_trailers.clone())
                .flatten()
        }),
        MapType::ResponseHeaders => stream.and_then(|stream| {
            (stream.access_log_phase || stream.response_headers_visible)
                .then(|| stream.response_headers.clone())
                .flatten()
        }),
        MapType::ResponseTrailers => stream.and_then(|stream| {
            (stream.access_log_phase || stream.response_trailers_visible)
                .then(|| stream.response_trailers.clone())
                .flatten()
        }),
        MapType::HttpCallResponseHeaders => state
            .http_call_response
            .as_ref()
            .map(|response| HeaderMap::from_pairs(&response.headers)),
        MapType::HttpCallResponseTrailers => state
            .http_call_response
            .as_ref()
            .filter(|response| !response.trailers.is_empty())
            .map(|response| HeaderMap::from_pairs(&response.trailers)),
        MapType::GrpcReceiveInitialMetadata | MapType::GrpcReceiveTrailingMetadata => None,
    }
}

/// Envoy's `getMap`: the maps writable in the current context (null: BAD_ARGUMENT).
fn map_for_write(state: &mut HostState, kind: MapType) -> Option<&mut HeaderMap> {
    let stream = state.active_stream_mut()?;
    match kind {
        MapType::RequestHeaders if stream.request_headers_visible => {
            Some(&mut stream.request_headers)
        }
        MapType::RequestTrailers if stream.request_trailers_visible => {
            stream.request_trailers.as_mut()
        }
        MapType::ResponseHeaders if stream.response_headers_visible => {
            stream.response_headers.as_mut()
        }
        MapType::ResponseTrailers if stream.response_trailers_visible => {
            stream.response_trailers.as_mut()
        }
        _ => None,
    }
}

fn in_access_log_phase(state: &HostState) -> bool {
    state
        .active_stream()
        .is_some_and(|stream| stream.access_log_phase)
}

fn get_header_map_pairs(c: &mut Ctx<'_>, kind: i32, ptr_ptr: i32, size_ptr: i32) -> HostResult<()> {
    let kind = MapType::from_raw(kind).ok_or(Status::BadArgument)?;
    // A map that is not available reads as empty (context.cc `headerMapToPairs(nullptr)`).
    let pairs = map_for_read(c.data(), kind)
        .map(|map| map.to_pairs())
        .unwrap_or_default();
    let serialized = if pairs.is_empty() {
        Vec::new()
    } else {
        encode_pairs(&pairs)
    };
    copy_out(c, &serialized, ptr_ptr, size_ptr)
}

fn set_header_map_pairs(c: &mut Ctx<'_>, kind: i32, ptr: i32, size: i32) -> HostResult<()> {
    let kind = MapType::from_raw(kind).ok_or(Status::BadArgument)?;
    let serialized = read(c, ptr, size)?;
    let map = map_for_write(c.data_mut(), kind).ok_or(Status::BadArgument)?;
    *map = HeaderMap::new();
    for (key, value) in decode_pairs(&serialized) {
        map.add(
            &String::from_utf8_lossy(&key),
            &String::from_utf8_lossy(&value),
        );
    }
    Ok(())
}

fn get_header_map_value(
    c: &mut Ctx<'_>,
    kind: i32,
    key_ptr: i32,
    key_len: i32,
    ptr_ptr: i32,
    size_ptr: i32,
) -> HostResult<()> {
    let kind = MapType::from_raw(kind).ok_or(Status::BadArgument)?;
    let key = read_string(c, key_ptr, key_len)?;
    let value = match map_for_read(c.data(), kind) {
        Some(map) => map.get(&key).map(str::to_owned).ok_or(Status::NotFound)?,
        // context.cc: maps may be null in the access-log phase (NOT_FOUND); otherwise
        // "requested map type is not currently available" (BAD_ARGUMENT).
        None if in_access_log_phase(c.data()) => return Err(Status::NotFound.into()),
        None => return Err(Status::BadArgument.into()),
    };
    copy_out(c, value.as_bytes(), ptr_ptr, size_ptr)
}

#[derive(Clone, Copy)]
enum Edit {
    Add,
    Replace,
    Remove,
}

fn modify_header_map(
    c: &mut Ctx<'_>,
    kind: i32,
    key_ptr: i32,
    key_len: i32,
    value: Option<(i32, i32)>,
    edit: Edit,
) -> HostResult<()> {
    let kind = MapType::from_raw(kind).ok_or(Status::BadArgument)?;
    let key = read_string(c, key_ptr, key_len)?;
    let value = match value {
        Some((ptr, len)) => read_string(c, ptr, len)?,
        None => String::new(),
    };
    let map = map_for_write(c.data_mut(), kind).ok_or(Status::BadArgument)?;
    match edit {
        Edit::Add => map.add(&key, &value),
        Edit::Replace => map.set(&key, &value),
        Edit::Remove => map.remove(&key),
    }
    Ok(())
}

fn get_header_map_size(c: &mut Ctx<'_>, kind: i32, out: i32) -> HostResult<()> {
    let kind = MapType::from_raw(kind).ok_or(Status::BadArgument)?;
    let size = map_for_write(c.data_mut(), kind)
        .ok_or(Status::BadArgument)?
        .byte_size();
    write_u32(c, out, u32::try_from(size).unwrap_or(u32::MAX))
}

/// Envoy's `Context::continueStream`: continuing is deferred until the VM call
/// returns, and afterwards the request maps and buffer are no longer the filter's
/// (the code clears them for the request and the response stream alike).
fn continue_stream(c: &mut Ctx<'_>, kind: i32) -> Status {
    let Some(kind) = StreamType::from_raw(kind) else {
        return Status::BadArgument;
    };
    let state = c.data_mut();
    let context_id = state.active_context();
    let action = match kind {
        StreamType::Request => HostAction::ContinueRequest { context_id },
        StreamType::Response => HostAction::ContinueResponse { context_id },
        // No network filter here; Envoy's `continueReading` has nothing to resume.
        StreamType::Downstream => return Status::Ok,
        StreamType::Upstream => {
            state.record_unimplemented("proxy_continue_stream(Upstream)");
            return Status::Unimplemented;
        }
    };
    if let Some(stream) = state.active_stream_mut() {
        stream.request_headers_visible = false;
        stream.request_body_visible = false;
        stream.request_trailers_visible = false;
        state.after_call.push(action);
    }
    Status::Ok
}

/// Envoy's `Context::closeStream`: an HTTP stream is reset once the VM call returns.
fn close_stream(c: &mut Ctx<'_>, kind: i32) -> Status {
    let Some(kind) = StreamType::from_raw(kind) else {
        return Status::BadArgument;
    };
    let state = c.data_mut();
    if matches!(kind, StreamType::Request | StreamType::Response) {
        let context_id = state.active_context();
        if let Some(stream) = state.active_stream_mut() {
            stream
                .response_code_details
                .get_or_insert_with(|| "wasm_close_stream".to_owned());
            state
                .after_call
                .push(HostAction::ResetStream { context_id });
        }
    }
    Status::Ok
}

fn send_local_response(
    c: &mut Ctx<'_>,
    status: i32,
    details: (i32, i32),
    body: (i32, i32),
    headers: (i32, i32),
    grpc_status: i32,
) -> HostResult<()> {
    let details = read_string(c, details.0, details.1)?;
    let body = read(c, body.0, body.1)?;
    let headers = read(c, headers.0, headers.1)?;
    let headers = decode_string_pairs(&headers)
        .into_iter()
        .map(|(key, value)| (key.to_ascii_lowercase(), value))
        .collect();
    let state = c.data_mut();
    let context_id = state.active_context();
    // Only a stream context has decoder callbacks to reply through (context.cc).
    if state.active_stream().is_some() {
        state.after_call.push(HostAction::SendLocalReply {
            context_id,
            status: status as u32,
            // `StringUtil::replaceAllEmptySpace`.
            details: details
                .chars()
                .map(|ch| if ch.is_whitespace() { '_' } else { ch })
                .collect(),
            body,
            headers,
            // SDKs pass -1 for "no gRPC status"; Envoy keeps only 0..=16.
            grpc_status: u32::try_from(grpc_status)
                .ok()
                .filter(|status| *status <= 16),
        });
    }
    state.stop_next_iteration = true;
    Ok(())
}

fn http_call(
    c: &mut Ctx<'_>,
    cluster: (i32, i32),
    headers: (i32, i32),
    body: (i32, i32),
    trailers: (i32, i32),
    timeout_ms: i32,
    token_ptr: i32,
) -> HostResult<()> {
    let cluster = read_string(c, cluster.0, cluster.1)?;
    let body = read(c, body.0, body.1)?;
    let headers = read(c, headers.0, headers.1)?;
    let trailers = read(c, trailers.0, trailers.1)?;
    // exports.cc writes the token slot first to validate it before starting anything.
    write_u32(c, token_ptr, 0)?;
    if timeout_ms < 0 {
        return Err(Status::BadArgument.into());
    }
    let state = c.data_mut();
    let mut header_map = HeaderMap::from_pairs(&decode_string_pairs(&headers));
    if state.config.flavor == Flavor::NgxWasm {
        // ngx_wasm_module: calls only from these steps, others trap
        // (3bed278, src/common/proxy_wasm/ngx_proxy_wasm_host.c:1187-1204);
        // the cluster is an address the module connects to itself, so an
        // unknown one is a call that fails later, a response without
        // headers (src/http/proxy_wasm/ngx_http_proxy_wasm_dispatch.c), and
        // `:authority` defaults to it (same file, 566-580).
        const STEPS: [&str; 4] = [
            "proxy_on_request_headers",
            "proxy_on_request_body",
            "proxy_on_tick",
            "proxy_on_http_call_response",
        ];
        if !STEPS.contains(&state.callback) {
            return Err(Fault::Trap(wasmtime::Error::msg(
                "can only send HTTP dispatch during \"on_request_headers\", \"on_request_body\", \"on_tick\", \"on_dispatch_response\", \"on_foreign_function\"",
            )));
        }
        if header_map.get(":authority").is_none() {
            header_map.set(":authority", &cluster);
        }
    } else if !state.config.clusters.contains(&cluster) {
        // context.cc `httpCall`: an unknown cluster, or a request without
        // :path, :method or :authority, is BAD_ARGUMENT.
        return Err(Status::BadArgument.into());
    }
    if [":path", ":method", ":authority"]
        .iter()
        .any(|key| header_map.get(key).is_none())
    {
        return Err(Status::BadArgument.into());
    }
    if !body.is_empty() {
        header_map.set("content-length", &body.len().to_string());
    }
    let trailers = HeaderMap::from_pairs(&decode_string_pairs(&trailers));
    let token = state.next_http_call_token;
    state.next_http_call_token = state.next_http_call_token.wrapping_add(1).max(1);
    let context_id = state.active_context();
    state.http_calls.push(HttpCall {
        token,
        context_id,
        cluster,
        headers: header_map.to_pairs(),
        body,
        trailers: trailers.to_pairs(),
        timeout_ms: timeout_ms as u32,
    });
    state.pending_http_calls.push_back(token);
    write_u32(c, token_ptr, token)
}

fn get_shared_data(
    c: &mut Ctx<'_>,
    key_ptr: i32,
    key_len: i32,
    ptr_ptr: i32,
    size_ptr: i32,
    cas_ptr: i32,
) -> HostResult<()> {
    let key = read_string(c, key_ptr, key_len)?;
    ngx_shm_kv_zone(c.data(), &key, "getting")?;
    let state = c.data();
    let (value, cas) = state
        .shared
        .get(&state.config.vm_id, &key)
        .ok_or(Status::NotFound)?;
    copy_out(c, &value, ptr_ptr, size_ptr)?;
    write_u32(c, cas_ptr, cas)
}

fn set_shared_data(
    c: &mut Ctx<'_>,
    key_ptr: i32,
    key_len: i32,
    value_ptr: i32,
    value_len: i32,
    cas: i32,
) -> HostResult<()> {
    let key = read_string(c, key_ptr, key_len)?;
    ngx_shm_kv_zone(c.data(), &key, "setting")?;
    let value = read(c, value_ptr, value_len)?;
    let state = c.data();
    match state
        .shared
        .set(&state.config.vm_id, &key, value, cas as u32)
    {
        Status::Ok => Ok(()),
        status => Err(status.into()),
    }
}

fn define_metric(
    c: &mut Ctx<'_>,
    kind: i32,
    name_ptr: i32,
    name_len: i32,
    id_ptr: i32,
) -> HostResult<()> {
    let name = read_string(c, name_ptr, name_len)?;
    let state = c.data_mut();
    let shared = state.shared.clone();
    let id = state.metric_ids.define(&shared, kind, name)?;
    write_u32(c, id_ptr, id)
}

fn get_property(
    c: &mut Ctx<'_>,
    path_ptr: i32,
    path_len: i32,
    ptr_ptr: i32,
    size_ptr: i32,
) -> HostResult<()> {
    let path = read(c, path_ptr, path_len)?;
    let value = properties::get(c.data(), &path)?;
    copy_out(c, &value, ptr_ptr, size_ptr)
}

fn set_property(
    c: &mut Ctx<'_>,
    path_ptr: i32,
    path_len: i32,
    value_ptr: i32,
    value_len: i32,
) -> HostResult<()> {
    let path = read(c, path_ptr, path_len)?;
    let value = read(c, value_ptr, value_len)?;
    properties::set(c.data_mut(), path, value).map_err(Fault::from)
}

/// ngx_wasm_module serves shared data from `shm_kv` zones only: the key's
/// namespace (before its first `/`) names a zone, else the default `*`
/// zone; with neither the call traps (3bed278,
/// src/common/shm/ngx_wa_shm_kv.c:391-440 `ngx_wa_shm_kv_resolve_key`;
/// src/common/proxy_wasm/ngx_proxy_wasm_host.c:1290-1296, 1365-1371).
fn ngx_shm_kv_zone(state: &HostState, key: &str, doing: &str) -> HostResult<()> {
    if state.config.flavor != Flavor::NgxWasm {
        return Ok(());
    }
    let zones = &state.config.ngx_shm_kv;
    let namespace = key.split_once('/').map(|(namespace, _)| namespace);
    let served = namespace.is_some_and(|n| !n.is_empty() && zones.iter().any(|z| z == n))
        || zones.iter().any(|z| z == "*");
    if served {
        return Ok(());
    }
    Err(Fault::Trap(wasmtime::Error::msg(format!(
        "failed {doing} value {} shm (could not resolve namespace)",
        if doing == "getting" { "from" } else { "to" }
    ))))
}
