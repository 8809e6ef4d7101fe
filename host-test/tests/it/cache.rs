//! The module cache: one compilation per process, one per machine.

use std::path::PathBuf;

use aimsgate_host::{Runtime, build_wasm};

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aimsgate-host-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn second_load_is_a_memory_hit_and_the_artifact_is_on_disk() {
    let wasm = build_wasm("aimsgate-conformance-fixture").expect("fixture builds");
    let dir = scratch_dir("cache");
    let runtime = Runtime::with_cache_dir(&dir);
    let first = runtime.load(&wasm).expect("compiles");
    let second = runtime.load(&wasm).expect("cached");
    assert_eq!(first.sha256_hex(), second.sha256_hex());
    let stats = runtime.stats();
    assert_eq!(
        (stats.compiled, stats.memory_hits, stats.disk_hits),
        (1, 1, 0)
    );
    let file = first.cache_file().expect("cache file").to_path_buf();
    assert!(file.is_file(), "{} exists", file.display());
    assert!(file.starts_with(&dir));

    // Another process (here: another runtime) deserialises instead of compiling.
    let other = Runtime::with_cache_dir(&dir);
    other.load(&wasm).expect("deserialises");
    assert_eq!((other.stats().compiled, other.stats().disk_hits), (0, 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_shared_runtime_caches_next_to_the_module() {
    let wasm = build_wasm("aimsgate-conformance-fixture").expect("fixture builds");
    let module = Runtime::shared().load(&wasm).expect("loads");
    let file = module.cache_file().expect("cache file");
    assert!(file.is_file());
    assert_eq!(
        file.parent()
            .and_then(|dir| dir.file_name())
            .and_then(|name| name.to_str()),
        Some(".aimsgate-cwasm")
    );
    let imports = module.imports();
    assert!(
        imports
            .iter()
            .any(|(module, name)| module == "env" && name == "proxy_log")
    );
}
