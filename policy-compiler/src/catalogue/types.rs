//! The catalogue's types: frameworks, controls and the outcome of resolving
//! a reference.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A control framework whose controls policies can cite.
///
/// Serialises as its reference prefix (`"iso42001"`, `"iso27001"`,
/// `"nist-ai-rmf"`, `"nist-ai-600-1"`, `"eu-ai-act"`, `"owasp-llm"`,
/// `"atlas"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    /// ISO/IEC 42001:2023, AI management system (Annex A controls and clauses).
    Iso42001,
    /// ISO/IEC 27001:2022, information security management (its 93 Annex A
    /// controls), on which most adopters of ISO/IEC 42001 layer their AIMS.
    Iso27001,
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
    pub const ALL: [Framework; 7] = [
        Framework::Iso42001,
        Framework::Iso27001,
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
            Framework::Iso27001 => "iso27001",
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
            Framework::Iso27001 => "ISO/IEC 27001:2022 Annex A information security controls",
            Framework::NistAiRmf => "NIST AI Risk Management Framework 1.0 (AI 100-1)",
            Framework::NistAi600_1 => "NIST AI 600-1 Generative AI Profile",
            Framework::EuAiAct => "EU AI Act (Regulation (EU) 2024/1689)",
            Framework::OwaspLlm => "OWASP Top 10 for LLM Applications 2025",
            Framework::Atlas => "MITRE ATLAS",
        }
    }

    /// The edition of the framework the catalogue follows, for reports (the
    /// ATLAS release comes from its technique table): a citation is read
    /// against this edition and no other.
    pub fn version(self) -> &'static str {
        match self {
            Framework::Iso42001 => "2023, first edition",
            Framework::Iso27001 => "2022, third edition",
            Framework::NistAiRmf => "1.0, January 2023",
            Framework::NistAi600_1 => "July 2024",
            Framework::EuAiAct => "as published in the Official Journal, 12 July 2024",
            Framework::OwaspLlm => "2025, published November 2024",
            Framework::Atlas => super::atlas::release(),
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
            Framework::Iso42001
                | Framework::Iso27001
                | Framework::NistAi600_1
                | Framework::OwaspLlm
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
    /// ISO/IEC 27001:2022 Annex A control (e.g. `A.8.15`).
    Iso27001AnnexA,
}

/// Whose duty an EU AI Act provision is: the Act splits its duties between
/// the provider who builds a system and the deployer who uses it (Art. 3(3),
/// 3(4)), and a system's record must cite the duties of its own role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Duty {
    /// A provider's duty (e.g. Art. 12 record-keeping by design, Art. 73).
    Provider,
    /// A deployer's duty (e.g. Art. 26(6) keeping the logs, Art. 26(5)).
    Deployer,
    /// Both roles' duty (e.g. Art. 4 AI literacy, Art. 5 prohibitions).
    Both,
}

impl Duty {
    /// As reports write it.
    pub const fn name(self) -> &'static str {
        match self {
            Duty::Provider => "provider",
            Duty::Deployer => "deployer",
            Duty::Both => "provider and deployer",
        }
    }
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
    /// Whose duty it is, for the EU AI Act's provisions; `None` elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duty: Option<Duty>,
}

impl Control {
    /// The full reference, `framework:ID`.
    pub fn reference(&self) -> String {
        format!("{}:{}", self.framework.prefix(), self.id)
    }
}

/// Outcome of [`resolve`](super::resolve)-ing a control reference.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::resolve;

    fn known(reference: &str) -> &'static Control {
        match resolve(reference) {
            Resolution::Known(c) => c,
            other => panic!("{reference}: expected Known, got {other:?}"),
        }
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
    fn control_accessor() {
        assert_eq!(
            resolve("owasp-llm:LLM01").control().map(|c| c.id),
            Some("LLM01")
        );
        assert_eq!(resolve("owasp-llm:LLM1").control(), None);
    }
}
