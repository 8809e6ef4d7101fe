//! The policy the statement's unit tests build from, and their helpers.

use crate::policy::check;

use super::build::build;
use super::model::{Soa, SoaEntry};

pub(super) const POLICY: &str = r#"
apiVersion: aimsgate/v1
kind: Policy
metadata:
  name: support-policy
  version: "1.4.0"
  owner: ai-governance@example.com
  approver: "Chief Risk Officer <cro@example.com>"
  approved: "2025-03-01"
systems:
  - id: support-bot
    name: Customer support assistant
    provider: openai
    domain: customer-service
    risk_tier: limited
    lifecycle: operation
    owner: Head of Customer Care
    purpose: Answers customer questions from the help-centre articles
    eu_ai_act_role: deployer
    models: [gpt-4o-mini]
    data_categories: [personal, customer-messages]
    oversight: Agents review every escalated conversation
    impact_assessment:
      id: AIIA-2025-07
      date: "2025-02-10"
      owner: dpo@example.com
      mitigation: human review of escalations
      monitoring: monthly sample review
  - id: internal-search
    provider: internal
    domain: knowledge
    risk_tier: minimal
    lifecycle: deployment
risks:
  - id: R-01
    description: Customers' personal data reaches the provider
    owner: dpo@example.com
    likelihood: medium
    impact: high
    treatment: mitigate
    controls: [iso42001:A.6.2.8]
    systems: [support-bot]
rules:
  - id: record-all
    action: flag
    controls: [iso42001:A.6.2.8, eu-ai-act:Art.12]
  - id: cap-output
    mode: monitor
    action:
      cap_max_tokens: 2048
    controls: [iso42001:A.6.2.6, owasp-llm:LLM10, nist-ai-rmf:MANAGE-2]
  - id: block-long
    action: block
    severity: high
    when:
      prompt_bytes_over: 100000
    controls: [iso42001:A.6.2.8, owasp-llm:LLM10]
  - id: shadow-only
    mode: monitor
    action: flag
    controls: [iso42001:A.9.4, iso42001:6.1.3]
soa:
  document:
    id: SOA-AI-001
    version: "3"
    approver: Chief Risk Officer
    approved: "2025-05-20"
    next_review: "2026-05-20"
    revisions:
      - version: "2"
        date: "2024-11-02"
        change: A.7 exclusions justified
  applied:
    - control: iso42001:A.6.2.8
      justification: Every governed exchange is recorded
      status: partial
      owner: Platform team
      risks: [R-01]
  organizational:
    - control: iso42001:A.2.2
      evidence: "POL-AI-001 <AI policy & charter>"
      justification: Board-approved AI policy
    - control: iso42001:A.3.2
      evidence: RACI-7
      status: planned
      owner: AI governance lead
  excluded:
    - control: iso42001:A.7.2
      justification: "<script>alert('x')</script> We develop no models & train on no data"
"#;

pub(super) fn soa() -> Soa {
    let (compiled, report) = check("p.yaml", POLICY);
    let Some(compiled) = compiled else {
        panic!("policy does not compile: {:?}", report.diagnostics);
    };
    build(&compiled, "2025-06-01T12:00:00Z")
}

pub(super) fn entry<'a>(soa: &'a Soa, id: &str) -> &'a SoaEntry {
    match soa.controls.iter().find(|e| e.id == id) {
        Some(e) => e,
        None => panic!("{id} missing"),
    }
}

pub(super) fn rows_starting(text: &str, prefix: &str) -> usize {
    text.lines().filter(|l| l.starts_with(prefix)).count()
}
