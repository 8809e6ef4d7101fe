//! `aimsgate evidence verify` and the published audit-event schema, on
//! chains sealed the way every runtime seals them.

use std::path::PathBuf;

use crate::common::{aimsgate, root};
use aimsgate_engine::audit::{AuditEvent, Chain, names};

/// A chain of `n` decision events, as lines behind an Envoy-style prefix.
fn chain(id: &str, n: u64) -> Vec<String> {
    let mut chain = Chain::new(id);
    (0..n)
        .map(|i| {
            let event = AuditEvent {
                name: if i == 0 {
                    names::CHAIN_START
                } else {
                    names::DECISION
                }
                .to_owned(),
                time_unix_nano: 1_764_324_000_000_000_000 + i * 1_000_000_000,
                runtime: "test/1".to_owned(),
                outcome: (i > 0).then(|| "allow".to_owned()),
                ..AuditEvent::default()
            };
            format!(
                "[2026-11-28 10:00:0{}][12][info][wasm] wasm log aimsgate: {}",
                i % 10,
                chain.seal(event).line
            )
        })
        .collect()
}

fn write(name: &str, lines: &[String]) -> PathBuf {
    let dir = root().join("target/evidence-cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let mut text = lines.join("\n");
    text.push_str("\n[2026-11-28][info] some other envoy line\n");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn verify_passes_an_intact_log_and_names_what_is_missing_from_a_broken_one() {
    let mut lines = chain("c0ffee", 5);
    lines.extend(chain("beef", 3));
    let intact = write("intact.log", &lines);
    let (code, out, err) = aimsgate(&["evidence", "verify", intact.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("8 events in 2 chain(s): intact"), "{out}");

    lines.remove(2);
    let broken = write("broken.log", &lines);
    let (code, out, _) = aimsgate(&["evidence", "verify", broken.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("MISSING  chain c0ffee seq 2: not in the log"),
        "{out}"
    );

    let (code, out, _) = aimsgate(&[
        "evidence",
        "verify",
        "--format",
        "json",
        broken.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let verdict: serde_json::Value = serde_json::from_str(&out).expect("JSON verdict");
    assert_eq!(verdict["findings"][0]["kind"], "missing");
    assert_eq!(verdict["findings"][0]["first"], 2);
}

#[test]
fn a_file_without_events_is_not_an_intact_log() {
    // The decisions file of `scan`, an empty export: nothing is evidenced.
    let decisions = write(
        "decisions.jsonl",
        &[r#"{"outcome": "allow", "rules": []}"#.to_owned()],
    );
    let empty = write("empty.log", &[]);
    for file in [decisions, empty] {
        let (code, out, err) = aimsgate(&["evidence", "verify", file.to_str().unwrap()]);
        assert_eq!(code, 1, "{out}{err}");
        assert!(out.contains("NO EVENTS"), "{out}");
        assert!(out.contains("NOT intact"), "{out}");
    }
}

#[test]
fn verify_reads_collector_exports_and_says_where_a_line_was_edited() {
    let lines = chain("c1", 3);
    let bodies: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| {
            let json = &l[l.find('{').unwrap()..];
            serde_json::json!({"body": {"stringValue": json}})
        })
        .collect();
    let export = serde_json::json!({"resourceLogs": [{"scopeLogs": [{"logRecords": bodies}]}]});
    let path = write("export.jsonl", &[export.to_string()]);
    let (code, out, _) = aimsgate(&["evidence", "verify", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");

    let mut edited = lines.clone();
    edited[1] = edited[1].replace("\"allow\"", "\"block\"");
    let path = write("edited.log", &edited);
    let (code, out, _) = aimsgate(&["evidence", "verify", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("ALTERED  chain c1 seq 1") && out.contains("edited.log:line 2"),
        "{out}"
    );
}

#[test]
fn the_published_audit_event_schema_is_current() {
    let (code, out, err) = aimsgate(&["schema", "audit-event"]);
    assert_eq!(code, 0, "{err}");
    let committed = std::fs::read_to_string(root().join("schemas/audit-event.v1.schema.json"))
        .expect("schemas/audit-event.v1.schema.json");
    assert_eq!(
        out.trim(),
        committed.trim(),
        "the audit event changed: regenerate with `aimsgate schema audit-event > schemas/audit-event.v1.schema.json` (and bump the schema version if a field changed meaning)"
    );
}

#[test]
fn the_published_report_and_soa_schemas_are_current() {
    for (which, file) in [
        ("evidence-report", "schemas/evidence-report.v1.schema.json"),
        ("soa", "schemas/soa.v1.schema.json"),
    ] {
        let (code, out, err) = aimsgate(&["schema", which]);
        assert_eq!(code, 0, "{err}");
        let committed = std::fs::read_to_string(root().join(file)).expect(file);
        assert_eq!(
            out.trim_end(),
            committed.trim_end(),
            "the {which} layout changed: regenerate with `aimsgate schema {which} > {file}` (and bump the schema version if a field changed meaning)"
        );
    }
}
