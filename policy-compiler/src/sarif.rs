//! `aimsgate check --format sarif`: a policy's diagnostics as a SARIF
//! 2.1.0 log, so code scanning (GitHub, GitLab, Azure DevOps) annotates the
//! policy file at the offending line.
//!
//! GitHub's ingestion is the strictest consumer, and the SARIF Multitool's
//! GitHub rules (`validate --rule-kind Gh`) spell out what it needs; the log
//! follows them and the SARIF 2.1.0 schema (both checked in CI):
//!
//! - The file is named relative to the repository root, as GitHub matches
//!   it against the checkout: `uriBaseId` `%SRCROOT%`, which
//!   `originalUriBaseIds` defines as the absolute root. The root is the
//!   nearest directory above the file holding `.git`, else the working
//!   directory ([`Artifact::locate`]). URIs are percent-encoded (a space or
//!   an accented letter in a path is not a valid URI character).
//! - Columns count Unicode code points, as [`line_col`] does, and the log
//!   says so (`columnKind`): SARIF's default is UTF-16 code units, which
//!   differ after any character outside the Basic Multilingual Plane.
//! - Each result has a `partialFingerprints` entry computed from its rule
//!   and message but not its position, so an alert keeps its identity (and
//!   its dismissal) when lines are inserted above it.
//! - Every diagnostic code is a rule of the `aimsgate` tool, described and
//!   explained from [`Code::description`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::diagnostics::{Code, Diagnostics, Level, line_col};

/// The SARIF schema a log names (the OASIS standard's, errata 01).
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `uriBaseId` of the source root.
pub const SRCROOT: &str = "%SRCROOT%";

/// The `partialFingerprints` key of aimsgate's own fingerprint; versioned,
/// as SARIF recommends, so a change of recipe is a new key.
pub const FINGERPRINT: &str = "aimsgate/v1";

/// Where the checked file is, as the log names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The source root `%SRCROOT%` stands for (absolute), when the file is
    /// under it.
    pub root: Option<PathBuf>,
    /// The file: relative to `root` when there is one, else absolute.
    pub path: PathBuf,
}

impl Artifact {
    /// Locates `file` (as given on the command line, relative to `cwd`).
    /// The root is the nearest directory above the file holding `.git` (a
    /// directory in a clone, a file in a worktree), else `cwd`; a file
    /// outside the root is named by its absolute path. Symbolic links are
    /// resolved first, so the path under the root is the one git knows.
    pub fn locate(file: &Path, cwd: &Path) -> Artifact {
        let canonical = |p: PathBuf| std::fs::canonicalize(&p).unwrap_or(p);
        let file = canonical(cwd.join(file));
        let root = file
            .ancestors()
            .skip(1)
            .find(|dir| dir.join(".git").exists())
            .map_or_else(|| canonical(cwd.to_path_buf()), Path::to_path_buf);
        match file.strip_prefix(&root) {
            Ok(relative) => Artifact {
                path: relative.to_path_buf(),
                root: Some(root),
            },
            Err(_) => Artifact {
                root: None,
                path: file,
            },
        }
    }

    /// The file's `artifactLocation`.
    fn location(&self) -> Value {
        match &self.root {
            Some(_) => json!({"uri": uri_path(&self.path), "uriBaseId": SRCROOT}),
            None if self.path.is_absolute() => json!({"uri": file_uri(&self.path, false)}),
            None => json!({"uri": uri_path(&self.path)}),
        }
    }
}

/// The diagnostics of one file as a SARIF 2.1.0 log. Every diagnostic code
/// found becomes a rule of the `aimsgate` tool.
pub fn log(report: &Diagnostics, artifact: &Artifact) -> Value {
    let mut codes: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
    codes.sort_unstable_by_key(|c| c.as_str());
    codes.dedup();
    let rules: Vec<Value> = codes.iter().map(|code| rule(*code)).collect();
    // How many results with the same rule and message came before: the
    // fingerprint tells such twins apart without using their position.
    let mut seen: HashMap<(Code, &str), usize> = HashMap::new();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let twin = seen.entry((d.code, d.message.as_str())).or_default();
            let fingerprint = fingerprint(d.code, &d.message, *twin);
            *twin += 1;
            let mut message = sentence(&d.message);
            if let Some(help) = &d.help {
                message.push(' ');
                message.push_str(&sentence(help));
            }
            let mut physical = json!({"artifactLocation": artifact.location()});
            if let Some(span) = &d.span {
                let start = line_col(&report.text, span.start);
                let end = line_col(&report.text, span.end.max(span.start));
                // `endColumn` is exclusive; an empty span still covers one
                // character so that the annotation shows.
                let end_column = if end.line == start.line {
                    end.column.max(start.column + 1)
                } else {
                    end.column
                };
                physical["region"] = json!({
                    "startLine": start.line,
                    "startColumn": start.column,
                    "endLine": end.line,
                    "endColumn": end_column,
                });
            }
            json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": codes.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": d.level.as_str(),
                "message": {"text": message},
                "locations": [{"physicalLocation": physical}],
                "partialFingerprints": {FINGERPRINT: fingerprint},
            })
        })
        .collect();
    let mut run = json!({
        "tool": {"driver": {
            "name": "aimsgate",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": env!("CARGO_PKG_REPOSITORY"),
            "rules": rules,
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(root) = &artifact.root {
        run["originalUriBaseIds"] = json!({
            SRCROOT: {
                "uri": file_uri(root, true),
                "description": {"text": "The repository root."},
            }
        });
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    })
}

/// One `reportingDescriptor`: the code's description and what to do.
fn rule(code: Code) -> Value {
    let description = code.description();
    let consequence = match code.level() {
        Level::Error => "It is an error: the policy does not compile until it is fixed.",
        Level::Warning => "It is a warning: it fails `aimsgate check --strict` only.",
    };
    let fix = "Each result's message says what was found and, where one exists, how to fix it; \
               `aimsgate check` prints the same with the source line underlined.";
    let help = format!("{description} {consequence} {fix}");
    json!({
        "id": code.as_str(),
        "name": pascal_case(code.as_str()),
        "shortDescription": {"text": plain(description)},
        "fullDescription": {"text": plain(description), "markdown": description},
        "help": {"text": plain(&help), "markdown": help},
        "defaultConfiguration": {"level": code.level().as_str()},
    })
}

/// A stable hash of a result's rule and message (and how many twins came
/// before it), hex: the same finding hashes the same wherever it moves.
fn fingerprint(code: Code, message: &str, twin: usize) -> String {
    let mut hash = Sha256::new();
    hash.update(code.as_str());
    hash.update([0]);
    hash.update(message);
    hash.update([0]);
    hash.update(twin.to_string());
    hash.finalize().iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// `unknown-control` → `UnknownControl` (SARIF's convention for a rule's
/// friendly name).
fn pascal_case(code: &str) -> String {
    code.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// Markdown's code spans as plain text.
fn plain(markdown: &str) -> String {
    markdown.replace('`', "'")
}

/// `text` ending with a full stop, as SARIF messages should.
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

/// A path as a URI path: `/`-separated, each segment percent-encoded.
fn uri_path(path: &Path) -> String {
    let mut segments: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            // A Windows drive (`C:`) stays as it is: `file:///C:/…`.
            Component::Prefix(prefix) => {
                segments.push(prefix.as_os_str().to_string_lossy().replace('\\', "/"));
            }
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => segments.push("..".to_owned()),
            Component::Normal(name) => segments.push(percent_encode(&name.to_string_lossy())),
        }
    }
    segments.join("/")
}

/// An absolute path as a `file:` URI; a directory's ends with `/`, as
/// SARIF requires of a base URI.
fn file_uri(path: &Path, directory: bool) -> String {
    let mut uri = format!("file:///{}", uri_path(path));
    if directory && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Percent-encodes all but RFC 3986's unreserved characters, byte by byte
/// of the UTF-8: a path segment that any URI parser reads back unchanged.
fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded_per_segment() {
        assert_eq!(
            uri_path(Path::new("policies/my policy/pólicy.yaml")),
            "policies/my%20policy/p%C3%B3licy.yaml"
        );
        assert_eq!(uri_path(Path::new("./a/../b.yaml")), "a/../b.yaml");
        assert_eq!(
            file_uri(Path::new("/srv/re po"), true),
            "file:///srv/re%20po/"
        );
        assert_eq!(file_uri(Path::new("/"), true), "file:///");
        assert_eq!(
            file_uri(Path::new("/a/b#c.yaml"), false),
            "file:///a/b%23c.yaml"
        );
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("unknown-control"), "UnknownControl");
        assert_eq!(pascal_case("syntax"), "Syntax");
    }

    #[test]
    fn fingerprints_ignore_position_but_not_rule_message_or_twin() {
        let a = fingerprint(Code::UnknownControl, "x", 0);
        assert_eq!(a, fingerprint(Code::UnknownControl, "x", 0));
        assert_ne!(a, fingerprint(Code::BadControl, "x", 0));
        assert_ne!(a, fingerprint(Code::UnknownControl, "y", 0));
        assert_ne!(a, fingerprint(Code::UnknownControl, "x", 1));
        assert_eq!(a.len(), 64);
    }
}
