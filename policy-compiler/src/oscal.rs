//! OSCAL export (`aimsgate oscal`): the control catalogue, the applicable
//! controls, the rules, the Statement of Applicability and the runtime
//! evidence as NIST OSCAL JSON documents a GRC tool can import.
//!
//! | document | from | OSCAL model |
//! |---|---|---|
//! | `catalog.json` | the control catalogue, every framework | catalog |
//! | `profile.json` | the controls the SoA does not exclude | profile (imports `catalog.json`) |
//! | `component-definition.json` | the rules, per control | component-definition (source `profile.json`) |
//! | `ssp.json` | the SoA: status per control, scope as system characteristics | system-security-plan (imports `profile.json`) |
//! | `assessment-plan.json` | the controls to assess, the methods | assessment-plan (imports `ssp.json`) |
//! | `assessment-results.json` | the evidence report | assessment-results (imports `assessment-plan.json`) |
//!
//! The documents refer to each other by those file names, so they are
//! written side by side ([`FILES`]). Every UUID is derived (version 5)
//! from what it names and the policy's digest: regenerating a document
//! from the same policy and events gives the same bytes but for the
//! `last-modified` timestamp, and a changed policy gives new UUIDs.
//!
//! Validated in `cargo xtask ci` with compliance-trestle's OSCAL models
//! (`xtask/oscal/`), which also round-trips each document.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::catalogue::{self, Framework};
use crate::policy::compile::Compiled;
use crate::soa::{Applicability, EvidenceStatus, MONITOR_ONLY, NOT_DECLARED, Soa};

/// The OSCAL version the documents are written in (the version of the
/// models `cargo xtask ci` validates them with).
pub const OSCAL_VERSION: &str = "1.2.1";

/// The namespace of aimsgate's own OSCAL properties (OSCAL reserves the
/// default namespace for the names it defines).
const NS: &str = "https://aimsgate.dev/ns/oscal";

/// The file names the documents refer to each other by, in dependency
/// order: (kind, file).
pub const FILES: [(&str, &str); 6] = [
    ("catalog", "catalog.json"),
    ("profile", "profile.json"),
    ("component", "component-definition.json"),
    ("ssp", "ssp.json"),
    ("ap", "assessment-plan.json"),
    ("ar", "assessment-results.json"),
];

fn file(kind: &str) -> &'static str {
    FILES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("", |(_, f)| *f)
}

/// The namespace of aimsgate's derived UUIDs.
const NAMESPACE: Uuid = Uuid::from_u128(0x6a1f_3c52_8e0d_4b7a_9d21_5f4e_0c8b_7a13);

/// A stable UUID for `parts` (joined with `/`).
fn id(parts: &[&str]) -> String {
    Uuid::new_v5(&NAMESPACE, parts.join("/").as_bytes()).to_string()
}

/// An OSCAL token for a control reference: `iso42001:A.6.2.8` →
/// `iso42001-a.6.2.8` (tokens start with a letter and hold letters,
/// digits, `.`, `-`, `_`).
pub fn control_id(reference: &str) -> String {
    reference
        .to_ascii_lowercase()
        .chars()
        .map(|c| match c {
            ':' => '-',
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') => c,
            _ => '_',
        })
        .collect()
}

fn metadata(title: &str, version: &str, generated_at: &str) -> Value {
    json!({
        "title": title,
        "last-modified": generated_at,
        "version": version,
        "oscal-version": OSCAL_VERSION,
    })
}

/// The control catalogue as an OSCAL catalog: one group per framework,
/// each control with its title and (paraphrased) objective as statement.
pub fn catalog(generated_at: &str) -> Value {
    let groups: Vec<Value> = Framework::ALL
        .iter()
        .map(|framework| {
            let controls: Vec<Value> = catalogue::controls(*framework)
                .map(|c| {
                    let cid = control_id(&c.reference());
                    let prose = if c.objective.is_empty() {
                        c.title
                    } else {
                        c.objective
                    };
                    let mut props = vec![json!({"name": "label", "value": c.id})];
                    if !c.group.is_empty() {
                        props.push(json!({"name": "sort-id", "value": c.group}));
                    }
                    if let Some(duty) = c.duty {
                        props.push(json!({"name": "duty", "ns": NS, "value": duty.name()}));
                    }
                    json!({
                        "id": cid,
                        // The kind as the catalogue's JSON names it
                        // (`annex-a`, `iso27001-annex-a`, `technique`).
                        "class": serde_json::to_value(c.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        "title": c.title,
                        "props": props,
                        "parts": [{"id": format!("{cid}_smt"), "name": "statement", "prose": prose}],
                    })
                })
                .collect();
            json!({
                "id": framework.prefix(),
                "class": "framework",
                "title": framework.title(),
                "props": [{"name": "version", "ns": NS, "value": framework.version()}],
                "controls": controls,
            })
        })
        .collect();
    json!({"catalog": {
        "uuid": id(&["catalog", env!("CARGO_PKG_VERSION")]),
        "metadata": metadata(
            "aimsgate control catalogue (paraphrased titles and objectives)",
            env!("CARGO_PKG_VERSION"),
            generated_at,
        ),
        "groups": groups,
    }})
}

/// The references the statement applies: every Annex A control it does not
/// exclude (a control neither applied nor excluded is applicable and a
/// gap, 6.1.3), then the other frameworks' controls the rules implement.
fn applicable(soa: &Soa) -> Vec<&str> {
    soa.controls
        .iter()
        .filter(|e| e.status != Applicability::Excluded)
        .map(|e| e.reference.as_str())
        .chain(
            soa.other_frameworks
                .iter()
                .filter(|f| f.catalogued)
                .map(|f| f.reference.as_str()),
        )
        .collect()
}

/// The statement's version: its own, else the policy's.
fn version(soa: &Soa) -> &str {
    soa.statement
        .as_ref()
        .map_or(soa.document.version.as_str(), |s| s.version.as_str())
}

/// The profile selecting the applicable controls from `catalog.json`.
pub fn profile(soa: &Soa, generated_at: &str) -> Value {
    let ids: Vec<String> = applicable(soa).iter().map(|r| control_id(r)).collect();
    json!({"profile": {
        "uuid": id(&["profile", &soa.document.digest]),
        "metadata": metadata(
            &format!("Applicable controls of {} {}", soa.document.policy, soa.document.version),
            version(soa),
            generated_at,
        ),
        "imports": [{"href": file("catalog"), "include-controls": [{"with-ids": ids}]}],
        "merge": {"as-is": true},
    }})
}

/// The rules as a component-definition: one component (the policy as
/// enforced by the aimsgate filter), one implemented requirement per
/// control its rules implement.
pub fn component_definition(compiled: &Compiled, soa: &Soa, generated_at: &str) -> Value {
    let digest = &soa.document.digest;
    let mut requirements: Vec<Value> = Vec::new();
    let runtime = soa
        .controls
        .iter()
        .map(|e| (e.reference.as_str(), &e.rules))
        .chain(
            soa.other_frameworks
                .iter()
                .filter(|f| f.catalogued)
                .map(|f| (f.reference.as_str(), &f.rules)),
        );
    for (reference, rules) in runtime {
        if rules.is_empty() {
            continue;
        }
        let described: Vec<String> = rules
            .iter()
            .map(|r| format!("{} ({}, {}, {})", r.id, r.mode, r.action, r.severity))
            .collect();
        requirements.push(json!({
            "uuid": id(&["component", digest, reference]),
            "control-id": control_id(reference),
            "description": format!("Enforced at runtime by the rules {}.", described.join("; ")),
            "props": rules
                .iter()
                .map(|r| json!({"name": "rule-id", "ns": NS, "value": r.id}))
                .collect::<Vec<_>>(),
        }));
    }
    let policy = &compiled.policy.metadata;
    json!({"component-definition": {
        "uuid": id(&["component-definition", digest]),
        "metadata": metadata(
            &format!("aimsgate rules of {} {}", policy.name, policy.version),
            &policy.version,
            generated_at,
        ),
        "components": [{
            "uuid": id(&["component", digest]),
            "type": "software",
            "title": format!("aimsgate policy {} {}", policy.name, policy.version),
            "description": policy.description.clone().unwrap_or_else(|| "Runtime rules enforced by the aimsgate proxy-wasm filter on prompts and completions.".to_owned()),
            "props": [{"name": "version", "value": policy.version}],
            "control-implementations": [{
                "uuid": id(&["component", digest, "implementation"]),
                "source": file("profile"),
                "description": "Controls the policy's rules implement at runtime; every decision leaves an audit event naming them.",
                "implemented-requirements": requirements,
            }],
        }],
    }})
}

/// OSCAL's implementation state of a statement's implementation status.
fn state(implementation: Option<&str>) -> Option<&'static str> {
    match implementation? {
        "implemented" => Some("implemented"),
        "partial" | MONITOR_ONLY => Some("partial"),
        "planned" => Some("planned"),
        NOT_DECLARED => None,
        _ => None,
    }
}

/// The statement as a system security plan: the scope as system
/// characteristics (the AI systems as components, their data categories as
/// information types), and each applicable control's status, justification
/// and owner.
pub fn ssp(soa: &Soa, generated_at: &str) -> Value {
    let digest = &soa.document.digest;
    let this = id(&["ssp", digest, "this-system"]);
    let mut categories: Vec<(String, Vec<&str>)> = Vec::new();
    for s in &soa.scope.systems {
        for c in &s.data_categories {
            match categories.iter_mut().find(|(name, _)| name == c) {
                Some((_, systems)) => systems.push(&s.id),
                None => categories.push((c.clone(), vec![&s.id])),
            }
        }
    }
    let mut information_types: Vec<Value> = categories
        .iter()
        .map(|(name, systems)| {
            json!({
                "uuid": id(&["ssp", digest, "information", name]),
                "title": name,
                "description": format!("Processed by {}.", systems.join(", ")),
            })
        })
        .collect();
    if information_types.is_empty() {
        information_types.push(json!({
            "uuid": id(&["ssp", digest, "information", "prompts"]),
            "title": "prompts and completions",
            "description": "What users send to the AI systems and what the models answer.",
        }));
    }
    let mut components = vec![json!({
        "uuid": this,
        "type": "this-system",
        "title": format!("AI management system governed by {}", soa.document.policy),
        "description": "The AI systems in scope, governed at runtime by the aimsgate filter and by the organisational controls of the statement.",
        "status": {"state": "operational"},
    })];
    for s in &soa.scope.systems {
        let mut props = vec![
            json!({"name": "risk-tier", "ns": NS, "value": s.risk_tier}),
            json!({"name": "lifecycle", "ns": NS, "value": s.lifecycle}),
            json!({"name": "provider", "ns": NS, "value": s.provider}),
        ];
        if let Some(area) = &s.annex_iii {
            props.push(json!({"name": "eu-ai-act-annex-iii", "ns": NS, "value": area}));
        }
        if let Some(role) = &s.eu_ai_act_role {
            props.push(json!({"name": "eu-ai-act-role", "ns": NS, "value": role}));
        }
        for model in &s.models {
            props.push(json!({"name": "model", "ns": NS, "value": model}));
        }
        let mut description = s
            .purpose
            .clone()
            .unwrap_or_else(|| "Intended purpose not recorded.".to_owned());
        if let Some(oversight) = &s.oversight {
            description.push_str(&format!(" Human oversight: {oversight}"));
        }
        if let Some(owner) = &s.owner {
            description.push_str(&format!(" Owner: {owner}."));
        }
        components.push(json!({
            "uuid": id(&["ssp", digest, "system", &s.id]),
            "type": "service",
            "title": s.name.clone().unwrap_or_else(|| s.id.clone()),
            "description": description,
            "props": props,
            "status": {"state": if s.lifecycle == "retired" { "disposition" } else if s.lifecycle == "operation" || s.lifecycle == "deployment" || s.lifecycle == "re-evaluation" { "operational" } else { "under-development" }},
        }));
    }
    // The supplier register (A.10.3): each external model service, with
    // the models approved from it and its terms, as a component a GRC tool
    // can track reviews of.
    for s in &soa.scope.suppliers {
        let mut props = vec![
            json!({"name": "supplier", "ns": NS, "value": s.id}),
            json!({"name": "provider", "ns": NS, "value": s.provider}),
        ];
        for model in &s.models {
            props.push(json!({"name": "approved-model", "ns": NS, "value": model}));
        }
        if let Some(review) = &s.next_review {
            props.push(json!({"name": "next-review", "ns": NS, "value": review}));
        }
        let terms: Vec<String> = [
            ("Contract", &s.contract),
            ("Data-processing agreement", &s.dpa),
            ("AI-incident clause", &s.incident_clause),
            ("Due diligence", &s.due_diligence),
            ("Owner", &s.owner),
        ]
        .into_iter()
        .map(|(label, value)| format!("{label}: {}.", value.as_deref().unwrap_or("not recorded")))
        .collect();
        components.push(json!({
            "uuid": id(&["ssp", digest, "supplier", &s.id]),
            "type": "service",
            "title": format!("Supplier: {}", s.name.clone().unwrap_or_else(|| s.id.clone())),
            "description": terms.join(" "),
            "props": props,
            "status": {"state": "operational"},
        }));
    }
    let mut requirements: Vec<Value> = Vec::new();
    for e in soa
        .controls
        .iter()
        .filter(|e| e.status != Applicability::Excluded)
    {
        let mut description = format!("{}.", e.status.label());
        if let Some(j) = &e.justification {
            description.push_str(&format!(" {j}"));
        }
        if let Some(ev) = &e.evidence {
            description.push_str(&format!(" Evidence: {ev}."));
        }
        if !e.rules.is_empty() {
            let rules: Vec<&str> = e.rules.iter().map(|r| r.id.as_str()).collect();
            description.push_str(&format!(" Rules: {}.", rules.join(", ")));
        }
        let mut by = json!({
            "component-uuid": this,
            "uuid": id(&["ssp", digest, &e.reference, "this-system"]),
            "description": description,
        });
        if let Some(state) = state(e.implementation.as_deref()) {
            by["implementation-status"] = json!({"state": state});
        }
        let mut remarks: Vec<String> = Vec::new();
        if e.status == Applicability::NotAddressed {
            remarks.push("Not addressed: neither applied nor excluded (a gap).".to_owned());
        }
        if e.implementation.as_deref() == Some(NOT_DECLARED) {
            remarks.push("The statement declares no implementation status.".to_owned());
        }
        if !e.risks.is_empty() {
            remarks.push(format!("Treats the risks {}.", e.risks.join(", ")));
        }
        let mut requirement = json!({
            "uuid": id(&["ssp", digest, &e.reference]),
            "control-id": control_id(&e.reference),
            "by-components": [by],
        });
        if let Some(owner) = &e.owner {
            requirement["props"] = json!([{"name": "owner", "ns": NS, "value": owner}]);
        }
        if !remarks.is_empty() {
            requirement["remarks"] = json!(remarks.join(" "));
        }
        requirements.push(requirement);
    }
    for f in soa.other_frameworks.iter().filter(|f| f.catalogued) {
        let rules: Vec<&str> = f.rules.iter().map(|r| r.id.as_str()).collect();
        let mut by = json!({
            "component-uuid": this,
            "uuid": id(&["ssp", digest, &f.reference, "this-system"]),
            "description": if rules.is_empty() { "Implemented by the AI-disclosure response headers.".to_owned() } else { format!("Rules: {}.", rules.join(", ")) },
        });
        if let Some(state) = state(Some(&f.implementation)) {
            by["implementation-status"] = json!({"state": state});
        }
        requirements.push(json!({
            "uuid": id(&["ssp", digest, &f.reference]),
            "control-id": control_id(&f.reference),
            "by-components": [by],
        }));
    }
    let systems: Vec<String> = soa
        .scope
        .systems
        .iter()
        .map(|s| s.name.clone().unwrap_or_else(|| s.id.clone()))
        .collect();
    json!({"system-security-plan": {
        "uuid": id(&["ssp", digest]),
        "metadata": metadata(
            &format!("Statement of Applicability of {} {}", soa.document.policy, soa.document.version),
            version(soa),
            generated_at,
        ),
        "import-profile": {"href": file("profile")},
        "system-characteristics": {
            "system-ids": [{"identifier-type": "https://aimsgate.dev/ns/oscal", "id": soa.document.policy}],
            "system-name": soa.document.policy,
            "description": if systems.is_empty() { "The policy declares no AI system.".to_owned() } else { format!("AI systems in scope (ISO/IEC 42001 4.3): {}.", systems.join("; ")) },
            "system-information": {"information-types": information_types},
            "status": {"state": "operational"},
            "authorization-boundary": {"description": "The AI systems in scope and the proxy routes that serve them; traffic for hosts no route names is refused."},
        },
        "system-implementation": {"components": components},
        "control-implementation": {
            "description": "How each applicable control is met: at runtime by rules, by the organisation, or by the AI system impact assessments (ISO/IEC 42001 6.1.3).",
            "implemented-requirements": requirements,
        },
    }})
}

/// A minimal assessment plan: every control of the SSP's baseline, tested
/// by examining the audit events and the policy tests.
pub fn assessment_plan(soa: &Soa, generated_at: &str) -> Value {
    let digest = &soa.document.digest;
    json!({"assessment-plan": {
        "uuid": id(&["ap", digest]),
        "metadata": metadata(
            &format!("Assessment plan for {} {}", soa.document.policy, soa.document.version),
            version(soa),
            generated_at,
        ),
        "import-ssp": {"href": file("ssp")},
        "reviewed-controls": {
            "description": "Every applicable control of the statement.",
            "control-selections": [{"include-all": {}}],
        },
        "tasks": [{
            "uuid": id(&["ap", digest, "task"]),
            "type": "action",
            "title": "Verify the audit log and count each control's evidence",
            "description": "aimsgate evidence verify, then aimsgate evidence report over the period's audit events.",
        }],
    }})
}

/// The evidence as assessment results: one observation per control with
/// runtime evidence (the events file, by its SHA-256, in the back matter),
/// and a finding per control applied at runtime: satisfied when the
/// evidence shows it operational, not satisfied otherwise.
pub fn assessment_results(
    soa: &Soa,
    events_name: &str,
    events_sha256: &str,
    generated_at: &str,
) -> Value {
    let digest = &soa.document.digest;
    let resource = id(&["ar", digest, "events", events_sha256]);
    let mut observations: Vec<Value> = Vec::new();
    let mut findings: Vec<Value> = Vec::new();
    let verified = soa.runtime_evidence.as_ref().is_some_and(|b| b.log_intact);
    for e in &soa.controls {
        let Some(evidence) = &e.runtime_evidence else {
            continue;
        };
        let observation = id(&["ar", digest, &e.reference, "observation"]);
        observations.push(json!({
            "uuid": observation,
            "title": format!("Runtime evidence of {}", e.reference),
            "description": evidence.text(),
            "methods": ["EXAMINE", "TEST"],
            "collected": generated_at,
            "relevant-evidence": [{"href": format!("#{resource}"), "description": format!("Audit events ({events_name}), SHA-256 {events_sha256}.")}],
        }));
        let satisfied = evidence.status == EvidenceStatus::Operational && verified;
        findings.push(json!({
            "uuid": id(&["ar", digest, &e.reference, "finding"]),
            "title": format!("{} {}", e.id, e.title),
            "description": format!("Runtime evidence: {}.", evidence.status.key()),
            "target": {
                "type": "objective-id",
                "target-id": format!("{}_smt", control_id(&e.reference)),
                "status": {"state": if satisfied { "satisfied" } else { "not-satisfied" }},
            },
            "related-observations": [{"observation-uuid": observation}],
        }));
    }
    let (start, end) = soa.runtime_evidence.as_ref().map_or((None, None), |b| {
        (b.first_event.clone(), b.last_event.clone())
    });
    let mut result = json!({
        "uuid": id(&["ar", digest, events_sha256]),
        "title": "Runtime evidence of the AI policy's controls",
        "description": if verified { "From audit events whose chains aimsgate evidence verify found intact." } else { "From audit events that did not pass aimsgate evidence verify: no control is found satisfied." },
        "start": start.unwrap_or_else(|| generated_at.to_owned()),
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
        "observations": observations,
        "findings": findings,
    });
    if let Some(end) = end {
        result["end"] = json!(end);
    }
    if observations_empty(&result) {
        result.as_object_mut().map(|r| {
            r.remove("observations");
            r.remove("findings")
        });
    }
    json!({"assessment-results": {
        "uuid": id(&["ar", digest, events_sha256, "document"]),
        "metadata": metadata(
            &format!("Assessment results for {} {}", soa.document.policy, soa.document.version),
            version(soa),
            generated_at,
        ),
        "import-ap": {"href": file("ap")},
        "results": [result],
        "back-matter": {"resources": [{
            "uuid": resource,
            "title": format!("Audit events {events_name}"),
            "rlinks": [{"href": events_name, "hashes": [{"algorithm": "SHA-256", "value": events_sha256}]}],
        }]},
    }})
}

fn observations_empty(result: &Value) -> bool {
    result["observations"].as_array().is_none_or(Vec::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_ids_are_oscal_tokens() {
        assert_eq!(control_id("iso42001:A.6.2.8"), "iso42001-a.6.2.8");
        assert_eq!(control_id("eu-ai-act:Art.26(5)"), "eu-ai-act-art.26_5_");
        assert_eq!(control_id("atlas:AML.T0051.001"), "atlas-aml.t0051.001");
        for c in catalogue::all() {
            let token = control_id(&c.reference());
            assert!(
                token.starts_with(|c: char| c.is_ascii_alphabetic()),
                "{token}"
            );
        }
    }

    #[test]
    fn uuids_are_stable_and_distinct() {
        assert_eq!(id(&["a", "b"]), id(&["a", "b"]));
        assert_ne!(id(&["a", "b"]), id(&["a", "c"]));
        assert_eq!(id(&["a"]).as_bytes()[14], b'5');
    }
}
