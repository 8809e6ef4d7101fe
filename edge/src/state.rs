//! What every exchange of a guard shares: the engine, the options, the
//! usage ledger, the audit trail and the clock. Its own module, so that the
//! guard (which makes exchanges) and the exchanges (which use it) do not
//! import each other.

use std::cell::{Cell, RefCell};

use aimsgate_engine::Engine;
use aimsgate_engine::decision::MemoryLedger;

use crate::audit::Trail;
use crate::options::Options;

/// A clock: nanoseconds since the Unix epoch. On wasm32 the JS layer
/// passes `Date.now()`: `std::time::SystemTime` panics there.
pub type Clock = fn() -> u64;

/// What every exchange of a guard shares.
#[derive(Debug)]
pub(crate) struct GuardState {
    /// The engine, or why there is none.
    pub engine: Result<Engine, String>,
    pub options: Options,
    /// With no engine: pass traffic instead of refusing it.
    pub fail_open: bool,
    pub ledger: RefCell<MemoryLedger>,
    pub trail: RefCell<Trail>,
    pub clock: Clock,
    pub next_id: Cell<u64>,
}

impl GuardState {
    pub fn engine(&self) -> Option<&Engine> {
        self.engine.as_ref().ok()
    }

    pub fn now(&self) -> u64 {
        (self.clock)()
    }

    /// A request id for a request without one: unique within the guard,
    /// ordered by time (the filter's form).
    pub fn make_request_id(&self) -> String {
        let n = self.next_id.get().wrapping_add(1);
        self.next_id.set(n);
        aimsgate_engine::flow::make_request_id(self.now(), n)
    }

    pub fn hit_key(&self) -> Option<&[u8]> {
        self.options.hit_key.as_deref().map(str::as_bytes)
    }

    /// The sealed audit lines not taken yet, oldest first.
    pub fn take_events(&self) -> Vec<String> {
        let now = self.now();
        match self.trail.try_borrow_mut() {
            Ok(mut trail) => trail.take(now),
            Err(_) => Vec::new(),
        }
    }
}
