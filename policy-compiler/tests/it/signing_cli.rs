//! `aimsgate keygen` and `aimsgate compile --sign`: the rule set a runtime
//! trusting the key loads, in both forms; the private key is never
//! overwritten.

use std::process::Command;

use aimsgate_engine::signing::{self, SignatureError, TrustedKeys};

fn aimsgate(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aimsgate"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_key_pair_signs_rule_sets_its_public_half_verifies() {
    let dir = std::env::temp_dir().join(format!("aimsgate-sign-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join("policy-signing");
    let prefix = prefix.to_str().unwrap();
    let (code, err) = aimsgate(&["keygen", "-o", prefix]);
    assert_eq!(code, 0, "{err}");
    let public = std::fs::read_to_string(format!("{prefix}.pub")).unwrap();
    let trusted = TrustedKeys::parse(&public).unwrap();
    let id = trusted.ids()[0];
    assert!(err.contains(&id.to_string()), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(format!("{prefix}.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the private key is readable by others");
    }

    let key = format!("{prefix}.key");
    for (format, file) in [("bin", "rules.bin"), ("json", "rules.json")] {
        let out = dir.join(file);
        let (code, err) = aimsgate(&[
            "compile",
            "examples/policies/baseline/policy.yaml",
            "--sign",
            &key,
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(signing::verify(&bytes, &trusted), Ok(id), "{format}");
        aimsgate_engine::Engine::from_bytes_trusted(&bytes, &trusted).expect("loads");
    }
    // Unsigned output is refused under the key.
    let unsigned = dir.join("unsigned.bin");
    let (code, _) = aimsgate(&[
        "compile",
        "examples/policies/baseline/policy.yaml",
        "-o",
        unsigned.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let bytes = std::fs::read(&unsigned).unwrap();
    assert_eq!(
        signing::verify(&bytes, &trusted),
        Err(SignatureError::Unsigned)
    );
    // Deployment configs embed the signed rule set; the keys it must be
    // signed by come from the proxy's environment, never from the file.
    let envoy_dir = dir.join("envoy");
    let (code, err) = aimsgate(&[
        "compile",
        "examples/policies/baseline/policy.yaml",
        "--emit",
        "envoy",
        "--sign",
        &key,
        "-o",
        envoy_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let config =
        aimsgate_compiler::deploy_config::from_envoy(&envoy_dir.join("envoy.yaml")).unwrap();
    let plugin: serde_json::Value = serde_json::from_slice(&config.configuration).unwrap();
    let rules = plugin["ruleset"].to_string();
    assert_eq!(signing::verify(rules.as_bytes(), &trusted), Ok(id));
    let yaml = std::fs::read_to_string(envoy_dir.join("envoy.yaml")).unwrap();
    assert!(
        yaml.contains("AIMSGATE_TRUSTED_KEYS"),
        "passed from Envoy's environment"
    );
    assert!(
        !yaml.contains(public.trim()),
        "the trusted key is not in the file"
    );
    let nginx_dir = dir.join("nginx");
    let (code, err) = aimsgate(&[
        "compile",
        "examples/policies/baseline/policy.yaml",
        "--emit",
        "nginx",
        "--sign",
        &key,
        "-o",
        nginx_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let rules = std::fs::read(nginx_dir.join("rules.bin")).unwrap();
    assert_eq!(signing::verify(&rules, &trusted), Ok(id));
    let conf = std::fs::read_to_string(nginx_dir.join("nginx.conf")).unwrap();
    assert!(conf.contains("env AIMSGATE_TRUSTED_KEYS;"), "{conf}");

    // A second keygen never replaces the private key.
    let before = std::fs::read(&key).unwrap();
    let (code, err) = aimsgate(&["keygen", "-o", prefix]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(std::fs::read(&key).unwrap(), before);
    let _ = std::fs::remove_dir_all(&dir);
}
