//! Evidence per control (being written).

use crate::policy::compile::Compiled;

use super::read::Events;

/// The period a report covers (ns since the epoch; open ends when `None`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Period {
    /// Start (inclusive).
    pub from: Option<u64>,
    /// End (exclusive).
    pub to: Option<u64>,
}

/// The evidence report.
#[derive(Debug, Clone, Default)]
pub struct EvidenceReport {}

/// Builds the report.
pub fn build(_events: &Events, _compiled: &Compiled, _period: &Period) -> EvidenceReport {
    EvidenceReport {}
}

/// Markdown.
pub fn to_markdown(_report: &EvidenceReport) -> String {
    String::new()
}

/// JSON.
pub fn to_json(_report: &EvidenceReport) -> String {
    String::new()
}

/// HTML.
pub fn to_html(_report: &EvidenceReport) -> String {
    String::new()
}
