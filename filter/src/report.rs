//! What every decision leaves behind: one audit event and counters.
//!
//! Both are built from the decision alone (rule ids, control ids, where
//! detectors matched), never from the inspected text; the only thing
//! derived from matched text is an optional keyed fingerprint.

use aimsgate_engine::audit::{AuditEvent, Subject, names};
use aimsgate_engine::codec::{Api, Segment};
use aimsgate_engine::decision::Decision;

use crate::abi;
use crate::audit::RUNTIME;
use crate::config::Loaded;
use crate::root::Shared;

/// What the filter knows about the exchange besides the decision.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// The request id.
    pub request_id: &'a str,
    /// Host of the request.
    pub host: &'a str,
    /// Request headers (for the caller's identity).
    pub headers: &'a [(String, String)],
    /// Route index, when governed.
    pub route: Option<u32>,
    /// API, when known.
    pub api: Option<Api>,
    /// Model, when known.
    pub model: Option<&'a str>,
}

/// How the decision came about.
#[derive(Debug, Clone, Copy, Default)]
pub struct Note<'a> {
    /// The filter's own reason (size limits, no rule set…), when the
    /// policy did not decide.
    pub code: Option<&'a str>,
    /// A note for readers (never request content).
    pub message: Option<&'a str>,
    /// Whether the body was inspected.
    pub inspected: bool,
    /// The texts the hits point into.
    pub segments: Option<&'a [Segment]>,
    /// Output tokens the API reported.
    pub output_tokens: Option<u64>,
    /// When inspection started (ns), for its duration.
    pub started: Option<u64>,
}

/// Counts `decision` and writes its audit event.
pub fn decision(
    shared: &Shared,
    loaded: Option<&Loaded>,
    exchange: &Exchange<'_>,
    decision: &Decision,
    note: &Note<'_>,
) {
    let metrics = &shared.metrics;
    let outcome = decision.outcome.name();
    let phase = decision.phase.name();
    metrics.count(&format!("aimsgate.decisions.{phase}.{outcome}"));
    if let Some(code) = note.code {
        metrics.count(&format!("aimsgate.events.{code}"));
    }
    let now = abi::now_nanos();
    let duration_us = note.started.map(|s| now.saturating_sub(s) / 1_000);
    let event = match loaded {
        Some(loaded) => {
            let ruleset = loaded.engine.ruleset();
            for fired in &decision.fired {
                if let Some(rule) = ruleset.rules.get(fired.rule as usize) {
                    for control in &rule.controls {
                        metrics.control(control, outcome, fired.mode.name());
                    }
                }
            }
            let subject = Subject {
                runtime: RUNTIME,
                time_unix_nano: now,
                request_id: exchange.request_id,
                host: exchange.host,
                headers: exchange.headers,
                route: exchange.route,
                api: exchange.api,
                model: exchange.model,
                segments: note.segments,
                reported_output_tokens: note.output_tokens,
                hit_key: loaded.hit_key.as_deref(),
                code: note.code,
                message: note.message,
                inspected: note.inspected,
                duration_us,
            };
            loaded.engine.audit_event(decision, &subject)
        }
        // No rule set: nothing but what the filter itself knows.
        None => AuditEvent {
            name: names::DECISION.to_owned(),
            time_unix_nano: now,
            request_id: Some(exchange.request_id.to_owned()),
            phase: Some(phase.to_owned()),
            outcome: Some(outcome.to_owned()),
            code: note.code.map(str::to_owned),
            message: note.message.map(str::to_owned),
            inspected: Some(false),
            host: (!exchange.host.is_empty()).then(|| exchange.host.to_owned()),
            block: decision
                .block
                .as_ref()
                .map(|b| aimsgate_engine::audit::BlockRecord {
                    status: b.status,
                    reason: "uninspectable".to_owned(),
                    rule: None,
                }),
            ..AuditEvent::default()
        },
    };
    shared.emit(loaded, event);
}
