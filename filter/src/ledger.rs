//! Usage budgets in proxy-wasm shared data, or per worker where the proxy
//! has none.
//!
//! PluginState data is per proxy instance and shared by all its workers' VMs,
//! so a budget counts every request the proxy sees, whichever worker runs
//! it. Updates use the host's compare-and-swap token and retry on a
//! conflicting write, so concurrent workers never lose an increment.

use aimsgate_engine::decision::UsageLedger;

use crate::abi;
use crate::state::PluginState;

/// CAS retries before giving up (then the request is counted as over the
/// budget: fail closed).
const RETRIES: usize = 8;

/// A [`UsageLedger`] over shared data; key `aimsgate/usage/<key>`, value
/// window start and total as two little-endian u64.
#[derive(Debug, Default)]
pub struct SharedLedger;

fn decode(bytes: &[u8]) -> Option<(u64, u64)> {
    let window = u64::from_le_bytes(bytes.get(0..8)?.try_into().ok()?);
    let total = u64::from_le_bytes(bytes.get(8..16)?.try_into().ok()?);
    Some((window, total))
}

impl UsageLedger for SharedLedger {
    fn add(&mut self, key: &str, window_start: u64, amount: u64) -> u64 {
        let key = format!("aimsgate/usage/{key}");
        for _ in 0..RETRIES {
            let (current, cas) = match abi::shared_data(&key) {
                Ok(Some((bytes, cas))) => (decode(&bytes), cas),
                Ok(None) => (None, 0),
                Err(_) => return u64::MAX,
            };
            let total = match current {
                Some((window, total)) if window == window_start => total.saturating_add(amount),
                _ => amount,
            };
            let mut value = [0u8; 16];
            value[..8].copy_from_slice(&window_start.to_le_bytes());
            value[8..].copy_from_slice(&total.to_le_bytes());
            match abi::set_shared_data(&key, &value, cas) {
                Ok(()) => return total,
                Err(abi::Status(abi::CAS_MISMATCH)) => continue,
                Err(_) => return u64::MAX,
            }
        }
        u64::MAX
    }
}

/// A [`UsageLedger`] of this worker alone, for a proxy without shared data
/// (ngx_wasm_module without an `shm_kv` zone): N workers allow up to N
/// times each limit. The next event recorded says so
/// (`aimsgate.budget_scope: worker`).
pub struct WorkerLedger<'a>(pub &'a PluginState);

impl UsageLedger for WorkerLedger<'_> {
    fn add(&mut self, key: &str, window_start: u64, amount: u64) -> u64 {
        self.0.worker_ledger_charged.set(true);
        self.0
            .worker_ledger
            .borrow_mut()
            .add(key, window_start, amount)
    }
}
