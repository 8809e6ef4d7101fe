//! Checking event chains: every event present, unaltered, in order.
//!
//! What each check catches:
//!
//! - an event's bytes no longer hash to its digest: **altered**;
//! - an event's `prev` is not its predecessor's digest: the predecessor was
//!   replaced (digest recomputed) or the chain forked: **altered**;
//! - a sequence number missing between two present ones, or before the
//!   first: **missing** (or **dropped**, when a checkpoint of the chain
//!   declared the drop because the collector buffer was full);
//! - a sequence number lower than one already seen for its chain, in file
//!   order: **reordered**;
//! - a checkpoint of another chain witnessed an event this log does not
//!   hold: **cut off** (the chain is there, its tail is not) or **lost**
//!   (not one event of the chain is there);
//! - a chain that never ended and is silent for longer than two checkpoint
//!   intervals before the end of the log (or `--at`): **cut off**.
//!
//! The same event twice (an at-least-once delivery retried) is reported
//! as a note, not an error.

use std::collections::{BTreeMap, HashMap};

use aimsgate_engine::audit::{GENESIS, names};
use serde::Serialize;

use super::read::{Events, Location};

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Finding {
    /// The event's bytes do not match its digest, or its `prev` does not
    /// match the event before it.
    Altered {
        /// Chain id.
        chain: String,
        /// Sequence number.
        seq: u64,
        /// Where.
        at: String,
        /// What does not match.
        why: String,
    },
    /// Sequence numbers absent from the log.
    Missing {
        /// Chain id.
        chain: String,
        /// First missing.
        first: u64,
        /// Last missing (inclusive).
        last: u64,
        /// Whether a checkpoint declared them dropped (buffer full).
        declared_dropped: bool,
    },
    /// An event found after a later event of its chain.
    Reordered {
        /// Chain id.
        chain: String,
        /// Its sequence number.
        seq: u64,
        /// Where.
        at: String,
        /// The highest sequence number seen before it.
        after: u64,
    },
    /// The chain's end is missing.
    CutOff {
        /// Chain id.
        chain: String,
        /// Last sequence number present.
        last_present: u64,
        /// How it is known.
        evidence: String,
    },
    /// A chain other chains witnessed, of which the log holds nothing.
    Lost {
        /// Chain id.
        chain: String,
        /// Highest sequence number witnessed.
        witnessed_seq: u64,
        /// Where the witness is.
        at: String,
    },
    /// The input holds no audit event at all: nothing is evidenced (a
    /// decisions file or an empty export given by mistake must not pass as
    /// an intact log).
    NoEvents,
    /// A line that looked like an event but could not be read.
    Unreadable {
        /// Where.
        at: String,
        /// Why.
        why: String,
    },
}

impl Finding {
    /// The chain the finding is about; `None` for findings about the
    /// input as a whole (an unreadable line, no events), which leave every
    /// chain unverified.
    pub fn chain(&self) -> Option<&str> {
        match self {
            Finding::Altered { chain, .. }
            | Finding::Missing { chain, .. }
            | Finding::Reordered { chain, .. }
            | Finding::CutOff { chain, .. }
            | Finding::Lost { chain, .. } => Some(chain),
            Finding::NoEvents | Finding::Unreadable { .. } => None,
        }
    }
}

/// A chain's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainSummary {
    /// Chain id.
    pub chain: String,
    /// Events present (distinct sequence numbers).
    pub events: u64,
    /// Highest sequence number present.
    pub last_seq: u64,
    /// Whether its end event is present.
    pub ended: bool,
}

/// The verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Events read.
    pub events: usize,
    /// Per chain, in order of first appearance.
    pub chains: Vec<ChainSummary>,
    /// Problems; empty means the log is complete and unaltered.
    pub findings: Vec<Finding>,
    /// Events delivered more than once (at-least-once delivery), not an error.
    pub duplicates: usize,
}

impl Verification {
    /// Whether nothing is missing or altered.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Verifier settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// When the log was collected (ns since the epoch): chains that did not
    /// end and are silent for over two checkpoint intervals before it are
    /// cut off. Default: the newest event's time.
    pub at: Option<u64>,
}

struct Seen {
    digest: String,
    prev: String,
    location: Location,
}

#[derive(Default)]
struct ChainState {
    order: usize,
    by_seq: BTreeMap<u64, Seen>,
    max_seen: Option<u64>,
    ended: bool,
    last_time: u64,
    interval_ms: Option<u64>,
    dropped: Vec<(u64, u64)>,
}

/// Verifies every chain in `events`.
pub fn verify(events: &Events, options: Options) -> Verification {
    let mut findings = Vec::new();
    for (location, why) in &events.unreadable {
        findings.push(Finding::Unreadable {
            at: location.to_string(),
            why: why.clone(),
        });
    }
    if events.records.is_empty() {
        findings.push(Finding::NoEvents);
    }
    let mut chains: HashMap<&str, ChainState> = HashMap::new();
    let mut witnesses = Vec::new();
    let mut duplicates = 0;
    let mut newest = 0;
    for record in &events.records {
        let event = &record.event;
        let next_order = chains.len();
        let chain = chains.entry(event.chain_id.as_str()).or_default();
        if chain.by_seq.is_empty() && chain.max_seen.is_none() {
            chain.order = next_order;
        }
        let digest = event.digest.clone().unwrap_or_default();
        if !record.intact {
            findings.push(Finding::Altered {
                chain: event.chain_id.clone(),
                seq: event.seq,
                at: record.location.to_string(),
                why: "its bytes do not hash to its digest".to_owned(),
            });
        }
        if let Some(seen) = chain.by_seq.get(&event.seq) {
            if seen.digest == digest && record.intact {
                duplicates += 1;
            } else if record.intact {
                findings.push(Finding::Altered {
                    chain: event.chain_id.clone(),
                    seq: event.seq,
                    at: record.location.to_string(),
                    why: format!(
                        "two different events claim this place (the other at {})",
                        seen.location
                    ),
                });
            }
            continue;
        }
        if let Some(max) = chain.max_seen.filter(|max| event.seq < *max) {
            findings.push(Finding::Reordered {
                chain: event.chain_id.clone(),
                seq: event.seq,
                at: record.location.to_string(),
                after: max,
            });
        }
        chain.max_seen = chain.max_seen.max(Some(event.seq));
        chain.by_seq.insert(
            event.seq,
            Seen {
                digest,
                prev: event.prev.clone(),
                location: record.location.clone(),
            },
        );
        chain.last_time = chain.last_time.max(event.time_unix_nano);
        newest = newest.max(event.time_unix_nano);
        if event.name == names::CHAIN_END {
            chain.ended = true;
        }
        if let Some(checkpoint) = &event.checkpoint {
            chain.interval_ms = Some(checkpoint.interval_ms);
            chain
                .dropped
                .extend(checkpoint.dropped_seqs.iter().map(|r| (r.first, r.last)));
            for witness in &checkpoint.witnessed {
                if witness.chain != event.chain_id {
                    witnesses.push((witness.clone(), record.location.clone()));
                }
            }
        }
    }

    let mut ordered: Vec<(&str, &ChainState)> = chains.iter().map(|(k, v)| (*k, v)).collect();
    ordered.sort_by_key(|(_, state)| state.order);
    let reference = options.at.unwrap_or(newest);
    let mut summaries = Vec::new();
    for (id, state) in &ordered {
        check_links(id, state, &mut findings);
        check_gaps(id, state, &mut findings);
        let last_seq = state.by_seq.keys().next_back().copied().unwrap_or(0);
        if !state.ended
            && let Some(interval) = state.interval_ms
        {
            let silent_ns = reference.saturating_sub(state.last_time);
            if silent_ns > interval.saturating_mul(2_000_000) {
                findings.push(Finding::CutOff {
                    chain: (*id).to_owned(),
                    last_present: last_seq,
                    evidence: format!(
                        "no event for {} s before the end of the log, though it checkpoints every {} s and never ended",
                        silent_ns / 1_000_000_000,
                        interval / 1_000
                    ),
                });
            }
        }
        summaries.push(ChainSummary {
            chain: (*id).to_owned(),
            events: state.by_seq.len() as u64,
            last_seq,
            ended: state.ended,
        });
    }
    check_witnesses(&chains, &witnesses, &mut findings);
    Verification {
        events: events.records.len(),
        chains: summaries,
        findings,
        duplicates,
    }
}

fn check_links(id: &str, state: &ChainState, findings: &mut Vec<Finding>) {
    let mut previous: Option<(u64, &Seen)> = None;
    for (seq, seen) in &state.by_seq {
        let expected = match previous {
            Some((p, before)) if p + 1 == *seq => Some(before.digest.as_str()),
            None if *seq == 0 => Some(GENESIS),
            _ => None,
        };
        if let Some(expected) = expected
            && seen.prev != expected
        {
            findings.push(Finding::Altered {
                chain: id.to_owned(),
                seq: *seq,
                at: seen.location.to_string(),
                why: if *seq == 0 {
                    "the chain's first event does not start from the genesis digest".to_owned()
                } else {
                    format!(
                        "its `prev` is not the digest of event {} (that event was replaced)",
                        seq - 1
                    )
                },
            });
        }
        previous = Some((*seq, seen));
    }
}

fn check_gaps(id: &str, state: &ChainState, findings: &mut Vec<Finding>) {
    let mut expected = 0;
    for seq in state.by_seq.keys() {
        if *seq > expected {
            push_missing(id, state, expected, seq - 1, findings);
        }
        expected = seq + 1;
    }
}

/// Reports `first..=last` missing, split into declared drops and the rest.
fn push_missing(id: &str, state: &ChainState, first: u64, last: u64, findings: &mut Vec<Finding>) {
    let mut start = first;
    while start <= last {
        let declared = |seq: u64| state.dropped.iter().any(|(a, b)| (*a..=*b).contains(&seq));
        let kind = declared(start);
        let mut end = start;
        while end < last && declared(end + 1) == kind {
            end += 1;
        }
        findings.push(Finding::Missing {
            chain: id.to_owned(),
            first: start,
            last: end,
            declared_dropped: kind,
        });
        start = end + 1;
    }
}

fn check_witnesses(
    chains: &HashMap<&str, ChainState>,
    witnesses: &[(aimsgate_engine::audit::Witness, Location)],
    findings: &mut Vec<Finding>,
) {
    // The highest witnessed head per chain is what matters.
    let mut highest: BTreeMap<&str, (&aimsgate_engine::audit::Witness, Location)> = BTreeMap::new();
    for (witness, location) in witnesses {
        let entry = highest
            .entry(witness.chain.as_str())
            .or_insert((witness, location.clone()));
        if witness.seq > entry.0.seq {
            *entry = (witness, location.clone());
        }
        if let Some(state) = chains.get(witness.chain.as_str())
            && let Some(seen) = state.by_seq.get(&witness.seq)
            && seen.digest != witness.digest
        {
            findings.push(Finding::Altered {
                chain: witness.chain.clone(),
                seq: witness.seq,
                at: seen.location.to_string(),
                why: format!(
                    "its digest differs from the one witnessed at {location} (the event was replaced)"
                ),
            });
        }
    }
    for (id, (witness, location)) in highest {
        match chains.get(id) {
            None => findings.push(Finding::Lost {
                chain: id.to_owned(),
                witnessed_seq: witness.seq,
                at: location.to_string(),
            }),
            Some(state) => {
                let last = state.by_seq.keys().next_back().copied().unwrap_or(0);
                if witness.seq > last {
                    findings.push(Finding::CutOff {
                        chain: id.to_owned(),
                        last_present: last,
                        evidence: format!(
                            "events {}..={} are missing: another chain witnessed seq {} at {location}",
                            last + 1,
                            witness.seq,
                            witness.seq
                        ),
                    });
                }
            }
        }
    }
}

/// One finding as a line of text (`MISSING  chain … seq …`).
pub fn finding_line(finding: &Finding) -> String {
    match finding {
        Finding::Altered {
            chain,
            seq,
            at,
            why,
        } => {
            format!("ALTERED  chain {chain} seq {seq} ({at}): {why}")
        }
        Finding::Missing {
            chain,
            first,
            last,
            declared_dropped,
        } => {
            let which = if first == last {
                format!("seq {first}")
            } else {
                format!("seq {first}..={last}")
            };
            let why = if *declared_dropped {
                "dropped by the filter when its collector buffer was full (counted)"
            } else {
                "not in the log"
            };
            format!("MISSING  chain {chain} {which}: {why}")
        }
        Finding::Reordered {
            chain,
            seq,
            at,
            after,
        } => format!("REORDERED chain {chain} seq {seq} ({at}) comes after seq {after}"),
        Finding::CutOff {
            chain,
            last_present,
            evidence,
        } => format!("CUT OFF  chain {chain} after seq {last_present}: {evidence}"),
        Finding::Lost {
            chain,
            witnessed_seq,
            at,
        } => format!(
            "LOST     chain {chain}: no event in the log, though witnessed up to seq {witnessed_seq} ({at})"
        ),
        Finding::Unreadable { at, why } => format!("UNREADABLE {at}: {why}"),
        Finding::NoEvents => {
            "NO EVENTS the input holds no aimsgate audit event: nothing is evidenced".to_owned()
        }
    }
}

/// The verdict as text, one finding per line.
pub fn to_text(verification: &Verification) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for finding in &verification.findings {
        let line = finding_line(finding);
        let _ = writeln!(out, "{line}");
    }
    let status = if verification.ok() {
        "intact"
    } else {
        "NOT intact"
    };
    let _ = writeln!(
        out,
        "{} events in {} chain(s): {status}{}",
        verification.events,
        verification.chains.len(),
        if verification.duplicates > 0 {
            format!(
                " ({} delivered twice, counted once)",
                verification.duplicates
            )
        } else {
            String::new()
        }
    );
    out
}
