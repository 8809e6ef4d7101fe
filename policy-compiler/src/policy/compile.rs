//! Checking a policy and lowering it to a [`RuleSet`].
//!
//! Checking and lowering are one walk: each part is checked where it is
//! lowered, so the checks cannot drift from what the engine will run. Every
//! regex is compiled here, exactly as the engine will compile it, so a rule
//! set that compiles also loads.

use std::collections::{HashMap, HashSet};

use aimsgate_engine::audit::GEN_AI_PROVIDER_NAMES;
use aimsgate_engine::codec::{Api, Role};
use aimsgate_engine::detect::{builtin, phrases};
use aimsgate_engine::ruleset::Validator;
use aimsgate_engine::ruleset::{
    Action, BudgetScope, BudgetSpec, BudgetUnit, ClassifierSpec, Condition, ContextSpec,
    DetectorKind, DetectorSpec, Digest, ExceptionSpec, IdentitySpec, Mode, Phase, PolicyInfo,
    RouteSpec, RuleSet, RuleSpec, Severity, SystemSpec, UnknownPath,
};

use super::LoadedPolicy;
use super::model::*;
use super::source::{SpanIndex, join_index, join_key};
use crate::catalogue::{self, Resolution};
use crate::diagnostics::{Code, Diagnostic, Level, did_you_mean};

/// Domains regulated enough that a system in them needs an impact
/// assessment whatever it decides (EU AI Act Annex III areas and the
/// sectors with their own AI rules).
pub const REGULATED_DOMAINS: &[&str] = &[
    "healthcare",
    "finance",
    "financial-services",
    "insurance",
    "credit",
    "employment",
    "education",
    "law-enforcement",
    "migration",
    "justice",
    "critical-infrastructure",
    "biometrics",
    "public-services",
];

/// A compiled policy.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The policy as written.
    pub policy: Policy,
    /// The rule set.
    pub ruleset: RuleSet,
}

/// Checks and lowers a loaded policy. Returns the rule set when there are
/// no errors, and every diagnostic either way.
pub fn compile(loaded: &LoadedPolicy) -> (Option<Compiled>, Vec<Diagnostic>) {
    let mut lower = Lower {
        thresholds: Vec::new(),
        approved_models: approved_models(&loaded.policy),
        spans: &loaded.spans,
        diagnostics: Vec::new(),
    };
    let ruleset = lower.policy(&loaded.policy, &loaded.source);
    let diagnostics = lower.diagnostics;
    let failed = diagnostics.iter().any(|d| d.level == Level::Error);
    let compiled = (!failed).then(|| Compiled {
        policy: loaded.policy.clone(),
        ruleset,
    });
    (compiled, diagnostics)
}

/// Review dates that have passed by `today` (YYYY-MM-DD): the statement's
/// `next_review` and each impact assessment's. Kept out of [`compile`],
/// whose result depends on the policy alone; `aimsgate check` adds these.
pub fn stale_reviews(loaded: &LoadedPolicy, today: &str) -> Vec<Diagnostic> {
    let mut lower = Lower {
        thresholds: Vec::new(),
        approved_models: Vec::new(),
        spans: &loaded.spans,
        diagnostics: Vec::new(),
    };
    let policy = &loaded.policy;
    // YYYY-MM-DD compares as text; a malformed date is a `date` warning
    // of its own and is left alone here.
    let passed = |date: &str| is_date(date) && date < today;
    if let Some(d) = &policy.soa.document
        && let Some(review) = &d.next_review
        && passed(review)
    {
        lower
            .warning(
                "soa.document.next_review",
                Code::StaleReview,
                format!("statement `{}` was due for review on {review}", d.id),
            )
            .help = Some("review it, record the revision and set the next review date".into());
    }
    for (i, supplier) in policy.suppliers.iter().enumerate() {
        if let Some(review) = &supplier.next_review
            && passed(review)
        {
            lower
                .warning(
                    &join_key(&join_index("suppliers", i), "next_review"),
                    Code::StaleReview,
                    format!("supplier `{}` was due for review on {review}", supplier.id),
                )
                .help = Some(
                "review the supplier (ISO/IEC 42001 A.10.3) and set the next review date".into(),
            );
        }
    }
    for (i, s) in policy.systems.iter().enumerate() {
        if let Some(screening) = &s.screening
            && let Some(review) = &screening.next_review
            && passed(review)
        {
            lower
                .warning(
                    &join_key(&join_index("systems", i), "screening.next_review"),
                    Code::StaleReview,
                    format!(
                        "the impact screening of system `{}` was due for review on {review}",
                        s.id
                    ),
                )
                .help = Some("screen it again and set the next review date".into());
        }
        if let Some(ia) = &s.impact_assessment
            && let Some(review) = &ia.next_review
            && passed(review)
        {
            lower
                .warning(
                    &join_key(&join_index("systems", i), "impact_assessment.next_review"),
                    Code::StaleReview,
                    format!(
                        "the impact assessment `{}` of system `{}` was due for review on {review}",
                        ia.id, s.id
                    ),
                )
                .help =
                Some("review it (ISO/IEC 42001 A.5.2, 8.4) and set the next review date".into());
        }
    }
    lower.diagnostics
}

struct Lower<'a> {
    spans: &'a SpanIndex,
    diagnostics: Vec<Diagnostic>,
    /// The default score threshold of each phrase detector, by index
    /// (`None` for every other kind): a rule naming one is lowered to a
    /// score condition.
    thresholds: Vec<Option<u32>>,
    /// Each provider of the supplier register with the models approved
    /// from it (every supplier naming that provider): what
    /// `model_not_approved` checks.
    approved_models: Vec<(String, Vec<String>)>,
}

/// The supplier register's approved models per provider, providers in
/// policy order (case as first written; the engine compares providers
/// ignoring case), each model once.
fn approved_models(policy: &Policy) -> Vec<(String, Vec<String>)> {
    let mut by_provider: Vec<(String, Vec<String>)> = Vec::new();
    for supplier in &policy.suppliers {
        if !by_provider
            .iter()
            .any(|(p, _)| p.eq_ignore_ascii_case(&supplier.provider))
        {
            by_provider.push((supplier.provider.clone(), Vec::new()));
        }
        let Some((_, models)) = by_provider
            .iter_mut()
            .find(|(p, _)| p.eq_ignore_ascii_case(&supplier.provider))
        else {
            continue;
        };
        for model in &supplier.models {
            if !models.contains(model) {
                models.push(model.clone());
            }
        }
    }
    by_provider
}

/// `model_not_approved` as the engine's conditions: the request's (or the
/// answering) model is not among those approved from the route's provider,
/// or the route's provider is on no supplier's entry at all (then no model
/// of it is approved). A model approved from one supplier is not thereby
/// approved through another, whose terms may differ.
fn model_not_approved(approved: &[(String, Vec<String>)]) -> Condition {
    let providers: Vec<String> = approved.iter().map(|(p, _)| p.clone()).collect();
    let mut any: Vec<Condition> = approved
        .iter()
        .map(|(provider, models)| {
            Condition::All(vec![
                Condition::Not(Box::new(Condition::ProviderNotIn(vec![provider.clone()]))),
                Condition::ModelNotIn(models.clone()),
            ])
        })
        .collect();
    any.push(Condition::ProviderNotIn(providers));
    Condition::Any(any)
}

impl Lower<'_> {
    fn error(&mut self, path: &str, code: Code, message: String) -> &mut Diagnostic {
        let span = self.spans.value(path);
        self.diagnostics
            .push(Diagnostic::error(code, message).at(span));
        self.diagnostics.last_mut().expect("just pushed")
    }

    fn warning(&mut self, path: &str, code: Code, message: String) -> &mut Diagnostic {
        let span = self.spans.value(path);
        self.diagnostics
            .push(Diagnostic::warning(code, message).at(span));
        self.diagnostics.last_mut().expect("just pushed")
    }

    fn unique_ids<'p>(
        &mut self,
        what: &str,
        list: &str,
        ids: impl Iterator<Item = &'p str>,
    ) -> HashMap<String, u32> {
        let mut seen = HashMap::new();
        for (i, id) in ids.enumerate() {
            let path = join_key(&join_index(list, i), "id");
            if id.trim().is_empty() {
                self.error(&path, Code::EmptyId, format!("{what} id is empty"));
            } else if seen.insert(id.to_owned(), i as u32).is_some() {
                self.error(
                    &path,
                    Code::DuplicateId,
                    format!("{what} id `{id}` is used twice"),
                );
            }
        }
        seen
    }

    fn policy(&mut self, policy: &Policy, source: &[u8]) -> RuleSet {
        if policy.api_version != API_VERSION {
            self.error(
                "apiVersion",
                Code::ApiVersion,
                format!("unsupported apiVersion `{}`", policy.api_version),
            )
            .help = Some(format!("this compiler reads `{API_VERSION}`"));
        }
        if policy.kind != "Policy" {
            self.error(
                "kind",
                Code::Kind,
                format!("unsupported kind `{}`", policy.kind),
            )
            .help = Some("use `kind: Policy`".into());
        }
        for (i, key) in policy.metadata.signing_keys.iter().enumerate() {
            let hex = key.len() == 16
                && key
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !hex {
                self.error(
                    &join_index("metadata.signing_keys", i),
                    Code::Invalid,
                    format!("`{key}` is not a key id"),
                )
                .help = Some(
                    "a key id is 16 lower-case hex digits, as `aimsgate keygen` and `compile --sign` print it".into(),
                );
            }
        }
        if let Some(date) = &policy.metadata.approved
            && !is_date(date)
        {
            self.warning(
                "metadata.approved",
                Code::Date,
                format!("`{date}` is not a YYYY-MM-DD date"),
            );
        }
        if policy.metadata.approver.is_none() {
            self.warning(
                "metadata",
                Code::Unapproved,
                "the policy names no approver (ISO/IEC 42001 A.2.2 asks for an approved AI policy)"
                    .into(),
            );
        }

        let detector_ids = self.unique_ids(
            "detector",
            "detectors",
            policy.detectors.iter().map(|d| d.id.as_str()),
        );
        let rule_ids = self.unique_ids("rule", "rules", policy.rules.iter().map(|r| r.id.as_str()));
        let route_ids = self.unique_ids(
            "route",
            "routes",
            policy.routes.iter().map(|r| r.id.as_str()),
        );
        let system_ids = self.unique_ids(
            "system",
            "systems",
            policy.systems.iter().map(|s| s.id.as_str()),
        );

        let mut detectors: Vec<DetectorSpec> = policy
            .detectors
            .iter()
            .enumerate()
            .map(|(i, d)| self.detector(d, &join_index("detectors", i)))
            .collect();
        self.resolve_classifiers(policy, &mut detectors, &detector_ids);
        self.thresholds = detectors
            .iter()
            .map(|d| match d.kind {
                DetectorKind::Phrases { .. } => Some(phrase_catalogue().threshold),
                _ => None,
            })
            .collect();

        let route_names: Vec<&str> = policy.routes.iter().map(|r| r.id.as_str()).collect();
        let rules: Vec<RuleSpec> = policy
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| self.rule(r, &join_index("rules", i), &detector_ids, &route_names))
            .collect();
        self.check_classifier_rules(policy, &rules, &detectors);

        let systems = self.systems(policy, &route_ids);
        let mut routes: Vec<RouteSpec> = policy
            .routes
            .iter()
            .enumerate()
            .map(|(i, r)| self.route(r, &join_index("routes", i), &rule_ids, policy))
            .collect();
        for (si, system) in policy.systems.iter().enumerate() {
            for route in &system.routes {
                if let Some(&ri) = route_ids.get(route) {
                    routes[ri as usize].system = Some(si as u32);
                }
            }
        }
        self.eu_duties(policy, &routes);
        self.suppliers(policy);
        let risk_ids = self.unique_ids("risk", "risks", policy.risks.iter().map(|r| r.id.as_str()));
        self.mitigating_rules(policy, &rule_ids);
        self.risks(policy, &system_ids);
        if routes.is_empty() {
            // No routes: one catch-all route with every rule, so a policy
            // under development still governs everything it is shown.
            routes.push(RouteSpec {
                id: "default".into(),
                hosts: Vec::new(),
                path_prefixes: Vec::new(),
                header: None,
                api: None,
                rules: (0..rules.len() as u32).collect(),
                system: None,
                unknown_path: UnknownPath::Block,
                oversize: UnknownPath::Block,
                upgrade: UnknownPath::Block,
                classifier_unavailable: UnknownPath::Block,
                decode_limit: UnknownPath::Allow,
            });
        }
        self.soa(policy, &rules, &risk_ids);
        self.unused_detectors(policy, &rules);

        let mut disclosure_headers = Vec::new();
        if let Some(disclosure) = &policy.disclosure {
            for (name, value) in &disclosure.headers {
                disclosure_headers.push((name.to_ascii_lowercase(), value.clone()));
            }
            for (i, control) in disclosure.controls.iter().enumerate() {
                self.control(control, &join_index("disclosure.controls", i));
            }
        }

        RuleSet {
            policy: PolicyInfo {
                name: policy.metadata.name.clone(),
                version: policy.metadata.version.clone(),
                digest: Digest::of(source),
            },
            identity: IdentitySpec {
                user_header: policy
                    .identity
                    .user_header
                    .as_ref()
                    .map(|h| h.to_ascii_lowercase()),
                group_header: policy
                    .identity
                    .group_header
                    .as_ref()
                    .map(|h| h.to_ascii_lowercase()),
            },
            detectors,
            rules,
            routes,
            systems,
            disclosure_headers,
            unknown_hosts: policy.unknown_hosts.lower(),
        }
    }

    fn detector(&mut self, d: &Detector, path: &str) -> DetectorSpec {
        let sources = [
            d.builtin.is_some(),
            d.regex.is_some(),
            !d.words.is_empty(),
            !d.canary.is_empty(),
            d.classifier.is_some(),
        ];
        let count = sources.iter().filter(|s| **s).count();
        let canary_builtin = d
            .builtin
            .as_deref()
            .and_then(builtin::get)
            .is_some_and(|b| b.kind == builtin::BuiltinKind::Canary);
        if count == 0 {
            self.error(
                path,
                Code::DetectorKind,
                format!("detector `{}` says nothing to look for", d.id),
            )
            .help =
                Some("give one of `builtin`, `regex`, `words`, `canary` or `classifier`".into());
        } else if count > 1 && !(canary_builtin && count == 2 && !d.canary.is_empty()) {
            self.error(
                path,
                Code::DetectorKind,
                format!("detector `{}` mixes kinds", d.id),
            )
            .help = Some(
                "give exactly one of `builtin`, `regex`, `words`, `canary` or `classifier`".into(),
            );
        }
        let mut validator = d.validator.as_ref().map(lower_validator);
        let mut context = d.context.as_ref().map(|c| ContextSpec {
            words: c.words.iter().map(|w| w.to_ascii_lowercase()).collect(),
            window: c.window,
        });
        let mut max_match_len = d.max_match_len;
        let case_insensitive = d.case_insensitive;
        let kind = if let Some(classifier) = &d.classifier {
            DetectorKind::Classifier(self.classifier(classifier, &join_key(path, "classifier")))
        } else if let Some(name) = &d.builtin {
            match builtin::get(name) {
                None => {
                    let names = builtin::all().iter().map(|b| b.name);
                    let hint = did_you_mean(name, names)
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| "run `aimsgate detectors` for the list".into());
                    self.error(
                        &join_key(path, "builtin"),
                        Code::UnknownBuiltin,
                        format!("unknown built-in detector `{name}`"),
                    )
                    .help = Some(hint);
                    DetectorKind::Keywords {
                        words: Vec::new(),
                        whole_word: true,
                        case_insensitive: true,
                    }
                }
                Some(b) => match b.kind {
                    builtin::BuiltinKind::Invisible => DetectorKind::Invisible {
                        classes: Vec::new(),
                    },
                    builtin::BuiltinKind::Canary => {
                        if d.canary.is_empty() {
                            self.error(
                                path,
                                Code::Canary,
                                format!("the {} detector needs `canary:` values", b.name),
                            );
                        }
                        DetectorKind::Canary {
                            values: d.canary.clone(),
                        }
                    }
                    builtin::BuiltinKind::Phrases => {
                        let signals = phrase_catalogue().lower();
                        max_match_len = max_match_len.or_else(|| phrases::max_match_len(&signals));
                        DetectorKind::Phrases { signals }
                    }
                    builtin::BuiltinKind::Patterns => {
                        validator = validator.or(b.validator);
                        max_match_len = max_match_len.or_else(|| b.max_match_len());
                        // The built-in's context words unless the policy
                        // gives its own; either gate the patterns when the
                        // built-in has no keywords of its own.
                        context = context.or_else(|| {
                            b.context().map(|c| ContextSpec {
                                words: c.words.iter().map(|w| (*w).to_owned()).collect(),
                                window: c.window,
                            })
                        });
                        let context_words = context.as_ref().map_or(&[][..], |c| &c.words[..]);
                        DetectorKind::Regex {
                            patterns: b.patterns.iter().map(|p| (*p).to_owned()).collect(),
                            keywords: b.gate_keywords(context_words),
                            case_insensitive: case_insensitive.unwrap_or(b.case_insensitive),
                            unicode: false,
                        }
                    }
                },
            }
        } else if let Some(regex) = &d.regex {
            let patterns = regex.to_vec();
            let unicode = d.unicode.unwrap_or(false);
            let ci = case_insensitive.unwrap_or(false);
            for (i, pattern) in patterns.iter().enumerate() {
                let p = match regex {
                    OneOrMany::One(_) => join_key(path, "regex"),
                    OneOrMany::Many(_) => join_index(&join_key(path, "regex"), i),
                };
                self.check_regex(pattern, &p, ci, unicode);
            }
            let keywords: Vec<String> = d.keywords.iter().map(|k| k.to_ascii_lowercase()).collect();
            if keywords.iter().any(String::is_empty) {
                self.error(
                    &join_key(path, "keywords"),
                    Code::Keyword,
                    "an empty keyword gates nothing".into(),
                );
            }
            DetectorKind::Regex {
                patterns,
                keywords,
                case_insensitive: ci,
                unicode,
            }
        } else if !d.words.is_empty() {
            if !d.keywords.is_empty() {
                self.warning(
                    &join_key(path, "keywords"),
                    Code::KeywordsIgnored,
                    "`keywords` only gate regexes; a word list ignores them".into(),
                );
            }
            max_match_len = max_match_len.or_else(|| d.words.iter().map(|w| w.len() as u32).max());
            DetectorKind::Keywords {
                words: d.words.clone(),
                whole_word: d.whole_word.unwrap_or(true),
                case_insensitive: case_insensitive.unwrap_or(true),
            }
        } else {
            max_match_len = max_match_len.or_else(|| d.canary.iter().map(|w| w.len() as u32).max());
            DetectorKind::Canary {
                values: d.canary.clone(),
            }
        };
        let exceptions = d.exceptions.clone().unwrap_or_default();
        for (i, p) in exceptions.patterns.iter().enumerate() {
            self.check_regex(
                p,
                &join_index(&join_key(path, "exceptions.patterns"), i),
                false,
                true,
            );
        }
        DetectorSpec {
            id: d.id.clone(),
            kind,
            validator,
            context,
            exceptions: ExceptionSpec {
                values: exceptions.values,
                patterns: exceptions.patterns,
            },
            max_match_len,
        }
    }

    /// A classifier's spec, its `of` still to resolve
    /// ([`Compiler::resolve_classifiers`]).
    fn classifier(&mut self, c: &ClassifierDef, path: &str) -> ClassifierSpec {
        let [low, high] = c.between;
        if low == 0 || low >= high {
            self.error(
                &join_key(path, "between"),
                Code::Classifier,
                format!("`between: [{low}, {high}]` asks about no score"),
            )
            .help = Some(
                "give [low, high] with 0 < low < high: a score of at least low and below high asks (the prompt-injection catalogue decides alone at 100)".into(),
            );
        }
        if !(0.0..=1.0).contains(&c.min_confidence) {
            self.error(
                &join_key(path, "min_confidence"),
                Code::Classifier,
                format!(
                    "`min_confidence: {}` is not between 0 and 1",
                    c.min_confidence
                ),
            );
        }
        if c.labels.iter().all(|l| l.trim().is_empty()) || c.max_bytes == 0 {
            self.error(
                path,
                Code::Classifier,
                "a classifier needs at least one attack label and `max_bytes` above 0".into(),
            );
        }
        ClassifierSpec {
            of: u32::MAX,
            min_score: low,
            max_score: high,
            labels: c.labels.iter().map(|l| l.trim().to_lowercase()).collect(),
            min_confidence: c.min_confidence,
            max_bytes: c.max_bytes,
        }
    }

    /// Points each classifier at its phrase detector, one classifier per
    /// policy (a request waits for one answer).
    fn resolve_classifiers(
        &mut self,
        policy: &Policy,
        detectors: &mut [DetectorSpec],
        ids: &HashMap<String, u32>,
    ) {
        let mut seen = false;
        for (i, d) in policy.detectors.iter().enumerate() {
            let Some(def) = &d.classifier else {
                continue;
            };
            let path = join_key(&join_index("detectors", i), "classifier");
            if std::mem::replace(&mut seen, true) {
                self.error(
                    &path,
                    Code::Classifier,
                    format!(
                        "detector `{}` is a second classifier; a policy has one",
                        d.id
                    ),
                );
            }
            let of = ids.get(&def.of).copied();
            let phrases = of
                .and_then(|of| detectors.get(of as usize))
                .is_some_and(|spec| matches!(spec.kind, DetectorKind::Phrases { .. }));
            if !phrases {
                self.error(
                    &join_key(&path, "of"),
                    Code::Classifier,
                    format!("`of: {}` is not a phrase detector of this policy", def.of),
                )
                .help = Some(
                    "name a detector with `builtin: prompt-injection`: its score decides whether to ask".into(),
                );
                continue;
            }
            if let (Some(of), Some(DetectorKind::Classifier(spec))) =
                (of, detectors.get_mut(i).map(|s| &mut s.kind))
            {
                spec.of = of;
            }
        }
    }

    /// Rules that name a classifier decide requests and only block or
    /// flag: the request body is rewritten (redaction, caps) before the
    /// classifier answers, and a response is never held for one.
    fn check_classifier_rules(
        &mut self,
        policy: &Policy,
        rules: &[RuleSpec],
        detectors: &[DetectorSpec],
    ) {
        for (i, (def, rule)) in policy.rules.iter().zip(rules).enumerate() {
            let names_classifier = rule.when.detectors().iter().any(|&d| {
                detectors
                    .get(d as usize)
                    .is_some_and(|d| matches!(d.kind, DetectorKind::Classifier(_)))
            });
            if !names_classifier {
                continue;
            }
            let path = join_index("rules", i);
            if rule.phase != Phase::Request {
                self.error(
                    &join_key(&path, "phase"),
                    Code::Classifier,
                    format!(
                        "rule `{}` names a classifier, which decides requests only",
                        def.id
                    ),
                )
                .help = Some("use `phase: request`".into());
            }
            if matches!(
                rule.action,
                Action::Redact { .. } | Action::CapMaxTokens { .. }
            ) {
                self.error(
                    &join_key(&path, "action"),
                    Code::Classifier,
                    format!(
                        "rule `{}` names a classifier but rewrites the request; a classifier's verdict can block or flag",
                        def.id
                    ),
                );
            }
        }
    }

    fn check_regex(&mut self, pattern: &str, path: &str, ci: bool, unicode: bool) {
        let built = regex::bytes::RegexBuilder::new(pattern)
            .case_insensitive(ci)
            .unicode(unicode)
            .size_limit(16 << 20)
            .build();
        if let Err(err) = built {
            let message = match &err {
                regex::Error::Syntax(text) => text.lines().last().unwrap_or(text).trim().to_owned(),
                other => other.to_string(),
            };
            self.error(path, Code::BadRegex, format!("regex does not compile: {message}")).help =
                Some("patterns use Rust regex syntax (https://docs.rs/regex); look-around and backreferences are not supported".into());
        }
    }

    fn rule(
        &mut self,
        r: &Rule,
        path: &str,
        detectors: &HashMap<String, u32>,
        routes: &[&str],
    ) -> RuleSpec {
        if r.controls.is_empty() {
            self.error(&join_key(path, "controls"), Code::NoControls, format!("rule `{}` maps to no control", r.id)).help =
                Some("every rule names the controls it implements, e.g. `controls: [iso42001:A.6.2.6, owasp-llm:LLM02]`".into());
        }
        for (i, control) in r.controls.iter().enumerate() {
            let at = join_index(&join_key(path, "controls"), i);
            self.control(control, &at);
            if let Some(why) = control
                .strip_prefix("iso42001:")
                .and_then(catalogue::documentation_only)
            {
                self.warning(
                    &at,
                    Code::DocumentationControl,
                    format!("rule `{}` claims `{control}`, which its decisions cannot evidence: {why}", r.id),
                )
                .help = Some(
                    "declare it under `soa.organizational` with the document that evidences it, and keep the rule's runtime controls".into(),
                );
            }
        }
        let when = match &r.when {
            None => Condition::Always,
            Some(c) => self.condition(c, &join_key(path, "when"), detectors, routes, &r.id),
        };
        let roles = r
            .roles
            .iter()
            .fold(0u8, |acc, role| acc | lower_role(*role).bit());
        let is_budget = has_budget(&when);
        let action = match &r.action {
            ActionDef::Name(ActionName::Block) => Action::Block {
                status: if is_budget { 429 } else { 403 },
                message: default_block_message(&r.id, is_budget),
            },
            ActionDef::Name(ActionName::Redact) => Action::Redact {
                mask: DEFAULT_MASK.into(),
            },
            ActionDef::Name(ActionName::Flag) => Action::Flag { header: None },
            ActionDef::Full(ActionFull::Block(b)) => {
                let status = b.status.unwrap_or(if is_budget { 429 } else { 403 });
                if !(400..=599).contains(&status) {
                    self.error(
                        &join_key(path, "action.block.status"),
                        Code::Status,
                        format!("status {status} is not an error status (400–599)"),
                    );
                }
                Action::Block {
                    status,
                    message: b
                        .message
                        .clone()
                        .unwrap_or_else(|| default_block_message(&r.id, is_budget)),
                }
            }
            ActionDef::Full(ActionFull::Redact(m)) => Action::Redact {
                mask: m.mask.clone().unwrap_or_else(|| DEFAULT_MASK.into()),
            },
            ActionDef::Full(ActionFull::Flag(f)) => Action::Flag {
                header: f
                    .header
                    .as_ref()
                    .map(|h| (h.name.to_ascii_lowercase(), h.value.clone())),
            },
            ActionDef::Full(ActionFull::AddHeader(h)) => Action::AddHeader {
                name: h.name.to_ascii_lowercase(),
                value: h.value.clone(),
            },
            ActionDef::Full(ActionFull::CapMaxTokens(max)) => {
                if r.phase != PhaseDef::Request {
                    self.error(
                        &join_key(path, "phase"),
                        Code::CapPhase,
                        "cap_max_tokens rewrites the request; use `phase: request`".into(),
                    );
                }
                Action::CapMaxTokens { max: *max }
            }
        };
        if action.adds_header() && r.phase != PhaseDef::Request && when.reads_response() {
            self.warning(
                &join_key(path, "when"),
                Code::HeaderAfterBody,
                format!(
                    "rule `{}` adds a response header only once the response body is read, when the head has already gone out: it is never added",
                    r.id
                ),
            )
            .help = Some(
                "decide response headers on the request (route, headers, host, provider), or flag without a header and read the audit event".into(),
            );
        }
        self.control_fit(r, path, &when, &action);
        if matches!(action, Action::Redact { .. }) && !has_detector(&when) {
            self.warning(
                &join_key(path, "action"),
                Code::RedactNothing,
                format!(
                    "rule `{}` redacts but names no detector, so it has nothing to mask",
                    r.id
                ),
            );
        }
        RuleSpec {
            id: r.id.clone(),
            description: r.description.clone().unwrap_or_default(),
            phase: match r.phase {
                PhaseDef::Request => Phase::Request,
                PhaseDef::Response => Phase::Response,
                PhaseDef::Both => Phase::Both,
            },
            roles,
            when,
            action,
            mode: match r.mode {
                ModeDef::Enforce => Mode::Enforce,
                ModeDef::Monitor => Mode::Monitor,
            },
            severity: match r.severity {
                SeverityDef::Low => Severity::Low,
                SeverityDef::Medium => Severity::Medium,
                SeverityDef::High => Severity::High,
                SeverityDef::Critical => Severity::Critical,
            },
            controls: r.controls.clone(),
        }
    }

    /// Hints where a rule claims a runtime Annex A control whose objective
    /// its decisions cannot evidence (the catalogue's `CONTROL_FIT`).
    fn control_fit(&mut self, r: &Rule, path: &str, when: &Condition, action: &Action) {
        for (i, control) in r.controls.iter().enumerate() {
            let Some((fit, why)) = control.strip_prefix("iso42001:").and_then(catalogue::fit)
            else {
                continue;
            };
            let fits = match fit {
                catalogue::Fit::Supplier => any_condition(when, &|c| {
                    matches!(
                        c,
                        Condition::ModelNotIn(_)
                            | Condition::ProviderNotIn(_)
                            | Condition::HostNotIn(_)
                    )
                }),
                catalogue::Fit::UserFacing => matches!(
                    action,
                    Action::AddHeader { .. } | Action::Flag { header: Some(_) }
                ),
                catalogue::Fit::UseBounds => {
                    matches!(action, Action::CapMaxTokens { .. })
                        || any_condition(when, &|c| {
                            matches!(
                                c,
                                Condition::ModelNotIn(_)
                                    | Condition::ToolIn(_)
                                    | Condition::ToolNotIn(_)
                                    | Condition::PromptBytesOver(_)
                                    | Condition::TokensOver(_)
                                    | Condition::MaxTokensOver(_)
                                    | Condition::Budget(_)
                            )
                        })
                }
                catalogue::Fit::AuditLog => false,
            };
            if !fits {
                self.warning(
                    &join_index(&join_key(path, "controls"), i),
                    Code::ControlFit,
                    format!("rule `{}` claims `{control}`, but {why}", r.id),
                )
                .help = Some(match fit {
                    catalogue::Fit::AuditLog => "declare it under `soa.organizational` with the audit events as evidence (`aimsgate evidence verify`), and keep the rule's own controls".into(),
                    _ => "map the rule to the control its decisions evidence (A.6.2.6 operation and monitoring, A.9.2 responsible use), or change what it decides".into(),
                });
            }
        }
    }

    /// Checks a control reference against the catalogue.
    fn control(&mut self, reference: &str, path: &str) {
        match catalogue::resolve(reference) {
            Resolution::Known(_) => {}
            Resolution::Unlisted { .. } => {
                self.warning(
                    path,
                    Code::UnlistedControl,
                    format!("`{reference}` is well-formed but not in the control catalogue"),
                )
                .help = Some("check the identifier against the framework's text".into());
            }
            Resolution::Unknown { suggestion, .. } => {
                let d = self.error(
                    path,
                    Code::UnknownControl,
                    format!("unknown control `{reference}`"),
                );
                d.help = suggestion.map(|s| format!("did you mean `{s}`?"));
            }
            Resolution::BadReference { reason, suggestion } => {
                let d = self.error(
                    path,
                    Code::BadControl,
                    format!("`{reference}` is not a control reference: {reason}"),
                );
                d.help = Some(suggestion.map_or_else(
                    || "write `framework:ID`, e.g. `iso42001:A.6.2.8` or `owasp-llm:LLM01`".into(),
                    |s| format!("did you mean `{s}`?"),
                ));
            }
        }
    }

    fn condition(
        &mut self,
        c: &ConditionDef,
        path: &str,
        detectors: &HashMap<String, u32>,
        routes: &[&str],
        rule_id: &str,
    ) -> Condition {
        let list = |this: &mut Self, items: &[ConditionDef], key: &str| -> Vec<Condition> {
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    this.condition(
                        item,
                        &join_index(&join_key(path, key), i),
                        detectors,
                        routes,
                        rule_id,
                    )
                })
                .collect()
        };
        match c {
            ConditionDef::All(items) => Condition::All(list(self, items, "all")),
            ConditionDef::Any(items) => Condition::Any(list(self, items, "any")),
            ConditionDef::Not(inner) => Condition::Not(Box::new(self.condition(
                inner,
                &join_key(path, "not"),
                detectors,
                routes,
                rule_id,
            ))),
            ConditionDef::Detector(reference) => {
                let id = reference.id();
                match detectors.get(id) {
                    Some(&index) => {
                        let threshold = self.thresholds.get(index as usize).copied().flatten();
                        match (threshold, reference.min_score()) {
                            (Some(threshold), min_score) => {
                                if reference.min_count() != 1 {
                                    self.error(
                                        &join_key(path, "detector"),
                                        Code::DetectorKind,
                                        format!(
                                            "detector `{id}` is scored: `min_count` does not apply"
                                        ),
                                    )
                                    .help = Some(format!(
                                        "give `min_score` instead (the detector's threshold is {threshold})"
                                    ));
                                }
                                Condition::Score {
                                    detector: index,
                                    min_score: min_score.unwrap_or(threshold).max(1),
                                }
                            }
                            (None, Some(_)) => {
                                self.error(
                                    &join_key(path, "detector"),
                                    Code::DetectorKind,
                                    format!("detector `{id}` is not scored: `min_score` does not apply"),
                                )
                                .help = Some(
                                    "only phrase detectors (`builtin: prompt-injection`) add up a score; use `min_count`"
                                        .into(),
                                );
                                Condition::Detector {
                                    detector: index,
                                    min_count: reference.min_count().max(1),
                                }
                            }
                            (None, None) => Condition::Detector {
                                detector: index,
                                min_count: reference.min_count().max(1),
                            },
                        }
                    }
                    None => {
                        let hint = did_you_mean(id, detectors.keys().map(String::as_str))
                            .map(|s| format!("did you mean `{s}`?"))
                            .unwrap_or_else(|| "declare it under `detectors:`".into());
                        self.error(
                            &join_key(path, "detector"),
                            Code::MissingDetector,
                            format!("rule references detector `{id}`, which is not declared"),
                        )
                        .help = Some(hint);
                        Condition::Always
                    }
                }
            }
            ConditionDef::ModelNotIn(v) => Condition::ModelNotIn(v.clone()),
            ConditionDef::ModelNotApproved(false) => {
                self.error(
                    &join_key(path, "model_not_approved"),
                    Code::Invalid,
                    "`model_not_approved` only takes `true`".into(),
                )
                .help = Some("drop the condition to stop checking models".into());
                Condition::Always
            }
            ConditionDef::ModelNotApproved(true) => {
                if self
                    .approved_models
                    .iter()
                    .all(|(_, models)| models.is_empty())
                {
                    // An empty list would refuse every model: say so
                    // rather than compile a rule that blocks all traffic.
                    self.error(
                        &join_key(path, "model_not_approved"),
                        Code::Invalid,
                        format!("rule `{rule_id}` checks models against the supplier register, but `suppliers` approves no model"),
                    )
                    .help = Some("list the suppliers and their approved `models` under `suppliers:`".into());
                }
                model_not_approved(&self.approved_models)
            }
            ConditionDef::ProviderNotIn(v) => Condition::ProviderNotIn(v.clone()),
            ConditionDef::HostNotIn(v) => Condition::HostNotIn(v.clone()),
            ConditionDef::ToolIn(v) => Condition::ToolIn(v.clone()),
            ConditionDef::ToolNotIn(v) => Condition::ToolNotIn(v.clone()),
            ConditionDef::PromptBytesOver(n) => Condition::PromptBytesOver(*n),
            ConditionDef::PromptTokensOver(n) => Condition::TokensOver(*n),
            ConditionDef::MaxTokensOver(n) => Condition::MaxTokensOver(*n),
            ConditionDef::HeaderMissing(h) => Condition::HeaderMissing(h.to_ascii_lowercase()),
            ConditionDef::HeaderEquals(h) => Condition::HeaderEquals {
                name: h.name.to_ascii_lowercase(),
                value: h.value.clone(),
            },
            ConditionDef::Route(ids) => {
                for (i, id) in ids.iter().enumerate() {
                    if !routes.contains(&id.as_str()) {
                        let hint = did_you_mean(id, routes.iter().copied())
                            .map(|s| format!("did you mean `{s}`?"));
                        self.error(
                            &join_index(&join_key(path, "route"), i),
                            Code::MissingRoute,
                            format!("unknown route `{id}`"),
                        )
                        .help = hint;
                    }
                }
                Condition::Route(ids.clone())
            }
            ConditionDef::Budget(b) => {
                let window_secs = match parse_window(&b.window) {
                    Some(secs) => secs,
                    None => {
                        self.error(
                            &join_key(path, "budget.window"),
                            Code::Window,
                            format!("`{}` is not a window", b.window),
                        )
                        .help = Some("write a number and a unit: `30s`, `15m`, `1h`, `1d`".into());
                        3600
                    }
                };
                if b.limit == 0 {
                    self.warning(
                        &join_key(path, "budget.limit"),
                        Code::BudgetZero,
                        "a limit of 0 refuses every request".into(),
                    );
                }
                Condition::Budget(BudgetSpec {
                    id: b.id.clone().unwrap_or_else(|| rule_id.to_owned()),
                    unit: match b.unit {
                        BudgetUnitDef::Requests => BudgetUnit::Requests,
                        BudgetUnitDef::Tokens => BudgetUnit::Tokens,
                    },
                    limit: b.limit,
                    window_secs,
                    per: match b.per.unwrap_or(BudgetScopeDef::User) {
                        BudgetScopeDef::User => BudgetScope::User,
                        BudgetScopeDef::Group => BudgetScope::Group,
                        BudgetScopeDef::Global => BudgetScope::Global,
                    },
                })
            }
        }
    }

    fn systems(&mut self, policy: &Policy, routes: &HashMap<String, u32>) -> Vec<SystemSpec> {
        let mut claimed: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        for (i, s) in policy.systems.iter().enumerate() {
            let path = join_index("systems", i);
            let regulated = REGULATED_DOMAINS.contains(&s.domain.as_str());
            let annex_iii = s.annex_iii.filter(|a| *a != AnnexIii::NotListed);
            if (s.affects_individuals
                || regulated
                || annex_iii.is_some()
                || s.risk_tier == RiskTier::High)
                && s.impact_assessment.is_none()
            {
                let why = if s.affects_individuals {
                    "makes decisions that materially affect people".to_owned()
                } else if let Some(area) = annex_iii {
                    format!("is in EU AI Act Annex III area `{}`", area.name())
                } else if regulated {
                    "sits in a regulated domain".to_owned()
                } else {
                    "is high-risk".to_owned()
                };
                self.error(&path, Code::ImpactAssessment, format!("system `{}` {why} but references no AI impact assessment", s.id))
                    .help = Some("add `impact_assessment: {id, date, owner, mitigation, monitoring}` (ISO/IEC 42001 A.5.2–A.5.5)".into());
            }
            if let Some(ia) = &s.impact_assessment
                && !is_date(&ia.date)
            {
                self.warning(
                    &join_key(&path, "impact_assessment.date"),
                    Code::Date,
                    format!("`{}` is not a YYYY-MM-DD date", ia.date),
                );
            }
            if let Some(ia) = &s.impact_assessment
                && ia.approver.is_none()
            {
                self.warning(
                    &join_key(&path, "impact_assessment"),
                    Code::ImpactApproval,
                    format!(
                        "the impact assessment `{}` of system `{}` names no approver",
                        ia.id, s.id
                    ),
                )
                .help = Some(
                    "add `approver:` — who accepted its results and the impact that remains".into(),
                );
            }
            if let Some(registered) = registry_provider(&s.provider) {
                self.warning(
                    &join_key(&path, "provider"),
                    Code::ProviderName,
                    format!(
                        "provider `{}` is spelt `{registered}` in OpenTelemetry's `gen_ai.provider.name`, which audit events carry",
                        s.provider
                    ),
                )
                .help = Some(format!(
                    "write `provider: {registered}` (and the same in any `provider_not_in` list){}",
                    if registered == "gcp.gemini" {
                        "; for Vertex AI, `gcp.vertex_ai`"
                    } else {
                        ""
                    }
                ));
            }
            if let Some(ia) = &s.impact_assessment
                && let Some(review) = &ia.next_review
                && !is_date(review)
            {
                self.warning(
                    &join_key(&path, "impact_assessment.next_review"),
                    Code::Date,
                    format!("`{review}` is not a YYYY-MM-DD date"),
                );
            }
            if s.impact_assessment.is_none() && s.screening.is_none() {
                self.warning(
                    &path,
                    Code::ImpactScreening,
                    format!(
                        "system `{}` records neither an impact assessment nor a screening decision",
                        s.id
                    ),
                )
                .help = Some(
                    "add `screening: {date, decision, by}` — the dated decision that it needs no impact assessment (ISO/IEC 42001 A.5.2)".into(),
                );
            }
            if let Some(screening) = &s.screening {
                for (field, date) in [
                    ("date", Some(&screening.date)),
                    ("next_review", screening.next_review.as_ref()),
                ] {
                    if let Some(date) = date
                        && !is_date(date)
                    {
                        self.warning(
                            &join_key(&path, &format!("screening.{field}")),
                            Code::Date,
                            format!("`{date}` is not a YYYY-MM-DD date"),
                        );
                    }
                }
            }
            if s.owner.is_none() {
                self.warning(
                    &path,
                    Code::MissingOwner,
                    format!("system `{}` names no owner", s.id),
                )
                .help =
                    Some("add `owner:` — who is accountable for it (ISO/IEC 42001 A.3.2)".into());
            }
            let missing: Vec<&str> = [
                ("purpose", s.purpose.is_none()),
                ("eu_ai_act_role", s.eu_ai_act_role.is_none()),
                ("annex_iii", s.annex_iii.is_none()),
            ]
            .into_iter()
            .filter_map(|(field, missing)| missing.then_some(field))
            .collect();
            if !missing.is_empty() {
                self.warning(
                    &path,
                    Code::MissingScope,
                    format!("system `{}` gives no {}", s.id, missing.join(" and no ")),
                )
                .help = Some(
                    "the AIMS scope (clause 4.3) says what each system is for (`purpose`), whether the organisation is its `provider` or `deployer` (`eu_ai_act_role`) and which EU AI Act Annex III area it is in, if any (`annex_iii`, or `not-listed`)".into(),
                );
            }
            if let Some(area) = annex_iii
                && s.risk_tier != RiskTier::High
            {
                self.warning(
                    &join_key(&path, "risk_tier"),
                    Code::AnnexIii,
                    format!(
                        "system `{}` is in EU AI Act Annex III area `{}` but rated `{}`",
                        s.id,
                        area.name(),
                        s.risk_tier.name()
                    ),
                )
                .help = Some(
                    "an Annex III system is high-risk (Art. 6(2)) unless the Art. 6(3) derogation applies: rate it `high`, or record the derogation's assessment".into(),
                );
            }
            if !s.lifecycle.serves_traffic() && !s.routes.is_empty() {
                self.warning(
                    &join_key(&path, "lifecycle"),
                    Code::LifecycleRoutes,
                    format!(
                        "system `{}` is at `{}` but routes serve it",
                        s.id,
                        s.lifecycle.name()
                    ),
                )
                .help = Some(
                    "a system serves traffic once verified and validated: move it to `verification-validation` or later, or remove its routes".into(),
                );
            }
            if s.risk_tier == RiskTier::Unacceptable && s.lifecycle != Lifecycle::Retired {
                self.error(&join_key(&path, "risk_tier"), Code::Prohibited, format!("system `{}` is an unacceptable-risk (prohibited) practice and must be retired", s.id));
            }
            for (j, route) in s.routes.iter().enumerate() {
                let rpath = join_index(&join_key(&path, "routes"), j);
                if !routes.contains_key(route) {
                    let hint = did_you_mean(route, routes.keys().map(String::as_str))
                        .map(|x| format!("did you mean `{x}`?"));
                    self.error(
                        &rpath,
                        Code::MissingRoute,
                        format!("system `{}` names unknown route `{route}`", s.id),
                    )
                    .help = hint;
                } else if !claimed.insert(route.as_str()) {
                    self.error(
                        &rpath,
                        Code::RouteClaimed,
                        format!("route `{route}` already belongs to another system"),
                    );
                }
            }
            out.push(SystemSpec {
                id: s.id.clone(),
                provider: s.provider.clone(),
                retired: s.lifecycle == Lifecycle::Retired,
            });
        }
        out
    }

    fn route(
        &mut self,
        r: &Route,
        path: &str,
        rules: &HashMap<String, u32>,
        policy: &Policy,
    ) -> RouteSpec {
        let api = r.api.as_ref().and_then(|name| {
            let api = Api::from_name(name);
            if api.is_none() {
                let names = Api::ALL.iter().map(|a| a.name());
                let hint = did_you_mean(name, names).map(|s| format!("did you mean `{s}`?"));
                self.error(
                    &join_key(path, "api"),
                    Code::UnknownApi,
                    format!("unknown API `{name}`"),
                )
                .help = hint;
            }
            api
        });
        for (i, p) in r.paths.iter().enumerate() {
            if !p.starts_with('/') {
                self.error(
                    &join_index(&join_key(path, "paths"), i),
                    Code::Path,
                    format!("path prefix `{p}` must start with `/`"),
                );
            }
        }
        let rule_indices = match &r.rules {
            None | Some(RouteRules::All(_)) => (0..policy.rules.len() as u32).collect(),
            Some(RouteRules::Ids(ids)) => ids
                .iter()
                .enumerate()
                .filter_map(|(i, id)| match rules.get(id) {
                    Some(&index) => Some(index),
                    None => {
                        let hint = did_you_mean(id, rules.keys().map(String::as_str))
                            .map(|s| format!("did you mean `{s}`?"));
                        self.error(
                            &join_index(&join_key(path, "rules"), i),
                            Code::MissingRule,
                            format!("route applies unknown rule `{id}`"),
                        )
                        .help = hint;
                        None
                    }
                })
                .collect(),
        };
        RouteSpec {
            id: r.id.clone(),
            hosts: r.hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
            path_prefixes: r.paths.clone(),
            header: r
                .header
                .as_ref()
                .map(|h| (h.name.to_ascii_lowercase(), h.value.clone())),
            api,
            rules: rule_indices,
            system: None,
            unknown_path: r.on_unknown_path.lower(),
            oversize: r.on_oversize.lower(),
            upgrade: r.on_upgrade.lower(),
            classifier_unavailable: r.on_classifier_unavailable.lower(),
            decode_limit: r.on_decode_limit.lower(),
        }
    }

    /// Checks the supplier register (A.10.3): each entry records its
    /// contract terms, and each system's provider and models are on it.
    fn suppliers(&mut self, policy: &Policy) {
        self.unique_ids(
            "supplier",
            "suppliers",
            policy.suppliers.iter().map(|s| s.id.as_str()),
        );
        for (i, supplier) in policy.suppliers.iter().enumerate() {
            let path = join_index("suppliers", i);
            let missing: Vec<&str> = [
                ("contract", &supplier.contract),
                ("dpa", &supplier.dpa),
                ("incident_clause", &supplier.incident_clause),
                ("next_review", &supplier.next_review),
            ]
            .into_iter()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name)
            .collect();
            if !missing.is_empty() {
                self.warning(
                    &path,
                    Code::SupplierTerms,
                    format!("supplier `{}` records no {}", supplier.id, missing.join(", ")),
                )
                .help = Some(
                    "ISO/IEC 42001 A.10.3: record the contract, the data-processing agreement, what it says about AI incidents and when the supplier is next reviewed".into(),
                );
            }
            if supplier.models.is_empty() || supplier.models.iter().any(|m| m == "*") {
                let what = if supplier.models.is_empty() {
                    "approves no model"
                } else {
                    "approves every model (`*`)"
                };
                self.warning(
                    &join_key(&path, "models"),
                    Code::SupplierTerms,
                    format!("supplier `{}` {what}", supplier.id),
                )
                .help = Some(
                    "list the models due diligence approved, by name or by a prefix ending in `*` (`gpt-4.1*`)".into(),
                );
            }
            if let Some(date) = &supplier.next_review
                && !is_date(date)
            {
                self.warning(
                    &join_key(&path, "next_review"),
                    Code::Date,
                    format!("`{date}` is not a YYYY-MM-DD date"),
                );
            }
        }
        if policy.suppliers.is_empty() {
            return;
        }
        for (i, system) in policy.systems.iter().enumerate() {
            let path = join_index("systems", i);
            // A system the organisation provides itself, or one retired
            // (its routes are refused), needs no supplier.
            let own = matches!(
                system.eu_ai_act_role,
                Some(EuAiActRole::Provider | EuAiActRole::ProviderAndDeployer)
            );
            if own || system.lifecycle == Lifecycle::Retired {
                continue;
            }
            let suppliers: Vec<&Supplier> = policy
                .suppliers
                .iter()
                .filter(|s| s.provider.eq_ignore_ascii_case(&system.provider))
                .collect();
            if suppliers.is_empty() {
                self.warning(
                    &join_key(&path, "provider"),
                    Code::UnknownSupplier,
                    format!(
                        "system `{}` uses provider `{}`, which no entry of `suppliers` names",
                        system.id, system.provider
                    ),
                )
                .help = Some("add the supplier with its contract terms and approved models, or correct the provider".into());
                continue;
            }
            for (m, model) in system.models.iter().enumerate() {
                if !suppliers.iter().any(|s| s.approves(model)) {
                    self.warning(
                        &join_index(&join_key(&path, "models"), m),
                        Code::UnapprovedModel,
                        format!(
                            "system `{}` names model `{model}`, which its supplier does not approve",
                            system.id
                        ),
                    )
                    .help = Some(format!(
                        "add it to the `models` of the supplier for `{}` once approved, or remove it",
                        system.provider
                    ));
                }
            }
        }
    }

    /// Warns where a rule credits a system with an EU AI Act duty that is
    /// not its own: a provider's duty for a system the organisation only
    /// deploys (`provider-duty`), or a duty of high-risk systems for one not
    /// rated high (`high-risk-duty`). Either citation claims compliance
    /// with an obligation the organisation does not carry for that system,
    /// and leaves what it does carry unmapped. The disclosure, which every
    /// route sends, is held to the systems still in service.
    fn eu_duties(&mut self, policy: &Policy, routes: &[RouteSpec]) {
        let eu_id = |reference: &str| reference.strip_prefix("eu-ai-act:").map(str::to_owned);
        let provider_duty = |reference: &str| {
            eu_id(reference)
                .is_some_and(|id| catalogue::eu_duty(&id) == Some(catalogue::Duty::Provider))
        };
        let high_risk_only =
            |reference: &str| eu_id(reference).is_some_and(|id| catalogue::eu_high_risk_only(&id));
        let provider_hint = "cite the deployer's provision instead (`aimsgate controls --framework eu-ai-act` marks each one's duty), or record the system as `provider-and-deployer` if the organisation also provides it";
        let high_risk_hint = "keep the citation only for systems rated `risk_tier: high`; for others cite what binds them (Art. 4, Art. 50), or the ISO/IEC 42001 control the rule evidences";
        for (ri, rule) in policy.rules.iter().enumerate() {
            let systems: Vec<&System> = routes
                .iter()
                .filter(|route| route.rules.contains(&(ri as u32)))
                .filter_map(|route| route.system.and_then(|si| policy.systems.get(si as usize)))
                .filter(|s| s.lifecycle != Lifecycle::Retired)
                .collect();
            let deployer = systems
                .iter()
                .find(|s| s.eu_ai_act_role == Some(EuAiActRole::Deployer));
            let not_high = systems.iter().find(|s| s.risk_tier != RiskTier::High);
            for (ci, control) in rule.controls.iter().enumerate() {
                let at = join_index(&join_key(&join_index("rules", ri), "controls"), ci);
                if let Some(system) = deployer.filter(|_| provider_duty(control)) {
                    self.warning(
                        &at,
                        Code::ProviderDuty,
                        format!(
                            "rule `{}` cites `{control}`, a provider's duty, for system `{}`, which is a deployer",
                            rule.id, system.id
                        ),
                    )
                    .help = Some(provider_hint.into());
                }
                if let Some(system) = not_high.filter(|_| high_risk_only(control)) {
                    self.warning(
                        &at,
                        Code::HighRiskDuty,
                        format!(
                            "rule `{}` cites `{control}`, which binds only high-risk AI systems, for system `{}`, rated `{}`",
                            rule.id,
                            system.id,
                            system.risk_tier.name()
                        ),
                    )
                    .help = Some(high_risk_hint.into());
                }
            }
        }
        let in_service: Vec<&System> = policy
            .systems
            .iter()
            .filter(|s| s.lifecycle != Lifecycle::Retired)
            .collect();
        let all_deployers = !in_service.is_empty()
            && in_service
                .iter()
                .all(|s| s.eu_ai_act_role == Some(EuAiActRole::Deployer));
        let none_high =
            !in_service.is_empty() && in_service.iter().all(|s| s.risk_tier != RiskTier::High);
        if let Some(disclosure) = &policy.disclosure {
            for (ci, control) in disclosure.controls.iter().enumerate() {
                let at = join_index("disclosure.controls", ci);
                if all_deployers && provider_duty(control) {
                    self.warning(
                        &at,
                        Code::ProviderDuty,
                        format!("the disclosure cites `{control}`, a provider's duty, and every system in service is a deployer"),
                    )
                    .help = Some(provider_hint.into());
                }
                if none_high && high_risk_only(control) {
                    self.warning(
                        &at,
                        Code::HighRiskDuty,
                        format!("the disclosure cites `{control}`, which binds only high-risk AI systems, and no system in service is rated high"),
                    )
                    .help = Some(high_risk_hint.into());
                }
            }
        }
    }

    /// The rules an impact assessment names as its mitigations exist.
    fn mitigating_rules(&mut self, policy: &Policy, rules: &HashMap<String, u32>) {
        for (i, s) in policy.systems.iter().enumerate() {
            let Some(ia) = &s.impact_assessment else {
                continue;
            };
            for (j, rule) in ia.rules.iter().enumerate() {
                if !rules.contains_key(rule) {
                    let hint = did_you_mean(rule, rules.keys().map(String::as_str))
                        .map(|x| format!("did you mean `{x}`?"));
                    self.error(
                        &join_index(&join_key(&join_index("systems", i), "impact_assessment.rules"), j),
                        Code::MissingRule,
                        format!(
                            "the impact assessment `{}` names unknown rule `{rule}` as a mitigation",
                            ia.id
                        ),
                    )
                    .help = hint;
                }
            }
        }
    }

    /// The risk register: controls that resolve, systems that exist, an
    /// owner.
    fn risks(&mut self, policy: &Policy, systems: &HashMap<String, u32>) {
        for (i, r) in policy.risks.iter().enumerate() {
            let path = join_index("risks", i);
            if r.owner.is_none() {
                self.warning(
                    &path,
                    Code::MissingOwner,
                    format!("risk `{}` names no owner", r.id),
                )
                .help = Some("add `owner:` — who owns the risk and its treatment".into());
            }
            for (j, control) in r.controls.iter().enumerate() {
                self.control(control, &join_index(&join_key(&path, "controls"), j));
            }
            for (j, system) in r.systems.iter().enumerate() {
                if !systems.contains_key(system) {
                    let hint = did_you_mean(system, systems.keys().map(String::as_str))
                        .map(|x| format!("did you mean `{x}`?"));
                    self.error(
                        &join_index(&join_key(&path, "systems"), j),
                        Code::UnknownSystem,
                        format!("risk `{}` names unknown system `{system}`", r.id),
                    )
                    .help = hint;
                }
            }
        }
    }

    /// An `soa` declaration's owner, status and risks.
    fn declaration(
        &mut self,
        path: &str,
        control: &str,
        owner: Option<&String>,
        status: Option<ImplementationStatus>,
        risks: &[String],
        known_risks: &HashMap<String, u32>,
    ) {
        if status.is_none() {
            self.warning(
                path,
                Code::MissingStatus,
                format!("`{control}` gives no status"),
            )
            .help = Some(
                "add `status: implemented`, `partial` or `planned`; until then the statement says \"not declared\"".into(),
            );
        }
        if owner.is_none() {
            self.warning(
                path,
                Code::MissingOwner,
                format!("`{control}` names no owner"),
            )
            .help = Some("add `owner:` — who is accountable for the control".into());
        }
        for (j, risk) in risks.iter().enumerate() {
            if !known_risks.contains_key(risk) {
                let hint = did_you_mean(risk, known_risks.keys().map(String::as_str))
                    .map(|x| format!("did you mean `{x}`?"));
                self.error(
                    &join_index(&join_key(path, "risks"), j),
                    Code::UnknownRisk,
                    format!("`{control}` names unknown risk `{risk}`"),
                )
                .help = hint.or_else(|| Some("declare it under `risks:`".into()));
            }
        }
    }

    /// The audit events' retention: stated, and at least what the EU AI
    /// Act asks where it asks anything: six months for high-risk systems'
    /// logs (Art. 19(1) providers, Art. 26(6) deployers).
    fn retention(&mut self, policy: &Policy) {
        let Some(r) = &policy.retention else {
            self.warning(
                "",
                Code::LogRetention,
                "the policy states no retention for its audit events".into(),
            )
            .help = Some(
                "add `retention: {audit_events_days: N, store: …}` (ISO/IEC 42001 A.6.2.8; EU AI Act Art. 19 and 26(6) ask for at least six months)".into(),
            );
            return;
        };
        let under_the_act = policy
            .systems
            .iter()
            .any(|s| s.eu_ai_act_role.is_some() && s.risk_tier == RiskTier::High);
        if under_the_act && r.audit_events_days < EU_AI_ACT_MIN_RETENTION_DAYS {
            self.warning(
                "retention.audit_events_days",
                Code::LogRetention,
                format!(
                    "audit events are kept {} days; the EU AI Act asks providers and deployers of high-risk systems to keep logs at least six months ({EU_AI_ACT_MIN_RETENTION_DAYS} days)",
                    r.audit_events_days
                ),
            );
        }
    }

    /// The statement's own document control.
    fn soa_document(&mut self, policy: &Policy) {
        let Some(d) = &policy.soa.document else {
            self.warning(
                "soa",
                Code::SoaDocument,
                "the Statement of Applicability has no document control of its own".into(),
            )
            .help = Some(
                "add `soa.document: {id, version, approver, approved, next_review}` (ISO/IEC 42001 6.1.3 d, 7.5)".into(),
            );
            return;
        };
        if d.approver.is_none() {
            self.warning(
                "soa.document",
                Code::SoaDocument,
                format!("statement `{}` names no approver", d.id),
            );
        }
        let dates = [
            ("soa.document.approved".to_owned(), d.approved.as_ref()),
            (
                "soa.document.next_review".to_owned(),
                d.next_review.as_ref(),
            ),
        ]
        .into_iter()
        .chain(d.revisions.iter().enumerate().map(|(i, r)| {
            (
                join_key(&join_index("soa.document.revisions", i), "date"),
                Some(&r.date),
            )
        }));
        for (path, date) in dates {
            if let Some(date) = date
                && !is_date(date)
            {
                self.warning(
                    &path,
                    Code::Date,
                    format!("`{date}` is not a YYYY-MM-DD date"),
                );
            }
        }
    }

    fn soa(&mut self, policy: &Policy, rules: &[RuleSpec], known_risks: &HashMap<String, u32>) {
        self.soa_document(policy);
        self.retention(policy);
        let disclosure = policy
            .disclosure
            .iter()
            .flat_map(|d| d.controls.iter().map(String::as_str));
        let runtime: HashSet<&str> = rules
            .iter()
            .flat_map(|r| r.controls.iter().map(String::as_str))
            .chain(disclosure)
            .collect();
        let mut declared: HashMap<String, &'static str> = HashMap::new();
        let mut declare = |this: &mut Self, control: &str, how: &'static str, path: String| {
            this.control(control, &path);
            if let Some(previous) = declared.insert(control.to_owned(), how)
                && (previous != how || how != "applied")
            {
                this.error(
                    &path,
                    Code::SoaConflict,
                    format!("`{control}` is declared both {previous} and {how}"),
                );
            }
        };
        for (i, a) in policy.soa.applied.iter().enumerate() {
            self.declaration(
                &join_index("soa.applied", i),
                &a.control,
                a.owner.as_ref(),
                a.status,
                &a.risks,
                known_risks,
            );
            let path = join_key(&join_index("soa.applied", i), "control");
            if !runtime.contains(a.control.as_str()) {
                self.warning(
                    &path,
                    Code::AppliedWithoutRule,
                    format!(
                        "`{}` is declared applied but no rule implements it",
                        a.control
                    ),
                )
                .help =
                    Some("add it to a rule's `controls`, or declare it `organizational`".into());
            }
            declare(self, &a.control, "applied", path);
        }
        for (i, o) in policy.soa.organizational.iter().enumerate() {
            let entry = join_index("soa.organizational", i);
            self.declaration(
                &entry,
                &o.control,
                o.owner.as_ref(),
                o.status,
                &o.risks,
                known_risks,
            );
            if o.justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty())
            {
                self.warning(
                    &entry,
                    Code::MissingJustification,
                    format!("`{}` gives evidence but no justification for including it", o.control),
                )
                .help = Some(
                    "add `justification:` — why the control is needed (ISO/IEC 42001 6.1.3 d asks for the justification and the evidence)".into(),
                );
            }
            declare(
                self,
                &o.control,
                "organizational",
                join_key(&join_index("soa.organizational", i), "control"),
            );
        }
        for (i, e) in policy.soa.excluded.iter().enumerate() {
            let path = join_key(&join_index("soa.excluded", i), "control");
            if runtime.contains(e.control.as_str()) {
                self.error(
                    &path,
                    Code::SoaConflict,
                    format!("`{}` is excluded but rules implement it", e.control),
                );
            }
            if e.justification.trim().is_empty() {
                self.error(
                    &join_key(&join_index("soa.excluded", i), "justification"),
                    Code::Justification,
                    "an exclusion needs a justification (ISO/IEC 42001 6.1.3)".into(),
                );
            }
            declare(self, &e.control, "excluded", path);
        }
        let missing: Vec<&str> = catalogue::annex_a()
            .map(|c| c.id)
            .filter(|id| {
                let reference = format!("iso42001:{id}");
                !runtime.contains(reference.as_str())
                    && !declared.contains_key(&reference)
                    && !is_impact_control(id, policy)
            })
            .collect();
        if !missing.is_empty() {
            self.warning(
                "soa",
                Code::NotAddressed,
                format!(
                    "{} ISO/IEC 42001 Annex A controls are not addressed: {}",
                    missing.len(),
                    missing.join(", ")
                ),
            )
            .help = Some(
                "apply, declare organizational, or exclude each one with a justification".into(),
            );
        }
    }

    fn unused_detectors(&mut self, policy: &Policy, rules: &[RuleSpec]) {
        let mut used = HashSet::new();
        for r in rules {
            detectors_of(&r.when, &mut used);
        }
        for (i, d) in policy.detectors.iter().enumerate() {
            if !used.contains(&(i as u32)) {
                self.warning(
                    &join_key(&join_index("detectors", i), "id"),
                    Code::UnusedDetector,
                    format!("detector `{}` is not used by any rule", d.id),
                );
            }
        }
    }
}

/// A.5.2–A.5.5 are addressed by systems' impact-assessment references.
fn is_impact_control(id: &str, policy: &Policy) -> bool {
    matches!(id, "A.5.2" | "A.5.3" | "A.5.4" | "A.5.5")
        && policy.systems.iter().any(|s| s.impact_assessment.is_some())
}

fn detectors_of(c: &Condition, out: &mut HashSet<u32>) {
    match c {
        Condition::All(v) | Condition::Any(v) => v.iter().for_each(|c| detectors_of(c, out)),
        Condition::Not(inner) => detectors_of(inner, out),
        Condition::Detector { detector, .. } | Condition::Score { detector, .. } => {
            out.insert(*detector);
        }
        _ => {}
    }
}

/// Whether `test` holds for `c` or any condition inside it.
fn any_condition(c: &Condition, test: &dyn Fn(&Condition) -> bool) -> bool {
    test(c)
        || match c {
            Condition::All(v) | Condition::Any(v) => v.iter().any(|c| any_condition(c, test)),
            Condition::Not(inner) => any_condition(inner, test),
            _ => false,
        }
}

fn has_budget(c: &Condition) -> bool {
    match c {
        Condition::All(v) | Condition::Any(v) => v.iter().any(has_budget),
        Condition::Not(inner) => has_budget(inner),
        Condition::Budget(_) => true,
        _ => false,
    }
}

fn has_detector(c: &Condition) -> bool {
    let mut set = HashSet::new();
    detectors_of(c, &mut set);
    !set.is_empty()
}

/// The default redaction mask.
pub const DEFAULT_MASK: &str = "[REDACTED:{detector}]";

fn default_block_message(rule: &str, budget: bool) -> String {
    if budget {
        format!("usage budget exceeded (rule {rule}); retry after the window resets")
    } else {
        format!("request blocked by AI usage policy (rule {rule})")
    }
}

fn lower_role(role: RoleDef) -> Role {
    match role {
        RoleDef::System => Role::System,
        RoleDef::User => Role::User,
        RoleDef::Assistant => Role::Assistant,
        RoleDef::Tool => Role::Tool,
    }
}

fn lower_validator(v: &ValidatorDef) -> Validator {
    match v {
        ValidatorDef::Luhn => Validator::Luhn,
        ValidatorDef::PaymentCard => Validator::PaymentCard,
        ValidatorDef::Iban => Validator::Iban,
        ValidatorDef::UsSsn => Validator::UsSsn,
        ValidatorDef::Ipv4 => Validator::Ipv4,
        ValidatorDef::Ipv6 => Validator::Ipv6,
        ValidatorDef::Jwt => Validator::Jwt,
        ValidatorDef::Entropy(min_bits) => Validator::Entropy {
            min_bits: *min_bits,
        },
        ValidatorDef::PublicIp => Validator::PublicIp,
        ValidatorDef::Phone => Validator::Phone,
        ValidatorDef::NationalPhone => Validator::NationalPhone,
        ValidatorDef::DateOfBirth => Validator::DateOfBirth,
        ValidatorDef::UsItin => Validator::UsItin,
        ValidatorDef::UsEin => Validator::UsEin,
        ValidatorDef::UsPassport => Validator::UsPassport,
        ValidatorDef::AbaRouting => Validator::AbaRouting,
        ValidatorDef::UkNhs => Validator::UkNhs,
        ValidatorDef::SwiftBic => Validator::SwiftBic,
        ValidatorDef::MacAddress => Validator::MacAddress,
        ValidatorDef::UrlCredentials => Validator::UrlCredentials,
    }
}

/// `30s`, `15m`, `1h`, `1d` to seconds.
pub fn parse_window(text: &str) -> Option<u64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let number: u64 = text[..text.len() - unit.len_utf8()].trim().parse().ok()?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    number.checked_mul(scale).filter(|s| *s > 0)
}

/// The registry spelling of a system's provider when the policy spells a
/// registered provider otherwise (`google`, `Azure-OpenAI`, `bedrock`…);
/// `None` for a registry value or a provider the registry does not name
/// (`internal`), which events carry as written.
fn registry_provider(provider: &str) -> Option<&'static str> {
    // Case and separators are how spellings differ most.
    let key = |name: &str| -> String {
        name.chars()
            .map(|c| match c {
                '_' | '.' | ' ' => '-',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    if GEN_AI_PROVIDER_NAMES.contains(&provider) {
        return None;
    }
    let wanted = key(provider);
    if let Some(name) = GEN_AI_PROVIDER_NAMES.iter().find(|n| key(n) == wanted) {
        return Some(name);
    }
    // Other names of the same services.
    const ALIASES: [(&str, &str); 20] = [
        ("google", "gcp.gemini"),
        ("gemini", "gcp.gemini"),
        ("google-ai", "gcp.gemini"),
        ("google-gemini", "gcp.gemini"),
        ("vertex", "gcp.vertex_ai"),
        ("vertex-ai", "gcp.vertex_ai"),
        ("vertexai", "gcp.vertex_ai"),
        ("google-vertex-ai", "gcp.vertex_ai"),
        ("azure-openai", "azure.ai.openai"),
        ("azure-open-ai", "azure.ai.openai"),
        ("azure-ai", "azure.ai.inference"),
        ("bedrock", "aws.bedrock"),
        ("amazon-bedrock", "aws.bedrock"),
        ("mistral", "mistral_ai"),
        ("mistralai", "mistral_ai"),
        ("xai", "x_ai"),
        ("watsonx", "ibm.watsonx.ai"),
        ("ibm-watsonx", "ibm.watsonx.ai"),
        ("open-ai", "openai"),
        ("claude", "anthropic"),
    ];
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == wanted)
        .map(|(_, name)| *name)
}

/// Whether `text` is shaped `YYYY-MM-DD`: the dates a policy holds, which
/// compare as text (review dates against today).
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The phrase catalogue built into this release, parsed once. It is part
/// of the program, not of the policy: a unit test parses it, so a failure
/// here is a broken build.
fn phrase_catalogue() -> &'static phrases::Catalogue {
    static CATALOGUE: std::sync::OnceLock<phrases::Catalogue> = std::sync::OnceLock::new();
    CATALOGUE.get_or_init(|| {
        phrases::Catalogue::parse(phrases::SOURCES, |s| toml::from_str(s))
            .unwrap_or_else(|e| panic!("the built-in phrase catalogue: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_are_checked_against_the_genai_registry() {
        assert_eq!(registry_provider("google"), Some("gcp.gemini"));
        assert_eq!(registry_provider("Azure-OpenAI"), Some("azure.ai.openai"));
        assert_eq!(registry_provider("GCP.Vertex_AI"), Some("gcp.vertex_ai"));
        assert_eq!(registry_provider("mistral"), Some("mistral_ai"));
        assert_eq!(registry_provider("gcp.gemini"), None);
        assert_eq!(registry_provider("openai"), None);
        assert_eq!(registry_provider("internal"), None);
    }

    #[test]
    fn windows_parse_with_units() {
        assert_eq!(parse_window("30s"), Some(30));
        assert_eq!(parse_window("15m"), Some(900));
        assert_eq!(parse_window("1h"), Some(3600));
        assert_eq!(parse_window("2d"), Some(172_800));
        assert_eq!(parse_window("1w"), None);
        assert_eq!(parse_window("0h"), None);
        assert_eq!(parse_window(""), None);
    }
}
