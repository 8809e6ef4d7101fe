//! What every decision leaves behind: one audit event and counters.
//!
//! Both are built from the decision alone (rule ids, control ids, where
//! detectors matched), never from the inspected text; the only thing
//! derived from matched text is an optional keyed fingerprint.

use aimsgate_engine::Engine;
use aimsgate_engine::audit::AuditEvent;
use aimsgate_engine::decision::Decision;
use aimsgate_engine::flow::Runtime;

use crate::abi;
use crate::config::Loaded;
use crate::state::PluginState;

/// The filter as the runtime of an exchange's [`Flow`](aimsgate_engine::flow::Flow):
/// the proxy's clock, the VM's request ids, and the record of each
/// decision.
pub struct Recorder<'a> {
    /// What the VM's contexts share.
    pub shared: &'a PluginState,
    /// The rule set the exchange started on.
    pub loaded: Option<&'a Loaded>,
}

impl Runtime for Recorder<'_> {
    fn now(&self) -> u64 {
        abi::now_nanos()
    }

    fn make_request_id(&mut self) -> String {
        self.shared.make_request_id()
    }

    fn engine(&self) -> Option<&Engine> {
        self.loaded.map(|l| &l.engine)
    }

    fn hit_key(&self) -> Option<&[u8]> {
        self.loaded.and_then(|l| l.hit_key.as_deref())
    }

    /// Always: without `options.classifier` the call fails, and the route
    /// decides what a failed consultation means.
    fn consults(&self) -> bool {
        true
    }

    fn record(&mut self, decision: &Decision, mut event: AuditEvent) {
        if self.shared.worker_ledger_charged.take() {
            event.budget_scope = Some("worker".to_owned());
        }
        count(self.shared, self.loaded, decision, event.code.as_deref());
        self.shared.emit(self.loaded, event);
    }
}

/// Counts `decision` by phase and outcome, by the runtime's own `code`,
/// and by control, outcome and mode.
fn count(shared: &PluginState, loaded: Option<&Loaded>, decision: &Decision, code: Option<&str>) {
    let metrics = &shared.metrics;
    let outcome = decision.outcome.name();
    let phase = decision.phase.name();
    metrics.count(&format!("aimsgate.decisions.{phase}.{outcome}"));
    if let Some(code) = code {
        metrics.count(&format!("aimsgate.events.{code}"));
    }
    if let Some(loaded) = loaded {
        let ruleset = loaded.engine.ruleset();
        for fired in &decision.fired {
            if let Some(rule) = ruleset.rules.get(fired.rule as usize) {
                for control in &rule.controls {
                    metrics.control(control, outcome, fired.mode.name());
                }
            }
        }
    }
}
