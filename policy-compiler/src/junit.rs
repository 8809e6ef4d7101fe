//! What a JUnit report of `aimsgate test` says about the design of the
//! controls: which policy test cases exercise which rules and controls,
//! and whether they passed.
//!
//! `aimsgate test --junit` writes, in each suite's `<properties>`, one
//! property per case named [`EXERCISES`]`<case name>` whose value lists
//! what the case's expectations name: `rule:<id>` and `control:<ref>`,
//! separated by spaces. Properties are the one place both JUnit schemas
//! CI systems check (Ant's and the Jenkins xUnit plugin's) allow data of
//! our own, so the report stays valid for them. [`read`] reads such a
//! report back; a case without the property (a report of another tool)
//! is kept, exercising nothing.

use std::collections::HashMap;

/// Prefix of the property naming what a case exercises.
pub const EXERCISES: &str = "aimsgate.exercises:";

/// How a test case ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every expectation held.
    Passed,
    /// An expectation did not hold.
    Failed,
    /// The case could not be judged.
    Errored,
    /// Not run.
    Skipped,
}

/// One test case of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    /// The suite (the test file).
    pub suite: String,
    /// The case's name.
    pub name: String,
    /// How it ended.
    pub verdict: Verdict,
    /// Rule ids its expectations name.
    pub rules: Vec<String>,
    /// Control references its expectations name.
    pub controls: Vec<String>,
}

/// The value of the [`EXERCISES`] property of a case.
pub fn exercises_value(rules: &[String], controls: &[String]) -> String {
    rules
        .iter()
        .map(|r| format!("rule:{r}"))
        .chain(controls.iter().map(|c| format!("control:{c}")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads the test cases of a JUnit XML report (`<testsuites>` or a single
/// `<testsuite>`).
pub fn read(xml: &str) -> Result<Vec<TestCase>, String> {
    let document = roxmltree::Document::parse(xml).map_err(|e| format!("not XML: {e}"))?;
    let root = document.root_element();
    let suites: Vec<roxmltree::Node<'_, '_>> = match root.tag_name().name() {
        "testsuites" => root
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect(),
        "testsuite" => vec![root],
        other => return Err(format!("not a JUnit report: the root element is <{other}>")),
    };
    let mut cases = Vec::new();
    for suite in suites {
        let suite_name = suite.attribute("name").unwrap_or_default().to_owned();
        let mut exercises: HashMap<&str, &str> = HashMap::new();
        for property in suite
            .children()
            .filter(|n| n.has_tag_name("properties"))
            .flat_map(|n| n.children())
            .filter(|n| n.has_tag_name("property"))
        {
            if let (Some(name), Some(value)) =
                (property.attribute("name"), property.attribute("value"))
                && let Some(case) = name.strip_prefix(EXERCISES)
            {
                exercises.insert(case, value);
            }
        }
        for case in suite.children().filter(|n| n.has_tag_name("testcase")) {
            let name = case.attribute("name").unwrap_or_default().to_owned();
            let outcome = |tag: &str| case.children().any(|n| n.has_tag_name(tag));
            let verdict = if outcome("error") {
                Verdict::Errored
            } else if outcome("failure") {
                Verdict::Failed
            } else if outcome("skipped") {
                Verdict::Skipped
            } else {
                Verdict::Passed
            };
            let (mut rules, mut controls) = (Vec::new(), Vec::new());
            for token in exercises
                .get(name.as_str())
                .copied()
                .unwrap_or_default()
                .split_whitespace()
            {
                if let Some(rule) = token.strip_prefix("rule:") {
                    rules.push(rule.to_owned());
                } else if let Some(control) = token.strip_prefix("control:") {
                    controls.push(control.to_owned());
                }
            }
            cases.push(TestCase {
                suite: suite_name.clone(),
                name,
                verdict,
                rules,
                controls,
            });
        }
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_read_back_with_what_they_exercise() {
        let value = exercises_value(&["a".into(), "b".into()], &["iso42001:A.6.2.6".into()]);
        let xml = format!(
            r#"<?xml version="1.0"?><testsuites><testsuite name="t.yaml">
<properties><property name="policy" value="p"/><property name="{EXERCISES}blocks a &amp; b" value="{value}"/></properties>
<testcase classname="t.yaml" name="blocks a &amp; b"/>
<testcase classname="t.yaml" name="other"><failure type="expectation" message="m">m</failure></testcase>
</testsuite></testsuites>"#
        );
        let cases = read(&xml).unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].name, "blocks a & b");
        assert_eq!(cases[0].verdict, Verdict::Passed);
        assert_eq!(cases[0].rules, ["a", "b"]);
        assert_eq!(cases[0].controls, ["iso42001:A.6.2.6"]);
        assert_eq!(cases[1].verdict, Verdict::Failed);
        assert!(cases[1].rules.is_empty());
        assert!(read("<html/>").unwrap_err().contains("<html>"));
        assert!(read("not xml").is_err());
    }
}
