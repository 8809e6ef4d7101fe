//! The ABI's edges, with small hand-written modules: a misbehaving guest gets an
//! error status or a recorded trap, never a host panic, and a module with imports
//! this host does not know still instantiates.

use aimsgate_host::{
    HostError, HostOptions, HttpRequest, HttpResponse, Module, Plugin, PluginSpec, Runtime,
};

/// A minimal proxy-wasm module: memory, a bump allocator, the ABI marker, and
/// `proxy_on_request_headers` running `body` (which must leave an i32 on the stack:
/// the callback's action).
fn module(imports: &str, on_request_headers: &str, extra: &str) -> Module {
    let wat = format!(
        r#"(module
            {imports}
            (memory (export "memory") 1)
            (global $next (mut i32) (i32.const 1024))
            (func (export "proxy_on_memory_allocate") (param $size i32) (result i32)
              (local $at i32)
              (local.set $at (global.get $next))
              (global.set $next (i32.add (global.get $next) (local.get $size)))
              (local.get $at))
            (func (export "proxy_abi_version_0_2_1"))
            (func (export "proxy_on_context_create") (param i32 i32))
            (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
              {on_request_headers})
            {extra})"#
    );
    Runtime::shared()
        .load_bytes(wat.as_bytes(), "edge.wat", None)
        .expect("module compiles")
}

fn start(module: &Module) -> Result<Plugin, HostError> {
    Plugin::start(module, PluginSpec::default(), HostOptions::default())
}

fn exchange(plugin: &mut Plugin) -> aimsgate_host::ExchangeOutcome {
    plugin.exchange(
        HttpRequest::new("GET", "/", "example"),
        &mut HttpResponse::new(200, "ok"),
    )
}

// Each module checks the status a host call returned and answers Continue (0)
// when it is what Envoy would answer, Pause (1) otherwise: a paused request
// stalls into a 408, so a 200 proves the status.

#[test]
fn out_of_bounds_pointers_are_invalid_memory_access() {
    // proxy_log with a message past the end of memory: INVALID_MEMORY_ACCESS (6).
    let module = module(
        r#"(import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))"#,
        "(if (result i32) (i32.eq (call $log (i32.const 2) (i32.const 65530) (i32.const 100)) (i32.const 6))
            (then (i32.const 0)) (else (i32.const 1)))",
        "",
    );
    let mut plugin = start(&module).expect("starts");
    let outcome = exchange(&mut plugin);
    assert_eq!(
        outcome.status, 200,
        "the status was INVALID_MEMORY_ACCESS, so the module continued"
    );
    assert!(plugin.trap().is_none());
}

#[test]
fn unknown_imports_are_stubbed_and_reported() {
    let module = module(
        r#"(import "env" "proxy_made_up_call" (func $made_up (param i32) (result i32)))
           (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
           (import "env" "proxy_log" (func $log (param i64) (result i32)))"#,
        "(drop (call $poll (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
         (drop (call $log (i64.const 0)))
         (if (result i32) (i32.eq (call $made_up (i32.const 0)) (i32.const 12))
            (then (i32.const 0)) (else (i32.const 1)))",
        "",
    );
    let mut plugin = start(&module).expect("an unknown import does not stop instantiation");
    let outcome = exchange(&mut plugin);
    assert_eq!(outcome.status, 200, "the stub answered UNIMPLEMENTED (12)");
    assert_eq!(
        plugin.unimplemented_calls(),
        [
            "wasi_snapshot_preview1::poll_oneoff".to_owned(),
            // A known name with the wrong signature is stubbed too.
            "proxy_log".to_owned(),
            "proxy_made_up_call".to_owned()
        ]
    );
}

#[test]
fn proc_exit_is_a_trap() {
    let module = module(
        r#"(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))"#,
        "(call $exit (i32.const 3)) (i32.const 0)",
        "",
    );
    let mut plugin = start(&module).expect("starts");
    let outcome = exchange(&mut plugin);
    assert_eq!(outcome.status, 503);
    assert!(outcome.trap.expect("trap").contains("proc_exit(3)"));
}

#[test]
fn bad_header_map_types_and_lengths_are_rejected() {
    // Map type 9 does not exist: BAD_ARGUMENT (2); a serialised map claiming more
    // entries than it holds sets nothing but does not crash the host.
    let module = module(
        r#"(import "env" "proxy_get_header_map_size" (func $size (param i32 i32) (result i32)))
           (import "env" "proxy_set_header_map_pairs" (func $set (param i32 i32 i32) (result i32)))
           (data (i32.const 16) "\ff\ff\ff\ff")"#,
        "(drop (call $set (i32.const 0) (i32.const 16) (i32.const 4)))
         (if (result i32) (i32.eq (call $size (i32.const 9) (i32.const 0)) (i32.const 2))
            (then (i32.const 0)) (else (i32.const 1)))",
        "",
    );
    let mut plugin = start(&module).expect("starts");
    let outcome = exchange(&mut plugin);
    assert_eq!(outcome.status, 200);
    assert!(
        outcome.upstream.expect("upstream").headers.is_empty(),
        "the bogus map replaced the headers with none"
    );
}

#[test]
fn a_module_without_an_abi_version_is_refused() {
    let wat = r#"(module (memory (export "memory") 1)
        (func (export "malloc") (param i32) (result i32) (i32.const 8)))"#;
    let module = Runtime::shared()
        .load_bytes(wat.as_bytes(), "no-abi.wat", None)
        .expect("compiles");
    assert!(matches!(start(&module), Err(HostError::UnsupportedAbi)));
}

#[test]
fn a_vm_whose_start_fails_is_refused() {
    let module = module(
        "",
        "(i32.const 0)",
        r#"(func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 0))"#,
    );
    assert!(matches!(start(&module), Err(HostError::VmStartRejected)));
}

#[test]
fn a_trap_while_starting_is_reported() {
    let module = module(
        "",
        "(i32.const 0)",
        r#"(func (export "_initialize") unreachable)"#,
    );
    match start(&module) {
        Err(HostError::Trap(message)) => assert!(message.contains("_initialize"), "{message}"),
        other => panic!("expected a trap, got {:?}", other.map(|_| ())),
    }
}
