//! What every decision leaves behind: one JSON log line and counters.
//!
//! Both are built from the decision alone (rule ids, control ids, counts),
//! never from the inspected text.

use aimsgate_engine::decision::Decision;
use aimsgate_engine::ruleset::Phase;
use serde_json::json;

use crate::abi::{self, Level};
use crate::config::Loaded;
use crate::metrics::Metrics;

/// What a log line says about the exchange besides the decision.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// The request id.
    pub request_id: &'a str,
    /// Route id, when governed.
    pub route: Option<&'a str>,
    /// API name, when known.
    pub api: Option<&'a str>,
    /// Model, when known.
    pub model: Option<&'a str>,
    /// Microseconds spent inspecting.
    pub elapsed_us: u64,
}

/// Logs and counts a decision.
pub fn decision(loaded: &Loaded, metrics: &Metrics, exchange: Exchange<'_>, decision: &Decision) {
    let ruleset = loaded.engine.ruleset();
    let outcome = decision.outcome.name();
    let phase = phase_name(decision.phase);
    metrics.count(&format!("aimsgate.decisions.{phase}.{outcome}"));
    for fired in &decision.fired {
        if let Some(rule) = ruleset.rules.get(fired.rule as usize) {
            for control in &rule.controls {
                metrics.control(control, outcome, fired.mode.name());
            }
        }
    }
    if !loaded.options.log_decisions {
        return;
    }
    let rules: Vec<_> = decision
        .fired
        .iter()
        .filter_map(|f| {
            let rule = ruleset.rules.get(f.rule as usize)?;
            Some(json!({
                "id": rule.id,
                "mode": f.mode.name(),
                "action": f.action,
                "applied": f.applied,
                "severity": f.severity.name(),
            }))
        })
        .collect();
    let block = decision.block.as_ref().map(|b| {
        json!({
            "status": b.status,
            "reason": serde_json::to_value(&b.reason).unwrap_or_default(),
        })
    });
    let line = json!({
        "aimsgate": "decision",
        "request_id": exchange.request_id,
        "policy": {
            "name": ruleset.policy.name,
            "version": ruleset.policy.version,
            "digest": ruleset.policy.digest.to_hex(),
        },
        "route": exchange.route,
        "api": exchange.api,
        "model": exchange.model,
        "phase": phase,
        "outcome": outcome,
        "rules": rules,
        "controls": decision.controls(ruleset),
        "hits": decision.hits.len(),
        "redactions": decision.redactions.len(),
        "block": block,
        "elapsed_us": exchange.elapsed_us,
    });
    abi::log(Level::Info, &line.to_string());
}

/// Logs and counts something the filter refused or let pass on its own
/// account (no rule set, body too large, upgrade…), naming the rule set in
/// force when there is one.
pub fn event(
    loaded: Option<&Loaded>,
    metrics: &Metrics,
    level: Level,
    code: &str,
    request_id: &str,
    message: &str,
) {
    metrics.count(&format!("aimsgate.events.{code}"));
    let policy = loaded.map(|loaded| {
        let policy = &loaded.engine.ruleset().policy;
        json!({"name": policy.name, "version": policy.version, "digest": policy.digest.to_hex()})
    });
    let line = json!({
        "aimsgate": "event",
        "code": code,
        "request_id": request_id,
        "policy": policy,
        "message": message,
    });
    abi::log(level, &line.to_string());
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Response => "response",
        _ => "request",
    }
}
