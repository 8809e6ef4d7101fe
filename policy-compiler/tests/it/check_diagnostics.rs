//! `aimsgate check` on broken policies: each problem is an error (exit 1)
//! whose diagnostic names file, line and column.

use std::process::Command;

const GOOD: &str = r#"apiVersion: aimsgate/v1
kind: Policy
metadata:
  name: t
  version: "1"
  owner: me
  approver: you
  approved: 2026-01-01
detectors:
  - id: mail
    builtin: email
  - id: empid
    regex: 'EMP-\d{6}'
    keywords: [emp-]
rules:
  - id: r1
    action: redact
    when:
      any:
        - detector: mail
        - detector: empid
    controls: [iso42001:A.6.2.6, owasp-llm:LLM02]
"#;

fn aimsgate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aimsgate"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check(text: &str) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("aimsgate-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Tests run in parallel: every call gets its own file.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = dir.join(format!("p{n}.yaml"));
    std::fs::write(&file, text).unwrap();
    let (code, _, err) = aimsgate(&["check", "--format", "plain", file.to_str().unwrap()]);
    (code, err.replace(file.to_str().unwrap(), "FILE"))
}

/// Line and 1-based column of the first occurrence of `needle`.
fn position(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).expect("needle present");
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

#[test]
fn the_good_policy_passes() {
    let (code, err) = check(GOOD);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn unknown_control_is_an_error_at_its_position_with_a_suggestion() {
    let text = GOOD.replace("iso42001:A.6.2.6", "iso42001:A.6.2.66");
    let (code, err) = check(&text);
    assert_eq!(code, 1, "{err}");
    let (line, col) = position(&text, "iso42001:A.6.2.66");
    assert!(
        err.contains(&format!("FILE:{line}:{col}: error[unknown-control]")),
        "{err}"
    );
    assert!(err.contains("did you mean"), "{err}");
}

#[test]
fn bad_regex_is_an_error_at_the_pattern() {
    let text = GOOD.replace(r"'EMP-\d{6}'", r"'EMP-(\d{6}'");
    let (code, err) = check(&text);
    assert_eq!(code, 1, "{err}");
    let (line, col) = position(&text, r"'EMP-(\d{6}'");
    assert!(
        err.contains(&format!("FILE:{line}:{col}: error[bad-regex]")),
        "{err}"
    );
}

#[test]
fn missing_detector_is_an_error_at_the_reference() {
    let text = GOOD.replace("- detector: empid", "- detector: empidd");
    let (code, err) = check(&text);
    assert_eq!(code, 1, "{err}");
    let (line, _) = position(&text, "empidd");
    assert!(err.contains(&format!("FILE:{line}:")), "{err}");
    assert!(
        err.contains("error[missing-detector]") && err.contains("did you mean `empid`"),
        "{err}"
    );
}

#[test]
fn yaml_syntax_error_names_line_and_column() {
    let text = GOOD.replace(
        "controls: [iso42001:A.6.2.6, owasp-llm:LLM02]",
        "controls: [iso42001:A.6.2.6, owasp-llm:LLM02",
    );
    let (code, err) = check(&text);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[syntax]") && err.contains("FILE:"),
        "{err}"
    );
    let location = err.lines().find(|l| l.contains("error[syntax]")).unwrap();
    let parts: Vec<&str> = location.split(':').collect();
    assert!(parts[1].parse::<usize>().unwrap() >= 20, "{location}");
}

#[test]
fn unknown_field_points_at_the_key() {
    let text = GOOD.replace("    action: redact", "    acton: redact");
    let (code, err) = check(&text);
    assert_eq!(code, 1, "{err}");
    let (line, col) = position(&text, "acton");
    assert!(
        err.contains(&format!("FILE:{line}:{col}: error[unknown-field]")),
        "{err}"
    );
}

#[test]
fn strict_fails_on_warnings_and_plain_check_does_not() {
    // No SoA declarations: Annex A controls are "not addressed" (a warning).
    let (code, err) = check(GOOD);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning[not-addressed]"), "{err}");
    let dir = std::env::temp_dir();
    let file = dir.join(format!("aimsgate-strict-{}.yaml", std::process::id()));
    std::fs::write(&file, GOOD).unwrap();
    let (code, _, _) = aimsgate(&["check", "--strict", file.to_str().unwrap()]);
    assert_eq!(code, 1);
}

#[test]
fn json_policies_get_positions_too() {
    let json = r#"{"apiVersion": "aimsgate/v1", "metadata": {"name": "t", "version": "1", "owner": "o"},
 "detectors": [{"id": "m", "builtin": "email"}],
 "rules": [{"id": "r", "action": "block", "when": {"detector": "m"}, "controls": ["owasp-llm:LLM99"]}]}"#;
    let dir = std::env::temp_dir();
    let file = dir.join(format!("aimsgate-json-{}.json", std::process::id()));
    std::fs::write(&file, json).unwrap();
    let (code, _, err) = aimsgate(&["check", "--format", "plain", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(":3:") && err.contains("unknown-control"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, _) = aimsgate(&["check"]);
    assert_eq!(code, 2);
    let (code, _, _) = aimsgate(&["frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn sarif_output_points_code_scanning_at_the_offending_line() {
    let text = GOOD.replace("iso42001:A.6.2.6", "iso42001:A.6.2.66");
    let dir = std::env::temp_dir().join(format!("aimsgate-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("policy.yaml");
    std::fs::write(&file, &text).unwrap();
    let (code, out, _) = aimsgate(&["check", "--format", "sarif", file.to_str().unwrap()]);
    assert_eq!(code, 1, "errors still fail the check");
    let sarif: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "aimsgate");
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "unknown-control")
        .expect("the unknown control is a result");
    assert_eq!(result["level"], "error");
    let rule = &run["tool"]["driver"]["rules"][result["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["id"], "unknown-control");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    let (line, col) = position(&text, "iso42001:A.6.2.66");
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(line as u64), Some(col as u64))
    );
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .contains("did you mean")
    );
}

#[test]
fn a_provider_spelt_otherwise_than_opentelemetry_is_a_warning() {
    let system = |provider: &str| {
        format!(
            "{GOOD}routes:\n  - id: gemini\n    hosts: [generativelanguage.googleapis.com]\n    paths: [/v1beta/models/]\nsystems:\n  - id: s\n    name: S\n    routes: [gemini]\n    provider: {provider}\n    domain: legal-operations\n    risk_tier: minimal\n    lifecycle: operation\n    affects_individuals: false\n"
        )
    };
    let (code, err) = check(&system("google"));
    assert_eq!(code, 0, "a warning only: {err}");
    let text = system("google");
    let (line, col) = position(&text, "provider: google");
    let col = col + "provider: ".len();
    assert!(
        err.contains(&format!(
            "FILE:{line}:{col}: warning[provider-name]: provider `google` is spelt `gcp.gemini`"
        )),
        "{err}"
    );
    assert!(err.contains("help: write `provider: gcp.gemini`"), "{err}");
    for provider in ["gcp.gemini", "internal"] {
        let (_, err) = check(&system(provider));
        assert!(!err.contains("provider-name"), "{provider}: {err}");
    }
}

/// A response header can only be decided before the body is read: one
/// whose condition reads the body is never sent, and `check` says so.
#[test]
fn a_response_header_that_waits_for_the_body_is_a_warning() {
    let rule = |when: &str| {
        format!(
            "{GOOD}  - id: review\n    phase: response\n    when: {when}\n    action:\n      add_header: {{name: x-ai-review, value: required}}\n    controls: [iso42001:A.8.2]\n"
        )
    };
    let text = rule("{detector: mail}");
    let (code, err) = check(&text);
    assert_eq!(code, 0, "a warning only: {err}");
    let (line, col) = position(&text, "{detector: mail}");
    assert!(
        err.contains(&format!(
            "FILE:{line}:{col}: warning[header-after-body]: rule `review`"
        )),
        "{err}"
    );
    let (_, err) = check(&rule("{header_missing: x-reviewed}"));
    assert!(!err.contains("header-after-body"), "{err}");
}

/// `aimsgate check --format sarif` on `text`, written as `name` under a
/// scratch directory of the repository, run from the repository root.
fn sarif_in_repo(dir: &str, name: &str, text: &str) -> serde_json::Value {
    let file = crate::common::scratch(dir).join(name);
    std::fs::write(&file, text).unwrap();
    let (_, out, err) =
        crate::common::aimsgate(&["check", "--format", "sarif", file.to_str().unwrap()]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("SARIF is JSON ({e}): {out}{err}"))
}

#[test]
fn sarif_is_valid_sarif_with_what_github_code_scanning_requires() {
    // A character outside the BMP before the finding: one code point, two
    // UTF-16 code units, so the column says which kind it counts.
    let text = GOOD.replace(
        "controls: [iso42001:A.6.2.6,",
        "controls: [\"🦀\", iso42001:A.6.2.66,",
    );
    let sarif = sarif_in_repo("sarif dír", "pólicy.yaml", &text);
    let errors = crate::common::schema_errors(
        "policy-compiler/tests/data/formats/sarif-schema-2.1.0.json",
        &sarif,
    );
    assert!(errors.is_empty(), "{errors:#?}");

    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    // GitHub resolves files against the checkout: relative URIs under
    // %SRCROOT%, percent-encoded.
    let root = &run["originalUriBaseIds"]["%SRCROOT%"]["uri"];
    let canonical = std::fs::canonicalize(crate::common::root()).unwrap();
    assert_eq!(
        root.as_str().unwrap(),
        format!("file://{}/", canonical.display()),
        "no character of this checkout's path needs encoding"
    );
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "unknown-control")
        .expect("the unknown control is a result");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"],
        serde_json::json!({
            "uri": "target/aimsgate-tests/sarif%20d%C3%ADr/p%C3%B3licy.yaml",
            "uriBaseId": "%SRCROOT%",
        })
    );
    let at = text.find("iso42001:A.6.2.66").unwrap();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..at].chars().count() + 1;
    assert_eq!(location["region"]["startColumn"], column);

    // Rules: GitHub requires a full description and help (GH2012).
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        for member in ["/fullDescription/text", "/help/text", "/help/markdown"] {
            let value = rule.pointer(member).and_then(|v| v.as_str()).unwrap_or("");
            assert!(!value.is_empty(), "{member} of {rule}");
        }
        assert_ne!(rule["name"], rule["id"]);
    }
    for result in run["results"].as_array().unwrap() {
        assert!(
            result["partialFingerprints"]["aimsgate/v1"].is_string(),
            "{result}"
        );
    }
}

#[test]
fn sarif_fingerprints_do_not_move_with_the_finding() {
    let text = GOOD.replace("iso42001:A.6.2.6", "iso42001:A.6.2.66");
    let before = sarif_in_repo("sarif-moved", "a.yaml", &text);
    let after = sarif_in_repo("sarif-moved", "a.yaml", &format!("# one\n# two\n{text}"));
    let finding = |sarif: &serde_json::Value| {
        let result = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "unknown-control")
            .unwrap()
            .clone();
        (
            result["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap(),
            result["partialFingerprints"].clone(),
        )
    };
    let (line_before, print_before) = finding(&before);
    let (line_after, print_after) = finding(&after);
    assert_eq!(line_after, line_before + 2);
    assert_eq!(print_after, print_before);
}

/// A policy with a classifier detector and a rule that blocks on it.
const CLASSIFIER: &str = r#"apiVersion: aimsgate/v1
kind: Policy
metadata: {name: t, version: "1", owner: me, approver: you, approved: 2026-01-01}
detectors:
  - id: injection
    builtin: prompt-injection
  - id: mail
    builtin: email
  - id: second-opinion
    classifier: {of: injection, between: [40, 100]}
rules:
  - id: r1
    phase: request
    action: block
    when:
      any:
        - detector: injection
        - detector: second-opinion
    controls: [iso42001:A.6.2.6]
"#;

#[test]
fn a_classifier_detector_is_checked_where_it_is_written() {
    let (code, err) = check(CLASSIFIER);
    assert_eq!(code, 0, "{err}");
    let cases = [
        // Not a phrase detector: nothing scores the request.
        ("of: injection", "of: mail", "of: mail"),
        // Thresholds that ask about no score.
        (
            "between: [40, 100]",
            "between: [100, 40]",
            "between: [100, 40]",
        ),
        // A verdict cannot rewrite a request that left before it.
        ("action: block", "action: redact", "action: redact"),
        // Responses are never held for a classifier.
        ("phase: request", "phase: both", "phase: both"),
    ];
    for (from, to, at) in cases {
        let text = CLASSIFIER.replace(from, to);
        let (code, err) = check(&text);
        assert_eq!(code, 1, "{to}: {err}");
        let (line, _) = position(&text, at);
        assert!(
            err.contains(&format!("FILE:{line}:")) && err.contains("error[classifier]"),
            "{to}: {err}"
        );
    }
}

/// `GOOD` with the AIMS around it: a system in scope, a risk, the
/// statement's document control and declared controls — every field the
/// governance diagnostics look for, so each test removes or breaks one.
fn governed() -> String {
    format!(
        r#"{GOOD}routes:
  - id: chat
    hosts: [api.openai.com]
systems:
  - id: helpdesk
    owner: Head of Support
    purpose: Drafts answers for support agents
    eu_ai_act_role: deployer
    annex_iii: not-listed
    routes: [chat]
    provider: openai
    domain: customer-service
    risk_tier: minimal
    lifecycle: operation
    screening:
      date: "2026-01-04"
      decision: internal use, no decisions about people
      by: Governance
      next_review: "2026-09-01"
risks:
  - id: R-1
    description: Personal data reaches the provider
    owner: DPO
    likelihood: medium
    impact: high
    treatment: mitigate
    controls: [iso42001:A.6.2.6]
    systems: [helpdesk]
retention:
  audit_events_days: 200
  store: SIEM
soa:
  document:
    id: SOA-1
    version: "2"
    approver: CRO
    approved: "2026-01-10"
    next_review: "2026-06-01"
  applied:
    - control: iso42001:A.6.2.6
      justification: Every exchange is inspected
      status: implemented
      owner: Security
      risks: [R-1]
  organizational:
    - control: iso42001:A.2.2
      evidence: POL-1
      justification: The AIMS needs an approved AI policy
      status: implemented
      owner: Governance
"#
    )
}

/// `aimsgate check --format plain --today DAY`, with the file named FILE.
fn check_on(text: &str, today: &str) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("aimsgate-check-on-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = dir.join(format!("p{n}.yaml"));
    std::fs::write(&file, text).unwrap();
    let (code, _, err) = aimsgate(&[
        "check",
        "--format",
        "plain",
        "--today",
        today,
        file.to_str().unwrap(),
    ]);
    (code, err.replace(file.to_str().unwrap(), "FILE"))
}

/// The diagnostic of `code` sits at the first occurrence of `at`.
fn assert_at(text: &str, err: &str, at: &str, level: &str, code: &str) {
    let (line, col) = position(text, at);
    assert!(
        err.contains(&format!("FILE:{line}:{col}: {level}[{code}]")),
        "expected {level}[{code}] at {line}:{col} (`{at}`):\n{err}"
    );
}

#[test]
fn the_governed_policy_has_no_governance_warnings() {
    let (code, err) = check_on(&governed(), "2026-03-01");
    assert_eq!(code, 0, "{err}");
    for code in [
        "missing-status",
        "missing-owner",
        "missing-justification",
        "soa-document",
        "missing-scope",
        "lifecycle-routes",
        "stale-review",
        "log-retention",
        "impact-screening",
    ] {
        assert!(!err.contains(&format!("[{code}]")), "{code}: {err}");
    }
}

#[test]
fn a_declaration_without_status_warns_and_fails_strict() {
    let text = governed().replace(
        "      status: implemented\n      owner: Governance\n",
        "      owner: Governance\n",
    );
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 0, "a warning: {err}");
    assert_at(
        &text,
        &err,
        "control: iso42001:A.2.2",
        "warning",
        "missing-status",
    );
    let dir = std::env::temp_dir().join(format!("aimsgate-status-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("p.yaml");
    std::fs::write(&file, &text).unwrap();
    let (code, _, _) = aimsgate(&[
        "check",
        "--strict",
        "--today",
        "2026-03-01",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "an error under --strict");
}

#[test]
fn missing_owners_are_warnings_where_the_entry_is() {
    let text = governed()
        .replace("    owner: Head of Support\n", "")
        .replace("    owner: DPO\n", "")
        .replace("      owner: Security\n", "");
    let (_, err) = check_on(&text, "2026-03-01");
    assert_at(&text, &err, "id: helpdesk", "warning", "missing-owner");
    assert_at(&text, &err, "id: R-1", "warning", "missing-owner");
    assert_at(
        &text,
        &err,
        "control: iso42001:A.6.2.6",
        "warning",
        "missing-owner",
    );
}

#[test]
fn an_organizational_control_without_justification_warns() {
    let text = governed().replace(
        "      justification: The AIMS needs an approved AI policy\n",
        "",
    );
    let (_, err) = check_on(&text, "2026-03-01");
    assert_at(
        &text,
        &err,
        "control: iso42001:A.2.2",
        "warning",
        "missing-justification",
    );
}

#[test]
fn unknown_risks_and_systems_are_errors_at_the_reference() {
    let text = governed()
        .replace("      risks: [R-1]", "      risks: [R-2]")
        .replace("    systems: [helpdesk]", "    systems: [help-desk]");
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 1, "{err}");
    assert_at(&text, &err, "R-2", "error", "unknown-risk");
    assert_at(&text, &err, "help-desk", "error", "unknown-system");
    assert!(err.contains("did you mean `helpdesk`"), "{err}");
}

#[test]
fn a_statement_without_its_own_document_control_warns() {
    let governed = governed();
    let start = governed.find("  document:").unwrap();
    let end = governed.find("  applied:").unwrap();
    let text = format!("{}{}", &governed[..start], &governed[end..]);
    let (_, err) = check_on(&text, "2026-03-01");
    assert_at(&text, &err, "applied:", "warning", "soa-document");
    let text = governed.replace("    approver: CRO\n", "");
    let (_, err) = check_on(&text, "2026-03-01");
    assert_at(&text, &err, "id: SOA-1", "warning", "soa-document");
}

#[test]
fn a_system_without_purpose_or_role_warns() {
    let text = governed()
        .replace("    purpose: Drafts answers for support agents\n", "")
        .replace("    eu_ai_act_role: deployer\n", "");
    let (_, err) = check_on(&text, "2026-03-01");
    assert_at(&text, &err, "id: helpdesk", "warning", "missing-scope");
    assert!(
        err.contains("gives no purpose and no eu_ai_act_role"),
        "{err}"
    );
}

#[test]
fn a_system_in_design_that_serves_routes_warns() {
    let text = governed().replace(
        "    lifecycle: operation",
        "    lifecycle: design-development",
    );
    let (_, err) = check_on(&text, "2026-03-01");
    assert_at(
        &text,
        &err,
        "design-development",
        "warning",
        "lifecycle-routes",
    );
}

#[test]
fn a_review_date_that_has_passed_warns_against_today() {
    let text = governed();
    let (_, before) = check_on(&text, "2026-06-01");
    assert!(!before.contains("[stale-review]"), "{before}");
    let (code, after) = check_on(&text, "2026-06-02");
    assert_eq!(code, 0, "{after}");
    assert_at(&text, &after, "\"2026-06-01\"", "warning", "stale-review");
    let (code, err) = check_on(&text, "June 2");
    assert_eq!(code, 1);
    assert!(err.contains("not a YYYY-MM-DD date"), "{err}");
}

#[test]
fn an_annex_iii_system_not_rated_high_warns_and_needs_an_assessment() {
    let text = governed().replace("    annex_iii: not-listed\n", "    annex_iii: employment\n");
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 1, "no impact assessment: {err}");
    assert_at(&text, &err, "minimal", "warning", "annex-iii");
    assert!(
        err.contains("error[impact-assessment]") && err.contains("Annex III area `employment`"),
        "{err}"
    );
    let text = governed().replace("    annex_iii: not-listed\n", "    annex_iii: banking\n");
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 1, "{err}");
    assert_at(&text, &err, "banking", "error", "invalid");
}

#[test]
fn an_impact_assessment_naming_an_unknown_rule_is_an_error_there() {
    let text = governed().replace(
        "    lifecycle: operation\n",
        "    lifecycle: operation\n    impact_assessment:\n      id: IA-1\n      date: \"2026-01-05\"\n      owner: DPO\n      mitigation: personal data is masked\n      monitoring: monthly\n      rules: [r1, r2]\n",
    );
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 1, "{err}");
    assert_at(&text, &err, "r2]", "error", "missing-rule");
    assert!(err.contains("did you mean `r1`"), "{err}");
}

#[test]
fn an_impact_assessment_without_approver_warns_there() {
    let assessment = "    lifecycle: operation\n    impact_assessment:\n      id: IA-1\n      date: \"2026-01-05\"\n      owner: DPO\n      mitigation: personal data is masked\n      monitoring: monthly\n";
    let text = governed().replace("    lifecycle: operation\n", assessment);
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 0, "a warning: {err}");
    assert_at(&text, &err, "id: IA-1", "warning", "impact-approval");
    let approved = governed().replace(
        "    lifecycle: operation\n",
        &format!("{assessment}      approver: AI committee\n"),
    );
    let (_, err) = check_on(&approved, "2026-03-01");
    assert!(!err.contains("[impact-approval]"), "{err}");
}

#[test]
fn a_rule_claiming_a_documentation_control_warns_at_the_reference() {
    let text = GOOD.replace(
        "controls: [iso42001:A.6.2.6, owasp-llm:LLM02]",
        "controls: [iso42001:A.6.2.6, iso42001:A.4.4, owasp-llm:LLM02]",
    );
    let (code, err) = check(&text);
    assert_eq!(code, 0, "a warning: {err}");
    let (line, col) = position(&text, "iso42001:A.4.4");
    assert!(
        err.contains(&format!(
            "FILE:{line}:{col}: warning[documentation-control]"
        )),
        "{err}"
    );
    assert!(
        err.contains("enforcing the approved list evidences A.10.3"),
        "{err}"
    );
    let (_, err) = check(GOOD);
    assert!(!err.contains("[documentation-control]"), "{err}");
}

#[test]
fn audit_event_retention_must_be_stated_and_six_months_for_the_eu_ai_act() {
    // The six months bind high-risk systems' logs (Art. 19(1), 26(6)).
    let short = governed().replace("  audit_events_days: 200\n", "  audit_events_days: 90\n");
    let (_, err) = check_on(&short, "2026-03-01");
    assert!(!err.contains("[log-retention]"), "minimal risk: {err}");
    // (A high-risk system without an impact assessment is an error of its
    // own; the retention warning stands beside it.)
    let text = short.replace("    risk_tier: minimal\n", "    risk_tier: high\n");
    let (_, err) = check_on(&text, "2026-03-01");
    assert_at(&text, &err, "90\n", "warning", "log-retention");
    assert!(err.contains("at least six months (183 days)"), "{err}");
    let (_, err) = check_on(GOOD, "2026-03-01");
    assert!(
        err.contains("warning[log-retention]: the policy states no retention"),
        "{err}"
    );
}

#[test]
fn a_system_without_assessment_or_screening_warns_and_screenings_come_due() {
    let governed = governed();
    let start = governed.find("    screening:").unwrap();
    let end = governed.find("risks:").unwrap();
    let text = format!("{}{}", &governed[..start], &governed[end..]);
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 0, "a warning: {err}");
    assert_at(&text, &err, "id: helpdesk", "warning", "impact-screening");
    let (_, err) = check_on(&governed, "2026-09-02");
    assert_at(&governed, &err, "\"2026-09-01\"", "warning", "stale-review");
    assert!(
        err.contains("impact screening of system `helpdesk`"),
        "{err}"
    );
}

#[test]
fn a_provider_duty_cited_for_a_deployer_warns_at_the_reference() {
    // `helpdesk` is a deployer; r1 runs on its route.
    let text = governed().replace(
        "controls: [iso42001:A.6.2.6, owasp-llm:LLM02]",
        "controls: [iso42001:A.6.2.6, eu-ai-act:Art.50(1), eu-ai-act:Art.50(4), eu-ai-act:Art.53(1), owasp-llm:LLM02]",
    );
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 0, "a warning: {err}");
    assert_at(
        &text,
        &err,
        "eu-ai-act:Art.50(1)",
        "warning",
        "provider-duty",
    );
    // A paragraph the catalogue does not list takes its article's duty.
    assert_at(
        &text,
        &err,
        "eu-ai-act:Art.53(1)",
        "warning",
        "provider-duty",
    );
    assert!(
        err.contains("system `helpdesk`, which is a deployer"),
        "{err}"
    );
    // The deployer's own paragraph is fine.
    assert_eq!(err.matches("[provider-duty]").count(), 2, "{err}");
    // A provider-and-deployer may cite the provider's duty.
    let both = text.replace(
        "eu_ai_act_role: deployer",
        "eu_ai_act_role: provider-and-deployer",
    );
    let (_, err) = check_on(&both, "2026-03-01");
    assert!(!err.contains("[provider-duty]"), "{err}");

    // The disclosure goes out on every route: held to the systems in service.
    let disclosure = format!(
        "{}disclosure:\n  headers: {{x-ai-generated: \"true\"}}\n  controls: [eu-ai-act:Art.50(1)]\n",
        governed()
    );
    let (_, err) = check_on(&disclosure, "2026-03-01");
    assert_at(
        &disclosure,
        &err,
        "eu-ai-act:Art.50(1)",
        "warning",
        "provider-duty",
    );
}

#[test]
fn a_high_risk_duty_cited_for_a_system_not_rated_high_warns() {
    // `helpdesk` is rated minimal: Art. 26 binds deployers of high-risk
    // systems only, Art. 50 every deployer.
    let text = governed().replace(
        "controls: [iso42001:A.6.2.6, owasp-llm:LLM02]",
        "controls: [iso42001:A.6.2.6, eu-ai-act:Art.26(5), eu-ai-act:Art.50, owasp-llm:LLM02]",
    );
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 0, "a warning: {err}");
    assert_at(
        &text,
        &err,
        "eu-ai-act:Art.26(5)",
        "warning",
        "high-risk-duty",
    );
    assert!(err.contains("rated `minimal`"), "{err}");
    assert_eq!(err.matches("[high-risk-duty]").count(), 1, "{err}");
    let high = text.replace("    risk_tier: minimal\n", "    risk_tier: high\n");
    let (_, err) = check_on(&high, "2026-03-01");
    assert!(!err.contains("[high-risk-duty]"), "{err}");
}

/// `governed()` with a supplier register.
fn with_suppliers(models: &str) -> String {
    format!(
        r#"{}suppliers:
  - id: SUP-1
    provider: openai
    models: {models}
    contract: MSA-1
    dpa: DPA-1
    incident_clause: notice within 72 hours
    next_review: "2026-12-01"
"#,
        governed().replace(
            "    provider: openai\n",
            "    provider: openai\n    models: [gpt-4.1-mini]\n"
        )
    )
}

#[test]
fn systems_are_held_to_the_supplier_register() {
    let text = with_suppliers(r#"["gpt-4.1*"]"#);
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 0, "{err}");
    for code in [
        "unknown-supplier",
        "unapproved-model",
        "supplier-terms",
        "stale-review",
    ] {
        assert!(!err.contains(&format!("[{code}]")), "{code}: {err}");
    }

    // A model the supplier does not approve.
    let text = with_suppliers(r#"["gpt-4o*"]"#);
    let (_, err) = check_on(&text, "2026-03-01");
    assert_at(&text, &err, "gpt-4.1-mini", "warning", "unapproved-model");

    // A provider no supplier names.
    let text = with_suppliers(r#"["gpt-4.1*"]"#).replace(
        "    provider: openai\n    models: [gpt-4.1-mini]",
        "    provider: anthropic\n    models: [gpt-4.1-mini]",
    );
    let (_, err) = check_on(&text, "2026-03-01");
    assert_at(&text, &err, "anthropic", "warning", "unknown-supplier");

    // Providers are compared as the engine compares them, ignoring case.
    let text = with_suppliers(r#"["gpt-4.1*"]"#).replace(
        "    provider: openai\n    models: [gpt-4o",
        "    provider: OpenAI\n    models: [gpt-4o",
    );
    let (_, err) = check_on(&text, "2026-03-01");
    assert!(!err.contains("[unknown-supplier]"), "{err}");

    // A register entry that approves nothing, or everything.
    for models in ["[]", r#"["*"]"#] {
        let text = with_suppliers(models);
        let (_, err) = check_on(&text, "2026-03-01");
        assert_at(
            &text,
            &err,
            &format!("{models}\n    contract"),
            "warning",
            "supplier-terms",
        );
    }

    // Two entries with one id, and a review date that is no date.
    let text = format!(
        "{}  - id: SUP-1\n    provider: anthropic\n    models: [claude*]\n    contract: C\n    dpa: D\n    incident_clause: I\n    next_review: soon\n",
        with_suppliers(r#"["gpt-4.1*"]"#)
    );
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 1, "a duplicate id is an error: {err}");
    assert!(err.contains("[duplicate-id]"), "{err}");
    assert_at(&text, &err, "soon", "warning", "date");

    // Terms not recorded, and a review that has passed.
    let text = with_suppliers(r#"["gpt-4.1*"]"#).replace("    dpa: DPA-1\n", "");
    let (_, err) = check_on(&text, "2027-01-05");
    assert_at(&text, &err, "id: SUP-1", "warning", "supplier-terms");
    assert!(err.contains("supplier `SUP-1` records no dpa"), "{err}");
    assert_at(&text, &err, "\"2026-12-01\"", "warning", "stale-review");
}

#[test]
fn model_not_approved_checks_the_supplier_register() {
    let rule = r#"  - id: approved-only
    when:
      model_not_approved: true
    action: block
    controls: [iso42001:A.10.3]
"#;
    // Without a register there is nothing to approve against: an error
    // rather than a rule that refuses every model.
    let text = governed().replace("routes:\n", &format!("{rule}routes:\n"));
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 1, "{err}");
    assert_at(&text, &err, "true\n    action: block", "error", "invalid");
    assert!(err.contains("`suppliers` approves no model"), "{err}");

    let text = with_suppliers(r#"["gpt-4.1*"]"#).replace("routes:\n", &format!("{rule}routes:\n"));
    let (code, err) = check_on(&text, "2026-03-01");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_rule_claiming_a_control_it_cannot_evidence_gets_a_control_fit_hint() {
    // r1 redacts e-mail addresses: not a supplier decision, not logging,
    // nothing the user is told.
    let text = GOOD.replace(
        "controls: [iso42001:A.6.2.6, owasp-llm:LLM02]",
        "controls: [iso42001:A.6.2.6, iso42001:A.10.3, iso42001:A.6.2.8, owasp-llm:LLM02]",
    );
    let (code, err) = check(&text);
    assert_eq!(code, 0, "a warning: {err}");
    for at in ["iso42001:A.10.3", "iso42001:A.6.2.8"] {
        let (line, col) = position(&text, at);
        assert!(
            err.contains(&format!("FILE:{line}:{col}: warning[control-fit]")),
            "{at}: {err}"
        );
    }
    assert!(
        err.contains("which supplier or model serves a request"),
        "{err}"
    );
    assert_eq!(err.matches("[control-fit]").count(), 2, "{err}");

    // A.8.2 wants something the user is told, A.9.4 a bound on use: a
    // redaction is neither.
    let text = GOOD.replace(
        "controls: [iso42001:A.6.2.6, owasp-llm:LLM02]",
        "controls: [iso42001:A.8.2, iso42001:A.9.4, owasp-llm:LLM02]",
    );
    let (_, err) = check(&text);
    for at in ["iso42001:A.8.2", "iso42001:A.9.4"] {
        let (line, col) = position(&text, at);
        assert!(
            err.contains(&format!("FILE:{line}:{col}: warning[control-fit]")),
            "{at}: {err}"
        );
    }
    // A response header fits A.8.2.
    let text = GOOD
        .replace(
            "    action: redact\n",
            "    phase: request\n    action:\n      flag: {header: {name: x-pii, value: found}}\n",
        )
        .replace(
            "controls: [iso42001:A.6.2.6, owasp-llm:LLM02]",
            "controls: [iso42001:A.8.2, owasp-llm:LLM02]",
        );
    let (code, err) = check(&text);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("[control-fit]"), "{err}");

    // A rule that decides on the model fits A.10.3.
    let text = GOOD.replace(
        "    when:\n      any:\n        - detector: mail\n        - detector: empid\n    controls: [iso42001:A.6.2.6, owasp-llm:LLM02]",
        "    when:\n      model_not_in: [gpt-4.1*]\n    controls: [iso42001:A.10.3, iso42001:A.9.4]",
    ).replace("    action: redact\n", "    action: block\n");
    let (code, err) = check(&text);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("[control-fit]"), "{err}");
}
