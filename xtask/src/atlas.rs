//! `cargo xtask atlas <ATLAS.yaml>`: the MITRE ATLAS techniques the control
//! catalogue lists, from a release of the ATLAS data repository
//! (<https://github.com/mitre-atlas/atlas-data>, `dist/ATLAS.yaml`).
//!
//! Writes `policy-compiler/src/catalogue/atlas.tsv`: a `# release` line,
//! then one technique per line, `id<TAB>name`, sorted by id. The catalogue
//! reads that file at build time, so updating ATLAS is this command and a
//! review of the diff; nothing is fetched at build or test time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use saphyr::{LoadableYamlNode, Yaml};

/// Where the catalogue reads the techniques from.
pub const OUTPUT: &str = "policy-compiler/src/catalogue/atlas.tsv";

pub fn update(root: &Path, source: Option<&str>) -> Result<()> {
    let Some(source) = source else {
        bail!(
            "usage: cargo xtask atlas <path to dist/ATLAS.yaml of a mitre-atlas/atlas-data release>"
        );
    };
    let text = std::fs::read_to_string(source).with_context(|| format!("reading {source}"))?;
    let tsv = convert(&text).with_context(|| format!("reading {source}"))?;
    let out = root.join(OUTPUT);
    std::fs::write(&out, tsv).with_context(|| format!("writing {}", out.display()))?;
    println!("wrote {OUTPUT}");
    Ok(())
}

fn convert(text: &str) -> Result<String> {
    let docs = Yaml::load_from_str(text).context("not YAML")?;
    let doc = docs.first().context("empty document")?;
    let version = doc
        .as_mapping_get("version")
        .and_then(Yaml::as_str)
        .context("no `version`")?;
    let matrices = doc
        .as_mapping_get("matrices")
        .and_then(Yaml::as_vec)
        .context("no `matrices`")?;
    let mut techniques = BTreeMap::new();
    for matrix in matrices {
        let list = matrix
            .as_mapping_get("techniques")
            .and_then(Yaml::as_vec)
            .context("a matrix without `techniques`")?;
        for technique in list {
            let field = |name: &str| technique.as_mapping_get(name).and_then(Yaml::as_str);
            let (Some(id), Some(name)) = (field("id"), field("name")) else {
                bail!("a technique without `id` or `name`");
            };
            if id.contains(['\t', '\n']) || name.contains(['\t', '\n']) {
                bail!("technique {id}: tab or line break in its id or name");
            }
            techniques.insert(id.to_owned(), name.trim().to_owned());
        }
    }
    if techniques.is_empty() {
        bail!("no techniques");
    }
    let mut tsv = format!(
        "# MITRE ATLAS {version}: technique ids and names from dist/ATLAS.yaml of\n\
         # github.com/mitre-atlas/atlas-data (Apache-2.0). Written by\n\
         # `cargo xtask atlas`; do not edit by hand.\n"
    );
    for (id, name) in &techniques {
        // A sub-technique's own name ("Direct") only reads in its parent's
        // context, and reports show it alone.
        match id
            .rsplit_once('.')
            .and_then(|(parent, _)| techniques.get(parent))
        {
            Some(parent) => writeln!(tsv, "{id}\t{parent}: {name}")?,
            None => writeln!(tsv, "{id}\t{name}")?,
        }
    }
    Ok(tsv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn techniques_of_every_matrix_sorted_by_id() {
        let yaml = "id: ATLAS\nversion: 9.1.0\nmatrices:\n- id: A\n  techniques:\n  - id: AML.T0054\n    name: LLM Jailbreak\n  - id: AML.T0051.000\n    name: Direct\n- id: B\n  techniques:\n  - id: AML.T0051\n    name: '  LLM Prompt Injection '\n";
        let tsv = convert(yaml).unwrap_or_default();
        let body: Vec<&str> = tsv.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(tsv.starts_with("# MITRE ATLAS 9.1.0:"));
        assert_eq!(
            body,
            [
                "AML.T0051\tLLM Prompt Injection",
                "AML.T0051.000\tLLM Prompt Injection: Direct",
                "AML.T0054\tLLM Jailbreak"
            ]
        );
    }

    #[test]
    fn a_file_without_techniques_is_an_error() {
        assert!(convert("id: ATLAS\nversion: '1.0'\nmatrices: []\n").is_err());
        assert!(convert("id: ATLAS\nmatrices: []\n").is_err());
    }
}
