//! The kernel's modules point one way (ARCHITECTURE.md, "Invariants"): no import cycle
//! between its top-level modules, nor between the files of one module, and each
//! top-level module uses only the ones its place in the layering allows.
//!
//! Read from the sources: every `crate::NAME` and `super::NAME` path a file mentions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level module may use. `cli` (the front door) may use everything.
const ALLOWED: &[(&str, &[&str])] = &[
    ("jupyter", &[]),
    ("exit", &[]),
    ("redact", &[]),
    ("visible", &[]),
    ("queries", &["jupyter", "exit", "visible"]),
    ("actions", &["redact"]),
    ("cells", &["jupyter", "queries", "redact", "actions"]),
    ("server", &["cells", "jupyter"]),
    ("record", &["exit", "redact"]),
    ("report", &["record", "cells", "visible"]),
    (
        "deliver",
        &["record", "report", "exit", "redact", "visible"],
    ),
    (
        "run",
        &[
            "record", "deliver", "report", "cells", "jupyter", "exit", "redact", "visible",
            "actions",
        ],
    ),
    ("install", &["cells"]),
    ("scaffold", &[]),
    ("doctor", &["cells", "install", "exit", "visible"]),
    (
        "fleet",
        &[
            "run", "deliver", "record", "report", "cells", "exit", "redact", "visible", "actions",
        ],
    ),
    (
        "respond",
        &[
            "run", "deliver", "record", "cells", "exit", "redact", "visible", "actions",
        ],
    ),
];

/// The modules above the record (issue 26): siblings that use it, never used by it.
const ABOVE_THE_RECORD: [&str; 5] = ["run", "fleet", "respond", "report", "deliver"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `cells/host.rs` → ("cells", "host"); `cli.rs` → ("cli", "cli"); `cells/mod.rs` → ("cells", "mod").
fn module_of(path: &Path) -> (String, String) {
    let relative = path.strip_prefix(src()).expect("under src");
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    match parts.as_slice() {
        [file] => (file.clone(), file.clone()),
        [dir, file, ..] => (dir.clone(), file.clone()),
        [] => unreachable!("a file has a name"),
    }
}

/// The names following `prefix::` in `text` (code only: comments are dropped).
fn paths_after(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn has_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn top_level_modules_use_only_what_their_layer_allows() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let tops: BTreeSet<String> = files.iter().map(|f| module_of(f).0).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let (top, _) = module_of(file);
        let text = std::fs::read_to_string(file).expect("read");
        for used in paths_after(&text, "crate::") {
            if used != top && tops.contains(&used) {
                graph.entry(top.clone()).or_default().insert(used);
            }
        }
    }
    assert_eq!(
        has_cycle(&graph),
        None,
        "an import cycle between top-level modules"
    );
    for (module, uses) in &graph {
        let Some((_, allowed)) = ALLOWED.iter().find(|(m, _)| m == module) else {
            assert!(
                ["cli", "lib", "main"].contains(&module.as_str()),
                "`{module}` is not in ALLOWED: place it in the layering"
            );
            continue;
        };
        for used in uses {
            assert!(
                allowed.contains(&used.as_str()),
                "`{module}` uses `{used}`, which its layer does not allow ({allowed:?})"
            );
        }
    }
}

#[test]
fn the_record_sits_below_run_fleet_report_and_deliver() {
    let allowed = |module: &str| {
        ALLOWED
            .iter()
            .find(|(m, _)| *m == module)
            .map(|(_, uses)| *uses)
            .unwrap_or_else(|| panic!("`{module}` is not in ALLOWED"))
    };
    for above in ABOVE_THE_RECORD {
        assert!(
            !allowed("record").contains(&above),
            "`record` may not use `{above}`"
        );
        assert!(
            allowed(above).contains(&"record"),
            "`{above}` sits above `record`"
        );
    }
    // What the record's files name, read from the sources (as the layering test does).
    let mut files = Vec::new();
    rust_files(&src().join("record"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let used = paths_after(&text, "crate::");
        for above in ABOVE_THE_RECORD {
            assert!(
                !used.contains(above),
                "{} uses `crate::{above}`: the record sits below it",
                file.display()
            );
        }
    }
}

#[test]
fn the_files_of_each_module_have_no_import_cycle() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut by_module: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in &files {
        let (top, name) = module_of(file);
        if top == name || name == "mod" {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("read");
        let mut uses = paths_after(&text, "super::");
        uses.extend(
            paths_after(&text, &format!("crate::{top}::"))
                .into_iter()
                .filter(|used| *used != name),
        );
        uses.remove(&name);
        by_module.entry(top).or_default().insert(name, uses);
    }
    for (module, graph) in &by_module {
        assert_eq!(
            has_cycle(graph),
            None,
            "an import cycle between the files of `{module}`"
        );
    }
}

#[test]
fn the_path_reader_sees_code_not_comments() {
    let text = "use crate::cells::Kernel; // crate::server is not used\nlet x = supercrate::y;";
    assert_eq!(
        paths_after(text, "crate::"),
        BTreeSet::from(["cells".to_owned()])
    );
}
