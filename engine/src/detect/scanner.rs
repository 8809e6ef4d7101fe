//! The one-pass scanner (see the module docs of [`crate::detect`]).

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::validate;
use crate::normalize::{self, Normalized};
use crate::ruleset::{DetectorKind, DetectorSpec};

/// Most matches one detector reports in one text; past it the rest would
/// only repeat what the decision already knows and cost memory.
pub const MAX_MATCHES_PER_DETECTOR: usize = 256;

/// Compiled-program size limit per regex. Generous because imported secret
/// rule sets (gitleaks) hold a few large patterns; bounded because every
/// VM pays it in memory.
const REGEX_SIZE_LIMIT: usize = 16 << 20;

/// One detector match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index of the detector in the rule set.
    pub detector: u32,
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
}

/// A regex that runs only when one of its keywords occurred.
#[derive(Debug)]
struct GatedRegex {
    detector: u32,
    source: String,
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
    always_regexes: Vec<(u32, Regex)>,
    /// Gated regexes, grouped by the keyword set that gates them.
    gated_groups: Vec<Vec<GatedRegex>>,
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
                            always_regexes.push((detector, regex));
                        }
                    } else {
                        let group = gated_groups.len() as u32;
                        gated_groups.push(
                            sources
                                .into_iter()
                                .map(|source| GatedRegex {
                                    detector,
                                    source,
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
    /// coordinates) to `out`, ordered by detector then position.
    pub fn scan(&self, text: &str, out: &mut Vec<Match>) {
        let normalized = normalize::normalize(text);
        self.scan_normalized(&normalized, out);
    }

    /// Scans text that is already normalised.
    pub fn scan_normalized(&self, normalized: &Normalized<'_>, out: &mut Vec<Match>) {
        let text: &str = &normalized.text;
        let bytes = text.as_bytes();
        let mut candidates: Vec<(u32, Range<usize>)> = Vec::new();

        // 1. Every literal, one pass.
        let mut open_groups: Vec<bool> = vec![false; self.gated_groups.len()];
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
                        LiteralTarget::Canary { detector } => {
                            candidates.push((detector, span.clone()));
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
                            candidates.push((detector, span.clone()));
                        }
                    }
                }
            }
        }

        // 2. Patterns that always run: the set says which matched at all.
        if let Some(set) = &self.always {
            for index in set.matches(bytes).iter() {
                if let Some((detector, regex)) = self.always_regexes.get(index) {
                    for m in regex.find_iter(bytes).take(MAX_MATCHES_PER_DETECTOR) {
                        candidates.push((*detector, m.start()..m.end()));
                    }
                }
            }
        }

        // 3. Gated patterns whose keyword occurred.
        for (group, open) in self.gated_groups.iter().zip(&open_groups) {
            if !*open {
                continue;
            }
            for gated in group {
                let Some(regex) = gated.regex() else { continue };
                for m in regex.find_iter(bytes).take(MAX_MATCHES_PER_DETECTOR) {
                    candidates.push((gated.detector, m.start()..m.end()));
                }
            }
        }

        // 4. Checks on candidates, then back to the caller's coordinates.
        candidates.sort_by_key(|(detector, span)| (*detector, span.start, span.end));
        candidates.dedup();
        let mut per_detector = 0usize;
        let mut last: Option<(u32, usize)> = None;
        for (detector, span) in candidates {
            let span = snap_to_chars(text, span);
            if span.is_empty() {
                continue;
            }
            if last.is_some_and(|(d, end)| d == detector && span.start < end) {
                // Overlaps the previous accepted match of this detector
                // (two patterns of one detector found the same thing).
                continue;
            }
            if !self.accept(detector, text, &span) {
                continue;
            }
            if last.map(|(d, _)| d) != Some(detector) {
                per_detector = 0;
            }
            per_detector += 1;
            if per_detector > MAX_MATCHES_PER_DETECTOR {
                continue;
            }
            last = Some((detector, span.end));
            out.push(Match {
                detector,
                span: normalized.to_original(span),
            });
        }

        // 5. Invisible characters, from what normalisation removed.
        for (detector, classes) in &self.invisible {
            for finding in normalized
                .findings
                .iter()
                .filter(|f| classes.is_empty() || classes.contains(&f.class))
                .take(MAX_MATCHES_PER_DETECTOR)
            {
                out.push(Match {
                    detector: *detector,
                    span: finding.span.clone(),
                });
            }
        }
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
            if !words.iter().any(|w| around.contains(w.as_str())) {
                return false;
            }
        }
        true
    }
}

fn compile_checks(spec: &DetectorSpec) -> Checks {
    let patterns = &spec.exceptions.patterns;
    let exception_patterns = (!patterns.is_empty()).then(|| {
        let alternation: Vec<String> = patterns.iter().map(|p| format!("(?:{p})")).collect();
        GatedRegex {
            detector: 0,
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
