//! `cargo xtask cycles` (part of `ci`): no two files of a crate import each
//! other in a loop, in non-test code.
//!
//! Layers only stay layers while nothing lower reaches up: a loop of
//! imports is where one behaviour ends up in two places. Each source file
//! is a module; an import is any `crate::…`, `super::…` or `self::…` path
//! (in `use` lines, braces expanded, or inline) that names an item of
//! another file. `mod` declarations are not imports, and items under
//! `#[cfg(test)]` are left out: tests may reach anywhere. A loop is a
//! strongly connected set of files, found with Tarjan's algorithm.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The crates' source roots, relative to the repository.
const CRATES: &[&str] = &[
    "engine/src",
    "policy-compiler/src",
    "filter/src",
    "edge/src",
    "host-test/src",
    "benches/src",
    "xtask/src",
];

/// Checks every crate; fails listing each loop.
pub fn check(root: &Path) -> Result<()> {
    let mut loops = Vec::new();
    for dir in CRATES {
        // A library's binaries under `src/bin/<name>/` are crates of their
        // own: their `crate::` is the binary's main.rs.
        let mut roots = vec![dir.to_string()];
        if let Ok(bins) = std::fs::read_dir(root.join(dir).join("bin")) {
            for bin in bins {
                let bin = bin?.path();
                if bin.is_dir() {
                    let name = bin.file_name().unwrap_or_default().to_string_lossy();
                    roots.push(format!("{dir}/bin/{name}"));
                }
            }
        }
        for crate_dir in roots {
            for cycle in crate_cycles(&root.join(&crate_dir))? {
                loops.push(format!("{crate_dir}: {}", cycle.join(" → ")));
            }
        }
    }
    if !loops.is_empty() {
        bail!(
            "{} import loop(s) in non-test code:\n  {}",
            loops.len(),
            loops.join("\n  ")
        );
    }
    eprintln!("cycles: no import loops in {} crates", CRATES.len());
    Ok(())
}

/// The loops of one crate, each as its files' module paths.
fn crate_cycles(src: &Path) -> Result<Vec<Vec<String>>> {
    let mut files = Vec::new();
    collect(src, &src.join("bin"), &mut files)?;
    // Module path (`codec::sse`; `` for the crate root) → file text.
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        modules.insert(module_path(src, file), strip_tests(&text));
    }
    let names: Vec<&String> = modules.keys().collect();
    let index: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); names.len()];
    for (from, (module, text)) in modules.iter().enumerate() {
        for path in imported_paths(text) {
            let Some(absolute) = absolute(module, &path, &index) else {
                continue;
            };
            let target = owner(&absolute, &index);
            if target != from {
                edges[from].insert(target);
            }
        }
    }
    Ok(tarjan(&edges)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let mut names: Vec<String> = scc.iter().map(|&i| display(names[i])).collect();
            names.sort();
            names
        })
        .collect())
}

fn display(module: &str) -> String {
    if module.is_empty() {
        "crate root".to_owned()
    } else {
        module.to_owned()
    }
}

/// The crate's source files, leaving out `bins` (`src/bin/`: binaries are
/// crates of their own).
fn collect(dir: &Path, bins: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            if path != bins {
                collect(&path, bins, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `src/codec/sse.rs` → `codec::sse`; `src/codec/mod.rs` → `codec`;
/// `src/lib.rs` and `src/main.rs` → the root; `src/bin/x.rs` → `bin::x`.
fn module_path(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod")) {
        parts.pop();
    }
    if parts.len() == 1 && matches!(parts[0].as_str(), "lib" | "main") {
        parts.clear();
    }
    parts.join("::")
}

/// The text without comments, string contents, and items under
/// `#[cfg(test)]` (the attribute's item, up to its closing brace or `;`).
fn strip_tests(text: &str) -> String {
    let code = strip_comments_and_strings(text);
    let mut out = String::with_capacity(code.len());
    let mut rest = code.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        rest = &rest[at + "#[cfg(test)]".len()..];
        // Skip the item: to the `;` or the brace that closes its block.
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Blanks comments and the contents of string and char literals, so that
/// neither braces nor paths inside them count.
fn strip_comments_and_strings(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            i += end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            i += end;
        } else if let Some(hashes) = raw_string_start(rest) {
            // r#"…"#: ends at a quote followed by as many hashes.
            let open = 2 + hashes;
            let close = format!("\"{}", "#".repeat(hashes));
            let end = rest[open..]
                .find(&close)
                .map_or(rest.len(), |e| open + e + close.len());
            out.push_str("\"\"");
            i += end;
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() {
                match rest.as_bytes()[j] {
                    b'\\' => j += 2,
                    b'"' => break,
                    _ => j += 1,
                }
            }
            out.push_str("\"\"");
            i += (j + 1).min(rest.len());
        } else if let Some(len) = char_literal(rest) {
            out.push_str("' '");
            i += len;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `r"`, `r#"`, `br##"`…: the number of hashes, when `text` starts a raw
/// string.
fn raw_string_start(text: &str) -> Option<usize> {
    let text = text.strip_prefix('b').unwrap_or(text);
    let text = text.strip_prefix('r')?;
    let hashes = text.len() - text.trim_start_matches('#').len();
    text[hashes..].starts_with('"').then_some(hashes)
}

/// The length of a char literal at the start of `text` (`'{'`, `'\''`,
/// `'\u{1F600}'`), but not a lifetime (`'a`).
fn char_literal(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('\'')?;
    if let Some(escaped) = rest.strip_prefix('\\') {
        let end = escaped.find('\'')?;
        return Some(2 + end + 1);
    }
    let c = rest.chars().next()?;
    rest[c.len_utf8()..]
        .starts_with('\'')
        .then_some(1 + c.len_utf8() + 1)
}

/// Every `use` path, braces expanded (`use crate::a::{b, c::d}` →
/// `crate::a::b`, `crate::a::c::d`), and every inline path that starts at
/// `crate`, `super` or `self`.
fn imported_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    // `use` declarations, braces and all.
    let mut rest = code;
    while let Some(at) = find_word(rest, "use") {
        let after = &rest[at + 3..];
        let end = after.find(';').unwrap_or(after.len());
        // `a as b` keeps its path: the alias becomes `@b`, then goes.
        let tree: String = after[..end]
            .replace(" as ", "@")
            .split_whitespace()
            .collect();
        expand(&tree, "", &mut paths);
        rest = &after[end..];
    }
    // Inline paths: `crate::x::f()`, `super::y::Z`.
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start) {
            let begin = from + at;
            from = begin + start.len();
            let before = code[..begin].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = code[begin..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            paths.push(path.trim_end_matches(':').to_owned());
        }
    }
    paths
}

/// Where `word` occurs as a whole word.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find(word) {
        let begin = from + at;
        let before = text[..begin].chars().next_back();
        let after = text[begin + word.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if boundary(before) && after.is_some_and(char::is_whitespace) {
            return Some(begin);
        }
        from = begin + word.len();
    }
    None
}

/// Expands one `use` tree (whitespace removed) under `prefix`.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let join = |p: &str, s: &str| {
        if p.is_empty() {
            s.to_owned()
        } else if s.is_empty() || s == "self" {
            p.to_owned()
        } else {
            format!("{p}::{s}")
        }
    };
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree);
        let path = path.split('@').next().unwrap_or(path);
        out.push(join(prefix, path.trim_end_matches("::")));
        return;
    };
    let head = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let base = join(prefix, head);
    // Split the inner list at top-level commas.
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                expand(&inner[start..i], &base, out);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < inner.len() {
        expand(&inner[start..], &base, out);
    }
}

/// `path` as seen from `module`, made absolute (without `crate`); `None`
/// for paths that leave the crate. A path that starts with a child module
/// of `module` (`use inspect::Engine` in lib.rs) is relative to it.
fn absolute(module: &str, path: &str, modules: &BTreeMap<&str, usize>) -> Option<Vec<String>> {
    let mut parts = path.split("::").filter(|p| !p.is_empty()).peekable();
    let mut base: Vec<String> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_owned).collect()
    };
    let first = *parts.peek()?;
    let child = if module.is_empty() {
        first.to_owned()
    } else {
        format!("{module}::{first}")
    };
    if !matches!(first, "crate" | "self" | "super") && modules.contains_key(child.as_str()) {
        base.extend(parts.map(str::to_owned));
        return Some(base);
    }
    match parts.next()? {
        "crate" => base.clear(),
        "self" => {}
        "super" => {
            base.pop()?;
            // `super::super::…`
            let rest: Vec<&str> = parts.collect();
            let mut i = 0;
            while rest.get(i) == Some(&"super") {
                base.pop()?;
                i += 1;
            }
            base.extend(rest[i..].iter().map(|s| (*s).to_owned()));
            return Some(base);
        }
        _ => return None,
    }
    base.extend(parts.map(str::to_owned));
    Some(base)
}

/// The file that owns `path`: the longest prefix that is a module.
fn owner(path: &[String], index: &BTreeMap<&str, usize>) -> usize {
    for len in (0..=path.len()).rev() {
        let module = path[..len].join("::");
        if let Some(&i) = index.get(module.as_str()) {
            return i;
        }
    }
    index.get("").copied().unwrap_or(0)
}

/// Strongly connected components (Tarjan, iterative).
fn tarjan(edges: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut out = Vec::new();
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // (node, its successors still to visit)
        let mut work: Vec<(usize, Vec<usize>)> = Vec::new();
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        work.push((root, edges[root].iter().copied().collect()));
        while let Some((node, pending)) = work.last_mut() {
            let node = *node;
            if let Some(succ) = pending.pop() {
                if index[succ] == usize::MAX {
                    index[succ] = next;
                    low[succ] = next;
                    next += 1;
                    stack.push(succ);
                    on_stack[succ] = true;
                    work.push((succ, edges[succ].iter().copied().collect()));
                } else if on_stack[succ] {
                    low[node] = low[node].min(index[succ]);
                }
                continue;
            }
            work.pop();
            if let Some((parent, _)) = work.last() {
                low[*parent] = low[*parent].min(low[node]);
            }
            if low[node] == index[node] {
                let mut scc = Vec::new();
                while let Some(top) = stack.pop() {
                    on_stack[top] = false;
                    scc.push(top);
                    if top == node {
                        break;
                    }
                }
                out.push(scc);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_expand_and_resolve_to_files() {
        let mut out = Vec::new();
        expand("crate::a::{b,c::{d,e},self}", "", &mut out);
        assert_eq!(
            out,
            [
                "crate::a::b",
                "crate::a::c::d",
                "crate::a::c::e",
                "crate::a"
            ]
        );
        let modules = BTreeMap::from([("", 0), ("codec", 1), ("codec::openai", 2)]);
        assert_eq!(
            absolute("codec::sse", "super::openai::f", &modules),
            Some(vec!["codec".into(), "openai".into(), "f".into()])
        );
        assert_eq!(
            absolute("", "codec::Api", &modules),
            Some(vec!["codec".into(), "Api".into()])
        );
        assert_eq!(absolute("x", "std::io", &modules), None);
        let mut out = Vec::new();
        expand("crate::a::{b as c,d}", "", &mut out);
        assert_eq!(out, ["crate::a::b", "crate::a::d"]);
    }

    #[test]
    fn tests_comments_and_strings_do_not_count() {
        let code = "use crate::a;\n// use crate::b;\nfn f() { let s = \"crate::c\"; }\n#[cfg(test)]\nmod tests { use crate::d; fn g() { '{'; } }\nuse crate::e;";
        let paths = imported_paths(&strip_tests(code));
        assert_eq!(paths, ["crate::a", "crate::e", "crate::a", "crate::e"]);
    }

    #[test]
    fn a_loop_is_found_and_a_chain_is_not() {
        let edges = vec![
            BTreeSet::from([1]),
            BTreeSet::from([2]),
            BTreeSet::from([0]),
            BTreeSet::from([0]),
        ];
        let loops: Vec<_> = tarjan(&edges).into_iter().filter(|s| s.len() > 1).collect();
        assert_eq!(loops.len(), 1);
        assert_eq!(loops[0].len(), 3);
    }
}
