//! Lookup and resolution of control references, with "did you mean"
//! suggestions for near misses.

use super::data::{
    EU_AI_ACT_ARTICLES, ISO_CLAUSE_NUMBERS, PREFIX_ALIASES, RMF_SUBCATEGORIES, all, controls,
};
use super::types::{Control, Duty, Framework, Resolution};

/// The control with exactly this id (case-sensitive) in `framework`.
pub fn lookup(framework: Framework, id: &str) -> Option<&'static Control> {
    all()
        .iter()
        .find(|c| c.framework == framework && c.id == id)
}

/// Resolve a `framework:ID` reference against the catalogue.
///
/// Prefixes and ids are matched exactly; near misses (wrong case, missing
/// `A.`, `LLM1` for `LLM01`, `owasp:` for `owasp-llm:`, …) are rejected with a
/// suggestion. See [`Resolution`] for the outcomes and the
/// [catalogue docs](super) for which frameworks are complete.
pub fn resolve(reference: &str) -> Resolution {
    let Some((prefix, id)) = reference.split_once(':') else {
        return bare_reference(reference);
    };
    if prefix.is_empty() {
        return Resolution::BadReference {
            reason: format!("missing framework prefix in `{reference}`; expected `framework:ID`"),
            suggestion: suggest_reference_for_bare_id(id),
        };
    }
    let Some(framework) = Framework::from_prefix(prefix) else {
        let reason = if Framework::from_prefix(&prefix.to_ascii_lowercase()).is_some() {
            format!("framework prefix `{prefix}` must be lower-case")
        } else {
            format!(
                "unknown framework prefix `{prefix}`; expected one of {}",
                known_prefixes()
            )
        };
        return Resolution::BadReference {
            reason,
            suggestion: suggest_prefix(prefix, id).map(|f| f.prefix().to_owned()),
        };
    };
    if id.is_empty() {
        return Resolution::BadReference {
            reason: format!("missing control id after `{prefix}:`"),
            suggestion: None,
        };
    }
    classify(framework, id)
}

/// The article number of an EU AI Act id (`Art.26(6)` → 26).
fn article_number(id: &str) -> Option<u32> {
    let digits: String = id
        .strip_prefix("Art.")?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Whose duty the EU AI Act provision `id` is: its own marking, else (for a
/// paragraph the catalogue does not list, `Art.12(1)`) its article's when
/// that article is one role's alone. `None` when neither says.
pub fn eu_duty(id: &str) -> Option<Duty> {
    let own = |id: &str| lookup(Framework::EuAiAct, id).and_then(|c| c.duty);
    own(id).or_else(|| {
        let article = format!("Art.{}", article_number(id)?);
        own(&article).filter(|d| *d != Duty::Both)
    })
}

/// Whether the EU AI Act provision `id` binds only high-risk AI systems:
/// Chapter III's requirements and obligations (Arts 8–27), conformity
/// assessment and registration (Arts 43–49), post-market monitoring and
/// serious-incident reporting (Arts 72, 73).
pub fn eu_high_risk_only(id: &str) -> bool {
    article_number(id).is_some_and(|n| matches!(n, 8..=27 | 43..=49 | 72 | 73))
}

// ---------------------------------------------------------------------------
// Resolution internals
// ---------------------------------------------------------------------------

fn known_prefixes() -> String {
    Framework::ALL
        .iter()
        .map(|f| format!("`{}`", f.prefix()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn bare_reference(reference: &str) -> Resolution {
    if reference.trim().is_empty() {
        return Resolution::BadReference {
            reason: "empty control reference; expected `framework:ID`".to_owned(),
            suggestion: None,
        };
    }
    if let Some(f) = Framework::from_prefix(reference) {
        return Resolution::BadReference {
            reason: format!("missing control id: expected `{}:ID`", f.prefix()),
            suggestion: None,
        };
    }
    Resolution::BadReference {
        reason: format!(
            "`{reference}` is not of the form `framework:ID` (e.g. `iso42001:A.6.2.8`)"
        ),
        suggestion: suggest_reference_for_bare_id(reference),
    }
}

/// Known, or a well-formed id of a partially catalogued framework.
fn accepts(framework: Framework, id: &str) -> bool {
    lookup(framework, id).is_some() || (!framework.is_complete() && well_formed(framework, id))
}

fn classify(framework: Framework, id: &str) -> Resolution {
    if let Some(control) = lookup(framework, id) {
        return Resolution::Known(control);
    }
    if !framework.is_complete() && well_formed(framework, id) {
        return Resolution::Unlisted {
            framework,
            id: id.to_owned(),
        };
    }
    Resolution::Unknown {
        framework,
        id: id.to_owned(),
        suggestion: suggest_id(framework, id).map(|s| format!("{}:{s}", framework.prefix())),
    }
}

/// Strict syntax check for the partially catalogued frameworks.
fn well_formed(framework: Framework, id: &str) -> bool {
    match framework {
        Framework::NistAiRmf => rmf_well_formed(id),
        Framework::EuAiAct => eu_well_formed(id),
        Framework::Atlas => atlas_well_formed(id),
        Framework::Iso42001
        | Framework::Iso27001
        | Framework::NistAi600_1
        | Framework::OwaspLlm => false,
    }
}

/// The full reference a prefix-less id most likely meant, if exactly one
/// framework accepts it (as written, or once canonicalised).
fn suggest_reference_for_bare_id(id: &str) -> Option<String> {
    let exact: Vec<String> = Framework::ALL
        .into_iter()
        .filter(|&f| accepts(f, id))
        .map(|f| format!("{}:{id}", f.prefix()))
        .collect();
    let candidates = if exact.is_empty() {
        Framework::ALL
            .into_iter()
            .filter_map(|f| {
                canonicalize(f, id)
                    .filter(|c| accepts(f, c))
                    .map(|c| format!("{}:{c}", f.prefix()))
            })
            .collect()
    } else {
        exact
    };
    match candidates.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Nearest framework for an unknown prefix: by alias or edit distance,
/// preferring (among equally plausible names) one that accepts the id; if the
/// name matches nothing, the single framework that accepts the id.
fn suggest_prefix(prefix: &str, id: &str) -> Option<Framework> {
    let n = normalize(prefix);
    let accepting: Vec<Framework> = Framework::ALL
        .into_iter()
        .filter(|&f| accepts(f, id))
        .collect();
    let named: Vec<Framework> = match PREFIX_ALIASES.iter().find(|(alias, _)| *alias == n) {
        Some((_, frameworks)) => frameworks.to_vec(),
        None => {
            let scored: Vec<(usize, Framework)> = Framework::ALL
                .into_iter()
                .map(|f| (strsim::levenshtein(&n, &normalize(f.prefix())), f))
                .filter(|&(d, _)| d <= 3 && d * 2 < n.len())
                .collect();
            let best = scored.iter().map(|&(d, _)| d).min();
            scored
                .into_iter()
                .filter(|&(d, _)| Some(d) == best)
                .map(|(_, f)| f)
                .collect()
        }
    };
    named
        .iter()
        .find(|f| accepting.contains(f))
        .or(named.first())
        .copied()
        .or(match accepting.as_slice() {
            [one] => Some(*one),
            _ => None,
        })
}

/// Closest valid id (without prefix) for an id `framework` does not accept.
fn suggest_id(framework: Framework, id: &str) -> Option<String> {
    // 1. The same id in canonical spelling (case, padding, missing `A.`, ...).
    if let Some(c) = canonicalize(framework, id).filter(|c| c != id && accepts(framework, c)) {
        return Some(c);
    }
    // 2. A listed id differing only in case.
    if let Some(c) = controls(framework).find(|c| c.id.eq_ignore_ascii_case(id)) {
        return Some(c.id.to_owned());
    }
    // 3. The id written as the control's title (`prompt-injection`).
    if let Some(c) = match_title(framework, id) {
        return Some(c.id.to_owned());
    }
    // 4. Nearest listed id by edit distance, ties broken by numeric closeness
    //    (`A.6.2.9` -> `A.6.2.8`, `LLM11` -> `LLM10`).
    let lower = id.to_lowercase();
    let max = match (framework.is_complete(), id.chars().count()) {
        (false, _) | (true, 0..=4) => 1,
        (true, 5..=8) => 2,
        (true, _) => 3,
    };
    controls(framework)
        .map(|c| {
            (
                strsim::levenshtein(&lower, &c.id.to_lowercase()),
                numeric_gap(id, c.id),
                c,
            )
        })
        .filter(|&(d, _, _)| d <= max)
        .min_by_key(|&(d, gap, _)| (d, gap))
        .map(|(_, _, c)| c.id.to_owned())
}

fn match_title(framework: Framework, id: &str) -> Option<&'static Control> {
    let n = normalize(id);
    if n.len() < 3 {
        return None;
    }
    let exact: Vec<&'static Control> = controls(framework)
        .filter(|c| normalize(c.title) == n || normalize(c.id) == n)
        .collect();
    if let [one] = exact.as_slice() {
        return Some(one);
    }
    if !exact.is_empty() || n.len() < 4 {
        return None;
    }
    let containing: Vec<&'static Control> = controls(framework)
        .filter(|c| normalize(c.title).contains(&n) || normalize(c.id).contains(&n))
        .collect();
    match containing.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Lower-case ASCII alphanumerics only.
fn normalize(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Sum of differences between corresponding numbers in two ids, or
/// `u64::MAX` when they do not have the same count of numbers.
fn numeric_gap(a: &str, b: &str) -> u64 {
    fn numbers(s: &str) -> Vec<u64> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().unwrap_or(u64::MAX))
            .collect()
    }
    let (a, b) = (numbers(a), numbers(b));
    if a.len() != b.len() {
        return u64::MAX;
    }
    a.iter()
        .zip(&b)
        .fold(0u64, |acc, (x, y)| acc.saturating_add(x.abs_diff(*y)))
}

fn split_leading_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

/// A decimal number without sign or leading zero, at most three digits.
fn strict_num(s: &str) -> Option<u32> {
    let ok = !s.is_empty()
        && s.len() <= 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && !s.starts_with('0');
    if ok { s.parse().ok() } else { None }
}

/// `(inner)rest` -> `(inner, rest)`.
fn paren_group(s: &str) -> Option<(&str, &str)> {
    s.strip_prefix('(')?.split_once(')')
}

const SEPARATORS: [char; 4] = ['.', '-', '_', ' '];

/// `GOVERN`, `GOVERN-1` … `MANAGE-4.3`, with category and subcategory numbers
/// that exist in the AI RMF.
fn rmf_well_formed(id: &str) -> bool {
    let (function, rest) = match id.split_once('-') {
        Some((f, r)) => (f, Some(r)),
        None => (id, None),
    };
    let Some((_, counts)) = RMF_SUBCATEGORIES.iter().find(|(f, _)| *f == function) else {
        return false;
    };
    let Some(rest) = rest else {
        return true;
    };
    let (category, sub) = match rest.split_once('.') {
        Some((c, s)) => (c, Some(s)),
        None => (rest, None),
    };
    let Some(count) = strict_num(category)
        .and_then(|c| (c as usize).checked_sub(1))
        .and_then(|i| counts.get(i))
    else {
        return false;
    };
    match sub {
        None => true,
        Some(s) => strict_num(s).is_some_and(|s| s <= *count),
    }
}

/// `Art.N`, `Art.N(M)` or `Art.N(M)(x)` with 1 ≤ N ≤ 113.
fn eu_well_formed(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("Art.") else {
        return false;
    };
    let (number, tail) = split_leading_digits(rest);
    if strict_num(number).is_none_or(|n| n > EU_AI_ACT_ARTICLES) {
        return false;
    }
    if tail.is_empty() {
        return true;
    }
    let Some((paragraph, tail)) = paren_group(tail) else {
        return false;
    };
    if strict_num(paragraph).is_none() {
        return false;
    }
    if tail.is_empty() {
        return true;
    }
    match paren_group(tail) {
        Some((point, "")) => {
            (1..=4).contains(&point.len()) && point.bytes().all(|b| b.is_ascii_lowercase())
        }
        _ => false,
    }
}

/// `AML.TNNNN` or `AML.TNNNN.NNN`.
fn atlas_well_formed(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("AML.T") else {
        return false;
    };
    let (digits, tail) = split_leading_digits(rest);
    digits.len() == 4
        && (tail.is_empty()
            || tail
                .strip_prefix('.')
                .is_some_and(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())))
}

/// The canonical spelling of a sloppily written id, if one can be derived.
/// The caller still checks the result against the catalogue.
fn canonicalize(framework: Framework, id: &str) -> Option<String> {
    let t = id.trim();
    match framework {
        Framework::Iso42001 => canonical_iso(t),
        Framework::Iso27001 => canonical_iso27001(t),
        Framework::NistAiRmf => canonical_rmf(t),
        Framework::NistAi600_1 => Some(
            t.to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("-"),
        ),
        Framework::EuAiAct => canonical_eu(t),
        Framework::OwaspLlm => canonical_owasp(t),
        Framework::Atlas => canonical_atlas(t),
    }
}

fn canonical_iso(t: &str) -> Option<String> {
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("clause") {
        return Some(rest.trim_start_matches(SEPARATORS).to_owned());
    }
    let lower = lower
        .strip_prefix("annex")
        .map_or(lower.as_str(), |r| r.trim_start_matches(SEPARATORS));
    let body = if let Some(rest) = lower.strip_prefix('a') {
        rest.trim_start_matches(SEPARATORS)
    } else if lower.starts_with(|c: char| c.is_ascii_digit()) {
        if ISO_CLAUSE_NUMBERS.contains(&lower) {
            return None;
        }
        lower
    } else {
        return None;
    };
    Some(format!("A.{body}"))
}

/// `5.15`, `a5.15`, `Annex A 8.15`, `A-8-15` → `A.5.15` / `A.8.15`.
fn canonical_iso27001(t: &str) -> Option<String> {
    let lower = t.to_ascii_lowercase();
    let lower = lower
        .strip_prefix("annex")
        .map_or(lower.as_str(), |r| r.trim_start_matches(SEPARATORS));
    let body = lower
        .strip_prefix('a')
        .unwrap_or(lower)
        .trim_start_matches(SEPARATORS);
    let numbers = body
        .split(SEPARATORS)
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()?;
    match numbers.as_slice() {
        [theme, n] => Some(format!("A.{theme}.{n}")),
        _ => None,
    }
}

fn canonical_rmf(t: &str) -> Option<String> {
    let upper = t.to_ascii_uppercase();
    let (word, rest) = upper.split_at(
        upper
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(upper.len()),
    );
    let function = match word {
        "GOVERN" | "GV" | "GOV" => "GOVERN",
        "MAP" | "MP" => "MAP",
        "MEASURE" | "MS" => "MEASURE",
        "MANAGE" | "MG" => "MANAGE",
        _ => return None,
    };
    let rest = rest.trim_start_matches(SEPARATORS);
    if rest.is_empty() {
        return Some(function.to_owned());
    }
    let numbers = rest
        .split(SEPARATORS)
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()?;
    match numbers.as_slice() {
        [c] => Some(format!("{function}-{c}")),
        [c, s] => Some(format!("{function}-{c}.{s}")),
        _ => None,
    }
}

fn canonical_eu(t: &str) -> Option<String> {
    let lower = t.to_ascii_lowercase();
    let rest = ["article", "art"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .unwrap_or(&lower)
        .trim_start_matches(SEPARATORS);
    let (number, tail) = split_leading_digits(rest);
    let mut out = format!("Art.{}", number.parse::<u32>().ok()?);
    let tail = tail.trim_start();
    if tail.is_empty() {
        return Some(out);
    }
    let (paragraph, tail) = paren_group(tail)?;
    out.push_str(&format!("({})", paragraph.trim().parse::<u32>().ok()?));
    let tail = tail.trim_start();
    if tail.is_empty() {
        return Some(out);
    }
    let (point, tail) = paren_group(tail)?;
    if !tail.trim().is_empty() {
        return None;
    }
    out.push_str(&format!("({})", point.trim()));
    Some(out)
}

fn canonical_owasp(t: &str) -> Option<String> {
    let upper = t.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("LLM")
        .unwrap_or(&upper)
        .trim_start_matches(SEPARATORS);
    let (digits, tail) = split_leading_digits(rest);
    // Tolerate the edition suffix of the OWASP document's own ids (`LLM01:2025`).
    if !(tail.is_empty() || tail.starts_with(':')) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    (1..=10).contains(&n).then(|| format!("LLM{n:02}"))
}

fn canonical_atlas(t: &str) -> Option<String> {
    let upper = t.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("AML")
        .unwrap_or(&upper)
        .trim_start_matches(SEPARATORS)
        .strip_prefix('T')?;
    let (digits, tail) = split_leading_digits(rest);
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let mut out = format!("AML.T{digits:0>4}");
    if !tail.is_empty() {
        let sub = tail.strip_prefix(SEPARATORS)?;
        if sub.is_empty() || sub.len() > 3 || !sub.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push_str(&format!(".{sub:0>3}"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ControlKind;

    fn known(reference: &str) -> &'static Control {
        match resolve(reference) {
            Resolution::Known(c) => c,
            other => panic!("{reference}: expected Known, got {other:?}"),
        }
    }

    fn unlisted(reference: &str) {
        match resolve(reference) {
            Resolution::Unlisted { framework, id } => {
                assert_eq!(format!("{framework}:{id}"), reference);
            }
            other => panic!("{reference}: expected Unlisted, got {other:?}"),
        }
    }

    /// Asserts `Unknown` and returns the suggestion.
    fn unknown(reference: &str) -> Option<String> {
        match resolve(reference) {
            Resolution::Unknown {
                framework,
                id,
                suggestion,
            } => {
                assert_eq!(format!("{framework}:{id}"), reference);
                if let Some(s) = &suggestion {
                    assert!(
                        matches!(
                            resolve(s),
                            Resolution::Known(_) | Resolution::Unlisted { .. }
                        ),
                        "{reference}: suggestion {s} does not resolve"
                    );
                }
                suggestion
            }
            other => panic!("{reference}: expected Unknown, got {other:?}"),
        }
    }

    /// Asserts `BadReference` and returns the suggestion.
    fn bad(reference: &str) -> Option<String> {
        match resolve(reference) {
            Resolution::BadReference { reason, suggestion } => {
                assert!(!reason.is_empty());
                suggestion
            }
            other => panic!("{reference}: expected BadReference, got {other:?}"),
        }
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn resolve_iso() {
        let c = known("iso42001:A.6.2.8");
        assert_eq!(c.title, "AI system recording of event logs");
        assert_eq!(c.kind, ControlKind::AnnexA);
        assert_eq!(known("iso42001:9.2.2").kind, ControlKind::Clause);
        // Strict ids, helpful suggestions.
        assert_eq!(unknown("iso42001:6.2.8"), some("iso42001:A.6.2.8"));
        assert_eq!(unknown("iso42001:A.6.2.9"), some("iso42001:A.6.2.8"));
        assert_eq!(unknown("iso42001:a.6.2.8"), some("iso42001:A.6.2.8"));
        assert_eq!(unknown("iso42001:A6.2.8"), some("iso42001:A.6.2.8"));
        assert_eq!(unknown("iso42001:A.10.5"), some("iso42001:A.10.4"));
        assert_eq!(unknown("iso42001:clause 6.1.3"), some("iso42001:6.1.3"));
        // Every clause of 4 to 10 is citable, 7.5 as much as 6.1.3.
        assert_eq!(known("iso42001:7.5").title, "Documented information");
        assert_eq!(unknown("iso42001:nonsense"), None);
        assert_eq!(lookup(Framework::Iso42001, "a.6.2.8"), None);
    }

    #[test]
    fn resolve_owasp() {
        let entries: Vec<_> = controls(Framework::OwaspLlm)
            .map(|c| (c.id, c.title))
            .collect();
        assert_eq!(
            entries,
            [
                ("LLM01", "Prompt Injection"),
                ("LLM02", "Sensitive Information Disclosure"),
                ("LLM03", "Supply Chain"),
                ("LLM04", "Data and Model Poisoning"),
                ("LLM05", "Improper Output Handling"),
                ("LLM06", "Excessive Agency"),
                ("LLM07", "System Prompt Leakage"),
                ("LLM08", "Vector and Embedding Weaknesses"),
                ("LLM09", "Misinformation"),
                ("LLM10", "Unbounded Consumption"),
            ]
        );
        assert!(controls(Framework::OwaspLlm).all(|c| c.kind == ControlKind::Entry));
        assert_eq!(known("owasp-llm:LLM07").title, "System Prompt Leakage");
        assert_eq!(unknown("owasp-llm:LLM1"), some("owasp-llm:LLM01"));
        assert_eq!(unknown("owasp-llm:llm01"), some("owasp-llm:LLM01"));
        assert_eq!(unknown("owasp-llm:LLM01:2025"), some("owasp-llm:LLM01"));
        assert_eq!(unknown("owasp-llm:LLM11"), some("owasp-llm:LLM10"));
        assert_eq!(
            unknown("owasp-llm:prompt-injection"),
            some("owasp-llm:LLM01")
        );
        assert_eq!(unknown("owasp-llm:LLM42"), some("owasp-llm:LLM02"));
        assert_eq!(unknown("owasp-llm:injection-of-prompts"), None);
    }

    #[test]
    fn resolve_nist_ai_600_1() {
        let ids: Vec<_> = controls(Framework::NistAi600_1).map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "cbrn-information",
                "confabulation",
                "dangerous-violent-hateful-content",
                "data-privacy",
                "environmental-impacts",
                "harmful-bias-homogenization",
                "human-ai-configuration",
                "information-integrity",
                "information-security",
                "intellectual-property",
                "obscene-degrading-abusive-content",
                "value-chain-component-integration",
            ]
        );
        assert_eq!(known("nist-ai-600-1:data-privacy").kind, ControlKind::Risk);
        assert_eq!(
            unknown("nist-ai-600-1:Data Privacy"),
            some("nist-ai-600-1:data-privacy")
        );
        assert_eq!(
            unknown("nist-ai-600-1:confabulations"),
            some("nist-ai-600-1:confabulation")
        );
        assert_eq!(
            unknown("nist-ai-600-1:cbrn"),
            some("nist-ai-600-1:cbrn-information")
        );
        assert_eq!(unknown("nist-ai-600-1:weather"), None);
    }

    #[test]
    fn resolve_nist_ai_rmf() {
        let functions: Vec<_> = controls(Framework::NistAiRmf)
            .filter(|c| c.kind == ControlKind::Function)
            .map(|c| c.id)
            .collect();
        assert_eq!(functions, ["GOVERN", "MAP", "MEASURE", "MANAGE"]);
        let categories: Vec<_> = controls(Framework::NistAiRmf)
            .filter(|c| c.kind == ControlKind::Category && !c.id.contains('.'))
            .map(|c| c.id)
            .collect();
        assert_eq!(categories.len(), 6 + 5 + 4 + 4);
        for c in controls(Framework::NistAiRmf) {
            assert!(rmf_well_formed(c.id), "{}", c.id);
            assert!(c.id.starts_with(c.group), "{} in {}", c.id, c.group);
        }
        let total: u32 = RMF_SUBCATEGORIES.iter().flat_map(|(_, n)| n.iter()).sum();
        assert_eq!(total, 72);

        assert_eq!(known("nist-ai-rmf:MEASURE").kind, ControlKind::Function);
        assert_eq!(
            known("nist-ai-rmf:MEASURE-2").title,
            "AI systems are evaluated for trustworthy characteristics"
        );
        assert_eq!(known("nist-ai-rmf:MEASURE-2.7").group, "MEASURE");
        assert_eq!(known("nist-ai-rmf:MANAGE-4.1").kind, ControlKind::Category);
        unlisted("nist-ai-rmf:MEASURE-2.13");
        unlisted("nist-ai-rmf:GOVERN-1.7");
        unlisted("nist-ai-rmf:MAP-3.5");
        // Malformed or nonexistent: errors.
        assert_eq!(
            unknown("nist-ai-rmf:measure-2.7"),
            some("nist-ai-rmf:MEASURE-2.7")
        );
        assert_eq!(
            unknown("nist-ai-rmf:MS-2.7"),
            some("nist-ai-rmf:MEASURE-2.7")
        );
        assert_eq!(
            unknown("nist-ai-rmf:MEASURE 2.7"),
            some("nist-ai-rmf:MEASURE-2.7")
        );
        assert_eq!(
            unknown("nist-ai-rmf:GV-1.3"),
            some("nist-ai-rmf:GOVERN-1.3")
        );
        assert_eq!(
            unknown("nist-ai-rmf:MEASURE-2.14"),
            some("nist-ai-rmf:MEASURE-2.12")
        );
        unknown("nist-ai-rmf:GOVERN-7");
        unknown("nist-ai-rmf:MEASURE-02.7");
        unknown("nist-ai-rmf:MEASURE-2.0");
        assert_eq!(unknown("nist-ai-rmf:ASSESS-1"), None);
    }

    #[test]
    fn resolve_eu_ai_act() {
        for c in controls(Framework::EuAiAct) {
            assert!(eu_well_formed(c.id), "{}", c.id);
            assert!(c.duty.is_some(), "{} says whose duty it is", c.id);
        }
        assert!(
            known("eu-ai-act:Art.12")
                .title
                .starts_with("Record-keeping")
        );
        assert_eq!(known("eu-ai-act:Art.50").kind, ControlKind::Article);
        unlisted("eu-ai-act:Art.7");
        unlisted("eu-ai-act:Art.12(1)");
        unlisted("eu-ai-act:Art.5(1)(a)");
        unlisted("eu-ai-act:Art.113");
        assert_eq!(unknown("eu-ai-act:Article 12"), some("eu-ai-act:Art.12"));
        assert_eq!(unknown("eu-ai-act:art.50"), some("eu-ai-act:Art.50"));
        assert_eq!(unknown("eu-ai-act:Art 12(1)"), some("eu-ai-act:Art.12(1)"));
        assert_eq!(unknown("eu-ai-act:Art 26 (6)"), some("eu-ai-act:Art.26(6)"));
        assert_eq!(unknown("eu-ai-act:12"), some("eu-ai-act:Art.12"));
        assert_eq!(unknown("eu-ai-act:Art.800"), None);
        unknown("eu-ai-act:Art.0");
        unknown("eu-ai-act:Art.12(");
        unknown("eu-ai-act:Annex III");
    }

    /// Where the Act splits an article's duties, each paragraph says whose
    /// it is: a deployer's record must cite the deployer's paragraphs.
    #[test]
    fn eu_ai_act_duties_split_by_paragraph() {
        use crate::catalogue::Duty;
        let duty = |id: &str| known(&format!("eu-ai-act:{id}")).duty;
        assert_eq!(duty("Art.12"), Some(Duty::Provider));
        assert_eq!(duty("Art.14"), Some(Duty::Provider));
        assert_eq!(duty("Art.73"), Some(Duty::Provider));
        assert_eq!(duty("Art.26(5)"), Some(Duty::Deployer));
        assert_eq!(duty("Art.26(6)"), Some(Duty::Deployer));
        assert_eq!(duty("Art.50"), Some(Duty::Both));
        assert_eq!(duty("Art.50(1)"), Some(Duty::Provider));
        assert_eq!(duty("Art.50(4)"), Some(Duty::Deployer));
        assert_eq!(duty("Art.4"), Some(Duty::Both));
        assert_eq!(known("iso42001:A.6.2.8").duty, None);
    }

    #[test]
    fn resolve_iso27001() {
        let ids: Vec<&str> = controls(Framework::Iso27001).map(|c| c.id).collect();
        assert_eq!(ids.len(), 93);
        assert_eq!(ids.first(), Some(&"A.5.1"));
        assert_eq!(ids.last(), Some(&"A.8.34"));
        let per_theme = |t: &str| ids.iter().filter(|id| id.starts_with(t)).count();
        assert_eq!(
            [
                per_theme("A.5."),
                per_theme("A.6."),
                per_theme("A.7."),
                per_theme("A.8.")
            ],
            [37, 8, 14, 34]
        );
        let logging = known("iso27001:A.8.15");
        assert_eq!(logging.title, "Logging");
        assert_eq!(logging.group, "8 Technological controls");
        assert_eq!(known("iso27001:A.5.34").group, "5 Organizational controls");
        // Complete: an id the standard does not have is an error.
        assert_eq!(unknown("iso27001:A.8.35"), some("iso27001:A.8.34"));
        assert_eq!(unknown("iso27001:8.15"), some("iso27001:A.8.15"));
        assert_eq!(unknown("iso27001:a.8.15"), some("iso27001:A.8.15"));
        assert_eq!(unknown("iso27001:A.9.4.2"), None);
        // The 2013 edition's ids are not this edition's.
        unknown("iso27001:A.12.4.1");
        assert!(matches!(
            resolve("iso27k:A.8.15"),
            Resolution::BadReference { suggestion: Some(s), .. } if s == "iso27001"
        ));
    }

    #[test]
    fn resolve_atlas() {
        // The whole release, sorted by id: techniques then their subs.
        let ids: Vec<_> = controls(Framework::Atlas).map(|c| c.id).collect();
        assert!(ids.len() > 100, "{} techniques", ids.len());
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.iter().all(|id| atlas_well_formed(id)));
        assert_eq!(known("atlas:AML.T0056").title, "Extract LLM System Prompt");
        assert_eq!(
            known("atlas:AML.T0024").title,
            "Exfiltration via AI Inference API"
        );
        assert!(Framework::Atlas.version().starts_with(char::is_numeric));
        assert_eq!(known("atlas:AML.T0051").title, "LLM Prompt Injection");
        let direct = known("atlas:AML.T0051.000");
        assert_eq!(direct.kind, ControlKind::Technique);
        assert!(direct.title.ends_with("Direct"));
        assert!(known("atlas:AML.T0051.001").title.ends_with("Indirect"));
        known("atlas:AML.T0051.002");
        unlisted("atlas:AML.T0999");
        assert_eq!(unknown("atlas:T0051"), some("atlas:AML.T0051"));
        assert_eq!(unknown("atlas:aml.t0051.001"), some("atlas:AML.T0051.001"));
        assert_eq!(unknown("atlas:AML.T51"), some("atlas:AML.T0051"));
        assert_eq!(unknown("atlas:AML.T0051.1"), some("atlas:AML.T0051.001"));
        unknown("atlas:AML.TA0001");
        unknown("atlas:AML.T00510");
    }

    #[test]
    fn resolve_bad_references() {
        assert_eq!(bad("owasp:LLM01"), some("owasp-llm"));
        assert_eq!(bad("ISO42001:A.6.2.8"), some("iso42001"));
        assert_eq!(bad("iso-42001:A.6.2.8"), some("iso42001"));
        assert_eq!(bad("nist:MEASURE-2.7"), some("nist-ai-rmf"));
        assert_eq!(bad("nist:data-privacy"), some("nist-ai-600-1"));
        assert_eq!(bad("mitre:AML.T0051"), some("atlas"));
        assert_eq!(bad("eu-ai-ac:Art.12"), some("eu-ai-act"));
        assert_eq!(bad("foo:LLM01"), some("owasp-llm"));
        assert_eq!(bad("zzzzzz:qqq"), None);
        // Missing prefix: suggest the full reference when unambiguous.
        assert_eq!(bad("A.6.2.8"), some("iso42001:A.6.2.8"));
        assert_eq!(bad("LLM01"), some("owasp-llm:LLM01"));
        assert_eq!(bad("AML.T0051"), some("atlas:AML.T0051"));
        assert_eq!(bad("MEASURE-2.7"), some("nist-ai-rmf:MEASURE-2.7"));
        assert_eq!(bad(":LLM1"), some("owasp-llm:LLM01"));
        assert_eq!(bad("hello"), None);
        assert_eq!(bad(""), None);
        assert_eq!(bad("iso42001"), None);
        assert_eq!(bad("iso42001:"), None);
    }
}
