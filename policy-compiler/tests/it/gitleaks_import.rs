//! The gitleaks importer, end to end: import, compile, load, decide.
//!
//! The project's own sample config (tests/data/gitleaks-sample.toml) always
//! runs and pins what happens to every kind of rule. gitleaks' full default
//! rule set is not part of the repository (it is gitleaks' file, not ours):
//! that test runs only when `AIMSGATE_GITLEAKS_TOML` names a copy of it,
//! which `.ci/run` sets when one sits beside the repository.

use std::path::PathBuf;

use aimsgate_compiler::import::gitleaks::{self, Import, Outcome};
use aimsgate_compiler::policy;
use aimsgate_engine::Engine;
use aimsgate_engine::ruleset::{DetectorKind, Mode, Phase, RuleSet};

/// Where the importer's reason for an uncompilable regex starts; the regex
/// crate's own words after it vary with its version.
const NOT_RUST: &str = "regex does not compile in Rust: ";

fn sample() -> Import {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/gitleaks-sample.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    gitleaks::import(&text, "gitleaks-sample.toml").expect("imports")
}

/// Checks and compiles an imported policy, as `aimsgate check` would read
/// it from a file named `file_name`.
fn compile(imported: &Import, file_name: &str) -> RuleSet {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(file_name);
    std::fs::write(&out, &imported.policy_yaml).unwrap();
    let (compiled, report) = policy::check(&out.display().to_string(), &imported.policy_yaml);
    compiled
        .unwrap_or_else(|| panic!("{}", report.render_plain()))
        .ruleset
}

/// What one text makes the engine do, by name: the outcome, the detectors
/// that hit and the rules that fired (with whether they were applied).
struct Seen {
    outcome: &'static str,
    detectors: Vec<String>,
    fired: Vec<(String, Mode, bool)>,
    redacted: String,
}

fn see(engine: &Engine, text: &str, phase: Phase) -> Seen {
    let inspection = engine.inspect_text(text, phase);
    let ruleset = engine.ruleset();
    let mut detectors: Vec<String> = inspection
        .decision
        .hits
        .iter()
        .map(|h| ruleset.detectors[h.detector as usize].id.clone())
        .collect();
    detectors.dedup();
    Seen {
        outcome: inspection.decision.outcome.name(),
        detectors,
        fired: inspection
            .decision
            .fired
            .iter()
            .map(|f| (ruleset.rules[f.rule as usize].id.clone(), f.mode, f.applied))
            .collect(),
        redacted: inspection.redacted,
    }
}

#[test]
fn the_sample_config_imports_each_kind_of_rule_as_documented() {
    let imported = sample();
    let outcomes: Vec<(&str, Outcome)> = imported
        .outcomes
        .iter()
        .map(|(id, outcome)| {
            let outcome = match outcome {
                Outcome::Skipped(why) if why.starts_with(NOT_RUST) => {
                    Outcome::Skipped(NOT_RUST.to_owned())
                }
                other => other.clone(),
            };
            (id.as_str(), outcome)
        })
        .collect();
    let partly = |why: &str| Outcome::ImportedPartly(why.to_owned());
    let skipped = |why: &str| Outcome::Skipped(why.to_owned());
    assert_eq!(
        outcomes,
        [
            ("acme-api-token", Outcome::Imported),
            ("zephyr-client-secret", Outcome::Imported),
            ("nimbus-access-token", Outcome::Imported),
            ("orchard-webhook-url", Outcome::Imported),
            (
                "quill-deploy-key",
                partly("left out a line-target allowlist")
            ),
            (
                "harbor-robot-password",
                partly("left out an AND allowlist that needs a file path"),
            ),
            (
                "lumen-service-secret",
                partly("left out an allowlist regex that does not compile, allowlisted paths"),
            ),
            ("tree-service-credential", Outcome::Imported),
            ("url-embedded-password", Outcome::Imported),
            ("kestrel-config-token", Outcome::ImportedMonitor),
            ("tfvars-cloud-token", Outcome::ImportedMonitor),
            (
                "java-keystore-file",
                skipped("matches file paths only; LLM traffic has no file paths"),
            ),
            ("legacy-quoted-key", skipped(NOT_RUST)),
        ]
    );
    assert_eq!(imported.imported(), 11);
    // The regex crate names the construct it rejects.
    let (_, legacy) = &imported.outcomes[12];
    assert!(
        matches!(legacy, Outcome::Skipped(why) if why.contains("escape")),
        "{legacy:?}"
    );

    let ruleset = compile(&imported, "gitleaks-sample.yaml");
    let detectors: Vec<&str> = ruleset.detectors.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(detectors.len(), 11, "{detectors:?}");
    assert!(!detectors.contains(&"java-keystore-file"));
    assert!(!detectors.contains(&"legacy-quoted-key"));
    let rules: Vec<(&str, Phase, Mode)> = ruleset
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.phase, r.mode))
        .collect();
    assert_eq!(
        rules,
        [
            ("block-secrets-in-prompts", Phase::Request, Mode::Enforce),
            (
                "redact-secrets-in-completions",
                Phase::Response,
                Mode::Enforce
            ),
            ("path-scoped-secrets-shadow", Phase::Request, Mode::Monitor),
        ]
    );
    // Keywords are lower-cased (the engine matches them case-insensitively).
    assert!(
        imported.policy_yaml.contains("keywords: [\"zephyr\"]"),
        "{}",
        imported.policy_yaml
    );
}

#[test]
fn the_sample_policy_loads_and_decides_on_text() {
    let ruleset = compile(&sample(), "gitleaks-sample-decides.yaml");
    let engine = Engine::from_bytes(&ruleset.to_bytes()).expect("loads");
    let block = |text: &str, detector: &str| {
        let seen = see(&engine, text, Phase::Request);
        assert_eq!(seen.outcome, "block", "{text}");
        assert_eq!(seen.detectors, [detector], "{text}");
        assert_eq!(
            seen.fired,
            [("block-secrets-in-prompts".to_owned(), Mode::Enforce, true)],
            "{text}"
        );
    };
    let allow = |text: &str| {
        let seen = see(&engine, text, Phase::Request);
        assert_eq!(seen.outcome, "allow", "{text}: {:?}", seen.detectors);
        assert!(seen.fired.is_empty(), "{text}: {:?}", seen.fired);
    };

    // Text the detector's pattern does match, let through by something
    // the importer carried over (an exception or a validator): without the
    // pattern check, a mistyped sample would pass for the wrong reason.
    let let_through = |text: &str, detector: &str| {
        let spec = ruleset
            .detectors
            .iter()
            .find(|d| d.id == detector)
            .unwrap_or_else(|| panic!("no detector {detector}"));
        let DetectorKind::Regex { patterns, .. } = &spec.kind else {
            panic!("{detector} is not a regex detector");
        };
        assert!(
            patterns
                .iter()
                .any(|p| regex::Regex::new(p).unwrap().is_match(text)),
            "{detector}'s pattern does not match {text:?}"
        );
        allow(text);
    };

    allow("please summarise the meeting notes from tuesday");
    allow("the maple tree token economy and our acme roadmap, see https://example.com/docs");

    block(
        "deploy with acme_7f3kq92mzx4lp8rt1vw6yb0nc5hd2js3 please",
        "acme-api-token",
    );
    // The entropy floor came across: a run of one letter is no secret.
    block(
        "ZEPHYR_CLIENT_SECRET=q8Lm2VxR4tZ9pK7wN3bY6cH1dF5gJ0sA2eU8iO4r",
        "zephyr-client-secret",
    );
    let_through(
        "zephyr_client_secret = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "zephyr-client-secret",
    );
    // The large alternation matches a name from its middle.
    block(
        "config: juniper_api_key = \"k4r9tq2mx8vz3lp7wn5by1cd6hf0\"",
        "tree-service-credential",
    );
    // The keyword-less rule runs anyway.
    block(
        "connect to postgres://app:S3cr3t-Passw0rd!@db.internal.example:5432/app",
        "url-embedded-password",
    );
    block(
        "webhook https://hooks.orchard.example/services/TQ4X7Z2KM/B8N3V5R1P/Xq7mZ2vR9tLp4Kw8Nb3Yc6Hd",
        "orchard-webhook-url",
    );

    // Allowlists: the rule's own (secret and match targets), the kept half
    // of a partly imported rule, and the global stopword.
    block(
        "token nmb-Q7x2Lm9Vr4Tz8Kp3Wn6By1Cd5Hf0Js2Ae7Gu",
        "nimbus-access-token",
    );
    let_through(
        "token nmb-EXAMPLEr4Tz8Kp3Wn6By1Cd5Hf0Js2Ae7Gu3",
        "nimbus-access-token",
    );
    let_through(
        "token nmb-TestOnlyr4Tz8Kp3Wn6By1Cd5Hf0Js2Ae7Gu",
        "nimbus-access-token",
    );
    let_through(
        "webhook https://hooks.orchard.example/services/T00000000/B8N3V5R1P/Xq7mZ2vR9tLp4Kw8Nb3Yc6Hd",
        "orchard-webhook-url",
    );
    block("key qdk_X7m2Lq9Vr4Tz8Kp3Wn6By1Cd5Hf0Jk", "quill-deploy-key");
    let_through("key qdk_revokedr4Tz8Kp3Wn6By1Cd5Hf0Jk3", "quill-deploy-key");
    block(
        "use lsk_live_Q7x2Lm9Vr4Tz8Kp3Wn6By1Cd5Hf0 here",
        "lumen-service-secret",
    );
    let_through(
        "use lsk_test_0000000000000000000000000000 here",
        "lumen-service-secret",
    );
    let_through(
        "deploy with acme_placeholder7f3kq92mzx4lp8rt1vw6y please",
        "acme-api-token",
    );

    // A path-scoped rule is recorded, not applied.
    let seen = see(
        &engine,
        "kestrel token kst.Q7x2Lm9Vr4Tz8Kp3Wn6By1Cd5Hf0Js2Ae7Gu3Ik1",
        Phase::Request,
    );
    assert_eq!(seen.outcome, "monitor");
    assert_eq!(seen.detectors, ["kestrel-config-token"]);
    assert_eq!(
        seen.fired,
        [(
            "path-scoped-secrets-shadow".to_owned(),
            Mode::Monitor,
            false
        )]
    );

    // A completion that echoes a secret back is masked, not refused.
    let secret = "acme_7f3kq92mzx4lp8rt1vw6yb0nc5hd2js3";
    let seen = see(
        &engine,
        &format!("your token is {secret}, keep it safe"),
        Phase::Response,
    );
    assert_eq!(seen.outcome, "redact");
    assert_eq!(seen.detectors, ["acme-api-token"]);
    assert!(!seen.redacted.contains(secret), "{}", seen.redacted);
    assert!(
        seen.redacted.starts_with("your token is "),
        "{}",
        seen.redacted
    );
}

#[test]
fn the_default_gitleaks_rules_import_compile_and_load() {
    let Some(path) = std::env::var_os("AIMSGATE_GITLEAKS_TOML").filter(|p| !p.is_empty()) else {
        eprintln!(
            "skipped: set AIMSGATE_GITLEAKS_TOML to a copy of gitleaks' default \
             config/gitleaks.toml to run this test; the file is gitleaks', not \
             part of this repository (the sample config covers the importer here)"
        );
        return;
    };
    let path = PathBuf::from(path);
    // Named but missing is a mistake in the environment, not a reason to skip.
    let toml = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let imported = gitleaks::import(&toml, "gitleaks.toml").expect("imports");
    assert_eq!(imported.outcomes.len(), 222);
    // The one path-only rule is skipped and says why; the four path-scoped
    // ones go to the monitor rule.
    let skipped: Vec<_> = imported
        .outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Skipped(_)))
        .collect();
    assert!(
        skipped.iter().any(|(id, _)| id == "pkcs12-file"),
        "{skipped:?}"
    );
    let monitored = imported
        .outcomes
        .iter()
        .filter(|(_, o)| *o == Outcome::ImportedMonitor)
        .count();
    assert_eq!(monitored, 4);
    assert!(
        imported.imported() >= 220,
        "only {} imported: {skipped:?}",
        imported.imported()
    );

    let ruleset = compile(&imported, "gitleaks-secrets.yaml");
    assert!(ruleset.detectors.len() >= 220);

    let engine = Engine::from_bytes(&ruleset.to_bytes()).expect("loads");
    let hit = engine.inspect_text(
        "deploy with token ghp_8f3kLm2QpZx7Rt5Vw9Yb1Nc4Hd6Js0Ae2Gu3 please",
        Phase::Request,
    );
    assert_eq!(hit.decision.outcome.name(), "block", "{:?}", hit.decision);
    let clean = engine.inspect_text(
        "please summarise the meeting notes from tuesday",
        Phase::Request,
    );
    assert_eq!(
        clean.decision.outcome.name(),
        "allow",
        "{:?}",
        clean.decision
    );
}
