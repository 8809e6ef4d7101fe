//! Detection measured on labelled data (`aimsgate eval`).
//!
//! The data is JSON lines, one sample each (the format `eval/generate.py`
//! writes):
//!
//! ```json
//! {"id": "pii-a-000001", "set": "pii-a", "split": "test", "lang": "en",
//!  "text": "call me at (849)764-5731x5034",
//!  "entities": [{"type": "phone", "start": 11, "end": 29, "format": "nanp-parens-ext"}]}
//! {"id": "jb-000001", "set": "attacks", "split": "dev", "lang": "en",
//!  "text": "…", "entities": [], "attack": "persona"}
//! ```
//!
//! Offsets are Unicode code points (Python's string indices), end
//! exclusive. A sample with an `attack` family is an attack; one with
//! neither entities nor an attack is benign.
//!
//! Each sample's text goes through the policy as a user's prompt
//! ([`Engine::inspect_text`]), exactly as `explain --text` does:
//!
//! - an **entity** is caught when a hit of one of the detectors its type
//!   maps to overlaps it; the span is exact when the hit covers the
//!   entity and nothing more;
//! - an **attack** is caught when any rule fires (enforced or monitored);
//! - a **benign** sample is a false positive when any rule fires.
//!
//! Samples carry a `split`: tune on `dev`, report on `test` (the default).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use aimsgate_engine::Engine;
use aimsgate_engine::decision::Outcome;
use aimsgate_engine::ruleset::Phase;
use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};

/// One labelled sample.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// Unique id.
    pub id: String,
    /// The set it belongs to (`pii-a`, `benign-chat`, …).
    pub set: String,
    /// `dev` (to tune on) or `test` (to report on).
    pub split: Split,
    /// ISO 639-1 language.
    #[serde(default = "Sample::default_lang")]
    pub lang: String,
    /// The text, as a user would send it.
    pub text: String,
    /// What the text holds.
    #[serde(default)]
    pub entities: Vec<Entity>,
    /// The attack family, for an attack.
    #[serde(default)]
    pub attack: Option<String>,
}

impl Sample {
    fn default_lang() -> String {
        "en".to_owned()
    }
}

/// A labelled entity in a sample's text.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// Its type (`phone`, `credit_card`, …), which the configuration maps
    /// to detectors.
    #[serde(rename = "type")]
    pub kind: String,
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// How it is written (`nanp-parens-ext`, `amex-spaced`, …), for the
    /// breakdown.
    #[serde(default)]
    pub format: Option<String>,
}

/// Which part of the data a sample is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Tuned on.
    Dev,
    /// Reported on.
    Test,
}

/// Which samples to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// One split.
    Only(Split),
    /// Both.
    All,
}

impl Selection {
    fn takes(self, split: Split) -> bool {
        match self {
            Selection::Only(only) => only == split,
            Selection::All => true,
        }
    }
}

/// An evaluation configuration (YAML or JSON); paths relative to its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The policy measured.
    pub policy: PathBuf,
    /// JSON-lines data files: a path, or `{path, optional: true}` for a
    /// file that may be missing (data fetched separately, such as public
    /// corpora under `target/`).
    pub data: Vec<DataFile>,
    /// Entity type → the policy's detectors that should catch it.
    pub entities: BTreeMap<String, Vec<String>>,
    /// Levels the run must reach; missing one fails the run.
    #[serde(default)]
    pub targets: Vec<Target>,
}

/// A data file of a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "DataEntry")]
pub struct DataFile {
    /// Where it is.
    pub path: PathBuf,
    /// A missing file is skipped (and said so), not an error.
    pub optional: bool,
}

/// How a data file is written in a configuration.
#[derive(Deserialize)]
#[serde(untagged)]
enum DataEntry {
    /// A path: the file must exist.
    Path(PathBuf),
    /// A path and whether the file may be missing.
    Entry(DataEntryFields),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataEntryFields {
    path: PathBuf,
    #[serde(default)]
    optional: bool,
}

impl From<DataEntry> for DataFile {
    fn from(entry: DataEntry) -> DataFile {
        match entry {
            DataEntry::Path(path) => DataFile {
                path,
                optional: false,
            },
            DataEntry::Entry(DataEntryFields { path, optional }) => DataFile { path, optional },
        }
    }
}

/// A level the run must reach.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Target {
    /// Recall of an entity type (`email`) or attack family (`persona`),
    /// `*` for all entities together.
    Recall {
        /// Entity type or attack family.
        of: String,
        /// Least recall, 0 to 1.
        min: f64,
    },
    /// False-positive rate on a benign set, optionally one language.
    Fpr {
        /// The benign set.
        set: String,
        /// One language only.
        #[serde(default)]
        lang: Option<String>,
        /// Highest rate, 0 to 1.
        max: f64,
    },
}

impl Config {
    /// Reads a configuration and resolves its paths against its directory.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let doc = crate::policy::source::parse(&text)
            .map_err(|d| anyhow!("{}: {}", path.display(), d.message))?;
        let mut config: Config = serde_path_to_error::deserialize(doc.value)
            .map_err(|e| anyhow!("{}: at `{}`: {}", path.display(), e.path(), e.inner()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.policy = base.join(&config.policy);
        for file in &mut config.data {
            file.path = base.join(&file.path);
        }
        Ok(config)
    }

    /// Reads every data file's samples; optional files that are missing
    /// are skipped and returned.
    pub fn samples(&self) -> Result<(Vec<Sample>, Vec<PathBuf>)> {
        let mut samples = Vec::new();
        let mut missing = Vec::new();
        for file in &self.data {
            if file.optional && !file.path.exists() {
                missing.push(file.path.clone());
                continue;
            }
            samples.extend(read_samples(&file.path)?);
        }
        Ok((samples, missing))
    }
}

/// Reads JSON-lines samples; an error names the file and line.
pub fn read_samples(path: &Path) -> Result<Vec<Sample>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut samples = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let sample: Sample = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a sample", path.display(), i + 1))?;
        let chars = sample.text.chars().count();
        for entity in &sample.entities {
            if entity.start >= entity.end || entity.end > chars {
                bail!(
                    "{}:{}: entity {}..{} is outside the text's {chars} characters",
                    path.display(),
                    i + 1,
                    entity.start,
                    entity.end
                );
            }
        }
        samples.push(sample);
    }
    Ok(samples)
}

/// Caught out of seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Seen.
    pub n: u64,
    /// Caught (for benign samples: falsely flagged).
    pub hit: u64,
}

impl Counts {
    fn add(&mut self, hit: bool) {
        self.n += 1;
        self.hit += u64::from(hit);
    }

    /// `hit / n` (0 for none seen).
    pub fn rate(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.hit as f64 / self.n as f64
        }
    }
}

/// One entity type's results.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EntityStats {
    /// Caught out of labelled.
    pub recall: Counts,
    /// Caught with exactly the labelled span.
    pub exact: u64,
    /// Sum of overlap / union of the best hit, over caught entities.
    pub iou_sum: f64,
    /// Per written format.
    pub formats: BTreeMap<String, Counts>,
    /// Missed entities that another detector overlapped, by detector.
    pub confused_with: BTreeMap<String, u64>,
}

/// A benign set's results in one language.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BenignStats {
    /// Flagged out of seen.
    pub flagged: Counts,
    /// What fired on them, by rule.
    pub rules: BTreeMap<String, u64>,
}

/// A target and whether the run reached it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetResult {
    /// The target.
    pub target: Target,
    /// The measured value (`None`: nothing to measure it on).
    pub value: Option<f64>,
    /// Reached.
    pub met: bool,
}

/// What a run measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// The policy, `name version`.
    pub policy: String,
    /// Which split (`dev`, `test`, `all`).
    pub split: String,
    /// Samples measured.
    pub samples: u64,
    /// Bytes of text measured.
    pub bytes: u64,
    /// Seconds spent inspecting.
    pub seconds: f64,
    /// Per entity type.
    pub entities: BTreeMap<String, EntityStats>,
    /// Per attack family.
    pub attacks: BTreeMap<String, Counts>,
    /// What fired on each attack family, by rule.
    pub attack_rules: BTreeMap<String, BTreeMap<String, u64>>,
    /// Per attack family, then language.
    pub attack_langs: BTreeMap<String, BTreeMap<String, Counts>>,
    /// Per benign set, then language.
    pub benign: BTreeMap<String, BTreeMap<String, BenignStats>>,
    /// Hits of the mapped detectors outside every labelled entity, per
    /// set of labelled samples (samples with at least one).
    pub stray: BTreeMap<String, Counts>,
    /// The targets.
    pub targets: Vec<TargetResult>,
}

impl Report {
    /// Whether every target was met.
    pub fn passed(&self) -> bool {
        self.targets.iter().all(|t| t.met)
    }
}

/// Byte range of code points `start..end` in `text`.
fn byte_range(text: &str, start: usize, end: usize) -> Range<usize> {
    let mut offsets = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()));
    let from = offsets.nth(start).unwrap_or(text.len());
    let to = match end.checked_sub(start + 1) {
        Some(more) => offsets.nth(more).unwrap_or(text.len()),
        None => from,
    };
    from..to
}

fn overlap(a: &Range<usize>, b: &Range<usize>) -> usize {
    a.end.min(b.end).saturating_sub(a.start.max(b.start))
}

/// Measures `engine` on `samples` of the selected split. `entities` maps
/// entity types to detector ids, which must be the policy's; `progress`
/// is told of each sample.
pub fn run(
    engine: &Engine,
    samples: &[Sample],
    entities: &BTreeMap<String, Vec<String>>,
    targets: &[Target],
    selection: Selection,
    mut progress: impl FnMut(),
) -> Result<Report> {
    let ruleset = engine.ruleset();
    let detector_index = |id: &str| {
        ruleset
            .detectors
            .iter()
            .position(|d| d.id == id)
            .ok_or_else(|| anyhow!("detector `{id}` is not in the policy"))
    };
    let mut mapped: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (kind, ids) in entities {
        let indices = ids
            .iter()
            .map(|id| detector_index(id).map(|i| i as u32))
            .collect::<Result<Vec<_>>>()?;
        mapped.insert(kind.as_str(), indices);
    }
    let pii_detectors: Vec<u32> = mapped.values().flatten().copied().collect();
    let policy = &ruleset.policy;
    let mut report = Report {
        policy: format!("{} {}", policy.name, policy.version),
        split: match selection {
            Selection::Only(Split::Dev) => "dev",
            Selection::Only(Split::Test) => "test",
            Selection::All => "all",
        }
        .to_owned(),
        ..Report::default()
    };
    let started = Instant::now();
    for sample in samples {
        progress();
        if !selection.takes(sample.split) {
            continue;
        }
        report.samples += 1;
        report.bytes += sample.text.len() as u64;
        let inspection = engine.inspect_text(&sample.text, Phase::Request);
        let decision = &inspection.decision;
        let fired = decision.outcome != Outcome::Allow;
        if let Some(family) = &sample.attack {
            report.attacks.entry(family.clone()).or_default().add(fired);
            report
                .attack_langs
                .entry(family.clone())
                .or_default()
                .entry(sample.lang.clone())
                .or_default()
                .add(fired);
            let rules = report.attack_rules.entry(family.clone()).or_default();
            for f in &decision.fired {
                let rule = ruleset.rules.get(f.rule as usize).map_or("?", |r| &r.id);
                *rules.entry(rule.to_owned()).or_default() += 1;
            }
        } else if sample.entities.is_empty() {
            let stats = report
                .benign
                .entry(sample.set.clone())
                .or_default()
                .entry(sample.lang.clone())
                .or_default();
            stats.flagged.add(fired);
            for f in &decision.fired {
                let rule = ruleset.rules.get(f.rule as usize).map_or("?", |r| &r.id);
                *stats.rules.entry(rule.to_owned()).or_default() += 1;
            }
        }
        let spans: Vec<Range<usize>> = sample
            .entities
            .iter()
            .map(|e| byte_range(&sample.text, e.start, e.end))
            .collect();
        for (entity, span) in sample.entities.iter().zip(&spans) {
            let Some(detectors) = mapped.get(entity.kind.as_str()) else {
                bail!(
                    "{}: entity type `{}` is not in the configuration's `entities`",
                    sample.id,
                    entity.kind
                );
            };
            let best = decision
                .hits
                .iter()
                .filter(|h| detectors.contains(&h.detector) && overlap(&h.span, span) > 0)
                .map(|h| {
                    let inter = overlap(&h.span, span);
                    let union = h.span.end.max(span.end) - h.span.start.min(span.start);
                    (h.span == *span, inter as f64 / union.max(1) as f64)
                })
                .fold(None, |best: Option<(bool, f64)>, (exact, iou)| match best {
                    Some((e, i)) if i >= iou => Some((e, i)),
                    _ => Some((exact, iou)),
                });
            let stats = report.entities.entry(entity.kind.clone()).or_default();
            stats.recall.add(best.is_some());
            if let Some((exact, iou)) = best {
                stats.exact += u64::from(exact);
                stats.iou_sum += iou;
            } else {
                for h in decision.hits.iter().filter(|h| overlap(&h.span, span) > 0) {
                    let id = ruleset
                        .detectors
                        .get(h.detector as usize)
                        .map_or("?", |d| d.id.as_str());
                    *stats.confused_with.entry(id.to_owned()).or_default() += 1;
                }
            }
            if let Some(format) = &entity.format {
                stats
                    .formats
                    .entry(format.clone())
                    .or_default()
                    .add(best.is_some());
            }
        }
        if !sample.entities.is_empty() {
            let stray = decision.hits.iter().any(|h| {
                pii_detectors.contains(&h.detector)
                    && !spans.iter().any(|span| overlap(&h.span, span) > 0)
            });
            report
                .stray
                .entry(sample.set.clone())
                .or_default()
                .add(stray);
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.targets = targets.iter().map(|t| judge(&report, t)).collect();
    Ok(report)
}

fn judge(report: &Report, target: &Target) -> TargetResult {
    let value = match target {
        Target::Recall { of, .. } if of == "*" => {
            let mut all = Counts::default();
            for stats in report.entities.values() {
                all.n += stats.recall.n;
                all.hit += stats.recall.hit;
            }
            (all.n > 0).then(|| all.rate())
        }
        Target::Recall { of, .. } => report
            .entities
            .get(of)
            .map(|s| s.recall)
            .or_else(|| report.attacks.get(of).copied())
            .filter(|c| c.n > 0)
            .map(|c| c.rate()),
        Target::Fpr { set, lang, .. } => report.benign.get(set).and_then(|langs| {
            let mut all = Counts::default();
            for (l, stats) in langs {
                if lang.as_ref().is_none_or(|want| want == l) {
                    all.n += stats.flagged.n;
                    all.hit += stats.flagged.hit;
                }
            }
            (all.n > 0).then(|| all.rate())
        }),
    };
    let met = match (target, value) {
        (Target::Recall { min, .. }, Some(v)) => v >= *min,
        (Target::Fpr { max, .. }, Some(v)) => v <= *max,
        // Nothing measured: the data the target names is missing.
        (_, None) => false,
    };
    TargetResult {
        target: target.clone(),
        value,
        met,
    }
}

/// The report as Markdown: tables per entity, format, attack family and
/// benign set, then the targets.
pub fn markdown(report: &Report) -> String {
    use std::fmt::Write as _;
    let pct = |c: &Counts| format!("{:.1} %", 100.0 * c.rate());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Policy {}, split `{}`: {} samples, {:.1} KB in {:.2} s ({:.0} samples/s, {:.2} MB/s).\n",
        report.policy,
        report.split,
        report.samples,
        report.bytes as f64 / 1e3,
        report.seconds,
        report.samples as f64 / report.seconds.max(1e-9),
        report.bytes as f64 / 1e6 / report.seconds.max(1e-9),
    );
    if !report.entities.is_empty() {
        out.push_str("| entity | labelled | recall | exact span | mean IoU | missed, overlapped by |\n|---|---:|---:|---:|---:|---|\n");
        for (kind, s) in &report.entities {
            let caught = s.recall.hit.max(1) as f64;
            let confused: Vec<String> = s
                .confused_with
                .iter()
                .map(|(d, n)| format!("{d} ×{n}"))
                .collect();
            let _ = writeln!(
                out,
                "| {kind} | {} | {} | {:.1} % | {:.2} | {} |",
                s.recall.n,
                pct(&s.recall),
                100.0 * s.exact as f64 / caught,
                s.iou_sum / caught,
                confused.join(", ")
            );
        }
        out.push_str("\n| entity | format | labelled | recall |\n|---|---|---:|---:|\n");
        for (kind, s) in &report.entities {
            for (format, c) in &s.formats {
                let _ = writeln!(out, "| {kind} | {format} | {} | {} |", c.n, pct(c));
            }
        }
        out.push_str(
            "\n| labelled set | samples | with a hit outside every label |\n|---|---:|---:|\n",
        );
        for (set, c) in &report.stray {
            let _ = writeln!(out, "| {set} | {} | {} |", c.n, pct(c));
        }
    }
    if !report.attacks.is_empty() {
        out.push_str("\n| attack family | samples | caught | by |\n|---|---:|---:|---|\n");
        for (family, c) in &report.attacks {
            let by: Vec<String> = report
                .attack_rules
                .get(family)
                .into_iter()
                .flatten()
                .map(|(r, n)| format!("{r} ×{n}"))
                .collect();
            let _ = writeln!(
                out,
                "| {family} | {} | {} | {} |",
                c.n,
                pct(c),
                by.join(", ")
            );
        }
        // Families written in several languages, per language.
        let several: Vec<_> = report
            .attack_langs
            .iter()
            .filter(|(_, langs)| langs.len() > 1)
            .collect();
        if !several.is_empty() {
            out.push_str(
                "\n| attack family | language | samples | caught |\n|---|---|---:|---:|\n",
            );
            for (family, langs) in several {
                for (lang, c) in langs {
                    let _ = writeln!(out, "| {family} | {lang} | {} | {} |", c.n, pct(c));
                }
            }
        }
    }
    if !report.benign.is_empty() {
        out.push_str(
            "\n| benign set | language | samples | flagged | by |\n|---|---|---:|---:|---|\n",
        );
        for (set, langs) in &report.benign {
            for (lang, s) in langs {
                let by: Vec<String> = s.rules.iter().map(|(r, n)| format!("{r} ×{n}")).collect();
                let _ = writeln!(
                    out,
                    "| {set} | {lang} | {} | {} | {} |",
                    s.flagged.n,
                    pct(&s.flagged),
                    by.join(", ")
                );
            }
        }
    }
    if !report.targets.is_empty() {
        out.push_str("\n| target | measured | |\n|---|---:|---|\n");
        for t in &report.targets {
            let what = match &t.target {
                Target::Recall { of, min } => format!("recall of {of} ≥ {:.1} %", 100.0 * min),
                Target::Fpr { set, lang, max } => format!(
                    "false positives on {set}{} ≤ {:.2} %",
                    lang.as_ref().map(|l| format!(" ({l})")).unwrap_or_default(),
                    100.0 * max
                ),
            };
            let value = t
                .value
                .map_or("no data".to_owned(), |v| format!("{:.2} %", 100.0 * v));
            let _ = writeln!(
                out,
                "| {what} | {value} | {} |",
                if t.met { "met" } else { "**missed**" }
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_point_offsets_become_byte_ranges() {
        let text = "é call +1 555";
        assert_eq!(byte_range(text, 0, 1), 0..2);
        assert_eq!(&text[byte_range(text, 7, 13)], "+1 555");
    }

    #[test]
    fn data_files_are_paths_or_optional_entries() {
        let dir = std::env::temp_dir().join(format!("aimsgate-eval-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("a.jsonl"),
            r#"{"id": "a-1", "set": "a", "split": "test", "text": "hi"}"#,
        )
        .unwrap();
        let config = dir.join("eval.yaml");
        std::fs::write(
            &config,
            "policy: p.yaml\ndata:\n  - a.jsonl\n  - {path: gone.jsonl, optional: true}\nentities: {}\n",
        )
        .unwrap();
        let loaded = Config::load(&config).unwrap();
        assert_eq!(
            loaded.data,
            vec![
                DataFile {
                    path: dir.join("a.jsonl"),
                    optional: false
                },
                DataFile {
                    path: dir.join("gone.jsonl"),
                    optional: true
                },
            ]
        );
        let (samples, missing) = loaded.samples().unwrap();
        assert_eq!(samples.len(), 1);
        assert_eq!(missing, vec![dir.join("gone.jsonl")]);
        // A missing file that is not optional is an error.
        std::fs::write(
            &config,
            "policy: p.yaml\ndata: [a.jsonl, gone.jsonl]\nentities: {}\n",
        )
        .unwrap();
        assert!(Config::load(&config).unwrap().samples().is_err());
        // So is an unknown key in an entry.
        std::fs::write(
            &config,
            "policy: p.yaml\ndata: [{path: a.jsonl, optinal: true}]\nentities: {}\n",
        )
        .unwrap();
        assert!(Config::load(&config).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_target_without_data_is_missed() {
        let report = Report::default();
        let t = judge(
            &report,
            &Target::Recall {
                of: "phone".into(),
                min: 0.5,
            },
        );
        assert!(!t.met && t.value.is_none());
    }
}
