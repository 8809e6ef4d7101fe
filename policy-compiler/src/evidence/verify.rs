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
//!   intervals before the reference time (`--at`, default now): **cut off**.
//!
//! Given the keys checkpoints are signed with (`--key`):
//!
//! - a chain event (start, checkpoint, end) unsigned, or signed by another
//!   key, or whose signature does not match its bytes: **bad signature**;
//! - events no validly signed event of their chain comes after, once two
//!   checkpoint intervals have passed: **unsigned** (forged, or re-sealed
//!   by someone without the key).
//!
//! Given the timestamp authority's certificate (`--tsa-cert`):
//!
//! - an anchor whose token does not check, or stamps other heads than it
//!   lists: **bad anchor**;
//! - events no checked anchor covers within the allowed delay (one
//!   checkpoint interval, two anchor intervals and 30 s, or
//!   `--max-anchor-delay`), once that delay has passed: **unanchored**
//!   (written, or rewritten, later than they claim).
//!
//! The same event twice (an at-least-once delivery retried) is reported
//! as a note, not an error.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aimsgate_engine::audit::{self, Anchor, GENESIS, Witness, names};
use aimsgate_engine::signing::{SignatureError, TrustedKeys};
use base64::Engine as _;
use serde::Serialize;

use super::read::{Events, Location};
use super::timestamp::TsaCertificate;

/// Anchor interval assumed for the allowed delay when the log holds no
/// anchor to read one from (the filter's default).
const DEFAULT_ANCHOR_INTERVAL_MS: u64 = 60_000;
/// Slack in the allowed anchor delay for the call and clock skew.
const ANCHOR_SLACK_NS: u64 = 30_000_000_000;
/// How far a proxy's clock may run ahead of the reference time, or back
/// within a chain (a clock step), before an event's date is a finding.
const CLOCK_SLACK_NS: u64 = 300_000_000_000;
/// The longest checkpoint or anchor interval the verifier allows for when
/// it sets its own delays; longer ones need `--max-anchor-delay`.
const MAX_INTERVAL_MS: u64 = 3_600_000;

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
    /// A chain event that is not signed by a trusted key, or whose
    /// signature does not match its bytes.
    BadSignature {
        /// Chain id.
        chain: String,
        /// Sequence number.
        seq: u64,
        /// Where.
        at: String,
        /// What is wrong.
        why: String,
    },
    /// Events after which their chain has no validly signed event.
    Unsigned {
        /// Chain id.
        chain: String,
        /// First.
        first: u64,
        /// Last (inclusive).
        last: u64,
    },
    /// An anchor whose timestamp token does not check.
    BadAnchor {
        /// Chain id of the checkpoint holding it.
        chain: String,
        /// Its sequence number.
        seq: u64,
        /// Where.
        at: String,
        /// What is wrong.
        why: String,
    },
    /// Events no checked anchor covers within the allowed delay.
    Unanchored {
        /// Chain id.
        chain: String,
        /// First.
        first: u64,
        /// Last (inclusive).
        last: u64,
        /// Why: none covers them, or the first came too late.
        why: String,
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
            | Finding::Lost { chain, .. }
            | Finding::BadSignature { chain, .. }
            | Finding::Unsigned { chain, .. }
            | Finding::BadAnchor { chain, .. }
            | Finding::Unanchored { chain, .. } => Some(chain),
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
    /// Signatures checked (`--key`): chain events whose signature verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed: Option<u64>,
    /// Anchors checked (`--tsa-cert`): tokens that verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchors: Option<u64>,
    /// Events too recent for a signed checkpoint or an anchor to be due
    /// over them yet: not findings, but not proven either.
    pub pending: u64,
    /// The reference time the check used (ns since the epoch).
    pub reference_unix_nano: u64,
}

impl Verification {
    /// Whether nothing is missing or altered.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Verifier settings.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// When the log was collected (ns since the epoch): chains that did not
    /// end and are silent for over two checkpoint intervals before it are
    /// cut off. Default: the newest event's time (the CLI passes now).
    pub at: Option<u64>,
    /// The keys chain events must be signed by; `None`: not checked.
    pub keys: Option<TrustedKeys>,
    /// The certificate anchors must be signed with; `None`: not checked.
    pub tsa: Option<TsaCertificate>,
    /// Longest an event may wait for an anchor (ns); `None`: one
    /// checkpoint interval, two anchor intervals and 30 s.
    pub max_anchor_delay: Option<u64>,
}

struct Seen {
    digest: String,
    prev: String,
    location: Location,
    time: u64,
}

/// An anchor as found, before its token is checked.
struct Found<'a> {
    anchor: &'a Anchor,
    chain: &'a str,
    seq: u64,
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
    /// Sequence numbers of chain events whose signature verified.
    signed: Vec<u64>,
    /// Checked anchors over this chain: (head seq, token time in ns).
    anchored: Vec<(u64, u64)>,
    /// Its end event is there, signed when keys are given: the chain
    /// ended cleanly, so its events after the last anchor could not be
    /// anchored any more.
    ended_authentic: bool,
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
    let mut found_anchors = Vec::new();
    let mut signed = 0;
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
                time: event.time_unix_nano,
            },
        );
        let own = [names::CHAIN_START, names::CHECKPOINT, names::CHAIN_END]
            .contains(&event.name.as_str());
        // Whether this event may say how often its chain checkpoints: a
        // chain's own event, and signed when keys are given (the intervals
        // set how long events may go unsigned, unanchored or silent, so a
        // forger must not choose them).
        let mut authentic = own && record.intact && options.keys.is_none();
        // The chain's own events must be signed; any other event may be
        // (an edge isolate signs each), and then its signature must hold.
        if let Some(keys) = options
            .keys
            .as_ref()
            .filter(|_| own || record.signed.is_some())
        {
            let checked = match &record.signed {
                None => Err("not signed".to_owned()),
                Some((signature, message)) => keys
                    .verify_text(signature, message.as_bytes())
                    .map_err(|e| signature_why(&e)),
            };
            match checked {
                Ok(_) if record.intact => {
                    chain.signed.push(event.seq);
                    signed += 1;
                    authentic = own;
                }
                // An altered event is reported as such already.
                Ok(_) => {}
                Err(why) => findings.push(Finding::BadSignature {
                    chain: event.chain_id.clone(),
                    seq: event.seq,
                    at: record.location.to_string(),
                    why,
                }),
            }
        }
        chain.last_time = chain.last_time.max(event.time_unix_nano);
        newest = newest.max(event.time_unix_nano);
        if event.name == names::CHAIN_END {
            chain.ended = true;
        }
        if authentic && event.name == names::CHAIN_END {
            chain.ended_authentic = true;
        }
        if let Some(checkpoint) = &event.checkpoint {
            if authentic && checkpoint.interval_ms > 0 {
                // The strictest the chain declared, at most an hour.
                let interval = checkpoint.interval_ms.min(MAX_INTERVAL_MS);
                chain.interval_ms = Some(chain.interval_ms.map_or(interval, |i| i.min(interval)));
            }
            chain
                .dropped
                .extend(checkpoint.dropped_seqs.iter().map(|r| (r.first, r.last)));
            for witness in &checkpoint.witnessed {
                if witness.chain != event.chain_id {
                    witnesses.push((witness.clone(), record.location.clone()));
                }
            }
            if let Some(anchor) = &checkpoint.anchor {
                // Anchored heads witness their chains too, checked or not.
                witnesses.extend(
                    anchor
                        .heads
                        .iter()
                        .map(|head| (head.clone(), record.location.clone())),
                );
                found_anchors.push(Found {
                    anchor,
                    chain: &event.chain_id,
                    seq: event.seq,
                    location: record.location.clone(),
                });
            }
        }
    }
    let mut anchor_interval: Option<u64> = None;
    let anchors = options.tsa.as_ref().map(|tsa| {
        check_anchors(
            tsa,
            &found_anchors,
            &mut chains,
            &mut anchor_interval,
            &mut findings,
        )
    });

    let mut ordered: Vec<(&str, &ChainState)> = chains.iter().map(|(k, v)| (*k, v)).collect();
    ordered.sort_by_key(|(_, state)| state.order);
    let reference = options.at.unwrap_or(newest);
    // The anchor interval the delay allows for: the strictest a checked
    // anchor states (its `interval_ms` is outside the stamped imprint, so
    // the largest would be the forger's choice), at most an hour.
    let anchor_interval_ms = anchor_interval
        .unwrap_or(DEFAULT_ANCHOR_INTERVAL_MS)
        .min(MAX_INTERVAL_MS);
    let mut summaries = Vec::new();
    let mut pending = 0;
    for (id, state) in &ordered {
        check_links(id, state, &mut findings);
        check_gaps(id, state, &mut findings);
        check_times(id, state, reference, &mut findings);
        // An event may be too recent for both: counted once.
        let mut recent = BTreeSet::new();
        if options.keys.is_some() {
            check_signed(id, state, reference, &mut recent, &mut findings);
        }
        if options.tsa.is_some() {
            let delay = options.max_anchor_delay.unwrap_or_else(|| {
                state
                    .interval_ms
                    .unwrap_or(0)
                    .saturating_add(anchor_interval_ms.saturating_mul(2))
                    .saturating_mul(1_000_000)
                    .saturating_add(ANCHOR_SLACK_NS)
            });
            check_anchored(id, state, reference, delay, &mut recent, &mut findings);
        }
        pending += recent.len() as u64;
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
        signed: options.keys.is_some().then_some(signed),
        anchors,
        pending,
        reference_unix_nano: reference,
    }
}

/// Reports events dated after the reference time (beyond the clock slack):
/// no signature or anchor can be due over an event from the future, so
/// such dates would hide forged events as merely recent. And events dated
/// well before the event they follow: a chain is written in time order.
fn check_times(id: &str, state: &ChainState, reference: u64, findings: &mut Vec<Finding>) {
    let mut previous: Option<u64> = None;
    for (seq, seen) in &state.by_seq {
        let why = if seen.time > reference.saturating_add(CLOCK_SLACK_NS) {
            Some(format!(
                "dated {} s after the reference time (the log's collection, or now)",
                (seen.time - reference) / 1_000_000_000
            ))
        } else if previous.is_some_and(|p| seen.time.saturating_add(CLOCK_SLACK_NS) < p) {
            Some(
                "dated well before the event it follows: a chain is written in time order"
                    .to_owned(),
            )
        } else if let (Some(p), Some(interval)) = (previous, state.interval_ms)
            && seen.time.saturating_sub(p)
                > interval
                    .saturating_mul(2_000_000)
                    .saturating_add(CLOCK_SLACK_NS)
        {
            // A chain that checkpoints on the proxy's tick is never silent
            // for long; a long silence inside it means events are missing
            // and the rest was re-dated (or the proxy was stopped).
            Some(format!(
                "dated {} s after the event before it, though the chain checkpoints every {} s: \
                 events are missing and the rest re-dated, or the proxy was stopped",
                (seen.time - p) / 1_000_000_000,
                interval / 1_000
            ))
        } else {
            None
        };
        if let Some(why) = why {
            findings.push(Finding::Altered {
                chain: id.to_owned(),
                seq: *seq,
                at: seen.location.to_string(),
                why,
            });
        }
        previous = Some(previous.map_or(seen.time, |p| p.max(seen.time)));
    }
}

fn signature_why(error: &SignatureError) -> String {
    match error {
        SignatureError::Unsigned => "not signed".to_owned(),
        SignatureError::UnknownKey(id) => format!("signed by key {id}, which is not given"),
        SignatureError::Altered(id) => {
            format!("its signature by key {id} does not match its bytes (altered, then re-sealed)")
        }
        SignatureError::Malformed(why) => format!("its signature cannot be read: {why}"),
    }
}

/// Checks each anchor's token; records the checked ones on the chains
/// whose heads they stamp. Returns how many checked.
fn check_anchors(
    tsa: &TsaCertificate,
    found: &[Found<'_>],
    chains: &mut HashMap<&str, ChainState>,
    interval: &mut Option<u64>,
    findings: &mut Vec<Finding>,
) -> u64 {
    let mut checked = 0;
    for found in found {
        let bad = |why: String| Finding::BadAnchor {
            chain: found.chain.to_owned(),
            seq: found.seq,
            at: found.location.to_string(),
            why,
        };
        let stamp = base64::engine::general_purpose::STANDARD
            .decode(&found.anchor.token)
            .map_err(|_| "its token is not base64".to_owned())
            .and_then(|token| tsa.check(&token));
        let stamp = match stamp {
            Ok(stamp) => stamp,
            Err(why) => {
                findings.push(bad(why));
                continue;
            }
        };
        if stamp.imprint != audit::imprint(&found.anchor.heads) {
            findings.push(bad(
                "the token stamps other heads than the checkpoint lists".to_owned(),
            ));
            continue;
        }
        checked += 1;
        if found.anchor.interval_ms > 0 {
            *interval = Some(interval.map_or(found.anchor.interval_ms, |i| {
                i.min(found.anchor.interval_ms)
            }));
        }
        let time = stamp.time.saturating_mul(1_000_000_000);
        for Witness { chain, seq, .. } in &found.anchor.heads {
            if let Some(state) = chains.get_mut(chain.as_str()) {
                state.anchored.push((*seq, time));
            }
        }
    }
    checked
}

/// Reports events of `state` no validly signed event comes after, once
/// two checkpoint intervals have passed since them; adds those too recent
/// to tell to `recent`.
fn check_signed(
    id: &str,
    state: &ChainState,
    reference: u64,
    recent: &mut BTreeSet<u64>,
    findings: &mut Vec<Finding>,
) {
    let last_signed = state.signed.iter().max().copied();
    let grace = state.interval_ms.unwrap_or(0).saturating_mul(2_000_000);
    let mut uncovered = Vec::new();
    for (seq, seen) in &state.by_seq {
        if last_signed.is_some_and(|last| last >= *seq) {
            continue;
        }
        if reference.saturating_sub(seen.time) <= grace {
            recent.insert(*seq);
        } else {
            uncovered.push(*seq);
        }
    }
    for (first, last) in ranges(&uncovered) {
        findings.push(Finding::Unsigned {
            chain: id.to_owned(),
            first,
            last,
        });
    }
}

/// Reports events of `state` no checked anchor covers within `delay` ns
/// of their time, once `delay` has passed since them; adds those too
/// recent to tell to `recent`.
fn check_anchored(
    id: &str,
    state: &ChainState,
    reference: u64,
    delay: u64,
    recent: &mut BTreeSet<u64>,
    findings: &mut Vec<Finding>,
) {
    // The earliest anchor over each seq: the minimum time among anchors
    // of that head or a later one.
    let mut anchored = state.anchored.clone();
    anchored.sort_unstable();
    let mut earliest = vec![u64::MAX; anchored.len()];
    let mut min = u64::MAX;
    for (i, (_, time)) in anchored.iter().enumerate().rev() {
        min = min.min(*time);
        earliest[i] = min;
    }
    let mut none = Vec::new();
    let mut late = Vec::new();
    let last_anchored = anchored.last().map(|(head, _)| *head);
    for (seq, seen) in &state.by_seq {
        let at = anchored.partition_point(|(head, _)| head < seq);
        let first = earliest.get(at).copied();
        // The tail after the last anchor of a chain that ended cleanly,
        // within the delay before its last event, or of a chain that does
        // not checkpoint periodically (an edge isolate, evicted without
        // notice): no anchor could come any more. Not proven, not refuted.
        // A chain never anchored at all gets no such allowance: an operator
        // could make one up, backdated, whole.
        let ended_tail = (state.ended_authentic || state.interval_ms.is_none())
            && last_anchored.is_some_and(|last| *seq > last)
            && state.last_time.saturating_sub(seen.time) <= delay;
        match first {
            Some(time) if time <= seen.time.saturating_add(delay) => {}
            None if ended_tail => {
                recent.insert(*seq);
            }
            _ if reference.saturating_sub(seen.time) <= delay => {
                recent.insert(*seq);
            }
            Some(_) => late.push(*seq),
            None => none.push(*seq),
        }
    }
    for (first, last) in ranges(&none) {
        findings.push(Finding::Unanchored {
            chain: id.to_owned(),
            first,
            last,
            why: "no checked anchor covers them".to_owned(),
        });
    }
    for (first, last) in ranges(&late) {
        findings.push(Finding::Unanchored {
            chain: id.to_owned(),
            first,
            last,
            why: format!(
                "first anchored over {} s after their time: they were written, or rewritten, later than they claim",
                delay / 1_000_000_000
            ),
        });
    }
}

/// Runs of consecutive numbers in sorted `seqs`.
fn ranges(seqs: &[u64]) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for seq in seqs {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == *seq => *last = *seq,
            _ => out.push((*seq, *seq)),
        }
    }
    out
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
            let which = seqs(*first, *last);
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
        Finding::BadSignature {
            chain,
            seq,
            at,
            why,
        } => format!("BAD SIGNATURE chain {chain} seq {seq} ({at}): {why}"),
        Finding::Unsigned { chain, first, last } => format!(
            "UNSIGNED chain {chain} {}: no validly signed checkpoint of the chain comes after them (forged, or re-sealed without the key)",
            seqs(*first, *last)
        ),
        Finding::BadAnchor {
            chain,
            seq,
            at,
            why,
        } => format!("BAD ANCHOR chain {chain} seq {seq} ({at}): {why}"),
        Finding::Unanchored {
            chain,
            first,
            last,
            why,
        } => format!("UNANCHORED chain {chain} {}: {why}", seqs(*first, *last)),
        Finding::Unreadable { at, why } => format!("UNREADABLE {at}: {why}"),
        Finding::NoEvents => {
            "NO EVENTS the input holds no aimsgate audit event: nothing is evidenced".to_owned()
        }
    }
}

/// What a verdict rests on, in a sentence: `hash chains, checkpoint
/// signatures (12 checked) and RFC 3161 anchors (3 checked); 4 event(s)
/// too recent to be covered yet`.
pub fn checks_text(verification: &Verification) -> String {
    let mut checks = vec!["hash chains".to_owned()];
    match verification.signed {
        Some(n) => checks.push(format!("checkpoint signatures ({n} checked)")),
        None => checks.push("no checkpoint signatures (no key given)".to_owned()),
    }
    match verification.anchors {
        Some(n) => checks.push(format!("RFC 3161 anchors ({n} checked)")),
        None => checks.push("no timestamp anchors (no TSA certificate given)".to_owned()),
    }
    let mut text = checks.join(", ");
    if verification.pending > 0 {
        text.push_str(&format!(
            "; {} event(s) too recent to be covered yet",
            verification.pending
        ));
    }
    text
}

/// `seq 3` or `seq 3..=7`.
fn seqs(first: u64, last: u64) -> String {
    if first == last {
        format!("seq {first}")
    } else {
        format!("seq {first}..={last}")
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
    if let Some(signed) = verification.signed {
        let _ = writeln!(out, "signatures: {signed} event(s) signed by a given key");
    }
    if let Some(anchors) = verification.anchors {
        let _ = writeln!(out, "anchors: {anchors} timestamp token(s) checked");
    }
    if verification.pending > 0 {
        let _ = writeln!(
            out,
            "{} event(s) too recent to be covered yet (no signed checkpoint or anchor is due over them)",
            verification.pending
        );
    }
    out
}
