//! The audit event and its parts.

use serde::{Deserialize, Serialize};

/// Schema id every event carries in its first member. Bumped when a field
/// changes meaning; new optional fields keep it.
pub const SCHEMA: &str = "aimsgate.audit/1";

/// Hits listed per event at most; the rest are counted in
/// `aimsgate.hits_omitted`.
pub const MAX_HIT_RECORDS: usize = 256;

/// What a log line must contain for [`open`](super::open) to find an event in it (the
/// proxy prefixes its own fields to plugin log lines).
pub const MARKER: &str = "{\"schema\":\"aimsgate.audit/";

/// Event names (`event.name`).
pub mod names {
    /// A governed request or response was decided.
    pub const DECISION: &str = "aimsgate.decision";
    /// A chain began (VM start or first configuration).
    pub const CHAIN_START: &str = "aimsgate.chain.start";
    /// Periodic: the chain's head, delivery losses, other chains seen.
    pub const CHECKPOINT: &str = "aimsgate.chain.checkpoint";
    /// The chain ended cleanly (plugin removed, proxy draining).
    pub const CHAIN_END: &str = "aimsgate.chain.end";
}

/// One audit event. Optional members are left out when empty, so a line
/// holds only what applies to its kind.
///
/// The member order here is the order on the wire; the digest is computed
/// over the exact bytes written, not over a re-serialisation, so readers may
/// parse events with any JSON library.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(title = "aimsgate audit event"))]
pub struct AuditEvent {
    /// Always [`SCHEMA`](super::SCHEMA).
    pub schema: String,
    /// What happened: one of [`names`].
    #[serde(rename = "event.name")]
    pub name: String,
    /// When, in nanoseconds since the Unix epoch (the proxy's clock).
    pub time_unix_nano: u64,
    /// The chain this event belongs to: one per plugin per VM (Envoy worker).
    #[serde(rename = "aimsgate.chain.id")]
    pub chain_id: String,
    /// Position in the chain, from 0 (the chain's start event).
    #[serde(rename = "aimsgate.chain.seq")]
    pub seq: u64,
    /// Digest of the previous event of the chain ([`GENESIS`](super::GENESIS) for seq 0).
    #[serde(rename = "aimsgate.chain.prev")]
    pub prev: String,
    /// The runtime that wrote it, `name/version` (`aimsgate-filter/0.1.0`).
    #[serde(rename = "aimsgate.runtime")]
    pub runtime: String,
    /// Policy name of the rule set in force.
    #[serde(
        rename = "aimsgate.policy.name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub policy_name: Option<String>,
    /// Policy version.
    #[serde(
        rename = "aimsgate.policy.version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub policy_version: Option<String>,
    /// SHA-256 of the compiled rule set, hex.
    #[serde(
        rename = "aimsgate.policy.digest",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub policy_digest: Option<String>,
    /// Id of the trusted key whose signature on the rule set the runtime
    /// checked (`aimsgate keygen`); absent when the runtime checks none.
    #[serde(
        rename = "aimsgate.policy.key_id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub policy_key_id: Option<String>,
    /// The exchange's request id (`x-request-id`).
    #[serde(
        rename = "aimsgate.request.id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
    /// Route id of the policy.
    #[serde(
        rename = "aimsgate.route",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub route: Option<String>,
    /// AI system id of the route (the policy's inventory).
    #[serde(
        rename = "aimsgate.system",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub system: Option<String>,
    /// `request` or `response`.
    #[serde(
        rename = "aimsgate.phase",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub phase: Option<String>,
    /// `allow`, `monitor`, `flag`, `cap`, `redact` or `block`.
    #[serde(
        rename = "aimsgate.outcome",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub outcome: Option<String>,
    /// `enforce` when an enforce-mode rule fired, `monitor` when only
    /// monitor-mode rules did; absent when none fired.
    #[serde(
        rename = "aimsgate.mode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mode: Option<String>,
    /// Why the runtime itself decided (no rule set, body too large, path
    /// passed uninspected…); absent for a policy decision.
    #[serde(
        rename = "aimsgate.code",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<String>,
    /// Whether the body was inspected.
    #[serde(
        rename = "aimsgate.inspected",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub inspected: Option<bool>,
    /// Every rule that fired, applied or not.
    #[serde(
        rename = "aimsgate.rules",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub rules: Vec<RuleRecord>,
    /// Control ids of the rules that fired, sorted.
    #[serde(
        rename = "aimsgate.controls",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub controls: Vec<String>,
    /// Every detector match behind a fired rule: where, never what.
    #[serde(
        rename = "aimsgate.hits",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub hits: Vec<HitRecord>,
    /// Hits beyond the first [`MAX_HIT_RECORDS`](super::MAX_HIT_RECORDS),
    /// counted but not listed (a body full of e-mail addresses must not
    /// make an event of megabytes).
    #[serde(
        rename = "aimsgate.hits_omitted",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub hits_omitted: Option<u64>,
    /// `worker` when usage budgets were counted by this proxy worker alone
    /// (the proxy offers the filter no shared data): N workers allow up to
    /// N times each limit. Absent when budgets are shared or not counted.
    #[serde(
        rename = "aimsgate.budget_scope",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub budget_scope: Option<String>,
    /// Spans masked.
    #[serde(
        rename = "aimsgate.redactions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub redactions: Option<u32>,
    /// The refusal, for `block`.
    #[serde(
        rename = "aimsgate.block",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub block: Option<BlockRecord>,
    /// OpenTelemetry GenAI: `chat`, `embeddings`, `generate_content`.
    #[serde(
        rename = "gen_ai.operation.name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub operation: Option<String>,
    /// OpenTelemetry GenAI: the provider (the policy's system provider, else
    /// `openai`, `anthropic`, `gcp.gemini` from the API).
    #[serde(
        rename = "gen_ai.provider.name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub provider: Option<String>,
    /// OpenTelemetry GenAI: the model asked for.
    #[serde(
        rename = "gen_ai.request.model",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub model: Option<String>,
    /// OpenTelemetry GenAI: the model that answered, as the response names
    /// it (response events; a provider's response id is never recorded).
    #[serde(
        rename = "gen_ai.response.model",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub response_model: Option<String>,
    /// OpenTelemetry GenAI: input tokens (estimated from the inspected text).
    #[serde(
        rename = "gen_ai.usage.input_tokens",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub input_tokens: Option<u64>,
    /// OpenTelemetry GenAI: output tokens (as the API reported them, else estimated).
    #[serde(
        rename = "gen_ai.usage.output_tokens",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub output_tokens: Option<u64>,
    /// OpenTelemetry: the caller, from the policy's identity header.
    #[serde(rename = "user.id", default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The caller's group, from the policy's group header.
    #[serde(
        rename = "aimsgate.caller.group",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub group: Option<String>,
    /// OpenTelemetry: the host the request was for (port stripped).
    #[serde(
        rename = "server.address",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub host: Option<String>,
    /// Microseconds spent inspecting this phase.
    #[serde(
        rename = "aimsgate.inspection.duration_us",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub duration_us: Option<u64>,
    /// A human-readable note from the runtime (never request content).
    #[serde(
        rename = "aimsgate.message",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<String>,
    /// For checkpoints: the chain's state and what it saw of others.
    #[serde(
        rename = "aimsgate.checkpoint",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub checkpoint: Option<Checkpoint>,
    /// For a chain's own events (start, checkpoints, end), when the runtime
    /// holds a checkpoint key: `<key id>:<Ed25519 signature>` in hex, over
    /// the line's bytes before this member; written by
    /// [`Chain::seal_signed`](super::Chain::seal_signed), just before the
    /// digest.
    #[serde(
        rename = "aimsgate.chain.signature",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub signature: Option<String>,
    /// SHA-256 (hex) of the line's bytes before this member; written by
    /// [`Chain::seal`](super::Chain::seal), always last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

impl AuditEvent {
    /// Names the policy the event was decided under, unless it already
    /// names one: every runtime stamps its events so before sealing.
    pub fn stamp_policy(&mut self, policy: &crate::ruleset::PolicyInfo) {
        self.policy_name.get_or_insert_with(|| policy.name.clone());
        self.policy_version
            .get_or_insert_with(|| policy.version.clone());
        self.policy_digest
            .get_or_insert_with(|| policy.digest.to_hex());
    }
}

/// A rule that fired.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RuleRecord {
    /// Rule id.
    pub id: String,
    /// `enforce` or `monitor`.
    pub mode: String,
    /// The rule's action.
    pub action: String,
    /// Whether the action was applied.
    pub applied: bool,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// Control ids the rule implements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
}

/// Where a detector matched. Never the text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HitRecord {
    /// Detector id.
    pub detector: String,
    /// Rules this match made fire.
    pub rules: Vec<String>,
    /// Role of the message (`user`, `system`, `assistant`, `tool`).
    pub role: String,
    /// Index of the message in the conversation.
    pub message_index: u32,
    /// Byte offsets in the message text (decoded, before normalisation).
    pub start: u64,
    /// End offset (exclusive).
    pub end: u64,
    /// Highest severity of the rules it made fire.
    pub severity: String,
    /// Control ids of those rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
    /// HMAC-SHA-256 of the matched bytes under the deployment's audit key,
    /// first 16 bytes in hex: lets an investigator tell whether two events
    /// matched the same value without the log holding it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_hmac: Option<String>,
    /// For a match found in encoded text, the decodings that revealed it
    /// (`encoded:base64`, `encoded:base64+hex`); the offsets are then those
    /// of the encoded run. A reason reads `encoded:base64 → prompt-injection`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// A refusal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockRecord {
    /// HTTP status answered.
    pub status: u16,
    /// `rule`, `retired-system`, `unknown-path` or `uninspectable`.
    pub reason: String,
    /// The blocking rule, for `rule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// A chain's periodic statement about itself and the chains it can see.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Checkpoint {
    /// Milliseconds between checkpoints: a chain silent for much longer
    /// than this was cut off or its VM died.
    pub interval_ms: u64,
    /// Events the collector buffer dropped since the chain began.
    pub dropped: u64,
    /// Sequence numbers of events dropped since the previous checkpoint
    /// (inclusive ranges), so a verifier can tell a counted drop from a
    /// deletion.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped_seqs: Vec<SeqRange>,
    /// Heads other chains of the same proxy published at their last
    /// checkpoint: a chain cut off or lost from the log is caught by the
    /// chains that witnessed it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witnessed: Vec<Witness>,
    /// Chain heads a timestamp authority signed since the previous
    /// checkpoint (see [`Anchor`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    /// Requests the runtime saw since the chain began, counted apart from
    /// the events: what the event log is held against (ISO/IEC 42001
    /// A.6.2.8). Absent from runtimes that do not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<u64>,
    /// Of those, passed untouched with no event, as the policy says for
    /// hosts no route names (`unknown_hosts: pass`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unrecorded: Option<u64>,
}

/// An inclusive range of sequence numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SeqRange {
    /// First.
    pub first: u64,
    /// Last (inclusive).
    pub last: u64,
}

/// Another chain's head, as that chain published it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Witness {
    /// Its chain id.
    pub chain: String,
    /// Its sequence number at that checkpoint.
    pub seq: u64,
    /// The digest of that event.
    pub digest: String,
    /// When it published it.
    pub time_unix_nano: u64,
}

/// Chain heads and a timestamp authority's answer over them, as a
/// checkpoint carries it (see the `anchor` module: what is timestamped is
/// [`imprint`](super::imprint) of the heads).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Anchor {
    /// Milliseconds between anchors: an event older than a few intervals
    /// with no anchor over it was not anchored when it should have been.
    pub interval_ms: u64,
    /// The heads timestamped, in the order hashed.
    pub heads: Vec<Witness>,
    /// The TSA's answer (an RFC 3161 `TimeStampResp`, DER), base64.
    pub token: String,
}
