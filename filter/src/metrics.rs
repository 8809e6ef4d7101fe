//! Counters through the proxy-wasm metrics API (Envoy stats).
//!
//! Names are `aimsgate.<what>.<label>…`, dot-separated so that Envoy's
//! `stats_config.stats_tags` can turn the labels into tags. Cardinality is
//! bounded whatever the rule set: counters are per control (the catalogue
//! is finite; past [`MAX_CONTROLS`] distinct ids they fold into `other`),
//! per outcome (6) and per mode (2) — never per rule.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use crate::abi;

/// Most distinct control ids given their own counters.
pub const MAX_CONTROLS: usize = 256;

/// The VM's counters, defined on first use.
#[derive(Debug, Default)]
pub struct Metrics {
    ids: RefCell<HashMap<String, u32>>,
    /// Control segments given their own counters (at most [`MAX_CONTROLS`]).
    controls: RefCell<HashSet<String>>,
}

/// A control id as a stat name segment: `ISO42001:A.6.2.6` →
/// `ISO42001_A_6_2_6` (dots and colons would split it into tags).
pub fn stat_segment(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Metrics {
    /// Adds one to the counter `name`. Metrics failing must not fail a
    /// request: errors are dropped.
    pub fn count(&self, name: &str) {
        self.count_by(name, 1);
    }

    /// Adds `by` to counter `name`.
    pub fn count_by(&self, name: &str, by: usize) {
        let id = {
            let mut ids = self.ids.borrow_mut();
            match ids.get(name) {
                Some(&id) => Some(id),
                None => match abi::define_counter(name) {
                    Ok(id) => {
                        ids.insert(name.to_owned(), id);
                        Some(id)
                    }
                    Err(_) => None,
                },
            }
        };
        if let Some(id) = id {
            let _ = abi::increment(id, i64::try_from(by).unwrap_or(i64::MAX));
        }
    }

    /// Counts a control's involvement in a decision.
    pub fn control(&self, control: &str, outcome: &str, mode: &str) {
        let segment = stat_segment(control);
        let segment = {
            let mut admitted = self.controls.borrow_mut();
            if admitted.contains(&segment) {
                segment
            } else if admitted.len() < MAX_CONTROLS {
                admitted.insert(segment.clone());
                segment
            } else {
                "other".to_owned()
            }
        };
        self.count(&format!("aimsgate.control.{segment}.{outcome}.{mode}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_ids_become_single_segments() {
        assert_eq!(stat_segment("ISO42001:A.6.2.6"), "ISO42001_A_6_2_6");
        assert_eq!(stat_segment("OWASP-LLM:LLM02"), "OWASP-LLM_LLM02");
    }
}
