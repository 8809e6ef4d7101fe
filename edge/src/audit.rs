//! The guard's audit trail: one hash chain per [`Guard`](crate::Guard),
//! whose sealed lines wait in a queue until the caller takes them (and
//! logs them: `console.log` on Workers, where Logpush or Tail Workers
//! collect them).
//!
//! Events are built by the engine from decisions alone — rule ids, control
//! ids, where detectors matched — exactly as in the filter, never from the
//! inspected text.

use aimsgate_engine::audit::{self, Anchor, AuditEvent, Witness, names};
use aimsgate_engine::signing::Signer25519;

use crate::options::AnchorOptions;

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
    /// Milliseconds between checkpoints (0: none but drop declarations).
    checkpoint_interval_ms: u64,
    last_checkpoint: u64,
    /// The heads of the anchor request in flight.
    anchoring: Option<Vec<Witness>>,
    /// The anchor interval last asked in (`now / interval`).
    anchor_slot: u64,
}

/// A timestamp request for the caller to send: POST `body` to `url` with
/// `headers`, waiting at most `timeout_ms`; the answer goes back through
/// [`crate::Guard::anchored`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorCall {
    /// The TSA's URL.
    pub url: String,
    /// Request headers.
    pub headers: Vec<(String, String)>,
    /// The DER `TimeStampReq`.
    pub body: Vec<u8>,
    /// Call timeout in milliseconds.
    pub timeout_ms: u64,
}

impl Trail {
    /// A new chain, started with its start event; its own events signed
    /// with `signer`, checkpointed every `checkpoint_interval_ms`.
    pub fn start(
        chain_id: String,
        max_pending: usize,
        now: u64,
        signer: Option<Signer25519>,
        checkpoint_interval_ms: u64,
    ) -> Trail {
        let mut core = audit::Trail::new(chain_id, RUNTIME);
        core.set_signer(signer);
        // An isolate is evicted without notice and checkpoints only when
        // its events are taken: every event carries its own signature.
        core.sign_every_event();
        let mut trail = Trail {
            core,
            pending: Vec::new(),
            max_pending: max_pending.max(1),
            checkpoint_interval_ms,
            last_checkpoint: now,
            anchoring: None,
            anchor_slot: 0,
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

    /// Seals a chain event declaring the drops so far (and an anchor that
    /// arrived); room is made first, so the declaration itself is never
    /// dropped.
    fn declare(&mut self, name: &str, now: u64, message: Option<&str>, anchor: Option<Anchor>) {
        let (mut event, declared) = self
            .core
            // 0: these checkpoints are not periodic (an isolate runs only
            // on requests), so a verifier must not read silence as a cut.
            .declaring_event(name, now, 0, Vec::new(), anchor);
        event.message = message.map(str::to_owned);
        if name == names::CHECKPOINT {
            self.last_checkpoint = now;
        }
        self.max_pending = self.max_pending.max(self.pending.len() + 1);
        self.emit(event);
        self.core.declared(&declared);
    }

    /// The sealed lines waiting, oldest first; a checkpoint declaring the
    /// events dropped meanwhile leads them.
    pub fn take(&mut self, now: u64) -> Vec<String> {
        if self.core.has_undeclared_drops() {
            let message = "audit events were dropped: nobody took them";
            self.declare(names::CHECKPOINT, now, Some(message), None);
        } else if self.checkpoint_interval_ms > 0
            && now.saturating_sub(self.last_checkpoint)
                >= self.checkpoint_interval_ms.saturating_mul(1_000_000)
        {
            self.declare(names::CHECKPOINT, now, None, None);
        }
        std::mem::take(&mut self.pending)
    }

    /// The timestamp request for the chain's head, when `anchor` is due
    /// (once per interval, none while one is in flight).
    pub fn anchor_request(&mut self, anchor: &AnchorOptions, now: u64) -> Option<AnchorCall> {
        let slot = now / anchor.interval_ms.max(1).saturating_mul(1_000_000);
        if self.anchoring.is_some() || slot <= self.anchor_slot {
            return None;
        }
        self.anchor_slot = slot;
        let chain = self.core.chain();
        let heads = vec![Witness {
            chain: chain.id().to_owned(),
            seq: chain.next_seq().saturating_sub(1),
            digest: chain.head().to_owned(),
            time_unix_nano: now,
        }];
        let body = audit::timestamp_request(&audit::imprint(&heads));
        self.anchoring = Some(heads);
        let mut headers = vec![(
            "content-type".to_owned(),
            "application/timestamp-query".to_owned(),
        )];
        headers.extend(anchor.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
        Some(AnchorCall {
            url: anchor.url.clone(),
            headers,
            body,
            timeout_ms: anchor.timeout_ms,
        })
    }

    /// The TSA's answer (`status` 0: none came): a checkpoint with the
    /// anchor, or one saying the anchor failed — an outage shows in the
    /// chain itself.
    pub fn anchored(&mut self, anchor: &AnchorOptions, now: u64, status: u16, answer: &[u8]) {
        let Some(heads) = self.anchoring.take() else {
            return;
        };
        if status == 200 && audit::granted(answer) {
            use base64::Engine as _;
            let anchored = Anchor {
                interval_ms: anchor.interval_ms,
                heads,
                token: base64::engine::general_purpose::STANDARD.encode(answer),
            };
            self.declare(names::CHECKPOINT, now, None, Some(anchored));
        } else {
            let why = if status == 0 {
                "no answer (connection failed or timed out)".to_owned()
            } else if status == 200 {
                "its answer grants no timestamp".to_owned()
            } else {
                format!("it answered {status}")
            };
            let message = format!(
                "anchoring with the timestamp authority failed: {why}; events stay unanchored until the next interval"
            );
            self.declare(names::CHECKPOINT, now, Some(&message), None);
        }
    }

    /// Ends the chain with its end event.
    pub fn end(&mut self, now: u64) {
        self.declare(names::CHAIN_END, now, None, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_and_declares() {
        let mut trail = Trail::start("c1".to_owned(), 2, 1, None, 0);
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
