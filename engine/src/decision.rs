//! Rule evaluation: from detector hits and request facts to one decision.
//!
//! Rules never see text. They see [`Hit`]s (detector, segment, span) and
//! [`Facts`] (model, tools, headers, route, sizes, usage), which is what
//! keeps matched text out of everything a decision produces: audit events,
//! logs and error bodies are built from decisions alone.
//!
//! How actions combine: a `block` that fires in enforce mode wins and stops
//! nothing else from being *recorded* (every rule is still evaluated, so the
//! evidence shows every control that applied). Redactions and caps
//! accumulate; the strongest applied action names the [`Outcome`].
//! Monitor-mode rules record what they would have done and apply nothing.

use std::collections::HashMap;
use std::ops::Range;

use serde::Serialize;

use crate::codec::{Role, Segment};
use crate::ruleset::{
    Action, BudgetScope, BudgetSpec, BudgetUnit, Condition, Mode, Phase, RouteSpec, RuleSet,
    RuleSpec, Severity,
};

/// The overall result of inspecting one phase, strongest applied action
/// first in this order: block > redact > cap > flag > monitor > allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// No rule fired.
    Allow,
    /// Only monitor-mode rules fired: nothing was applied.
    Monitor,
    /// A flag or add-header rule fired; the exchange passes, marked.
    Flag,
    /// The output-token cap was lowered or inserted.
    Cap,
    /// Matches were masked.
    Redact,
    /// The exchange was refused.
    Block,
}

impl Outcome {
    /// Lower-case name, as in the `x-aimsgate-decision` header.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Monitor => "monitor",
            Outcome::Flag => "flag",
            Outcome::Cap => "cap",
            Outcome::Redact => "redact",
            Outcome::Block => "block",
        }
    }
}

/// One detector match in one segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// Index of the detector.
    pub detector: u32,
    /// For a phrase detector, the signal that matched; 0 otherwise.
    pub signal: u32,
    /// Index of the segment in the decoded body.
    pub segment: u32,
    /// Role of the segment.
    pub role: Role,
    /// Message index of the segment.
    pub message_index: u32,
    /// Byte span in the segment's decoded text.
    pub span: Range<usize>,
    /// The decodings that revealed it, when it was found in encoded text
    /// (`encoded:base64`); the span is then the encoded run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<crate::detect::encoded::Encodings>,
}

/// A rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fired {
    /// Index of the rule.
    pub rule: u32,
    /// Its mode.
    pub mode: Mode,
    /// Its action's name.
    pub action: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// Whether the action was applied (enforce mode and not superseded).
    pub applied: bool,
    /// Indices into [`Decision::hits`] that made it fire.
    pub hits: Vec<u32>,
}

/// Why an exchange was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum BlockReason {
    /// A rule's block action.
    Rule {
        /// Index of the rule.
        rule: u32,
    },
    /// The route belongs to a retired AI system.
    RetiredSystem {
        /// System id.
        system: String,
    },
    /// A governed host was asked for a path no route knows.
    UnknownPath,
    /// The body could not be inspected (too large, undecodable…).
    Uninspectable {
        /// What was wrong, without content.
        reason: String,
    },
}

/// A refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    /// Why.
    pub reason: BlockReason,
    /// HTTP status to answer with.
    pub status: u16,
    /// Message for the client (never matched text).
    pub message: String,
    /// Seconds until a usage budget's window resets, for `retry-after`.
    pub retry_after: Option<u64>,
}

/// One span to mask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redaction {
    /// Segment index.
    pub segment: u32,
    /// Byte span in the segment's decoded text.
    pub span: Range<usize>,
    /// Replacement text.
    pub mask: String,
}

/// The decision for one phase of one exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Request or response.
    pub phase: Phase,
    /// The strongest applied action.
    pub outcome: Outcome,
    /// Every detector match relevant to a rule of this phase.
    pub hits: Vec<Hit>,
    /// Every rule that fired, applied or not.
    pub fired: Vec<Fired>,
    /// The refusal, when the outcome is [`Outcome::Block`].
    pub block: Option<Block>,
    /// Headers to add.
    pub headers: Vec<(String, String)>,
    /// New output-token cap to write into the request.
    pub cap_max_tokens: Option<u64>,
    /// Spans to mask.
    pub redactions: Vec<Redaction>,
    /// The engine's own reason the decision is what it is besides the
    /// rules (`decode_limit`); the audit event's `aimsgate.code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// For a response: the model that answered, as the response names it
    /// (see [`judge_responding_model`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_model: Option<String>,
}

impl Decision {
    /// A decision of no rules for `phase`.
    pub fn allow(phase: Phase) -> Decision {
        Decision {
            phase,
            outcome: Outcome::Allow,
            hits: Vec::new(),
            fired: Vec::new(),
            block: None,
            headers: Vec::new(),
            cap_max_tokens: None,
            redactions: Vec::new(),
            code: None,
            response_model: None,
        }
    }

    /// A refusal that no rule made (retired system, unknown path, body that
    /// cannot be inspected).
    pub fn refuse(phase: Phase, reason: BlockReason, status: u16, message: String) -> Decision {
        let mut decision = Decision::allow(phase);
        decision.outcome = Outcome::Block;
        decision.block = Some(Block {
            reason,
            status,
            message,
            retry_after: None,
        });
        decision
    }

    /// Control ids of every applied or monitored rule that fired, sorted
    /// and deduplicated.
    pub fn controls<'r>(&self, ruleset: &'r RuleSet) -> Vec<&'r str> {
        let mut controls: Vec<&str> = self
            .fired
            .iter()
            .filter_map(|f| ruleset.rules.get(f.rule as usize))
            .flat_map(|r| r.controls.iter().map(String::as_str))
            .collect();
        controls.sort_unstable();
        controls.dedup();
        controls
    }
}

/// Counts usage per caller and window; the filter keeps it in proxy-wasm
/// shared data, the CLI in memory.
pub trait UsageLedger {
    /// Adds `amount` to the counter `key` for the window starting at
    /// `window_start` (seconds) and returns the new total.
    fn add(&mut self, key: &str, window_start: u64, amount: u64) -> u64;
}

/// An in-memory ledger.
#[derive(Debug, Default, Clone)]
pub struct MemoryLedger {
    counters: HashMap<String, (u64, u64)>,
}

/// The totals a ledger returned for one request, kept so the request can
/// be evaluated again (after a classifier's answer) without being charged
/// twice: [`Charged::recording`] wraps the real ledger for the first
/// evaluation, and the `Charged` itself answers the second with the same
/// totals.
#[derive(Debug, Default, Clone)]
pub struct Charged {
    totals: Vec<(String, u64)>,
}

/// A ledger that charges another and remembers what it answered.
struct Recording<'a> {
    ledger: &'a mut dyn UsageLedger,
    charged: &'a mut Charged,
}

impl UsageLedger for Recording<'_> {
    fn add(&mut self, key: &str, window_start: u64, amount: u64) -> u64 {
        let total = self.ledger.add(key, window_start, amount);
        self.charged.totals.push((key.to_owned(), total));
        total
    }
}

impl Charged {
    /// `ledger`, with every total it returns remembered here.
    pub fn recording<'a>(&'a mut self, ledger: &'a mut dyn UsageLedger) -> impl UsageLedger + 'a {
        Recording {
            ledger,
            charged: self,
        }
    }
}

impl UsageLedger for Charged {
    /// The total recorded for `key`; one never charged (which the same
    /// rules on the same request do not ask for) counts as this request
    /// alone.
    fn add(&mut self, key: &str, _window_start: u64, amount: u64) -> u64 {
        self.totals
            .iter()
            .find(|(k, _)| k == key)
            .map_or(amount, |(_, total)| *total)
    }
}

/// Callers a [`MemoryLedger`] keeps before it forgets those counted in an
/// older window (a flood of new caller ids must not grow it without end).
const MEMORY_LEDGER_KEYS: usize = 65_536;

impl UsageLedger for MemoryLedger {
    fn add(&mut self, key: &str, window_start: u64, amount: u64) -> u64 {
        if self.counters.len() >= MEMORY_LEDGER_KEYS && !self.counters.contains_key(key) {
            self.counters
                .retain(|_, (window, _)| *window >= window_start);
        }
        let entry = self
            .counters
            .entry(key.to_owned())
            .or_insert((window_start, 0));
        if entry.0 != window_start {
            *entry = (window_start, 0);
        }
        entry.1 = entry.1.saturating_add(amount);
        entry.1
    }
}

/// What conditions other than detector hits look at.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Host of the request, port removed.
    pub host: &'a str,
    /// Request headers, names lower-case.
    pub headers: &'a [(String, String)],
    /// The route that governs the exchange.
    pub route: Option<&'a RouteSpec>,
    /// The route's provider.
    pub provider: Option<&'a str>,
    /// The model the request names.
    pub model: Option<&'a str>,
    /// Tools declared and called.
    pub tools: &'a [String],
    /// The request's output-token cap.
    pub max_tokens: Option<u64>,
    /// Caller's user id.
    pub user: Option<&'a str>,
    /// Caller's group.
    pub group: Option<&'a str>,
    /// Seconds since the Unix epoch.
    pub now_secs: u64,
    /// Whether the API has an output-token cap (embeddings have none, so
    /// a missing cap there is not "over").
    pub caps_output: bool,
    /// Only text is known (`explain --text`, `scan` of text lines): rules
    /// that name no detector are skipped, and conditions on request facts
    /// are false rather than judged on facts that are merely absent.
    pub text_only: bool,
    /// In a stream, the bytes of model text so far: its segments hold only
    /// the window still being inspected, so sizes are counted here.
    pub stream_bytes: Option<usize>,
}

impl Facts<'_> {
    /// A header's value; an empty or blank one counts as absent (an empty
    /// `x-user-id` identifies nobody).
    fn header(&self, name: &str) -> Option<&str> {
        crate::codec::header(self.headers, name).filter(|v| !v.trim().is_empty())
    }
}

/// Estimated tokens of a text: one per four bytes, rounded up — the usual
/// rule of thumb for English with BPE tokenizers; good enough for limits,
/// and it never undercounts dense non-English text by much more than 2×.
pub fn estimate_tokens(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(4)
}

/// Evaluates the rules `rule_ids` of `ruleset` for `phase`.
///
/// `matches` are the scanner's matches per segment (same order as
/// `segments`). Budgets referenced by the rules are charged once each,
/// before evaluation, whether or not the rule fires: a budget counts usage,
/// not violations.
pub fn evaluate(
    ruleset: &RuleSet,
    rule_ids: &[u32],
    phase: Phase,
    segments: &[Segment],
    matches: &[Vec<crate::detect::Match>],
    facts: &Facts<'_>,
    ledger: &mut dyn UsageLedger,
) -> Decision {
    let mut decision = Decision::allow(phase);
    let rules: Vec<(u32, &RuleSpec)> = rule_ids
        .iter()
        .filter_map(|&i| ruleset.rules.get(i as usize).map(|r| (i, r)))
        .filter(|(_, r)| r.phase.covers(phase))
        .filter(|(_, r)| !facts.text_only || mentions_detector(&r.when))
        .collect();
    if rules.is_empty() {
        return decision;
    }

    // Hits, once, for every detector of every segment.
    for (segment_index, (segment, found)) in segments.iter().zip(matches).enumerate() {
        for m in found {
            decision.hits.push(Hit {
                detector: m.detector,
                signal: m.signal,
                segment: segment_index as u32,
                role: segment.role,
                message_index: segment.message_index,
                span: m.span.clone(),
                encoding: None,
            });
        }
    }

    let budgets = if phase == Phase::Request {
        charge_budgets(&rules, segments, facts, ledger)
    } else {
        HashMap::new()
    };
    let context = EvalContext {
        detectors: &ruleset.detectors,
        segments,
        hits: &decision.hits,
        facts,
        budgets: &budgets,
    };

    let mut fired = Vec::new();
    for (index, rule) in &rules {
        let mut rule_hits = Vec::new();
        if context.holds(&rule.when, rule.roles, &mut rule_hits) {
            rule_hits.sort_unstable();
            rule_hits.dedup();
            fired.push((*index, *rule, rule_hits));
        }
    }
    apply(&mut decision, ruleset, fired, &budgets);
    decision
}

struct EvalContext<'a> {
    detectors: &'a [crate::ruleset::DetectorSpec],
    segments: &'a [Segment],
    hits: &'a [Hit],
    facts: &'a Facts<'a>,
    budgets: &'a HashMap<String, BudgetState>,
}

#[derive(Debug, Clone, Copy)]
struct BudgetState {
    total: u64,
    limit: u64,
    retry_after: u64,
}

fn role_allowed(roles: u8, role: Role) -> bool {
    roles == 0 || roles & role.bit() != 0
}

impl EvalContext<'_> {
    /// Adds the indices of `detector`'s hits in text of `roles` to `hits`;
    /// returns where the added ones start.
    fn collect(&self, detector: u32, roles: u8, hits: &mut Vec<u32>) -> usize {
        let before = hits.len();
        hits.extend(
            self.hits
                .iter()
                .enumerate()
                .filter(|(_, h)| h.detector == detector && role_allowed(roles, h.role))
                .map(|(i, _)| i as u32),
        );
        before
    }

    /// Evaluates `condition`; collects the hits that made detector
    /// conditions true (outside `not`) into `hits`.
    fn holds(&self, condition: &Condition, roles: u8, hits: &mut Vec<u32>) -> bool {
        match condition {
            Condition::All(all) => {
                let mut mine = Vec::new();
                let ok = all.iter().all(|c| self.holds(c, roles, &mut mine));
                if ok {
                    hits.extend(mine);
                }
                ok
            }
            Condition::Any(any) => {
                let mut ok = false;
                // No short-circuit: every true branch contributes its hits,
                // so a redaction masks everything the rule names.
                for c in any {
                    ok |= self.holds(c, roles, hits);
                }
                ok
            }
            Condition::Not(inner) => !self.holds(inner, roles, &mut Vec::new()),
            Condition::Detector {
                detector,
                min_count,
            } => {
                let before = self.collect(*detector, roles, hits);
                let count = hits.len() - before;
                if count < (*min_count).max(1) as usize {
                    hits.truncate(before);
                    false
                } else {
                    true
                }
            }
            Condition::Score {
                detector,
                min_score,
            } => {
                let Some(crate::ruleset::DetectorKind::Phrases { signals }) =
                    self.detectors.get(*detector as usize).map(|d| &d.kind)
                else {
                    return false;
                };
                let before = self.collect(*detector, roles, hits);
                let found = hits[before..].iter().map(|&i| self.hits[i as usize].signal);
                let score = crate::detect::phrases::weigh(signals, found);
                if score < u64::from((*min_score).max(1)) {
                    hits.truncate(before);
                    false
                } else {
                    true
                }
            }
            Condition::Always => true,
            _ if self.facts.text_only => false,
            Condition::ModelNotIn(models) => match self.facts.model {
                Some(model) => !models.iter().any(|m| model_matches(m, model)),
                None => true,
            },
            Condition::ProviderNotIn(providers) => match self.facts.provider {
                Some(p) => !providers.iter().any(|x| x.eq_ignore_ascii_case(p)),
                None => true,
            },
            Condition::HostNotIn(hosts) => !hosts.iter().any(|h| host_matches(h, self.facts.host)),
            Condition::ToolIn(tools) => self.facts.tools.iter().any(|t| tools.contains(t)),
            Condition::ToolNotIn(tools) => self.facts.tools.iter().any(|t| !tools.contains(t)),
            Condition::PromptBytesOver(limit) => self.text_bytes(roles) as u64 > *limit,
            Condition::TokensOver(limit) => estimate_tokens(self.text_bytes(roles)) > *limit,
            Condition::MaxTokensOver(limit) => match self.facts.max_tokens {
                Some(m) => m > *limit,
                None => self.facts.caps_output,
            },
            Condition::HeaderMissing(name) => self.facts.header(name).is_none(),
            Condition::HeaderEquals { name, value } => {
                self.facts.header(name) == Some(value.as_str())
            }
            Condition::Route(ids) => self.facts.route.is_some_and(|r| ids.contains(&r.id)),
            Condition::Budget(budget) => self
                .budgets
                .get(&budget.id)
                .is_some_and(|state| state.total > state.limit),
        }
    }

    fn text_bytes(&self, roles: u8) -> usize {
        if let Some(bytes) = self.facts.stream_bytes {
            return if role_allowed(roles, Role::Assistant) {
                bytes
            } else {
                0
            };
        }
        self.segments
            .iter()
            .filter(|s| role_allowed(roles, s.role))
            .map(|s| s.text.len())
            .sum()
    }
}

/// `gpt-4o*` matches by prefix, anything else exactly: how `model_not_in`
/// (and the supplier register it is compiled from) reads a model list.
pub fn model_matches(pattern: &str, model: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => model.starts_with(prefix),
        None => pattern == model,
    }
}

/// Host patterns: exact (case-insensitive) or `*.example.com` for
/// sub-domains.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        // Compared as bytes: a host from the wire may hold any UTF-8, and
        // slicing it as a str at a computed offset could split a character.
        Some(suffix) => {
            let (host, suffix) = (host.as_bytes(), suffix.as_bytes());
            host.len() > suffix.len() + 1
                && host[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
                && host[host.len() - suffix.len() - 1] == b'.'
        }
        None => pattern.eq_ignore_ascii_case(host),
    }
}

/// Judges the model that answered by the request rules that judge models
/// (`model_not_in`), so that one list of approved models (the supplier
/// register's) holds for what was asked and for what answered: a provider
/// that silently serves another model than the one approved (ISO/IEC 42001
/// A.10.3) is seen. `facts.model` is the responding model.
///
/// A model rule that fires on it is recorded on the response `decision`
/// as a flag — never a block or a rewrite: the answer exists by then, and
/// the request was judged on the model asked for — and the decision
/// remembers the model. Without a named model nothing is judged.
pub fn judge_responding_model(
    ruleset: &RuleSet,
    rule_ids: &[u32],
    facts: &Facts<'_>,
    decision: &mut Decision,
) {
    let Some(model) = facts.model else {
        return;
    };
    decision.response_model = Some(model.to_owned());
    let model_rules: Vec<u32> = rule_ids
        .iter()
        .copied()
        .filter(|&i| {
            ruleset
                .rules
                .get(i as usize)
                .is_some_and(|rule| rule.phase.covers(Phase::Request) && rule.when.judges_model())
        })
        .collect();
    if model_rules.is_empty() {
        return;
    }
    let judged = evaluate(
        ruleset,
        &model_rules,
        Phase::Request,
        &[],
        &[],
        facts,
        &mut MemoryLedger::default(),
    );
    for fired in judged.fired {
        if decision.fired.iter().any(|f| f.rule == fired.rule) {
            continue;
        }
        let applied = fired.mode == Mode::Enforce;
        decision.outcome = decision.outcome.max(if applied {
            Outcome::Flag
        } else {
            Outcome::Monitor
        });
        decision.fired.push(Fired {
            action: "flag",
            applied,
            hits: Vec::new(),
            ..fired
        });
    }
}

fn mentions_detector(condition: &Condition) -> bool {
    match condition {
        Condition::All(all) | Condition::Any(all) => all.iter().any(mentions_detector),
        Condition::Not(inner) => mentions_detector(inner),
        Condition::Detector { .. } | Condition::Score { .. } => true,
        _ => false,
    }
}

fn budgets_of(condition: &Condition, out: &mut Vec<BudgetSpec>) {
    match condition {
        Condition::All(all) | Condition::Any(all) => all.iter().for_each(|c| budgets_of(c, out)),
        Condition::Not(inner) => budgets_of(inner, out),
        Condition::Budget(budget) => out.push(budget.clone()),
        _ => {}
    }
}

fn charge_budgets(
    rules: &[(u32, &RuleSpec)],
    segments: &[Segment],
    facts: &Facts<'_>,
    ledger: &mut dyn UsageLedger,
) -> HashMap<String, BudgetState> {
    let mut specs = Vec::new();
    for (_, rule) in rules {
        budgets_of(&rule.when, &mut specs);
    }
    let mut states = HashMap::new();
    for budget in specs {
        if states.contains_key(&budget.id) {
            continue;
        }
        let who = match budget.per {
            BudgetScope::User => facts.user.unwrap_or("anonymous"),
            BudgetScope::Group => facts.group.unwrap_or("anonymous"),
            BudgetScope::Global => "*",
        };
        let window = budget.window_secs.max(1);
        let window_start = facts.now_secs - facts.now_secs % window;
        let amount = match budget.unit {
            BudgetUnit::Requests => 1,
            BudgetUnit::Tokens => {
                let prompt: usize = segments.iter().map(|s| s.text.len()).sum();
                estimate_tokens(prompt).saturating_add(facts.max_tokens.unwrap_or(0))
            }
        };
        let key = format!("{}|{}", budget.id, who);
        let total = ledger.add(&key, window_start, amount);
        states.insert(
            budget.id.clone(),
            BudgetState {
                total,
                limit: budget.limit,
                retry_after: window_start + window - facts.now_secs,
            },
        );
    }
    states
}

fn retry_after_of(condition: &Condition, budgets: &HashMap<String, BudgetState>) -> Option<u64> {
    match condition {
        Condition::All(all) | Condition::Any(all) => {
            all.iter().find_map(|c| retry_after_of(c, budgets))
        }
        Condition::Budget(b) => budgets
            .get(&b.id)
            .filter(|s| s.total > s.limit)
            .map(|s| s.retry_after),
        _ => None,
    }
}

fn apply(
    decision: &mut Decision,
    ruleset: &RuleSet,
    fired: Vec<(u32, &RuleSpec, Vec<u32>)>,
    budgets: &HashMap<String, BudgetState>,
) {
    let mut outcome = Outcome::Allow;
    // A response header that depends on the response body cannot be sent:
    // the head has gone out (or, on ngx_wasm_module, can no longer be
    // changed) by the time the body is read. Such a rule is recorded as
    // fired and not applied, never as a header the client did not get.
    let header_too_late =
        |rule: &RuleSpec| decision.phase == Phase::Response && rule.when.reads_response();
    for (index, rule, hits) in fired {
        let enforce = rule.mode == Mode::Enforce;
        let mut applied = enforce;
        if enforce {
            match &rule.action {
                Action::Block { status, message } => {
                    if decision.block.is_none() {
                        decision.block = Some(Block {
                            reason: BlockReason::Rule { rule: index },
                            status: *status,
                            message: message.clone(),
                            retry_after: retry_after_of(&rule.when, budgets),
                        });
                    } else {
                        // An earlier block already answers; this one is recorded.
                        applied = false;
                    }
                    outcome = outcome.max(Outcome::Block);
                }
                Action::Redact { mask } => {
                    for &h in &hits {
                        if let Some(hit) = decision.hits.get(h as usize) {
                            let detector = ruleset
                                .detectors
                                .get(hit.detector as usize)
                                .map_or("", |d| d.id.as_str());
                            decision.redactions.push(Redaction {
                                segment: hit.segment,
                                span: hit.span.clone(),
                                mask: expand_mask(mask, detector, &rule.id, hit.span.len()),
                            });
                        }
                    }
                    if !hits.is_empty() {
                        outcome = outcome.max(Outcome::Redact);
                    }
                }
                Action::Flag { header } => {
                    if let Some(h) = header {
                        if header_too_late(rule) {
                            applied = false;
                        } else {
                            decision.headers.push(h.clone());
                        }
                    }
                    outcome = outcome.max(Outcome::Flag);
                }
                Action::AddHeader { name, value } => {
                    if header_too_late(rule) {
                        applied = false;
                    } else {
                        decision.headers.push((name.clone(), value.clone()));
                    }
                    outcome = outcome.max(Outcome::Flag);
                }
                Action::CapMaxTokens { max } => {
                    let cap = decision.cap_max_tokens.map_or(*max, |c| c.min(*max));
                    decision.cap_max_tokens = Some(cap);
                    outcome = outcome.max(Outcome::Cap);
                }
            }
        } else {
            outcome = outcome.max(Outcome::Monitor);
        }
        decision.fired.push(Fired {
            rule: index,
            mode: rule.mode,
            action: rule.action.name(),
            severity: rule.severity,
            applied,
            hits,
        });
    }
    if outcome == Outcome::Block {
        decision.redactions.clear();
        decision.cap_max_tokens = None;
    }
    decision.outcome = outcome;
}

/// Expands a mask template. `{stars}` is one `*` per byte of the match
/// (at most 64); the matched text itself never appears.
pub fn expand_mask(template: &str, detector: &str, rule: &str, len: usize) -> String {
    template
        .replace("{detector}", detector)
        .replace("{rule}", rule)
        .replace("{stars}", &"*".repeat(len.min(64)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::SegmentKind;
    use crate::detect::Match;
    use crate::ruleset::{DetectorKind, DetectorSpec, ExceptionSpec};

    #[test]
    fn a_request_decided_again_after_a_classifier_answers_is_charged_once() {
        let mut ledger = MemoryLedger::default();
        let mut charged = Charged::default();
        assert_eq!(ledger.add("budget|u-1", 0, 1), 1);
        assert_eq!(charged.recording(&mut ledger).add("budget|u-1", 0, 1), 2);
        // The second evaluation sees the same total, and charges nothing.
        assert_eq!(charged.add("budget|u-1", 0, 1), 2);
        assert_eq!(ledger.add("budget|u-1", 0, 1), 3);
    }

    #[test]
    fn host_patterns_match_subdomains_and_never_split_characters() {
        assert!(host_matches("*.example.com", "api.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "evilexample.com"));
        assert!(host_matches("API.openai.com", "api.openai.com"));
        assert!(!host_matches("*.é.com", "aaé.com"));
        assert!(!host_matches("*.xé", "ééé"));
    }

    fn detector(id: &str) -> DetectorSpec {
        DetectorSpec {
            id: id.into(),
            kind: DetectorKind::Keywords {
                words: vec![id.into()],
                whole_word: true,
                case_insensitive: true,
            },
            validator: None,
            context: None,
            exceptions: ExceptionSpec::default(),
            max_match_len: None,
        }
    }

    fn rule(id: &str, when: Condition, action: Action) -> RuleSpec {
        RuleSpec {
            id: id.into(),
            description: String::new(),
            phase: Phase::Request,
            roles: 0,
            when,
            action,
            mode: Mode::Enforce,
            severity: Severity::Medium,
            controls: Vec::new(),
        }
    }

    fn monitored(rule: RuleSpec) -> RuleSpec {
        RuleSpec {
            mode: Mode::Monitor,
            ..rule
        }
    }

    fn found(detector: u32) -> Condition {
        Condition::Detector {
            detector,
            min_count: 1,
        }
    }

    fn block() -> Action {
        Action::Block {
            status: 403,
            message: "no".into(),
        }
    }

    fn redact() -> Action {
        Action::Redact {
            mask: "[REDACTED:{detector}]".into(),
        }
    }

    fn flag() -> Action {
        Action::Flag {
            header: Some(("x-flag".into(), "1".into())),
        }
    }

    fn ruleset(rules: Vec<RuleSpec>) -> RuleSet {
        RuleSet {
            detectors: vec![detector("email"), detector("card")],
            rules,
            ..RuleSet::bare(Vec::new())
        }
    }

    fn segment(role: Role, message_index: u32) -> Segment {
        Segment {
            role,
            message_index,
            kind: SegmentKind::Text,
            text: "0123456789".into(),
            raw: 0..0,
        }
    }

    fn hit(detector: u32, span: Range<usize>) -> Match {
        Match {
            detector,
            signal: 0,
            span,
        }
    }

    fn facts<'a>() -> Facts<'a> {
        Facts {
            host: "api.example.com",
            headers: &[],
            route: None,
            provider: None,
            model: Some("gpt-4o"),
            tools: &[],
            max_tokens: Some(100),
            user: None,
            group: None,
            now_secs: 1_000,
            caps_output: true,
            text_only: false,
            stream_bytes: None,
        }
    }

    /// Evaluates every rule of `rs` over one user segment holding
    /// `matches`.
    fn decide(rs: &RuleSet, matches: Vec<Match>, facts: &Facts<'_>) -> Decision {
        decide_rules(
            rs,
            &(0..rs.rules.len() as u32).collect::<Vec<_>>(),
            matches,
            facts,
        )
    }

    fn decide_rules(
        rs: &RuleSet,
        rules: &[u32],
        matches: Vec<Match>,
        facts: &Facts<'_>,
    ) -> Decision {
        evaluate(
            rs,
            rules,
            Phase::Request,
            &[segment(Role::User, 0)],
            &[matches],
            facts,
            &mut MemoryLedger::default(),
        )
    }

    #[test]
    fn monitor_mode_records_the_rule_but_applies_nothing() {
        let rs = ruleset(vec![
            monitored(rule("b", found(0), block())),
            monitored(rule("r", found(0), redact())),
        ]);
        let d = decide(&rs, vec![hit(0, 0..3)], &facts());
        assert_eq!(d.outcome, Outcome::Monitor);
        assert_eq!(d.block, None);
        assert!(d.redactions.is_empty());
        assert_eq!(d.fired.len(), 2);
        assert!(
            d.fired
                .iter()
                .all(|f| !f.applied && f.mode == Mode::Monitor)
        );
        assert_eq!(d.fired[0].hits, [0]);
    }

    #[test]
    fn strongest_applied_action_names_the_outcome() {
        assert!(Outcome::Block > Outcome::Redact);
        assert!(Outcome::Redact > Outcome::Cap);
        assert!(Outcome::Cap > Outcome::Flag);
        assert!(Outcome::Flag > Outcome::Monitor);
        assert!(Outcome::Monitor > Outcome::Allow);
        let rs = ruleset(vec![
            rule("block", found(0), block()),
            rule("redact", found(0), redact()),
            rule("cap", Condition::Always, Action::CapMaxTokens { max: 10 }),
            rule("flag", found(0), flag()),
            monitored(rule("monitor", found(0), block())),
        ]);
        let cases: [(&[u32], Outcome); 6] = [
            (&[4, 3, 2, 1, 0], Outcome::Block),
            (&[4, 3, 2, 1], Outcome::Redact),
            (&[4, 3, 2], Outcome::Cap),
            (&[4, 3], Outcome::Flag),
            (&[4], Outcome::Monitor),
            (&[], Outcome::Allow),
        ];
        for (rules, want) in cases {
            let d = decide_rules(&rs, rules, vec![hit(0, 0..3)], &facts());
            assert_eq!(d.outcome, want, "rules {rules:?}");
        }
    }

    #[test]
    fn a_block_drops_redactions_and_caps_but_records_every_rule() {
        let rs = ruleset(vec![
            rule("redact", found(0), redact()),
            rule("cap", Condition::Always, Action::CapMaxTokens { max: 10 }),
            rule("block", found(0), block()),
        ]);
        let d = decide(&rs, vec![hit(0, 0..3)], &facts());
        assert_eq!(d.outcome, Outcome::Block);
        assert_eq!(
            d.block.as_ref().unwrap().reason,
            BlockReason::Rule { rule: 2 }
        );
        assert!(d.redactions.is_empty());
        assert_eq!(d.cap_max_tokens, None);
        assert_eq!(d.fired.len(), 3);
    }

    #[test]
    fn the_first_block_answers_and_later_ones_are_recorded_unapplied() {
        let rs = ruleset(vec![
            rule("first", found(0), block()),
            rule(
                "second",
                found(0),
                Action::Block {
                    status: 451,
                    message: "later".into(),
                },
            ),
        ]);
        let d = decide(&rs, vec![hit(0, 0..3)], &facts());
        let block = d.block.unwrap();
        assert_eq!(
            (block.reason, block.status),
            (BlockReason::Rule { rule: 0 }, 403)
        );
        assert_eq!(
            d.fired.iter().map(|f| f.applied).collect::<Vec<_>>(),
            [true, false]
        );
    }

    #[test]
    fn rules_without_their_detector_hit_do_not_fire() {
        let rs = ruleset(vec![rule("b", found(1), block())]);
        let d = decide(&rs, vec![hit(0, 0..3)], &facts());
        assert_eq!(d.outcome, Outcome::Allow);
        assert!(d.fired.is_empty());
    }

    #[test]
    fn min_count_needs_that_many_hits() {
        let twice = Condition::Detector {
            detector: 0,
            min_count: 2,
        };
        let rs = ruleset(vec![rule("b", twice, block())]);
        assert_eq!(
            decide(&rs, vec![hit(0, 0..1)], &facts()).outcome,
            Outcome::Allow
        );
        let both = vec![hit(0, 0..1), hit(0, 5..6)];
        assert_eq!(decide(&rs, both, &facts()).outcome, Outcome::Block);
    }

    #[test]
    fn rules_of_the_other_phase_are_not_evaluated() {
        let response_only = RuleSpec {
            phase: Phase::Response,
            ..rule("b", found(0), block())
        };
        let rs = ruleset(vec![response_only]);
        assert_eq!(
            decide(&rs, vec![hit(0, 0..3)], &facts()).outcome,
            Outcome::Allow
        );
    }

    #[test]
    fn model_allow_list_matches_exactly_or_by_prefix() {
        let not_allowed = Condition::ModelNotIn(vec!["gpt-4o*".into(), "claude-3".into()]);
        let rs = ruleset(vec![rule("models", not_allowed, block())]);
        for (model, blocked) in [
            (Some("gpt-4o"), false),
            (Some("gpt-4o-mini"), false),
            (Some("claude-3"), false),
            (Some("claude-3-opus"), true),
            (Some("gpt-4"), true),
            (None, true),
        ] {
            let f = Facts { model, ..facts() };
            let d = decide(&rs, Vec::new(), &f);
            assert_eq!(d.outcome == Outcome::Block, blocked, "model {model:?}");
        }
    }

    #[test]
    fn header_conditions_look_at_request_headers() {
        let rs = ruleset(vec![
            rule(
                "no-user",
                Condition::HeaderMissing("x-user-id".into()),
                flag(),
            ),
            rule(
                "team",
                Condition::HeaderEquals {
                    name: "x-team".into(),
                    value: "red".into(),
                },
                flag(),
            ),
        ]);
        let fired = |headers: &[(String, String)]| -> Vec<u32> {
            let f = Facts { headers, ..facts() };
            decide(&rs, Vec::new(), &f)
                .fired
                .iter()
                .map(|f| f.rule)
                .collect()
        };
        let h = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        assert_eq!(fired(&[]), [0]);
        assert_eq!(fired(&[h("x-user-id", "u1")]), Vec::<u32>::new());
        assert_eq!(fired(&[h("x-user-id", "u1"), h("x-team", "red")]), [1]);
        assert_eq!(
            fired(&[h("x-user-id", "u1"), h("x-team", "blue")]),
            Vec::<u32>::new()
        );
    }

    #[test]
    fn max_tokens_cap_lowers_to_the_smallest_cap_and_counts_a_missing_cap() {
        let over = |n| Condition::MaxTokensOver(n);
        let rs = ruleset(vec![
            rule("cap-1000", over(1000), Action::CapMaxTokens { max: 1000 }),
            rule("cap-500", over(500), Action::CapMaxTokens { max: 500 }),
        ]);
        let cap = |max_tokens, caps_output| {
            let f = Facts {
                max_tokens,
                caps_output,
                ..facts()
            };
            let d = decide(&rs, Vec::new(), &f);
            (d.outcome, d.cap_max_tokens)
        };
        assert_eq!(cap(Some(4000), true), (Outcome::Cap, Some(500)));
        assert_eq!(cap(Some(800), true), (Outcome::Cap, Some(500)));
        assert_eq!(cap(Some(400), true), (Outcome::Allow, None));
        assert_eq!(cap(None, true), (Outcome::Cap, Some(500)));
        assert_eq!(cap(None, false), (Outcome::Allow, None));
    }

    #[test]
    fn text_only_inspection_skips_fact_conditions() {
        let rs = ruleset(vec![rule(
            "no-user",
            Condition::All(vec![found(0), Condition::HeaderMissing("x-user-id".into())]),
            block(),
        )]);
        assert_eq!(
            decide(&rs, vec![hit(0, 0..3)], &facts()).outcome,
            Outcome::Block
        );
        let text_only = Facts {
            text_only: true,
            ..facts()
        };
        assert_eq!(
            decide(&rs, vec![hit(0, 0..3)], &text_only).outcome,
            Outcome::Allow
        );
    }

    #[test]
    fn request_budget_blocks_past_its_limit_with_retry_after() {
        let budget = BudgetSpec {
            id: "per-user".into(),
            unit: BudgetUnit::Requests,
            limit: 2,
            window_secs: 60,
            per: BudgetScope::User,
        };
        let over = Action::Block {
            status: 429,
            message: "budget".into(),
        };
        let rs = ruleset(vec![rule("budget", Condition::Budget(budget), over)]);
        let f = Facts {
            user: Some("u1"),
            now_secs: 1_000,
            ..facts()
        };
        let mut ledger = MemoryLedger::default();
        let mut outcomes = Vec::new();
        for _ in 0..3 {
            let d = evaluate(&rs, &[0], Phase::Request, &[], &[], &f, &mut ledger);
            outcomes.push((d.outcome, d.block.and_then(|b| b.retry_after)));
        }
        assert_eq!(
            outcomes,
            [
                (Outcome::Allow, None),
                (Outcome::Allow, None),
                (Outcome::Block, Some(20))
            ]
        );
    }

    #[test]
    fn controls_of_fired_rules_are_collected_sorted_once() {
        let with = |rule: RuleSpec, controls: &[&str]| RuleSpec {
            controls: controls.iter().map(|c| (*c).to_owned()).collect(),
            ..rule
        };
        let rs = ruleset(vec![
            with(rule("r", found(0), redact()), &["owasp:LLM02", "iso:A.7.4"]),
            with(
                monitored(rule("m", found(0), flag())),
                &["iso:A.7.4", "eu:Art50"],
            ),
            with(rule("quiet", found(1), block()), &["never:fired"]),
        ]);
        let d = decide(&rs, vec![hit(0, 0..3)], &facts());
        assert_eq!(d.controls(&rs), ["eu:Art50", "iso:A.7.4", "owasp:LLM02"]);
    }

    /// A response header that depends on the body comes too late to send:
    /// recorded as fired and not applied, never claimed. One that depends
    /// only on the request is added (at the response head, by the flow).
    #[test]
    fn response_headers_that_need_the_body_are_not_claimed() {
        let response = |mut rule: RuleSpec| {
            rule.phase = Phase::Response;
            rule
        };
        let rs = ruleset(vec![
            response(rule("review-if-email", found(0), flag())),
            response(rule(
                "review-all",
                Condition::HeaderMissing("x-reviewed".into()),
                Action::AddHeader {
                    name: "x-ai-review".into(),
                    value: "required".into(),
                },
            )),
        ]);
        let facts = facts();
        let d = evaluate(
            &rs,
            &[0, 1],
            Phase::Response,
            &[segment(Role::Assistant, 0)],
            &[vec![hit(0, 0..2)]],
            &facts,
            &mut MemoryLedger::default(),
        );
        assert_eq!(d.outcome, Outcome::Flag);
        let applied: Vec<bool> = d.fired.iter().map(|f| f.applied).collect();
        assert_eq!(applied, [false, true]);
        assert_eq!(
            d.headers,
            [("x-ai-review".to_owned(), "required".to_owned())]
        );
    }

    #[test]
    fn only_enforced_redact_rules_produce_masks() {
        let rs = ruleset(vec![
            rule("flag-email", found(0), flag()),
            monitored(rule("would-redact-email", found(0), redact())),
            rule("redact-card", found(1), redact()),
        ]);
        let d = decide(&rs, vec![hit(0, 0..2), hit(1, 4..8)], &facts());
        assert_eq!(d.outcome, Outcome::Redact);
        assert_eq!(
            d.redactions,
            [Redaction {
                segment: 0,
                span: 4..8,
                mask: "[REDACTED:card]".into(),
            }]
        );
        assert_eq!(d.headers, [("x-flag".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn a_redaction_masks_every_hit_of_every_true_branch() {
        let stars = Action::Redact {
            mask: "<{rule}:{stars}>".into(),
        };
        let rs = ruleset(vec![rule(
            "pii",
            Condition::Any(vec![found(0), found(1)]),
            stars,
        )]);
        let d = decide(&rs, vec![hit(0, 0..2), hit(1, 4..8)], &facts());
        let masks: Vec<(Range<usize>, &str)> = d
            .redactions
            .iter()
            .map(|r| (r.span.clone(), r.mask.as_str()))
            .collect();
        assert_eq!(masks, [(0..2, "<pii:**>"), (4..8, "<pii:****>")]);
    }

    #[test]
    fn rule_roles_limit_which_segments_count() {
        let user_only = RuleSpec {
            roles: Role::User.bit(),
            ..rule("b", found(0), block())
        };
        let rs = ruleset(vec![user_only]);
        let segments = [segment(Role::System, 0), segment(Role::User, 1)];
        let run = |matches: [Vec<Match>; 2]| {
            let d = evaluate(
                &rs,
                &[0],
                Phase::Request,
                &segments,
                &matches,
                &facts(),
                &mut MemoryLedger::default(),
            );
            (
                d.outcome,
                d.hits.iter().map(|h| h.message_index).collect::<Vec<_>>(),
            )
        };
        assert_eq!(run([vec![hit(0, 0..3)], vec![]]), (Outcome::Allow, vec![0]));
        assert_eq!(run([vec![], vec![hit(0, 0..3)]]), (Outcome::Block, vec![1]));
    }
}
