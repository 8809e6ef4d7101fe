//! Shared fixtures for the benchmarks: policies compiled from the repo and
//! from ../shared, realistic request bodies, and the naive baseline.
#![deny(missing_docs)]

use std::path::PathBuf;

use aimsgate_engine::ruleset::{DetectorKind, RuleSet};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compiles a policy file's text.
pub fn compile(name: &str, text: &str) -> RuleSet {
    let (compiled, report) = aimsgate_compiler::policy::check(name, text);
    match compiled {
        Some(c) => c.ruleset,
        None => panic!("{name} does not compile:\n{}", report.render_plain()),
    }
}

/// The baseline pack's rule set.
pub fn baseline() -> RuleSet {
    let path = root().join("examples/policies/baseline/policy.yaml");
    let text = std::fs::read_to_string(&path).expect("baseline policy");
    compile("baseline", &text)
}

/// gitleaks' rules, imported from ../shared at run time.
pub fn gitleaks() -> RuleSet {
    let path = root().join("../shared/data/gitleaks/gitleaks.toml");
    let toml = std::fs::read_to_string(&path).expect("gitleaks.toml beside the repo");
    let imported =
        aimsgate_compiler::import::gitleaks::import(&toml, "gitleaks.toml").expect("imports");
    compile("gitleaks", &imported.policy_yaml)
}

/// An English chat request of about `size` bytes, with one email near the
/// end, as a user would paste it.
pub fn chat_request(size: usize) -> Vec<u8> {
    const PARAGRAPH: &str = "Our quarterly review covers revenue, hiring plans and the roadmap for the \
        customer portal. Please summarise the main risks, list open questions for the board, and \
        suggest three follow-up actions with owners and dates. Keep the tone neutral. ";
    let mut text = String::new();
    while text.len() + PARAGRAPH.len() < size.saturating_sub(160) {
        text.push_str(PARAGRAPH);
    }
    text.push_str("Send the summary to jane.doe@example.com when done.");
    serde_json::to_vec(&serde_json::json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant for an enterprise."},
            {"role": "user", "content": text},
        ],
        "max_tokens": 1024,
    }))
    .expect("serialises")
}

/// The naive way: one regex per pattern of every regex detector, each run
/// over the raw body in a loop — what a filter does without one-pass
/// scanning.
pub struct Naive {
    regexes: Vec<regex::bytes::Regex>,
}

impl Naive {
    /// Compiles every regex pattern of the rule set, one by one.
    pub fn new(ruleset: &RuleSet) -> Naive {
        let mut regexes = Vec::new();
        for detector in &ruleset.detectors {
            if let DetectorKind::Regex {
                patterns,
                case_insensitive,
                ..
            } = &detector.kind
            {
                for p in patterns {
                    if let Ok(r) = regex::bytes::RegexBuilder::new(p)
                        .case_insensitive(*case_insensitive)
                        .unicode(false)
                        .size_limit(16 << 20)
                        .build()
                    {
                        regexes.push(r);
                    }
                }
            }
        }
        Naive { regexes }
    }

    /// Matches found over `body`.
    pub fn scan(&self, body: &[u8]) -> usize {
        self.regexes.iter().map(|r| r.find_iter(body).count()).sum()
    }
}
