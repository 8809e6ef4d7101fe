//! The built-in detectors' examples (`tests/data/builtins.toml`), checked
//! through the real engine: one rule set with one detector per built-in,
//! lowered the way the policy compiler lowers `builtin: <name>`, and every
//! example inspected as request text. What the examples exercise is
//! therefore what a deployment runs: normalisation, the keyword gates, the
//! shared regex set, validators and span mapping, not a copy of them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use aimsgate_engine::Engine;
use aimsgate_engine::detect::builtin::{self, Builtin, BuiltinKind};
use aimsgate_engine::detect::phrases;
use aimsgate_engine::ruleset::*;
use serde::Deserialize;

/// The examples of one built-in (the format is described at the top of
/// the data file).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Examples {
    /// Texts in which the detector finds something.
    #[serde(default, rename = "match")]
    matches: Vec<String>,
    /// Texts in which it finds nothing.
    #[serde(default)]
    no_match: Vec<String>,
    /// Texts in which it finds exactly the given substrings, in order.
    #[serde(default)]
    span: Vec<Span>,
    /// Canary values planted by the policy (`system-prompt-canary` only).
    #[serde(default)]
    canary: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Span {
    text: String,
    found: Vec<String>,
}

fn examples() -> BTreeMap<String, Examples> {
    toml::from_str(include_str!("data/builtins.toml"))
        .unwrap_or_else(|e| panic!("tests/data/builtins.toml: {e}"))
}

/// `b` as a rule-set detector, as the policy compiler lowers a
/// `builtin:` detector with no overrides.
fn lower(b: &Builtin, examples: &Examples) -> DetectorSpec {
    let context = b.context().map(|c| ContextSpec {
        words: c.words.iter().map(|w| (*w).to_owned()).collect(),
        window: c.window,
    });
    let context_words = context.as_ref().map_or(&[][..], |c| &c.words[..]);
    let kind = match b.kind {
        BuiltinKind::Patterns => DetectorKind::Regex {
            patterns: b.patterns.iter().map(|p| (*p).to_owned()).collect(),
            keywords: b.gate_keywords(context_words),
            case_insensitive: b.case_insensitive,
            unicode: false,
        },
        BuiltinKind::Invisible => DetectorKind::Invisible {
            classes: Vec::new(),
        },
        BuiltinKind::Canary => DetectorKind::Canary {
            values: examples.canary.clone(),
        },
        BuiltinKind::Phrases => DetectorKind::Phrases {
            signals: catalogue().lower(),
        },
    };
    let max_match_len = match &kind {
        DetectorKind::Phrases { signals } => phrases::max_match_len(signals),
        _ => b.max_match_len(),
    };
    DetectorSpec {
        id: b.name.to_owned(),
        kind,
        validator: b.validator,
        context,
        exceptions: ExceptionSpec::default(),
        max_match_len,
    }
}

fn catalogue() -> phrases::Catalogue {
    phrases::Catalogue::parse(phrases::SOURCES, |s| toml::from_str(s))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// An engine with every built-in, detector `i` being `builtin::all()[i]`,
/// and one monitor-mode rule that mentions them all (the engine only
/// records hits of detectors some rule of the phase looks at): a phrase
/// detector through a score at the catalogue's threshold, as the policy
/// compiler lowers `detector: prompt-injection`.
fn engine(examples: &BTreeMap<String, Examples>) -> Engine {
    let none = Examples::default();
    let detectors: Vec<DetectorSpec> = builtin::all()
        .iter()
        .map(|b| lower(b, examples.get(b.name).unwrap_or(&none)))
        .collect();
    let threshold = catalogue().threshold;
    let mut found = Vec::new();
    let mut scored = Vec::new();
    for (detector, spec) in detectors.iter().enumerate() {
        let detector = detector as u32;
        match spec.kind {
            DetectorKind::Phrases { .. } => scored.push(Condition::Score {
                detector,
                min_score: threshold,
            }),
            _ => found.push(Condition::Detector {
                detector,
                min_count: 1,
            }),
        }
    }
    let rule = |id: &str, when| RuleSpec {
        id: id.into(),
        description: String::new(),
        phase: Phase::Both,
        roles: 0,
        when,
        action: Action::Flag { header: None },
        mode: Mode::Monitor,
        severity: Severity::Low,
        controls: Vec::new(),
    };
    let ruleset = RuleSet {
        policy: PolicyInfo {
            name: "builtins".into(),
            version: "1".into(),
            digest: Digest::of(b"builtins"),
        },
        identity: IdentitySpec::default(),
        detectors,
        rules: vec![
            rule("any-builtin", Condition::Any(found)),
            rule(SCORED_RULE, Condition::Any(scored)),
        ],
        routes: vec![],
        systems: vec![],
        disclosure_headers: vec![],
        unknown_hosts: aimsgate_engine::ruleset::UnknownPath::Allow,
    };
    Engine::new(ruleset).expect("the built-ins build")
}

/// What detector `index` finds in `text`, as substrings of `text`. A
/// phrase detector finds something only when its signals reach the
/// threshold: below it, weak signals are hits no rule acts on.
fn found<'t>(engine: &Engine, index: usize, text: &'t str) -> Vec<&'t str> {
    let decision = engine.inspect_text(text, Phase::Request).decision;
    if builtin::all()[index].kind == BuiltinKind::Phrases {
        let scored = engine
            .ruleset()
            .rules
            .iter()
            .position(|r| r.id == SCORED_RULE)
            .expect("the scored rule exists") as u32;
        if !decision.fired.iter().any(|f| f.rule == scored) {
            return Vec::new();
        }
    }
    decision
        .hits
        .iter()
        .filter(|h| h.detector as usize == index)
        .map(|h| &text[h.span.clone()])
        .collect()
}

/// The rule that scores the phrase detectors (one built-in today).
const SCORED_RULE: &str = "phrase-score";

#[test]
fn every_builtin_has_examples_and_every_table_is_a_builtin() {
    let examples = examples();
    let names: Vec<&str> = builtin::all().iter().map(|b| b.name).collect();
    for name in examples.keys() {
        assert!(
            names.contains(&name.as_str()),
            "[{name}] is not a built-in detector"
        );
    }
    for b in builtin::all() {
        let e = examples
            .get(b.name)
            .unwrap_or_else(|| panic!("no [{}] examples", b.name));
        assert!(
            !e.matches.is_empty() || !e.span.is_empty(),
            "[{}] has no positive example",
            b.name
        );
        assert!(
            !e.no_match.is_empty(),
            "[{}] has no negative example",
            b.name
        );
        assert_eq!(
            !e.canary.is_empty(),
            b.kind == BuiltinKind::Canary,
            "[{}]: `canary` values belong to the canary built-in only",
            b.name
        );
    }
}

/// Every example of every built-in, all failures reported together.
#[test]
fn examples_hold_through_the_engine() {
    let examples = examples();
    let engine = engine(&examples);
    let mut failures = String::new();
    let mut checked = 0;
    for (index, b) in builtin::all().iter().enumerate() {
        let Some(e) = examples.get(b.name) else {
            continue;
        };
        for text in &e.matches {
            checked += 1;
            if found(&engine, index, text).is_empty() {
                let _ = writeln!(failures, "{}: must find something in {text:?}", b.name);
            }
        }
        for text in &e.no_match {
            checked += 1;
            let got = found(&engine, index, text);
            if !got.is_empty() {
                let _ = writeln!(
                    failures,
                    "{}: must find nothing in {text:?}, found {got:?}",
                    b.name
                );
            }
        }
        for span in &e.span {
            checked += 1;
            let got = found(&engine, index, &span.text);
            if got != span.found {
                let _ = writeln!(
                    failures,
                    "{}: in {:?} must find {:?}, found {got:?}",
                    b.name, span.text, span.found
                );
            }
        }
    }
    assert!(failures.is_empty(), "built-in examples failed:\n{failures}");
    assert!(checked > 0, "no examples were checked");
}
