//! Runs the conformance fixture through the host and checks that what happens is
//! what Envoy documents or implements. Each test names the Envoy or
//! proxy-wasm-cpp-host source it follows.

use aimsgate_host::{
    Action, HostAction, HostOptions, HttpCallResponse, HttpRequest, HttpResponse, LocalReplySender,
    LogRecord, Module, Plugin, PluginSpec, Runtime, SharedData, UpstreamRequest, build_wasm,
};

const START_MS: u64 = 1_700_000_000_000;

fn fixture() -> Module {
    let wasm = build_wasm("aimsgate-conformance-fixture").expect("fixture builds");
    Runtime::shared().load(&wasm).expect("fixture compiles")
}

fn spec(configuration: &str) -> PluginSpec {
    PluginSpec {
        name: "conformance".into(),
        root_id: "conformance-root".into(),
        vm_id: "conformance-vm".into(),
        vm_configuration: Vec::new(),
        configuration: configuration.as_bytes().to_vec(),
        fail_open: false,
    }
}

fn options() -> HostOptions {
    HostOptions {
        clusters: vec!["auth".into()],
        start_time_ms: START_MS,
        ..HostOptions::default()
    }
}

fn start_with(spec: PluginSpec, options: HostOptions) -> Plugin {
    Plugin::start(&fixture(), spec, options).expect("plugin starts")
}

fn start() -> Plugin {
    start_with(spec(""), options())
}

fn request(case: &str) -> HttpRequest {
    HttpRequest::new("POST", "/v1/chat?stream=true", "api.example.com").header("x-case", case)
}

fn ok() -> HttpResponse {
    HttpResponse::new(200, "upstream body")
        .header("content-length", "13")
        .header("x-upstream-secret", "s3cr3t")
}

fn messages(logs: &[LogRecord]) -> Vec<String> {
    logs.iter().map(|record| record.message.clone()).collect()
}

fn logged(logs: &[LogRecord], needle: &str) -> bool {
    logs.iter().any(|record| record.message.contains(needle))
}

/// context.cc `addHeaderMapValue`: headers the filter adds before continuing reach
/// the upstream; response headers it adds reach the client.
#[test]
fn added_headers_reach_upstream_and_client() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("add-header"), &mut ok());
    let upstream = outcome.upstream.as_ref().expect("upstream contacted");
    assert_eq!(upstream.header("x-added"), Some("1"));
    assert_eq!(outcome.status, 200);
    assert_eq!(outcome.header("x-response-added"), Some("1"));
    assert_eq!(outcome.body, b"upstream body");
    // The connection manager adds `server` and `date` (conn_manager_impl.cc).
    assert_eq!(outcome.header("server"), Some("envoy"));
    assert_eq!(
        outcome.header("date"),
        Some("Tue, 14 Nov 2023 22:13:20 GMT")
    );
    // ... and `x-request-id` before the filters run (generate_request_id).
    assert!(
        upstream
            .header("x-request-id")
            .is_some_and(|id| id.len() == 36)
    );
    assert!(
        plugin.unimplemented_calls().is_empty(),
        "{:?}",
        plugin.unimplemented_calls()
    );
}

/// A headers-only request reaches `on_request_headers` with end_of_stream and no
/// body callback follows (filter_manager.cc `decodeHeaders` with end_stream).
#[test]
fn headers_only_request_ends_the_stream_on_headers() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("add-header"), &mut ok());
    assert!(
        logged(&outcome.logs, "headers 7 end_of_stream true"),
        "{:#?}",
        messages(&outcome.logs)
    );
    assert!(!logged(&outcome.logs, "request body"));
}

/// Pausing in `on_request_headers` is StopAllIterationAndWatermark by default
/// (proxy-wasm-cpp-host context.cc `convertVmCallResultToFilterHeadersStatus`,
/// issue 143): the body is buffered without body callbacks; when the plugin
/// resumes, the headers go on and the body reaches the filter in one callback
/// (filter_manager.cc `commonContinue`, `iterate_from_current_filter_`). The HTTP
/// call response arrives on the root context (exports.cc `http_call` uses
/// `root_context()`), and the SDK switches to the stream with
/// `proxy_set_effective_context`, so the header it adds still reaches the upstream.
#[test]
fn pause_in_headers_holds_the_body_until_resumed() {
    let mut plugin = start();
    plugin.set_http_call_handler(Box::new(|call| {
        assert_eq!(call.cluster, "auth");
        assert_eq!(call.header("x-original-path"), Some("/v1/chat?stream=true"));
        Some(HttpCallResponse::new(200, "allowed"))
    }));
    let outcome = plugin.exchange(
        request("pause-then-continue").chunk("ab").chunk("cd"),
        &mut ok(),
    );
    let upstream = outcome.upstream.as_ref().expect("upstream contacted");
    assert_eq!(upstream.header("x-auth-status"), Some("200"));
    assert_eq!(upstream.body, b"abcd");
    let body_callbacks: Vec<_> = messages(&outcome.logs)
        .into_iter()
        .filter(|line| line.starts_with("request body"))
        .collect();
    assert_eq!(
        body_callbacks,
        vec!["request body: size 4 end_of_stream true"]
    );
    assert!(logged(
        &outcome.logs,
        "call 1 answered: status 200, 1 headers, body \"allowed\""
    ));
    assert_eq!(outcome.status, 200);
}

/// With `allow_on_headers_stop_iteration` (Envoy PluginConfig, 1.35+) Pause is a
/// plain StopIteration: body callbacks keep coming, and a body callback returning
/// Continue releases the held headers before the plugin's HTTP call answered.
#[test]
fn allow_on_headers_stop_iteration_keeps_body_callbacks_coming() {
    let mut plugin = start_with(
        spec(""),
        HostOptions {
            allow_on_headers_stop_iteration: true,
            ..options()
        },
    );
    plugin.set_http_call_handler(Box::new(|_| Some(HttpCallResponse::new(200, ""))));
    let outcome = plugin.exchange(
        request("pause-then-continue").chunk("ab").chunk("cd"),
        &mut ok(),
    );
    let body_callbacks: Vec<_> = messages(&outcome.logs)
        .into_iter()
        .filter(|line| line.starts_with("request body"))
        .collect();
    assert_eq!(
        body_callbacks,
        vec![
            "request body: size 2 end_of_stream false",
            "request body: size 2 end_of_stream true"
        ]
    );
    let upstream = outcome.upstream.as_ref().expect("upstream contacted");
    assert_eq!(
        upstream.header("x-auth-status"),
        None,
        "headers left before the call answered"
    );
    assert_eq!(upstream.body, b"abcd");
}

/// A stream the filter never resumes stalls until the connection manager's stream
/// idle timeout (5 min by default), then Envoy answers 408 "stream timeout"
/// (conn_manager_impl.cc `onIdleTimeout`) through the filter chain.
#[test]
fn a_stalled_stream_gets_envoys_idle_timeout() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("pause-headers-forever"), &mut ok());
    assert_eq!(outcome.status, 408);
    assert_eq!(outcome.body, b"stream timeout");
    assert!(outcome.upstream.is_none());
    let reply = outcome.local_reply.clone().expect("local reply");
    assert_eq!(
        reply.sent_by,
        LocalReplySender::Envoy("stream_idle_timeout".into())
    );
    assert_eq!(plugin.now_ns(), (START_MS + 300_000) * 1_000_000);
    assert_eq!(
        outcome.header("x-seen-status"),
        Some("408"),
        "the filter saw Envoy's reply"
    );
}

/// `proxy_send_local_response` in the request phase: the upstream is never
/// contacted; Envoy's local reply goes through the encoder filter chain, so the
/// same filter's `on_response_headers`/`on_response_body` see it
/// (filter_manager.cc `sendLocalReplyViaFilterChain`); headers follow
/// utility.cc `prepareLocalReply` (content-length, text/plain).
#[test]
fn local_reply_in_request_phase_passes_through_the_filter() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("local-reply").chunk("ignored"), &mut ok());
    assert!(outcome.upstream.is_none());
    assert_eq!(outcome.status, 403);
    assert_eq!(outcome.body, b"blocked by policy");
    assert_eq!(outcome.header("x-blocked"), Some("1"));
    assert_eq!(outcome.header("content-length"), Some("17"));
    assert_eq!(outcome.header("content-type"), Some("text/plain"));
    assert_eq!(outcome.header("x-seen-status"), Some("403"));
    assert_eq!(
        outcome.local_reply.as_ref().map(|reply| &reply.sent_by),
        Some(&LocalReplySender::Filter)
    );
    assert!(
        !logged(&outcome.logs, "request body"),
        "no body callback after a local reply"
    );
    let order: Vec<_> = messages(&outcome.logs)
        .into_iter()
        .filter(|line| !line.starts_with("context"))
        .map(|line| line.split(':').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        order,
        vec![
            "request headers",
            "response headers",
            "response body",
            "on_log"
        ]
    );
}

/// A local reply requested from the HTTP call callback while the headers are held.
#[test]
fn local_reply_from_an_http_call_callback() {
    let mut plugin = start();
    plugin.set_http_call_handler(Box::new(|_| Some(HttpCallResponse::new(403, "no"))));
    let outcome = plugin.exchange(request("call-then-reply"), &mut ok());
    assert!(outcome.upstream.is_none());
    assert_eq!(outcome.status, 401);
    assert_eq!(outcome.body, b"denied");
    assert_eq!(outcome.header("x-denied-by"), Some("auth"));
}

/// In the response phase, before the response headers went downstream, a local
/// reply replaces the response directly, bypassing the filters
/// (filter_manager.cc `sendDirectLocalReply`).
#[test]
fn local_reply_before_response_headers_went_out_replaces_the_response() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("local-reply-response"), &mut ok());
    assert!(outcome.upstream.is_some());
    assert_eq!(outcome.status, 418);
    assert_eq!(outcome.body, b"teapot instead");
    assert_eq!(
        outcome.header("x-seen-status"),
        None,
        "the filter did not see its own reply"
    );
    assert!(!outcome.reset);
}

/// After the response headers went downstream, a local reply can only reset the
/// stream (filter_manager.cc `sendLocalReply`, "Prior headers have already been sent").
#[test]
fn local_reply_after_response_headers_went_out_resets_the_stream() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("local-reply-late"), &mut ok());
    assert!(outcome.reset);
    assert_eq!(outcome.status, 200);
    assert!(outcome.body.is_empty());
}

/// Pause in `on_request_body` is StopIterationAndBuffer: Envoy buffers and the next
/// callback's size is the total so far; Continue forwards everything
/// (context.cc `decodeData`).
#[test]
fn paused_body_callbacks_see_the_growing_buffer() {
    let mut plugin = start();
    let outcome = plugin.exchange(
        request("buffer-body")
            .chunk("hello ")
            .chunk("wor")
            .chunk("ld"),
        &mut ok(),
    );
    assert!(
        logged(
            &outcome.logs,
            "buffered body \"hello world\" sizes [6, 9, 11]"
        ),
        "{:#?}",
        messages(&outcome.logs)
    );
    assert_eq!(outcome.upstream.expect("upstream").body, b"hello world");
}

/// `set_buffer_bytes(0, size, data)` replaces the body (context.cc
/// `Buffer::copyFrom`: drain then prepend).
#[test]
fn replacing_the_request_body() {
    let mut plugin = start();
    let outcome = plugin.exchange(
        request("replace-body").chunk("hello ").chunk("world"),
        &mut ok(),
    );
    assert_eq!(
        outcome.upstream.expect("upstream").body,
        b"replaced:HELLO WORLD"
    );
}

/// Buffering past `per_connection_buffer_limit_bytes` gets Envoy's 413
/// (filter_manager.cc `requestDataTooLarge`), which the filter sees as a response.
#[test]
fn buffering_past_the_limit_is_a_413() {
    let mut plugin = start_with(
        spec(""),
        HostOptions {
            buffer_limit: 8,
            ..options()
        },
    );
    let outcome = plugin.exchange(
        request("buffer-body").chunk("hello ").chunk("world!"),
        &mut ok(),
    );
    assert_eq!(outcome.status, 413);
    assert_eq!(outcome.body, b"Payload Too Large");
    let reply = outcome.local_reply.clone().expect("local reply");
    assert_eq!(
        reply.sent_by,
        LocalReplySender::Envoy("request_payload_too_large".into())
    );
    assert_eq!(outcome.header("x-seen-status"), Some("413"));
    // The headers had gone upstream already; the request never completed.
    assert!(
        outcome
            .upstream
            .is_some_and(|upstream| upstream.body.is_empty())
    );
}

/// Appending at the end of the buffer (`start >= length`) in the last callback; the
/// chunks before it stream through unchanged.
#[test]
fn appending_to_the_response_body_keeps_streaming() {
    let mut plugin = start();
    let mut upstream = HttpResponse {
        body: vec![b"a".to_vec(), b"b".to_vec()],
        ..HttpResponse::new(200, "")
    };
    let outcome = plugin.exchange(request("append-body"), &mut upstream);
    assert_eq!(
        outcome.chunks,
        vec![b"a".to_vec(), b"b\n-- appended".to_vec()]
    );
    assert_eq!(outcome.body, b"ab\n-- appended");
}

/// A filter that pauses every response chunk sends one chunk at the end.
#[test]
fn replacing_the_response_body_buffers_it() {
    let mut plugin = start();
    let mut upstream = HttpResponse {
        body: vec![b"x".to_vec(), b"y".to_vec(), b"z".to_vec()],
        ..ok()
    };
    let outcome = plugin.exchange(request("response-replace"), &mut upstream);
    assert_eq!(outcome.chunks, vec![b"replaced response".to_vec()]);
    assert_eq!(outcome.header("content-length"), None);
}

/// Buffering a response past the limit after its headers went out: Envoy can only
/// reset (filter_manager.cc `responseDataTooLarge` then `sendLocalReply`).
#[test]
fn buffering_a_response_past_the_limit_after_its_headers_resets() {
    let mut plugin = start_with(
        spec(""),
        HostOptions {
            buffer_limit: 2,
            ..options()
        },
    );
    let mut upstream = HttpResponse {
        body: vec![b"xx".to_vec(), b"yy".to_vec()],
        ..ok()
    };
    let outcome = plugin.exchange(request("response-replace"), &mut upstream);
    assert!(outcome.reset);
    assert_eq!(outcome.status, 200);
}

/// `proxy_remove_header_map_value` and `proxy_replace_header_map_value`
/// (`setCopy` replaces every value).
#[test]
fn removing_and_replacing_headers() {
    let mut plugin = start();
    let outcome = plugin.exchange(
        request("remove-header")
            .header("x-remove-me", "1")
            .header("x-replace-me", "a")
            .header("x-replace-me", "b"),
        &mut ok(),
    );
    let upstream = outcome.upstream.clone().expect("upstream");
    assert_eq!(upstream.header("x-remove-me"), None);
    let replaced: Vec<_> = upstream
        .headers
        .iter()
        .filter(|(key, _)| key == "x-replace-me")
        .collect();
    assert_eq!(
        replaced,
        vec![&("x-replace-me".to_owned(), "replaced".to_owned())]
    );
    assert_eq!(outcome.header("x-upstream-secret"), None);
}

/// `proxy_http_call`: recorded with lower-cased headers and an added
/// content-length; an unknown cluster is BAD_ARGUMENT (context.cc `httpCall`); a
/// failed call is delivered with no headers and no body (context.cc
/// `onHttpCallFailure` leaves the response maps null).
#[test]
fn http_calls_are_recorded_and_answered() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("http-call"), &mut ok());
    let call = &plugin.http_calls()[0];
    assert_eq!(call.cluster, "auth");
    assert_eq!(call.body, b"audit");
    assert_eq!(call.header("content-length"), Some("5"));
    assert_eq!(call.timeout_ms, 200);
    assert!(
        logged(&outcome.logs, "call 1 failed"),
        "no handler: the call fails"
    );

    let outcome = plugin.exchange(
        request("http-call").header("x-cluster", "nowhere"),
        &mut ok(),
    );
    assert!(logged(&outcome.logs, "dispatch failed: BadArgument"));
    assert_eq!(outcome.status, 200);
}

/// Metrics (context.cc `defineMetric`/`incrementMetric`/`recordMetric`): every
/// definition gets a fresh id but the same name is the same stat; a counter only
/// grows (offset 0 is BAD_ARGUMENT); a gauge is set and moved; a histogram records.
#[test]
fn metrics_follow_envoys_rules() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("metric"), &mut ok());
    assert!(
        logged(
            &outcome.logs,
            "metric ids 4 8 5 6; counter 3; increment by 0: Err(BadArgument)"
        ),
        "{:#?}",
        messages(&outcome.logs)
    );
    assert_eq!(plugin.metric("fixture_requests"), Some(3));
    assert_eq!(plugin.metric("fixture_gauge"), Some(5));
    let histogram = plugin
        .metrics()
        .into_iter()
        .find(|metric| metric.name == "fixture_latency")
        .expect("histogram");
    assert_eq!(histogram.samples, vec![42]);
}

/// Shared data is per VM id and shared by every worker (proxy-wasm-cpp-host
/// shared_data.cc): a stale CAS is CAS_MISMATCH.
#[test]
fn shared_data_is_shared_between_workers() {
    let shared = SharedData::new();
    let mut first = start_with(
        spec(""),
        HostOptions {
            shared_data: shared.clone(),
            ..options()
        },
    );
    let mut second = start_with(
        spec(""),
        HostOptions {
            shared_data: shared.clone(),
            ..options()
        },
    );
    let outcome = first.exchange(request("shared-data"), &mut ok());
    assert!(
        logged(
            &outcome.logs,
            "shared hits 0 cas None write Ok(()) stale write Err(CasMismatch)"
        ),
        "{:#?}",
        messages(&outcome.logs)
    );
    let outcome = second.exchange(request("shared-data"), &mut ok());
    assert_eq!(
        outcome.upstream.expect("upstream").header("x-hits"),
        Some("2")
    );
    assert_eq!(
        shared.get("conformance-vm", "hits").map(|(value, _)| value),
        Some(b"2".to_vec())
    );
}

/// `proxy_set_tick_period_milliseconds`: `proxy_on_tick` once per period elapsed,
/// re-armed after each tick (envoy wasm.cc `tickHandler`), on the manual clock.
#[test]
fn ticks_follow_the_manual_clock() {
    let mut plugin = start_with(spec("tick"), options());
    plugin.advance(999);
    assert_eq!(plugin.metric("fixture_ticks"), Some(0));
    plugin.advance(2501);
    assert_eq!(plugin.metric("fixture_ticks"), Some(3));
    let ticks: Vec<_> = messages(plugin.logs())
        .into_iter()
        .filter(|line| line.starts_with("tick at"))
        .collect();
    assert_eq!(
        ticks,
        vec![
            format!("tick at {}", START_MS + 1000),
            format!("tick at {}", START_MS + 2000),
            format!("tick at {}", START_MS + 3000)
        ]
    );
}

/// Properties (expr/context.cc, context.cc `getProperty`): strings raw, the
/// response code as an 8-byte little-endian integer, unknown paths NOT_FOUND.
/// Request attributes come from the request headers, which the filter no longer
/// holds in the response phase, so there they are NOT_FOUND too.
#[test]
fn properties_have_envoys_names_and_encodings() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("property"), &mut ok());
    let lines = messages(&outcome.logs);
    for expected in [
        "property request.path = <none>",
        "property response.code = 200",
        "property plugin_name = conformance",
        "property plugin_root_id = conformance-root",
        "property plugin_vm_id = conformance-vm",
        "property source.address = 127.0.0.1:54321",
        "property destination.address = 127.0.0.1:10000",
        "property no.such.property = <none>",
    ] {
        assert!(
            lines.iter().any(|line| line == expected),
            "missing {expected:?} in {lines:#?}"
        );
    }
}

/// Request attributes while the filter holds the request headers
/// (expr/context.cc `RequestLookupValues`): `url_path` and `query` split `:path`,
/// `id` is the `x-request-id` Envoy generated, `headers.<name>` one header; no
/// response yet, so `response.code` is NOT_FOUND.
#[test]
fn request_properties_while_headers_are_held() {
    let mut plugin = start();
    let outcome = plugin.exchange(
        request("property-request").header("x-request-id", "req-1"),
        &mut ok(),
    );
    let lines = messages(&outcome.logs);
    for expected in [
        "property request.path = /v1/chat?stream=true",
        "property request.url_path = /v1/chat",
        "property request.query = stream=true",
        "property request.host = api.example.com",
        "property request.method = POST",
        "property request.scheme = http",
        "property request.id = req-1",
        "property request.headers.x-case = property-request",
        "property response.code = <none>",
    ] {
        assert!(
            lines.iter().any(|line| line == expected),
            "missing {expected:?} in {lines:#?}"
        );
    }
}

/// Pausing in `on_response_headers` holds the response (StopAllIterationAndWatermark)
/// until `proxy_continue_stream(HttpResponse)`; the held body then reaches the
/// filter in one callback, and headers added meanwhile reach the client.
#[test]
fn pause_in_response_headers_until_an_http_call_answers() {
    let mut plugin = start();
    plugin.set_http_call_handler(Box::new(|_| Some(HttpCallResponse::new(204, ""))));
    let mut upstream = HttpResponse {
        body: vec![b"x".to_vec(), b"y".to_vec()],
        ..ok()
    };
    let outcome = plugin.exchange(request("pause-response"), &mut upstream);
    assert_eq!(outcome.header("x-checked"), Some("204"));
    assert_eq!(outcome.chunks, vec![b"xy".to_vec()]);
    let body_callbacks: Vec<_> = messages(&outcome.logs)
        .into_iter()
        .filter(|line| line.starts_with("response body"))
        .collect();
    assert_eq!(
        body_callbacks,
        vec!["response body: size 2 end_of_stream true"]
    );
}

/// After `on_request_headers` returned Continue the filter no longer holds the
/// request headers: reading them is BAD_ARGUMENT (context.cc `decodeHeaders`
/// clears `request_headers_`; `getHeaderMapValue`: "not currently available").
#[test]
fn request_headers_are_gone_after_continue() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("request-headers-late").chunk("body"), &mut ok());
    assert!(
        logged(&outcome.logs, "late request header read status 2"),
        "{:#?}",
        messages(&outcome.logs)
    );
    // In the access-log phase they are readable again.
    assert!(logged(
        &outcome.logs,
        "on_log: context 2 path /v1/chat?stream=true status 200"
    ));
}

/// Reading past the end of a buffer is an error, never a host panic.
#[test]
fn reading_past_the_buffer_is_an_error() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("out-of-range").chunk("abc"), &mut ok());
    assert!(
        logged(&outcome.logs, "out of range read status 6"),
        "{:#?}",
        messages(&outcome.logs)
    );
}

/// `proxy_close_stream(HttpRequest)` resets the stream (context.cc `closeStream`).
#[test]
fn closing_the_stream_resets_it() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("reset"), &mut ok());
    assert!(outcome.reset);
    assert_eq!(outcome.status, 0);
    assert!(outcome.upstream.is_none());
}

/// A trap kills the VM; failing closed, Envoy answers 503 "wasm_fail_stream" now
/// and for every later request, without calling the VM again
/// (proxy-wasm-cpp-host context.cc `CHECK_FAIL`, envoy context.cc `failStream`).
#[test]
fn a_trap_fails_closed_with_503() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("trap"), &mut ok());
    assert_eq!(outcome.status, 503);
    assert!(outcome.upstream.is_none());
    let trap = outcome.trap.expect("trap recorded");
    assert!(
        trap.contains("fixture trap in on_http_request_headers"),
        "{trap}"
    );
    assert_eq!(
        outcome.local_reply.map(|reply| reply.sent_by),
        Some(LocalReplySender::Envoy("wasm_fail_stream".into()))
    );
    let calls_before = plugin.logs().len();
    let outcome = plugin.exchange(request("add-header"), &mut ok());
    assert_eq!(outcome.status, 503);
    assert!(
        outcome.trap.is_none(),
        "the trap belongs to the earlier exchange"
    );
    assert!(plugin.trap().is_some());
    assert_eq!(plugin.logs().len(), calls_before, "a dead VM is not called");
}

/// With `fail_open` the request passes through untouched once the VM is dead.
#[test]
fn a_trap_fails_open_when_configured() {
    let mut plugin = start_with(
        PluginSpec {
            fail_open: true,
            ..spec("")
        },
        options(),
    );
    let outcome = plugin.exchange(request("trap"), &mut ok());
    assert!(outcome.trap.is_some());
    assert_eq!(outcome.status, 200);
    assert_eq!(outcome.body, b"upstream body");
    let outcome = plugin.exchange(request("add-header"), &mut ok());
    assert_eq!(outcome.status, 200);
    assert_eq!(outcome.upstream.expect("upstream").header("x-added"), None);
}

/// gRPC calls are UNIMPLEMENTED here and reported.
#[test]
fn unimplemented_calls_are_reported() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("grpc"), &mut ok());
    assert!(logged(&outcome.logs, "grpc call status 12"));
    assert_eq!(plugin.unimplemented_calls(), ["proxy_grpc_call".to_owned()]);
}

/// `proxy_on_configure` returning false rejects the configuration; an update can
/// be accepted later.
#[test]
fn rejected_configuration_is_reported() {
    let mut plugin = start_with(spec("reject"), options());
    assert!(!plugin.configured());
    assert!(plugin.reconfigure(b"fine".to_vec()).expect("no trap"));
    assert!(plugin.configured());
}

/// Stream end: `proxy_on_log` (access-log phase) then `proxy_on_done` and
/// `proxy_on_delete` (conn_manager_impl.cc `doDeferredStreamDestroy`).
#[test]
fn stream_end_logs_then_deletes() {
    let mut plugin = start();
    let outcome = plugin.exchange(request("add-header"), &mut ok());
    let lines = messages(&outcome.logs);
    let tail: Vec<_> = lines.iter().rev().take(2).rev().cloned().collect();
    assert_eq!(
        tail,
        vec![
            "on_log: context 2 path /v1/chat?stream=true status 200",
            "context 2 deleted"
        ]
    );
}

/// The low-level API calls single callbacks and exposes the requested actions.
#[test]
fn low_level_callbacks_and_actions() {
    let mut plugin = start();
    let context = plugin.create_http_context().expect("context");
    let action = plugin
        .on_request_headers(context, &request("local-reply").headers, true)
        .expect("callback");
    assert_eq!(action, Action::Pause);
    assert!(plugin.stop_iteration_forced());
    let actions = plugin.take_actions();
    assert!(
        matches!(
            actions.as_slice(),
            [HostAction::SendLocalReply { status: 403, .. }]
        ),
        "{actions:?}"
    );
    plugin.on_log(context).expect("on_log");
    assert!(plugin.on_done(context).expect("on_done"));
    plugin.on_delete(context).expect("on_delete");
    assert!(plugin.request_headers(context).is_none());
}

/// An upstream written as a closure sees the request after the filter.
#[test]
fn closures_serve_as_upstreams() {
    let mut plugin = start();
    let mut seen = None;
    let mut upstream = |request: &UpstreamRequest| {
        seen = request.header("x-added").map(str::to_owned);
        HttpResponse::new(204, "")
    };
    let outcome = plugin.exchange(request("add-header"), &mut upstream);
    assert_eq!(outcome.status, 204);
    assert_eq!(seen.as_deref(), Some("1"));
    assert!(serde_json::to_string(&outcome).is_ok());
}
