//! Building a decision's audit event.

use crate::codec::{Api, Segment};
use crate::decision::{BlockReason, Decision, estimate_tokens};
use crate::inspect::{Engine, strip_port};
use crate::ruleset::Mode;

use super::event::{AuditEvent, BlockRecord, HitRecord, MAX_HIT_RECORDS, RuleRecord, names};
use super::seal::fingerprint;

/// What the runtime knows about the exchange besides the decision.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// `name/version` of the runtime writing the event.
    pub runtime: &'a str,
    /// Event time, nanoseconds since the Unix epoch.
    pub time_unix_nano: u64,
    /// Request id.
    pub request_id: &'a str,
    /// Host the request was for.
    pub host: &'a str,
    /// Request headers (lower-case names), for the caller's identity.
    pub headers: &'a [(String, String)],
    /// Route index, when governed.
    pub route: Option<u32>,
    /// API, when known.
    pub api: Option<Api>,
    /// Model asked for, when known.
    pub model: Option<&'a str>,
    /// The texts the decision's hits point into (request or response
    /// segments), for keyed fingerprints and token estimates.
    pub segments: Option<&'a [Segment]>,
    /// Output tokens the API reported (responses).
    pub reported_output_tokens: Option<u64>,
    /// Key for [`fingerprint`](super::fingerprint)s of matched text; none, none.
    pub hit_key: Option<&'a [u8]>,
    /// The runtime's own reason, when it decided without the policy.
    pub code: Option<&'a str>,
    /// A note for readers (never request content).
    pub message: Option<&'a str>,
    /// Whether the body was inspected.
    pub inspected: bool,
    /// Microseconds spent inspecting.
    pub duration_us: Option<u64>,
}

/// Nanoseconds since the Unix epoch of `secs`, for runtimes with a
/// seconds clock.
pub fn event_time(secs: u64) -> u64 {
    secs.saturating_mul(1_000_000_000)
}

/// The audit event of `decision`, with the rule set's view when there is
/// one ([`Engine::audit_event`]) and with only what the runtime knows when
/// there is none (no valid rule set: the decision is the runtime's own).
pub fn decision_event(
    engine: Option<&Engine>,
    decision: &Decision,
    subject: &Subject<'_>,
) -> AuditEvent {
    if let Some(engine) = engine {
        return engine.audit_event(decision, subject);
    }
    AuditEvent {
        name: names::DECISION.to_owned(),
        time_unix_nano: subject.time_unix_nano,
        runtime: subject.runtime.to_owned(),
        request_id: Some(if crate::inspect::plain_token(subject.request_id) {
            subject.request_id.to_owned()
        } else {
            crate::inspect::hashed_token(subject.request_id)
        }),
        phase: Some(decision.phase.name().to_owned()),
        outcome: Some(decision.outcome.name().to_owned()),
        code: subject.code.map(str::to_owned),
        message: subject.message.map(str::to_owned),
        inspected: Some(false),
        host: (!subject.host.is_empty()).then(|| subject.host.to_owned()),
        block: decision.block.as_ref().map(|b| BlockRecord {
            status: b.status,
            reason: "uninspectable".to_owned(),
            rule: None,
        }),
        ..AuditEvent::default()
    }
}

impl Engine {
    /// The audit event of `decision`: rules, controls and where detectors
    /// matched, never what they matched. Unsealed: a [`Chain`](super::Chain)
    /// gives it its place.
    pub fn audit_event(&self, decision: &Decision, subject: &Subject<'_>) -> AuditEvent {
        let ruleset = self.ruleset();
        let policy = &ruleset.policy;
        let route = subject.route.and_then(|r| ruleset.routes.get(r as usize));
        let system = route
            .and_then(|r| r.system)
            .and_then(|s| ruleset.systems.get(s as usize));
        let (user, group) = self.identity(subject.headers);
        let rules = decision
            .fired
            .iter()
            .filter_map(|fired| {
                let rule = ruleset.rules.get(fired.rule as usize)?;
                Some(RuleRecord {
                    id: rule.id.clone(),
                    mode: fired.mode.name().to_owned(),
                    action: fired.action.to_owned(),
                    applied: fired.applied,
                    severity: fired.severity.name().to_owned(),
                    controls: rule.controls.clone(),
                })
            })
            .collect();
        let mode = if decision.fired.iter().any(|f| f.mode == Mode::Enforce) {
            Some("enforce")
        } else if decision.fired.is_empty() {
            None
        } else {
            Some("monitor")
        };
        let (input_tokens, output_tokens) = self.tokens(decision, subject);
        AuditEvent {
            name: names::DECISION.to_owned(),
            time_unix_nano: subject.time_unix_nano,
            runtime: subject.runtime.to_owned(),
            policy_name: Some(policy.name.clone()),
            policy_version: Some(policy.version.clone()),
            policy_digest: Some(policy.digest.to_hex()),
            policy_key_id: self.signer().map(|key| key.to_string()),
            request_id: Some(self.loggable(subject.request_id).into_owned()),
            route: route.map(|r| r.id.clone()),
            system: system.map(|s| s.id.clone()),
            phase: Some(decision.phase.name().to_owned()),
            outcome: Some(decision.outcome.name().to_owned()),
            mode: mode.map(str::to_owned),
            code: subject.code.or(decision.code.as_deref()).map(str::to_owned),
            inspected: Some(subject.inspected),
            rules,
            controls: decision
                .controls(ruleset)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            hits: self.hit_records(decision, subject),
            hits_omitted: (decision.hits.len() > MAX_HIT_RECORDS)
                .then(|| (decision.hits.len() - MAX_HIT_RECORDS) as u64),
            redactions: (!decision.redactions.is_empty())
                .then(|| u32::try_from(decision.redactions.len()).unwrap_or(u32::MAX)),
            block: decision.block.as_ref().map(|block| {
                let (reason, rule) = match &block.reason {
                    BlockReason::Rule { rule } => (
                        "rule",
                        ruleset.rules.get(*rule as usize).map(|r| r.id.clone()),
                    ),
                    BlockReason::RetiredSystem { .. } => ("retired-system", None),
                    BlockReason::UnknownPath => ("unknown-path", None),
                    BlockReason::Uninspectable { .. } => ("uninspectable", None),
                };
                BlockRecord {
                    status: block.status,
                    reason: reason.to_owned(),
                    rule,
                }
            }),
            operation: subject.api.map(|api| operation(api).to_owned()),
            provider: system
                .map(|s| s.provider.clone())
                .filter(|p| !p.is_empty())
                .or_else(|| subject.api.map(|api| provider(api).to_owned())),
            model: subject.model.map(|m| self.loggable(m).into_owned()),
            response_model: decision
                .response_model
                .as_deref()
                .map(|m| self.loggable(m).into_owned()),
            input_tokens,
            output_tokens,
            user: user.map(|u| self.loggable(u).into_owned()),
            group: group.map(|g| self.loggable(g).into_owned()),
            host: (!subject.host.is_empty())
                .then(|| self.loggable(strip_port(subject.host)).into_owned()),
            duration_us: subject.duration_us,
            message: subject.message.map(str::to_owned),
            ..AuditEvent::default()
        }
    }

    fn hit_records(&self, decision: &Decision, subject: &Subject<'_>) -> Vec<HitRecord> {
        let ruleset = self.ruleset();
        decision
            .hits
            .iter()
            .take(MAX_HIT_RECORDS)
            .enumerate()
            .map(|(index, hit)| {
                let index = u32::try_from(index).unwrap_or(u32::MAX);
                let mut rules = Vec::new();
                let mut controls: Vec<String> = Vec::new();
                let mut severity = None;
                for fired in decision.fired.iter().filter(|f| f.hits.contains(&index)) {
                    let Some(rule) = ruleset.rules.get(fired.rule as usize) else {
                        continue;
                    };
                    rules.push(rule.id.clone());
                    controls.extend(rule.controls.iter().cloned());
                    severity = severity.max(Some(fired.severity));
                }
                controls.sort_unstable();
                controls.dedup();
                let text_hmac = subject.hit_key.and_then(|key| {
                    let segment = subject.segments?.get(hit.segment as usize)?;
                    let text = segment.text.as_bytes().get(hit.span.clone())?;
                    Some(fingerprint(key, text))
                });
                HitRecord {
                    detector: ruleset
                        .detectors
                        .get(hit.detector as usize)
                        .map(|d| d.id.clone())
                        .unwrap_or_default(),
                    rules,
                    role: hit.role.name().to_owned(),
                    message_index: hit.message_index,
                    start: hit.span.start as u64,
                    end: hit.span.end as u64,
                    severity: severity.unwrap_or_default().name().to_owned(),
                    controls,
                    text_hmac,
                    via: hit.encoding.map(|e| e.label()),
                }
            })
            .collect()
    }

    fn tokens(&self, decision: &Decision, subject: &Subject<'_>) -> (Option<u64>, Option<u64>) {
        let estimated = subject
            .segments
            .map(|segments| estimate_tokens(segments.iter().map(|s| s.text.len()).sum()));
        match decision.phase {
            crate::ruleset::Phase::Response => (None, subject.reported_output_tokens.or(estimated)),
            _ => (estimated, None),
        }
    }
}

/// OpenTelemetry GenAI `gen_ai.operation.name` of an API.
fn operation(api: Api) -> &'static str {
    match api {
        Api::OpenaiChat | Api::OpenaiResponses | Api::Anthropic => "chat",
        Api::OpenaiEmbeddings => "embeddings",
        Api::Gemini => "generate_content",
    }
}

/// The well-known values of OpenTelemetry GenAI `gen_ai.provider.name`
/// (semantic-conventions registry, `gen_ai` attributes). Events carry one
/// of these for a provider the registry names, so that GenAI dashboards
/// and queries find them; the compiler warns of a policy's system naming
/// one of them in another spelling (`google` for `gcp.gemini`).
pub const GEN_AI_PROVIDER_NAMES: [&str; 15] = [
    "anthropic",
    "aws.bedrock",
    "azure.ai.inference",
    "azure.ai.openai",
    "cohere",
    "deepseek",
    "gcp.gemini",
    "gcp.gen_ai",
    "gcp.vertex_ai",
    "groq",
    "ibm.watsonx.ai",
    "mistral_ai",
    "openai",
    "perplexity",
    "x_ai",
];

/// OpenTelemetry GenAI `gen_ai.provider.name` of an API's own provider.
fn provider(api: Api) -> &'static str {
    match api {
        Api::OpenaiChat | Api::OpenaiResponses | Api::OpenaiEmbeddings => "openai",
        Api::Anthropic => "anthropic",
        Api::Gemini => "gcp.gemini",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::{Decision, Hit};
    use crate::ruleset::{Phase, RuleSet};

    #[test]
    fn every_api_names_its_provider_as_the_registry_does() {
        for api in Api::ALL {
            assert!(GEN_AI_PROVIDER_NAMES.contains(&provider(api)), "{api:?}");
        }
        // The Gemini API (generativelanguage.googleapis.com) is
        // `gcp.gemini`; Vertex AI, which this codec does not read, is
        // `gcp.vertex_ai`.
        assert_eq!(provider(Api::Gemini), "gcp.gemini");
    }

    #[test]
    fn a_body_full_of_hits_lists_a_bounded_number_and_counts_the_rest() {
        let ruleset = RuleSet::bare(Vec::new());
        let engine = Engine::new(ruleset).expect("an empty rule set builds");
        let mut decision = Decision::allow(Phase::Request);
        decision.hits = (0..1000)
            .map(|i| Hit {
                detector: 0,
                signal: 0,
                segment: 0,
                role: crate::codec::Role::User,
                message_index: 0,
                span: i..i + 1,
                encoding: None,
            })
            .collect();
        let event = engine.audit_event(&decision, &Subject::default());
        assert_eq!(event.hits.len(), crate::audit::MAX_HIT_RECORDS);
        assert_eq!(
            event.hits_omitted,
            Some(1000 - crate::audit::MAX_HIT_RECORDS as u64)
        );
    }
}
