//! `aimsgate import gitleaks`: gitleaks' TOML rules as policy detectors.
//!
//! What maps how:
//!
//! | gitleaks | aimsgate |
//! |---|---|
//! | `regex` | detector `regex` (RE2 syntax is a subset of Rust's, bar a few constructs: those rules are skipped and reported) |
//! | `keywords` | detector `keywords`: same semantics, a prefilter on the text |
//! | `entropy` | `validator: {entropy: N}` — computed over the whole match, where gitleaks uses the secret group; slightly stricter on prefixed tokens |
//! | `secretGroup` | ignored: the whole match is reported and redacted |
//! | rule `allowlists.regexes` (target secret / match) and `stopwords` | detector `exceptions.patterns` |
//! | allowlists with `regexTarget = "line"` or `paths` | skipped and reported: an LLM message has no lines of a file or paths |
//! | global `[allowlist]` regexes and stopwords | added to every detector's exceptions |
//! | `path` with a regex | imported into a separate **monitor-mode** rule: prompts carry no file path, so the restriction cannot hold, and a widened rule should be backtested (`aimsgate scan`) before it enforces |
//! | `path` without a regex | skipped: it matches file names only |
//!
//! The output is a complete policy (so it checks and compiles on its own)
//! with one enforce rule blocking requests that carry any of the secrets
//! and redacting them in responses.

use std::fmt::Write as _;

use serde::Deserialize;

/// A gitleaks config file.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Minimum gitleaks version.
    #[serde(default)]
    pub min_version: Option<String>,
    /// Global allowlist.
    #[serde(default)]
    pub allowlist: Option<Allowlist>,
    /// Rules.
    #[serde(default)]
    pub rules: Vec<GitleaksRule>,
}

/// One gitleaks rule.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitleaksRule {
    /// Rule id.
    pub id: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// RE2 pattern.
    #[serde(default)]
    pub regex: Option<String>,
    /// Capture group holding the secret.
    #[serde(default)]
    pub secret_group: Option<u32>,
    /// Minimum Shannon entropy of the secret.
    #[serde(default)]
    pub entropy: Option<f32>,
    /// Prefilter keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// File path pattern.
    #[serde(default)]
    pub path: Option<String>,
    /// Rule allowlists.
    #[serde(default)]
    pub allowlists: Vec<Allowlist>,
}

/// An allowlist.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Allowlist {
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `secret` (default), `match` or `line`.
    #[serde(default)]
    pub regex_target: Option<String>,
    /// Patterns.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Words.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Path patterns.
    #[serde(default)]
    pub paths: Vec<String>,
    /// `OR` (default) or `AND`.
    #[serde(default)]
    pub condition: Option<String>,
}

/// What happened to one gitleaks rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Imported into the enforce rule.
    Imported,
    /// Imported into the monitor-mode rule (path restriction dropped).
    ImportedMonitor,
    /// Imported, but some allowlists were left out.
    ImportedPartly(String),
    /// Not imported.
    Skipped(String),
}

/// The importer's result.
#[derive(Debug, Clone)]
pub struct Import {
    /// The policy YAML.
    pub policy_yaml: String,
    /// Per rule, what happened.
    pub outcomes: Vec<(String, Outcome)>,
}

impl Import {
    /// Rules imported (any way).
    pub fn imported(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|(_, o)| !matches!(o, Outcome::Skipped(_)))
            .count()
    }
}

/// Why a file could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not TOML of gitleaks' shape.
    #[error("not a gitleaks config: {0}")]
    Toml(#[from] toml::de::Error),
}

fn quote(s: &str) -> String {
    // JSON string syntax is valid YAML double-quoted scalar syntax.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// `p` matching anywhere in a candidate, as an exception pattern (which
/// must match the whole candidate).
fn anywhere(p: &str) -> String {
    format!("(?s:.*)(?:{p})(?s:.*)")
}

fn compiles(p: &str) -> Result<(), String> {
    regex::bytes::RegexBuilder::new(p)
        .unicode(false)
        .size_limit(16 << 20)
        .build()
        .map(|_| ())
        .map_err(|e| match e {
            regex::Error::Syntax(text) => text.lines().last().unwrap_or("").trim().to_owned(),
            other => other.to_string(),
        })
}

/// Converts a gitleaks config.
pub fn import(toml_text: &str, source_name: &str) -> Result<Import, ImportError> {
    let config: Config = toml::from_str(toml_text)?;
    let mut global_exceptions = Vec::new();
    if let Some(global) = &config.allowlist {
        global_exceptions.extend(
            global
                .regexes
                .iter()
                .filter(|p| compiles(p).is_ok())
                .cloned(),
        );
        global_exceptions.extend(
            global
                .stopwords
                .iter()
                .map(|w| anywhere(&format!("(?i){}", regex::escape(w)))),
        );
    }

    let mut outcomes = Vec::new();
    let mut detectors = String::new();
    let mut enforce_ids = Vec::new();
    let mut monitor_ids = Vec::new();
    for rule in &config.rules {
        let Some(pattern) = &rule.regex else {
            outcomes.push((
                rule.id.clone(),
                Outcome::Skipped("matches file paths only; LLM traffic has no file paths".into()),
            ));
            continue;
        };
        if let Err(why) = compiles(pattern) {
            outcomes.push((
                rule.id.clone(),
                Outcome::Skipped(format!("regex does not compile in Rust: {why}")),
            ));
            continue;
        }
        let mut exceptions = global_exceptions.clone();
        let mut left_out = Vec::new();
        for list in &rule.allowlists {
            let target = list.regex_target.as_deref().unwrap_or("secret");
            if !list.paths.is_empty() && list.condition.as_deref() == Some("AND") {
                left_out.push("an AND allowlist that needs a file path".to_owned());
                continue;
            }
            if target == "line" {
                left_out.push("a line-target allowlist".to_owned());
                continue;
            }
            for p in &list.regexes {
                match compiles(p) {
                    Ok(()) => exceptions.push(anywhere(p)),
                    Err(_) => left_out.push("an allowlist regex that does not compile".to_owned()),
                }
            }
            exceptions.extend(
                list.stopwords
                    .iter()
                    .map(|w| anywhere(&format!("(?i){}", regex::escape(w)))),
            );
            if !list.paths.is_empty() {
                left_out.push("allowlisted paths".to_owned());
            }
        }
        let _ = writeln!(detectors, "  - id: {}", quote(&rule.id));
        if let Some(description) = &rule.description {
            let _ = writeln!(detectors, "    description: {}", quote(description));
        }
        let _ = writeln!(detectors, "    regex: {}", quote(pattern));
        if !rule.keywords.is_empty() {
            let keywords: Vec<String> = rule
                .keywords
                .iter()
                .map(|k| quote(&k.to_ascii_lowercase()))
                .collect();
            let _ = writeln!(detectors, "    keywords: [{}]", keywords.join(", "));
        }
        if let Some(entropy) = rule.entropy {
            let _ = writeln!(detectors, "    validator: {{entropy: {entropy}}}");
        }
        if !exceptions.is_empty() {
            let _ = writeln!(detectors, "    exceptions:\n      patterns:");
            for p in &exceptions {
                let _ = writeln!(detectors, "        - {}", quote(p));
            }
        }
        let outcome = if rule.path.is_some() {
            monitor_ids.push(rule.id.clone());
            Outcome::ImportedMonitor
        } else {
            enforce_ids.push(rule.id.clone());
            if left_out.is_empty() {
                Outcome::Imported
            } else {
                left_out.dedup();
                Outcome::ImportedPartly(format!("left out {}", left_out.join(", ")))
            }
        };
        outcomes.push((rule.id.clone(), outcome));
    }

    let mut yaml = String::new();
    let _ = writeln!(
        yaml,
        "# Imported by `aimsgate import gitleaks` from {source_name}."
    );
    let _ = writeln!(
        yaml,
        "# gitleaks is MIT-licensed; see its LICENSE. Regenerate rather than edit."
    );
    let _ = writeln!(yaml, "apiVersion: aimsgate/v1\nkind: Policy\nmetadata:");
    let _ = writeln!(yaml, "  name: gitleaks-secrets");
    let _ = writeln!(
        yaml,
        "  version: {}",
        quote(config.min_version.as_deref().unwrap_or("imported"))
    );
    let _ = writeln!(yaml, "  owner: {}", quote("security engineering"));
    let _ = writeln!(
        yaml,
        "  description: {}",
        quote(&format!(
            "{} ({} secret detectors imported from gitleaks)",
            config.title.as_deref().unwrap_or("gitleaks config"),
            enforce_ids.len() + monitor_ids.len()
        ))
    );
    let _ = writeln!(yaml, "detectors:");
    yaml.push_str(&detectors);
    let _ = writeln!(yaml, "rules:");
    let any = |ids: &[String]| {
        ids.iter()
            .map(|id| format!("      - detector: {}\n", quote(id)))
            .collect::<String>()
    };
    const CONTROLS: &str =
        "[owasp-llm:LLM02, nist-ai-600-1:information-security, atlas:AML.T0057, iso42001:A.6.2.6]";
    if !enforce_ids.is_empty() {
        let _ = write!(
            yaml,
            "  - id: block-secrets-in-prompts\n    description: Refuse prompts that carry credentials.\n    phase: request\n    severity: high\n    action: block\n    controls: {CONTROLS}\n    when:\n      any:\n{}",
            any(&enforce_ids)
        );
        let _ = write!(
            yaml,
            "  - id: redact-secrets-in-completions\n    description: Mask credentials a model echoes back.\n    phase: response\n    severity: high\n    action: redact\n    controls: {CONTROLS}\n    when:\n      any:\n{}",
            any(&enforce_ids)
        );
    }
    if !monitor_ids.is_empty() {
        let _ = write!(
            yaml,
            "  - id: path-scoped-secrets-shadow\n    description: gitleaks rules meant for certain files only; recorded, not enforced, until backtested.\n    phase: request\n    severity: medium\n    mode: monitor\n    action: block\n    controls: {CONTROLS}\n    when:\n      any:\n{}",
            any(&monitor_ids)
        );
    }
    Ok(Import {
        policy_yaml: yaml,
        outcomes,
    })
}
