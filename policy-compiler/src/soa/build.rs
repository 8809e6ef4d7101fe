//! Building the statement from a compiled policy, and attaching the runtime
//! evidence of an evidence report to it.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::catalogue::{self, Control, ControlKind, Framework, Resolution};
use crate::evidence::report::EvidenceReport;
use crate::policy::compile::Compiled;
use crate::policy::model::{ImplementationStatus, Policy};

use crate::junit::TestCase;

use super::model::{
    Applicability, DesignTests, DocumentControl, EvidenceBasis, EvidenceStatus, FrameworkEntry,
    ImpactRef, MONITOR_ONLY, NOT_DECLARED, RevisionRef, RiskEntry, RuleRef, RuntimeEvidence,
    SCHEMA, Scope, ScopeSystem, Soa, SoaEntry, StatementControl, Summary, SupplierEntry, TestRef,
    TestsBasis, Verdict,
};

/// The Annex A controls that systems' impact assessments address.
const IMPACT_CONTROLS: [&str; 4] = ["A.5.2", "A.5.3", "A.5.4", "A.5.5"];

/// Builds the Statement of Applicability of a compiled policy.
/// `generated_at` is recorded as given (e.g. an RFC 3339 timestamp).
pub fn build(compiled: &Compiled, generated_at: &str) -> Soa {
    let policy = &compiled.policy;
    let meta = &policy.metadata;
    let document = DocumentControl {
        policy: meta.name.clone(),
        version: meta.version.clone(),
        owner: meta.owner.clone(),
        approver: meta.approver.clone(),
        approved: meta.approved.clone(),
        description: meta.description.clone(),
        digest: compiled.ruleset.policy.digest.to_hex(),
        generated_at: generated_at.to_owned(),
    };
    let statement = policy.soa.document.as_ref().map(|d| StatementControl {
        id: d.id.clone(),
        version: d.version.clone(),
        approver: d.approver.clone(),
        approved: d.approved.clone(),
        next_review: d.next_review.clone(),
        revisions: d
            .revisions
            .iter()
            .map(|r| RevisionRef {
                version: r.version.clone(),
                date: r.date.clone(),
                change: r.change.clone(),
                approver: r.approver.clone(),
            })
            .collect(),
    });

    // Rules per control reference, and the order references first appear.
    let mut by_control: HashMap<&str, Vec<RuleRef>> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for rule in &compiled.ruleset.rules {
        let rule_ref = RuleRef {
            id: rule.id.clone(),
            mode: rule.mode.name().to_owned(),
            action: rule.action.name().to_owned(),
            severity: rule.severity.name().to_owned(),
        };
        for control in &rule.controls {
            let refs = by_control.entry(control.as_str()).or_insert_with(|| {
                order.push(control.as_str());
                Vec::new()
            });
            if refs.last().is_none_or(|last| last.id != rule_ref.id) {
                refs.push(rule_ref.clone());
            }
        }
    }

    let impacts: Vec<ImpactRef> = policy
        .systems
        .iter()
        .filter_map(|s| {
            s.impact_assessment.as_ref().map(|ia| ImpactRef {
                system: s.id.clone(),
                system_name: s.name.clone(),
                assessment: ia.id.clone(),
                date: ia.date.clone(),
                owner: ia.owner.clone(),
                mitigation: ia.mitigation.clone(),
                monitoring: ia.monitoring.clone(),
                societal: ia.societal.clone(),
            })
        })
        .collect();

    let controls: Vec<SoaEntry> = catalogue::annex_a()
        .map(|c| {
            let reference = c.reference();
            let rules = by_control
                .get(reference.as_str())
                .map_or(&[][..], Vec::as_slice);
            annex_entry(c, reference, rules, policy, &impacts)
        })
        .collect();

    let other_frameworks = other_entries(policy, &order, &by_control);

    let mut summary = Summary {
        total: controls.len(),
        monitor_only: controls.iter().filter(|e| e.is_monitor_only()).count(),
        other_framework_controls: other_frameworks.len(),
        ..Summary::default()
    };
    for entry in &controls {
        *match entry.status {
            Applicability::AppliedRuntime => &mut summary.applied_runtime,
            Applicability::AppliedOrganizational => &mut summary.applied_organizational,
            Applicability::AppliedImpactAssessment => &mut summary.applied_impact_assessment,
            Applicability::Excluded => &mut summary.excluded,
            Applicability::NotAddressed => &mut summary.not_addressed,
        } += 1;
    }

    Soa {
        schema: SCHEMA.to_owned(),
        document,
        statement,
        scope: scope(policy),
        controls,
        other_frameworks,
        summary,
        runtime_evidence: None,
        design_tests: None,
        operating_thresholds: compiled.policy.soa.operating_evidence,
        changes: None,
    }
}

fn status_name(status: ImplementationStatus) -> &'static str {
    match status {
        ImplementationStatus::Implemented => "implemented",
        ImplementationStatus::Partial => "partial",
        ImplementationStatus::Planned => "planned",
    }
}

/// A declaration's status as the statement shows it: never "implemented"
/// by default.
fn declared_status(status: Option<ImplementationStatus>) -> &'static str {
    status.map_or(NOT_DECLARED, status_name)
}

/// The scope section: systems, risks and suppliers as the policy
/// declares them.
fn scope(policy: &Policy) -> Scope {
    Scope {
        systems: policy
            .systems
            .iter()
            .map(|s| ScopeSystem {
                id: s.id.clone(),
                name: s.name.clone(),
                owner: s.owner.clone(),
                purpose: s.purpose.clone(),
                eu_ai_act_role: s.eu_ai_act_role.map(|r| r.name().to_owned()),
                risk_tier: s.risk_tier.name().to_owned(),
                annex_iii: s.annex_iii.map(|a| a.name().to_owned()),
                lifecycle: s.lifecycle.name().to_owned(),
                domain: s.domain.clone(),
                provider: s.provider.clone(),
                models: s.models.clone(),
                data_categories: s.data_categories.clone(),
                oversight: s.oversight.clone(),
                impact: match (&s.impact_assessment, &s.screening) {
                    (Some(ia), _) => Some(match &ia.approver {
                        Some(approver) => {
                            format!("assessed: {} of {}, approved by {approver}", ia.id, ia.date)
                        }
                        None => {
                            format!("assessed: {} of {}, approval not recorded", ia.id, ia.date)
                        }
                    }),
                    (None, Some(sc)) => Some(format!(
                        "screened {} by {}: {}",
                        sc.date, sc.by, sc.decision
                    )),
                    (None, None) => None,
                },
                routes: s.routes.clone(),
            })
            .collect(),
        risks: policy
            .risks
            .iter()
            .map(|r| RiskEntry {
                id: r.id.clone(),
                description: r.description.clone(),
                owner: r.owner.clone(),
                likelihood: r.likelihood.name().to_owned(),
                impact: r.impact.name().to_owned(),
                treatment: r.treatment.name().to_owned(),
                controls: r.controls.clone(),
                systems: r.systems.clone(),
            })
            .collect(),
        suppliers: policy
            .suppliers
            .iter()
            .map(|s| SupplierEntry {
                id: s.id.clone(),
                name: s.name.clone(),
                provider: s.provider.clone(),
                models: s.models.clone(),
                owner: s.owner.clone(),
                contract: s.contract.clone(),
                dpa: s.dpa.clone(),
                incident_clause: s.incident_clause.clone(),
                due_diligence: s.due_diligence.clone(),
                next_review: s.next_review.clone(),
            })
            .collect(),
        audit_retention_days: policy.retention.as_ref().map(|r| r.audit_events_days),
        audit_store: policy.retention.as_ref().and_then(|r| r.store.clone()),
    }
}

/// The risks a control treats: those its declarations name, then those
/// whose `controls` name it, each once, in policy order.
fn risks_of(reference: &str, policy: &Policy) -> Vec<String> {
    let d = &policy.soa;
    let declared = d
        .applied
        .iter()
        .filter(|a| a.control == reference)
        .flat_map(|a| a.risks.iter())
        .chain(
            d.organizational
                .iter()
                .filter(|o| o.control == reference)
                .flat_map(|o| o.risks.iter()),
        );
    let naming = policy
        .risks
        .iter()
        .filter(|r| r.controls.iter().any(|c| c == reference))
        .map(|r| &r.id);
    let mut out: Vec<String> = Vec::new();
    for id in declared.chain(naming) {
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    out
}

fn annex_entry(
    control: &Control,
    reference: String,
    rules: &[RuleRef],
    policy: &Policy,
    impacts: &[ImpactRef],
) -> SoaEntry {
    let declarations = &policy.soa;
    let applied = declarations.applied.iter().find(|d| d.control == reference);
    let organizational = declarations
        .organizational
        .iter()
        .find(|d| d.control == reference);
    let excluded = declarations
        .excluded
        .iter()
        .find(|d| d.control == reference);
    let impact_control = IMPACT_CONTROLS.contains(&control.id);

    let risks = risks_of(&reference, policy);
    let mut entry = SoaEntry {
        id: control.id.to_owned(),
        reference,
        title: control.title.to_owned(),
        objective_group: control.group.to_owned(),
        objective: control.objective.to_owned(),
        status: Applicability::NotAddressed,
        justification: None,
        owner: applied
            .and_then(|d| d.owner.clone())
            .or_else(|| organizational.and_then(|d| d.owner.clone())),
        risks,
        implementation: None,
        rules: rules.to_vec(),
        evidence: None,
        impact_assessments: Vec::new(),
        runtime_evidence: None,
        design_tests: None,
    };

    if !rules.is_empty() {
        let enforcing = rules.iter().filter(|r| !r.is_monitor()).count();
        let monitoring = rules.len() - enforcing;
        let default = if enforcing == 0 {
            format!("Monitored at runtime by {monitoring} rule(s) in shadow mode; not enforced yet")
        } else if monitoring == 0 {
            format!("Enforced at runtime by {enforcing} rule(s)")
        } else {
            format!("Enforced at runtime by {enforcing} rule(s); {monitoring} more in monitor mode")
        };
        entry.status = Applicability::AppliedRuntime;
        entry.justification = Some(
            applied
                .map(|d| d.justification.clone())
                .or_else(|| organizational.and_then(|d| d.justification.clone()))
                .unwrap_or(default),
        );
        // Rules without a declaration implement the control; a
        // declaration without a status does not say how far.
        let declared = applied
            .map(|d| d.status)
            .or(organizational.map(|d| d.status));
        entry.implementation = Some(
            match declared {
                _ if enforcing == 0 => MONITOR_ONLY,
                None => status_name(ImplementationStatus::Implemented),
                Some(status) => declared_status(status),
            }
            .to_owned(),
        );
        entry.evidence = organizational.map(|d| d.evidence.clone());
        if impact_control {
            entry.impact_assessments = impacts.to_vec();
        }
    } else if let Some(d) = organizational {
        entry.status = Applicability::AppliedOrganizational;
        entry.justification = d
            .justification
            .clone()
            .or_else(|| applied.map(|a| a.justification.clone()));
        entry.implementation = Some(declared_status(d.status).to_owned());
        entry.evidence = Some(d.evidence.clone());
        if impact_control {
            entry.impact_assessments = impacts.to_vec();
        }
    } else if let Some(d) = excluded {
        entry.status = Applicability::Excluded;
        entry.justification = Some(d.justification.clone());
    } else if impact_control && !impacts.is_empty() {
        entry.status = Applicability::AppliedImpactAssessment;
        entry.justification = Some(impact_justification(control.id, policy, impacts));
        entry.implementation = Some(status_name(ImplementationStatus::Implemented).to_owned());
        let ids: Vec<&str> = impacts.iter().map(|i| i.assessment.as_str()).collect();
        entry.evidence = Some(ids.join(", "));
        entry.impact_assessments = impacts.to_vec();
    } else if let Some(d) = applied {
        entry.justification = Some(format!(
            "Declared applied, but no rule implements it: {}",
            d.justification
        ));
    }
    entry
}

fn impact_justification(id: &str, policy: &Policy, impacts: &[ImpactRef]) -> String {
    let systems = policy.systems.len();
    let mut text = format!(
        "Covered by the AI system impact assessments of {} of {systems} system(s) in scope",
        impacts.len()
    );
    if id == "A.5.5" {
        let societal = impacts
            .iter()
            .filter(|i| i.societal.as_deref().is_some_and(|s| !s.trim().is_empty()))
            .count();
        if societal == 0 {
            text.push_str("; none records a societal-impact assessment");
        } else {
            let _ = write!(text, "; {societal} cover(s) societal impacts");
        }
    }
    text
}

fn other_entries<'a>(
    policy: &'a Policy,
    order: &[&'a str],
    by_control: &HashMap<&str, Vec<RuleRef>>,
) -> Vec<FrameworkEntry> {
    // Disclosure headers implement their controls (default EU AI Act Art. 50).
    let disclosure: Vec<&str> = match &policy.disclosure {
        None => Vec::new(),
        Some(d) if d.controls.is_empty() => vec!["eu-ai-act:Art.50"],
        Some(d) => d.controls.iter().map(String::as_str).collect(),
    };
    let mut references: Vec<&str> = order.to_vec();
    for reference in &disclosure {
        if !references.contains(reference) {
            references.push(reference);
        }
    }

    let mut keyed: Vec<((usize, usize, usize), FrameworkEntry)> = Vec::new();
    for (appearance, reference) in references.into_iter().enumerate() {
        let (prefix, id) = reference.split_once(':').unwrap_or(("", reference));
        let framework = Framework::from_prefix(prefix);
        let control = match catalogue::resolve(reference) {
            Resolution::Known(c) if c.kind == ControlKind::AnnexA => continue,
            Resolution::Known(c) => Some(c),
            _ => None,
        };
        let rules = by_control.get(reference).cloned().unwrap_or_default();
        let is_disclosure = disclosure.contains(&reference);
        let enforced = is_disclosure || rules.iter().any(|r| !r.is_monitor());
        let (framework_rank, catalogue_rank) = catalogue::rank(framework, control);
        keyed.push((
            (framework_rank, catalogue_rank, appearance),
            FrameworkEntry {
                framework: framework.map_or(prefix, |f| f.prefix()).to_owned(),
                framework_title: framework
                    .map_or("Unknown framework", Framework::title)
                    .to_owned(),
                framework_version: framework.map(|f| f.version().to_owned()),
                reference: reference.to_owned(),
                id: id.to_owned(),
                title: control.map(|c| c.title.to_owned()),
                catalogued: control.is_some(),
                duty: control.and_then(|c| c.duty).map(|d| d.name().to_owned()),
                rules,
                disclosure: is_disclosure,
                implementation: if enforced {
                    status_name(ImplementationStatus::Implemented)
                } else {
                    MONITOR_ONLY
                }
                .to_owned(),
                runtime_evidence: None,
                design_tests: None,
            },
        ));
    }
    keyed.sort_by_key(|(key, _)| *key);
    keyed.into_iter().map(|(_, entry)| entry).collect()
}

/// Adds the runtime evidence of `report` to the statement: every control
/// applied at runtime (and every other-framework control rules implement)
/// becomes operational, with its interactions, outcomes, first and last
/// seen and incidents, or planned when no event of the report shows it.
/// The renderers then add a runtime-evidence column; without this call the
/// statement renders exactly as before.
pub fn attach_evidence(soa: &mut Soa, report: &EvidenceReport) {
    let thresholds = soa.operating_thresholds;
    let find = |reference: &str| report.controls.iter().find(|c| c.reference == reference);
    for entry in &mut soa.controls {
        if entry.status == Applicability::AppliedRuntime {
            entry.runtime_evidence = Some(RuntimeEvidence::of(find(&entry.reference), &thresholds));
        }
    }
    for entry in &mut soa.other_frameworks {
        if !entry.rules.is_empty() {
            entry.runtime_evidence = Some(RuntimeEvidence::of(find(&entry.reference), &thresholds));
        }
    }
    let count = |status: EvidenceStatus| {
        soa.controls
            .iter()
            .filter_map(|e| e.runtime_evidence.as_ref())
            .filter(|r| r.status == status)
            .count()
    };
    let basis = EvidenceBasis {
        interactions: report.totals.interactions,
        period_from: report.period.from.clone(),
        period_to: report.period.to.clone(),
        first_event: report.period.first_event.clone(),
        last_event: report.period.last_event.clone(),
        chains: report.totals.chains,
        operational: count(EvidenceStatus::Operational),
        planned: count(EvidenceStatus::Planned),
        operating: count(EvidenceStatus::Operating),
        unverified: count(EvidenceStatus::Unverified),
        log_intact: report.verification.intact,
        verification_findings: report.verification.findings.clone(),
        verification_checks: report.verification.checks.clone(),
        incidents: report.totals.incidents,
        policy_digest_matches: report.policies_seen.iter().all(|p| p.matches),
        warnings: report.warnings.clone(),
    };
    soa.runtime_evidence = Some(basis);
}

/// Adds test-of-design evidence from `cases` (read from the JUnit reports
/// named in `reports`): each control applied at runtime, and each other
/// framework's control rules implement, lists the cases whose
/// expectations name one of its rules or the control itself. The
/// renderers then add a design-tests column.
pub fn attach_tests(soa: &mut Soa, cases: &[TestCase], reports: Vec<String>) {
    let mut mapped = vec![false; cases.len()];
    let mut exercising = |reference: &str, rules: &[RuleRef]| {
        let mut tests = DesignTests::default();
        for (case, mapped) in cases.iter().zip(mapped.iter_mut()) {
            let exercises = case.controls.iter().any(|c| c == reference)
                || case
                    .rules
                    .iter()
                    .any(|r| rules.iter().any(|rule| rule.id == *r));
            if !exercises {
                continue;
            }
            *mapped = true;
            match case.verdict {
                Verdict::Passed => tests.passed += 1,
                Verdict::Failed | Verdict::Errored => tests.failed += 1,
                Verdict::Skipped => {}
            }
            tests.cases.push(TestRef {
                suite: case.suite.clone(),
                name: case.name.clone(),
                verdict: case.verdict,
            });
        }
        tests
    };
    for entry in &mut soa.controls {
        if entry.status == Applicability::AppliedRuntime {
            entry.design_tests = Some(exercising(&entry.reference, &entry.rules));
        }
    }
    for entry in &mut soa.other_frameworks {
        if !entry.rules.is_empty() {
            entry.design_tests = Some(exercising(&entry.reference, &entry.rules));
        }
    }
    let count = |f: fn(Verdict) -> bool| cases.iter().filter(|c| f(c.verdict)).count() as u64;
    soa.design_tests = Some(TestsBasis {
        reports,
        cases: cases.len() as u64,
        passed: count(|v| v == Verdict::Passed),
        failed: count(|v| matches!(v, Verdict::Failed | Verdict::Errored)),
        unmapped: mapped.iter().filter(|m| !**m).count() as u64,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::check;
    use crate::soa::fixture::{POLICY, entry, soa};
    use crate::soa::{NOT_DECLARED, not_addressed, to_html};

    #[test]
    fn lists_every_annex_a_control_once_in_order() {
        let soa = soa();
        let ids: Vec<&str> = soa.controls.iter().map(|e| e.id.as_str()).collect();
        let expected: Vec<&str> = catalogue::annex_a().map(|c| c.id).collect();
        assert_eq!(ids, expected);
        assert_eq!(ids.len(), 38);
        assert_eq!(soa.summary.total, 38);
        let counted: usize = Applicability::ALL
            .iter()
            .map(|s| soa.summary.count(*s))
            .sum();
        assert_eq!(counted, 38);
    }

    #[test]
    fn document_control() {
        let soa = soa();
        let d = &soa.document;
        assert_eq!(d.policy, "support-policy");
        assert_eq!(d.version, "1.4.0");
        assert_eq!(d.owner, "ai-governance@example.com");
        assert_eq!(
            d.approver.as_deref(),
            Some("Chief Risk Officer <cro@example.com>")
        );
        assert_eq!(d.approved.as_deref(), Some("2025-03-01"));
        assert_eq!(d.generated_at, "2025-06-01T12:00:00Z");
        assert_eq!(d.digest.len(), 64);
        assert!(d.digest.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn runtime_controls() {
        let soa = soa();
        let logs = entry(&soa, "A.6.2.8");
        assert_eq!(logs.status, Applicability::AppliedRuntime);
        assert_eq!(
            logs.justification.as_deref(),
            Some("Every governed exchange is recorded")
        );
        assert_eq!(logs.implementation.as_deref(), Some("partial"));
        let rules: Vec<&str> = logs.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(rules, ["record-all", "block-long"]);
        assert_eq!(
            logs.rules[1],
            RuleRef {
                id: "block-long".into(),
                mode: "enforce".into(),
                action: "block".into(),
                severity: "high".into()
            }
        );
        assert!(!logs.is_monitor_only());

        let ops = entry(&soa, "A.6.2.6");
        assert_eq!(ops.status, Applicability::AppliedRuntime);
        assert_eq!(ops.implementation.as_deref(), Some(MONITOR_ONLY));
        assert!(ops.is_monitor_only());
        assert_eq!(ops.rules[0].mode, "monitor");
        assert_eq!(ops.rules[0].action, "cap-max-tokens");

        let intended = entry(&soa, "A.9.4");
        assert_eq!(intended.status, Applicability::AppliedRuntime);
        assert_eq!(intended.implementation.as_deref(), Some(MONITOR_ONLY));
        assert_eq!(soa.summary.applied_runtime, 3);
        assert_eq!(soa.summary.monitor_only, 2);
    }

    #[test]
    fn default_runtime_justification() {
        let policy = POLICY.replace(
            "  applied:\n    - control: iso42001:A.6.2.8\n      justification: Every governed exchange is recorded\n      status: partial\n      owner: Platform team\n      risks: [R-01]\n",
            "",
        );
        let (compiled, report) = check("p.yaml", &policy);
        let Some(compiled) = compiled else {
            panic!("policy does not compile: {:?}", report.diagnostics);
        };
        let soa = build(&compiled, "now");
        let logs = entry(&soa, "A.6.2.8");
        assert_eq!(
            logs.justification.as_deref(),
            Some("Enforced at runtime by 2 rule(s)")
        );
        assert_eq!(logs.implementation.as_deref(), Some("implemented"));
    }

    #[test]
    fn scope_risks_owners_and_the_statements_own_document_control() {
        let soa = soa();
        let statement = soa.statement.as_ref().expect("soa.document");
        assert_eq!(statement.id, "SOA-AI-001");
        assert_eq!(statement.next_review.as_deref(), Some("2026-05-20"));
        assert_eq!(statement.revisions[0].change, "A.7 exclusions justified");
        let bot = &soa.scope.systems[0];
        assert_eq!(bot.owner.as_deref(), Some("Head of Customer Care"));
        assert_eq!(bot.eu_ai_act_role.as_deref(), Some("deployer"));
        assert_eq!(bot.lifecycle, "operation");
        assert_eq!(soa.scope.systems[1].purpose, None);
        assert_eq!(soa.scope.risks[0].treatment, "mitigate");
        let logs = entry(&soa, "A.6.2.8");
        assert_eq!(logs.owner.as_deref(), Some("Platform team"));
        // Named by the declaration and by the risk: listed once.
        assert_eq!(logs.risks, ["R-01"]);
        let md = crate::soa::to_markdown(&soa);
        for text in [
            "| Statement | SOA-AI-001 |",
            "| Next review | 2026-05-20 |",
            "### Revision history",
            "## Scope",
            "| support-bot (Customer support assistant) | Head of Customer Care |",
            "| internal-search | not recorded | not recorded |",
            "## Risks",
            "| R-01 | Customers' personal data reaches the provider (systems: support-bot) |",
            "Owner: Platform team<br>Risks: R-01",
        ] {
            assert!(md.contains(text), "{text}\n{md}");
        }
        let html = to_html(&soa);
        for text in [
            "<h2>Scope</h2>",
            "<td>SOA-AI-001</td>",
            "Risks: R-01",
            "<h3>Revision history</h3>",
        ] {
            assert!(html.contains(text), "{text}");
        }
    }

    #[test]
    fn organizational_excluded_impact_and_gaps() {
        let soa = soa();
        let policy = entry(&soa, "A.2.2");
        assert_eq!(policy.status, Applicability::AppliedOrganizational);
        assert_eq!(
            policy.evidence.as_deref(),
            Some("POL-AI-001 <AI policy & charter>")
        );
        assert_eq!(
            policy.justification.as_deref(),
            Some("Board-approved AI policy")
        );
        // No status declared: the statement does not assume one.
        assert_eq!(policy.implementation.as_deref(), Some(NOT_DECLARED));
        assert_eq!(
            entry(&soa, "A.3.2").implementation.as_deref(),
            Some("planned")
        );
        assert_eq!(
            entry(&soa, "A.3.2").owner.as_deref(),
            Some("AI governance lead")
        );

        let data = entry(&soa, "A.7.2");
        assert_eq!(data.status, Applicability::Excluded);
        assert!(
            data.justification
                .as_deref()
                .is_some_and(|j| j.contains("<script>"))
        );
        assert_eq!(data.implementation, None);

        for id in IMPACT_CONTROLS {
            let e = entry(&soa, id);
            assert_eq!(e.status, Applicability::AppliedImpactAssessment, "{id}");
            assert_eq!(e.impact_assessments.len(), 1);
            assert_eq!(e.impact_assessments[0].system, "support-bot");
            assert_eq!(e.impact_assessments[0].assessment, "AIIA-2025-07");
            assert_eq!(e.impact_assessments[0].owner, "dpo@example.com");
            assert_eq!(
                e.impact_assessments[0].mitigation,
                "human review of escalations"
            );
            assert_eq!(e.impact_assessments[0].monitoring, "monthly sample review");
        }
        assert!(
            entry(&soa, "A.5.2")
                .justification
                .as_deref()
                .is_some_and(|j| j.contains("1 of 2"))
        );
        assert!(entry(&soa, "A.6.2.8").impact_assessments.is_empty());

        let gaps = not_addressed(&soa);
        assert_eq!(gaps.len(), 38 - 3 - 2 - 4 - 1);
        assert!(gaps.contains(&"A.10.4"));
        assert!(!gaps.contains(&"A.7.2"));
        assert_eq!(entry(&soa, "A.10.4").status, Applicability::NotAddressed);
        assert_eq!(soa.summary.not_addressed, gaps.len());
        assert_eq!(soa.summary.applied_organizational, 2);
        assert_eq!(soa.summary.applied_impact_assessment, 4);
        assert_eq!(soa.summary.excluded, 1);
    }

    #[test]
    fn without_impact_assessments_a5_is_a_gap() {
        let policy = POLICY.replace(
            "    impact_assessment:\n      id: AIIA-2025-07\n      date: \"2025-02-10\"\n      owner: dpo@example.com\n      mitigation: human review of escalations\n      monitoring: monthly sample review\n",
            "",
        );
        let (compiled, report) = check("p.yaml", &policy);
        let Some(compiled) = compiled else {
            panic!("policy does not compile: {:?}", report.diagnostics);
        };
        let soa = build(&compiled, "now");
        for id in IMPACT_CONTROLS {
            assert_eq!(entry(&soa, id).status, Applicability::NotAddressed, "{id}");
        }
        // The compiler's warning names the same gaps.
        let warned = report
            .diagnostics
            .iter()
            .find(|d| d.code == "not-addressed");
        let Some(warned) = warned else {
            panic!("no not-addressed warning")
        };
        for id in not_addressed(&soa) {
            assert!(
                warned.message.contains(&format!("{id},")) || warned.message.ends_with(id),
                "{id}"
            );
        }
    }

    #[test]
    fn other_frameworks() {
        let soa = soa();
        let refs: Vec<&str> = soa
            .other_frameworks
            .iter()
            .map(|f| f.reference.as_str())
            .collect();
        assert_eq!(
            refs,
            [
                "iso42001:6.1.3",
                "nist-ai-rmf:MANAGE-2",
                "eu-ai-act:Art.12",
                "owasp-llm:LLM10"
            ]
        );
        let llm10 = &soa.other_frameworks[3];
        assert_eq!(llm10.framework, "owasp-llm");
        assert_eq!(llm10.title.as_deref(), Some("Unbounded Consumption"));
        assert!(llm10.catalogued);
        let rules: Vec<&str> = llm10.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(rules, ["cap-output", "block-long"]);
        assert_eq!(llm10.implementation, "implemented");
        assert_eq!(soa.other_frameworks[1].implementation, MONITOR_ONLY);
        assert_eq!(soa.summary.other_framework_controls, 4);
    }

    #[test]
    fn disclosure_counts_for_its_controls() {
        let policy = format!("{POLICY}disclosure:\n  headers:\n    x-ai-generated: \"true\"\n");
        let (compiled, report) = check("p.yaml", &policy);
        let Some(compiled) = compiled else {
            panic!("policy does not compile: {:?}", report.diagnostics);
        };
        let soa = build(&compiled, "now");
        let art50 = soa
            .other_frameworks
            .iter()
            .find(|f| f.reference == "eu-ai-act:Art.50");
        let Some(art50) = art50 else {
            panic!("Art.50 missing")
        };
        assert!(art50.disclosure);
        assert!(art50.rules.is_empty());
        assert_eq!(art50.implementation, "implemented");
        assert!(to_html(&soa).contains("AI-disclosure response headers"));
    }
}
