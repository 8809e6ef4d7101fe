//! The guard's audit trail: one hash chain per [`Guard`](crate::Guard),
//! whose sealed lines wait in a queue until the caller takes them (and
//! logs them: `console.log` on Workers, where Logpush or Tail Workers
//! collect them).
//!
//! Events are built by the engine from decisions alone — rule ids, control
//! ids, where detectors matched — exactly as in the filter, never from the
//! inspected text.

use aimsgate_engine::audit::{self, AuditEvent, names};

/// `name/version` of this runtime, in every event.
pub const RUNTIME: &str = concat!("aimsgate-edge/", env!("CARGO_PKG_VERSION"));

/// A decision as its audit event recorded it: what a caller (or a parity
/// test) compares, without parsing the line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recorded {
    /// `request` or `response`.
    pub phase: String,
    /// `allow`, `monitor`, `flag`, `cap`, `redact` or `block`.
    pub outcome: String,
    /// Ids of the rules that fired (applied or not).
    pub rules: Vec<String>,
    /// Control ids of those rules.
    pub controls: Vec<String>,
    /// The runtime's own reason, when the policy did not decide
    /// (`no_body`, `body_too_large`…).
    pub code: Option<String>,
    /// The refusal status, when the decision blocks.
    pub status: Option<u16>,
}

impl Recorded {
    /// The summary of an event about to be sealed.
    pub(crate) fn of(event: &AuditEvent) -> Recorded {
        Recorded {
            phase: event.phase.clone().unwrap_or_default(),
            outcome: event.outcome.clone().unwrap_or_default(),
            rules: event.rules.iter().map(|r| r.id.clone()).collect(),
            controls: event.controls.clone(),
            code: event.code.clone(),
            status: event.block.as_ref().map(|b| b.status),
        }
    }
}

/// The chain and the sealed lines not taken yet.
#[derive(Debug)]
pub(crate) struct Trail {
    core: audit::Trail,
    pending: Vec<String>,
    max_pending: usize,
}

impl Trail {
    /// A new chain, started with its start event.
    pub fn start(chain_id: String, max_pending: usize, now: u64) -> Trail {
        let mut trail = Trail {
            core: audit::Trail::new(chain_id, RUNTIME),
            pending: Vec::new(),
            max_pending: max_pending.max(1),
        };
        let start = trail
            .core
            .start_event(now, "audit chain started with the guard");
        trail.emit(start);
        trail
    }

    /// Seals `event` (a decision's comes stamped with the policy) into the
    /// queue.
    pub fn emit(&mut self, event: AuditEvent) {
        let sealed = self.core.seal(event);
        if self.pending.len() >= self.max_pending {
            // Nobody takes the events: drop this one, but keep its sequence
            // number so that the next checkpoint can declare it — a
            // verifier then tells a counted drop from a deletion.
            self.core.drop_seq(sealed.seq);
            return;
        }
        self.pending.push(sealed.line);
    }

    /// Seals a chain event declaring the drops so far; room is made first,
    /// so the declaration itself is never dropped.
    fn declare(&mut self, name: &str, now: u64, message: Option<&str>) {
        let (mut event, declared) = self.core.declaring_event(name, now, 0, Vec::new(), None);
        event.message = message.map(str::to_owned);
        self.max_pending = self.max_pending.max(self.pending.len() + 1);
        self.emit(event);
        self.core.declared(&declared);
    }

    /// The sealed lines waiting, oldest first; a checkpoint declaring the
    /// events dropped meanwhile leads them.
    pub fn take(&mut self, now: u64) -> Vec<String> {
        if self.core.has_undeclared_drops() {
            let message = "audit events were dropped: nobody took them";
            self.declare(names::CHECKPOINT, now, Some(message));
        }
        std::mem::take(&mut self.pending)
    }

    /// Ends the chain with its end event.
    pub fn end(&mut self, now: u64) {
        self.declare(names::CHAIN_END, now, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_and_declares() {
        let mut trail = Trail::start("c1".to_owned(), 2, 1);
        for n in 0..4 {
            trail.emit(AuditEvent {
                name: names::DECISION.to_owned(),
                time_unix_nano: n,
                ..AuditEvent::default()
            });
        }
        let lines = trail.take(9);
        // start + one decision, then the checkpoint declaring seqs 2..=4.
        assert_eq!(lines.len(), 3);
        let last = audit::open(&lines[2]).unwrap();
        assert!(last.json.contains(names::CHECKPOINT));
        assert!(last.json.contains("\"first\":2") && last.json.contains("\"last\":4"));
        for line in &lines {
            assert!(audit::open(line).is_ok(), "{line}");
        }
        assert!(trail.take(10).is_empty());
    }
}
