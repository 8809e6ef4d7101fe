//! Diagnostics for people: what is wrong, where (file:line:column), and a
//! hint.
//!
//! Every problem the compiler finds is a [`Diagnostic`] with a byte span in
//! the source; a [`Diagnostics`] turns spans into line and column and renders
//! them either as one grep-friendly line each (`file:line:col: error: …`)
//! or with the offending source lines underlined (miette's graphical
//! handler, chosen for its compact, colour-optional snippets).
//!
//! # Codes
//!
//! Each diagnostic carries a stable [`Code`], shown as `error[code]` or
//! `warning[code]`, as `code` in the JSON output and as the SARIF rule id.
//! Scripts and CI match on these strings, so they never change.
//!
//! | Code | Level | When it fires |
//! |---|---|---|
//! | `syntax` | error | The file is not valid YAML or JSON, or uses YAML a policy cannot hold (aliases, odd keys). |
//! | `duplicate-key` | error | A mapping has the same key twice. |
//! | `unknown-field` | error | A key the policy format does not know (often a misspelt field). |
//! | `missing-field` | error | A required field is absent. |
//! | `invalid` | error | A value has the wrong type or is not one of the allowed values. |
//! | `api-version` | error | `apiVersion` is not the version this compiler reads. |
//! | `kind` | error | `kind` is not `Policy`. |
//! | `date` | warning | A date of the policy (`metadata.approved`, an impact assessment's `date` or `next_review`, the `soa.document` dates) is not a `YYYY-MM-DD` date. |
//! | `unapproved` | warning | The policy's metadata names no approver. |
//! | `empty-id` | error | A detector, rule, route, system or risk has an empty id. |
//! | `duplicate-id` | error | Two detectors, rules, routes, systems, risks or suppliers share an id. |
//! | `detector-kind` | error | A detector gives none, or several, of `builtin`, `regex`, `words` and `canary`. |
//! | `unknown-builtin` | error | A detector's `builtin` names no built-in detector. |
//! | `canary` | error | The canary built-in detector has no `canary` values. |
//! | `keyword` | error | A regex detector's `keywords` holds an empty keyword. |
//! | `keywords-ignored` | warning | A word-list detector has `keywords`, which only gate regexes. |
//! | `bad-regex` | error | A regex does not compile (Rust regex syntax, within the size limit). |
//! | `no-controls` | error | A rule names no control it implements. |
//! | `status` | error | A `block` action's status is not an error status (400–599). |
//! | `cap-phase` | error | A `cap_max_tokens` rule is not in the request phase. |
//! | `redact-nothing` | warning | A `redact` rule names no detector, so it masks nothing. |
//! | `unlisted-control` | warning | A well-formed id of a partially catalogued framework that the catalogue does not list. |
//! | `unknown-control` | error | A control id that its framework does not have, or a malformed id. |
//! | `bad-control` | error | Not a `framework:ID` control reference, or an unknown framework prefix. |
//! | `missing-detector` | error | A rule's condition names a detector that is not declared. |
//! | `missing-route` | error | A rule's `route` condition or a system names a route that is not declared. |
//! | `window` | error | A budget's `window` is not a number and a unit (`30s`, `15m`, `1h`, `1d`). |
//! | `budget-zero` | warning | A budget's limit is 0, which refuses every request. |
//! | `impact-assessment` | error | A system that affects people, is regulated or high-risk has no AI impact assessment. |
//! | `prohibited` | error | A system of unacceptable (prohibited) risk is not retired. |
//! | `provider-name` | warning | A system's `provider` is another spelling of an OpenTelemetry `gen_ai.provider.name` value (`google` for `gcp.gemini`). |
//! | `header-after-body` | warning | A response rule adds a header under a condition that reads the response body: the head is sent first, so the header is never added (events say `applied: false`). |
//! | `route-claimed` | error | A route is named by more than one system. |
//! | `unknown-api` | error | A route's `api` is not a known API. |
//! | `path` | error | A route's path prefix does not start with `/`. |
//! | `missing-rule` | error | A route applies, or an impact assessment names as a mitigation, a rule that is not declared. |
//! | `applied-without-rule` | warning | A control is declared `applied` in `soa` but no rule implements it. |
//! | `soa-conflict` | error | A control's `soa` declarations conflict, or it is excluded though rules implement it. |
//! | `justification` | error | An `soa` exclusion has no justification. |
//! | `not-addressed` | warning | Annex A controls are neither applied, organizational, impact-assessed nor excluded. |
//! | `unused-detector` | warning | A detector is not used by any rule. |
//! | `classifier` | error | A `classifier` detector or a rule naming one is not usable: `of` is not a phrase detector, the thresholds are out of order, a second classifier, or a rule that is not a request rule that blocks or flags. |
//! | `missing-status` | warning | An `soa` declaration gives no `status`: the statement says "not declared" rather than assume it implemented. |
//! | `missing-owner` | warning | A system, a risk or an `soa` declaration names no `owner`. |
//! | `missing-justification` | warning | An `organizational` control gives evidence but no justification for including it (ISO/IEC 42001 6.1.3 d asks for both). |
//! | `unknown-risk` | error | An `soa` declaration names a risk that `risks` does not declare. |
//! | `unknown-system` | error | A risk names a system that `systems` does not declare. |
//! | `soa-document` | warning | The `soa` section has no `document` (its id, version, approver and next review), or it names no approver. |
//! | `missing-scope` | warning | A system gives no `purpose`, `eu_ai_act_role` or `annex_iii`: the AIMS scope (clause 4.3) does not say what it is for or what the Act asks of the organisation. |
//! | `lifecycle-routes` | warning | A system at `inception` or `design-development` is served by routes: traffic reaches a system that has not been verified and validated. |
//! | `stale-review` | warning | A review date (`soa.document.next_review`, an impact assessment's, a screening's or a supplier's `next_review`) has passed: `aimsgate check` compares it with today. |
//! | `annex-iii` | warning | A system in an EU AI Act Annex III area is not rated `high` (Art. 6(2); the Art. 6(3) derogation must be recorded). |
//! | `documentation-control` | warning | A rule claims an ISO/IEC 42001 Annex A control that its decisions cannot evidence (a document, role or process; the reference table in the catalogue gives why). |
//! | `log-retention` | warning | The policy states no retention for its audit events, or fewer days than the EU AI Act asks (six months) while a high-risk system names an EU AI Act role. |
//! | `impact-screening` | warning | A system records neither an impact assessment nor a dated screening decision that it needs none. |
//! | `provider-duty` | warning | A rule or the disclosure cites an EU AI Act provision that is a provider's duty for a system whose role is `deployer` (the catalogue marks each provision's duty; a deployer's record cites the deployer's paragraphs, e.g. Art. 26(6) for logs). |
//! | `unknown-supplier` | warning | The policy keeps a supplier register (`suppliers`) and a system's `provider` is on none of its entries (systems that are their own provider are exempt). |
//! | `unapproved-model` | warning | A system names a model that its supplier's approved `models` do not cover. |
//! | `supplier-terms` | warning | A supplier entry records no contract, data-processing agreement, AI-incident clause or next review date, or approves no model or every model (ISO/IEC 42001 A.10.3). |
//! | `control-fit` | warning | A rule claims an ISO/IEC 42001 Annex A control that only some rules can evidence (A.6.2.8, A.8.2, A.9.4, A.10.3) without deciding what that control is about (the catalogue's reference table gives why). |
//! | `impact-approval` | warning | An impact assessment names no `approver`: nobody accepted its results and the impact that remains. |
//! | `high-risk-duty` | warning | A rule or the disclosure cites an EU AI Act provision that binds only high-risk AI systems (Arts 8–27, 43–49, 72, 73) for a system not rated `high`. |

use std::fmt;
use std::fmt::Write as _;
use std::ops::Range;

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Advice; fails `check --strict` only.
    Warning,
    /// The policy cannot be compiled.
    Error,
}

impl Level {
    /// The level as written in output: `"error"` or `"warning"` (also
    /// SARIF's names for them).
    pub const fn as_str(&self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// The stable code of a [`Diagnostic`]: what kind of problem it is.
///
/// Codes appear in the output as `error[unknown-control]`, in the JSON
/// diagnostics' `code` and as SARIF rule ids, so their strings
/// ([`Code::as_str`]) never change. The module docs list them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// The file is not valid YAML or JSON, or uses YAML a policy cannot hold (aliases, odd keys).
    Syntax,
    /// A mapping has the same key twice.
    DuplicateKey,
    /// A key the policy format does not know (often a misspelt field).
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// A value has the wrong type or is not one of the allowed values.
    Invalid,
    /// `apiVersion` is not the version this compiler reads.
    ApiVersion,
    /// `kind` is not `Policy`.
    Kind,
    /// A date of the policy (`metadata.approved`, an impact assessment's `date` or `next_review`, the `soa.document` dates) is not a `YYYY-MM-DD` date.
    Date,
    /// The policy's metadata names no approver.
    Unapproved,
    /// A detector, rule, route, system or risk has an empty id.
    EmptyId,
    /// Two detectors, rules, routes, systems, risks or suppliers share an id.
    DuplicateId,
    /// A detector gives none, or several, of `builtin`, `regex`, `words` and `canary`.
    DetectorKind,
    /// A detector's `builtin` names no built-in detector.
    UnknownBuiltin,
    /// The canary built-in detector has no `canary` values.
    Canary,
    /// A regex detector's `keywords` holds an empty keyword.
    Keyword,
    /// A word-list detector has `keywords`, which only gate regexes.
    KeywordsIgnored,
    /// A regex does not compile (Rust regex syntax, within the size limit).
    BadRegex,
    /// A rule names no control it implements.
    NoControls,
    /// A `block` action's status is not an error status (400–599).
    Status,
    /// A `cap_max_tokens` rule is not in the request phase.
    CapPhase,
    /// A `redact` rule names no detector, so it masks nothing.
    RedactNothing,
    /// A well-formed id of a partially catalogued framework that the catalogue does not list.
    UnlistedControl,
    /// A control id that its framework does not have, or a malformed id.
    UnknownControl,
    /// Not a `framework:ID` control reference, or an unknown framework prefix.
    BadControl,
    /// A rule's condition names a detector that is not declared.
    MissingDetector,
    /// A rule's `route` condition or a system names a route that is not declared.
    MissingRoute,
    /// A budget's `window` is not a number and a unit (`30s`, `15m`, `1h`, `1d`).
    Window,
    /// A budget's limit is 0, which refuses every request.
    BudgetZero,
    /// A system that affects people, is regulated or high-risk has no AI impact assessment.
    ImpactAssessment,
    /// A system of unacceptable (prohibited) risk is not retired.
    Prohibited,
    /// A system's `provider` is another spelling of an OpenTelemetry `gen_ai.provider.name` value (`google` for `gcp.gemini`).
    ProviderName,
    /// A response rule adds a header under a condition that reads the response body: the head is sent first, so the header is never added (events say `applied: false`).
    HeaderAfterBody,
    /// A route is named by more than one system.
    RouteClaimed,
    /// A route's `api` is not a known API.
    UnknownApi,
    /// A route's path prefix does not start with `/`.
    Path,
    /// A route applies, or an impact assessment names as a mitigation, a rule that is not declared.
    MissingRule,
    /// A control is declared `applied` in `soa` but no rule implements it.
    AppliedWithoutRule,
    /// A control's `soa` declarations conflict, or it is excluded though rules implement it.
    SoaConflict,
    /// An `soa` exclusion has no justification.
    Justification,
    /// Annex A controls are neither applied, organizational, impact-assessed nor excluded.
    NotAddressed,
    /// A detector is not used by any rule.
    UnusedDetector,
    /// A `classifier` detector or a rule naming one is not usable: `of` is not a phrase detector, the thresholds are out of order, a second classifier, or a rule that is not a request rule that blocks or flags.
    Classifier,
    /// An `soa` declaration gives no `status`: the statement says "not declared" rather than assume it implemented.
    MissingStatus,
    /// A system, a risk or an `soa` declaration names no `owner`.
    MissingOwner,
    /// An `organizational` control gives evidence but no justification for including it (ISO/IEC 42001 6.1.3 d asks for both).
    MissingJustification,
    /// An `soa` declaration names a risk that `risks` does not declare.
    UnknownRisk,
    /// A risk names a system that `systems` does not declare.
    UnknownSystem,
    /// The `soa` section has no `document` (its id, version, approver and next review), or it names no approver.
    SoaDocument,
    /// A system gives no `purpose`, `eu_ai_act_role` or `annex_iii`: the AIMS scope (clause 4.3) does not say what it is for or what the Act asks of the organisation.
    MissingScope,
    /// A system at `inception` or `design-development` is served by routes: traffic reaches a system that has not been verified and validated.
    LifecycleRoutes,
    /// A review date (`soa.document.next_review`, an impact assessment's, a screening's or a supplier's `next_review`) has passed: `aimsgate check` compares it with today.
    StaleReview,
    /// A system in an EU AI Act Annex III area is not rated `high` (Art. 6(2); the Art. 6(3) derogation must be recorded).
    AnnexIii,
    /// A rule claims an ISO/IEC 42001 Annex A control that its decisions cannot evidence (a document, role or process; the reference table in the catalogue gives why).
    DocumentationControl,
    /// The policy states no retention for its audit events, or fewer days than the EU AI Act asks (six months) while a high-risk system names an EU AI Act role.
    LogRetention,
    /// A system records neither an impact assessment nor a dated screening decision that it needs none.
    ImpactScreening,
    /// A rule or the disclosure cites an EU AI Act provision that is a provider's duty for a system whose role is `deployer` (the catalogue marks each provision's duty; a deployer's record cites the deployer's paragraphs, e.g. Art. 26(6) for logs).
    ProviderDuty,
    /// The policy keeps a supplier register (`suppliers`) and a system's `provider` is on none of its entries (systems that are their own provider are exempt).
    UnknownSupplier,
    /// A system names a model that its supplier's approved `models` do not cover.
    UnapprovedModel,
    /// A supplier entry records no contract, data-processing agreement, AI-incident clause or next review date, or approves no model or every model (ISO/IEC 42001 A.10.3).
    SupplierTerms,
    /// A rule claims an ISO/IEC 42001 Annex A control that only some rules can evidence (A.6.2.8, A.8.2, A.9.4, A.10.3) without deciding what that control is about (the catalogue's reference table gives why).
    ControlFit,
    /// An impact assessment names no `approver`: nobody accepted its results and the impact that remains.
    ImpactApproval,
    /// A rule or the disclosure cites an EU AI Act provision that binds only high-risk AI systems (Arts 8–27, 43–49, 72, 73) for a system not rated `high`.
    HighRiskDuty,
}

impl Code {
    /// Every code, in the order of the table in the module docs.
    pub const ALL: [Code; 62] = [
        Code::Syntax,
        Code::DuplicateKey,
        Code::UnknownField,
        Code::MissingField,
        Code::Invalid,
        Code::ApiVersion,
        Code::Kind,
        Code::Date,
        Code::Unapproved,
        Code::EmptyId,
        Code::DuplicateId,
        Code::DetectorKind,
        Code::UnknownBuiltin,
        Code::Canary,
        Code::Keyword,
        Code::KeywordsIgnored,
        Code::BadRegex,
        Code::NoControls,
        Code::Status,
        Code::CapPhase,
        Code::RedactNothing,
        Code::UnlistedControl,
        Code::UnknownControl,
        Code::BadControl,
        Code::MissingDetector,
        Code::MissingRoute,
        Code::Window,
        Code::BudgetZero,
        Code::ImpactAssessment,
        Code::Prohibited,
        Code::ProviderName,
        Code::HeaderAfterBody,
        Code::RouteClaimed,
        Code::UnknownApi,
        Code::Path,
        Code::MissingRule,
        Code::AppliedWithoutRule,
        Code::SoaConflict,
        Code::Justification,
        Code::NotAddressed,
        Code::UnusedDetector,
        Code::Classifier,
        Code::MissingStatus,
        Code::MissingOwner,
        Code::MissingJustification,
        Code::UnknownRisk,
        Code::UnknownSystem,
        Code::SoaDocument,
        Code::MissingScope,
        Code::LifecycleRoutes,
        Code::StaleReview,
        Code::AnnexIii,
        Code::DocumentationControl,
        Code::LogRetention,
        Code::ImpactScreening,
        Code::ProviderDuty,
        Code::UnknownSupplier,
        Code::UnapprovedModel,
        Code::SupplierTerms,
        Code::ControlFit,
        Code::ImpactApproval,
        Code::HighRiskDuty,
    ];

    /// The code as written in output, e.g. `"unknown-control"`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Code::Syntax => "syntax",
            Code::DuplicateKey => "duplicate-key",
            Code::UnknownField => "unknown-field",
            Code::MissingField => "missing-field",
            Code::Invalid => "invalid",
            Code::ApiVersion => "api-version",
            Code::Kind => "kind",
            Code::Date => "date",
            Code::Unapproved => "unapproved",
            Code::EmptyId => "empty-id",
            Code::DuplicateId => "duplicate-id",
            Code::DetectorKind => "detector-kind",
            Code::UnknownBuiltin => "unknown-builtin",
            Code::Canary => "canary",
            Code::Keyword => "keyword",
            Code::KeywordsIgnored => "keywords-ignored",
            Code::BadRegex => "bad-regex",
            Code::NoControls => "no-controls",
            Code::Status => "status",
            Code::CapPhase => "cap-phase",
            Code::RedactNothing => "redact-nothing",
            Code::UnlistedControl => "unlisted-control",
            Code::UnknownControl => "unknown-control",
            Code::BadControl => "bad-control",
            Code::MissingDetector => "missing-detector",
            Code::MissingRoute => "missing-route",
            Code::Window => "window",
            Code::BudgetZero => "budget-zero",
            Code::ImpactAssessment => "impact-assessment",
            Code::Prohibited => "prohibited",
            Code::ProviderName => "provider-name",
            Code::HeaderAfterBody => "header-after-body",
            Code::RouteClaimed => "route-claimed",
            Code::UnknownApi => "unknown-api",
            Code::Path => "path",
            Code::MissingRule => "missing-rule",
            Code::AppliedWithoutRule => "applied-without-rule",
            Code::SoaConflict => "soa-conflict",
            Code::Justification => "justification",
            Code::NotAddressed => "not-addressed",
            Code::UnusedDetector => "unused-detector",
            Code::Classifier => "classifier",
            Code::MissingStatus => "missing-status",
            Code::MissingOwner => "missing-owner",
            Code::MissingJustification => "missing-justification",
            Code::UnknownRisk => "unknown-risk",
            Code::UnknownSystem => "unknown-system",
            Code::SoaDocument => "soa-document",
            Code::MissingScope => "missing-scope",
            Code::LifecycleRoutes => "lifecycle-routes",
            Code::StaleReview => "stale-review",
            Code::AnnexIii => "annex-iii",
            Code::DocumentationControl => "documentation-control",
            Code::LogRetention => "log-retention",
            Code::ImpactScreening => "impact-screening",
            Code::ProviderDuty => "provider-duty",
            Code::UnknownSupplier => "unknown-supplier",
            Code::UnapprovedModel => "unapproved-model",
            Code::SupplierTerms => "supplier-terms",
            Code::ControlFit => "control-fit",
            Code::ImpactApproval => "impact-approval",
            Code::HighRiskDuty => "high-risk-duty",
        }
    }

    /// What the code means, in Markdown: the "When it fires" column of the
    /// module docs' table (a test keeps the two equal). SARIF rules carry
    /// it as their description and help.
    pub const fn description(&self) -> &'static str {
        match self {
            Code::Syntax => {
                "The file is not valid YAML or JSON, or uses YAML a policy cannot hold (aliases, odd keys)."
            }
            Code::DuplicateKey => "A mapping has the same key twice.",
            Code::UnknownField => "A key the policy format does not know (often a misspelt field).",
            Code::MissingField => "A required field is absent.",
            Code::Invalid => "A value has the wrong type or is not one of the allowed values.",
            Code::ApiVersion => "`apiVersion` is not the version this compiler reads.",
            Code::Kind => "`kind` is not `Policy`.",
            Code::Date => {
                "A date of the policy (`metadata.approved`, an impact assessment's `date` or `next_review`, the `soa.document` dates) is not a `YYYY-MM-DD` date."
            }
            Code::Unapproved => "The policy's metadata names no approver.",
            Code::EmptyId => "A detector, rule, route, system or risk has an empty id.",
            Code::DuplicateId => {
                "Two detectors, rules, routes, systems, risks or suppliers share an id."
            }
            Code::DetectorKind => {
                "A detector gives none, or several, of `builtin`, `regex`, `words` and `canary`."
            }
            Code::UnknownBuiltin => "A detector's `builtin` names no built-in detector.",
            Code::Canary => "The canary built-in detector has no `canary` values.",
            Code::Keyword => "A regex detector's `keywords` holds an empty keyword.",
            Code::KeywordsIgnored => {
                "A word-list detector has `keywords`, which only gate regexes."
            }
            Code::BadRegex => {
                "A regex does not compile (Rust regex syntax, within the size limit)."
            }
            Code::NoControls => "A rule names no control it implements.",
            Code::Status => "A `block` action's status is not an error status (400–599).",
            Code::CapPhase => "A `cap_max_tokens` rule is not in the request phase.",
            Code::RedactNothing => "A `redact` rule names no detector, so it masks nothing.",
            Code::UnlistedControl => {
                "A well-formed id of a partially catalogued framework that the catalogue does not list."
            }
            Code::UnknownControl => {
                "A control id that its framework does not have, or a malformed id."
            }
            Code::BadControl => {
                "Not a `framework:ID` control reference, or an unknown framework prefix."
            }
            Code::MissingDetector => "A rule's condition names a detector that is not declared.",
            Code::MissingRoute => {
                "A rule's `route` condition or a system names a route that is not declared."
            }
            Code::Window => {
                "A budget's `window` is not a number and a unit (`30s`, `15m`, `1h`, `1d`)."
            }
            Code::BudgetZero => "A budget's limit is 0, which refuses every request.",
            Code::ImpactAssessment => {
                "A system that affects people, is regulated or high-risk has no AI impact assessment."
            }
            Code::Prohibited => "A system of unacceptable (prohibited) risk is not retired.",
            Code::ProviderName => {
                "A system's `provider` is another spelling of an OpenTelemetry `gen_ai.provider.name` value (`google` for `gcp.gemini`)."
            }
            Code::HeaderAfterBody => {
                "A response rule adds a header under a condition that reads the response body: the head is sent first, so the header is never added (events say `applied: false`)."
            }
            Code::RouteClaimed => "A route is named by more than one system.",
            Code::UnknownApi => "A route's `api` is not a known API.",
            Code::Path => "A route's path prefix does not start with `/`.",
            Code::MissingRule => {
                "A route applies, or an impact assessment names as a mitigation, a rule that is not declared."
            }
            Code::AppliedWithoutRule => {
                "A control is declared `applied` in `soa` but no rule implements it."
            }
            Code::SoaConflict => {
                "A control's `soa` declarations conflict, or it is excluded though rules implement it."
            }
            Code::Justification => "An `soa` exclusion has no justification.",
            Code::NotAddressed => {
                "Annex A controls are neither applied, organizational, impact-assessed nor excluded."
            }
            Code::UnusedDetector => "A detector is not used by any rule.",
            Code::Classifier => {
                "A `classifier` detector or a rule naming one is not usable: `of` is not a phrase detector, the thresholds are out of order, a second classifier, or a rule that is not a request rule that blocks or flags."
            }
            Code::MissingStatus => {
                "An `soa` declaration gives no `status`: the statement says \"not declared\" rather than assume it implemented."
            }
            Code::MissingOwner => "A system, a risk or an `soa` declaration names no `owner`.",
            Code::MissingJustification => {
                "An `organizational` control gives evidence but no justification for including it (ISO/IEC 42001 6.1.3 d asks for both)."
            }
            Code::UnknownRisk => "An `soa` declaration names a risk that `risks` does not declare.",
            Code::UnknownSystem => "A risk names a system that `systems` does not declare.",
            Code::SoaDocument => {
                "The `soa` section has no `document` (its id, version, approver and next review), or it names no approver."
            }
            Code::MissingScope => {
                "A system gives no `purpose`, `eu_ai_act_role` or `annex_iii`: the AIMS scope (clause 4.3) does not say what it is for or what the Act asks of the organisation."
            }
            Code::LifecycleRoutes => {
                "A system at `inception` or `design-development` is served by routes: traffic reaches a system that has not been verified and validated."
            }
            Code::StaleReview => {
                "A review date (`soa.document.next_review`, an impact assessment's, a screening's or a supplier's `next_review`) has passed: `aimsgate check` compares it with today."
            }
            Code::AnnexIii => {
                "A system in an EU AI Act Annex III area is not rated `high` (Art. 6(2); the Art. 6(3) derogation must be recorded)."
            }
            Code::DocumentationControl => {
                "A rule claims an ISO/IEC 42001 Annex A control that its decisions cannot evidence (a document, role or process; the reference table in the catalogue gives why)."
            }
            Code::LogRetention => {
                "The policy states no retention for its audit events, or fewer days than the EU AI Act asks (six months) while a high-risk system names an EU AI Act role."
            }
            Code::ImpactScreening => {
                "A system records neither an impact assessment nor a dated screening decision that it needs none."
            }
            Code::ProviderDuty => {
                "A rule or the disclosure cites an EU AI Act provision that is a provider's duty for a system whose role is `deployer` (the catalogue marks each provision's duty; a deployer's record cites the deployer's paragraphs, e.g. Art. 26(6) for logs)."
            }
            Code::UnknownSupplier => {
                "The policy keeps a supplier register (`suppliers`) and a system's `provider` is on none of its entries (systems that are their own provider are exempt)."
            }
            Code::UnapprovedModel => {
                "A system names a model that its supplier's approved `models` do not cover."
            }
            Code::SupplierTerms => {
                "A supplier entry records no contract, data-processing agreement, AI-incident clause or next review date, or approves no model or every model (ISO/IEC 42001 A.10.3)."
            }
            Code::ControlFit => {
                "A rule claims an ISO/IEC 42001 Annex A control that only some rules can evidence (A.6.2.8, A.8.2, A.9.4, A.10.3) without deciding what that control is about (the catalogue's reference table gives why)."
            }
            Code::ImpactApproval => {
                "An impact assessment names no `approver`: nobody accepted its results and the impact that remains."
            }
            Code::HighRiskDuty => {
                "A rule or the disclosure cites an EU AI Act provision that binds only high-risk AI systems (Arts 8–27, 43–49, 72, 73) for a system not rated `high`."
            }
        }
    }

    /// The level diagnostics of this code have: the "Level" column of the
    /// module docs' table (a test keeps the two equal).
    pub const fn level(&self) -> Level {
        match self {
            Code::Date
            | Code::Unapproved
            | Code::KeywordsIgnored
            | Code::RedactNothing
            | Code::UnlistedControl
            | Code::BudgetZero
            | Code::AppliedWithoutRule
            | Code::NotAddressed
            | Code::UnusedDetector
            | Code::ProviderName
            | Code::HeaderAfterBody
            | Code::MissingStatus
            | Code::MissingOwner
            | Code::MissingJustification
            | Code::SoaDocument
            | Code::MissingScope
            | Code::LifecycleRoutes
            | Code::StaleReview
            | Code::AnnexIii
            | Code::DocumentationControl
            | Code::LogRetention
            | Code::ImpactScreening
            | Code::ProviderDuty
            | Code::UnknownSupplier
            | Code::UnapprovedModel
            | Code::SupplierTerms
            | Code::ControlFit
            | Code::ImpactApproval
            | Code::HighRiskDuty => Level::Warning,
            _ => Level::Error,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialises as its string, e.g. `"unknown-control"`.
impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One problem in a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// Stable code, e.g. [`Code::UnknownControl`] (`unknown-control`).
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// Byte span in the source, when known.
    #[serde(skip)]
    pub span: Option<Range<usize>>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Error,
            code,
            message: message.into(),
            span: None,
            help: None,
        }
    }

    /// A warning.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Warning,
            code,
            message: message.into(),
            span: None,
            help: None,
        }
    }

    /// Sets the span.
    pub fn at(mut self, span: Option<Range<usize>>) -> Diagnostic {
        self.span = span;
        self
    }

    /// Sets the hint.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// A source file and the diagnostics found in it.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    /// File name as given by the user.
    pub file: String,
    /// The file's text.
    pub text: String,
    /// The diagnostics, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// A position, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

/// Line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    LineCol {
        line,
        column: before[line_start..].chars().count() + 1,
    }
}

impl Diagnostics {
    /// A report with no diagnostics yet.
    pub fn new(file: impl Into<String>, text: impl Into<String>) -> Diagnostics {
        Diagnostics {
            file: file.into(),
            text: text.into(),
            diagnostics: Vec::new(),
        }
    }

    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.level == Level::Warning)
            .count()
    }

    /// Sorts diagnostics by position (unknown positions last).
    pub fn sort(&mut self) {
        self.diagnostics
            .sort_by_key(|d| (d.span.as_ref().map_or(usize::MAX, |s| s.start), d.level));
    }

    /// Where a diagnostic is, as `file:line:col`.
    pub fn location(&self, diagnostic: &Diagnostic) -> String {
        match &diagnostic.span {
            Some(span) => {
                let at = line_col(&self.text, span.start);
                format!("{}:{}:{}", self.file, at.line, at.column)
            }
            None => self.file.clone(),
        }
    }

    /// One line per diagnostic (plus a hint line), for logs and CI.
    pub fn render_plain(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            let level = d.level.as_str();
            let _ = writeln!(
                out,
                "{}: {level}[{}]: {}",
                self.location(d),
                d.code,
                d.message
            );
            if let Some(help) = &d.help {
                let _ = writeln!(out, "  help: {help}");
            }
        }
        out
    }

    /// Each diagnostic with its source lines underlined.
    pub fn render_fancy(&self) -> String {
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_context_lines(1);
        let mut out = String::new();
        for d in &self.diagnostics {
            let level = d.level.as_str();
            let _ = writeln!(
                out,
                "{}: {level}[{}]: {}",
                self.location(d),
                d.code,
                d.message
            );
            let Some(span) = &d.span else {
                if let Some(help) = &d.help {
                    let _ = writeln!(out, "  help: {help}");
                }
                continue;
            };
            let mut report = miette::MietteDiagnostic::new(d.message.clone())
                .with_severity(match d.level {
                    Level::Error => miette::Severity::Error,
                    Level::Warning => miette::Severity::Warning,
                })
                .with_label(miette::LabeledSpan::at(span.clone(), "here"));
            if let Some(help) = &d.help {
                report = report.with_help(help.clone());
            }
            let report = miette::Report::new(report)
                .with_source_code(miette::NamedSource::new(&self.file, self.text.clone()));
            let _ = handler.render_report(&mut out, report.as_ref());
        }
        out
    }

    /// Diagnostics as JSON (with file, line and column).
    pub fn to_json(&self) -> serde_json::Value {
        let items: Vec<serde_json::Value> = self
            .diagnostics
            .iter()
            .map(|d| {
                let at = d.span.as_ref().map(|s| line_col(&self.text, s.start));
                serde_json::json!({
                    "file": self.file,
                    "line": at.map(|a| a.line),
                    "column": at.map(|a| a.column),
                    "level": d.level,
                    "code": d.code.as_str(),
                    "message": d.message,
                    "help": d.help,
                })
            })
            .collect();
        serde_json::Value::Array(items)
    }
}

/// The closest candidate to `wanted` by edit distance, if close enough to
/// be a plausible typo.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(wanted, c), c))
        .filter(|(d, c)| *d <= (wanted.len().max(c.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_in_characters() {
        let text = "a: 1\nbé: x\n";
        assert_eq!(line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(
            line_col(text, text.find('x').unwrap()),
            LineCol { line: 2, column: 5 }
        );
    }

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "`{s}` is used twice");
            assert!(
                !s.is_empty()
                    && !s.starts_with('-')
                    && !s.ends_with('-')
                    && !s.contains("--")
                    && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "`{s}` is not kebab-case"
            );
            assert_eq!(code.to_string(), s);
            assert_eq!(serde_json::to_value(code).ok(), Some(serde_json::json!(s)));
        }
        // `ALL` holds the variants in declaration order, none left out
        // before the last.
        for (i, code) in Code::ALL.into_iter().enumerate() {
            assert_eq!(code as usize, i, "{code:?}");
        }
    }

    #[test]
    fn every_code_is_listed_once_in_all_and_in_the_module_docs() {
        // `as_str` is an exhaustive match, so a new variant cannot be
        // forgotten there; `ALL` and the table are checked here.
        let table = include_str!("diagnostics.rs");
        for code in Code::ALL {
            let row = format!("//! | `{}` |", code.as_str());
            assert_eq!(table.matches(&row).count(), 1, "{row}");
            // The table and `level` / `description` say the same.
            let full = format!(
                "{row} {} | {} |\n",
                code.level().as_str(),
                code.description()
            );
            assert_eq!(table.matches(&full).count(), 1, "{full}");
        }
        assert_eq!(
            Code::ALL.len(),
            table.lines().filter(|l| l.starts_with("//! | `")).count()
        );
    }

    #[test]
    fn suggestions_are_close_matches_only() {
        assert_eq!(did_you_mean("emial", ["email", "iban"]), Some("email"));
        assert_eq!(did_you_mean("zzzzzz", ["email", "iban"]), None);
    }
}
