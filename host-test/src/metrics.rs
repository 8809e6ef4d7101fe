//! `proxy_define_metric` and friends, as Envoy implements them
//! (envoy source/extensions/common/wasm/context.cc `defineMetric` .. `getMetric`,
//! wasm.h `kMetricTypeMask`/`kMetricIdIncrement`).

use std::collections::HashMap;

use crate::abi::Status;
use crate::shared::{MetricKind, SharedData};

/// The per-VM table from metric ids to stats. Envoy hands out a fresh id on every
/// `defineMetric` call (`nextCounterMetricId()` etc. add 4 to a per-type sequence
/// whose low bits are the type), but ids for the same name and type name the same
/// stat in the stats store, so their values are shared.
#[derive(Debug, Default)]
pub(crate) struct MetricIds {
    next: [u32; 3],
    by_id: HashMap<u32, (String, MetricKind)>,
}

impl MetricIds {
    pub(crate) fn define(
        &mut self,
        shared: &SharedData,
        raw_kind: i32,
        name: String,
    ) -> Result<u32, Status> {
        let kind = MetricKind::from_raw(raw_kind).ok_or(Status::BadArgument)?;
        let slot = &mut self.next[kind.tag() as usize];
        *slot = slot.checked_add(4).ok_or(Status::InternalFailure)?;
        let id = *slot | kind.tag();
        shared.ensure_metric(&name, kind);
        self.by_id.insert(id, (name, kind));
        Ok(id)
    }

    fn lookup(&self, id: u32) -> Result<(&str, MetricKind), Status> {
        match self.by_id.get(&id) {
            Some((name, kind)) => Ok((name, *kind)),
            // Envoy: an unknown id of a known type is NOT_FOUND; the type bits 3
            // name no type, which `incrementMetric`/`getMetric` answer BAD_ARGUMENT.
            None if MetricKind::from_id(id).is_some() => Err(Status::NotFound),
            None => Err(Status::BadArgument),
        }
    }

    /// `incrementMetric`: a counter only grows (offset <= 0 is BAD_ARGUMENT), a
    /// gauge moves either way, a histogram cannot be incremented.
    pub(crate) fn increment(&self, shared: &SharedData, id: u32, offset: i64) -> Status {
        match self.lookup(id) {
            Ok((name, MetricKind::Counter)) if offset > 0 => {
                shared.update_metric(name, MetricKind::Counter, |value| {
                    value.saturating_add(offset.unsigned_abs())
                });
                Status::Ok
            }
            Ok((_, MetricKind::Counter)) => Status::BadArgument,
            Ok((name, MetricKind::Gauge)) => {
                shared.update_metric(name, MetricKind::Gauge, |value| {
                    if offset >= 0 {
                        value.saturating_add(offset.unsigned_abs())
                    } else {
                        value.saturating_sub(offset.unsigned_abs())
                    }
                });
                Status::Ok
            }
            Ok((_, MetricKind::Histogram)) => Status::BadArgument,
            Err(status) => status,
        }
    }

    /// `recordMetric`: a counter adds the value, a gauge is set to it, a histogram
    /// records it.
    pub(crate) fn record(&self, shared: &SharedData, id: u32, value: u64) -> Status {
        match self.lookup(id) {
            Ok((name, MetricKind::Counter)) => {
                shared.update_metric(name, MetricKind::Counter, |current| {
                    current.saturating_add(value)
                });
                Status::Ok
            }
            Ok((name, MetricKind::Gauge)) => {
                shared.update_metric(name, MetricKind::Gauge, |_| value);
                Status::Ok
            }
            Ok((name, MetricKind::Histogram)) => {
                shared.record_sample(name, value);
                Status::Ok
            }
            Err(Status::BadArgument) => Status::NotFound,
            Err(status) => status,
        }
    }

    /// `getMetric`: counters and gauges only.
    pub(crate) fn get(&self, shared: &SharedData, id: u32) -> Result<u64, Status> {
        match self.lookup(id)? {
            (_, MetricKind::Histogram) => Err(Status::BadArgument),
            (name, kind) => Ok(shared.metric_value(name, kind)),
        }
    }
}
