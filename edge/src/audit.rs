//! The guard's audit trail: one hash chain per [`Guard`](crate::Guard),
//! whose sealed lines wait in a queue until the caller takes them (and
//! logs them: `console.log` on Workers, where Logpush or Tail Workers
//! collect them).
//!
//! Events are built by the engine from decisions alone — rule ids, control
//! ids, where detectors matched — exactly as in the filter, never from the
//! inspected text.

use aimsgate_engine::Engine;
use aimsgate_engine::audit::{AuditEvent, Chain, Checkpoint, SeqRange, names};

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
    chain: Chain,
    pending: Vec<String>,
    max_pending: usize,
    /// Events dropped since the chain began (queue full).
    dropped: u64,
    /// Dropped since the last declaration.
    dropped_seqs: Vec<SeqRange>,
}

impl Trail {
    /// A new chain, started with its start event.
    pub fn start(chain_id: String, max_pending: usize, now: u64) -> Trail {
        let mut trail = Trail {
            chain: Chain::new(chain_id),
            pending: Vec::new(),
            max_pending: max_pending.max(1),
            dropped: 0,
            dropped_seqs: Vec::new(),
        };
        trail.emit(
            None,
            AuditEvent {
                name: names::CHAIN_START.to_owned(),
                time_unix_nano: now,
                message: Some("audit chain started with the guard".to_owned()),
                ..AuditEvent::default()
            },
        );
        trail
    }

    /// Seals `event`, stamped with the rule set's policy, into the queue.
    pub fn emit(&mut self, engine: Option<&Engine>, mut event: AuditEvent) {
        if let Some(engine) = engine {
            event.stamp_policy(&engine.ruleset().policy);
        }
        event.runtime = RUNTIME.to_owned();
        let sealed = self.chain.seal(event);
        if self.pending.len() >= self.max_pending {
            // Nobody takes the events: drop this one, but keep its sequence
            // number so that the next checkpoint can declare it — a
            // verifier then tells a counted drop from a deletion.
            self.dropped += 1;
            match self.dropped_seqs.last_mut() {
                Some(range) if range.last + 1 == sealed.seq => range.last = sealed.seq,
                _ => self.dropped_seqs.push(SeqRange {
                    first: sealed.seq,
                    last: sealed.seq,
                }),
            }
            return;
        }
        self.pending.push(sealed.line);
    }

    /// The sealed lines waiting, oldest first; a checkpoint declaring the
    /// events dropped meanwhile leads them.
    pub fn take(&mut self, now: u64) -> Vec<String> {
        if !self.dropped_seqs.is_empty() {
            let dropped_seqs = std::mem::take(&mut self.dropped_seqs);
            let event = AuditEvent {
                name: names::CHECKPOINT.to_owned(),
                time_unix_nano: now,
                message: Some("audit events were dropped: nobody took them".to_owned()),
                checkpoint: Some(Checkpoint {
                    interval_ms: 0,
                    dropped: self.dropped,
                    dropped_seqs,
                    witnessed: Vec::new(),
                }),
                ..AuditEvent::default()
            };
            // Room is made first: the declaration itself must not be lost.
            self.max_pending = self.max_pending.max(self.pending.len() + 1);
            self.emit(None, event);
        }
        std::mem::take(&mut self.pending)
    }

    /// Ends the chain with its end event.
    pub fn end(&mut self, now: u64) {
        self.max_pending = self.max_pending.max(self.pending.len() + 1);
        let event = AuditEvent {
            name: names::CHAIN_END.to_owned(),
            time_unix_nano: now,
            checkpoint: Some(Checkpoint {
                interval_ms: 0,
                dropped: self.dropped,
                dropped_seqs: std::mem::take(&mut self.dropped_seqs),
                witnessed: Vec::new(),
            }),
            ..AuditEvent::default()
        };
        self.emit(None, event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aimsgate_engine::audit;

    #[test]
    fn a_full_queue_drops_and_declares() {
        let mut trail = Trail::start("c1".to_owned(), 2, 1);
        for n in 0..4 {
            trail.emit(
                None,
                AuditEvent {
                    name: names::DECISION.to_owned(),
                    time_unix_nano: n,
                    ..AuditEvent::default()
                },
            );
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
