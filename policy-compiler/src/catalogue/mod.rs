//! Control catalogue: the governance controls that aimsgate policies may cite,
//! and the resolver that turns a `framework:ID` reference into one of them.
//!
//! Every policy rule lists the controls it implements as `framework:ID` strings
//! (`iso42001:A.6.2.8`, `owasp-llm:LLM01`, `nist-ai-rmf:MEASURE-2.7`,
//! `eu-ai-act:Art.12`, `atlas:AML.T0051`, `nist-ai-600-1:data-privacy`). The
//! compiler checks each one with [`resolve`], so that a typo in a control
//! reference is caught at compile time instead of silently producing a
//! Statement of Applicability that claims the wrong control. The catalogue also
//! supplies titles, ISO/IEC 42001 Annex A objectives and grouping for reports
//! ([`annex_a`], [`annex_a_objectives`]).
//!
//! # Coverage
//!
//! * **Complete** — ISO/IEC 42001:2023 (the 38 Annex A controls plus the
//!   management-system clauses policies cite), the OWASP Top 10 for LLM
//!   Applications 2025 and the 12 NIST AI 600-1 risks. An id that is not listed
//!   is an error ([`Resolution::Unknown`]), with a "did you mean" suggestion
//!   when a listed id is close.
//! * **Partial by design** — the NIST AI RMF (all functions and categories, but
//!   only the subcategories commonly mapped to runtime controls), the EU AI Act
//!   (the articles most often mapped) and MITRE ATLAS (the techniques most often
//!   mapped). A *well-formed* id that is not listed resolves to
//!   [`Resolution::Unlisted`]: the caller emits a warning, not an error, so
//!   policies can cite any subcategory, article or technique without the
//!   catalogue having to mirror those (large, evolving) documents. Malformed
//!   ids are still errors.
//!
//! Framework prefixes are lower-case and ids are case-sensitive; wrong case,
//! missing `A.`/`AML.` prefixes and similar slips are rejected but get a
//! suggestion with the exact spelling.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A control framework whose controls policies can cite.
///
/// Serialises as its reference prefix (`"iso42001"`, `"nist-ai-rmf"`,
/// `"nist-ai-600-1"`, `"eu-ai-act"`, `"owasp-llm"`, `"atlas"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    /// ISO/IEC 42001:2023, AI management system (Annex A controls and clauses).
    Iso42001,
    /// NIST AI Risk Management Framework 1.0 (NIST AI 100-1).
    NistAiRmf,
    /// NIST AI 600-1, the Generative AI Profile of the AI RMF (its 12 risks).
    #[serde(rename = "nist-ai-600-1")]
    NistAi600_1,
    /// EU AI Act, Regulation (EU) 2024/1689 (articles).
    EuAiAct,
    /// OWASP Top 10 for LLM Applications, 2025 edition.
    OwaspLlm,
    /// MITRE ATLAS (adversarial threat landscape for AI systems) techniques.
    Atlas,
}

impl Framework {
    /// Every framework, in catalogue order.
    pub const ALL: [Framework; 6] = [
        Framework::Iso42001,
        Framework::NistAiRmf,
        Framework::NistAi600_1,
        Framework::EuAiAct,
        Framework::OwaspLlm,
        Framework::Atlas,
    ];

    /// The lower-case prefix used in references, e.g. `"iso42001"`.
    pub const fn prefix(self) -> &'static str {
        match self {
            Framework::Iso42001 => "iso42001",
            Framework::NistAiRmf => "nist-ai-rmf",
            Framework::NistAi600_1 => "nist-ai-600-1",
            Framework::EuAiAct => "eu-ai-act",
            Framework::OwaspLlm => "owasp-llm",
            Framework::Atlas => "atlas",
        }
    }

    /// Human-readable name of the framework, for reports.
    pub const fn title(self) -> &'static str {
        match self {
            Framework::Iso42001 => "ISO/IEC 42001:2023 AI management system",
            Framework::NistAiRmf => "NIST AI Risk Management Framework 1.0 (AI 100-1)",
            Framework::NistAi600_1 => "NIST AI 600-1 Generative AI Profile",
            Framework::EuAiAct => "EU AI Act (Regulation (EU) 2024/1689)",
            Framework::OwaspLlm => "OWASP Top 10 for LLM Applications 2025",
            Framework::Atlas => "MITRE ATLAS",
        }
    }

    /// The framework whose [`prefix`](Self::prefix) is exactly `prefix`
    /// (case-sensitive; prefixes are lower-case).
    pub fn from_prefix(prefix: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.prefix() == prefix)
    }

    /// Whether the catalogue lists every id of this framework. For complete
    /// frameworks an unlisted id is an error; for the others a well-formed but
    /// unlisted id is only a warning ([`Resolution::Unlisted`]).
    pub const fn is_complete(self) -> bool {
        matches!(
            self,
            Framework::Iso42001 | Framework::NistAi600_1 | Framework::OwaspLlm
        )
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

/// What sort of entry a [`Control`] is within its framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlKind {
    /// ISO/IEC 42001 Annex A control (e.g. `A.6.2.8`).
    AnnexA,
    /// ISO/IEC 42001 management-system clause (e.g. `6.1.3`).
    Clause,
    /// NIST AI RMF function (`GOVERN`, `MAP`, `MEASURE`, `MANAGE`).
    Function,
    /// NIST AI RMF category (`MEASURE-2`) or subcategory (`MEASURE-2.7`).
    Category,
    /// NIST AI 600-1 generative-AI risk (e.g. `data-privacy`).
    Risk,
    /// EU AI Act article (e.g. `Art.12`).
    Article,
    /// MITRE ATLAS technique or sub-technique (e.g. `AML.T0051.001`).
    Technique,
    /// OWASP LLM Top 10 entry (e.g. `LLM01`).
    Entry,
}

/// One citable control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Control {
    /// Framework the control belongs to.
    pub framework: Framework,
    /// Exact id within the framework, as written after `framework:`.
    pub id: &'static str,
    /// Short title.
    pub title: &'static str,
    /// Grouping for reports: the Annex A objective (`"A.6 AI system life
    /// cycle"`), the ISO clause (`"6 Planning"`), the NIST AI RMF function
    /// (`"MEASURE"`); empty for the other frameworks.
    pub group: &'static str,
    /// One-sentence description of what the control asks for (paraphrased;
    /// always present for Annex A controls, may be empty otherwise).
    pub objective: &'static str,
    /// What sort of entry this is.
    pub kind: ControlKind,
}

impl Control {
    /// The full reference, `framework:ID`.
    pub fn reference(&self) -> String {
        format!("{}:{}", self.framework.prefix(), self.id)
    }
}

/// Outcome of [`resolve`]-ing a control reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The reference names a catalogued control.
    Known(&'static Control),
    /// Well-formed id of a framework whose catalogue is deliberately partial
    /// (NIST AI RMF subcategory like `MEASURE-2.7`, EU AI Act article `Art.N`,
    /// `Art.N(M)` or `Art.N(M)(x)`, ATLAS technique `AML.TNNNN(.NNN)`) that the
    /// catalogue does not list: the caller warns.
    Unlisted {
        /// Framework named by the prefix.
        framework: Framework,
        /// The id as written.
        id: String,
    },
    /// Unknown id in a framework whose catalogue is complete (ISO 42001, OWASP
    /// LLM, NIST AI 600-1) or a malformed id anywhere: an error, with a
    /// suggestion when one is close.
    Unknown {
        /// Framework named by the prefix.
        framework: Framework,
        /// The id as written.
        id: String,
        /// Closest valid reference, as a full `framework:ID`.
        suggestion: Option<String>,
    },
    /// Not of the form `framework:ID`, or an unknown framework prefix.
    BadReference {
        /// Why the reference was rejected.
        reason: String,
        /// For an unknown prefix, the nearest framework prefix (e.g.
        /// `"owasp-llm"` for `owasp:LLM01`); for a reference without any
        /// prefix, the full `framework:ID` it most likely meant (e.g.
        /// `"iso42001:A.6.2.8"` for `A.6.2.8`).
        suggestion: Option<String>,
    },
}

impl Resolution {
    /// The catalogued control, if the reference is [`Resolution::Known`].
    pub fn control(&self) -> Option<&'static Control> {
        match self {
            Resolution::Known(c) => Some(c),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

const A2: &str = "A.2 Policies related to AI";
const A3: &str = "A.3 Internal organization";
const A4: &str = "A.4 Resources for AI systems";
const A5: &str = "A.5 Assessing impacts of AI systems";
const A6: &str = "A.6 AI system life cycle";
const A7: &str = "A.7 Data for AI systems";
const A8: &str = "A.8 Information for interested parties of AI systems";
const A9: &str = "A.9 Use of AI systems";
const A10: &str = "A.10 Third-party and customer relationships";

static ANNEX_A_OBJECTIVES: [(&str, &str); 9] = [
    ("A.2", "Policies related to AI"),
    ("A.3", "Internal organization"),
    ("A.4", "Resources for AI systems"),
    ("A.5", "Assessing impacts of AI systems"),
    ("A.6", "AI system life cycle"),
    ("A.7", "Data for AI systems"),
    ("A.8", "Information for interested parties of AI systems"),
    ("A.9", "Use of AI systems"),
    ("A.10", "Third-party and customer relationships"),
];

const C4: &str = "4 Context of the organization";
const C5: &str = "5 Leadership";
const C6: &str = "6 Planning";
const C8: &str = "8 Operation";
const C9: &str = "9 Performance evaluation";
const C10: &str = "10 Improvement";

const fn annex(
    id: &'static str,
    title: &'static str,
    group: &'static str,
    objective: &'static str,
) -> Control {
    Control {
        framework: Framework::Iso42001,
        id,
        title,
        group,
        objective,
        kind: ControlKind::AnnexA,
    }
}

const fn clause(id: &'static str, title: &'static str, group: &'static str) -> Control {
    Control {
        framework: Framework::Iso42001,
        id,
        title,
        group,
        objective: "",
        kind: ControlKind::Clause,
    }
}

const fn rmf(
    id: &'static str,
    title: &'static str,
    group: &'static str,
    kind: ControlKind,
) -> Control {
    Control {
        framework: Framework::NistAiRmf,
        id,
        title,
        group,
        objective: "",
        kind,
    }
}

const fn simple(
    framework: Framework,
    kind: ControlKind,
    id: &'static str,
    title: &'static str,
) -> Control {
    Control {
        framework,
        id,
        title,
        group: "",
        objective: "",
        kind,
    }
}

const FUNCTION: ControlKind = ControlKind::Function;
const CATEGORY: ControlKind = ControlKind::Category;

#[rustfmt::skip]
static CONTROLS: &[Control] = &[
    // ISO/IEC 42001 Annex A, in order.
    annex("A.2.2", "AI policy", A2,
        "Document a policy for the development or use of AI systems."),
    annex("A.2.3", "Alignment with other organizational policies", A2,
        "Determine where other organizational policies (e.g. security, privacy, quality) affect or apply to the organization's AI objectives."),
    annex("A.2.4", "Review of the AI policy", A2,
        "Review the AI policy at planned intervals, or when needed, so it stays suitable, adequate and effective."),
    annex("A.3.2", "AI roles and responsibilities", A3,
        "Define and allocate roles and responsibilities for AI according to the organization's needs."),
    annex("A.3.3", "Reporting of concerns", A3,
        "Provide a process for people to report concerns about the organization's role with respect to AI systems across their life cycle."),
    annex("A.4.2", "Resource documentation", A4,
        "Identify and document the resources relevant to the activities of each AI system life cycle stage."),
    annex("A.4.3", "Data resources", A4,
        "Document information about the data resources used for the AI system."),
    annex("A.4.4", "Tooling resources", A4,
        "Document information about the tooling resources used for the AI system."),
    annex("A.4.5", "System and computing resources", A4,
        "Document information about the system and computing resources used for the AI system."),
    annex("A.4.6", "Human resources", A4,
        "Document information about the human resources, and their competences, used for the AI system."),
    annex("A.5.2", "AI system impact assessment process", A5,
        "Establish a process to assess the potential consequences of AI systems for individuals, groups and societies throughout their life cycle."),
    annex("A.5.3", "Documentation of AI system impact assessments", A5,
        "Document the results of AI system impact assessments and retain them for a defined period."),
    annex("A.5.4", "Assessing AI system impact on individuals or groups of individuals", A5,
        "Assess and document the potential impacts of AI systems on individuals or groups of individuals throughout the life cycle."),
    annex("A.5.5", "Assessing societal impacts of AI systems", A5,
        "Assess and document the potential societal impacts of AI systems throughout their life cycle."),
    annex("A.6.1.2", "Objectives for responsible development of AI system", A6,
        "Identify and document objectives that guide responsible AI system development and build them into the development life cycle."),
    annex("A.6.1.3", "Processes for responsible AI system design and development", A6,
        "Define and document the processes for responsible design and development of AI systems."),
    annex("A.6.2.2", "AI system requirements and specification", A6,
        "Specify and document requirements for new AI systems or material enhancements to existing ones."),
    annex("A.6.2.3", "Documentation of AI system design and development", A6,
        "Document the design and development of the AI system based on organizational objectives and specified requirements."),
    annex("A.6.2.4", "AI system verification and validation", A6,
        "Define and document verification and validation measures for the AI system, with criteria for their use."),
    annex("A.6.2.5", "AI system deployment", A6,
        "Document a deployment plan and ensure the applicable requirements are met before the AI system is deployed."),
    annex("A.6.2.6", "AI system operation and monitoring", A6,
        "Define and document what ongoing operation of the AI system needs, including monitoring, repairs and updates."),
    annex("A.6.2.7", "AI system technical documentation", A6,
        "Determine the technical documentation each relevant category of interested party needs and provide it in a suitable form."),
    annex("A.6.2.8", "AI system recording of event logs", A6,
        "Determine at which life-cycle phases event logging is enabled, logging at least while the AI system is in use."),
    annex("A.7.2", "Data for development and enhancement of AI system", A7,
        "Define, document and implement data management processes for developing and enhancing AI systems."),
    annex("A.7.3", "Acquisition of data", A7,
        "Determine and document how the data used in AI systems is acquired and selected."),
    annex("A.7.4", "Quality of data for AI systems", A7,
        "Define data quality requirements and ensure the data used to develop and operate the AI system meets them."),
    annex("A.7.5", "Data provenance", A7,
        "Record the provenance of data used in AI systems over the data and AI system life cycles."),
    annex("A.7.6", "Data preparation", A7,
        "Define and document the criteria for selecting data preparation methods and the methods used."),
    annex("A.8.2", "System documentation and information for users", A8,
        "Determine and provide the information that users of the AI system need."),
    annex("A.8.3", "External reporting", A8,
        "Give interested parties a way to report adverse impacts of the AI system."),
    annex("A.8.4", "Communication of incidents", A8,
        "Determine and document a plan for communicating incidents to users of the AI system."),
    annex("A.8.5", "Information for interested parties", A8,
        "Determine and document the obligations to report information about the AI system to interested parties."),
    annex("A.9.2", "Processes for responsible use of AI systems", A9,
        "Define and document processes for the responsible use of AI systems."),
    annex("A.9.3", "Objectives for responsible use of AI system", A9,
        "Identify and document objectives that guide the responsible use of AI systems."),
    annex("A.9.4", "Intended use of the AI system", A9,
        "Ensure the AI system is used according to its intended uses and accompanying documentation."),
    annex("A.10.2", "Allocating responsibilities", A10,
        "Allocate responsibilities across the AI system life cycle between the organization, its partners, suppliers, customers and third parties."),
    annex("A.10.3", "Suppliers", A10,
        "Ensure services, products or materials from suppliers align with the organization's approach to responsible AI."),
    annex("A.10.4", "Customers", A10,
        "Take customer expectations and needs into account in the organization's responsible approach to AI."),
    // ISO/IEC 42001 management-system clauses.
    clause("4.1", "Understanding the organization and its context", C4),
    clause("5.2", "AI policy", C5),
    clause("6.1.1", "Actions to address risks and opportunities: general", C6),
    clause("6.1.2", "AI risk assessment", C6),
    clause("6.1.3", "AI risk treatment", C6),
    clause("6.1.4", "AI system impact assessment", C6),
    clause("8.2", "AI risk assessment", C8),
    clause("8.3", "AI risk treatment", C8),
    clause("8.4", "AI system impact assessment", C8),
    clause("9.1", "Monitoring, measurement, analysis and evaluation", C9),
    clause("9.2.2", "Internal audit programme", C9),
    clause("10.1", "Continual improvement", C10),
    clause("10.2", "Nonconformity and corrective action", C10),
    // NIST AI RMF 1.0: functions, categories, selected subcategories.
    rmf("GOVERN", "A culture of AI risk management is cultivated and present", "GOVERN", FUNCTION),
    rmf("GOVERN-1", "Policies, processes, procedures and practices for mapping, measuring and managing AI risks are in place, transparent and implemented effectively", "GOVERN", CATEGORY),
    rmf("GOVERN-1.1", "Legal and regulatory requirements involving AI are understood, managed and documented", "GOVERN", CATEGORY),
    rmf("GOVERN-1.4", "The risk management process and its outcomes are established through transparent policies, procedures and other controls", "GOVERN", CATEGORY),
    rmf("GOVERN-1.5", "Ongoing monitoring and periodic review of the risk management process and its outcomes are planned", "GOVERN", CATEGORY),
    rmf("GOVERN-2", "Accountability structures are in place so teams and individuals are empowered, responsible and trained for AI risk", "GOVERN", CATEGORY),
    rmf("GOVERN-3", "Workforce diversity, equity, inclusion and accessibility are prioritized in managing AI risks", "GOVERN", CATEGORY),
    rmf("GOVERN-4", "Organizational teams are committed to a culture that considers and communicates AI risk", "GOVERN", CATEGORY),
    rmf("GOVERN-5", "Processes are in place for robust engagement with relevant AI actors", "GOVERN", CATEGORY),
    rmf("GOVERN-6", "Policies and procedures address AI risks and benefits arising from third-party software, data and other supply-chain issues", "GOVERN", CATEGORY),
    rmf("GOVERN-6.1", "Policies and procedures address AI risks associated with third-party entities", "GOVERN", CATEGORY),
    rmf("MAP", "Context is recognized and risks related to context are identified", "MAP", FUNCTION),
    rmf("MAP-1", "Context is established and understood", "MAP", CATEGORY),
    rmf("MAP-1.1", "Intended purposes, settings of use and applicable laws, norms and expectations are understood and documented", "MAP", CATEGORY),
    rmf("MAP-2", "Categorization of the AI system is performed", "MAP", CATEGORY),
    rmf("MAP-3", "AI capabilities, targeted usage, goals and expected benefits and costs are understood", "MAP", CATEGORY),
    rmf("MAP-4", "Risks and benefits are mapped for all components of the AI system, including third-party software and data", "MAP", CATEGORY),
    rmf("MAP-4.1", "Approaches for mapping technology and legal risks of components, including third-party data or software, are in place and documented", "MAP", CATEGORY),
    rmf("MAP-5", "Impacts to individuals, groups, communities, organizations and society are characterized", "MAP", CATEGORY),
    rmf("MEASURE", "Identified risks are assessed, analyzed or tracked", "MEASURE", FUNCTION),
    rmf("MEASURE-1", "Appropriate methods and metrics are identified and applied", "MEASURE", CATEGORY),
    rmf("MEASURE-2", "AI systems are evaluated for trustworthy characteristics", "MEASURE", CATEGORY),
    rmf("MEASURE-2.4", "Functionality and behavior of the AI system and its components are monitored in production", "MEASURE", CATEGORY),
    rmf("MEASURE-2.5", "The AI system to be deployed is demonstrated to be valid and reliable", "MEASURE", CATEGORY),
    rmf("MEASURE-2.6", "The AI system is evaluated regularly for safety risks", "MEASURE", CATEGORY),
    rmf("MEASURE-2.7", "AI system security and resilience are evaluated and documented", "MEASURE", CATEGORY),
    rmf("MEASURE-2.8", "Risks associated with transparency and accountability are examined and documented", "MEASURE", CATEGORY),
    rmf("MEASURE-2.9", "The AI model is explained, validated and documented, and its output interpreted within context", "MEASURE", CATEGORY),
    rmf("MEASURE-2.10", "Privacy risk of the AI system is examined and documented", "MEASURE", CATEGORY),
    rmf("MEASURE-2.11", "Fairness and bias are evaluated and results documented", "MEASURE", CATEGORY),
    rmf("MEASURE-2.12", "Environmental impact and sustainability of AI model training and management are assessed and documented", "MEASURE", CATEGORY),
    rmf("MEASURE-3", "Mechanisms for tracking identified AI risks over time are in place", "MEASURE", CATEGORY),
    rmf("MEASURE-3.1", "Existing, unanticipated and emergent AI risks are regularly identified and tracked", "MEASURE", CATEGORY),
    rmf("MEASURE-4", "Feedback about the efficacy of measurement is gathered and assessed", "MEASURE", CATEGORY),
    rmf("MANAGE", "Risks are prioritized and acted upon based on projected impact", "MANAGE", FUNCTION),
    rmf("MANAGE-1", "AI risks identified by the MAP and MEASURE functions are prioritized, responded to and managed", "MANAGE", CATEGORY),
    rmf("MANAGE-1.3", "Responses to high-priority AI risks are developed, planned and documented", "MANAGE", CATEGORY),
    rmf("MANAGE-2", "Strategies to maximize AI benefits and minimize negative impacts are planned, prepared, implemented and documented", "MANAGE", CATEGORY),
    rmf("MANAGE-2.4", "Mechanisms are in place to supersede, disengage or deactivate AI systems performing inconsistently with intended use", "MANAGE", CATEGORY),
    rmf("MANAGE-3", "AI risks and benefits from third-party entities are managed", "MANAGE", CATEGORY),
    rmf("MANAGE-4", "Risk treatments, including response, recovery and communication plans, are documented and monitored regularly", "MANAGE", CATEGORY),
    rmf("MANAGE-4.1", "Post-deployment AI system monitoring plans are implemented", "MANAGE", CATEGORY),
    rmf("MANAGE-4.3", "Incidents and errors are communicated to relevant AI actors and tracked, responded to and recovered from", "MANAGE", CATEGORY),
    // NIST AI 600-1 generative-AI risks.
    simple(Framework::NistAi600_1, ControlKind::Risk, "cbrn-information", "CBRN information or capabilities"),
    simple(Framework::NistAi600_1, ControlKind::Risk, "confabulation", "Confabulation"),
    simple(Framework::NistAi600_1, ControlKind::Risk, "dangerous-violent-hateful-content", "Dangerous, violent, or hateful content"),
    simple(Framework::NistAi600_1, ControlKind::Risk, "data-privacy", "Data privacy"),
    simple(Framework::NistAi600_1, ControlKind::Risk, "environmental-impacts", "Environmental impacts"),
    simple(Framework::NistAi600_1, ControlKind::Risk, "harmful-bias-homogenization", "Harmful bias and homogenization"),
    simple(Framework::NistAi600_1, ControlKind::Risk, "human-ai-configuration", "Human-AI configuration"),
    simple(Framework::NistAi600_1, ControlKind::Risk, "information-integrity", "Information integrity"),
    simple(Framework::NistAi600_1, ControlKind::Risk, "information-security", "Information security"),
    simple(Framework::NistAi600_1, ControlKind::Risk, "intellectual-property", "Intellectual property"),
    simple(Framework::NistAi600_1, ControlKind::Risk, "obscene-degrading-abusive-content", "Obscene, degrading, and/or abusive content"),
    simple(Framework::NistAi600_1, ControlKind::Risk, "value-chain-component-integration", "Value chain and component integration"),
    // EU AI Act articles most often mapped.
    simple(Framework::EuAiAct, ControlKind::Article, "Art.5", "Prohibited AI practices"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.9", "Risk management system"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.10", "Data and data governance"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.11", "Technical documentation"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.12", "Record-keeping"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.13", "Transparency and provision of information to deployers"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.14", "Human oversight"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.15", "Accuracy, robustness and cybersecurity"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.17", "Quality management system"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.26", "Obligations of deployers of high-risk AI systems"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.27", "Fundamental rights impact assessment for high-risk AI systems"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.50", "Transparency obligations for providers and deployers of certain AI systems"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.72", "Post-market monitoring"),
    simple(Framework::EuAiAct, ControlKind::Article, "Art.73", "Reporting of serious incidents"),
    // OWASP Top 10 for LLM Applications 2025.
    simple(Framework::OwaspLlm, ControlKind::Entry, "LLM01", "Prompt Injection"),
    simple(Framework::OwaspLlm, ControlKind::Entry, "LLM02", "Sensitive Information Disclosure"),
    simple(Framework::OwaspLlm, ControlKind::Entry, "LLM03", "Supply Chain"),
    simple(Framework::OwaspLlm, ControlKind::Entry, "LLM04", "Data and Model Poisoning"),
    simple(Framework::OwaspLlm, ControlKind::Entry, "LLM05", "Improper Output Handling"),
    simple(Framework::OwaspLlm, ControlKind::Entry, "LLM06", "Excessive Agency"),
    simple(Framework::OwaspLlm, ControlKind::Entry, "LLM07", "System Prompt Leakage"),
    simple(Framework::OwaspLlm, ControlKind::Entry, "LLM08", "Vector and Embedding Weaknesses"),
    simple(Framework::OwaspLlm, ControlKind::Entry, "LLM09", "Misinformation"),
    simple(Framework::OwaspLlm, ControlKind::Entry, "LLM10", "Unbounded Consumption"),
    // MITRE ATLAS techniques most often mapped.
    simple(Framework::Atlas, ControlKind::Technique, "AML.T0051", "LLM Prompt Injection"),
    simple(Framework::Atlas, ControlKind::Technique, "AML.T0051.000", "LLM Prompt Injection: Direct"),
    simple(Framework::Atlas, ControlKind::Technique, "AML.T0051.001", "LLM Prompt Injection: Indirect"),
    simple(Framework::Atlas, ControlKind::Technique, "AML.T0054", "LLM Jailbreak"),
    simple(Framework::Atlas, ControlKind::Technique, "AML.T0056", "LLM Meta Prompt Extraction"),
    simple(Framework::Atlas, ControlKind::Technique, "AML.T0057", "LLM Data Leakage"),
    simple(Framework::Atlas, ControlKind::Technique, "AML.T0029", "Denial of ML Service"),
    simple(Framework::Atlas, ControlKind::Technique, "AML.T0034", "Cost Harvesting"),
    simple(Framework::Atlas, ControlKind::Technique, "AML.T0024", "Exfiltration via ML Inference API"),
    simple(Framework::Atlas, ControlKind::Technique, "AML.T0020", "Poison Training Data"),
];

/// Subcategory counts per category of each NIST AI RMF function (72 in all),
/// used to tell a real-but-unlisted subcategory from a malformed one.
const RMF_SUBCATEGORIES: [(&str, &[u32]); 4] = [
    ("GOVERN", &[7, 3, 2, 3, 2, 2]),
    ("MAP", &[6, 3, 5, 2, 2]),
    ("MEASURE", &[3, 13, 3, 3]),
    ("MANAGE", &[4, 4, 2, 3]),
];

/// Number of articles in the EU AI Act.
const EU_AI_ACT_ARTICLES: u32 = 113;

/// Every ISO/IEC 42001 clause number (harmonized structure), listed or not.
/// A bare number that is a real clause gets no `A.` suggestion: it is more
/// likely a clause the catalogue does not list than a mistyped Annex A id.
const ISO_CLAUSE_NUMBERS: &[&str] = &[
    "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1", "6.1.1", "6.1.2", "6.1.3", "6.1.4",
    "6.2", "6.3", "7.1", "7.2", "7.3", "7.4", "7.5", "7.5.1", "7.5.2", "7.5.3", "8.1", "8.2",
    "8.3", "8.4", "9.1", "9.2", "9.2.1", "9.2.2", "9.3", "9.3.1", "9.3.2", "9.3.3", "10.1", "10.2",
];

/// Normalised aliases (lower-case alphanumerics) people use for framework
/// prefixes; used only for suggestions.
const PREFIX_ALIASES: &[(&str, &[Framework])] = &[
    ("iso", &[Framework::Iso42001]),
    ("iso42001", &[Framework::Iso42001]),
    ("isoiec42001", &[Framework::Iso42001]),
    ("42001", &[Framework::Iso42001]),
    ("iso42k", &[Framework::Iso42001]),
    ("nist", &[Framework::NistAiRmf, Framework::NistAi600_1]),
    ("nistai", &[Framework::NistAiRmf, Framework::NistAi600_1]),
    ("nistairmf", &[Framework::NistAiRmf]),
    ("nistrmf", &[Framework::NistAiRmf]),
    ("airmf", &[Framework::NistAiRmf]),
    ("rmf", &[Framework::NistAiRmf]),
    ("nistai1001", &[Framework::NistAiRmf]),
    ("ai1001", &[Framework::NistAiRmf]),
    ("nistai6001", &[Framework::NistAi600_1]),
    ("nist6001", &[Framework::NistAi600_1]),
    ("ai6001", &[Framework::NistAi600_1]),
    ("6001", &[Framework::NistAi600_1]),
    ("nistgenai", &[Framework::NistAi600_1]),
    ("genai", &[Framework::NistAi600_1]),
    ("eu", &[Framework::EuAiAct]),
    ("euai", &[Framework::EuAiAct]),
    ("euaiact", &[Framework::EuAiAct]),
    ("aiact", &[Framework::EuAiAct]),
    ("owasp", &[Framework::OwaspLlm]),
    ("owaspllm", &[Framework::OwaspLlm]),
    ("owasptop10", &[Framework::OwaspLlm]),
    ("owaspllmtop10", &[Framework::OwaspLlm]),
    ("llm", &[Framework::OwaspLlm]),
    ("atlas", &[Framework::Atlas]),
    ("mitre", &[Framework::Atlas]),
    ("mitreatlas", &[Framework::Atlas]),
];

// ---------------------------------------------------------------------------
// Lookup API
// ---------------------------------------------------------------------------

/// Every catalogued control: ISO/IEC 42001 (Annex A in order, then clauses),
/// NIST AI RMF, NIST AI 600-1, EU AI Act, OWASP LLM, MITRE ATLAS.
pub fn all() -> &'static [Control] {
    CONTROLS
}

/// The catalogued controls of one framework, in catalogue order.
pub fn controls(framework: Framework) -> impl Iterator<Item = &'static Control> {
    CONTROLS.iter().filter(move |c| c.framework == framework)
}

/// Exactly the 38 ISO/IEC 42001 Annex A controls, in order (A.2.2 … A.10.4).
pub fn annex_a() -> impl Iterator<Item = &'static Control> {
    CONTROLS.iter().filter(|c| c.kind == ControlKind::AnnexA)
}

/// The 9 ISO/IEC 42001 Annex A control objectives as `(id, title)`, in order:
/// `("A.2", "Policies related to AI")` … `("A.10", "Third-party and customer
/// relationships")`. Each Annex A control's [`Control::group`] is
/// `"{id} {title}"` of its objective.
pub fn annex_a_objectives() -> &'static [(&'static str, &'static str)] {
    &ANNEX_A_OBJECTIVES
}

/// The control with exactly this id (case-sensitive) in `framework`.
pub fn lookup(framework: Framework, id: &str) -> Option<&'static Control> {
    CONTROLS
        .iter()
        .find(|c| c.framework == framework && c.id == id)
}

/// Resolve a `framework:ID` reference against the catalogue.
///
/// Prefixes and ids are matched exactly; near misses (wrong case, missing
/// `A.`, `LLM1` for `LLM01`, `owasp:` for `owasp-llm:`, …) are rejected with a
/// suggestion. See [`Resolution`] for the outcomes and the module docs for
/// which frameworks are complete.
pub fn resolve(reference: &str) -> Resolution {
    let Some((prefix, id)) = reference.split_once(':') else {
        return bare_reference(reference);
    };
    if prefix.is_empty() {
        return Resolution::BadReference {
            reason: format!("missing framework prefix in `{reference}`; expected `framework:ID`"),
            suggestion: suggest_reference_for_bare_id(id),
        };
    }
    let Some(framework) = Framework::from_prefix(prefix) else {
        let reason = if Framework::from_prefix(&prefix.to_ascii_lowercase()).is_some() {
            format!("framework prefix `{prefix}` must be lower-case")
        } else {
            format!(
                "unknown framework prefix `{prefix}`; expected one of {}",
                known_prefixes()
            )
        };
        return Resolution::BadReference {
            reason,
            suggestion: suggest_prefix(prefix, id).map(|f| f.prefix().to_owned()),
        };
    };
    if id.is_empty() {
        return Resolution::BadReference {
            reason: format!("missing control id after `{prefix}:`"),
            suggestion: None,
        };
    }
    classify(framework, id)
}

// ---------------------------------------------------------------------------
// Resolution internals
// ---------------------------------------------------------------------------

fn known_prefixes() -> String {
    Framework::ALL
        .iter()
        .map(|f| format!("`{}`", f.prefix()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn bare_reference(reference: &str) -> Resolution {
    if reference.trim().is_empty() {
        return Resolution::BadReference {
            reason: "empty control reference; expected `framework:ID`".to_owned(),
            suggestion: None,
        };
    }
    if let Some(f) = Framework::from_prefix(reference) {
        return Resolution::BadReference {
            reason: format!("missing control id: expected `{}:ID`", f.prefix()),
            suggestion: None,
        };
    }
    Resolution::BadReference {
        reason: format!(
            "`{reference}` is not of the form `framework:ID` (e.g. `iso42001:A.6.2.8`)"
        ),
        suggestion: suggest_reference_for_bare_id(reference),
    }
}

/// Known, or a well-formed id of a partially catalogued framework.
fn accepts(framework: Framework, id: &str) -> bool {
    lookup(framework, id).is_some() || (!framework.is_complete() && well_formed(framework, id))
}

fn classify(framework: Framework, id: &str) -> Resolution {
    if let Some(control) = lookup(framework, id) {
        return Resolution::Known(control);
    }
    if !framework.is_complete() && well_formed(framework, id) {
        return Resolution::Unlisted {
            framework,
            id: id.to_owned(),
        };
    }
    Resolution::Unknown {
        framework,
        id: id.to_owned(),
        suggestion: suggest_id(framework, id).map(|s| format!("{}:{s}", framework.prefix())),
    }
}

/// Strict syntax check for the partially catalogued frameworks.
fn well_formed(framework: Framework, id: &str) -> bool {
    match framework {
        Framework::NistAiRmf => rmf_well_formed(id),
        Framework::EuAiAct => eu_well_formed(id),
        Framework::Atlas => atlas_well_formed(id),
        Framework::Iso42001 | Framework::NistAi600_1 | Framework::OwaspLlm => false,
    }
}

/// The full reference a prefix-less id most likely meant, if exactly one
/// framework accepts it (as written, or once canonicalised).
fn suggest_reference_for_bare_id(id: &str) -> Option<String> {
    let exact: Vec<String> = Framework::ALL
        .into_iter()
        .filter(|&f| accepts(f, id))
        .map(|f| format!("{}:{id}", f.prefix()))
        .collect();
    let candidates = if exact.is_empty() {
        Framework::ALL
            .into_iter()
            .filter_map(|f| {
                canonicalize(f, id)
                    .filter(|c| accepts(f, c))
                    .map(|c| format!("{}:{c}", f.prefix()))
            })
            .collect()
    } else {
        exact
    };
    match candidates.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Nearest framework for an unknown prefix: by alias or edit distance,
/// preferring (among equally plausible names) one that accepts the id; if the
/// name matches nothing, the single framework that accepts the id.
fn suggest_prefix(prefix: &str, id: &str) -> Option<Framework> {
    let n = normalize(prefix);
    let accepting: Vec<Framework> = Framework::ALL
        .into_iter()
        .filter(|&f| accepts(f, id))
        .collect();
    let named: Vec<Framework> = match PREFIX_ALIASES.iter().find(|(alias, _)| *alias == n) {
        Some((_, frameworks)) => frameworks.to_vec(),
        None => {
            let scored: Vec<(usize, Framework)> = Framework::ALL
                .into_iter()
                .map(|f| (strsim::levenshtein(&n, &normalize(f.prefix())), f))
                .filter(|&(d, _)| d <= 3 && d * 2 < n.len())
                .collect();
            let best = scored.iter().map(|&(d, _)| d).min();
            scored
                .into_iter()
                .filter(|&(d, _)| Some(d) == best)
                .map(|(_, f)| f)
                .collect()
        }
    };
    named
        .iter()
        .find(|f| accepting.contains(f))
        .or(named.first())
        .copied()
        .or(match accepting.as_slice() {
            [one] => Some(*one),
            _ => None,
        })
}

/// Closest valid id (without prefix) for an id `framework` does not accept.
fn suggest_id(framework: Framework, id: &str) -> Option<String> {
    // 1. The same id in canonical spelling (case, padding, missing `A.`, ...).
    if let Some(c) = canonicalize(framework, id).filter(|c| c != id && accepts(framework, c)) {
        return Some(c);
    }
    // 2. A listed id differing only in case.
    if let Some(c) = controls(framework).find(|c| c.id.eq_ignore_ascii_case(id)) {
        return Some(c.id.to_owned());
    }
    // 3. The id written as the control's title (`prompt-injection`).
    if let Some(c) = match_title(framework, id) {
        return Some(c.id.to_owned());
    }
    // 4. Nearest listed id by edit distance, ties broken by numeric closeness
    //    (`A.6.2.9` -> `A.6.2.8`, `LLM11` -> `LLM10`).
    let lower = id.to_lowercase();
    let max = match (framework.is_complete(), id.chars().count()) {
        (false, _) | (true, 0..=4) => 1,
        (true, 5..=8) => 2,
        (true, _) => 3,
    };
    controls(framework)
        .map(|c| {
            (
                strsim::levenshtein(&lower, &c.id.to_lowercase()),
                numeric_gap(id, c.id),
                c,
            )
        })
        .filter(|&(d, _, _)| d <= max)
        .min_by_key(|&(d, gap, _)| (d, gap))
        .map(|(_, _, c)| c.id.to_owned())
}

fn match_title(framework: Framework, id: &str) -> Option<&'static Control> {
    let n = normalize(id);
    if n.len() < 3 {
        return None;
    }
    let exact: Vec<&'static Control> = controls(framework)
        .filter(|c| normalize(c.title) == n || normalize(c.id) == n)
        .collect();
    if let [one] = exact.as_slice() {
        return Some(one);
    }
    if !exact.is_empty() || n.len() < 4 {
        return None;
    }
    let containing: Vec<&'static Control> = controls(framework)
        .filter(|c| normalize(c.title).contains(&n) || normalize(c.id).contains(&n))
        .collect();
    match containing.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Lower-case ASCII alphanumerics only.
fn normalize(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Sum of differences between corresponding numbers in two ids, or
/// `u64::MAX` when they do not have the same count of numbers.
fn numeric_gap(a: &str, b: &str) -> u64 {
    fn numbers(s: &str) -> Vec<u64> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().unwrap_or(u64::MAX))
            .collect()
    }
    let (a, b) = (numbers(a), numbers(b));
    if a.len() != b.len() {
        return u64::MAX;
    }
    a.iter()
        .zip(&b)
        .fold(0u64, |acc, (x, y)| acc.saturating_add(x.abs_diff(*y)))
}

fn split_leading_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

/// A decimal number without sign or leading zero, at most three digits.
fn strict_num(s: &str) -> Option<u32> {
    let ok = !s.is_empty()
        && s.len() <= 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && !s.starts_with('0');
    if ok { s.parse().ok() } else { None }
}

/// `(inner)rest` -> `(inner, rest)`.
fn paren_group(s: &str) -> Option<(&str, &str)> {
    s.strip_prefix('(')?.split_once(')')
}

const SEPARATORS: [char; 4] = ['.', '-', '_', ' '];

/// `GOVERN`, `GOVERN-1` … `MANAGE-4.3`, with category and subcategory numbers
/// that exist in the AI RMF.
fn rmf_well_formed(id: &str) -> bool {
    let (function, rest) = match id.split_once('-') {
        Some((f, r)) => (f, Some(r)),
        None => (id, None),
    };
    let Some((_, counts)) = RMF_SUBCATEGORIES.iter().find(|(f, _)| *f == function) else {
        return false;
    };
    let Some(rest) = rest else {
        return true;
    };
    let (category, sub) = match rest.split_once('.') {
        Some((c, s)) => (c, Some(s)),
        None => (rest, None),
    };
    let Some(count) = strict_num(category)
        .and_then(|c| (c as usize).checked_sub(1))
        .and_then(|i| counts.get(i))
    else {
        return false;
    };
    match sub {
        None => true,
        Some(s) => strict_num(s).is_some_and(|s| s <= *count),
    }
}

/// `Art.N`, `Art.N(M)` or `Art.N(M)(x)` with 1 ≤ N ≤ 113.
fn eu_well_formed(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("Art.") else {
        return false;
    };
    let (number, tail) = split_leading_digits(rest);
    if strict_num(number).is_none_or(|n| n > EU_AI_ACT_ARTICLES) {
        return false;
    }
    if tail.is_empty() {
        return true;
    }
    let Some((paragraph, tail)) = paren_group(tail) else {
        return false;
    };
    if strict_num(paragraph).is_none() {
        return false;
    }
    if tail.is_empty() {
        return true;
    }
    match paren_group(tail) {
        Some((point, "")) => {
            (1..=4).contains(&point.len()) && point.bytes().all(|b| b.is_ascii_lowercase())
        }
        _ => false,
    }
}

/// `AML.TNNNN` or `AML.TNNNN.NNN`.
fn atlas_well_formed(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("AML.T") else {
        return false;
    };
    let (digits, tail) = split_leading_digits(rest);
    digits.len() == 4
        && (tail.is_empty()
            || tail
                .strip_prefix('.')
                .is_some_and(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())))
}

/// The canonical spelling of a sloppily written id, if one can be derived.
/// The caller still checks the result against the catalogue.
fn canonicalize(framework: Framework, id: &str) -> Option<String> {
    let t = id.trim();
    match framework {
        Framework::Iso42001 => canonical_iso(t),
        Framework::NistAiRmf => canonical_rmf(t),
        Framework::NistAi600_1 => Some(
            t.to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("-"),
        ),
        Framework::EuAiAct => canonical_eu(t),
        Framework::OwaspLlm => canonical_owasp(t),
        Framework::Atlas => canonical_atlas(t),
    }
}

fn canonical_iso(t: &str) -> Option<String> {
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("clause") {
        return Some(rest.trim_start_matches(SEPARATORS).to_owned());
    }
    let lower = lower
        .strip_prefix("annex")
        .map_or(lower.as_str(), |r| r.trim_start_matches(SEPARATORS));
    let body = if let Some(rest) = lower.strip_prefix('a') {
        rest.trim_start_matches(SEPARATORS)
    } else if lower.starts_with(|c: char| c.is_ascii_digit()) {
        if ISO_CLAUSE_NUMBERS.contains(&lower) {
            return None;
        }
        lower
    } else {
        return None;
    };
    Some(format!("A.{body}"))
}

fn canonical_rmf(t: &str) -> Option<String> {
    let upper = t.to_ascii_uppercase();
    let (word, rest) = upper.split_at(
        upper
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(upper.len()),
    );
    let function = match word {
        "GOVERN" | "GV" | "GOV" => "GOVERN",
        "MAP" | "MP" => "MAP",
        "MEASURE" | "MS" => "MEASURE",
        "MANAGE" | "MG" => "MANAGE",
        _ => return None,
    };
    let rest = rest.trim_start_matches(SEPARATORS);
    if rest.is_empty() {
        return Some(function.to_owned());
    }
    let numbers = rest
        .split(SEPARATORS)
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()?;
    match numbers.as_slice() {
        [c] => Some(format!("{function}-{c}")),
        [c, s] => Some(format!("{function}-{c}.{s}")),
        _ => None,
    }
}

fn canonical_eu(t: &str) -> Option<String> {
    let lower = t.to_ascii_lowercase();
    let rest = ["article", "art"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .unwrap_or(&lower)
        .trim_start_matches(SEPARATORS);
    let (number, tail) = split_leading_digits(rest);
    let mut out = format!("Art.{}", number.parse::<u32>().ok()?);
    let tail = tail.trim_start();
    if tail.is_empty() {
        return Some(out);
    }
    let (paragraph, tail) = paren_group(tail)?;
    out.push_str(&format!("({})", paragraph.trim().parse::<u32>().ok()?));
    let tail = tail.trim_start();
    if tail.is_empty() {
        return Some(out);
    }
    let (point, tail) = paren_group(tail)?;
    if !tail.trim().is_empty() {
        return None;
    }
    out.push_str(&format!("({})", point.trim()));
    Some(out)
}

fn canonical_owasp(t: &str) -> Option<String> {
    let upper = t.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("LLM")
        .unwrap_or(&upper)
        .trim_start_matches(SEPARATORS);
    let (digits, tail) = split_leading_digits(rest);
    // Tolerate the edition suffix of the OWASP document's own ids (`LLM01:2025`).
    if !(tail.is_empty() || tail.starts_with(':')) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    (1..=10).contains(&n).then(|| format!("LLM{n:02}"))
}

fn canonical_atlas(t: &str) -> Option<String> {
    let upper = t.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("AML")
        .unwrap_or(&upper)
        .trim_start_matches(SEPARATORS)
        .strip_prefix('T')?;
    let (digits, tail) = split_leading_digits(rest);
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let mut out = format!("AML.T{digits:0>4}");
    if !tail.is_empty() {
        let sub = tail.strip_prefix(SEPARATORS)?;
        if sub.is_empty() || sub.len() > 3 || !sub.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push_str(&format!(".{sub:0>3}"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The Annex A table of frameworks.md, verbatim.
    const ANNEX_A: [(&str, &str); 38] = [
        ("A.2.2", "AI policy"),
        ("A.2.3", "Alignment with other organizational policies"),
        ("A.2.4", "Review of the AI policy"),
        ("A.3.2", "AI roles and responsibilities"),
        ("A.3.3", "Reporting of concerns"),
        ("A.4.2", "Resource documentation"),
        ("A.4.3", "Data resources"),
        ("A.4.4", "Tooling resources"),
        ("A.4.5", "System and computing resources"),
        ("A.4.6", "Human resources"),
        ("A.5.2", "AI system impact assessment process"),
        ("A.5.3", "Documentation of AI system impact assessments"),
        (
            "A.5.4",
            "Assessing AI system impact on individuals or groups of individuals",
        ),
        ("A.5.5", "Assessing societal impacts of AI systems"),
        (
            "A.6.1.2",
            "Objectives for responsible development of AI system",
        ),
        (
            "A.6.1.3",
            "Processes for responsible AI system design and development",
        ),
        ("A.6.2.2", "AI system requirements and specification"),
        (
            "A.6.2.3",
            "Documentation of AI system design and development",
        ),
        ("A.6.2.4", "AI system verification and validation"),
        ("A.6.2.5", "AI system deployment"),
        ("A.6.2.6", "AI system operation and monitoring"),
        ("A.6.2.7", "AI system technical documentation"),
        ("A.6.2.8", "AI system recording of event logs"),
        ("A.7.2", "Data for development and enhancement of AI system"),
        ("A.7.3", "Acquisition of data"),
        ("A.7.4", "Quality of data for AI systems"),
        ("A.7.5", "Data provenance"),
        ("A.7.6", "Data preparation"),
        ("A.8.2", "System documentation and information for users"),
        ("A.8.3", "External reporting"),
        ("A.8.4", "Communication of incidents"),
        ("A.8.5", "Information for interested parties"),
        ("A.9.2", "Processes for responsible use of AI systems"),
        ("A.9.3", "Objectives for responsible use of AI system"),
        ("A.9.4", "Intended use of the AI system"),
        ("A.10.2", "Allocating responsibilities"),
        ("A.10.3", "Suppliers"),
        ("A.10.4", "Customers"),
    ];

    fn known(reference: &str) -> &'static Control {
        match resolve(reference) {
            Resolution::Known(c) => c,
            other => panic!("{reference}: expected Known, got {other:?}"),
        }
    }

    fn unlisted(reference: &str) {
        match resolve(reference) {
            Resolution::Unlisted { framework, id } => {
                assert_eq!(format!("{framework}:{id}"), reference);
            }
            other => panic!("{reference}: expected Unlisted, got {other:?}"),
        }
    }

    /// Asserts `Unknown` and returns the suggestion.
    fn unknown(reference: &str) -> Option<String> {
        match resolve(reference) {
            Resolution::Unknown {
                framework,
                id,
                suggestion,
            } => {
                assert_eq!(format!("{framework}:{id}"), reference);
                if let Some(s) = &suggestion {
                    assert!(
                        matches!(
                            resolve(s),
                            Resolution::Known(_) | Resolution::Unlisted { .. }
                        ),
                        "{reference}: suggestion {s} does not resolve"
                    );
                }
                suggestion
            }
            other => panic!("{reference}: expected Unknown, got {other:?}"),
        }
    }

    /// Asserts `BadReference` and returns the suggestion.
    fn bad(reference: &str) -> Option<String> {
        match resolve(reference) {
            Resolution::BadReference { reason, suggestion } => {
                assert!(!reason.is_empty());
                suggestion
            }
            other => panic!("{reference}: expected BadReference, got {other:?}"),
        }
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn annex_a_has_the_38_controls_in_order_with_reference_titles() {
        let controls: Vec<_> = annex_a().collect();
        assert_eq!(controls.len(), 38);
        for (c, (id, title)) in controls.iter().zip(ANNEX_A) {
            assert_eq!((c.id, c.title), (id, title));
            assert_eq!(c.framework, Framework::Iso42001);
            assert!(!c.objective.is_empty(), "{id} has no objective");
            assert!(
                c.objective.ends_with('.'),
                "{id}: objective is one sentence"
            );
            assert_eq!(lookup(Framework::Iso42001, id), Some(*c));
        }
        // Annex A comes first in `all()`, in the same order.
        assert!(all()[..38].iter().all(|c| c.kind == ControlKind::AnnexA));
    }

    #[test]
    fn annex_a_groups_match_objectives() {
        let objectives = annex_a_objectives();
        assert_eq!(objectives.len(), 9);
        assert_eq!(objectives[0], ("A.2", "Policies related to AI"));
        assert_eq!(
            objectives[8],
            ("A.10", "Third-party and customer relationships")
        );
        let mut last = 0;
        for c in annex_a() {
            let pos = objectives
                .iter()
                .position(|(id, _)| c.id.starts_with(&format!("{id}.")))
                .unwrap_or_else(|| panic!("{} has no objective", c.id));
            let (oid, otitle) = objectives[pos];
            assert_eq!(c.group, format!("{oid} {otitle}"));
            assert!(pos >= last, "{} out of order", c.id);
            last = pos;
        }
        assert_eq!(known("iso42001:A.6.2.8").group, "A.6 AI system life cycle");
    }

    #[test]
    fn ids_are_unique_per_framework() {
        let mut seen = HashSet::new();
        for c in all() {
            assert!(
                seen.insert((c.framework, c.id)),
                "duplicate {}",
                c.reference()
            );
            assert!(!c.title.is_empty(), "{} has no title", c.reference());
            assert_eq!(resolve(&c.reference()), Resolution::Known(c));
        }
    }

    #[test]
    fn iso_clauses() {
        let clauses: Vec<_> = controls(Framework::Iso42001)
            .filter(|c| c.kind == ControlKind::Clause)
            .map(|c| c.id)
            .collect();
        assert_eq!(
            clauses,
            [
                "4.1", "5.2", "6.1.1", "6.1.2", "6.1.3", "6.1.4", "8.2", "8.3", "8.4", "9.1",
                "9.2.2", "10.1", "10.2"
            ]
        );
        assert_eq!(controls(Framework::Iso42001).count(), 38 + 13);
        assert_eq!(known("iso42001:6.1.3").title, "AI risk treatment");
        assert_eq!(known("iso42001:6.1.3").group, "6 Planning");
    }

    #[test]
    fn framework_prefixes_round_trip() {
        for f in Framework::ALL {
            assert_eq!(Framework::from_prefix(f.prefix()), Some(f));
            assert_eq!(f.to_string(), f.prefix());
            assert!(!f.title().is_empty());
            let json = serde_json::to_string(&f).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", f.prefix()));
            let back: Framework = serde_json::from_str(&json).unwrap_or(Framework::Atlas);
            assert_eq!(back, f);
        }
        assert_eq!(Framework::from_prefix("ISO42001"), None);
        assert_eq!(Framework::from_prefix("owasp"), None);
    }

    #[test]
    fn controls_serialize() {
        let json = serde_json::to_value(known("owasp-llm:LLM01")).unwrap_or_default();
        assert_eq!(json["framework"], "owasp-llm");
        assert_eq!(json["kind"], "entry");
        assert_eq!(json["title"], "Prompt Injection");
    }

    #[test]
    fn resolve_iso() {
        let c = known("iso42001:A.6.2.8");
        assert_eq!(c.title, "AI system recording of event logs");
        assert_eq!(c.kind, ControlKind::AnnexA);
        assert_eq!(known("iso42001:9.2.2").kind, ControlKind::Clause);
        // Strict ids, helpful suggestions.
        assert_eq!(unknown("iso42001:6.2.8"), some("iso42001:A.6.2.8"));
        assert_eq!(unknown("iso42001:A.6.2.9"), some("iso42001:A.6.2.8"));
        assert_eq!(unknown("iso42001:a.6.2.8"), some("iso42001:A.6.2.8"));
        assert_eq!(unknown("iso42001:A6.2.8"), some("iso42001:A.6.2.8"));
        assert_eq!(unknown("iso42001:A.10.5"), some("iso42001:A.10.4"));
        assert_eq!(unknown("iso42001:clause 6.1.3"), some("iso42001:6.1.3"));
        // A real but unlisted clause is not mistaken for an Annex A id.
        assert_eq!(unknown("iso42001:7.5"), None);
        assert_eq!(unknown("iso42001:nonsense"), None);
        assert_eq!(lookup(Framework::Iso42001, "a.6.2.8"), None);
    }

    #[test]
    fn resolve_owasp() {
        let entries: Vec<_> = controls(Framework::OwaspLlm)
            .map(|c| (c.id, c.title))
            .collect();
        assert_eq!(
            entries,
            [
                ("LLM01", "Prompt Injection"),
                ("LLM02", "Sensitive Information Disclosure"),
                ("LLM03", "Supply Chain"),
                ("LLM04", "Data and Model Poisoning"),
                ("LLM05", "Improper Output Handling"),
                ("LLM06", "Excessive Agency"),
                ("LLM07", "System Prompt Leakage"),
                ("LLM08", "Vector and Embedding Weaknesses"),
                ("LLM09", "Misinformation"),
                ("LLM10", "Unbounded Consumption"),
            ]
        );
        assert!(controls(Framework::OwaspLlm).all(|c| c.kind == ControlKind::Entry));
        assert_eq!(known("owasp-llm:LLM07").title, "System Prompt Leakage");
        assert_eq!(unknown("owasp-llm:LLM1"), some("owasp-llm:LLM01"));
        assert_eq!(unknown("owasp-llm:llm01"), some("owasp-llm:LLM01"));
        assert_eq!(unknown("owasp-llm:LLM01:2025"), some("owasp-llm:LLM01"));
        assert_eq!(unknown("owasp-llm:LLM11"), some("owasp-llm:LLM10"));
        assert_eq!(
            unknown("owasp-llm:prompt-injection"),
            some("owasp-llm:LLM01")
        );
        assert_eq!(unknown("owasp-llm:LLM42"), some("owasp-llm:LLM02"));
        assert_eq!(unknown("owasp-llm:injection-of-prompts"), None);
    }

    #[test]
    fn resolve_nist_ai_600_1() {
        let ids: Vec<_> = controls(Framework::NistAi600_1).map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "cbrn-information",
                "confabulation",
                "dangerous-violent-hateful-content",
                "data-privacy",
                "environmental-impacts",
                "harmful-bias-homogenization",
                "human-ai-configuration",
                "information-integrity",
                "information-security",
                "intellectual-property",
                "obscene-degrading-abusive-content",
                "value-chain-component-integration",
            ]
        );
        assert_eq!(known("nist-ai-600-1:data-privacy").kind, ControlKind::Risk);
        assert_eq!(
            unknown("nist-ai-600-1:Data Privacy"),
            some("nist-ai-600-1:data-privacy")
        );
        assert_eq!(
            unknown("nist-ai-600-1:confabulations"),
            some("nist-ai-600-1:confabulation")
        );
        assert_eq!(
            unknown("nist-ai-600-1:cbrn"),
            some("nist-ai-600-1:cbrn-information")
        );
        assert_eq!(unknown("nist-ai-600-1:weather"), None);
    }

    #[test]
    fn resolve_nist_ai_rmf() {
        let functions: Vec<_> = controls(Framework::NistAiRmf)
            .filter(|c| c.kind == ControlKind::Function)
            .map(|c| c.id)
            .collect();
        assert_eq!(functions, ["GOVERN", "MAP", "MEASURE", "MANAGE"]);
        let categories: Vec<_> = controls(Framework::NistAiRmf)
            .filter(|c| c.kind == ControlKind::Category && !c.id.contains('.'))
            .map(|c| c.id)
            .collect();
        assert_eq!(categories.len(), 6 + 5 + 4 + 4);
        for c in controls(Framework::NistAiRmf) {
            assert!(rmf_well_formed(c.id), "{}", c.id);
            assert!(c.id.starts_with(c.group), "{} in {}", c.id, c.group);
        }
        let total: u32 = RMF_SUBCATEGORIES.iter().flat_map(|(_, n)| n.iter()).sum();
        assert_eq!(total, 72);

        assert_eq!(known("nist-ai-rmf:MEASURE").kind, ControlKind::Function);
        assert_eq!(
            known("nist-ai-rmf:MEASURE-2").title,
            "AI systems are evaluated for trustworthy characteristics"
        );
        assert_eq!(known("nist-ai-rmf:MEASURE-2.7").group, "MEASURE");
        assert_eq!(known("nist-ai-rmf:MANAGE-4.1").kind, ControlKind::Category);
        unlisted("nist-ai-rmf:MEASURE-2.13");
        unlisted("nist-ai-rmf:GOVERN-1.7");
        unlisted("nist-ai-rmf:MAP-3.5");
        // Malformed or nonexistent: errors.
        assert_eq!(
            unknown("nist-ai-rmf:measure-2.7"),
            some("nist-ai-rmf:MEASURE-2.7")
        );
        assert_eq!(
            unknown("nist-ai-rmf:MS-2.7"),
            some("nist-ai-rmf:MEASURE-2.7")
        );
        assert_eq!(
            unknown("nist-ai-rmf:MEASURE 2.7"),
            some("nist-ai-rmf:MEASURE-2.7")
        );
        assert_eq!(
            unknown("nist-ai-rmf:GV-1.3"),
            some("nist-ai-rmf:GOVERN-1.3")
        );
        assert_eq!(
            unknown("nist-ai-rmf:MEASURE-2.14"),
            some("nist-ai-rmf:MEASURE-2.12")
        );
        unknown("nist-ai-rmf:GOVERN-7");
        unknown("nist-ai-rmf:MEASURE-02.7");
        unknown("nist-ai-rmf:MEASURE-2.0");
        assert_eq!(unknown("nist-ai-rmf:ASSESS-1"), None);
    }

    #[test]
    fn resolve_eu_ai_act() {
        assert_eq!(controls(Framework::EuAiAct).count(), 14);
        for c in controls(Framework::EuAiAct) {
            assert!(eu_well_formed(c.id), "{}", c.id);
        }
        assert_eq!(known("eu-ai-act:Art.12").title, "Record-keeping");
        assert_eq!(known("eu-ai-act:Art.50").kind, ControlKind::Article);
        unlisted("eu-ai-act:Art.6");
        unlisted("eu-ai-act:Art.12(1)");
        unlisted("eu-ai-act:Art.5(1)(a)");
        unlisted("eu-ai-act:Art.113");
        assert_eq!(unknown("eu-ai-act:Article 12"), some("eu-ai-act:Art.12"));
        assert_eq!(unknown("eu-ai-act:art.50"), some("eu-ai-act:Art.50"));
        assert_eq!(unknown("eu-ai-act:Art 12(1)"), some("eu-ai-act:Art.12(1)"));
        assert_eq!(unknown("eu-ai-act:12"), some("eu-ai-act:Art.12"));
        assert_eq!(unknown("eu-ai-act:Art.200"), None);
        unknown("eu-ai-act:Art.0");
        unknown("eu-ai-act:Art.12(");
        unknown("eu-ai-act:Annex III");
    }

    #[test]
    fn resolve_atlas() {
        let ids: Vec<_> = controls(Framework::Atlas).map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "AML.T0051",
                "AML.T0051.000",
                "AML.T0051.001",
                "AML.T0054",
                "AML.T0056",
                "AML.T0057",
                "AML.T0029",
                "AML.T0034",
                "AML.T0024",
                "AML.T0020",
            ]
        );
        assert_eq!(known("atlas:AML.T0051").title, "LLM Prompt Injection");
        let direct = known("atlas:AML.T0051.000");
        assert_eq!(direct.kind, ControlKind::Technique);
        assert!(direct.title.ends_with("Direct"));
        assert!(known("atlas:AML.T0051.001").title.ends_with("Indirect"));
        unlisted("atlas:AML.T0051.002");
        unlisted("atlas:AML.T0043");
        assert_eq!(unknown("atlas:T0051"), some("atlas:AML.T0051"));
        assert_eq!(unknown("atlas:aml.t0051.001"), some("atlas:AML.T0051.001"));
        assert_eq!(unknown("atlas:AML.T51"), some("atlas:AML.T0051"));
        assert_eq!(unknown("atlas:AML.T0051.1"), some("atlas:AML.T0051.001"));
        unknown("atlas:AML.TA0001");
        unknown("atlas:AML.T00510");
    }

    #[test]
    fn resolve_bad_references() {
        assert_eq!(bad("owasp:LLM01"), some("owasp-llm"));
        assert_eq!(bad("ISO42001:A.6.2.8"), some("iso42001"));
        assert_eq!(bad("iso-42001:A.6.2.8"), some("iso42001"));
        assert_eq!(bad("nist:MEASURE-2.7"), some("nist-ai-rmf"));
        assert_eq!(bad("nist:data-privacy"), some("nist-ai-600-1"));
        assert_eq!(bad("mitre:AML.T0051"), some("atlas"));
        assert_eq!(bad("eu-ai-ac:Art.12"), some("eu-ai-act"));
        assert_eq!(bad("foo:LLM01"), some("owasp-llm"));
        assert_eq!(bad("zzzzzz:qqq"), None);
        // Missing prefix: suggest the full reference when unambiguous.
        assert_eq!(bad("A.6.2.8"), some("iso42001:A.6.2.8"));
        assert_eq!(bad("LLM01"), some("owasp-llm:LLM01"));
        assert_eq!(bad("AML.T0051"), some("atlas:AML.T0051"));
        assert_eq!(bad("MEASURE-2.7"), some("nist-ai-rmf:MEASURE-2.7"));
        assert_eq!(bad(":LLM1"), some("owasp-llm:LLM01"));
        assert_eq!(bad("hello"), None);
        assert_eq!(bad(""), None);
        assert_eq!(bad("iso42001"), None);
        assert_eq!(bad("iso42001:"), None);
    }

    #[test]
    fn control_accessor() {
        assert_eq!(
            resolve("owasp-llm:LLM01").control().map(|c| c.id),
            Some("LLM01")
        );
        assert_eq!(resolve("owasp-llm:LLM1").control(), None);
    }
}
