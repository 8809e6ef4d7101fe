//! gitleaks' default rule set (read from ../shared at run time, never
//! committed) imports, compiles, loads and detects.

use std::path::PathBuf;

use aimsgate_compiler::import::gitleaks::{self, Outcome};
use aimsgate_compiler::policy;
use aimsgate_engine::Engine;
use aimsgate_engine::ruleset::Phase;

fn gitleaks_toml() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/gitleaks/gitleaks.toml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_default_gitleaks_rules_import_compile_and_load() {
    let imported = gitleaks::import(&gitleaks_toml(), "gitleaks.toml").expect("imports");
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

    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gitleaks-secrets.yaml");
    std::fs::write(&out, &imported.policy_yaml).unwrap();
    let (compiled, report) = policy::check(&out.display().to_string(), &imported.policy_yaml);
    let compiled = compiled.unwrap_or_else(|| panic!("{}", report.render_plain()));
    assert!(compiled.ruleset.detectors.len() >= 220);

    let bytes = compiled.ruleset.to_bytes();
    let engine = Engine::from_bytes(&bytes).expect("loads");
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
