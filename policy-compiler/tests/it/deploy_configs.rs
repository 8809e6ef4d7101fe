//! Deployment config: the committed Envoy and Istio manifests are what
//! `compile --emit` writes, the filter runs with exactly their plugin
//! configuration, and the OCI image layout is one Envoy and Istio accept.

use std::io::Read as _;
use std::path::Path;

use crate::common::{aimsgate, filter, root, scratch};
use aimsgate_compiler::{deploy_config, oci};
use serde_json::Value;

const BASELINE: &str = "examples/policies/baseline/policy.yaml";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_committed_manifests_are_what_compile_emit_writes() {
    let dir = scratch("emit");
    let envoy = dir.join("envoy");
    let istio = dir.join("istio");
    for (emit, out) in [("envoy", &envoy), ("istio", &istio)] {
        let (code, _, err) = aimsgate(&[
            "compile",
            BASELINE,
            "--emit",
            emit,
            "--filter",
            "target/no-such-filter.wasm",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let regenerate = "regenerate with `aimsgate compile examples/policies/baseline/policy.yaml --emit envoy -o envoy/` and `--emit istio -o envoy/istio/`";
    for (fresh, committed) in [
        (envoy.join("envoy.yaml"), "envoy/envoy.yaml"),
        (istio.join("wasmplugin.yaml"), "envoy/istio/wasmplugin.yaml"),
        (istio.join("Dockerfile"), "envoy/istio/Dockerfile"),
    ] {
        assert!(
            read(&fresh) == read(&root().join(committed)),
            "{committed} has drifted from the policy: {regenerate}"
        );
    }
}

#[test]
fn the_envoy_bootstrap_carries_the_rule_set_and_the_filter_runs_with_it() {
    let config = deploy_config::from_envoy(&root().join("envoy/envoy.yaml")).unwrap();
    assert_eq!(config.root_id, "aimsgate");
    assert!(!config.fail_open);
    assert_eq!(config.filter.as_deref(), Some("/etc/aimsgate/filter.wasm"));
    assert!(config.clusters.iter().any(|c| c == "aimsgate_audit"));
    let plugin_config: Value = serde_json::from_slice(&config.configuration).unwrap();
    assert_eq!(
        plugin_config["options"]["audit"]["collector"]["cluster"],
        "aimsgate_audit"
    );
    // The whole example traffic through the filter as that file configures it.
    let (code, out, err) = aimsgate(&[
        "replay",
        "--envoy-config",
        "envoy/envoy.yaml",
        "--filter",
        filter().to_str().unwrap(),
        "examples/traffic",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let blocked = out
        .lines()
        .find(|l| l.starts_with("05-openai-chat-aws-key-blocked"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        blocked.contains(" 403 ") && blocked.contains("block"),
        "{blocked}"
    );
}

#[test]
fn the_istio_plugin_config_loads_in_the_filter() {
    let path = root().join("envoy/istio/wasmplugin.yaml");
    let config = deploy_config::from_istio(&path).unwrap();
    assert_eq!(config.root_id, "aimsgate");
    assert!(!config.fail_open, "failStrategy FAIL_CLOSE");
    let (code, out, err) = aimsgate(&[
        "replay",
        "--istio",
        "envoy/istio/wasmplugin.yaml",
        "--filter",
        filter().to_str().unwrap(),
        "--json",
        "examples/traffic/05-openai-chat-aws-key-blocked.json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let replayed: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(replayed["outcome"]["status"], 403, "{out}");
    assert_eq!(replayed["request"]["outcome"], "block");
}

#[test]
fn a_bad_configuration_in_a_manifest_is_an_error_that_says_where() {
    let dir = scratch("bad-envoy");
    let bad = dir.join("envoy.yaml");
    let text = read(&root().join("envoy/envoy.yaml")).replace(
        "type.googleapis.com/google.protobuf.StringValue",
        "type.googleapis.com/google.protobuf.Duration",
    );
    std::fs::write(&bad, text).unwrap();
    let err = deploy_config::from_envoy(&bad).unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.contains("envoy.yaml") && message.contains("google.protobuf.Duration"),
        "{message}"
    );
}

#[test]
fn the_oci_image_layout_is_a_compat_image_with_plugin_wasm() {
    let wasm = std::fs::read(filter()).unwrap();
    let dir = scratch("oci");
    let digest = oci::write_layout(&wasm, "0.1.0", &dir).unwrap();
    assert_eq!(
        oci::write_layout(&wasm, "0.1.0", &scratch("oci-again")).unwrap(),
        digest,
        "the layout is deterministic"
    );
    assert_eq!(
        read(&dir.join("oci-layout")),
        r#"{"imageLayoutVersion":"1.0.0"}"#
    );
    let blob = |digest: &str| -> Vec<u8> {
        let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
        let bytes = std::fs::read(dir.join("blobs/sha256").join(hex)).unwrap();
        use sha2::Digest as _;
        let actual: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(actual, hex, "blob content matches its digest");
        bytes
    };
    let index: Value = serde_json::from_str(&read(&dir.join("index.json"))).unwrap();
    let entry = &index["manifests"][0];
    assert_eq!(entry["digest"], digest);
    assert_eq!(
        entry["annotations"]["org.opencontainers.image.ref.name"],
        "0.1.0"
    );
    let manifest: Value = serde_json::from_slice(&blob(&digest)).unwrap();
    assert_eq!(manifest["mediaType"], oci::MANIFEST);
    assert_eq!(manifest["config"]["mediaType"], oci::CONFIG);
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["mediaType"], oci::LAYER);
    assert_ne!(
        layers[0]["mediaType"], "application/vnd.module.wasm.content.layer.v1+wasm",
        "the rejected single-layer wasm artifact"
    );
    let config: Value =
        serde_json::from_slice(&blob(manifest["config"]["digest"].as_str().unwrap())).unwrap();
    let layer = blob(layers[0]["digest"].as_str().unwrap());
    assert_eq!(layers[0]["size"], layer.len());
    let mut tar_bytes = Vec::new();
    flate2::read::GzDecoder::new(&layer[..])
        .read_to_end(&mut tar_bytes)
        .unwrap();
    use sha2::Digest as _;
    let diff_id: String = sha2::Sha256::digest(&tar_bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(config["rootfs"]["diff_ids"][0], format!("sha256:{diff_id}"));
    let mut archive = tar::Archive::new(&tar_bytes[..]);
    let mut entries = archive.entries().unwrap();
    let mut entry = entries.next().unwrap().unwrap();
    assert_eq!(entry.path().unwrap().to_str(), Some("plugin.wasm"));
    let mut content = Vec::new();
    entry.read_to_end(&mut content).unwrap();
    assert_eq!(content, wasm, "the layer holds filter.wasm as plugin.wasm");
    assert!(entries.next().is_none(), "nothing else in the layer");
}

/// `compile --emit nginx` writes the configuration and the rule set it
/// serves; the configuration pins exactly those bytes and fits nginx's
/// token limit.
#[test]
fn emit_nginx_writes_a_configuration_pinned_to_the_rule_set_beside_it() {
    let dir = scratch("emit-nginx");
    let (code, _, err) = aimsgate(&[
        "compile",
        BASELINE,
        "--emit",
        "nginx",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let rules = std::fs::read(dir.join("rules.bin")).unwrap();
    aimsgate_engine::ruleset::RuleSet::from_bytes(&rules).expect("rules.bin loads");
    let conf = deploy_config::from_nginx(&dir.join("nginx.conf")).unwrap();
    assert_eq!(
        conf.plugin.filter.as_deref(),
        Some("/etc/aimsgate/filter.wasm")
    );
    assert_eq!(conf.shm_kv, ["aimsgate"]);
    assert!(conf.default_refuses);
    let config: Value = serde_json::from_slice(&conf.plugin.configuration).unwrap();
    assert_eq!(
        config["ruleset_fetch"]["sha256"],
        aimsgate_engine::ruleset::Digest::of(&rules).to_hex()
    );
    assert!(config.get("ruleset").is_none());
    assert_eq!(
        conf.files,
        [(
            "127.0.0.1:8091".to_owned(),
            "/aimsgate/rules.bin".to_owned(),
            "/etc/aimsgate/rules.bin".to_owned()
        )]
    );
}
