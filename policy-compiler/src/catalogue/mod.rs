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

mod atlas;
mod data;
mod resolve;
mod types;

pub use data::{
    CONTROL_FIT, DOCUMENTATION_CONTROLS, Fit, all, annex_a, annex_a_objectives, controls,
    documentation_only, fit, rank,
};
pub use resolve::{eu_duty, eu_high_risk_only, lookup, resolve};
pub use types::{Control, ControlKind, Duty, Framework, Resolution};
