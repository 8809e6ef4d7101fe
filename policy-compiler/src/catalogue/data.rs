//! The catalogue's data: every listed control, the Annex A objectives and
//! the tables the resolver checks ids and suggests spellings with.

use std::sync::LazyLock;

use super::types::{Control, ControlKind, Duty, Framework};

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
const C7: &str = "7 Support";
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
        duty: None,
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
        duty: None,
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
        duty: None,
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
        duty: None,
    }
}

/// An EU AI Act article or paragraph, with whose duty it is.
const fn article(id: &'static str, title: &'static str, duty: Duty) -> Control {
    Control {
        framework: Framework::EuAiAct,
        id,
        title,
        group: "",
        objective: "",
        kind: ControlKind::Article,
        duty: Some(duty),
    }
}

const FUNCTION: ControlKind = ControlKind::Function;
const PROVIDER: Duty = Duty::Provider;
const DEPLOYER: Duty = Duty::Deployer;
const BOTH: Duty = Duty::Both;
const CATEGORY: ControlKind = ControlKind::Category;

#[rustfmt::skip]
static WRITTEN: &[Control] = &[
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
    // ISO/IEC 42001 management-system clauses 4 to 10 (the harmonized
    // structure's titles), every one citable: a policy maps documentation
    // and management-review duties to them, not to runtime rules.
    clause("4.1", "Understanding the organization and its context", C4),
    clause("4.2", "Understanding the needs and expectations of interested parties", C4),
    clause("4.3", "Determining the scope of the AI management system", C4),
    clause("4.4", "AI management system", C4),
    clause("5.1", "Leadership and commitment", C5),
    clause("5.2", "AI policy", C5),
    clause("5.3", "Roles, responsibilities and authorities", C5),
    clause("6.1", "Actions to address risks and opportunities", C6),
    clause("6.1.1", "Actions to address risks and opportunities: general", C6),
    clause("6.1.2", "AI risk assessment", C6),
    clause("6.1.3", "AI risk treatment", C6),
    clause("6.1.4", "AI system impact assessment", C6),
    clause("6.2", "AI objectives and planning to achieve them", C6),
    clause("6.3", "Planning of changes", C6),
    clause("7.1", "Resources", C7),
    clause("7.2", "Competence", C7),
    clause("7.3", "Awareness", C7),
    clause("7.4", "Communication", C7),
    clause("7.5", "Documented information", C7),
    clause("7.5.1", "Documented information: general", C7),
    clause("7.5.2", "Creating and updating documented information", C7),
    clause("7.5.3", "Control of documented information", C7),
    clause("8.1", "Operational planning and control", C8),
    clause("8.2", "AI risk assessment", C8),
    clause("8.3", "AI risk treatment", C8),
    clause("8.4", "AI system impact assessment", C8),
    clause("9.1", "Monitoring, measurement, analysis and evaluation", C9),
    clause("9.2", "Internal audit", C9),
    clause("9.2.1", "Internal audit: general", C9),
    clause("9.2.2", "Internal audit programme", C9),
    clause("9.3", "Management review", C9),
    clause("9.3.1", "Management review: general", C9),
    clause("9.3.2", "Management review inputs", C9),
    clause("9.3.3", "Management review results", C9),
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
    // EU AI Act: the articles most often mapped and, where one article
    // splits duties between provider and deployer, its paragraphs.
    article("Art.4", "AI literacy of staff and others operating AI systems", BOTH),
    article("Art.5", "Prohibited AI practices", BOTH),
    article("Art.6", "Classification of AI systems as high-risk", PROVIDER),
    article("Art.9", "Risk management system", PROVIDER),
    article("Art.10", "Data and data governance", PROVIDER),
    article("Art.11", "Technical documentation", PROVIDER),
    article("Art.12", "Record-keeping: automatic logging built into the system", PROVIDER),
    article("Art.13", "Transparency and information for deployers", PROVIDER),
    article("Art.14", "Human oversight designed into the system", PROVIDER),
    article("Art.15", "Accuracy, robustness and cybersecurity", PROVIDER),
    article("Art.16", "Obligations of providers of high-risk AI systems", PROVIDER),
    article("Art.17", "Quality management system", PROVIDER),
    article("Art.18", "Keeping the documentation", PROVIDER),
    article("Art.19", "Automatically generated logs kept by the provider", PROVIDER),
    article("Art.19(1)", "Provider keeps the logs under its control for at least six months", PROVIDER),
    article("Art.20", "Corrective actions and duty of information", PROVIDER),
    article("Art.26", "Obligations of deployers of high-risk AI systems", DEPLOYER),
    article("Art.26(1)", "Use the system according to its instructions for use", DEPLOYER),
    article("Art.26(2)", "Assign human oversight to competent, trained people", DEPLOYER),
    article("Art.26(4)", "Input data under the deployer's control is relevant to the purpose", DEPLOYER),
    article("Art.26(5)", "Monitor operation; inform provider and authorities of risks and serious incidents", DEPLOYER),
    article("Art.26(6)", "Keep the logs under the deployer's control for at least six months", DEPLOYER),
    article("Art.26(7)", "Inform workers' representatives and affected workers", DEPLOYER),
    article("Art.26(9)", "Use the provider's information for the data protection impact assessment", DEPLOYER),
    article("Art.26(11)", "Inform people that decisions about them are assisted by the system", DEPLOYER),
    article("Art.27", "Fundamental rights impact assessment for high-risk AI systems", DEPLOYER),
    article("Art.50", "Transparency obligations for certain AI systems", BOTH),
    article("Art.50(1)", "Design the system so people know they are interacting with AI", PROVIDER),
    article("Art.50(2)", "Mark synthetic output as artificially generated, machine-readably", PROVIDER),
    article("Art.50(3)", "Inform people exposed to emotion recognition or biometric categorisation", DEPLOYER),
    article("Art.50(4)", "Disclose deep fakes and AI-generated text published on public matters", DEPLOYER),
    article("Art.53", "Obligations of providers of general-purpose AI models", PROVIDER),
    article("Art.72", "Post-market monitoring by providers", PROVIDER),
    article("Art.73", "Reporting of serious incidents by providers", PROVIDER),
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
];

/// Subcategory counts per category of each NIST AI RMF function (72 in all),
/// used to tell a real-but-unlisted subcategory from a malformed one.
pub(super) const RMF_SUBCATEGORIES: [(&str, &[u32]); 4] = [
    ("GOVERN", &[7, 3, 2, 3, 2, 2]),
    ("MAP", &[6, 3, 5, 2, 2]),
    ("MEASURE", &[3, 13, 3, 3]),
    ("MANAGE", &[4, 4, 2, 3]),
];

/// Number of articles in the EU AI Act.
pub(super) const EU_AI_ACT_ARTICLES: u32 = 113;

/// Every ISO/IEC 42001 clause number (harmonized structure), listed or not.
/// A bare number that is a real clause gets no `A.` suggestion: it is more
/// likely a clause the catalogue does not list than a mistyped Annex A id.
pub(super) const ISO_CLAUSE_NUMBERS: &[&str] = &[
    "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1", "6.1.1", "6.1.2", "6.1.3", "6.1.4",
    "6.2", "6.3", "7.1", "7.2", "7.3", "7.4", "7.5", "7.5.1", "7.5.2", "7.5.3", "8.1", "8.2",
    "8.3", "8.4", "9.1", "9.2", "9.2.1", "9.2.2", "9.3", "9.3.1", "9.3.2", "9.3.3", "10.1", "10.2",
];

/// Normalised aliases (lower-case alphanumerics) people use for framework
/// prefixes; used only for suggestions.
pub(super) const PREFIX_ALIASES: &[(&str, &[Framework])] = &[
    ("iso", &[Framework::Iso42001, Framework::Iso27001]),
    ("iso42001", &[Framework::Iso42001]),
    ("isoiec42001", &[Framework::Iso42001]),
    ("42001", &[Framework::Iso42001]),
    ("iso42k", &[Framework::Iso42001]),
    ("iso27001", &[Framework::Iso27001]),
    ("isoiec27001", &[Framework::Iso27001]),
    ("27001", &[Framework::Iso27001]),
    ("iso27k", &[Framework::Iso27001]),
    ("isms", &[Framework::Iso27001]),
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

/// Annex A controls that a rule's decisions cannot evidence, with why:
/// what they ask for is a document, a role, a process or a decision taken
/// outside the traffic. A rule may enforce part of what such a document
/// says (the approved-model list of A.4.4's tooling documentation), but
/// its events evidence the runtime control that enforcement belongs to
/// (A.10.3), not the documentation. Every Annex A control not listed here
/// can be evidenced at runtime (A.6.2.6 operation and monitoring, A.6.2.8
/// event logs, A.8.2 information for users, A.9.2 and A.9.4 responsible
/// and intended use, A.10.3 suppliers). `check` warns when a rule claims
/// one of these (`documentation-control`).
pub const DOCUMENTATION_CONTROLS: &[(&str, &str)] = &[
    (
        "A.2.2",
        "an AI policy is a document the organisation approves",
    ),
    (
        "A.2.3",
        "alignment with other policies is shown in the policies themselves",
    ),
    ("A.2.4", "a policy review is a management activity"),
    (
        "A.3.2",
        "roles and responsibilities are assigned by the organisation",
    ),
    (
        "A.3.3",
        "a process for reporting concerns is organisational",
    ),
    (
        "A.4.2",
        "resource documentation is an inventory, not traffic",
    ),
    ("A.4.3", "data resources are documented, not enforced"),
    (
        "A.4.4",
        "it asks for documentation of tooling resources; enforcing the approved list evidences A.10.3",
    ),
    (
        "A.4.5",
        "it asks for documentation of system and computing resources; limits on use evidence A.6.2.6 or A.9.4",
    ),
    ("A.4.6", "human resources and competence are organisational"),
    ("A.5.2", "the impact assessment process is organisational"),
    ("A.5.3", "impact assessments are documents"),
    (
        "A.5.4",
        "assessing impacts on people is done before and beside operation",
    ),
    (
        "A.5.5",
        "assessing societal impacts is done before and beside operation",
    ),
    ("A.6.1.2", "objectives are set by the organisation"),
    ("A.6.1.3", "development processes are organisational"),
    (
        "A.6.2.2",
        "requirements are specified before the system is built",
    ),
    ("A.6.2.3", "design is documented during development"),
    (
        "A.6.2.4",
        "verification and validation happen before release",
    ),
    ("A.6.2.5", "a deployment plan precedes deployment"),
    ("A.6.2.7", "technical documentation is a document"),
    (
        "A.7.2",
        "data for development is outside the inference traffic",
    ),
    (
        "A.7.3",
        "data acquisition for development is outside the inference traffic",
    ),
    (
        "A.7.4",
        "quality of data for development is outside the inference traffic",
    ),
    ("A.7.5", "data provenance is recorded for development data"),
    (
        "A.7.6",
        "data preparation for development is outside the inference traffic",
    ),
    (
        "A.8.3",
        "external reporting is a channel the organisation runs",
    ),
    (
        "A.8.4",
        "communicating incidents is a process the organisation runs",
    ),
    (
        "A.8.5",
        "information for interested parties is published by the organisation",
    ),
    (
        "A.9.3",
        "responsible-use objectives are set by the organisation",
    ),
    ("A.10.2", "responsibilities are allocated in contracts"),
    ("A.10.4", "customer obligations are set in agreements"),
];

/// What a rule's decisions must be about to evidence a runtime Annex A
/// control that only some rules fit ([`CONTROL_FIT`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Which supplier or model serves a request: a condition on the model,
    /// the provider or the upstream host.
    Supplier,
    /// What the user or their application is told: a response header the
    /// rule adds (`add_header`, `flag` with a header).
    UserFacing,
    /// Bounds on how a system is used: models, tools, prompt and output
    /// sizes, budgets.
    UseBounds,
    /// No rule: the audit log itself.
    AuditLog,
}

/// The runtime Annex A controls that only some rules can evidence, what a
/// rule must decide to fit, and why. `check` warns (`control-fit`) when a
/// rule claims one of these without fitting it; A.6.2.6 (operation and
/// monitoring) and A.9.2 (responsible use) fit any rule, and the controls
/// of [`DOCUMENTATION_CONTROLS`] none.
pub const CONTROL_FIT: &[(&str, Fit, &str)] = &[
    (
        "A.6.2.8",
        Fit::AuditLog,
        "the filter logs every governed exchange whatever the rules decide, so the audit events and their verification evidence logging, not one rule's decisions",
    ),
    (
        "A.8.2",
        Fit::UserFacing,
        "information for users is evidenced by what users or their applications are told, a response header a rule adds (add_header, or flag with a header)",
    ),
    (
        "A.9.4",
        Fit::UseBounds,
        "intended use is evidenced by decisions that keep use within bounds: the model, the tools offered, prompt or output size, budgets",
    ),
    (
        "A.10.3",
        Fit::Supplier,
        "the suppliers control is evidenced by decisions on which supplier or model serves a request (model_not_approved, model_not_in, provider_not_in, host_not_in)",
    ),
];

/// What a rule must decide to evidence the Annex A control `id`, and why,
/// when only some rules can ([`CONTROL_FIT`]).
pub fn fit(id: &str) -> Option<(Fit, &'static str)> {
    CONTROL_FIT
        .iter()
        .find(|(control, _, _)| *control == id)
        .map(|&(_, fit, why)| (fit, why))
}

/// Why a rule cannot evidence the Annex A control `id`, when it cannot
/// ([`DOCUMENTATION_CONTROLS`]).
pub fn documentation_only(id: &str) -> Option<&'static str> {
    DOCUMENTATION_CONTROLS
        .iter()
        .find(|(c, _)| *c == id)
        .map(|(_, why)| *why)
}

// ---------------------------------------------------------------------------
// Accessors
// ---------------------------------------------------------------------------

/// ISO/IEC 27001:2022 Annex A, one `id<TAB>title` per line.
const ISO27001: &str = include_str!("iso27001.tsv");

/// The catalogue: the controls written above, then the two tables.
static CONTROLS: LazyLock<Vec<Control>> = LazyLock::new(|| {
    let mut controls = WRITTEN.to_vec();
    controls.extend(table(ISO27001).map(|(id, title)| Control {
        framework: Framework::Iso27001,
        id,
        title,
        group: iso27001_theme(id),
        objective: "",
        kind: ControlKind::Iso27001AnnexA,
        duty: None,
    }));
    controls.extend(
        table(super::atlas::TABLE)
            .map(|(id, title)| simple(Framework::Atlas, ControlKind::Technique, id, title)),
    );
    // Report order is framework order (`rank`), whatever order the
    // sources come in.
    controls.sort_by_key(|c| Framework::ALL.iter().position(|f| *f == c.framework));
    controls
});

/// The `id<TAB>title` rows of a table, comments and blank lines skipped.
fn table(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('\t'))
}

fn iso27001_theme(id: &str) -> &'static str {
    match id.split('.').nth(1) {
        Some("5") => "5 Organizational controls",
        Some("6") => "6 People controls",
        Some("7") => "7 Physical controls",
        _ => "8 Technological controls",
    }
}

/// Every catalogued control: ISO/IEC 42001 (Annex A in order, then
/// clauses), ISO/IEC 27001 Annex A, NIST AI RMF, NIST AI 600-1, EU AI Act,
/// OWASP LLM, MITRE ATLAS.
pub fn all() -> &'static [Control] {
    &CONTROLS
}

/// Where a control sorts in the SoA and the evidence report: by framework
/// (in [`Framework::ALL`] order), then by its place in the catalogue;
/// unknown frameworks and controls last.
pub fn rank(framework: Option<Framework>, control: Option<&Control>) -> (usize, usize) {
    let framework = framework
        .and_then(|f| Framework::ALL.iter().position(|x| *x == f))
        .unwrap_or(usize::MAX);
    let control = control
        .and_then(|c| {
            all()
                .iter()
                .position(|x| x.framework == c.framework && x.id == c.id)
        })
        .unwrap_or(usize::MAX);
    (framework, control)
}

/// The catalogued controls of one framework, in catalogue order.
pub fn controls(framework: Framework) -> impl Iterator<Item = &'static Control> {
    all().iter().filter(move |c| c.framework == framework)
}

/// Exactly the 38 ISO/IEC 42001 Annex A controls, in order (A.2.2 … A.10.4).
pub fn annex_a() -> impl Iterator<Item = &'static Control> {
    all().iter().filter(|c| c.kind == ControlKind::AnnexA)
}

/// The 9 ISO/IEC 42001 Annex A control objectives as `(id, title)`, in order:
/// `("A.2", "Policies related to AI")` … `("A.10", "Third-party and customer
/// relationships")`. Each Annex A control's [`Control::group`] is
/// `"{id} {title}"` of its objective.
pub fn annex_a_objectives() -> &'static [(&'static str, &'static str)] {
    &ANNEX_A_OBJECTIVES
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Resolution, lookup, resolve};
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
        // Every clause of 4 to 10 is citable, in order.
        assert_eq!(clauses, ISO_CLAUSE_NUMBERS);
        assert_eq!(
            controls(Framework::Iso42001).count(),
            38 + ISO_CLAUSE_NUMBERS.len()
        );
        assert_eq!(
            known("iso42001:4.3").title,
            "Determining the scope of the AI management system"
        );
        assert_eq!(known("iso42001:9.3").group, "9 Performance evaluation");
        assert_eq!(known("iso42001:6.1.3").title, "AI risk treatment");
        assert_eq!(known("iso42001:6.1.3").group, "6 Planning");
    }
}
