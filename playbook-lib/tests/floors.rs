//! The cell library is built in floors (`lib.rs`, "Floors"): the model (plain data), the
//! protocol over the model, the client over both, the render floor over the model; what
//! cells use directly (analysis, checks, display, …) sits above them. Read from the
//! sources by `playbook_testkit::module_graph`, as `import_circles.rs` reads every crate.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use playbook_testkit::module_graph::arrows;

/// Each floor and the floors it may use.
const FLOORS: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("protocol", &["model"]),
    ("client", &["model", "protocol"]),
    ("render", &["model"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn each_floor_uses_only_the_floors_below_it() {
    let arrows = arrows(&src());
    let top = arrows.get(&Vec::new()).cloned().unwrap_or_default();
    for (floor, allowed) in FLOORS {
        assert!(src().join(floor).is_dir(), "the `{floor}` floor is gone");
        for used in top.get(*floor).into_iter().flatten() {
            assert!(
                allowed.contains(&used.as_str()),
                "`{floor}` uses `{used}`: a floor uses only {allowed:?}"
            );
        }
    }
    // A module above the floors is in no floor's list, so no floor may use it.
}

#[test]
fn the_model_is_plain_data_that_neither_talks_nor_prints() {
    let mut files = Vec::new();
    rust_files(&src().join("model"), &mut files);
    assert!(files.len() > 10, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for io in [
            "println!",
            "std::env",
            "std::fs",
            "std::net",
            "std::os",
            "evcxr_display",
        ] {
            assert!(!text.contains(io), "{} uses `{io}`", file.display());
        }
    }
}

#[test]
fn every_result_writes_its_table_through_the_one_table() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    for file in files {
        if file.ends_with("render/table.rs") || file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for tag in ["<table", "<tr", "<td", "<th>"] {
            assert!(
                !code.contains(tag),
                "{} writes `{tag}` by hand: build a `render::Table`",
                file.display()
            );
        }
    }
}

/// `line` without its string literals' contents (a cell's source in a test names the
/// library's public paths, which are not the engine's imports).
fn without_strings(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in line.chars() {
        match (in_string, escaped, c) {
            (true, false, '\\') => escaped = true,
            (true, true, _) => escaped = false,
            (_, _, '"') => {
                in_string = !in_string;
                out.push(c);
            }
            (true, false, _) => {}
            (false, _, _) => out.push(c),
        }
    }
    out
}

/// The `playbook::NAME` paths in `text`'s code (not `playbook_other::`, not comments,
/// not string literals).
fn library_paths(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let line = without_strings(line);
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("playbook::") {
            let before = rest[..at].chars().last();
            rest = &rest[at + "playbook::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

#[test]
fn the_engine_names_only_the_model_and_the_protocol() {
    let engine = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine");
    let mut files = Vec::new();
    rust_files(&engine.join("src"), &mut files);
    rust_files(&engine.join("tests"), &mut files);
    assert!(files.len() > 20, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for name in library_paths(&text) {
            assert!(
                ["model", "protocol"].contains(&name.as_str()),
                "{} names `playbook::{name}`: the engine uses the model and the protocol only",
                file.display()
            );
        }
    }
}

#[test]
fn the_path_reader_sees_library_paths_only() {
    let text = "use playbook::model::series::Series; use playbook_testkit::x; // playbook::client\nlet s = ::playbook::protocol::Request::Context;\nassert!(cell.contains(\"::playbook::log_table::LogTable\"));";
    assert_eq!(
        library_paths(text),
        BTreeSet::from(["model".to_owned(), "protocol".to_owned()])
    );
}
