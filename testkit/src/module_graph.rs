//! The import graph of a crate's modules, read from its sources, and the circles in it.
//!
//! Every `crate::a::b`, `super::x` and `self::x` path a file mentions (in `use` groups
//! too: `use super::{a, b::c}`) is resolved to the module it names. An arrow from file
//! `F` to module `T` is an arrow between the two *siblings* under their closest common
//! module that hold them: `cloudwatch/logs.rs` using `crate::cloudwatch::paging` is
//! `logs → paging` inside `cloudwatch`; using `crate::redact` it is `cloudwatch →
//! redact` at the top. A module's own file (`mod.rs`, `lib.rs`) is its front door and
//! may use its children; a child using its parent's own items is no arrow between
//! siblings. Test modules (`tests`, `*_tests`, and inline `#[cfg(test)] mod … { … }`
//! blocks) are leaves nothing imports, free to use anything, and are left out. A circle
//! is a set of siblings that all reach each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path from the crate root (`["cloudwatch", "logs"]`; the root is `[]`).
pub type ModulePath = Vec<String>;

/// Child modules of `parent` that all reach each other through their imports (a
/// strongly connected part of the sibling graph), sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Circle {
    pub parent: ModulePath,
    pub members: Vec<String>,
}

impl std::fmt::Display for Circle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parent = if self.parent.is_empty() {
            "the crate root".to_owned()
        } else {
            format!("`{}`", self.parent.join("::"))
        };
        write!(
            f,
            "in {parent}, {} modules: {}",
            self.members.len(),
            self.members.join(", ")
        )
    }
}

/// Arrows between sibling modules, by their parent.
pub type Arrows = BTreeMap<ModulePath, BTreeMap<String, BTreeSet<String>>>;

/// The arrows between sibling modules of the crate whose sources are under `src`.
pub fn arrows(src: &Path) -> Arrows {
    let files = rust_files(src);
    let modules: BTreeSet<ModulePath> = files.iter().map(|f| module_of(src, f)).collect();
    let mut arrows = Arrows::new();
    for file in &files {
        let from = module_of(src, file);
        if from.iter().any(|m| m == "tests" || m.ends_with("_tests")) {
            continue; // a test module is a leaf: nothing imports it, it may use anything
        }
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for path in paths(&text) {
            let Some(to) = resolve(&from, &path, &modules) else {
                continue;
            };
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue; // a module and its own descendant or ancestor
            }
            arrows
                .entry(from[..common].to_vec())
                .or_default()
                .entry(from[common].clone())
                .or_default()
                .insert(to[common].clone());
        }
    }
    arrows
}

/// Every circle among sibling modules of the crate under `src`.
pub fn circles(src: &Path) -> Vec<Circle> {
    let mut found = Vec::new();
    for (parent, graph) in arrows(src) {
        for members in knots(&graph) {
            found.push(Circle {
                parent: parent.clone(),
                members,
            });
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn is_front_door(file: &Path) -> bool {
    matches!(
        file.file_name().and_then(|n| n.to_str()),
        Some("mod.rs" | "lib.rs" | "main.rs")
    )
}

/// `cloudwatch/logs.rs` → `[cloudwatch, logs]`; `cloudwatch/mod.rs` → `[cloudwatch]`;
/// `lib.rs` → `[]`; `bin/x.rs` and `main.rs` are roots of their own.
fn module_of(src: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if is_front_door(file) {
        parts.pop();
    }
    parts
}

/// The `crate::`, `super::` and `self::` paths in `text`'s code (line comments and
/// inline test modules are dropped), each as its segments, `use` groups expanded.
fn paths(text: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect();
    let code = without_inline_tests(&lines).join("\n");
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let starts_word = at == 0 || !is_ident(chars[at - 1]) && chars[at - 1] != ':';
        if starts_word
            && ["crate::", "super::", "self::"]
                .iter()
                .any(|k| has(&chars, at, k))
        {
            let (paths, end) = path_at(&chars, at);
            out.extend(paths);
            at = end.max(at + 1);
        } else {
            at += 1;
        }
    }
    out
}

/// `lines` without the inline modules gated by `#[cfg(test)]` (`mod tests { … }`): a
/// test module is a leaf, as a test file is. The block ends where its braces balance.
fn without_inline_tests<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let mut out = Vec::with_capacity(lines.len());
    let mut at = 0;
    while at < lines.len() {
        let gated = lines[at].trim() == "#[cfg(test)]";
        let next = lines.get(at + 1).map_or("", |l| l.trim());
        let inline_mod =
            next.trim_start_matches("pub(crate) ").starts_with("mod ") && next.ends_with('{');
        if !(gated && inline_mod) {
            out.push(lines[at]);
            at += 1;
            continue;
        }
        let mut depth = 0i64;
        at += 1;
        while at < lines.len() {
            depth += lines[at].matches('{').count() as i64;
            depth -= lines[at].matches('}').count() as i64;
            at += 1;
            if depth <= 0 {
                break;
            }
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn has(chars: &[char], at: usize, word: &str) -> bool {
    word.chars()
        .enumerate()
        .all(|(i, c)| chars.get(at + i) == Some(&c))
}

/// The paths a path expression starting at `at` names (several for a `{…}` group), and
/// where it ends.
fn path_at(chars: &[char], mut at: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    loop {
        while chars.get(at).is_some_and(|c| c.is_whitespace()) {
            at += 1;
        }
        if chars.get(at) == Some(&'{') {
            let mut out = Vec::new();
            at += 1;
            loop {
                while chars
                    .get(at)
                    .is_some_and(|c| c.is_whitespace() || *c == ',')
                {
                    at += 1;
                }
                match chars.get(at) {
                    None => return (out, at),
                    Some('}') => return (out, at + 1),
                    _ => {}
                }
                let (inner, end) = path_at(chars, at);
                for tail in inner {
                    let mut path = [prefix.clone(), tail].concat();
                    // `self` in a group (`use super::x::{self, y}`) names the group's module.
                    if path.len() > 1 && path.last().is_some_and(|s| s == "self") {
                        path.pop();
                    }
                    out.push(path);
                }
                at = end.max(at + 1);
            }
        }
        let start = at;
        while chars.get(at).is_some_and(|c| is_ident(*c)) {
            at += 1;
        }
        if at == start {
            return (vec![prefix], at);
        }
        prefix.push(chars[start..at].iter().collect());
        if has(chars, at, "::") {
            at += 2;
        } else {
            return (vec![prefix], at);
        }
    }
}

/// The module `path` (as written in a file of module `from`) names: its longest prefix
/// that is a module of the crate.
fn resolve(
    from: &ModulePath,
    path: &[String],
    modules: &BTreeSet<ModulePath>,
) -> Option<ModulePath> {
    // `self::` and `super::` are relative to the module whose file this is; a module's
    // own file (mod.rs) *is* that module, a leaf file is a child of its directory.
    let mut base: ModulePath = from.clone();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    let mut best = None;
    let mut candidate = base;
    for segment in rest {
        candidate.push(segment.clone());
        if modules.contains(&candidate) {
            best = Some(candidate.clone());
        } else {
            break;
        }
    }
    best
}

/// The strongly connected parts of `graph` with more than one module (Tarjan's
/// algorithm), each sorted, in the order of their first module.
fn knots(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a str) {
            let at = self.index.len();
            self.index.insert(node, at);
            self.low.insert(node, at);
            self.stack.push(node);
            for next in self.graph.get(node).into_iter().flatten() {
                if !self.index.contains_key(next.as_str()) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next.as_str()]);
                    self.low.insert(node, low);
                } else if self.stack.contains(&next.as_str()) {
                    let low = self.low[node].min(self.index[next.as_str()]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut part = Vec::new();
                while let Some(top) = self.stack.pop() {
                    part.push(top.to_owned());
                    if top == node {
                        break;
                    }
                }
                if part.len() > 1 {
                    part.sort();
                    self.found.push(part);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.found.sort();
    walk.found
}

#[cfg(test)]
mod tests;
