//! The guard: a rule set loaded once, its options, usage budgets and the
//! audit chain, shared by every exchange it inspects.
//!
//! On Workers one guard lives per isolate (a module-level value) and
//! serves every request the isolate handles; budgets count per isolate,
//! as the filter's count per proxy.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use aimsgate_engine::Engine;
use aimsgate_engine::decision::MemoryLedger;
use aimsgate_engine::signing::{Signer25519, TrustedKeys};

use crate::audit::{AnchorCall, Trail};
use crate::exchange::{Exchange, Request, Verdict};
use crate::options::Options;
use crate::state::{Clock, GuardState};

/// A loaded rule set, ready to guard exchanges; see the crate docs.
#[derive(Debug, Clone)]
pub struct Guard {
    shared: Rc<GuardState>,
}

/// What [`Guard::inspect_request`] decided, and the exchange to carry on
/// with when the request goes upstream.
#[derive(Debug)]
pub struct RequestResult {
    /// Forward (possibly with a new body) or refuse.
    pub verdict: Verdict,
    /// The exchange, for the response phase.
    pub exchange: Exchange,
}

impl Guard {
    /// Loads `rules` (binary or JSON rule set, as `aimsgate compile`
    /// writes it) with `options` (JSON; empty for the defaults).
    ///
    /// Never fails: a rule set or options that do not load leave a guard
    /// that refuses every request with 503 (or passes it, with
    /// `failOpen`), each with an audit event — the filter's behaviour with
    /// a bad configuration. [`Guard::load_error`] says why.
    pub fn new(rules: &[u8], options: &str, clock: Clock, chain_id: String) -> Guard {
        let (engine, options, fail_open, signer) = match Options::from_json(options) {
            Ok(options) => {
                let signer = options
                    .audit_signing_key
                    .as_deref()
                    .map(Signer25519::from_text)
                    .transpose()
                    // Never the key itself in the reason.
                    .map_err(|why| format!("auditSigningKey is not a checkpoint key ({why})"));
                let engine = if rules.is_empty() {
                    Err("the rule set is empty".to_owned())
                } else if let Err(why) = &signer {
                    Err(why.clone())
                } else {
                    TrustedKeys::parse(&options.trusted_keys.join(" "))
                        .map_err(|e| format!("trustedKeys: {e}"))
                        .and_then(|trusted| {
                            Engine::from_bytes_trusted(rules, &trusted)
                                .map(|engine| {
                                    engine
                                        .with_max_hits(options.max_hits)
                                        .with_decode_limit(options.max_decoded_bytes)
                                })
                                .map_err(|e| format!("the rule set does not load: {e}"))
                        })
                };
                let fail_open = options.fail_open;
                (engine, options, fail_open, signer.ok().flatten())
            }
            Err(reason) => (
                Err(reason),
                Options::default(),
                Options::fail_open_of(options),
                None,
            ),
        };
        let now = clock();
        let chain_id = options.chain_id.clone().unwrap_or(chain_id);
        let trail = Trail::start(
            chain_id,
            options.max_pending_events,
            now,
            signer,
            options.checkpoint_interval_ms,
        );
        Guard {
            shared: Rc::new(GuardState {
                engine,
                fail_open,
                ledger: RefCell::new(MemoryLedger::default()),
                trail: RefCell::new(trail),
                clock,
                next_id: Cell::new(0),
                options,
            }),
        }
    }

    /// Why the rule set (or the options) did not load, if they did not.
    pub fn load_error(&self) -> Option<&str> {
        self.shared.engine.as_ref().err().map(String::as_str)
    }

    /// The engine, when the rule set loaded.
    pub fn engine(&self) -> Option<&Engine> {
        self.shared.engine()
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.shared.options
    }

    /// Inspects a request; see [`Exchange`] for what follows.
    pub fn inspect_request(&self, request: &Request<'_>) -> RequestResult {
        let mut exchange = Exchange::new(Rc::clone(&self.shared));
        let verdict = exchange.request(request);
        RequestResult { verdict, exchange }
    }

    /// Refuses a request the caller could not even read (a body that is
    /// not bytes, say): 400 with an audit event, fail closed.
    pub fn refuse_unreadable(&self, host: &str, reason: &str) -> RequestResult {
        let mut exchange = Exchange::new(Rc::clone(&self.shared));
        let verdict = exchange.unreadable(host, reason);
        RequestResult { verdict, exchange }
    }

    /// The sealed audit lines not taken yet, oldest first (JSON, one event
    /// each). Every exchange of the guard appends to the same chain.
    pub fn take_events(&self) -> Vec<String> {
        self.shared.take_events()
    }

    /// The timestamp request for the chain's head when the `anchor`
    /// option is set and an interval has begun since the last one: the
    /// caller POSTs it (on Workers from `waitUntil`, so the client does
    /// not wait) and hands the answer to [`Guard::anchored`].
    pub fn anchor_request(&self) -> Option<AnchorCall> {
        let anchor = self.shared.options.anchor.as_ref()?;
        let now = self.shared.now();
        self.shared
            .trail
            .try_borrow_mut()
            .ok()?
            .anchor_request(anchor, now)
    }

    /// The TSA's answer to [`Guard::anchor_request`]'s call (`status` 0:
    /// none came): written in a checkpoint, which the next
    /// [`Guard::take_events`] returns.
    pub fn anchored(&self, status: u16, answer: &[u8]) {
        let Some(anchor) = self.shared.options.anchor.as_ref() else {
            return;
        };
        let now = self.shared.now();
        if let Ok(mut trail) = self.shared.trail.try_borrow_mut() {
            trail.anchored(anchor, now, status, answer);
        }
    }

    /// Ends the audit chain (the guard is going away) and returns the
    /// last lines.
    pub fn end_chain(&self) -> Vec<String> {
        let now = self.shared.now();
        if let Ok(mut trail) = self.shared.trail.try_borrow_mut() {
            trail.end(now);
        }
        self.shared.take_events()
    }
}
