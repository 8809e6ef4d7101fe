//! The filter on both families of proxy-wasm hosts: Envoy (and Istio) and
//! Kong's ngx_wasm_module, whose body replacement and host header differ.
//! Every body the filter rewrites must come out whole on both.

use crate::common::*;
use aimsgate_host::{Flavor, HostOptions};
use serde_json::Value;

/// The baseline with the options each host needs: on ngx_wasm_module the
/// host the client addressed is in `host` (`:authority` names the server
/// block there).
fn on(flavor: Flavor) -> aimsgate_host::Plugin {
    let host_header = match flavor {
        Flavor::Envoy => ":authority",
        Flavor::NgxWasm => "host",
    };
    with_host_header(flavor, host_header)
}

fn with_host_header(flavor: Flavor, host_header: &str) -> aimsgate_host::Plugin {
    let plugin = configured(
        &baseline(),
        serde_json::json!({"host_header": host_header}),
        HostOptions {
            flavor,
            ..HostOptions::default()
        },
    );
    assert!(plugin.configured(), "{:?}", plugin.logs());
    plugin
}

/// On Kong, `:authority` names the server block, not the provider: left at
/// its Envoy default, `host_header` makes every request an unknown host,
/// refused — closed, not open.
#[test]
fn the_wrong_host_header_on_ngx_wasm_module_fails_closed() {
    let mut plugin = with_host_header(Flavor::NgxWasm, ":authority");
    let run = openai(
        &mut plugin,
        &chat("deploy with AKIAIOSFODNN7EXAMPLE"),
        1,
        completion("ok"),
    );
    assert_eq!(run.outcome.status, 403);
    assert_eq!(
        run.request.as_ref().and_then(|r| r.code.as_deref()),
        Some("host_not_governed")
    );
    assert!(!upstream_text(&run).contains("AKIAIOSFODNN7EXAMPLE"));
}

/// nginx picks the server, and so the upstream, by the request line's
/// host when the line is in absolute form; a `Host` naming another governed
/// host must not make the filter apply that host's rules to this traffic.
#[test]
fn a_host_header_other_than_the_request_line_is_refused_on_ngx_wasm_module() {
    let mut plugin = on(Flavor::NgxWasm);
    // `POST http://api.openai.com/v1/chat/completions` with `Host:
    // api.anthropic.com`.
    let mut misdirected = request("api.openai.com", "/v1/chat/completions", &chat("hi"), 1);
    misdirected
        .headers
        .push(("host".into(), "api.anthropic.com".into()));
    let run = exchange(&mut plugin, misdirected, completion("ok"));
    assert_eq!(run.outcome.status, 421);
    assert_eq!(
        run.request.as_ref().and_then(|r| r.code.as_deref()),
        Some("host_mismatch")
    );
    assert!(run.outcome.upstream.is_none(), "nothing reached a provider");
    // The same host in another spelling (case, port) is the same host.
    let mut spelt = request("API.openai.com:443", "/v1/chat/completions", &chat("hi"), 1);
    spelt.headers.push(("host".into(), "api.openai.com".into()));
    let run = exchange(&mut plugin, spelt, completion("ok"));
    assert_eq!(run.outcome.status, 200, "{}", body_text(&run));
}

#[test]
fn rewritten_bodies_are_whole_on_envoy_and_on_ngx_wasm_module() {
    for flavor in [Flavor::Envoy, Flavor::NgxWasm] {
        let mut plugin = on(flavor);
        // A redaction makes the request longer than it was.
        let run = openai(
            &mut plugin,
            &chat("card 4111 1111 1111 1111 mail jane@example.com"),
            2,
            completion("your mail is jane@example.com"),
        );
        assert_eq!(outcome(&run.request), "redact", "{flavor:?}");
        assert_eq!(
            run.request.as_ref().unwrap().route.as_deref(),
            Some("openai")
        );
        let upstream = upstream_text(&run);
        let sent: Value = serde_json::from_str(&upstream)
            .unwrap_or_else(|e| panic!("{flavor:?}: upstream got broken JSON ({e}): {upstream}"));
        let text = sent["messages"][0]["content"].as_str().unwrap();
        assert!(
            text.ends_with("mail [REDACTED:email]") && !text.contains("4111"),
            "{flavor:?}: {text}"
        );
        // So does a redacted response.
        let body = body_text(&run);
        let got: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{flavor:?}: client got broken JSON ({e}): {body}"));
        assert_eq!(
            got["choices"][0]["message"]["content"], "your mail is [REDACTED:email]",
            "{flavor:?}"
        );
        // And a stream whose match straddles chunks.
        let stream = sse(
            &[
                chunk_event("write to jane@exa"),
                chunk_event("mple.com today"),
            ],
            &[30],
        );
        let run = openai(&mut plugin, &chat("hi"), 1, stream);
        let body = body_text(&run);
        assert!(
            body.contains("[REDACTED:email]") && !body.contains("jane@"),
            "{flavor:?}: {body}"
        );
        assert!(
            body.contains(" today"),
            "{flavor:?}: the tail was lost: {body}"
        );
        // A refusal of a response replaces a body longer than itself.
        let run = openai(
            &mut plugin,
            &chat("key AKIAIOSFODNN7EXAMPLE"),
            1,
            completion("x"),
        );
        assert_eq!(run.outcome.status, 403, "{flavor:?}");
        let error: Value = serde_json::from_slice(&run.outcome.body).expect("error JSON");
        assert!(error["error"]["message"].is_string(), "{flavor:?}");
    }
}

/// Only a canary rule, so no other detector's holdback hides how little
/// the canary's own holds back.
const CANARY_POLICY: &str = r#"apiVersion: aimsgate/v1
kind: Policy
metadata: {name: canary, version: "1", owner: me, approver: you, approved: 2026-01-01}
detectors:
  - id: canary
    builtin: system-prompt-canary
    canary: [AIMS-CANARY-5b8e1f0a9d2c]
rules:
  - id: no-prompt-leak
    phase: response
    when: {detector: canary}
    action: block
    controls: [owasp-llm:LLM07]
"#;

/// A canary whose start is disguised by a zero-width space (or spelt in
/// full-width letters) and split across stream events is still caught on
/// both hosts: the stream's holdback is worked out on the normalised text.
#[test]
fn a_disguised_canary_split_across_stream_events_is_caught_on_both_hosts() {
    for flavor in [Flavor::Envoy, Flavor::NgxWasm] {
        let mut plugin = start(
            compile(CANARY_POLICY),
            HostOptions {
                flavor,
                ..HostOptions::default()
            },
        );
        assert!(plugin.configured(), "{:?}", plugin.logs());
        for (first, second) in [
            (
                "the reference is AIMS-CANA\u{200b}",
                "RY-5b8e1f0a9d2c, thanks",
            ),
            (
                "the reference is ＡＩＭＳ-ＣＡＮＡ",
                "RY-5b8e1f0a9d2c, thanks",
            ),
        ] {
            // Each event in its own body chunk, as a provider flushes them.
            let events = [chunk_event(first), chunk_event(second)];
            let stream = sse(&events, &[events[0].len()]);
            let run = openai(&mut plugin, &chat("hi"), 1, stream);
            let body = body_text(&run);
            assert_eq!(
                outcome(&run.response),
                "block",
                "{flavor:?} {first:?}: {body}"
            );
            assert!(
                !body.contains("5b8e1f0a9d2c"),
                "{flavor:?} {first:?}: the canary reached the client: {body}"
            );
        }
    }
}

/// ngx_wasm_module announces a body for every request (`end_of_stream =
/// false` on the headers) and then sends no body callback when there is
/// none: the stored answer a GET reads back must still be inspected.
#[test]
fn a_bodiless_request_has_its_response_governed_on_both_hosts() {
    for flavor in [Flavor::Envoy, Flavor::NgxWasm] {
        let mut plugin = on(flavor);
        let mut get = request("api.openai.com", "/v1/chat/completions/chatcmpl-1", b"", 1);
        get.body.clear();
        get.headers.retain(|(k, _)| k != "content-length");
        for (k, v) in &mut get.headers {
            if k == ":method" {
                *v = "GET".into();
            }
        }
        let run = exchange(
            &mut plugin,
            get,
            completion("Our internal reference is AIMS-CANARY-5b8e1f0a9d2c."),
        );
        assert_eq!(
            run.request.as_ref().and_then(|r| r.code.as_deref()),
            Some("no_body"),
            "{flavor:?}"
        );
        assert_eq!(outcome(&run.response), "block", "{flavor:?}");
        assert!(!body_text(&run).contains("AIMS-CANARY"), "{flavor:?}");
    }
}

// --- ngx_wasm_module as it really behaves (issue 12) ------------------------

fn ngx(host: HostOptions) -> HostOptions {
    HostOptions {
        flavor: Flavor::NgxWasm,
        ..host
    }
}

/// A 40 KB completion with an e-mail address at its very end, with a
/// `Content-Length`, in 8 KiB chunks as an upstream sends it.
fn long_completion() -> aimsgate_host::HttpResponse {
    let text = format!("{} write to jane@example.com", "lorem ipsum ".repeat(3400));
    let mut response = completion(&text);
    let body = response.body.concat();
    response
        .headers
        .push(("content-length".into(), body.len().to_string()));
    response.body = body.chunks(8192).map(<[u8]>::to_vec).collect();
    response
}

/// ngx_wasm_module honours one pause per response: it collects up to
/// `wasm_response_body_buffers` (4 × 4 KiB by default), calls the filter
/// again, and forwards whatever it answers, without an end-of-stream call
/// ever coming for a body longer than the buffers. What the filter cannot
/// hold whole is cut with the API's error, never passed uninspected.
#[test]
fn a_response_larger_than_the_proxy_holds_is_cut_not_passed() {
    // Envoy holds it whole: inspected, redacted.
    let run = openai(&mut on(Flavor::Envoy), &chat("hi"), 1, long_completion());
    assert_eq!(outcome(&run.response), "redact");
    assert!(body_text(&run).contains("[REDACTED:email]"));

    let mut plugin = on(Flavor::NgxWasm);
    let run = openai(&mut plugin, &chat("hi"), 1, long_completion());
    let body = body_text(&run);
    assert!(!body.contains("jane@example.com"), "passed uninspected");
    assert!(!body.contains("lorem"), "part of it passed: {}", body.len());
    let error: Value = serde_json::from_str(&body).expect("the API's error JSON");
    assert_eq!(error["error"]["code"], "response_unbuffered");
    let response = run.response.as_ref().expect("a response event");
    assert_eq!(response.outcome, "block");
    assert_eq!(response.code.as_deref(), Some("response_unbuffered"));

    // With buffers as large as the body limit (what `compile --emit kong`
    // configures), it is inspected whole there too.
    let mut plugin = configured(
        &baseline(),
        serde_json::json!({"host_header": "host"}),
        ngx(HostOptions {
            ngx_response_buffers: 64 * 1024,
            ..HostOptions::default()
        }),
    );
    let run = openai(&mut plugin, &chat("hi"), 1, long_completion());
    assert_eq!(outcome(&run.response), "redact");
    assert!(body_text(&run).contains("[REDACTED:email]"));
}

/// A request body nginx spilled to a temp file (over
/// `client_body_buffer_size`) cannot be read by the filter: refused as
/// unreadable, not parsed as an empty or broken body.
#[test]
fn a_request_body_in_a_temp_file_is_refused_as_unreadable() {
    let mut plugin = on(Flavor::NgxWasm);
    let long = format!("{} AKIAIOSFODNN7EXAMPLE", "lorem ipsum ".repeat(2000));
    let run = openai(&mut plugin, &chat(&long), 1, completion("ok"));
    let request = run.request.as_ref().expect("a request event");
    assert_eq!(request.outcome, "block");
    assert_eq!(request.code.as_deref(), Some("body_unreadable"));
    assert!(!upstream_text(&run).contains("AKIA"));
    // Under the limit it is read and governed as usual.
    let run = openai(
        &mut plugin,
        &chat("AKIAIOSFODNN7EXAMPLE"),
        1,
        completion("ok"),
    );
    assert_eq!(run.outcome.status, 403);
}

/// Without an `shm_kv` zone, ngx_wasm_module traps inside
/// `proxy_get_shared_data`. The filter does not call it there unless told
/// a zone exists: budgets count per worker, and the events say so.
#[test]
fn without_shm_kv_budgets_count_per_worker_and_nothing_traps() {
    let rules = compile(BUDGET_POLICY);
    let host = ngx(HostOptions::default());
    let mut first = configured(
        &rules,
        serde_json::json!({"host_header": "host"}),
        host.clone(),
    );
    let mut second = configured(&rules, serde_json::json!({"host_header": "host"}), host);
    for worker in [&mut first, &mut second] {
        for _ in 0..2 {
            let run = openai(worker, &chat("hi"), 1, completion("ok"));
            assert_eq!(run.outcome.status, 200);
            let request = run.request.as_ref().expect("a request event");
            assert_eq!(request.line["aimsgate.budget_scope"], "worker");
        }
        // Ticks (audit checkpoints and witnesses) do not trap either.
        worker.advance(30_000);
        assert_eq!(worker.trap(), None);
    }
    let run = openai(&mut first, &chat("hi"), 1, completion("ok"));
    assert_eq!(run.outcome.status, 429);

    // With a zone and `shared_data: on`, the workers share the budget.
    let host = ngx(HostOptions {
        ngx_shm_kv: vec!["aimsgate".into()],
        ..HostOptions::default()
    });
    let options = serde_json::json!({"host_header": "host", "shared_data": "on"});
    let mut first = configured(&rules, options.clone(), host.clone());
    let mut second = configured(&rules, options, host);
    for worker in [&mut first, &mut second] {
        let run = openai(worker, &chat("hi"), 1, completion("ok"));
        assert_eq!(run.outcome.status, 200);
        let request = run.request.as_ref().expect("a request event");
        assert!(request.line.get("aimsgate.budget_scope").is_none());
    }
    let run = openai(&mut first, &chat("hi"), 1, completion("ok"));
    assert_eq!(run.outcome.status, 429);
}

/// A rule set that does not load makes ngx_wasm_module kill the worker for
/// good if the filter says so; the filter takes the configuration instead
/// and fails closed on governed requests, with an audit event.
#[test]
fn a_bad_rule_set_on_ngx_wasm_module_keeps_the_worker_and_fails_closed() {
    let broken =
        br#"{"ruleset": {"format": "aimsgate-ruleset"}, "options": {"host_header": "host"}}"#;
    let mut plugin = start(broken.to_vec(), ngx(HostOptions::default()));
    assert_eq!(plugin.trap(), None, "the worker died");
    let run = openai(
        &mut plugin,
        &chat("AKIAIOSFODNN7EXAMPLE"),
        1,
        completion("ok"),
    );
    assert_eq!(run.outcome.status, 503);
    assert_eq!(
        run.request.as_ref().and_then(|r| r.code.as_deref()),
        Some("no_ruleset")
    );
    assert!(!upstream_text(&run).contains("AKIA"));
    // Envoy refuses the configuration instead (an xDS NACK keeps the old one).
    let plugin = start(broken.to_vec(), HostOptions::default());
    assert!(!plugin.configured());
}

/// nginx cuts error-log lines at 2,048 bytes and appends the client and the
/// request line: on ngx_wasm_module long events go out in parts that fit,
/// and every event reads back whole and intact.
#[test]
fn audit_events_survive_nginx_error_log_lines() {
    let mut plugin = on(Flavor::NgxWasm);
    let run = openai(
        &mut plugin,
        &chat("card 4111 1111 1111 1111 mail jane@example.com and bob@example.org"),
        1,
        completion("your mail is jane@example.com"),
    );
    assert_eq!(outcome(&run.request), "redact");
    // A short response event, logged whole while nginx sends the response
    // (its line then carries ` while sending to client, client: …`).
    let allowed = openai(&mut plugin, &chat("hi"), 1, completion("hello"));
    assert_eq!(outcome(&allowed.response), "allow");
    let logs: Vec<_> = run
        .outcome
        .logs
        .iter()
        .chain(&allowed.outcome.logs)
        .collect();
    assert!(
        logs.iter()
            .any(|l| l.message.contains("} while sending to client, client: ")),
        "no whole event logged in the response phase"
    );
    let logs = &logs;
    assert!(
        logs.iter().all(|l| l.message.len() < 2048 - 64),
        "a line nginx would cut"
    );
    assert!(
        logs.iter()
            .any(|l| l.message.contains(aimsgate_engine::audit::PART_MARKER)),
        "no event needed parts: the test no longer shows the split"
    );
    assert!(logs.iter().any(|l| l.message.contains(", client: ")));
    let mut joiner = aimsgate_engine::audit::Joiner::default();
    let mut events = 0;
    for record in logs {
        let line = match joiner.feed(&record.message) {
            aimsgate_engine::audit::Joined::Line(line) => line.to_owned(),
            aimsgate_engine::audit::Joined::Event(event) => event,
            aimsgate_engine::audit::Joined::Pending => continue,
            aimsgate_engine::audit::Joined::Broken(why) => panic!("{why}"),
        };
        match aimsgate_engine::audit::open(&line) {
            Ok(opened) => {
                assert!(opened.intact, "{line}");
                events += 1;
            }
            Err(aimsgate_engine::audit::OpenError::NotAnEvent) => {}
            Err(unreadable) => panic!("{unreadable}: {line}"),
        }
    }
    // Each exchange's request and response event.
    assert!(events >= 4, "{events} events");
}

/// Bytes of an nginx size (`4m`, `512k`, `1024`).
fn nginx_bytes(size: &str) -> usize {
    aimsgate_compiler::deploy_config::nginx_bytes(size).expect("an nginx size")
}

/// `aimsgate compile --emit kong` as shipped: its filter configuration on
/// ngx_wasm_module with the settings its header asks of Kong, for every host
/// its routes name — governed, with large responses inspected whole and
/// budgets in the shared zone (nothing traps).
#[test]
fn the_emitted_kong_configuration_governs_every_host_it_routes() {
    let rules = aimsgate_engine::ruleset::RuleSet::from_bytes(&baseline()).expect("loads");
    let deployment = aimsgate_compiler::emit::Deployment::default();
    let text = aimsgate_compiler::emit::kong_declarative(&rules, &deployment);
    let path = std::env::temp_dir().join(format!("aimsgate-kong-{}.yaml", std::process::id()));
    std::fs::write(&path, &text).unwrap();
    let kong = aimsgate_compiler::deploy_config::from_kong(&path).expect("a Kong file");
    let _ = std::fs::remove_file(&path);
    let env = |name: &str| {
        kong.environment
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{name} is not in the header:\n{text}"))
    };
    assert_eq!(env("KONG_WASM"), "on");
    assert!(!env("KONG_NGINX_WASM_SHM_KV_AIMSGATE").is_empty());
    let buffers = env("KONG_NGINX_PROXY_WASM_RESPONSE_BODY_BUFFERS");
    let (count, size) = buffers.split_once(' ').expect("`number size`");
    let host = HostOptions {
        flavor: Flavor::NgxWasm,
        // `KONG_NGINX_WASM_SHM_KV_AIMSGATE` declares the zone `aimsgate`.
        ngx_shm_kv: vec!["aimsgate".into()],
        ngx_response_buffers: count.parse::<usize>().unwrap() * nginx_bytes(size),
        ngx_client_body_buffer_size: nginx_bytes(&env("KONG_NGINX_PROXY_CLIENT_BODY_BUFFER_SIZE")),
        ..HostOptions::default()
    };
    let mut plugin = start(kong.plugin.configuration.clone(), host);
    assert!(plugin.configured(), "{:?}", plugin.logs());
    let named = aimsgate_compiler::emit::governed_hosts(&rules).named;
    assert_eq!(
        kong.hosts, named,
        "Kong routes exactly the hosts the policy names"
    );
    governs_every_host(&mut plugin, &named);
}

/// `aimsgate compile --emit nginx` written out: nginx.conf read back as
/// nginx reads it, and the rules.bin it serves at the path it names.
struct EmittedNginx {
    dir: std::path::PathBuf,
    conf: aimsgate_compiler::deploy_config::NginxConfig,
    rules: aimsgate_engine::ruleset::RuleSet,
}

impl EmittedNginx {
    fn new(name: &str) -> EmittedNginx {
        let rules = aimsgate_engine::ruleset::RuleSet::from_bytes(&baseline()).expect("loads");
        let dir =
            std::env::temp_dir().join(format!("aimsgate-nginx-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let deployment = aimsgate_compiler::emit::Deployment {
            rules_path: dir.join("rules.bin").display().to_string(),
            ..Default::default()
        };
        let bytes = rules.to_bytes();
        let text = aimsgate_compiler::emit::nginx_conf(&rules, &bytes, &deployment).expect("fits");
        std::fs::write(dir.join("rules.bin"), &bytes).unwrap();
        std::fs::write(dir.join("nginx.conf"), &text).unwrap();
        let conf = aimsgate_compiler::deploy_config::from_nginx(&dir.join("nginx.conf"))
            .expect("an nginx configuration");
        EmittedNginx { dir, conf, rules }
    }

    /// The filter in ngx_wasm_module with the configuration's settings; its
    /// HTTP calls answered by the files the configuration serves, as nginx
    /// would serve them at that moment (a missing file: 404).
    fn start(&self) -> aimsgate_host::Plugin {
        let conf = &self.conf;
        let host = HostOptions {
            flavor: Flavor::NgxWasm,
            ngx_shm_kv: conf.shm_kv.clone(),
            ngx_response_buffers: conf.response_buffers,
            ngx_client_body_buffer_size: conf.client_body_buffer_size,
            ..HostOptions::default()
        };
        let mut plugin = start(conf.plugin.configuration.clone(), host);
        let files = conf.files.clone();
        plugin.set_http_call_handler(Box::new(move |call| {
            let path = call.header(":path")?;
            let (_, _, file) = files
                .iter()
                .find(|(listen, location, _)| *listen == call.cluster && location == path)?;
            Some(match std::fs::read(file) {
                Ok(body) => aimsgate_host::HttpCallResponse::new(200, body),
                Err(_) => aimsgate_host::HttpCallResponse::new(404, Vec::new()),
            })
        }));
        plugin
    }
}

impl Drop for EmittedNginx {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What an emitted configuration must do on every host it routes: refuse
/// a secret before the provider sees it, and hold a large response whole
/// for inspection, without trapping.
fn governs_every_host(plugin: &mut aimsgate_host::Plugin, hosts: &[String]) {
    for host in hosts {
        let refused = refuses_a_secret_on(plugin, host);
        assert!(
            (400..500).contains(&refused.outcome.status),
            "{host}: {}",
            refused.outcome.status
        );
        assert!(!upstream_text(&refused).contains("AKIA"), "{host}");
    }
    let run = openai(plugin, &chat("hi"), 1, long_completion());
    assert_eq!(run.outcome.status, 200);
    let body = body_text(&run);
    assert!(
        body.contains("[REDACTED:email]") && body.contains("lorem"),
        "inspected whole"
    );
    assert_eq!(plugin.trap(), None);
}

fn refuses_a_secret_on(plugin: &mut aimsgate_host::Plugin, host: &str) -> Run {
    exchange(
        plugin,
        request(
            host,
            "/v1/chat/completions",
            &chat("key AKIAIOSFODNN7EXAMPLE"),
            1,
        ),
        completion("ok"),
    )
}

/// `aimsgate compile --emit nginx` as shipped: nginx refuses a
/// configuration token over 4 KiB and the rule set is larger, so the
/// filter fetches it from the configuration's own loopback server. Until it
/// has it, governed requests are refused; then every host the servers name
/// is governed, large responses are inspected whole and budgets live in the
/// shared zone (nothing traps); any other host gets the default server's
/// 421 from nginx itself.
#[test]
fn the_emitted_nginx_configuration_governs_every_host_once_its_rules_arrive() {
    let emitted = EmittedNginx::new("governs");
    let conf = &emitted.conf;
    let named = aimsgate_compiler::emit::governed_hosts(&emitted.rules).named;
    assert_eq!(
        conf.hosts, named,
        "a server for exactly the hosts the policy names"
    );
    assert!(conf.default_refuses, "any other host is answered by nginx");
    assert!(
        conf.plugin.configuration.len() + 2 <= aimsgate_compiler::emit::NGINX_MAX_TOKEN,
        "the filter configuration fits in one nginx token"
    );
    let mut plugin = emitted.start();
    assert!(plugin.configured(), "{:?}", plugin.logs());

    // Before the rule set arrives: refused, not passed.
    let early = refuses_a_secret_on(&mut plugin, &named[0]);
    assert_eq!(early.outcome.status, 503);
    assert!(!upstream_text(&early).contains("AKIA"));

    plugin.advance(1_000);
    assert!(
        plugin
            .logs()
            .iter()
            .any(|l| l.message.contains("loaded rule set") && l.message.contains("127.0.0.1:8091")),
        "{:?}",
        plugin.logs()
    );
    governs_every_host(&mut plugin, &named);
}

/// The configuration pins the rule set by its SHA-256: a rules.bin swapped
/// on the server (a weaker policy, say) is refused and governed requests
/// stay refused; the pinned file put back is loaded at a later attempt.
#[test]
fn a_rule_set_file_other_than_the_pinned_one_is_refused() {
    let emitted = EmittedNginx::new("pinned");
    let file = emitted.dir.join("rules.bin");
    let pinned = std::fs::read(&file).unwrap();
    let weaker = compile(BUDGET_POLICY);
    std::fs::write(&file, &weaker).unwrap();
    let mut plugin = emitted.start();
    plugin.advance(1_000);
    assert!(
        plugin
            .logs()
            .iter()
            .any(|l| l.message.contains("did not load") && l.message.contains("SHA-256")),
        "{:?}",
        plugin.logs()
    );
    assert!(plugin.metric("aimsgate.config.fetch_failed").unwrap_or(0) >= 1);
    let host = &emitted.conf.hosts[0];
    let run = refuses_a_secret_on(&mut plugin, host);
    assert_eq!(run.outcome.status, 503);
    assert!(
        !body_text(&run).contains("SHA-256"),
        "nothing internal in the reply"
    );

    // Unreachable, then missing, then back: fetched at the next attempt.
    std::fs::remove_file(&file).unwrap();
    plugin.advance(5_000);
    assert_eq!(refuses_a_secret_on(&mut plugin, host).outcome.status, 503);
    assert!(
        plugin
            .logs()
            .iter()
            .any(|l| l.message.contains("answered 404"))
    );
    std::fs::write(&file, &pinned).unwrap();
    plugin.advance(60_000);
    let run = refuses_a_secret_on(&mut plugin, host);
    assert!(
        (400..500).contains(&run.outcome.status),
        "{}",
        run.outcome.status
    );
    assert_eq!(plugin.trap(), None);
}
