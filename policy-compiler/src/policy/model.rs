//! The policy language, v1: the serde model of a policy document.
//!
//! YAML and JSON documents share this one model. Field names are
//! `snake_case`; every struct refuses unknown fields so a typo is an error
//! at the right line, not a silently ignored setting.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The only `apiVersion` this compiler reads.
pub const API_VERSION: &str = "aimsgate/v1";

/// A policy document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Always `aimsgate/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// Always `Policy`.
    #[serde(default = "default_kind")]
    pub kind: String,
    /// Document control: name, version, owner, approval.
    pub metadata: Metadata,
    /// Headers that carry the caller's identity (set by the proxy's
    /// authentication).
    #[serde(default)]
    pub identity: Identity,
    /// The AI systems in the AIMS scope.
    #[serde(default)]
    pub systems: Vec<System>,
    /// The supplier register (ISO/IEC 42001 A.10.3): each model provider,
    /// its contract terms and the models approved from it. Its `models`
    /// are the one approved-model list: rules check requests and answers
    /// against it with `model_not_approved`, and `check` holds each
    /// system's `models` to it.
    #[serde(default)]
    pub suppliers: Vec<Supplier>,
    /// The AI risks assessed (ISO/IEC 42001 6.1.2) and how each is
    /// treated (6.1.3, 8.3): the controls an SoA entry names them for.
    #[serde(default)]
    pub risks: Vec<Risk>,
    /// Detectors rules can reference.
    #[serde(default)]
    pub detectors: Vec<Detector>,
    /// The rules.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Which traffic which rules govern.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// Statement-of-Applicability declarations.
    #[serde(default)]
    pub soa: SoaDeclarations,
    /// AI-disclosure headers added to governed responses (EU AI Act Art. 50).
    #[serde(default)]
    pub disclosure: Option<Disclosure>,
    /// A request for a host no route names: `refuse` (403, recorded; the
    /// default) or `pass` (untouched, unrecorded: traffic that is not the
    /// policy's business).
    #[serde(default)]
    pub unknown_hosts: UnknownHostsDef,
    /// The incident response plan the exported incidents go to (ISO/IEC
    /// 42001 A.8.4) and who triages them by default.
    #[serde(default)]
    pub incident_response: Option<IncidentResponse>,
    /// How long the audit events are kept, and where (ISO/IEC 42001
    /// A.6.2.8; EU AI Act Art. 19 and 26(6): at least six months).
    #[serde(default)]
    pub retention: Option<Retention>,
}

/// Where incidents go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentResponse {
    /// The incident response and communication plan (A.8.4): its
    /// reference, which every exported incident carries.
    pub plan: String,
    /// Who triages an incident whose rule names no `owner`.
    pub owner: String,
}

/// A supplier of models or AI services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Supplier {
    /// Supplier id.
    pub id: String,
    /// Legal or trading name.
    #[serde(default)]
    pub name: Option<String>,
    /// The provider as systems and audit events name it
    /// (`gen_ai.provider.name`: `openai`, `anthropic`, `gcp.gemini`, …).
    pub provider: String,
    /// The models approved from it, as requests name them; an entry
    /// ending in `*` approves every model it prefixes (`gpt-4.1*`).
    pub models: Vec<String>,
    /// Who manages the relationship.
    #[serde(default)]
    pub owner: Option<String>,
    /// The contract's reference.
    #[serde(default)]
    pub contract: Option<String>,
    /// The data-processing agreement's reference.
    #[serde(default)]
    pub dpa: Option<String>,
    /// What the contract says about AI incidents: who tells whom, how
    /// fast (the clause's reference or a summary).
    #[serde(default)]
    pub incident_clause: Option<String>,
    /// The due-diligence record (security, privacy, responsible-AI review).
    #[serde(default)]
    pub due_diligence: Option<String>,
    /// When the supplier is next reviewed (YYYY-MM-DD).
    #[serde(default)]
    pub next_review: Option<String>,
}

impl Supplier {
    /// Whether `model` is approved: named exactly, or prefixed by an entry
    /// ending in `*`, as the rule engine reads the list at runtime.
    pub fn approves(&self, model: &str) -> bool {
        self.models
            .iter()
            .any(|m| aimsgate_engine::decision::model_matches(m, model))
    }
}

/// Retention of the audit events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Days the audit events are kept.
    pub audit_events_days: u32,
    /// Where they are kept (the log store, bucket or SIEM), so an auditor
    /// knows whom to ask.
    #[serde(default)]
    pub store: Option<String>,
}

/// Days in six months, the least the EU AI Act asks logs to be kept for
/// (Art. 19(1) for providers, Art. 26(6) for deployers).
pub const EU_AI_ACT_MIN_RETENTION_DAYS: u32 = 183;

/// What happens to a request for a host no route names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownHostsDef {
    /// Refuse it (fail closed; default).
    #[default]
    Refuse,
    /// Let it pass untouched.
    Pass,
}

impl UnknownHostsDef {
    /// The rule-set form.
    pub fn lower(self) -> aimsgate_engine::ruleset::UnknownPath {
        match self {
            UnknownHostsDef::Refuse => aimsgate_engine::ruleset::UnknownPath::Block,
            UnknownHostsDef::Pass => aimsgate_engine::ruleset::UnknownPath::Allow,
        }
    }
}

fn default_kind() -> String {
    "Policy".to_owned()
}

/// Document control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Policy name (kebab-case recommended).
    pub name: String,
    /// Policy version.
    pub version: String,
    /// Who owns the policy.
    pub owner: String,
    /// Who approved it.
    #[serde(default)]
    pub approver: Option<String>,
    /// When it was approved (YYYY-MM-DD).
    #[serde(default)]
    pub approved: Option<String>,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Ids of the keys approved to sign this policy's rule sets (as
    /// `aimsgate keygen` prints them, 16 hex digits). The evidence report
    /// and the SoA flag interactions decided under rules signed by another
    /// key, or checked by no key at all. Empty: not checked.
    #[serde(default)]
    pub signing_keys: Vec<String>,
}

/// Identity headers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Header with the user id (e.g. `x-user-id`).
    #[serde(default)]
    pub user_header: Option<String>,
    /// Header with the user's group (e.g. `x-user-group`).
    #[serde(default)]
    pub group_header: Option<String>,
}

/// Risk tier of an AI system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RiskTier {
    /// Minimal risk.
    Minimal,
    /// Limited risk (transparency obligations).
    Limited,
    /// High risk.
    High,
    /// Prohibited practice.
    Unacceptable,
}

impl RiskTier {
    /// As written in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            RiskTier::Minimal => "minimal",
            RiskTier::Limited => "limited",
            RiskTier::High => "high",
            RiskTier::Unacceptable => "unacceptable",
        }
    }
}

/// ISO/IEC 22989 life-cycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Lifecycle {
    /// Inception.
    Inception,
    /// Design and development.
    DesignDevelopment,
    /// Verification and validation.
    VerificationValidation,
    /// Deployment.
    Deployment,
    /// Operation and monitoring.
    Operation,
    /// Continuous validation / re-evaluation.
    ReEvaluation,
    /// Retired: routes are refused at runtime.
    Retired,
}

impl Lifecycle {
    /// As written in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Lifecycle::Inception => "inception",
            Lifecycle::DesignDevelopment => "design-development",
            Lifecycle::VerificationValidation => "verification-validation",
            Lifecycle::Deployment => "deployment",
            Lifecycle::Operation => "operation",
            Lifecycle::ReEvaluation => "re-evaluation",
            Lifecycle::Retired => "retired",
        }
    }

    /// Whether a system at this stage may serve production traffic: not
    /// before it was verified and validated.
    pub const fn serves_traffic(self) -> bool {
        !matches!(self, Lifecycle::Inception | Lifecycle::DesignDevelopment)
    }
}

/// An AI system in scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct System {
    /// System id.
    pub id: String,
    /// Human name.
    #[serde(default)]
    pub name: Option<String>,
    /// Route ids that serve this system.
    #[serde(default)]
    pub routes: Vec<String>,
    /// Model provider, as audit events carry it in `gen_ai.provider.name`:
    /// OpenTelemetry's name when it has one (`openai`, `anthropic`,
    /// `gcp.gemini`, `gcp.vertex_ai`, `azure.ai.openai`, `aws.bedrock`, …),
    /// else your own (`internal`).
    pub provider: String,
    /// Application domain (e.g. `healthcare`, `finance`, `employment`,
    /// `education`, `customer-service`).
    pub domain: String,
    /// Risk tier.
    pub risk_tier: RiskTier,
    /// Life-cycle stage.
    pub lifecycle: Lifecycle,
    /// Whether it makes decisions that materially affect people.
    #[serde(default)]
    pub affects_individuals: bool,
    /// Who is accountable for the system (ISO/IEC 42001 A.3.2).
    #[serde(default)]
    pub owner: Option<String>,
    /// Its intended purpose, in a sentence (A.9.4; EU AI Act Art. 3(12)).
    #[serde(default)]
    pub purpose: Option<String>,
    /// The organisation's role for it under the EU AI Act.
    #[serde(default)]
    pub eu_ai_act_role: Option<EuAiActRole>,
    /// Models it uses (as the provider names them).
    #[serde(default)]
    pub models: Vec<String>,
    /// Categories of data it processes (e.g. `personal`, `special-category`,
    /// `confidential`, `public`).
    #[serde(default)]
    pub data_categories: Vec<String>,
    /// How people oversee it (A.9.2; EU AI Act Art. 14, 26(2)).
    #[serde(default)]
    pub oversight: Option<String>,
    /// The EU AI Act Annex III area it falls in, or `not-listed`: beside
    /// the free-text `domain`, what makes it high-risk under Art. 6(2).
    #[serde(default)]
    pub annex_iii: Option<AnnexIii>,
    /// The AI impact assessment (required when it affects individuals or
    /// sits in a regulated domain).
    #[serde(default)]
    pub impact_assessment: Option<ImpactAssessment>,
    /// For a system without an impact assessment: the dated decision that
    /// it needs none (ISO/IEC 42001 A.5.2).
    #[serde(default)]
    pub screening: Option<Screening>,
}

/// The organisation's role for an AI system under the EU AI Act (Art. 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EuAiActRole {
    /// Develops the system or has it developed and places it on the market
    /// or puts it into service under its own name (Art. 3(3)).
    Provider,
    /// Uses the system under its authority (Art. 3(4)).
    Deployer,
    /// Both: builds the system and uses it itself.
    ProviderAndDeployer,
}

impl EuAiActRole {
    /// As written in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            EuAiActRole::Provider => "provider",
            EuAiActRole::Deployer => "deployer",
            EuAiActRole::ProviderAndDeployer => "provider-and-deployer",
        }
    }
}

/// How a rule's firing is handled as an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentDef {
    /// Category for the incident process (e.g. `data-leak`,
    /// `prompt-injection`, `harmful-output`).
    pub category: String,
    /// A serious incident: one the EU AI Act makes reportable (deployers
    /// inform the provider and authorities, Art. 26(5); providers report,
    /// Art. 73).
    #[serde(default)]
    pub serious: bool,
    /// Who triages this rule's incidents (else the system's owner, else
    /// `incident_response.owner`).
    #[serde(default)]
    pub owner: Option<String>,
}

/// The high-risk areas of EU AI Act Annex III (Art. 6(2)), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AnnexIii {
    /// Area 1: Biometrics (remote identification, categorisation, emotion recognition).
    Biometrics,
    /// Area 2: Critical infrastructure (safety components).
    CriticalInfrastructure,
    /// Area 3: Education and vocational training.
    Education,
    /// Area 4: Employment, workers' management and access to self-employment.
    Employment,
    /// Area 5: Access to essential private and public services and
    /// benefits (credit scoring, insurance pricing, emergency calls).
    EssentialServices,
    /// Area 6: Law enforcement.
    LawEnforcement,
    /// Area 7: Migration, asylum and border control.
    Migration,
    /// Area 8: Administration of justice and democratic processes.
    Justice,
    /// In none of the areas.
    NotListed,
}

impl AnnexIii {
    /// As written in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            AnnexIii::Biometrics => "biometrics",
            AnnexIii::CriticalInfrastructure => "critical-infrastructure",
            AnnexIii::Education => "education",
            AnnexIii::Employment => "employment",
            AnnexIii::EssentialServices => "essential-services",
            AnnexIii::LawEnforcement => "law-enforcement",
            AnnexIii::Migration => "migration",
            AnnexIii::Justice => "justice",
            AnnexIii::NotListed => "not-listed",
        }
    }
}

/// A three-step rating of a risk's likelihood or impact.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Rating {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

impl Rating {
    /// As written in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Rating::Low => "low",
            Rating::Medium => "medium",
            Rating::High => "high",
        }
    }
}

/// How a risk is treated (ISO/IEC 42001 6.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Treatment {
    /// Reduced by controls.
    Mitigate,
    /// Accepted as it is, by its owner.
    Accept,
    /// Avoided (the activity is not done).
    Avoid,
    /// Transferred (insurance, contract).
    Transfer,
}

impl Treatment {
    /// As written in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Treatment::Mitigate => "mitigate",
            Treatment::Accept => "accept",
            Treatment::Avoid => "avoid",
            Treatment::Transfer => "transfer",
        }
    }
}

/// An assessed AI risk and its treatment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    /// Risk id (e.g. `R-01`), as SoA entries name it.
    pub id: String,
    /// What could happen, to whom.
    pub description: String,
    /// Who owns the risk.
    #[serde(default)]
    pub owner: Option<String>,
    /// How likely it is.
    pub likelihood: Rating,
    /// How bad it would be.
    pub impact: Rating,
    /// How it is treated.
    pub treatment: Treatment,
    /// Controls (`framework:ID`) that treat it.
    #[serde(default)]
    pub controls: Vec<String>,
    /// Systems (ids) it concerns; empty: all in scope.
    #[serde(default)]
    pub systems: Vec<String>,
}

/// A screening decision: the system was looked at and needs no impact
/// assessment, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Screening {
    /// When (YYYY-MM-DD).
    pub date: String,
    /// The decision and its reason (or the record holding it).
    pub decision: String,
    /// Who decided.
    pub by: String,
    /// When it is next reviewed (YYYY-MM-DD); `check` warns once it has
    /// passed.
    #[serde(default)]
    pub next_review: Option<String>,
}

/// Reference to an AI system impact assessment (ISO/IEC 42001 A.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactAssessment {
    /// Document id.
    pub id: String,
    /// Date (YYYY-MM-DD).
    pub date: String,
    /// Owner.
    pub owner: String,
    /// Who approved its results and the residual impact (`check` warns
    /// without one).
    #[serde(default)]
    pub approver: Option<String>,
    /// Mitigation plan (summary or reference).
    pub mitigation: String,
    /// Rules (ids) that carry out the mitigation at runtime; `check`
    /// refuses one the policy does not declare.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Monitoring plan (summary or reference).
    pub monitoring: String,
    /// Whether it covers societal impacts (A.5.5).
    #[serde(default)]
    pub societal: Option<String>,
    /// When it is next reviewed (YYYY-MM-DD); `check` warns once it has
    /// passed.
    #[serde(default)]
    pub next_review: Option<String>,
}

/// A detector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Detector {
    /// Detector id, referenced by rules.
    pub id: String,
    /// What it finds.
    #[serde(default)]
    pub description: Option<String>,
    /// A built-in detector (`email`, `payment-card`, …; see `aimsgate detectors`).
    #[serde(default)]
    pub builtin: Option<String>,
    /// Custom regular expressions (Rust regex syntax).
    #[serde(default)]
    pub regex: Option<OneOrMany>,
    /// Literals of which one occurs in every regex match: the regex only
    /// runs when one was seen.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// A keyword list: literal words or phrases.
    #[serde(default)]
    pub words: Vec<String>,
    /// Keyword lists: only whole words count (default true).
    #[serde(default)]
    pub whole_word: Option<bool>,
    /// Case-insensitive matching (default true for words, false for regex).
    #[serde(default)]
    pub case_insensitive: Option<bool>,
    /// Unicode-aware regex classes (default false: faster to compile).
    #[serde(default)]
    pub unicode: Option<bool>,
    /// Canary values planted in system prompts.
    #[serde(default)]
    pub canary: Vec<String>,
    /// A check on each candidate.
    #[serde(default)]
    pub validator: Option<ValidatorDef>,
    /// Words that must occur near a candidate.
    #[serde(default)]
    pub context: Option<ContextDef>,
    /// Candidates that never count.
    #[serde(default)]
    pub exceptions: Option<ExceptionsDef>,
    /// Upper bound of a match's length in bytes (for streaming).
    #[serde(default)]
    pub max_match_len: Option<u32>,
    /// A second opinion: requests a phrase detector scores between two
    /// thresholds are sent to an external classifier, whose attack
    /// verdict is a match of this detector.
    #[serde(default)]
    pub classifier: Option<ClassifierDef>,
}

/// A `classifier` detector: when to ask, and how to read the answer. Where
/// to ask is the runtime's configuration (the filter's
/// `options.classifier`, the edge guard's `classifier`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifierDef {
    /// The phrase detector whose score decides whether to ask (a
    /// `builtin: prompt-injection` detector).
    pub of: String,
    /// `[low, high]`: a score of at least `low` and below `high` asks;
    /// below `low` nothing is suspected, and from `high` the phrase rules
    /// decide alone.
    pub between: [u32; 2],
    /// Labels that mean "attack", in any case (default `injection`,
    /// `jailbreak`).
    #[serde(default = "default_classifier_labels")]
    pub labels: Vec<String>,
    /// Confidence (0–1) an attack label needs (default 0.5).
    #[serde(default = "default_min_confidence")]
    pub min_confidence: f32,
    /// Most bytes of text sent (default 4096).
    #[serde(default = "default_classifier_bytes")]
    pub max_bytes: u32,
}

fn default_classifier_labels() -> Vec<String> {
    vec!["injection".to_owned(), "jailbreak".to_owned()]
}

fn default_min_confidence() -> f32 {
    0.5
}

fn default_classifier_bytes() -> u32 {
    4096
}

/// One string or a list of strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One.
    One(String),
    /// Many.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The strings.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A validator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum ValidatorDef {
    /// Luhn checksum.
    Luhn,
    /// Payment card: issuer prefix, length and Luhn.
    PaymentCard,
    /// IBAN mod-97.
    Iban,
    /// US SSN validity rules.
    UsSsn,
    /// Valid IPv4.
    Ipv4,
    /// Valid IPv6.
    Ipv6,
    /// JWT header.
    Jwt,
    /// Minimum Shannon entropy in bits per character.
    Entropy(f32),
    /// Globally routable IPv4 or IPv6 address (private, loopback, link-local, CGNAT, multicast, documentation ranges refused).
    PublicIp,
    /// Phone number: `+` country code in service, national number of that country's length.
    Phone,
    /// Calendar date with a plausible year of birth.
    DateOfBirth,
    /// US ITIN (9XX with an IRS group).
    UsItin,
    /// US EIN with an IRS-assigned prefix.
    UsEin,
    /// US passport number (placeholders refused).
    UsPassport,
    /// ABA routing number (prefix and 3-7-1 checksum).
    AbaRouting,
    /// UK NHS number (mod-11).
    UkNhs,
    /// SWIFT/BIC code with an ISO 3166 country.
    SwiftBic,
    /// MAC address (not all zeros, not broadcast).
    MacAddress,
    /// `scheme://user:password@host` with a real password.
    UrlCredentials,
    /// Phone number in national notation that is not a date.
    NationalPhone,
}

/// Context words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextDef {
    /// Words; one must occur within `window` bytes.
    pub words: Vec<String>,
    /// Window in bytes (default 64).
    #[serde(default = "default_window")]
    pub window: u32,
}

fn default_window() -> u32 {
    64
}

/// Exceptions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionsDef {
    /// Exact values that never count.
    #[serde(default)]
    pub values: Vec<String>,
    /// Patterns; a candidate matching one entirely never counts.
    #[serde(default)]
    pub patterns: Vec<String>,
}

/// Phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PhaseDef {
    /// Requests.
    Request,
    /// Responses.
    Response,
    /// Both.
    Both,
}

/// Message role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleDef {
    /// System / developer.
    System,
    /// User.
    User,
    /// Assistant.
    Assistant,
    /// Tool results.
    Tool,
}

/// Mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModeDef {
    /// Apply.
    #[default]
    Enforce,
    /// Record only.
    Monitor,
}

/// Severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityDef {
    /// Low.
    Low,
    /// Medium.
    #[default]
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

/// A rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Rule id.
    pub id: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Phase (default request).
    #[serde(default = "default_phase")]
    pub phase: PhaseDef,
    /// Roles whose text detector conditions look at (default: all).
    #[serde(default)]
    pub roles: Vec<RoleDef>,
    /// Condition; absent means always.
    #[serde(default)]
    pub when: Option<ConditionDef>,
    /// Action.
    pub action: ActionDef,
    /// Mode (default enforce).
    #[serde(default)]
    pub mode: ModeDef,
    /// Severity (default medium).
    #[serde(default)]
    pub severity: SeverityDef,
    /// Controls implemented, as `framework:ID`.
    pub controls: Vec<String>,
    /// When the rule fires, the interaction is an incident of this kind
    /// for the incident process (ISO/IEC 42001 A.8.4), whatever its action.
    #[serde(default)]
    pub incident: Option<IncidentDef>,
}

fn default_phase() -> PhaseDef {
    PhaseDef::Request
}

/// A condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ConditionDef {
    /// All hold.
    All(Vec<ConditionDef>),
    /// Any holds.
    Any(Vec<ConditionDef>),
    /// Does not hold.
    Not(Box<ConditionDef>),
    /// A detector matched (id, or `{id, min_count}`).
    Detector(DetectorRef),
    /// Model not in the list (`gpt-4o*` matches by prefix).
    ModelNotIn(Vec<String>),
    /// `true`: the model is on no supplier's approved `models` (the
    /// supplier register's list, so it is kept in one place).
    ModelNotApproved(bool),
    /// Provider of the route's system not in the list.
    ProviderNotIn(Vec<String>),
    /// Request host not in the list.
    HostNotIn(Vec<String>),
    /// A tool declared or called is in the list.
    ToolIn(Vec<String>),
    /// A tool declared or called is not in the list.
    ToolNotIn(Vec<String>),
    /// Text of the rule's roles longer than this many bytes.
    PromptBytesOver(u64),
    /// Estimated tokens of the rule's roles over this.
    PromptTokensOver(u64),
    /// `max_tokens` (any spelling) over this, or missing.
    MaxTokensOver(u64),
    /// Request header missing.
    HeaderMissing(String),
    /// Request header equals a value.
    HeaderEquals(HeaderValue),
    /// Routed by one of these routes.
    Route(Vec<String>),
    /// Usage budget exceeded.
    Budget(BudgetDef),
}

/// A detector reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum DetectorRef {
    /// By id.
    Id(String),
    /// With a minimum count or, for a scored (phrase) detector, a minimum
    /// score.
    WithCount {
        /// Detector id.
        id: String,
        /// Matches needed (default 1).
        #[serde(default = "one")]
        min_count: u32,
        /// Score needed, for a phrase detector (default: the detector's
        /// threshold, 100 for `prompt-injection`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_score: Option<u32>,
    },
}

fn one() -> u32 {
    1
}

impl DetectorRef {
    /// The detector id.
    pub fn id(&self) -> &str {
        match self {
            DetectorRef::Id(id) | DetectorRef::WithCount { id, .. } => id,
        }
    }

    /// Score needed, when given.
    pub fn min_score(&self) -> Option<u32> {
        match self {
            DetectorRef::Id(_) => None,
            DetectorRef::WithCount { min_score, .. } => *min_score,
        }
    }

    /// Matches needed.
    pub fn min_count(&self) -> u32 {
        match self {
            DetectorRef::Id(_) => 1,
            DetectorRef::WithCount { min_count, .. } => *min_count,
        }
    }
}

/// A header name and value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderValue {
    /// Header name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A usage budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetDef {
    /// Budget id (defaults to the rule id).
    #[serde(default)]
    pub id: Option<String>,
    /// What to count.
    pub unit: BudgetUnitDef,
    /// Most allowed per window.
    pub limit: u64,
    /// Window: `30s`, `15m`, `1h`, `1d`.
    pub window: String,
    /// Whose usage (default user).
    #[serde(default)]
    pub per: Option<BudgetScopeDef>,
}

/// Budget unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BudgetUnitDef {
    /// Requests.
    Requests,
    /// Estimated tokens.
    Tokens,
}

/// Budget scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BudgetScopeDef {
    /// Per user.
    User,
    /// Per group.
    Group,
    /// Everyone.
    Global,
}

/// An action: a bare name (`block`, `flag`, `redact`) or a map with
/// settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ActionDef {
    /// `block`, `redact` or `flag` with defaults.
    Name(ActionName),
    /// An action with settings.
    Full(ActionFull),
}

/// Action names usable bare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionName {
    /// Block with 403.
    Block,
    /// Redact with `[REDACTED:{detector}]`.
    Redact,
    /// Flag.
    Flag,
}

/// Actions with settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionFull {
    /// Block.
    Block(BlockDef),
    /// Redact.
    Redact(RedactDef),
    /// Flag.
    Flag(FlagDef),
    /// Add a header.
    AddHeader(HeaderValue),
    /// Cap the output-token limit.
    CapMaxTokens(u64),
}

/// Block settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockDef {
    /// HTTP status (default 403; 429 for budget rules).
    #[serde(default)]
    pub status: Option<u16>,
    /// Message for the client.
    #[serde(default)]
    pub message: Option<String>,
}

/// Redact settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactDef {
    /// Mask template: `{detector}`, `{rule}`, `{stars}`.
    #[serde(default)]
    pub mask: Option<String>,
}

/// Flag settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagDef {
    /// Header to add.
    #[serde(default)]
    pub header: Option<HeaderValue>,
}

/// What to do with traffic a route cannot inspect (an unknown path on a
/// governed host, a body over the size limit, a protocol upgrade).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownPathDef {
    /// Refuse (default).
    #[default]
    Block,
    /// Pass uninspected and record.
    Allow,
}

impl UnknownPathDef {
    fn allow() -> UnknownPathDef {
        UnknownPathDef::Allow
    }

    /// The rule-set form.
    pub fn lower(self) -> aimsgate_engine::ruleset::UnknownPath {
        match self {
            UnknownPathDef::Block => aimsgate_engine::ruleset::UnknownPath::Block,
            UnknownPathDef::Allow => aimsgate_engine::ruleset::UnknownPath::Allow,
        }
    }
}

/// A route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Route id.
    pub id: String,
    /// Hosts; `*.example.com` for sub-domains; empty = any.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Path prefixes; empty = any.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Header that must be present (and equal `value` when given).
    #[serde(default)]
    pub header: Option<RouteHeader>,
    /// API spoken on the route (`openai-chat`, `openai-responses`,
    /// `openai-embeddings`, `anthropic`, `gemini`); default: from the path.
    #[serde(default)]
    pub api: Option<String>,
    /// Rule ids applied, or `all` (default).
    #[serde(default)]
    pub rules: Option<RouteRules>,
    /// Unknown path on these hosts.
    #[serde(default)]
    pub on_unknown_path: UnknownPathDef,
    /// A body over the filter's size limit: `block` (413, default) or
    /// `allow` (pass uninspected and record).
    #[serde(default)]
    pub on_oversize: UnknownPathDef,
    /// A WebSocket / Realtime upgrade, whose frames cannot be inspected:
    /// `block` (default) or `allow` (pass and record).
    #[serde(default)]
    pub on_upgrade: UnknownPathDef,
    /// A request whose classifier (a `classifier` detector) could not
    /// answer: `block` (503, default) or `allow` (decide it without the
    /// second opinion and record that).
    #[serde(default)]
    pub on_classifier_unavailable: UnknownPathDef,
    /// A body holding more encoded text (base64, hex, ROT13…) than the
    /// engine decodes: `allow` (default: decided on what fit, flagged with
    /// the code `decode_limit`) or `block` (refused).
    #[serde(default = "UnknownPathDef::allow")]
    pub on_decode_limit: UnknownPathDef,
}

/// A route's header match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteHeader {
    /// Header name.
    pub name: String,
    /// Required value.
    #[serde(default)]
    pub value: Option<String>,
}

/// The rules of a route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RouteRules {
    /// `all`.
    All(AllRules),
    /// Rule ids.
    Ids(Vec<String>),
}

/// The word `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AllRules {
    /// Every rule.
    All,
}

/// Statement-of-Applicability declarations.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SoaDeclarations {
    /// The statement's own document control: it is a controlled document
    /// of the AIMS (ISO/IEC 42001 6.1.3 d, 7.5), not a page of the policy.
    #[serde(default)]
    pub document: Option<SoaDocument>,
    /// Justification and status of controls the rules apply.
    #[serde(default)]
    pub applied: Vec<AppliedDecl>,
    /// Controls met by the organisation outside the proxy.
    #[serde(default)]
    pub organizational: Vec<OrganizationalDecl>,
    /// Controls excluded.
    #[serde(default)]
    pub excluded: Vec<ExcludedDecl>,
    /// How much operating evidence makes a control applied at runtime
    /// "operational" in the statement (below it: "operating since …").
    #[serde(default)]
    pub operating_evidence: OperatingThresholds,
}

/// Document control of the Statement of Applicability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SoaDocument {
    /// Document id (e.g. `SOA-AI-001`).
    pub id: String,
    /// Its version.
    pub version: String,
    /// Who approved this version.
    #[serde(default)]
    pub approver: Option<String>,
    /// When (YYYY-MM-DD).
    #[serde(default)]
    pub approved: Option<String>,
    /// When it is next reviewed (YYYY-MM-DD); `check` warns once it has
    /// passed.
    #[serde(default)]
    pub next_review: Option<String>,
    /// Earlier versions and what changed, newest first.
    #[serde(default)]
    pub revisions: Vec<Revision>,
}

/// One revision of a controlled document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// The version.
    pub version: String,
    /// When (YYYY-MM-DD).
    pub date: String,
    /// What changed.
    pub change: String,
    /// Who approved it.
    #[serde(default)]
    pub approver: Option<String>,
}

/// The least operating evidence for "operational": a period and a number
/// of interactions in which the control's rules were evaluated. One
/// firing on a day's traffic shows that a rule exists, not that a control
/// operates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatingThresholds {
    /// Days between the first and the last interaction evaluated (default
    /// 30).
    #[serde(default = "OperatingThresholds::default_min_days")]
    pub min_days: u64,
    /// Interactions evaluated (default 100).
    #[serde(default = "OperatingThresholds::default_min_interactions")]
    pub min_interactions: u64,
}

impl OperatingThresholds {
    fn default_min_days() -> u64 {
        30
    }

    fn default_min_interactions() -> u64 {
        100
    }
}

impl Default for OperatingThresholds {
    fn default() -> OperatingThresholds {
        OperatingThresholds {
            min_days: OperatingThresholds::default_min_days(),
            min_interactions: OperatingThresholds::default_min_interactions(),
        }
    }
}

/// Implementation status, as the organisation declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ImplementationStatus {
    /// Implemented.
    Implemented,
    /// Partly implemented.
    Partial,
    /// Planned.
    Planned,
}

/// An applied control's declaration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppliedDecl {
    /// `framework:ID`.
    pub control: String,
    /// Why it is included.
    pub justification: String,
    /// Status. Missing: `check` warns (an error under `--strict`) and the
    /// statement says "not declared" rather than assume "implemented".
    #[serde(default)]
    pub status: Option<ImplementationStatus>,
    /// Who is accountable for the control.
    #[serde(default)]
    pub owner: Option<String>,
    /// Risks (ids in `risks`) it treats.
    #[serde(default)]
    pub risks: Vec<String>,
}

/// An organisational control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationalDecl {
    /// `framework:ID`.
    pub control: String,
    /// Evidence reference (document, system, record).
    pub evidence: String,
    /// Why it is included (ISO/IEC 42001 6.1.3 d asks for it beside the
    /// evidence; missing: `check` warns).
    #[serde(default)]
    pub justification: Option<String>,
    /// Status. Missing: `check` warns (an error under `--strict`) and the
    /// statement says "not declared".
    #[serde(default)]
    pub status: Option<ImplementationStatus>,
    /// Who is accountable for the control.
    #[serde(default)]
    pub owner: Option<String>,
    /// Risks (ids in `risks`) it treats.
    #[serde(default)]
    pub risks: Vec<String>,
}

/// An excluded control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExcludedDecl {
    /// `framework:ID`.
    pub control: String,
    /// Why it does not apply.
    pub justification: String,
}

/// AI-disclosure headers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// Headers added to every governed response.
    pub headers: BTreeMap<String, String>,
    /// Controls this implements (default `eu-ai-act:Art.50`).
    #[serde(default)]
    pub controls: Vec<String>,
}
