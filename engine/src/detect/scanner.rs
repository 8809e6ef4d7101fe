//! The one-pass scanner (see the module docs of [`crate::detect`]).

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::validate;
use crate::normalize::{self, Normalized};
use crate::ruleset::{DetectorKind, DetectorSpec};

/// Compiled-program size limit per regex. Generous because imported secret
/// rule sets (gitleaks) hold a few large patterns; bounded because every
/// VM pays it in memory.
const REGEX_SIZE_LIMIT: usize = 16 << 20;

/// One detector match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index of the detector in the rule set.
    pub detector: u32,
    /// For a phrase detector, the index of the signal that matched (its
    /// weight counts towards the score); 0 for other detectors.
    pub signal: u32,
    /// Byte span in the decoded text given to [`Scanner::scan`].
    pub span: Range<usize>,
}

/// Why a scanner could not be built from a rule set.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A pattern does not compile (the compiler checks this, so it means a
    /// hand-made or corrupted rule set).
    #[error("detector `{detector}`: pattern {index} does not compile: {message}")]
    Regex {
        /// Detector id.
        detector: String,
        /// Index of the pattern in the detector.
        index: usize,
        /// The regex crate's explanation.
        message: String,
    },
    /// The literal automaton could not be built.
    #[error("literal automaton: {0}")]
    Literals(String),
}

/// What one literal of the automaton means.
#[derive(Debug, Clone, Copy)]
enum LiteralTarget {
    /// A keyword-list word of a detector.
    Word {
        detector: u32,
        whole_word: bool,
        case_sensitive: bool,
    },
    /// A canary value.
    Canary { detector: u32 },
    /// A keyword that lets the gated regexes of a group run.
    Gate { group: u32 },
    /// A phrase keyword: opens its group only where it starts a word (no
    /// ASCII letter or digit before it), so `ai` in `main` or `dan` in
    /// `abundant` does not run phrase patterns on ordinary text. Keywords
    /// that do not start with an ASCII letter open anywhere.
    WordStartGate { group: u32 },
}

/// A regex that runs only when one of its keywords occurred.
#[derive(Debug)]
struct GatedRegex {
    detector: u32,
    /// Phrase signal index, 0 for regex detectors.
    signal: u32,
    source: String,
    /// Runs over the text with ASCII letters lower-cased (phrase signals).
    lowered: bool,
    compiled: OnceLock<Option<Regex>>,
}

impl GatedRegex {
    fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| build_regex(&self.source).ok())
            .as_ref()
    }
}

/// Per-detector checks applied to candidates.
#[derive(Debug)]
struct Checks {
    validator: Option<crate::ruleset::Validator>,
    context: Option<(Vec<String>, usize)>,
    exception_values: HashSet<String>,
    /// All exception patterns of the detector as one anchored alternation,
    /// compiled on the first candidate: imported rule sets carry dozens
    /// of exceptions per detector, and most detectors never see one.
    exception_patterns: Option<GatedRegex>,
    /// Words of a case-sensitive keyword list, as spelled.
    exact_words: Vec<String>,
}

/// All detectors of a rule set, compiled for one-pass scanning.
#[derive(Debug)]
pub struct Scanner {
    checks: Vec<Checks>,
    literals: Option<AhoCorasick>,
    literal_targets: Vec<Vec<LiteralTarget>>,
    always: Option<RegexSet>,
    /// (detector, phrase signal, regex) per entry of `always`.
    always_regexes: Vec<(u32, u32, Regex)>,
    /// Gated regexes, grouped by the keyword set that gates them.
    gated_groups: Vec<Vec<GatedRegex>>,
    /// Groups open on every text (phrase signals without keywords).
    ungated: Vec<u32>,
    invisible: Vec<(u32, Vec<normalize::InvisibleClass>)>,
}

/// Wraps a pattern with its flags, so patterns of different flags can share
/// one regex set.
fn flagged(pattern: &str, case_insensitive: bool, unicode: bool) -> String {
    let flags = match (case_insensitive, unicode) {
        (true, true) => "i",
        (true, false) => "i-u",
        (false, true) => "",
        (false, false) => "-u",
    };
    if flags.is_empty() {
        format!("(?:{pattern})")
    } else {
        format!("(?{flags}:{pattern})")
    }
}

fn build_regex(flagged_source: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(flagged_source)
        // Flags live inside the pattern (see `flagged`); Unicode must be on
        // at the top so `(?u)` sub-patterns are allowed at all.
        .unicode(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

impl Scanner {
    /// Compiles the detectors of a rule set.
    ///
    /// Regexes that always run are compiled here; keyword-gated ones on
    /// first use. Every pattern was already compiled once by the policy
    /// compiler, so a failure here means a corrupt or hand-made rule set.
    pub fn new(detectors: &[DetectorSpec]) -> Result<Scanner, BuildError> {
        let mut literal_index: HashMap<String, usize> = HashMap::new();
        let mut literal_patterns: Vec<String> = Vec::new();
        let mut literal_targets: Vec<Vec<LiteralTarget>> = Vec::new();
        let mut add_literal = |literal: &str, target: LiteralTarget| {
            let key = literal.to_ascii_lowercase();
            let index = *literal_index.entry(key.clone()).or_insert_with(|| {
                literal_patterns.push(key);
                literal_targets.push(Vec::new());
                literal_patterns.len() - 1
            });
            literal_targets[index].push(target);
        };

        let mut checks = Vec::with_capacity(detectors.len());
        let mut always_sources = Vec::new();
        let mut always_regexes = Vec::new();
        let mut gated_groups: Vec<Vec<GatedRegex>> = Vec::new();
        let mut ungated: Vec<u32> = Vec::new();
        let mut invisible = Vec::new();

        for (index, spec) in detectors.iter().enumerate() {
            let detector = index as u32;
            checks.push(compile_checks(spec));
            match &spec.kind {
                DetectorKind::Regex {
                    patterns,
                    keywords,
                    case_insensitive,
                    unicode,
                } => {
                    let sources: Vec<String> = patterns
                        .iter()
                        .map(|p| flagged(p, *case_insensitive, *unicode))
                        .collect();
                    if keywords.is_empty() {
                        for (i, source) in sources.into_iter().enumerate() {
                            let regex = build_regex(&source).map_err(|e| BuildError::Regex {
                                detector: spec.id.clone(),
                                index: i,
                                message: e.to_string(),
                            })?;
                            always_sources.push(source);
                            always_regexes.push((detector, 0, regex));
                        }
                    } else {
                        let group = gated_groups.len() as u32;
                        gated_groups.push(
                            sources
                                .into_iter()
                                .map(|source| GatedRegex {
                                    detector,
                                    signal: 0,
                                    source,
                                    lowered: false,
                                    compiled: OnceLock::new(),
                                })
                                .collect(),
                        );
                        for keyword in keywords {
                            add_literal(keyword, LiteralTarget::Gate { group });
                        }
                    }
                }
                DetectorKind::Keywords {
                    words,
                    whole_word,
                    case_insensitive,
                } => {
                    for word in words.iter().filter(|w| !w.is_empty()) {
                        add_literal(
                            word,
                            LiteralTarget::Word {
                                detector,
                                whole_word: *whole_word,
                                case_sensitive: !case_insensitive,
                            },
                        );
                    }
                }
                DetectorKind::Canary { values } => {
                    for value in values.iter().filter(|v| !v.is_empty()) {
                        add_literal(value, LiteralTarget::Canary { detector });
                    }
                }
                DetectorKind::Invisible { classes } => invisible.push((detector, classes.clone())),
                DetectorKind::Phrases { signals } => {
                    // One gated group per keyword set: signals that share
                    // their keywords open together.
                    let mut groups: HashMap<Vec<String>, u32> = HashMap::new();
                    for (signal, phrase) in signals.iter().enumerate() {
                        let mut keywords: Vec<String> = phrase
                            .keywords
                            .iter()
                            .map(|k| k.to_ascii_lowercase())
                            .collect();
                        keywords.sort();
                        keywords.dedup();
                        // Case-sensitive over lower-cased text (see
                        // `detect::phrases`), ASCII mode unless the pattern
                        // needs Unicode classes.
                        let source = super::phrases::regex_source(&phrase.pattern);
                        let unicode = !source.is_ascii();
                        let gated = GatedRegex {
                            detector,
                            signal: signal as u32,
                            source: flagged(&source, false, unicode),
                            lowered: true,
                            compiled: OnceLock::new(),
                        };
                        if keywords.is_empty() {
                            // A signal without keywords runs on every text
                            // (the compiler refuses one; a hand-made rule
                            // set may have it): a group open from the start.
                            ungated.push(gated_groups.len() as u32);
                            gated_groups.push(vec![gated]);
                            continue;
                        }
                        match groups.get(&keywords) {
                            Some(&group) => gated_groups[group as usize].push(gated),
                            None => {
                                let group = gated_groups.len() as u32;
                                gated_groups.push(vec![gated]);
                                for keyword in &keywords {
                                    let target =
                                        if keyword.starts_with(|c: char| c.is_ascii_alphabetic()) {
                                            LiteralTarget::WordStartGate { group }
                                        } else {
                                            LiteralTarget::Gate { group }
                                        };
                                    add_literal(keyword, target);
                                }
                                groups.insert(keywords, group);
                            }
                        }
                    }
                }
                // Its matches are the classifier's verdicts, added after
                // the scan (`crate::consult`): nothing to look for in text.
                DetectorKind::Classifier(_) => {}
            }
        }

        let literals = if literal_patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&literal_patterns)
                    .map_err(|e| BuildError::Literals(e.to_string()))?,
            )
        };
        let always = if always_sources.is_empty() {
            None
        } else {
            Some(
                RegexSetBuilder::new(&always_sources)
                    .unicode(true)
                    .size_limit(REGEX_SIZE_LIMIT.saturating_mul(4))
                    .build()
                    .map_err(|e| BuildError::Regex {
                        detector: "(regex set)".into(),
                        index: 0,
                        message: e.to_string(),
                    })?,
            )
        };
        Ok(Scanner {
            checks,
            literals,
            literal_targets,
            always,
            always_regexes,
            gated_groups,
            ungated,
            invisible,
        })
    }

    /// Number of detectors.
    pub fn len(&self) -> usize {
        self.checks.len()
    }

    /// Whether the scanner has no detectors.
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// Normalises `text` and scans it, appending matches (in `text`'s
    /// coordinates) to `out`, ordered by detector, phrase signal, then
    /// position.
    pub fn scan(&self, text: &str, out: &mut Vec<Match>) {
        let normalized = normalize::normalize(text);
        self.scan_normalized(&normalized, out);
    }

    /// Scans text that is already normalised.
    pub fn scan_normalized(&self, normalized: &Normalized<'_>, out: &mut Vec<Match>) {
        let text: &str = &normalized.text;
        let bytes = text.as_bytes();
        // (detector, signal, span)
        let mut candidates: Vec<(u32, u32, Range<usize>)> = Vec::new();

        // 1. Every literal, one pass.
        let mut open_groups: Vec<bool> = vec![false; self.gated_groups.len()];
        for &group in &self.ungated {
            open_groups[group as usize] = true;
        }
        if let Some(ac) = &self.literals {
            for m in ac.find_overlapping_iter(bytes) {
                let span = m.start()..m.end();
                let Some(targets) = self.literal_targets.get(m.pattern().as_usize()) else {
                    continue;
                };
                for target in targets {
                    match *target {
                        LiteralTarget::Gate { group } => {
                            if let Some(open) = open_groups.get_mut(group as usize) {
                                *open = true;
                            }
                        }
                        LiteralTarget::WordStartGate { group } => {
                            let starts_word = span
                                .start
                                .checked_sub(1)
                                .is_none_or(|i| !bytes[i].is_ascii_alphanumeric());
                            if starts_word && let Some(open) = open_groups.get_mut(group as usize) {
                                *open = true;
                            }
                        }
                        LiteralTarget::Canary { detector } => {
                            candidates.push((detector, 0, span.clone()));
                        }
                        LiteralTarget::Word {
                            detector,
                            whole_word,
                            case_sensitive,
                        } => {
                            if whole_word && !is_whole_word(bytes, &span) {
                                continue;
                            }
                            if case_sensitive
                                && !self.word_matches_exactly(detector, &bytes[span.clone()])
                            {
                                continue;
                            }
                            candidates.push((detector, 0, span.clone()));
                        }
                    }
                }
            }
        }

        // 2. Patterns that always run: the set says which matched at all.
        if let Some(set) = &self.always {
            for index in set.matches(bytes).iter() {
                if let Some((detector, signal, regex)) = self.always_regexes.get(index) {
                    self.candidates_of(*detector, *signal, regex, text, &mut candidates);
                }
            }
        }

        // 3. Gated patterns whose keyword occurred. Phrase patterns read
        // the text with ASCII letters lower-cased: same offsets, made once.
        let mut lowered: Option<String> = None;
        for (group, open) in self.gated_groups.iter().zip(&open_groups) {
            if !*open {
                continue;
            }
            for gated in group {
                let Some(regex) = gated.regex() else { continue };
                let haystack = if gated.lowered {
                    lowered.get_or_insert_with(|| text.to_ascii_lowercase())
                } else {
                    text
                };
                self.candidates_of(
                    gated.detector,
                    gated.signal,
                    regex,
                    haystack,
                    &mut candidates,
                );
            }
        }

        // 4. Checks on candidates, then back to the caller's coordinates.
        // At one start the longest candidate goes first, so that of two
        // patterns' matches the longest the checks accept is reported: a
        // 19-digit card printed 4-4-4-4-3 whose first 16 digits also pass
        // Luhn is the 19-digit card, not a 16-digit one with a tail left
        // unmasked. A longer candidate the checks refuse leaves the shorter
        // ones after it in play.
        candidates.sort_by_key(|(detector, signal, span)| {
            (*detector, *signal, span.start, std::cmp::Reverse(span.end))
        });
        candidates.dedup();
        // Every candidate is validated, and every valid one reported: a cap
        // here would let the real key hide behind enough look-alikes. The
        // engine refuses a body with more hits than it will redact
        // (`Engine::max_hits`).
        let mut last: Option<(u32, u32, usize)> = None;
        for (detector, signal, span) in candidates {
            let span = snap_to_chars(text, span);
            if span.is_empty() {
                continue;
            }
            if last.is_some_and(|(d, s, end)| d == detector && s == signal && span.start < end) {
                // Overlaps the previous accepted match of this detector
                // (two patterns of one detector found the same thing).
                // Distinct phrase signals over one span all count: each
                // adds its own weight.
                continue;
            }
            if !self.accept(detector, text, &span) {
                continue;
            }
            last = Some((detector, signal, span.end));
            out.push(Match {
                detector,
                signal,
                span: normalized.to_original(span),
            });
        }

        // 5. Invisible characters, from what normalisation removed.
        for (detector, classes) in &self.invisible {
            for finding in normalized
                .findings
                .iter()
                .filter(|f| classes.is_empty() || classes.contains(&f.class))
            {
                out.push(Match {
                    detector: *detector,
                    signal: 0,
                    span: finding.span.clone(),
                });
            }
        }
    }

    /// The matches of one regex of `detector`. After a match its validator
    /// rejects, the search goes on from the next character, not from the
    /// match's end: a look-alike must not swallow the start of the real
    /// thing right after it (`…1112 4111 1111 1111 1111` read as a 19-digit
    /// card that fails Luhn, then `1 1111 1111 1111`, also invalid).
    fn candidates_of(
        &self,
        detector: u32,
        signal: u32,
        regex: &Regex,
        text: &str,
        out: &mut Vec<(u32, u32, Range<usize>)>,
    ) {
        let bytes = text.as_bytes();
        let mut at = 0;
        // End of the last rejected match: a match inside it is a piece of
        // something the validator refused as a whole (`2.3.4.5` of
        // `1.2.3.4.5`), not a candidate of its own.
        let mut shadow = 0;
        while at <= bytes.len() {
            let Some(m) = regex.find_at(bytes, at) else {
                break;
            };
            if m.end() <= shadow && m.start() < shadow {
                at = ceil_char(text, m.start() + 1);
                continue;
            }
            out.push((detector, signal, m.start()..m.end()));
            if m.start() >= bytes.len() {
                break;
            }
            let span = snap_to_chars(text, m.start()..m.end());
            at = if self.invalid(detector, &text[span]) {
                shadow = shadow.max(m.end());
                ceil_char(text, m.start() + 1)
            } else {
                m.end().max(m.start() + 1)
            };
        }
    }

    /// Whether `found` fails its detector's validator (exceptions and
    /// context are a different matter: a value excepted as a whole is not
    /// searched again inside).
    fn invalid(&self, detector: u32, found: &str) -> bool {
        self.checks
            .get(detector as usize)
            .and_then(|c| c.validator.as_ref())
            .is_some_and(|v| !validate::check(v, found))
    }

    fn word_matches_exactly(&self, detector: u32, found: &[u8]) -> bool {
        // The automaton folds ASCII case; a case-sensitive list needs the
        // exact spelling.
        self.checks
            .get(detector as usize)
            .is_some_and(|c| c.exact_words.iter().any(|w| w.as_bytes() == found))
    }

    /// Validator, context words and exceptions.
    fn accept(&self, detector: u32, text: &str, span: &Range<usize>) -> bool {
        let Some(checks) = self.checks.get(detector as usize) else {
            return false;
        };
        let found = &text[span.clone()];
        if let Some(validator) = &checks.validator
            && !validate::check(validator, found)
        {
            return false;
        }
        if checks.exception_values.contains(found) {
            return false;
        }
        // A pattern that does not compile (the compiler checked it, so only
        // a hand-made rule set) excepts nothing: the candidate stays a hit.
        if checks
            .exception_patterns
            .as_ref()
            .and_then(GatedRegex::regex)
            .is_some_and(|p| p.is_match(found.as_bytes()))
        {
            return false;
        }
        if let Some((words, window)) = &checks.context {
            let start = floor_char(text, span.start.saturating_sub(*window));
            let end = ceil_char(text, span.end.saturating_add(*window).min(text.len()));
            let around = text[start..end].to_ascii_lowercase();
            let near = |w: &String| match w.as_str() {
                EMAIL_CONTEXT => email_in(&around),
                w => around.contains(w),
            };
            if !words.iter().any(near) {
                return false;
            }
        }
        true
    }
}

/// The context word that stands for an e-mail address (`local@domain.tld`)
/// rather than for the character: a bare `@` is also a Java annotation, a
/// mention or a decorator, none of which says a number is a phone.
pub const EMAIL_CONTEXT: &str = "@";

/// Whether `text` (lower-case) holds an e-mail address: a local-part
/// character, `@`, a domain label, `.`, two or more letters.
fn email_in(text: &str) -> bool {
    let b = text.as_bytes();
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
    let label = |c: u8| c.is_ascii_alphanumeric() || c == b'-';
    b.iter().enumerate().any(|(at, &c)| {
        if c != b'@'
            || !at
                .checked_sub(1)
                .and_then(|i| b.get(i))
                .is_some_and(|&p| local(p))
        {
            return false;
        }
        let domain = &b[at + 1..];
        let labels = domain
            .iter()
            .take_while(|&&c| label(c) || c == b'.')
            .count();
        let host = &domain[..labels];
        host.iter().position(|&c| c == b'.').is_some_and(|dot| {
            dot > 0
                && host[dot + 1..]
                    .split(|&c| c == b'.')
                    .next_back()
                    .is_some_and(|tld| tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic))
        })
    })
}

fn compile_checks(spec: &DetectorSpec) -> Checks {
    let patterns = &spec.exceptions.patterns;
    let exception_patterns = (!patterns.is_empty()).then(|| {
        let alternation: Vec<String> = patterns.iter().map(|p| format!("(?:{p})")).collect();
        GatedRegex {
            detector: 0,
            signal: 0,
            lowered: false,
            source: format!("^(?:{})$", alternation.join("|")),
            compiled: OnceLock::new(),
        }
    });
    Checks {
        validator: spec.validator,
        context: spec.context.as_ref().map(|c| {
            (
                c.words.iter().map(|w| w.to_ascii_lowercase()).collect(),
                c.window as usize,
            )
        }),
        exception_values: spec
            .exceptions
            .values
            .iter()
            .map(|v| normalize::normalize(v).text.into_owned())
            .collect(),
        exception_patterns,
        exact_words: match &spec.kind {
            DetectorKind::Keywords {
                words,
                case_insensitive: false,
                ..
            } => words.clone(),
            _ => Vec::new(),
        },
    }
}

/// Whether the bytes around `span` are not word characters.
fn is_whole_word(bytes: &[u8], span: &Range<usize>) -> bool {
    let before = span.start.checked_sub(1).and_then(|i| bytes.get(i));
    let after = bytes.get(span.end);
    !before.is_some_and(|b| is_word_byte(*b)) && !after.is_some_and(|b| is_word_byte(*b))
}

/// ASCII alphanumerics, `_`, and any byte of a non-ASCII character (so a
/// word inside a longer non-ASCII word is not "whole").
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn floor_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Byte regexes in ASCII mode may start or end inside a multi-byte
/// character; widen to whole characters.
fn snap_to_chars(text: &str, span: Range<usize>) -> Range<usize> {
    floor_char(text, span.start)..ceil_char(text, span.end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;
    use crate::RequestContext;
    use crate::codec::{Api, Role};
    use crate::decision::MemoryLedger;
    use crate::normalize::InvisibleClass;
    use crate::ruleset::{
        Action, Condition, ContextSpec, ExceptionSpec, Mode, Phase, RuleSet, RuleSpec, Severity,
        Validator,
    };

    fn detector(id: &str, kind: DetectorKind) -> DetectorSpec {
        DetectorSpec {
            id: id.into(),
            kind,
            validator: None,
            context: None,
            exceptions: ExceptionSpec::default(),
            max_match_len: None,
        }
    }

    fn regex(patterns: &[&str], keywords: &[&str]) -> DetectorKind {
        DetectorKind::Regex {
            patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            case_insensitive: false,
            unicode: false,
        }
    }

    fn words(words: &[&str], whole_word: bool, case_insensitive: bool) -> DetectorKind {
        DetectorKind::Keywords {
            words: words.iter().map(|w| (*w).to_owned()).collect(),
            whole_word,
            case_insensitive,
        }
    }

    /// What each detector found in `text`, as (detector, substring of the
    /// original text).
    fn found<'t>(detectors: &[DetectorSpec], text: &'t str) -> Vec<(u32, &'t str)> {
        let scanner = Scanner::new(detectors).expect("the detectors build");
        let mut out = Vec::new();
        scanner.scan(text, &mut out);
        out.into_iter()
            .map(|m| (m.detector, &text[m.span]))
            .collect()
    }

    const EMAIL: &str = r"[a-z0-9._]+@[a-z0-9.]+\.[a-z]{2,}";

    #[test]
    fn one_pass_finds_keywords_regexes_and_keyword_gated_regexes() {
        let detectors = [
            detector("word", words(&["password"], true, true)),
            detector("ssn", regex(&[r"\b\d{3}-\d{2}-\d{4}\b"], &[])),
            detector("aws", regex(&["AKIA[0-9A-Z]{16}"], &["akia"])),
        ];
        let text = "password=AKIAIOSFODNN7EXAMPLE ssn 123-45-6789";
        assert_eq!(
            found(&detectors, text),
            [
                (0, "password"),
                (1, "123-45-6789"),
                (2, "AKIAIOSFODNN7EXAMPLE")
            ]
        );
    }

    #[test]
    fn gated_regex_runs_only_when_its_keyword_occurs() {
        // The keyword is not part of the match, so only the gate decides.
        let detectors = [detector("tok", regex(&["tok_[a-z]{6}"], &["secret"]))];
        assert_eq!(found(&detectors, "here: tok_abcdef"), []);
        assert_eq!(
            found(&detectors, "SECRET here: tok_abcdef"),
            [(0, "tok_abcdef")]
        );
    }

    #[test]
    fn validator_rejects_bad_luhn_card_and_accepts_a_good_one() {
        let card = DetectorSpec {
            validator: Some(Validator::PaymentCard),
            ..detector("card", regex(&[r"\b\d{4}(?: \d{4}){3}\b"], &[]))
        };
        let detectors = [card];
        assert_eq!(
            found(&detectors, "card 4111 1111 1111 1111 ok"),
            [(0, "4111 1111 1111 1111")]
        );
        assert_eq!(found(&detectors, "card 4111 1111 1111 1112 ok"), []);
    }

    #[test]
    fn keywords_fold_case_unless_the_list_is_case_sensitive() {
        let detectors = [
            detector("any-case", words(&["Confidential"], true, true)),
            detector("exact", words(&["Confidential"], true, false)),
        ];
        assert_eq!(found(&detectors, "CONFIDENTIAL"), [(0, "CONFIDENTIAL")]);
        assert_eq!(
            found(&detectors, "Confidential"),
            [(0, "Confidential"), (1, "Confidential")]
        );
    }

    #[test]
    fn case_insensitive_regex_matches_either_case() {
        let ci = DetectorKind::Regex {
            patterns: vec!["secret-[a-z]{3}".into()],
            keywords: vec!["secret".into()],
            case_insensitive: true,
            unicode: false,
        };
        let detectors = [
            detector("ci", ci),
            detector("cs", regex(&["secret-[a-z]{3}"], &[])),
        ];
        assert_eq!(found(&detectors, "SECRET-ABC"), [(0, "SECRET-ABC")]);
    }

    #[test]
    fn whole_word_keywords_ignore_words_inside_longer_words() {
        let detectors = [detector("pass", words(&["pass"], true, true))];
        assert_eq!(found(&detectors, "passport bypass pass_1"), []);
        assert_eq!(found(&detectors, "the pass, please"), [(0, "pass")]);
        let inside = [detector("pass", words(&["pass"], false, true))];
        assert_eq!(found(&inside, "bypass"), [(0, "pass")]);
    }

    #[test]
    fn span_covers_zero_width_characters_hidden_inside_an_email() {
        let detectors = [detector("email", regex(&[EMAIL], &["@"]))];
        let text = "mail jane\u{200B}.doe@exam\u{200D}ple.com now";
        assert_eq!(
            found(&detectors, text),
            [(0, "jane\u{200B}.doe@exam\u{200D}ple.com")]
        );
    }

    #[test]
    fn span_covers_fullwidth_letters_in_the_original_text() {
        let detectors = [detector("word", words(&["secret"], true, true))];
        let text = "é ｓｅｃｒｅｔ stuff";
        assert_eq!(found(&detectors, text), [(0, "ｓｅｃｒｅｔ")]);
    }

    #[test]
    fn exception_values_and_patterns_suppress_candidates() {
        let email = DetectorSpec {
            exceptions: ExceptionSpec {
                values: vec!["noreply@example.com".into()],
                patterns: vec![r".*@example\.org".into()],
            },
            ..detector("email", regex(&[EMAIL], &["@"]))
        };
        let text = "noreply@example.com a@example.org jane@example.net";
        assert_eq!(found(&[email], text), [(0, "jane@example.net")]);
    }

    #[test]
    fn exception_values_are_compared_after_normalisation() {
        let email = DetectorSpec {
            exceptions: ExceptionSpec {
                values: vec!["noreply@example.com".into()],
                patterns: Vec::new(),
            },
            ..detector("email", regex(&[EMAIL], &["@"]))
        };
        assert_eq!(found(&[email], "no\u{200B}reply@example.com"), []);
    }

    #[test]
    fn the_context_word_at_sign_stands_for_an_email_address() {
        for (text, yes) in [
            ("ana.costa@example.org", true),
            ("mail a_b+c@mx1.example.co.uk now", true),
            ("@Override public", false),
            ("ping @ana about it", false),
            ("x@localhost", false),
            ("a@b.c", false),
            ("user@@host.com", false),
        ] {
            assert_eq!(email_in(text), yes, "{text}");
        }
    }

    #[test]
    fn context_words_must_occur_near_the_candidate() {
        let ssn = DetectorSpec {
            context: Some(ContextSpec {
                words: vec!["ssn".into()],
                window: 8,
            }),
            ..detector("ssn", regex(&[r"\d{3}-\d{2}-\d{4}"], &[]))
        };
        let detectors = [ssn];
        assert_eq!(found(&detectors, "SSN: 123-45-6789"), [(0, "123-45-6789")]);
        assert_eq!(found(&detectors, "ssn is far, far away: 123-45-6789"), []);
    }

    #[test]
    fn canaries_match_exactly_where_they_occur() {
        let detectors = [detector(
            "canary",
            DetectorKind::Canary {
                values: vec!["CANARY-1234".into()],
            },
        )];
        assert_eq!(
            found(&detectors, "leak: xCANARY-1234y"),
            [(0, "CANARY-1234")]
        );
        assert_eq!(found(&detectors, "CANARY-123"), []);
    }

    #[test]
    fn invisible_detector_reports_hidden_characters_in_original_offsets() {
        let detectors = [
            detector("word", words(&["hi"], true, true)),
            detector(
                "tags",
                DetectorKind::Invisible {
                    classes: vec![InvisibleClass::TagCharacters],
                },
            ),
        ];
        let text = "hi \u{E0041}\u{E0042} there\u{200B}";
        // The zero-width space is not a tag character: not reported.
        assert_eq!(
            found(&detectors, text),
            [(0, "hi"), (1, "\u{E0041}\u{E0042}")]
        );
    }

    #[test]
    fn two_patterns_finding_the_same_text_report_it_once() {
        let detectors = [detector("d", regex(&[r"ab\d+", r"\d+"], &[]))];
        assert_eq!(found(&detectors, "x ab123 y"), [(0, "ab123")]);
    }

    #[test]
    fn every_match_is_reported_however_many() {
        let detectors = [detector("x", words(&["x"], true, true))];
        let text = "x ".repeat(5_000);
        assert_eq!(found(&detectors, &text).len(), 5_000);
    }

    #[test]
    fn a_valid_match_behind_many_invalid_look_alikes_is_found() {
        let mut card = detector("card", regex(&[r"\d{4}(?: \d{4}){3}"], &[]));
        card.validator = Some(crate::ruleset::Validator::Luhn);
        let detectors = [card];
        // 300 numbers that fail the Luhn check, then one that passes.
        let mut text = "4111 1111 1111 1112 ".repeat(300);
        text.push_str("4111 1111 1111 1111");
        let hits = found(&detectors, &text);
        assert_eq!(hits, [(0, "4111 1111 1111 1111")]);
    }

    #[test]
    fn a_rejected_match_does_not_swallow_the_start_of_a_valid_one() {
        // Up to 19 digits: the first match takes `1112 4111` (invalid) and
        // would leave `1111 1111 1111` for the next search.
        let mut card = detector("card", regex(&[r"\d{4}(?: \d{4}){2,3}(?: \d{1,3})?"], &[]));
        card.validator = Some(crate::ruleset::Validator::Luhn);
        let hits = found(&[card], "4111 1111 1111 1112 4111 1111 1111 1111");
        assert!(hits.contains(&(0, "4111 1111 1111 1111")), "{hits:?}");
    }

    #[test]
    fn hits_in_several_segments_keep_their_message_indexes() {
        let mut ruleset = RuleSet::bare(Vec::new());
        ruleset.detectors = vec![detector("word", words(&["secret"], true, true))];
        ruleset.rules = vec![RuleSpec {
            id: "flag".into(),
            description: String::new(),
            phase: Phase::Request,
            roles: 0,
            when: Condition::Detector {
                detector: 0,
                min_count: 1,
            },
            action: Action::Flag { header: None },
            mode: Mode::Enforce,
            severity: Severity::Low,
            controls: Vec::new(),
        }];
        let engine = Engine::new(ruleset).expect("the rule set builds");
        let body = br#"{"model":"m","messages":[
            {"role":"system","content":"a secret here"},
            {"role":"user","content":"nothing"},
            {"role":"user","content":"xx secret"}]}"#;
        let ctx = RequestContext {
            host: "h",
            path: "/v1/chat/completions",
            headers: &[],
            route: None,
            api: Some(Api::OpenaiChat),
            now_secs: 0,
        };
        let inspection = engine.inspect_request(&ctx, body, &mut MemoryLedger::default());
        let hits: Vec<(u32, Role, u32, std::ops::Range<usize>)> = inspection
            .decision
            .hits
            .iter()
            .map(|h| (h.segment, h.role, h.message_index, h.span.clone()))
            .collect();
        assert_eq!(hits, [(0, Role::System, 0, 2..8), (2, Role::User, 2, 3..9)]);
    }
}
