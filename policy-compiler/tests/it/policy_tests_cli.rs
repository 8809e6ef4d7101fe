//! `aimsgate test` and `aimsgate replay` through the real filter.wasm: the
//! baseline pack's tests pass, a wrong expectation fails with a message and
//! a JUnit failure, a case that cannot run is a JUnit error, every JUnit
//! report is valid against the Jenkins xUnit and Ant JUnit schemas, a
//! malformed test file is an error at its line.

use crate::common;

use common::{filter, root, scratch};

/// `aimsgate ARGS --filter filter.wasm`.
fn aimsgate(args: &[&str]) -> (i32, String, String) {
    let filter = filter().to_str().expect("UTF-8 path").to_owned();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--filter", filter.as_str()]);
    common::aimsgate(&all)
}

#[test]
fn the_baseline_pack_passes_its_tests_and_writes_junit() {
    let junit = scratch("baseline").join("junit.xml");
    let (code, out, err) = aimsgate(&[
        "test",
        "examples/policies/baseline/tests.yaml",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(" 0 failed"), "{out}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"0\" errors=\"0\""), "{xml}");
    assert!(xml.contains("<testcase"), "{xml}");
    assert_valid_junit(&junit);
}

/// `soa --tests`: each control lists the baseline pack's cases that
/// exercise its rules; a failed case shows as failed on its controls.
#[test]
fn the_soa_shows_each_controls_policy_tests_from_junit() {
    let dir = scratch("soa-tests");
    let junit = dir.join("junit.xml");
    let (code, out, err) = aimsgate(&[
        "test",
        "examples/policies/baseline/tests.yaml",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let soa = |report: &std::path::Path| {
        let (code, out, err) = common::aimsgate(&[
            "soa",
            "examples/policies/baseline/policy.yaml",
            "--format",
            "json",
            "--tests",
            report.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).expect("JSON SoA")
    };
    let control = |soa: &serde_json::Value, id: &str| {
        soa["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap()
    };
    let passing = soa(&junit);
    assert!(
        passing["design_tests"]["passed"].as_u64().unwrap() > 10,
        "{}",
        passing["design_tests"]
    );
    assert_eq!(passing["design_tests"]["failed"], 0);
    let suppliers = control(&passing, "A.10.3");
    let names: Vec<&str> = suppliers["design_tests"]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"an unapproved model is refused"),
        "{names:?}"
    );
    assert_eq!(suppliers["design_tests"]["failed"], 0);

    // The same report with that case failed.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let case = "name=\"an unapproved model is refused\" time=\"";
    let at = xml.find(case).expect("the case");
    let end = at + xml[at..].find("/>").unwrap();
    let failed = format!(
        "{}><failure type=\"expectation\" message=\"m\">m</failure></testcase>{}",
        &xml[..end],
        &xml[end + 2..]
    );
    let failed_path = dir.join("failed.xml");
    std::fs::write(&failed_path, failed).unwrap();
    let failing = soa(&failed_path);
    assert_eq!(failing["design_tests"]["failed"], 1);
    let suppliers = control(&failing, "A.10.3");
    assert_eq!(suppliers["design_tests"]["failed"], 1);
    let (_, md, _) = common::aimsgate(&[
        "soa",
        "examples/policies/baseline/policy.yaml",
        "--tests",
        failed_path.to_str().unwrap(),
    ]);
    assert!(md.contains("## Test-of-design evidence"), "{md}");
    assert!(
        md.contains("(failed: an unapproved model is refused)"),
        "{md}"
    );
}

#[test]
fn a_wrong_expectation_fails_with_what_was_observed() {
    let dir = scratch("wrong");
    let policy = root().join("examples/policies/baseline/policy.yaml");
    let file = dir.join("tests.yaml");
    std::fs::write(
        &file,
        format!(
            "policy: {}\ndefaults:\n  headers: {{x-user-id: u-1, x-user-group: customer-support}}\ncases:\n  - name: cards are allowed (they are not)\n    text: my card is 4111 1111 1111 1111\n    expect:\n      request: {{decision: allow}}\n",
            policy.display()
        ),
    )
    .unwrap();
    let junit = dir.join("junit.xml");
    let (code, out, _) = aimsgate(&[
        "test",
        file.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL  cards are allowed"), "{out}");
    assert!(
        out.contains("request decision: expected allow, got redact (rules: redact-personal-data"),
        "{out}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<failure type=\"expectation\" message=\"request decision: expected allow"),
        "{xml}"
    );
    assert!(xml.contains("failures=\"1\" errors=\"0\""), "{xml}");
    assert_valid_junit(&junit);
}

#[test]
fn a_case_that_cannot_run_is_a_junit_error_not_a_failure() {
    let dir = scratch("unrunnable");
    let policy = root().join("examples/policies/baseline/policy.yaml");
    let file = dir.join("tests.yaml");
    std::fs::write(
        &file,
        format!(
            "policy: {}\ncases:\n  - name: its recording is missing\n    exchange: missing.json\n    expect:\n      request: {{decision: allow}}\n",
            policy.display()
        ),
    )
    .unwrap();
    let junit = dir.join("junit.xml");
    let (code, out, _) = aimsgate(&[
        "test",
        file.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ERROR its recording is missing"), "{out}");
    assert!(out.contains("0 passed, 1 failed"), "{out}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"0\" errors=\"1\""), "{xml}");
    assert!(
        xml.contains("<error type=\"harness\" message=\"cannot read "),
        "{xml}"
    );
    assert!(!xml.contains("<failure"), "{xml}");
    assert_valid_junit(&junit);
}

/// The JUnit report is valid against the schemas its consumers check
/// (vendored in tests/data/formats/), by xmllint (Debian's libxml2-utils;
/// CI installs it and sets AIMSGATE_REQUIRE_XMLLINT, elsewhere a missing
/// xmllint skips the check).
fn assert_valid_junit(report: &std::path::Path) {
    let data = root().join("policy-compiler/tests/data/formats");
    for xsd in ["jenkins-xunit-junit-10.xsd", "ant-junit.xsd"] {
        let out = match std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(data.join(xsd))
            .arg(report)
            .output()
        {
            Ok(out) => out,
            Err(err) if std::env::var_os("AIMSGATE_REQUIRE_XMLLINT").is_none() => {
                eprintln!("xmllint not run ({err}): JUnit schemas not checked");
                return;
            }
            Err(err) => panic!("xmllint: {err}"),
        };
        assert!(
            out.status.success(),
            "{xsd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_malformed_test_file_is_an_error_at_its_line() {
    let file = scratch("malformed").join("tests.yaml");
    std::fs::write(
        &file,
        "policy: p.yaml\ncases:\n  - name: x\n    txt: hi\n    expect: {}\n",
    )
    .unwrap();
    let (code, _, err) = aimsgate(&["test", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("tests.yaml:4"), "{err}");
    assert!(err.contains("txt"), "{err}");
}

#[test]
fn replay_prints_what_the_filter_decided_for_each_exchange() {
    let (code, out, err) = aimsgate(&[
        "replay",
        "--rules",
        "examples/policies/baseline/policy.yaml",
        "examples/traffic/05-openai-chat-aws-key-blocked.json",
        "examples/traffic/18-openai-chat-stream-card-across-chunks-redacted.json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let line = |id: &str| {
        out.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_default()
            .to_owned()
    };
    let blocked = line("05-openai-chat-aws-key-blocked");
    assert!(
        blocked.contains("403") && blocked.contains("block-secrets-in-prompts"),
        "{out}"
    );
    let streamed = line("18-openai-chat-stream-card-across-chunks-redacted");
    assert!(
        streamed.contains("redact") && streamed.contains("redact-personal-data"),
        "{out}"
    );
}
