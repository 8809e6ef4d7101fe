//! The compiled rule set: what the policy compiler writes and every runtime
//! (proxy-wasm filter, edge worker, native CLI) loads.
//!
//! # Format
//!
//! The binary form is a small fixed header followed by a
//! [postcard](https://docs.rs/postcard) payload:
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `AIMSGATE` |
//! | 2 | format version, little-endian ([`FORMAT_VERSION`]) |
//! | 2 | reserved, zero |
//! | 32 | SHA-256 of the source policy (the policy *digest*) |
//! | 32 | SHA-256 of the payload (integrity of what follows) |
//! | 4 | payload length, little-endian |
//! | n | postcard-encoded [`RuleSet`] |
//! | 80 | optional: the signature block ([`SIGNATURE_MAGIC`], key id, Ed25519 signature of all before it; [`crate::signing`]) |
//!
//! postcard was chosen over bincode or a hand-rolled layout because it is
//! compact (varints, no field names), `no_std`-friendly, stable in its wire
//! format and fast to decode in wasm; the version in the header, not
//! postcard, decides compatibility.
//!
//! The JSON form (`{"format": "aimsgate-ruleset", "version": 1, "digest":
//! "…", "payload": "<base64 of the binary form>"}`) wraps the *same bytes*, so
//! Envoy can carry it as a `StringValue` and Istio as `pluginConfig`, and one
//! loader ([`RuleSet::from_bytes`]) reads both.
//!
//! A rule set whose format version is newer than this engine's is refused
//! with [`LoadError::NewerFormat`], never half-read.

use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

use crate::codec::Api;
use crate::normalize::InvisibleClass;

/// The rule-set format version this engine writes and the newest it reads.
pub const FORMAT_VERSION: u16 = 5;

/// The oldest format version this engine still reads.
pub const OLDEST_FORMAT_VERSION: u16 = 2;

/// First bytes of every binary rule set.
pub const MAGIC: &[u8; 8] = b"AIMSGATE";

/// First bytes of the signature block a signed binary rule set ends with
/// (see [`crate::signing`]).
pub const SIGNATURE_MAGIC: &[u8; 8] = b"AGSIGN01";

/// Length of the signature block: magic, key id (8), Ed25519 signature (64).
pub const SIGNATURE_LEN: usize = 8 + 8 + 64;

/// A binary rule set split into what a signature covers and its signature
/// block (`None`: unsigned).
pub fn split_signature(bytes: &[u8]) -> (&[u8], Option<&[u8]>) {
    match bytes.len().checked_sub(SIGNATURE_LEN) {
        Some(at) if bytes[at..].starts_with(SIGNATURE_MAGIC) => {
            let (unsigned, block) = bytes.split_at(at);
            (unsigned, Some(block))
        }
        _ => (bytes, None),
    }
}

/// The `format` field of the JSON-wrapped form.
pub const JSON_FORMAT_NAME: &str = "aimsgate-ruleset";

const HEADER_LEN: usize = 8 + 2 + 2 + 32 + 32 + 4;

/// A SHA-256 digest, printed as lower-case hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// Digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        out
    }

    /// The first 12 hex digits, enough to tell versions apart in logs.
    pub fn short(&self) -> String {
        let mut hex = self.to_hex();
        hex.truncate(12);
        hex
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.short())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A compiled policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// Which policy this is.
    pub policy: PolicyInfo,
    /// How callers are identified.
    pub identity: IdentitySpec,
    /// Every detector any rule references, indexed by position.
    pub detectors: Vec<DetectorSpec>,
    /// Every rule, indexed by position.
    pub rules: Vec<RuleSpec>,
    /// Routes, tried in order; the first match governs a request.
    pub routes: Vec<RouteSpec>,
    /// The AI systems in the AIMS scope, indexed by position.
    pub systems: Vec<SystemSpec>,
    /// Headers that mark AI-generated responses (EU AI Act Art. 50), added
    /// to every governed response when non-empty.
    pub disclosure_headers: Vec<(String, String)>,
    /// A request for a host no route names: refused ([`UnknownPath::Block`],
    /// the default) or passed uninspected ([`UnknownPath::Allow`]). Rule
    /// sets of format version 2 predate the field and pass them.
    pub unknown_hosts: UnknownPath,
}

/// [`RuleSet`] as format version 2 wrote it: without `unknown_hosts`.
#[derive(Deserialize)]
struct RuleSetV2 {
    policy: PolicyInfo,
    identity: IdentitySpec,
    detectors: Vec<DetectorSpec>,
    rules: Vec<RuleSpec>,
    routes: Vec<RouteSpecV4>,
    systems: Vec<SystemSpec>,
    disclosure_headers: Vec<(String, String)>,
}

impl From<RuleSetV2> for RuleSet {
    fn from(v2: RuleSetV2) -> RuleSet {
        RuleSet {
            policy: v2.policy,
            identity: v2.identity,
            detectors: v2.detectors,
            rules: v2.rules,
            routes: v2.routes.into_iter().map(RouteSpec::from).collect(),
            systems: v2.systems,
            disclosure_headers: v2.disclosure_headers,
            unknown_hosts: UnknownPath::Allow,
        }
    }
}

/// [`RuleSet`] as format versions 3 and 4 wrote it: routes without
/// `classifier_unavailable`.
#[derive(Deserialize)]
struct RuleSetV4 {
    policy: PolicyInfo,
    identity: IdentitySpec,
    detectors: Vec<DetectorSpec>,
    rules: Vec<RuleSpec>,
    routes: Vec<RouteSpecV4>,
    systems: Vec<SystemSpec>,
    disclosure_headers: Vec<(String, String)>,
    unknown_hosts: UnknownPath,
}

impl From<RuleSetV4> for RuleSet {
    fn from(v4: RuleSetV4) -> RuleSet {
        RuleSet {
            policy: v4.policy,
            identity: v4.identity,
            detectors: v4.detectors,
            rules: v4.rules,
            routes: v4.routes.into_iter().map(RouteSpec::from).collect(),
            systems: v4.systems,
            disclosure_headers: v4.disclosure_headers,
            unknown_hosts: v4.unknown_hosts,
        }
    }
}

/// Identity and version of the source policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfo {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.version`.
    pub version: String,
    /// SHA-256 of the policy source bytes.
    pub digest: Digest,
}

/// Which request headers carry the caller's identity, as set by the proxy's
/// authentication (e.g. a JWT filter's `x-user-id`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IdentitySpec {
    /// Header naming the user (lower-case).
    pub user_header: Option<String>,
    /// Header naming the user's group (lower-case).
    pub group_header: Option<String>,
}

/// One detector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorSpec {
    /// Policy id of the detector.
    pub id: String,
    /// How it finds candidates.
    pub kind: DetectorKind,
    /// Check applied to every candidate (checksum, entropy…).
    pub validator: Option<Validator>,
    /// Words that must occur near a candidate for it to count.
    pub context: Option<ContextSpec>,
    /// Candidates that never count.
    pub exceptions: ExceptionSpec,
    /// Upper bound of a match's length in bytes, when one exists; streaming
    /// holds back at most this many bytes across chunk boundaries.
    pub max_match_len: Option<u32>,
}

/// How a detector finds candidates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DetectorKind {
    /// Regular expressions (Rust `regex` syntax, byte-oriented).
    Regex {
        /// Patterns; a match of any of them is a candidate.
        patterns: Vec<String>,
        /// Lower-case literals of which at least one occurs in every match:
        /// the patterns run only when one of them was seen. Empty: always run.
        keywords: Vec<String>,
        /// Whether letters match in either case.
        case_insensitive: bool,
        /// Unicode-aware classes (`\w`, `\d`, `.`); off compiles faster.
        unicode: bool,
    },
    /// A list of literal words or phrases.
    Keywords {
        /// The words, as written in the policy.
        words: Vec<String>,
        /// Only whole words count (no letter or digit on either side).
        whole_word: bool,
        /// Whether letters match in either case (ASCII case folding).
        case_insensitive: bool,
    },
    /// Invisible / smuggling characters found by normalisation.
    Invisible {
        /// Classes that count; empty means every class.
        classes: Vec<InvisibleClass>,
    },
    /// Canary strings planted in system prompts.
    Canary {
        /// The canary values (matched exactly).
        values: Vec<String>,
    },
    /// Weighted phrase signals: each a pattern gated by its keywords. A
    /// match says which signal found it ([`crate::detect::Match::signal`]),
    /// and [`Condition::Score`] adds up the weights of the distinct signals
    /// found, so one weak phrase never decides alone while several together
    /// do.
    Phrases {
        /// The signals, in catalogue order.
        signals: Vec<PhraseSignal>,
    },
    /// A second opinion for the undecided: a request whose text phrase
    /// detector `of` scores at least `min_score` but below `max_score` is
    /// sent to an external classifier (the runtime's call: `proxy_http_call`
    /// in the filter, `fetch` at the edge), and an answer naming one of
    /// `labels` with at least `min_confidence` is a match of this detector.
    /// Clear cases — below `min_score`, or at `max_score` and above, where
    /// the phrase rules decide alone — never pay for the call. Requests
    /// only; see [`crate::consult`].
    Classifier(ClassifierSpec),
}

/// What a [`DetectorKind::Classifier`] consults on, and how it reads the
/// answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifierSpec {
    /// Index of the [`DetectorKind::Phrases`] detector whose score decides
    /// whether to ask.
    pub of: u32,
    /// Lowest score that asks (inclusive).
    pub min_score: u32,
    /// Score from which the phrase rules decide alone (exclusive).
    pub max_score: u32,
    /// Lower-case labels that mean "attack" (`injection`, `jailbreak`).
    pub labels: Vec<String>,
    /// Confidence (0–1) an attack label needs.
    pub min_confidence: f32,
    /// Most bytes of text sent (the text is cut at a character boundary).
    pub max_bytes: u32,
}

/// One signal of a [`DetectorKind::Phrases`] detector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhraseSignal {
    /// Catalogue id, e.g. `override.en.ignore-previous`.
    pub id: String,
    /// The family it belongs to, e.g. `instruction-override`.
    pub family: String,
    /// What it adds to the score when found.
    pub weight: u32,
    /// The pattern in catalogue syntax: a regular expression with
    /// placeholders (`{_}`, `{w3}`…), compiled case-insensitively with
    /// Unicode-aware classes once [`crate::detect::phrases::regex_source`]
    /// has expanded it.
    pub pattern: String,
    /// Literals (ASCII letters lower-case) of which at least one occurs in
    /// every match; the pattern runs only when one was seen. They are
    /// matched with ASCII case folding only, so the compiler lists each
    /// non-ASCII keyword in the spellings text may contain.
    pub keywords: Vec<String>,
}

/// Words that must occur within `window` bytes of a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextSpec {
    /// Lower-case words; any one suffices. The word `@` stands for an
    /// e-mail address nearby, not the bare character
    /// ([`EMAIL_CONTEXT`](crate::detect::EMAIL_CONTEXT)).
    pub words: Vec<String>,
    /// Bytes to look on either side of the candidate.
    pub window: u32,
}

/// Candidates that never count.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExceptionSpec {
    /// Exact values (compared after normalisation).
    pub values: Vec<String>,
    /// Patterns; a candidate matching one entirely is ignored.
    pub patterns: Vec<String>,
}

/// Which phase of an exchange a rule inspects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// The request the client sends.
    Request,
    /// The response the model returns.
    Response,
    /// Both.
    Both,
}

impl Phase {
    /// Whether a rule of this phase applies to `phase`.
    pub fn covers(self, phase: Phase) -> bool {
        self == Phase::Both || self == phase
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Request => "request",
            Phase::Response => "response",
            Phase::Both => "both",
        }
    }
}

/// Whether a rule's action is applied or only recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Apply the action.
    #[default]
    Enforce,
    /// Record what the action would have done; apply nothing.
    Monitor,
}

impl Mode {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Monitor => "monitor",
        }
    }
}

/// How serious a rule's finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Low,
    /// Worth a look.
    #[default]
    Medium,
    /// Must be handled.
    High,
    /// An incident.
    Critical,
}

impl Severity {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSpec {
    /// Policy id of the rule.
    pub id: String,
    /// What the rule is for, for people.
    pub description: String,
    /// Which phase it inspects.
    pub phase: Phase,
    /// Bit set of [`crate::codec::Role::bit`]s whose text the rule's detector
    /// conditions look at; 0 means every role.
    pub roles: u8,
    /// When the rule fires.
    pub when: Condition,
    /// What it does then.
    pub action: Action,
    /// Enforce or only record.
    pub mode: Mode,
    /// How serious a hit is.
    pub severity: Severity,
    /// Controls it implements, as `framework:ID`.
    pub controls: Vec<String>,
}

/// A rule's condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    /// Always true (a rule with no condition).
    Always,
    /// Every condition holds.
    All(Vec<Condition>),
    /// At least one holds.
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
    /// Detector `detector` (index into [`RuleSet::detectors`]) found at least
    /// `min_count` matches in text of the rule's roles.
    Detector {
        /// Index of the detector.
        detector: u32,
        /// Matches needed.
        min_count: u32,
    },
    /// The requested model is not one of these (exact, or prefix when the
    /// entry ends in `*`). A request that names no model counts as not in.
    ModelNotIn(Vec<String>),
    /// The route's provider is not one of these.
    ProviderNotIn(Vec<String>),
    /// The request's host is not one of these.
    HostNotIn(Vec<String>),
    /// A tool declared or called is one of these.
    ToolIn(Vec<String>),
    /// A tool declared or called is not one of these.
    ToolNotIn(Vec<String>),
    /// The text of the rule's roles is longer than this many bytes.
    PromptBytesOver(u64),
    /// The estimated tokens of the rule's roles exceed this.
    TokensOver(u64),
    /// The request's output-token cap exceeds this, or is missing.
    MaxTokensOver(u64),
    /// The request lacks this header (lower-case name).
    HeaderMissing(String),
    /// The request header equals this value.
    HeaderEquals {
        /// Lower-case header name.
        name: String,
        /// Exact value.
        value: String,
    },
    /// The request was routed by one of these route ids.
    Route(Vec<String>),
    /// A usage budget is exceeded.
    Budget(BudgetSpec),
    /// The distinct signals that phrase detector `detector` found in text of
    /// the rule's roles weigh at least `min_score` in all.
    Score {
        /// Index of a [`DetectorKind::Phrases`] detector.
        detector: u32,
        /// Total weight needed.
        min_score: u32,
    },
}

impl Condition {
    /// Every detector the condition names (inside `not` too).
    pub fn detectors(&self) -> Vec<u32> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(condition) = stack.pop() {
            match condition {
                Condition::All(all) | Condition::Any(all) => stack.extend(all),
                Condition::Not(inner) => stack.push(inner),
                Condition::Detector { detector, .. } | Condition::Score { detector, .. } => {
                    out.push(*detector);
                }
                _ => {}
            }
        }
        out
    }

    /// Whether deciding this in the response phase needs the response
    /// body: its text, its model or the tools it calls (budgets are counted
    /// as the body is, so they count too). A condition that does not can
    /// be decided when the response head arrives, which is the last moment
    /// a proxy lets a filter add a response header (ngx_wasm_module traps
    /// on a response header set from the body callback; Envoy has sent the
    /// head by then).
    pub fn reads_response(&self) -> bool {
        match self {
            Condition::Always
            | Condition::ProviderNotIn(_)
            | Condition::HostNotIn(_)
            | Condition::MaxTokensOver(_)
            | Condition::HeaderMissing(_)
            | Condition::HeaderEquals { .. }
            | Condition::Route(_) => false,
            Condition::Detector { .. }
            | Condition::Score { .. }
            | Condition::ModelNotIn(_)
            | Condition::ToolIn(_)
            | Condition::ToolNotIn(_)
            | Condition::PromptBytesOver(_)
            | Condition::TokensOver(_)
            | Condition::Budget(_) => true,
            Condition::All(all) | Condition::Any(all) => all.iter().any(Condition::reads_response),
            Condition::Not(inner) => inner.reads_response(),
        }
    }

    /// Whether the condition judges the model (`model_not_in`, inside
    /// `not` too): a rule with one also judges the model that answered
    /// ([`crate::decision::judge_responding_model`]).
    pub fn judges_model(&self) -> bool {
        match self {
            Condition::All(all) | Condition::Any(all) => all.iter().any(Condition::judges_model),
            Condition::Not(inner) => inner.judges_model(),
            Condition::ModelNotIn(_) => true,
            _ => false,
        }
    }
}

/// A usage budget per caller and window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetSpec {
    /// Budget id (names the counter).
    pub id: String,
    /// What is counted.
    pub unit: BudgetUnit,
    /// Most allowed per window.
    pub limit: u64,
    /// Window length in seconds.
    pub window_secs: u64,
    /// Whose usage is counted.
    pub per: BudgetScope,
}

/// What a budget counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BudgetUnit {
    /// Requests.
    Requests,
    /// Estimated prompt tokens plus the requested output cap.
    Tokens,
}

/// Whose usage a budget counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BudgetScope {
    /// Each user (identity header).
    User,
    /// Each group (group header).
    Group,
    /// Everyone together.
    Global,
}

/// What a rule does when it fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Refuse the request / response.
    Block {
        /// HTTP status (403, or 429 for budgets).
        status: u16,
        /// Message shown to the client (never the matched text).
        message: String,
    },
    /// Replace each match with the mask.
    Redact {
        /// Mask template: `{detector}`, `{rule}` and `{stars}` are
        /// substituted (see [`crate::decision::expand_mask`]).
        mask: String,
    },
    /// Record and let pass, optionally marking the exchange with a header.
    Flag {
        /// Header added to the request / response.
        header: Option<(String, String)>,
    },
    /// Add a header.
    AddHeader {
        /// Lower-case name.
        name: String,
        /// Value.
        value: String,
    },
    /// Lower the output-token cap to at most this (inserting it if absent).
    CapMaxTokens {
        /// The cap.
        max: u64,
    },
}

impl Action {
    /// Whether it adds a header to the exchange (`add_header`, or `flag`
    /// with a header).
    pub fn adds_header(&self) -> bool {
        matches!(
            self,
            Action::AddHeader { .. } | Action::Flag { header: Some(_) }
        )
    }

    /// Short name (`block`, `redact`, `flag`, `add-header`, `cap-max-tokens`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Block { .. } => "block",
            Action::Redact { .. } => "redact",
            Action::Flag { .. } => "flag",
            Action::AddHeader { .. } => "add-header",
            Action::CapMaxTokens { .. } => "cap-max-tokens",
        }
    }
}

/// What to do with a request a route cannot inspect: a path no route
/// knows, a body over the size limit, a WebSocket / Realtime upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownPath {
    /// Refuse it (fail closed).
    #[default]
    Block,
    /// Let it pass uninspected, and record that it did.
    Allow,
}

/// One route: which traffic a set of rules governs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteSpec {
    /// Route id.
    pub id: String,
    /// Hosts (`:authority` / `host`, port ignored); `*.example.com` matches
    /// sub-domains; empty matches every host.
    pub hosts: Vec<String>,
    /// Path prefixes; empty matches every path.
    pub path_prefixes: Vec<String>,
    /// A header that must be present (and equal the value, when given).
    pub header: Option<(String, Option<String>)>,
    /// The API spoken on this route, when fixed; else from path and body.
    pub api: Option<Api>,
    /// Indices of the rules that apply.
    pub rules: Vec<u32>,
    /// Index of the AI system this route belongs to.
    pub system: Option<u32>,
    /// What to do with an unknown path on one of `hosts`.
    pub unknown_path: UnknownPath,
    /// What to do with a body over the filter's size limit (block: 413).
    pub oversize: UnknownPath,
    /// What to do with a protocol upgrade (WebSocket, Realtime), whose
    /// frames cannot be inspected.
    pub upgrade: UnknownPath,
    /// What to do with a request whose classifier could not answer (see
    /// [`DetectorKind::Classifier`]): refuse it with 503 (block, the
    /// default) or decide it without the second opinion (allow, recorded
    /// as `classifier_unavailable_allowed`).
    pub classifier_unavailable: UnknownPath,
    /// What to do with a body holding more encoded text than the engine
    /// decodes (`decode_limit`): decide it on what fit and flag it
    /// (allow, the default) or refuse it (block).
    pub decode_limit: UnknownPath,
}

/// [`RouteSpec`] as format versions 2 to 4 wrote it: without
/// `classifier_unavailable` (those rule sets have no classifier) and
/// `decode_limit` (they flag such bodies, as the engine did then).
#[derive(Deserialize)]
struct RouteSpecV4 {
    id: String,
    hosts: Vec<String>,
    path_prefixes: Vec<String>,
    header: Option<(String, Option<String>)>,
    api: Option<Api>,
    rules: Vec<u32>,
    system: Option<u32>,
    unknown_path: UnknownPath,
    oversize: UnknownPath,
    upgrade: UnknownPath,
}

impl From<RouteSpecV4> for RouteSpec {
    fn from(v4: RouteSpecV4) -> RouteSpec {
        RouteSpec {
            id: v4.id,
            hosts: v4.hosts,
            path_prefixes: v4.path_prefixes,
            header: v4.header,
            api: v4.api,
            rules: v4.rules,
            system: v4.system,
            unknown_path: v4.unknown_path,
            oversize: v4.oversize,
            upgrade: v4.upgrade,
            classifier_unavailable: UnknownPath::Block,
            decode_limit: UnknownPath::Allow,
        }
    }
}

/// An AI system in the AIMS scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemSpec {
    /// System id.
    pub id: String,
    /// Provider (e.g. `openai`, `anthropic`, `google`, `internal`).
    pub provider: String,
    /// Retired systems' routes are refused at runtime.
    pub retired: bool,
}

/// Why a rule set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Neither the binary form nor the JSON wrapper.
    #[error(
        "not an aimsgate rule set (expected the binary form starting with `AIMSGATE` or the JSON form with \"format\": \"{JSON_FORMAT_NAME}\")"
    )]
    NotARuleSet,
    /// Written by a newer compiler.
    #[error(
        "rule set format version {found} is newer than this engine supports ({FORMAT_VERSION}); upgrade the filter before deploying this rule set"
    )]
    NewerFormat {
        /// Version in the header.
        found: u16,
    },
    /// Written by an older compiler whose format this engine no longer reads.
    #[error(
        "rule set format version {found} is older than this engine reads ({OLDEST_FORMAT_VERSION} to {FORMAT_VERSION}); recompile the policy with this release of aimsgate"
    )]
    OlderFormat {
        /// Version in the header.
        found: u16,
    },
    /// Header says one thing, bytes another.
    #[error("rule set is truncated or corrupt: {0}")]
    Corrupt(&'static str),
    /// The JSON wrapper is malformed.
    #[error("JSON rule set wrapper is malformed: {0}")]
    Json(String),
    /// The payload does not decode.
    #[error("rule set payload does not decode: {0}")]
    Payload(String),
}

#[cfg(test)]
impl RuleSet {
    /// A rule set with `routes` and nothing else, for tests of the
    /// machinery around rules.
    /// A route of `hosts` with no rules and every fail mode at its
    /// default (unit tests).
    pub(crate) fn route(id: &str, hosts: &[&str], api: Option<Api>) -> RouteSpec {
        RouteSpec {
            id: id.into(),
            hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            path_prefixes: Vec::new(),
            header: None,
            api,
            rules: Vec::new(),
            system: None,
            unknown_path: UnknownPath::Block,
            oversize: UnknownPath::Block,
            upgrade: UnknownPath::Block,
            classifier_unavailable: UnknownPath::Block,
            decode_limit: UnknownPath::Allow,
        }
    }

    pub(crate) fn bare(routes: Vec<RouteSpec>) -> RuleSet {
        RuleSet {
            policy: PolicyInfo {
                name: "t".into(),
                version: "1".into(),
                digest: Digest::of(b"t"),
            },
            identity: IdentitySpec::default(),
            detectors: Vec::new(),
            rules: Vec::new(),
            routes,
            systems: Vec::new(),
            disclosure_headers: Vec::new(),
            unknown_hosts: UnknownPath::Allow,
        }
    }
}

impl RuleSet {
    /// Encodes the binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        // postcard only fails on writer errors or types it cannot express;
        // a Vec writer and our plain data types have neither.
        let payload = postcard::to_allocvec(self).unwrap_or_default();
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&self.policy.digest.0);
        out.extend_from_slice(&Digest::of(&payload).0);
        let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Encodes the JSON-wrapped form (pretty-printed).
    pub fn to_json(&self) -> String {
        let wrapper = JsonWrapper {
            format: JSON_FORMAT_NAME.to_owned(),
            version: FORMAT_VERSION,
            policy: self.policy.name.clone(),
            policy_version: self.policy.version.clone(),
            digest: self.policy.digest.to_hex(),
            payload: base64::engine::general_purpose::STANDARD.encode(self.to_bytes()),
        };
        serde_json::to_string_pretty(&wrapper).unwrap_or_default()
    }

    /// Loads either form.
    pub fn from_bytes(bytes: &[u8]) -> Result<RuleSet, LoadError> {
        if bytes.starts_with(MAGIC) {
            return Self::from_binary(bytes);
        }
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            return Self::from_json(bytes);
        }
        Err(LoadError::NotARuleSet)
    }

    fn from_json(bytes: &[u8]) -> Result<RuleSet, LoadError> {
        let wrapper: JsonWrapper =
            serde_json::from_slice(bytes).map_err(|e| LoadError::Json(e.to_string()))?;
        if wrapper.format != JSON_FORMAT_NAME {
            return Err(LoadError::NotARuleSet);
        }
        if wrapper.version > FORMAT_VERSION {
            return Err(LoadError::NewerFormat {
                found: wrapper.version,
            });
        }
        let inner = base64::engine::general_purpose::STANDARD
            .decode(wrapper.payload.trim())
            .map_err(|e| LoadError::Json(format!("payload is not base64: {e}")))?;
        let ruleset = Self::from_binary(&inner)?;
        if ruleset.policy.digest.to_hex() != wrapper.digest {
            return Err(LoadError::Corrupt(
                "the wrapper's digest differs from the payload's",
            ));
        }
        Ok(ruleset)
    }

    /// The JSON form wrapping `binary` (a binary rule set, signed or not)
    /// as it is: a signature appended to the binary form survives.
    pub fn json_of(binary: &[u8]) -> Result<String, LoadError> {
        let ruleset = Self::from_binary(binary)?;
        let version = u16::from_le_bytes([binary[8], binary[9]]);
        let wrapper = JsonWrapper {
            format: JSON_FORMAT_NAME.to_owned(),
            version,
            policy: ruleset.policy.name.clone(),
            policy_version: ruleset.policy.version.clone(),
            digest: ruleset.policy.digest.to_hex(),
            payload: base64::engine::general_purpose::STANDARD.encode(binary),
        };
        Ok(serde_json::to_string_pretty(&wrapper).unwrap_or_default())
    }

    fn from_binary(bytes: &[u8]) -> Result<RuleSet, LoadError> {
        // A signature block is checked by the runtime that trusts keys
        // (`crate::signing::verify`), not here.
        let (bytes, _) = split_signature(bytes);
        let header = bytes
            .get(..HEADER_LEN)
            .ok_or(LoadError::Corrupt("shorter than the header"))?;
        let version = u16::from_le_bytes([header[8], header[9]]);
        if version > FORMAT_VERSION {
            return Err(LoadError::NewerFormat { found: version });
        }
        if version == 0 {
            return Err(LoadError::Corrupt("format version 0"));
        }
        if version < OLDEST_FORMAT_VERSION {
            return Err(LoadError::OlderFormat { found: version });
        }
        let mut policy_digest = [0u8; 32];
        policy_digest.copy_from_slice(&header[12..44]);
        let mut payload_digest = [0u8; 32];
        payload_digest.copy_from_slice(&header[44..76]);
        let len = u32::from_le_bytes([header[76], header[77], header[78], header[79]]) as usize;
        let payload = &bytes[HEADER_LEN..];
        if payload.len() != len {
            return Err(LoadError::Corrupt("payload length differs from the header"));
        }
        if Digest::of(payload).0 != payload_digest {
            return Err(LoadError::Corrupt("payload digest mismatch"));
        }
        let payload_error = |e: postcard::Error| LoadError::Payload(e.to_string());
        let ruleset: RuleSet = if version == 2 {
            postcard::from_bytes::<RuleSetV2>(payload)
                .map_err(payload_error)?
                .into()
        } else if version <= 4 {
            postcard::from_bytes::<RuleSetV4>(payload)
                .map_err(payload_error)?
                .into()
        } else {
            postcard::from_bytes(payload).map_err(payload_error)?
        };
        if ruleset.policy.digest.0 != policy_digest {
            return Err(LoadError::Corrupt("policy digest differs from the header"));
        }
        ruleset.check_indices()?;
        Ok(ruleset)
    }

    /// Rejects indices that point nowhere, so that evaluation can index
    /// without checks failing at request time.
    fn check_indices(&self) -> Result<(), LoadError> {
        for detector in &self.detectors {
            if let DetectorKind::Classifier(spec) = &detector.kind
                && !self
                    .detectors
                    .get(spec.of as usize)
                    .is_some_and(|d| matches!(d.kind, DetectorKind::Phrases { .. }))
            {
                return Err(LoadError::Corrupt(
                    "a classifier consults on a detector that has no phrases",
                ));
            }
        }
        for rule in &self.rules {
            if !condition_indices_ok(&rule.when, &self.detectors) {
                return Err(LoadError::Corrupt(
                    "a rule references a missing detector, or scores one that has no phrases",
                ));
            }
        }
        for route in &self.routes {
            if route.rules.iter().any(|&r| r as usize >= self.rules.len()) {
                return Err(LoadError::Corrupt("a route references a missing rule"));
            }
            if route
                .system
                .is_some_and(|s| s as usize >= self.systems.len())
            {
                return Err(LoadError::Corrupt("a route references a missing system"));
            }
        }
        Ok(())
    }
}

/// Whether every detector a condition names exists, and a score names a
/// phrase detector (the only kind whose matches carry weights).
fn condition_indices_ok(condition: &Condition, detectors: &[DetectorSpec]) -> bool {
    match condition {
        Condition::All(all) | Condition::Any(all) => {
            all.iter().all(|c| condition_indices_ok(c, detectors))
        }
        Condition::Not(inner) => condition_indices_ok(inner, detectors),
        Condition::Detector { detector, .. } => (*detector as usize) < detectors.len(),
        Condition::Score { detector, .. } => detectors
            .get(*detector as usize)
            .is_some_and(|d| matches!(d.kind, DetectorKind::Phrases { .. })),
        _ => true,
    }
}

#[derive(Serialize, Deserialize)]
struct JsonWrapper {
    format: String,
    version: u16,
    #[serde(default)]
    policy: String,
    #[serde(default)]
    policy_version: String,
    digest: String,
    payload: String,
}

// Validators in the rule set.
//
// # Wire form
//
// [`Validator`] is part of the compiled rule set. In human-readable formats
// (JSON, YAML) it is internally tagged: `{"kind": "luhn"}`,
// `{"kind": "entropy", "min_bits": 3.5}`. Internally tagged enums need
// `deserialize_any`, which postcard (the binary rule-set payload, not
// self-describing) cannot provide, so non-human-readable formats get a plain
// externally tagged enum (a varint variant index, then the fields). The
// choice is made with [`serde::Serializer::is_human_readable`], so JSON and
// postcard both round-trip.

/// A check applied to every candidate match of a detector; the candidate
/// counts only if it passes ([`crate::detect::validate::check`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Validator {
    /// Digits only (spaces, dashes and dots ignored), Luhn checksum.
    Luhn,
    /// A payment card number: 12–19 digits after removing spaces/dashes,
    /// consistent separators, a known issuer prefix with one of that issuer's
    /// lengths, and Luhn. See [`payment_card`](crate::detect::validate::payment_card).
    PaymentCard,
    /// An IBAN: a registry country, that country's length, check digits
    /// 02–98 and mod-97 == 1; spaces allowed. See [`iban`](crate::detect::validate::iban).
    Iban,
    /// A US social security number that the SSA could have issued. See
    /// [`us_ssn`](crate::detect::validate::us_ssn).
    UsSsn,
    /// A dotted-quad IPv4 address: four octets 0–255, no leading zeros.
    Ipv4,
    /// Parses as an IPv6 address with [`std::net::Ipv6Addr`].
    Ipv6,
    /// A JWT whose header segment base64url-decodes to a JSON object with
    /// `"alg"`. See [`jwt`](crate::detect::validate::jwt).
    Jwt,
    /// Shannon entropy per character of the match is at least `min_bits`.
    /// Separates real secrets from placeholders (`AKIAXXXXXXXXXXXXXXXX`).
    Entropy {
        /// Minimum entropy in bits per character (log2 of the alphabet size
        /// is the ceiling: 4.7 for base32, 5.95 for base62).
        min_bits: f32,
    },
    /// A globally routable IPv4 or IPv6 address (private, loopback, link-local,
    /// CGNAT, multicast, reserved and documentation ranges refused). See
    /// [`public_ip`](crate::detect::validate::public_ip).
    PublicIp,
    /// A phone number whose `+` country code is in service and whose national
    /// number has a length that country uses. See
    /// [`phone`](crate::detect::validate::phone).
    Phone,
    /// A calendar date with a plausible year of birth. See
    /// [`date_of_birth`](crate::detect::validate::date_of_birth).
    DateOfBirth,
    /// A US ITIN (9XX, IRS group ranges). See
    /// [`us_itin`](crate::detect::validate::us_itin).
    UsItin,
    /// A US EIN with an IRS-assigned prefix. See
    /// [`us_ein`](crate::detect::validate::us_ein).
    UsEin,
    /// A US passport number (9 digits or letter + 8), placeholders refused.
    /// See [`us_passport`](crate::detect::validate::us_passport).
    UsPassport,
    /// An ABA routing number: Federal Reserve prefix and 3-7-1 checksum. See
    /// [`aba_routing`](crate::detect::validate::aba_routing).
    AbaRouting,
    /// A UK NHS number (mod-11 check digit). See
    /// [`uk_nhs`](crate::detect::validate::uk_nhs).
    UkNhs,
    /// A SWIFT/BIC code with an ISO 3166 country. See
    /// [`swift_bic`](crate::detect::validate::swift_bic).
    SwiftBic,
    /// A 48-bit MAC address, not all zeros nor broadcast. See
    /// [`mac_address`](crate::detect::validate::mac_address).
    MacAddress,
    /// `scheme://user:password@host` with a password that is no placeholder.
    /// See [`url_credentials`](crate::detect::validate::url_credentials).
    UrlCredentials,
    /// A phone number in national notation that is not a date and time
    /// (`09/14/2023 22`). See
    /// [`national_phone`](crate::detect::validate::national_phone).
    NationalPhone,
}

/// Human-readable wire form (JSON, YAML): `{"kind": "payment-card"}`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Tagged {
    Luhn,
    PaymentCard,
    Iban,
    UsSsn,
    Ipv4,
    Ipv6,
    Jwt,
    Entropy { min_bits: f32 },
    PublicIp,
    Phone,
    DateOfBirth,
    UsItin,
    UsEin,
    UsPassport,
    AbaRouting,
    UkNhs,
    SwiftBic,
    MacAddress,
    UrlCredentials,
    NationalPhone,
}

/// Binary wire form (postcard): variant index then fields.
#[derive(Serialize, Deserialize)]
enum Compact {
    Luhn,
    PaymentCard,
    Iban,
    UsSsn,
    Ipv4,
    Ipv6,
    Jwt,
    Entropy { min_bits: f32 },
    PublicIp,
    Phone,
    DateOfBirth,
    UsItin,
    UsEin,
    UsPassport,
    AbaRouting,
    UkNhs,
    SwiftBic,
    MacAddress,
    UrlCredentials,
    NationalPhone,
}

impl From<Validator> for Tagged {
    fn from(v: Validator) -> Tagged {
        match v {
            Validator::Luhn => Tagged::Luhn,
            Validator::PaymentCard => Tagged::PaymentCard,
            Validator::Iban => Tagged::Iban,
            Validator::UsSsn => Tagged::UsSsn,
            Validator::Ipv4 => Tagged::Ipv4,
            Validator::Ipv6 => Tagged::Ipv6,
            Validator::Jwt => Tagged::Jwt,
            Validator::Entropy { min_bits } => Tagged::Entropy { min_bits },
            Validator::PublicIp => Tagged::PublicIp,
            Validator::Phone => Tagged::Phone,
            Validator::DateOfBirth => Tagged::DateOfBirth,
            Validator::UsItin => Tagged::UsItin,
            Validator::UsEin => Tagged::UsEin,
            Validator::UsPassport => Tagged::UsPassport,
            Validator::AbaRouting => Tagged::AbaRouting,
            Validator::UkNhs => Tagged::UkNhs,
            Validator::SwiftBic => Tagged::SwiftBic,
            Validator::MacAddress => Tagged::MacAddress,
            Validator::UrlCredentials => Tagged::UrlCredentials,
            Validator::NationalPhone => Tagged::NationalPhone,
        }
    }
}

impl From<Tagged> for Validator {
    fn from(v: Tagged) -> Validator {
        match v {
            Tagged::Luhn => Validator::Luhn,
            Tagged::PaymentCard => Validator::PaymentCard,
            Tagged::Iban => Validator::Iban,
            Tagged::UsSsn => Validator::UsSsn,
            Tagged::Ipv4 => Validator::Ipv4,
            Tagged::Ipv6 => Validator::Ipv6,
            Tagged::Jwt => Validator::Jwt,
            Tagged::Entropy { min_bits } => Validator::Entropy { min_bits },
            Tagged::PublicIp => Validator::PublicIp,
            Tagged::Phone => Validator::Phone,
            Tagged::DateOfBirth => Validator::DateOfBirth,
            Tagged::UsItin => Validator::UsItin,
            Tagged::UsEin => Validator::UsEin,
            Tagged::UsPassport => Validator::UsPassport,
            Tagged::AbaRouting => Validator::AbaRouting,
            Tagged::UkNhs => Validator::UkNhs,
            Tagged::SwiftBic => Validator::SwiftBic,
            Tagged::MacAddress => Validator::MacAddress,
            Tagged::UrlCredentials => Validator::UrlCredentials,
            Tagged::NationalPhone => Validator::NationalPhone,
        }
    }
}

impl From<Validator> for Compact {
    fn from(v: Validator) -> Compact {
        match v {
            Validator::Luhn => Compact::Luhn,
            Validator::PaymentCard => Compact::PaymentCard,
            Validator::Iban => Compact::Iban,
            Validator::UsSsn => Compact::UsSsn,
            Validator::Ipv4 => Compact::Ipv4,
            Validator::Ipv6 => Compact::Ipv6,
            Validator::Jwt => Compact::Jwt,
            Validator::Entropy { min_bits } => Compact::Entropy { min_bits },
            Validator::PublicIp => Compact::PublicIp,
            Validator::Phone => Compact::Phone,
            Validator::DateOfBirth => Compact::DateOfBirth,
            Validator::UsItin => Compact::UsItin,
            Validator::UsEin => Compact::UsEin,
            Validator::UsPassport => Compact::UsPassport,
            Validator::AbaRouting => Compact::AbaRouting,
            Validator::UkNhs => Compact::UkNhs,
            Validator::SwiftBic => Compact::SwiftBic,
            Validator::MacAddress => Compact::MacAddress,
            Validator::UrlCredentials => Compact::UrlCredentials,
            Validator::NationalPhone => Compact::NationalPhone,
        }
    }
}

impl From<Compact> for Validator {
    fn from(v: Compact) -> Validator {
        match v {
            Compact::Luhn => Validator::Luhn,
            Compact::PaymentCard => Validator::PaymentCard,
            Compact::Iban => Validator::Iban,
            Compact::UsSsn => Validator::UsSsn,
            Compact::Ipv4 => Validator::Ipv4,
            Compact::Ipv6 => Validator::Ipv6,
            Compact::Jwt => Validator::Jwt,
            Compact::Entropy { min_bits } => Validator::Entropy { min_bits },
            Compact::PublicIp => Validator::PublicIp,
            Compact::Phone => Validator::Phone,
            Compact::DateOfBirth => Validator::DateOfBirth,
            Compact::UsItin => Validator::UsItin,
            Compact::UsEin => Validator::UsEin,
            Compact::UsPassport => Validator::UsPassport,
            Compact::AbaRouting => Validator::AbaRouting,
            Compact::UkNhs => Validator::UkNhs,
            Compact::SwiftBic => Validator::SwiftBic,
            Compact::MacAddress => Validator::MacAddress,
            Compact::UrlCredentials => Validator::UrlCredentials,
            Compact::NationalPhone => Validator::NationalPhone,
        }
    }
}

impl Serialize for Validator {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            Tagged::from(*self).serialize(serializer)
        } else {
            Compact::from(*self).serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Validator {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Validator, D::Error> {
        if deserializer.is_human_readable() {
            Tagged::deserialize(deserializer).map(Validator::from)
        } else {
            Compact::deserialize(deserializer).map(Validator::from)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RuleSet {
        RuleSet {
            policy: PolicyInfo {
                name: "t".into(),
                version: "1".into(),
                digest: Digest::of(b"policy"),
            },
            identity: IdentitySpec::default(),
            detectors: vec![DetectorSpec {
                id: "d".into(),
                kind: DetectorKind::Keywords {
                    words: vec!["secret".into()],
                    whole_word: true,
                    case_insensitive: true,
                },
                validator: None,
                context: None,
                exceptions: ExceptionSpec::default(),
                max_match_len: Some(6),
            }],
            rules: vec![RuleSpec {
                id: "r".into(),
                description: String::new(),
                phase: Phase::Request,
                roles: 0,
                when: Condition::Detector {
                    detector: 0,
                    min_count: 1,
                },
                action: Action::Block {
                    status: 403,
                    message: "no".into(),
                },
                mode: Mode::Enforce,
                severity: Severity::High,
                controls: vec!["owasp-llm:LLM02".into()],
            }],
            routes: vec![],
            systems: vec![],
            disclosure_headers: vec![],
            unknown_hosts: UnknownPath::Block,
        }
    }

    #[test]
    fn format_version_2_still_loads_and_passes_unknown_hosts() {
        let v3 = sample().to_bytes();
        // Version 3 appended `unknown_hosts` (one varint byte) to the payload.
        let payload = &v3[HEADER_LEN..v3.len() - 1];
        let mut v2 = v3[..HEADER_LEN].to_vec();
        v2[8..10].copy_from_slice(&2u16.to_le_bytes());
        v2[44..76].copy_from_slice(&Digest::of(payload).0);
        v2[76..80].copy_from_slice(&(payload.len() as u32).to_le_bytes());
        v2.extend_from_slice(payload);
        let loaded = RuleSet::from_bytes(&v2).expect("a version-2 rule set loads");
        assert_eq!(loaded.unknown_hosts, UnknownPath::Allow);
        assert_eq!(
            RuleSet {
                unknown_hosts: UnknownPath::Block,
                ..loaded
            },
            sample()
        );
    }

    #[test]
    fn binary_and_json_forms_load_the_same_rule_set() {
        let rs = sample();
        assert_eq!(RuleSet::from_bytes(&rs.to_bytes()).unwrap(), rs);
        assert_eq!(RuleSet::from_bytes(rs.to_json().as_bytes()).unwrap(), rs);
    }

    #[test]
    fn newer_format_is_refused_with_a_clear_error() {
        let mut bytes = sample().to_bytes();
        bytes[8] = 9;
        let err = RuleSet::from_bytes(&bytes).unwrap_err();
        assert!(matches!(err, LoadError::NewerFormat { found: 9 }));
        assert!(err.to_string().contains("newer"));
    }

    #[test]
    fn corrupt_and_truncated_rule_sets_are_refused() {
        let bytes = sample().to_bytes();
        for cut in [0, 10, HEADER_LEN, bytes.len() - 1] {
            assert!(RuleSet::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0xff;
        assert!(matches!(
            RuleSet::from_bytes(&flipped),
            Err(LoadError::Corrupt(_))
        ));
        assert!(matches!(
            RuleSet::from_bytes(b"hello"),
            Err(LoadError::NotARuleSet)
        ));
    }

    #[test]
    fn dangling_detector_index_is_refused() {
        let mut rs = sample();
        rs.rules[0].when = Condition::Detector {
            detector: 7,
            min_count: 1,
        };
        assert!(matches!(
            RuleSet::from_bytes(&rs.to_bytes()),
            Err(LoadError::Corrupt(_))
        ));
    }
}
