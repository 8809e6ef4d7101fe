//! Every recorded exchange in examples/traffic gets the documented decision
//! under the baseline pack (see examples/traffic/README.md).

use std::path::PathBuf;

use aimsgate_compiler::{policy, scan};
use aimsgate_engine::Engine;
use aimsgate_engine::recording::Recording;

/// (file prefix, request decision, response decision or "-", rule or
/// refusal kind that must be named).
const EXPECTED: &[(&str, &str, &str, &str)] = &[
    ("01-", "allow", "allow", ""),
    ("02-", "redact", "allow", "redact-personal-data"),
    ("03-", "redact", "allow", "redact-personal-data"),
    ("04-", "allow", "redact", "redact-personal-data"),
    ("05-", "block", "-", "block-secrets-in-prompts"),
    ("06-", "block", "-", "block-secrets-in-prompts"),
    ("07-", "block", "-", "block-secrets-in-prompts"),
    ("08-", "block", "-", "block-prompt-injection"),
    ("09-", "block", "-", "block-prompt-injection"),
    ("10-", "flag", "allow", "flag-role-markers"),
    ("11-", "block", "-", "block-smuggled-characters"),
    ("12-", "block", "-", "deny-dangerous-tools"),
    ("13-", "block", "-", "deny-dangerous-tools"),
    ("14-", "block", "-", "limit-prompt-size"),
    ("15-", "block", "-", "approved-models-only"),
    ("16-", "cap", "allow", "cap-output-tokens"),
    ("17-", "allow", "block", "block-system-prompt-leak"),
    ("18-", "allow", "redact", "redact-personal-data"),
    ("19-", "allow", "allow", ""),
    ("20-", "allow", "flag", "review-document-summaries"),
    ("21-", "allow", "redact", "redact-personal-data"),
    ("22-", "allow", "allow", ""),
    ("23-", "monitor", "allow", "monitor-confidential-codenames"),
    ("24-", "block", "-", "retired-system"),
    ("25-", "block", "-", "require-caller-identity"),
    ("26-", "block", "-", "unknown-path"),
    ("27-", "allow", "allow", "unknown_path_allowed"),
    ("28-", "block", "-", "unknown-path"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_traffic_example_gets_its_documented_decision() {
    let text =
        std::fs::read_to_string(root().join("examples/policies/baseline/policy.yaml")).unwrap();
    let (compiled, report) = policy::check("baseline", &text);
    let compiled = compiled.unwrap_or_else(|| panic!("{}", report.render_plain()));
    assert_eq!(report.warnings(), 0, "{}", report.render_plain());
    // Through the binary form, as the filter will load it.
    let engine = Engine::from_bytes(&compiled.ruleset.to_bytes()).unwrap();

    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("examples/traffic"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        EXPECTED.len(),
        "a traffic file without an expectation, or the reverse"
    );
    for (file, (prefix, request, response, named)) in files.iter().zip(EXPECTED) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(prefix), "{name} vs {prefix}");
        let exchange = Recording::from_json(&std::fs::read(file).unwrap()).unwrap();
        let out = scan::scan_exchange(&engine, &exchange);
        assert_eq!(out["request"]["decision"], *request, "{name}: {out:#}");
        let got_response = out["response"]["decision"].as_str().unwrap_or("-");
        assert_eq!(got_response, *response, "{name}: {out:#}");
        if !named.is_empty() {
            let text = out.to_string();
            assert!(
                text.contains(named),
                "{name} does not name {named}: {out:#}"
            );
        }
        // Decisions carry ids, spans and controls, never the matched text.
        for canary in [
            "4111 1111 1111 1111",
            "AKIA",
            "ghp_",
            "BEGIN RSA",
            "jane.doe@",
        ] {
            assert!(
                !out.to_string().contains(canary),
                "{name}: decision leaks {canary}"
            );
        }
    }
}
