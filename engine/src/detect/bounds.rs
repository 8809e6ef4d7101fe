//! How far back a match that is not complete yet can start.
//!
//! A streaming inspector forwards text as soon as no match of any detector
//! can still cover it. Holding back each detector's maximum match length is
//! always safe but costly: with PEM keys (unbounded) and JWTs (3 KiB) in a
//! policy, every completion would lag by kilobytes — the "inspection kills
//! streaming" failure users of other filters report. So each detector
//! contributes the smallest of three sound bounds, computed from its
//! patterns once per rule set:
//!
//! - its maximum match length (or the configured window when it has none);
//! - its **alphabet**: every byte any match can contain. A pending match is
//!   a suffix of the text made of those bytes only, so it starts inside the
//!   trailing run of alphabet bytes. Secrets and e-mail addresses contain
//!   no spaces, so after a space they need nothing held back at all;
//! - its **prefixes**: when every match starts with one of a few literals
//!   (`-----BEGIN`, `AKIA`, a canary value), a pending match starts at an
//!   occurrence of one of them, or at a partial one at the very end.
//!
//! All three hold for the text the scanner matches, so they are applied to
//! the normalised text and the result mapped back to the original bytes
//! (`stream`): in the original, a zero-width character inside `AK…IA` or
//! full-width letters would hide a prefix and stretch a match past its
//! maximum length. Bytes ≥ 0x80 stay in every alphabet, for patterns that
//! match non-ASCII text.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_automata::hybrid::dfa::DFA;
use regex_automata::nfa::thompson;
use regex_automata::{Anchored, Input};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, Hir, HirKind};

use crate::ruleset::{DetectorKind, DetectorSpec};

/// Most prefix literals kept per detector; past it the prefix bound is not
/// worth its cost and the other two bounds apply.
const MAX_PREFIXES: usize = 64;

/// A set of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    /// Every byte ≥ 0x80 (see the module docs).
    fn non_ascii() -> ByteSet {
        ByteSet([0, 0, u64::MAX, u64::MAX])
    }

    fn all() -> ByteSet {
        ByteSet([u64::MAX; 4])
    }

    fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    fn insert_range(&mut self, start: u8, end: u8) {
        for b in start..=end {
            self.insert(b);
        }
    }

    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    fn insert_text(&mut self, text: &str, case_insensitive: bool) {
        for b in text.bytes() {
            self.insert(b);
            if case_insensitive {
                self.insert(b.to_ascii_lowercase());
                self.insert(b.to_ascii_uppercase());
            }
        }
    }
}

/// The streaming bounds of one detector.
#[derive(Debug)]
pub(crate) struct DetectorBound {
    /// Maximum match length, `None` when unbounded.
    max_len: Option<usize>,
    /// Bytes a match can contain.
    alphabet: ByteSet,
    /// Literals every match starts with, and the longest of them.
    prefixes: Option<(AhoCorasick, Vec<Vec<u8>>, bool)>,
    /// Lazy DFAs of the patterns, to tell whether a match can still grow
    /// from a prefix (a certificate's `-----BEGIN` cannot become a private
    /// key); empty when not built (not a regex, or a pattern the DFA
    /// builder refuses): then any prefix counts.
    dfas: Vec<DFA>,
}

impl DetectorBound {
    /// Computes the bounds of `detector`. Patterns that do not parse (a
    /// corrupt rule set would have failed to build a scanner first) get the
    /// weakest, still sound, bound: every byte.
    pub(crate) fn of(detector: &DetectorSpec) -> DetectorBound {
        let max_len = detector.max_match_len.map(|n| n as usize);
        let mut alphabet = ByteSet::non_ascii();
        let mut prefixes: Option<Vec<Vec<u8>>> = Some(Vec::new());
        let mut dfas = Vec::new();
        let mut case_insensitive = false;
        // Regex and phrase detectors: (pattern, case-insensitive, Unicode).
        let regexes: Vec<(std::borrow::Cow<'_, str>, bool, bool)> = match &detector.kind {
            DetectorKind::Regex {
                patterns,
                case_insensitive,
                unicode,
                ..
            } => patterns
                .iter()
                .map(|p| (p.as_str().into(), *case_insensitive, *unicode))
                .collect(),
            DetectorKind::Phrases { signals } => signals
                .iter()
                .map(|s| (super::phrases::regex_source(&s.pattern).into(), true, true))
                .collect(),
            _ => Vec::new(),
        };
        let phrases = matches!(detector.kind, DetectorKind::Phrases { .. });
        match &detector.kind {
            DetectorKind::Regex { .. } | DetectorKind::Phrases { .. } => {
                for (pattern, ci, unicode) in regexes {
                    match parse(&pattern, ci, unicode) {
                        Some(hir) => {
                            // Phrase signals are bounded and many: their
                            // DFAs would only serve `overflows` past a
                            // window they never reach, and would cost every
                            // VM start.
                            if !phrases
                                && let Ok(nfa) = thompson::Compiler::new().build_from_hir(&hir)
                                && let Ok(dfa) = DFA::builder().build_from_nfa(nfa)
                            {
                                dfas.push(dfa);
                            }
                            collect_alphabet(&hir, &mut alphabet);
                            let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
                            match (seq.literals(), prefixes.as_mut()) {
                                (Some(lits), Some(all))
                                    if lits.iter().all(|l| !l.as_bytes().is_empty()) =>
                                {
                                    all.extend(lits.iter().map(|l| l.as_bytes().to_vec()));
                                }
                                _ => prefixes = None,
                            }
                        }
                        None => {
                            alphabet = ByteSet::all();
                            prefixes = None;
                        }
                    }
                }
            }
            DetectorKind::Keywords {
                words,
                case_insensitive: ci,
                ..
            } => {
                case_insensitive = *ci;
                for word in words {
                    alphabet.insert_text(word, *ci);
                }
                prefixes = Some(words.iter().map(|w| w.as_bytes().to_vec()).collect());
            }
            DetectorKind::Canary { values } => {
                for value in values {
                    alphabet.insert_text(value, false);
                }
                prefixes = Some(values.iter().map(|v| v.as_bytes().to_vec()).collect());
            }
            DetectorKind::Invisible { .. } => prefixes = None,
            // Never matches text (classifiers decide requests, not streams).
            DetectorKind::Classifier(_) => {}
        }
        let prefixes = prefixes
            .filter(|p| !p.is_empty() && p.len() <= MAX_PREFIXES && p.iter().all(|l| !l.is_empty()))
            .and_then(|literals| {
                let automaton = AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .ascii_case_insensitive(case_insensitive)
                    .build(&literals)
                    .ok()?;
                Some((automaton, literals, case_insensitive))
            });
        DetectorBound {
            max_len,
            alphabet,
            prefixes,
            dfas,
        }
    }

    /// Whether a match of this detector that is not complete yet may
    /// already cover more than the last `window` bytes of `text`: a match
    /// with no length bound that began with one of its prefixes (a PEM
    /// block's `-----BEGIN`) further back than the window, every byte since
    /// in its alphabet. Held back only up to the window, its tail would
    /// leave before the match is whole, so a stream is cut instead.
    pub(crate) fn overflows(&self, text: &[u8], window: usize) -> bool {
        if self.max_len.is_some_and(|max| max <= window) {
            return false;
        }
        let Some((automaton, _, _)) = &self.prefixes else {
            return false;
        };
        let run = text
            .iter()
            .rev()
            .take_while(|&&b| self.alphabet.contains(b))
            .count();
        if run <= window {
            return false;
        }
        let region = &text[text.len() - run..];
        automaton
            .find_iter(region)
            .take_while(|found| region.len() - found.start() > window)
            .any(|found| self.may_grow(&region[found.start()..]))
    }

    /// Whether some pattern can still match more of a text that starts
    /// with `text` (anchored at its start): its DFA has not died on it (a
    /// match may have been found on the way; a longer one is still
    /// possible). With no DFAs, or one that gives up, assume it can.
    fn may_grow(&self, text: &[u8]) -> bool {
        if self.dfas.is_empty() {
            return true;
        }
        self.dfas.iter().any(|dfa| {
            let mut cache = dfa.create_cache();
            let input = Input::new(text).anchored(Anchored::Yes);
            let Ok(mut state) = dfa.start_state_forward(&mut cache, &input) else {
                return true;
            };
            for &byte in text {
                state = match dfa.next_state(&mut cache, state, byte) {
                    Ok(state) => state,
                    Err(_) => return true,
                };
                if state.is_dead() {
                    return false;
                }
            }
            true
        })
    }

    /// How many bytes at the end of `text` a match of this detector that
    /// is not complete yet could already cover (at most `window`).
    pub(crate) fn pending(&self, text: &[u8], window: usize) -> usize {
        let cap = self.max_len.unwrap_or(window).min(window).min(text.len());
        let tail = &text[text.len() - cap..];
        let run = tail
            .iter()
            .rev()
            .take_while(|&&b| self.alphabet.contains(b))
            .count();
        let Some((automaton, literals, case_insensitive)) = &self.prefixes else {
            return run;
        };
        // Only the part a pending match could occupy needs searching.
        let region = &tail[tail.len() - run..];
        if let Some(found) = automaton.find(region) {
            return region.len() - found.start();
        }
        let partial = literals
            .iter()
            .map(|literal| partial_prefix(region, literal, *case_insensitive))
            .max()
            .unwrap_or(0);
        partial.min(run)
    }
}

/// The longest proper prefix of `literal` that `text` ends with.
fn partial_prefix(text: &[u8], literal: &[u8], case_insensitive: bool) -> usize {
    let longest = literal.len().saturating_sub(1).min(text.len());
    (1..=longest)
        .rev()
        .find(|&k| {
            let (end, start) = (&text[text.len() - k..], &literal[..k]);
            if case_insensitive {
                end.eq_ignore_ascii_case(start)
            } else {
                end == start
            }
        })
        .unwrap_or(0)
}

fn parse(pattern: &str, case_insensitive: bool, unicode: bool) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .unicode(unicode)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()
}

fn collect_alphabet(hir: &Hir, set: &mut ByteSet) {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(literal) => literal.0.iter().for_each(|&b| set.insert(b)),
        HirKind::Class(Class::Unicode(class)) => {
            for range in class.ranges() {
                let (start, end) = (u32::from(range.start()), u32::from(range.end()));
                if start < 0x80 {
                    // Both bounds are ASCII here, so the casts are exact.
                    set.insert_range(start as u8, end.min(0x7f) as u8);
                }
            }
        }
        HirKind::Class(Class::Bytes(class)) => {
            for range in class.ranges() {
                set.insert_range(range.start(), range.end());
            }
        }
        HirKind::Repetition(repetition) => collect_alphabet(&repetition.sub, set),
        HirKind::Capture(capture) => collect_alphabet(&capture.sub, set),
        HirKind::Concat(all) | HirKind::Alternation(all) => {
            all.iter().for_each(|h| collect_alphabet(h, set))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::ExceptionSpec;

    fn regex(patterns: &[&str], max: Option<u32>) -> DetectorBound {
        DetectorBound::of(&DetectorSpec {
            id: "d".into(),
            kind: DetectorKind::Regex {
                patterns: patterns.iter().map(|p| p.to_string()).collect(),
                keywords: Vec::new(),
                case_insensitive: false,
                unicode: false,
            },
            validator: None,
            context: None,
            exceptions: ExceptionSpec::default(),
            max_match_len: max,
        })
    }

    #[test]
    fn tokens_hold_only_their_trailing_run() {
        let key = regex(&[r"AKIA[0-9A-Z]{16}"], Some(20));
        assert_eq!(key.pending(b"my key is AKIA12", 4096), 6);
        assert_eq!(key.pending(b"my key is ", 4096), 0);
        // A partial prefix at the very end is held.
        assert_eq!(key.pending(b"see AK", 4096), 2);
        assert_eq!(key.pending(b"see KB", 4096), 0);
    }

    #[test]
    fn pem_blocks_hold_from_their_header_only() {
        let pem = regex(
            &[r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"],
            None,
        );
        assert_eq!(
            pem.pending(b"Sure, here is the answer you asked for", 4096),
            0
        );
        let text = b"key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIE";
        assert_eq!(pem.pending(text, 4096), text.len() - 5);
        assert_eq!(pem.pending(b"text ----", 4096), 4);
    }

    #[test]
    fn phrases_with_spaces_fall_back_to_their_length() {
        let phrase = regex(&[r"(?i)ignore (all )?previous instructions"], Some(40));
        assert_eq!(phrase.pending(b"please ignore all prev", 4096), 15);
        let long = [b'a'; 100];
        assert_eq!(phrase.pending(&long, 4096), 0);
        let words = regex(&[r"[a-z ]+x"], Some(40));
        assert_eq!(words.pending(&long, 4096), 40);
    }
}
