//! The core of every runtime's audit trail: one hash chain, the events
//! that start, checkpoint and end it, and the events that could not be
//! delivered — counted, and declared by sequence range in the next chain
//! event that gets through, so a verifier tells a counted drop from a
//! deletion.
//!
//! Delivery stays with the runtime (the filter's proxy log and OTLP
//! batches, the edge's queue); what a chain says about itself is written
//! here once, with one set of limits.

use super::event::{Anchor, AuditEvent, Checkpoint, SeqRange, Witness, names};
use super::seal::{Chain, Sealed};
use crate::signing::Signer25519;

/// Dropped ranges remembered between declarations (merged when
/// contiguous); past it the last range widens.
pub const MAX_DROPPED_RANGES: usize = 64;

/// A chain with its drop record; see the module docs.
#[derive(Debug)]
pub struct Trail {
    chain: Chain,
    /// `name/version` of the runtime, stamped on every event.
    runtime: &'static str,
    /// Events dropped since the chain began.
    dropped: u64,
    /// Dropped and not yet declared by an event that got through.
    dropped_seqs: Vec<SeqRange>,
    /// The checkpoint key, when the runtime holds one: the chain's own
    /// events are signed with it.
    signer: Option<Signer25519>,
    /// Requests counted and, of those, passed unrecorded (`None` until the
    /// runtime counts one).
    requests: Option<(u64, u64)>,
    /// Sign every event, not only the chain's own: for runtimes without
    /// periodic checkpoints, whose chains stop without notice.
    sign_all: bool,
}

impl Trail {
    /// A new chain `chain_id` of `runtime` (nothing sealed yet: seal
    /// [`Trail::start_event`] first).
    pub fn new(chain_id: impl Into<String>, runtime: &'static str) -> Trail {
        Trail {
            chain: Chain::new(chain_id),
            runtime,
            dropped: 0,
            dropped_seqs: Vec::new(),
            signer: None,
            requests: None,
            sign_all: false,
        }
    }

    /// Signs every event from now on, not only the chain's own. A runtime
    /// with no periodic checkpoints (an edge isolate, evicted without
    /// notice) would otherwise leave its last events under no signature.
    pub fn sign_every_event(&mut self) {
        self.sign_all = true;
    }

    /// Counts a request the runtime saw; `recorded`: an event was (or
    /// will be) written for it. Checkpoints carry the counts, so a log
    /// can be held against the traffic it should record.
    pub fn count_request(&mut self, recorded: bool) {
        let (requests, unrecorded) = self.requests.get_or_insert((0, 0));
        *requests += 1;
        if !recorded {
            *unrecorded += 1;
        }
    }

    /// Signs the chain's own events from now on with `signer` (`None`:
    /// no longer).
    pub fn set_signer(&mut self, signer: Option<Signer25519>) {
        self.signer = signer;
    }

    /// The checkpoint key, if the chain signs.
    pub fn signer(&self) -> Option<&Signer25519> {
        self.signer.as_ref()
    }

    /// The chain.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// Events dropped since the chain began.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Whether drops wait to be declared.
    pub fn has_undeclared_drops(&self) -> bool {
        !self.dropped_seqs.is_empty()
    }

    /// The event that opens the chain.
    pub fn start_event(&self, now: u64, message: &str) -> AuditEvent {
        AuditEvent {
            name: names::CHAIN_START.to_owned(),
            time_unix_nano: now,
            message: Some(message.to_owned()),
            ..AuditEvent::default()
        }
    }

    /// Seals `event` into the chain, stamped with the runtime; the chain's
    /// own events (start, checkpoints, end) signed when there is a key.
    /// Decisions are not signed one by one (unless
    /// [`Trail::sign_every_event`]): the next signed checkpoint's `prev`
    /// covers them, at one signature per interval.
    pub fn seal(&mut self, mut event: AuditEvent) -> Sealed {
        event.runtime = self.runtime.to_owned();
        let own = [names::CHAIN_START, names::CHECKPOINT, names::CHAIN_END]
            .contains(&event.name.as_str());
        let signer = self.signer.as_ref().filter(|_| own || self.sign_all);
        self.chain.seal_signed(event, signer)
    }

    /// The sealed event `seq` could not be delivered: counted, and kept to
    /// be declared.
    pub fn drop_seq(&mut self, seq: u64) {
        self.dropped += 1;
        let room = self.dropped_seqs.len() < MAX_DROPPED_RANGES;
        match self.dropped_seqs.last_mut() {
            Some(range) if range.last + 1 == seq => range.last = seq,
            // Too fragmented to list: widen the last range (a verifier then
            // counts a few delivered events as declared drops, never the
            // reverse).
            Some(range) if !room => range.last = seq,
            _ => self.dropped_seqs.push(SeqRange {
                first: seq,
                last: seq,
            }),
        }
    }

    /// A chain event `name` (a checkpoint or the chain's end) declaring the
    /// drops not declared yet, with the ranges it declares: once it got
    /// through, [`Trail::declared`] forgets them; if it is dropped too, the
    /// next one declares them again. It carries the heads `witnessed` of
    /// other chains and the `anchor` that arrived since the last one.
    pub fn declaring_event(
        &self,
        name: &str,
        now: u64,
        interval_ms: u64,
        witnessed: Vec<Witness>,
        anchor: Option<Anchor>,
    ) -> (AuditEvent, Vec<SeqRange>) {
        let declared = self.dropped_seqs.clone();
        let event = AuditEvent {
            name: name.to_owned(),
            time_unix_nano: now,
            checkpoint: Some(Checkpoint {
                interval_ms,
                dropped: self.dropped,
                dropped_seqs: declared.clone(),
                witnessed,
                anchor,
                requests: self.requests.map(|(requests, _)| requests),
                unrecorded: self.requests.map(|(_, unrecorded)| unrecorded),
            }),
            ..AuditEvent::default()
        };
        (event, declared)
    }

    /// `declared` reached the log: they need no declaring again.
    pub fn declared(&mut self, declared: &[SeqRange]) {
        self.dropped_seqs.retain(|range| !declared.contains(range));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_merge_declare_once_and_cap_their_ranges() {
        let mut trail = Trail::new("c", "test/1");
        let start = trail.start_event(1, "started");
        let sealed = trail.seal(start);
        assert!(sealed.line.contains("test/1"), "stamped with the runtime");
        let s = sealed.seq;
        trail.drop_seq(s + 1);
        trail.drop_seq(s + 2);
        trail.drop_seq(s + 4);
        let (event, declared) = trail.declaring_event(names::CHECKPOINT, 9, 0, Vec::new(), None);
        let range = |first, last| SeqRange { first, last };
        assert_eq!(declared, [range(s + 1, s + 2), range(s + 4, s + 4)]);
        assert_eq!(event.checkpoint.as_ref().map(|c| c.dropped), Some(3));
        // Not through yet: still to declare.
        assert!(trail.has_undeclared_drops());
        trail.declared(&declared);
        assert!(!trail.has_undeclared_drops());
        assert_eq!(trail.dropped(), 3);
        // Scattered drops past the cap widen the last range.
        let from = s + 10;
        let last = from + 2 * (MAX_DROPPED_RANGES as u64 + 5);
        for seq in (from..=last).step_by(2) {
            trail.drop_seq(seq);
        }
        let (_, declared) = trail.declaring_event(names::CHAIN_END, 10, 0, Vec::new(), None);
        assert_eq!(declared.len(), MAX_DROPPED_RANGES);
        assert_eq!(declared.last().map(|r| r.last), Some(last));
    }
}
