//! State that Envoy shares between the worker threads of one process.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;

use crate::abi::Status;

/// What the workers of one Envoy process share: the `proxy_get/set_shared_data`
/// store (per VM id, proxy-wasm-cpp-host src/shared_data.cc) and the stats store
/// behind `proxy_define_metric`.
///
/// Cloning is cheap and yields a handle on the same state: give the same
/// `SharedData` to several [`crate::Plugin`]s to model several workers of one proxy.
#[derive(Clone, Debug, Default)]
pub struct SharedData {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    /// vm_id -> key -> (value, cas).
    data: HashMap<String, HashMap<String, (Vec<u8>, u32)>>,
    next_cas: u32,
    stats: BTreeMap<(String, MetricKind), Stat>,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            data: HashMap::new(),
            next_cas: 1,
            stats: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Default)]
struct Stat {
    value: u64,
    samples: Vec<u64>,
}

impl SharedData {
    /// A fresh, empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves consistent data behind
        // (every update is a single assignment), so keep going.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value and CAS token of `key` in VM `vm_id`'s namespace.
    pub fn get(&self, vm_id: &str, key: &str) -> Option<(Vec<u8>, u32)> {
        self.lock().data.get(vm_id)?.get(key).cloned()
    }

    /// Sets `key`. `cas` 0 writes unconditionally; another value must equal the
    /// key's current token or the write fails with CAS_MISMATCH (a missing key
    /// accepts any token, as in proxy-wasm-cpp-host).
    pub(crate) fn set(&self, vm_id: &str, key: &str, value: Vec<u8>, cas: u32) -> Status {
        let mut inner = self.lock();
        let cas_token = inner.next_cas;
        let map = inner.data.entry(vm_id.to_owned()).or_default();
        if let Some((_, current)) = map.get(key)
            && cas != 0
            && cas != *current
        {
            return Status::CasMismatch;
        }
        map.insert(key.to_owned(), (value, cas_token));
        inner.next_cas = match inner.next_cas.wrapping_add(1) {
            0 => 1,
            next => next,
        };
        Status::Ok
    }

    /// Sets `key` from the host side (seeding a test), unconditionally.
    pub fn insert(&self, vm_id: &str, key: &str, value: impl Into<Vec<u8>>) {
        self.set(vm_id, key, value.into(), 0);
    }

    /// Every metric any plugin sharing this store defined, sorted by name and kind.
    pub fn metrics(&self) -> Vec<Metric> {
        self.lock()
            .stats
            .iter()
            .map(|((name, kind), stat)| Metric {
                name: name.clone(),
                kind: *kind,
                value: match kind {
                    MetricKind::Histogram => i64::try_from(stat.samples.len()).unwrap_or(i64::MAX),
                    _ => i64::try_from(stat.value).unwrap_or(i64::MAX),
                },
                samples: stat.samples.clone(),
            })
            .collect()
    }

    pub(crate) fn ensure_metric(&self, name: &str, kind: MetricKind) {
        self.lock()
            .stats
            .entry((name.to_owned(), kind))
            .or_default();
    }

    pub(crate) fn update_metric(&self, name: &str, kind: MetricKind, f: impl FnOnce(u64) -> u64) {
        let mut inner = self.lock();
        let stat = inner.stats.entry((name.to_owned(), kind)).or_default();
        stat.value = f(stat.value);
    }

    pub(crate) fn record_sample(&self, name: &str, sample: u64) {
        let mut inner = self.lock();
        let stat = inner
            .stats
            .entry((name.to_owned(), MetricKind::Histogram))
            .or_default();
        stat.samples.push(sample);
    }

    pub(crate) fn metric_value(&self, name: &str, kind: MetricKind) -> u64 {
        self.lock()
            .stats
            .get(&(name.to_owned(), kind))
            .map_or(0, |stat| stat.value)
    }
}

/// A metric's type (`proxy_metric_type_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    /// 0: only grows.
    Counter,
    /// 1: set or moved up and down.
    Gauge,
    /// 2: records samples.
    Histogram,
}

impl MetricKind {
    pub(crate) fn from_raw(raw: i32) -> Option<Self> {
        Some(match raw {
            0 => Self::Counter,
            1 => Self::Gauge,
            2 => Self::Histogram,
            _ => return None,
        })
    }

    /// The low two bits of a metric id (Envoy wasm.h `kMetricTypeMask`).
    pub(crate) fn tag(self) -> u32 {
        self as u32
    }

    pub(crate) fn from_id(id: u32) -> Option<Self> {
        Self::from_raw(i32::try_from(id & 0x3).ok()?)
    }
}

/// A metric's current state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Metric {
    /// The name the plugin defined (Envoy exports it under the `wasmcustom.` prefix).
    pub name: String,
    /// Its type.
    pub kind: MetricKind,
    /// A counter's or gauge's value; a histogram's number of samples.
    pub value: i64,
    /// A histogram's samples, in order; empty for the other kinds.
    pub samples: Vec<u64>,
}
