//! What every decision leaves behind: one audit event and counters.
//!
//! Both are built from the decision alone (rule ids, control ids, where
//! detectors matched), never from the inspected text; the only thing
//! derived from matched text is an optional keyed fingerprint.

use aimsgate_engine::audit::{self, Subject};
use aimsgate_engine::decision::Decision;
use aimsgate_engine::flow::Runtime;

use crate::abi;
use crate::audit::RUNTIME;
use crate::config::Loaded;
use crate::shared::Shared;

/// The filter as the runtime of an exchange's [`Flow`](aimsgate_engine::flow::Flow):
/// the proxy's clock, the VM's request ids, and the record of each
/// decision.
pub struct Recorder<'a> {
    /// What the VM's contexts share.
    pub shared: &'a Shared,
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

    fn record(&mut self, decision: &Decision, subject: &Subject<'_>) {
        record(self.shared, self.loaded, decision, subject);
    }
}

/// Counts `decision` and writes its audit event.
fn record(shared: &Shared, loaded: Option<&Loaded>, decision: &Decision, subject: &Subject<'_>) {
    let metrics = &shared.metrics;
    let outcome = decision.outcome.name();
    let phase = decision.phase.name();
    metrics.count(&format!("aimsgate.decisions.{phase}.{outcome}"));
    if let Some(code) = subject.code {
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
    let subject = Subject {
        runtime: RUNTIME,
        hit_key: loaded.and_then(|l| l.hit_key.as_deref()),
        ..*subject
    };
    let event = audit::decision_event(loaded.map(|l| &l.engine), decision, &subject);
    shared.emit(loaded, event);
}
