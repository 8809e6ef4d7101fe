//! A second opinion for the undecided: an external classifier asked about
//! requests that a phrase detector scores between two thresholds
//! ([`DetectorKind::Classifier`]).
//!
//! The engine performs no I/O. An inspection that needs an opinion says so
//! ([`Consultation`]); the runtime makes the call (`proxy_http_call` in the
//! filter, `fetch` at the edge), reads the answer with [`read_answer`] and
//! inspects the request again with the [`Opinion`]. An attack verdict is a
//! match of the classifier detector, recorded like any other hit; a failed
//! call is decided by the route's `classifier_unavailable` mode.
//!
//! The wire format is Hugging Face's text classification: the call's body
//! is `{"inputs": "<text>"}` and the answer a list of `{"label", "score"}`
//! (also nested once, or a single object), which text-embeddings-inference
//! (`/predict`) and the Inference API serve for any sequence-classification
//! model, so a model server can be put behind the call as it is.

use serde::Deserialize;

use crate::codec::Segment;
use crate::detect::Match;
use crate::ruleset::{ClassifierSpec, DetectorKind, RuleSet};

/// A request the runtime should ask the classifier about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consultation {
    /// Index of the classifier detector.
    pub detector: u32,
    /// The phrase score that put the request between the thresholds.
    pub score: u32,
    /// The text to classify: the segments the phrase detector found
    /// signals in, in order, cut to the detector's `max_bytes`.
    pub text: String,
}

impl Consultation {
    /// The call's body: `{"inputs": text}`.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({ "inputs": self.text })).unwrap_or_default()
    }
}

/// What the classifier said.
#[derive(Debug, Clone, PartialEq)]
pub enum Opinion {
    /// It named one of the detector's attack labels with enough confidence.
    Attack {
        /// The label, lower-case.
        label: String,
        /// Its confidence, 0–1.
        confidence: f32,
    },
    /// It did not.
    Benign,
    /// No usable answer (no response, a status other than 200, a body
    /// that is not a classification); the reason never quotes the text.
    Failed(String),
}

/// Whether an inspection may ask for a second opinion.
#[derive(Debug, Clone, Copy)]
pub enum Consulting<'a> {
    /// The runtime cannot call out (the CLI's `scan` and `eval`): classifier
    /// detectors find nothing.
    Never,
    /// Say when an opinion is needed ([`Consultation`]) instead of deciding.
    Ask,
    /// The classifier detector `detector` answered this.
    Answered {
        /// Index of the classifier detector.
        detector: u32,
        /// Its answer.
        opinion: &'a Opinion,
    },
}

/// One label and its confidence, as classifiers write them.
#[derive(Deserialize)]
struct Scored {
    label: String,
    score: f32,
}

/// The shapes a classification comes in: a list, a list per input (one
/// input here), or one object.
#[derive(Deserialize)]
#[serde(untagged)]
enum Answer {
    Flat(Vec<Scored>),
    Nested(Vec<Vec<Scored>>),
    One(Scored),
}

/// Reads the classifier's answer: `status` is the response's (`None`: no
/// response — refused, reset or timed out).
pub fn read_answer(spec: &ClassifierSpec, status: Option<u16>, body: &[u8]) -> Opinion {
    match status {
        None => return Opinion::Failed("the classifier did not answer".to_owned()),
        Some(200) => {}
        Some(status) => return Opinion::Failed(format!("the classifier answered {status}")),
    }
    let scored = match serde_json::from_slice::<Answer>(body) {
        Ok(Answer::Flat(list)) => list,
        Ok(Answer::Nested(lists)) => lists.into_iter().flatten().collect(),
        Ok(Answer::One(one)) => vec![one],
        Err(_) => {
            return Opinion::Failed(
                "the classifier's answer is not a list of {label, score}".to_owned(),
            );
        }
    };
    scored
        .into_iter()
        .filter(|s| s.score.is_finite() && s.score >= spec.min_confidence)
        .map(|s| (s.label.to_lowercase(), s.score))
        .filter(|(label, _)| spec.labels.iter().any(|l| l == label))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(Opinion::Benign, |(label, confidence)| Opinion::Attack {
            label,
            confidence,
        })
}

/// A classifier the route's request rules name, with the roles whose text
/// it judges: the union of those rules' roles (0: every role). Text of other
/// roles neither asks nor carries the verdict, so a rule limited to the
/// user's and tools' text is never answered on the system prompt's.
struct Named<'a> {
    detector: u32,
    spec: &'a ClassifierSpec,
    roles: u8,
}

impl Named<'_> {
    fn judges(&self, segment: &Segment) -> bool {
        self.roles == 0 || self.roles & segment.role.bit() != 0
    }
}

fn classifiers<'a>(ruleset: &'a RuleSet, rule_ids: &[u32]) -> Vec<Named<'a>> {
    let mut named: Vec<Named<'a>> = Vec::new();
    let rules = rule_ids
        .iter()
        .filter_map(|&i| ruleset.rules.get(i as usize))
        .filter(|r| r.phase.covers(crate::ruleset::Phase::Request));
    for rule in rules {
        for detector in rule.when.detectors() {
            let Some(DetectorKind::Classifier(spec)) =
                ruleset.detectors.get(detector as usize).map(|d| &d.kind)
            else {
                continue;
            };
            match named.iter_mut().find(|n| n.detector == detector) {
                // Any rule of every role makes it judge every role.
                Some(n) if n.roles == 0 || rule.roles == 0 => n.roles = 0,
                Some(n) => n.roles |= rule.roles,
                None => named.push(Named {
                    detector,
                    spec,
                    roles: rule.roles,
                }),
            }
        }
    }
    named
}

/// The consultation the request needs, if any: the first classifier the
/// rules name whose phrase detector scored the text of its roles between
/// its thresholds.
pub(crate) fn needed(
    ruleset: &RuleSet,
    rule_ids: &[u32],
    segments: &[Segment],
    matches: &[Vec<Match>],
) -> Option<Consultation> {
    classifiers(ruleset, rule_ids)
        .into_iter()
        .find_map(|named| {
            let spec = named.spec;
            let DetectorKind::Phrases { signals } = &ruleset.detectors.get(spec.of as usize)?.kind
            else {
                return None;
            };
            let judged: Vec<(&Segment, &Vec<Match>)> = segments
                .iter()
                .zip(matches)
                .filter(|(segment, found)| {
                    named.judges(segment) && found.iter().any(|m| m.detector == spec.of)
                })
                .collect();
            let found = judged
                .iter()
                .flat_map(|(_, found)| found.iter())
                .filter(|m| m.detector == spec.of);
            let score = crate::detect::phrases::weigh(signals, found.map(|m| m.signal));
            let score = u32::try_from(score).unwrap_or(u32::MAX);
            if score < spec.min_score.max(1) || score >= spec.max_score {
                return None;
            }
            let mut text = String::new();
            for (segment, _) in &judged {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&segment.text);
            }
            let mut cut = (spec.max_bytes as usize).min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            Some(Consultation {
                detector: named.detector,
                score,
                text,
            })
        })
}

/// Adds the classifier's attack verdict to `matches` as a match of its
/// detector, on the first text of its roles its phrase detector found a
/// signal in (the evidence the hit points at).
pub(crate) fn add_verdict(
    ruleset: &RuleSet,
    rule_ids: &[u32],
    consulting: Consulting<'_>,
    segments: &[Segment],
    matches: &mut [Vec<Match>],
) {
    let Consulting::Answered {
        detector,
        opinion: Opinion::Attack { .. },
    } = consulting
    else {
        return;
    };
    let named = classifiers(ruleset, rule_ids);
    let Some(named) = named.iter().find(|n| n.detector == detector) else {
        return;
    };
    for (segment, found) in segments.iter().zip(matches.iter_mut()) {
        if !named.judges(segment) {
            continue;
        }
        if let Some(evidence) = found.iter().find(|m| m.detector == named.spec.of) {
            let verdict = Match {
                detector,
                signal: 0,
                span: evidence.span.clone(),
            };
            found.push(verdict);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ClassifierSpec {
        ClassifierSpec {
            of: 0,
            min_score: 40,
            max_score: 100,
            labels: vec!["injection".to_owned(), "jailbreak".to_owned()],
            min_confidence: 0.5,
            max_bytes: 4096,
        }
    }

    #[test]
    fn answers_in_every_shape_are_read() {
        let spec = spec();
        let attack = |label: &str, confidence: f32| Opinion::Attack {
            label: label.to_owned(),
            confidence,
        };
        let flat = br#"[{"label":"SAFE","score":0.1},{"label":"INJECTION","score":0.9}]"#;
        assert_eq!(
            read_answer(&spec, Some(200), flat),
            attack("injection", 0.9)
        );
        let nested = br#"[[{"label":"jailbreak","score":0.7}]]"#;
        assert_eq!(
            read_answer(&spec, Some(200), nested),
            attack("jailbreak", 0.7)
        );
        let one = br#"{"label":"INJECTION","score":0.99}"#;
        assert_eq!(
            read_answer(&spec, Some(200), one),
            attack("injection", 0.99)
        );
    }

    #[test]
    fn a_weak_or_other_label_is_benign() {
        let spec = spec();
        let weak = br#"[{"label":"INJECTION","score":0.4},{"label":"SAFE","score":0.6}]"#;
        assert_eq!(read_answer(&spec, Some(200), weak), Opinion::Benign);
        let safe = br#"[{"label":"SAFE","score":0.99}]"#;
        assert_eq!(read_answer(&spec, Some(200), safe), Opinion::Benign);
        let nan = br#"[{"label":"INJECTION","score":1e999}]"#;
        assert!(matches!(
            read_answer(&spec, Some(200), nan),
            Opinion::Failed(_) | Opinion::Benign
        ));
    }

    #[test]
    fn no_answer_an_error_status_or_a_foreign_body_fails() {
        let spec = spec();
        assert!(matches!(read_answer(&spec, None, b""), Opinion::Failed(_)));
        let body = br#"[{"label":"INJECTION","score":0.9}]"#;
        assert!(matches!(
            read_answer(&spec, Some(503), body),
            Opinion::Failed(_)
        ));
        assert!(matches!(
            read_answer(&spec, Some(200), b"<html>"),
            Opinion::Failed(_)
        ));
        assert!(matches!(
            read_answer(&spec, Some(200), br#"{"ok":true}"#),
            Opinion::Failed(_)
        ));
    }
}
