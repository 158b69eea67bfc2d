//! Redaction by construction (ARCHITECTURE.md, "Invariants"), checked from the sources:
//! only `redact/` constructs a `Redacted<T>`, so whatever takes one (the record writer, a
//! notification, a log line) was handed text that passed the redactor.
//!
//! A compile-fail test would need trybuild (a new dependency): this reads the sources, as
//! `module_arrows.rs` does. Comments are dropped; test modules (`#[cfg(test)]` to the end
//! of a file) are not shipped code and are left out.

use std::path::{Path, PathBuf};

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

/// A file's shipped code: comments dropped, its test module left out.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read");
    let shipped = text.split("#[cfg(test)]\nmod ").next().unwrap_or("");
    shipped
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `path` relative to `src/`, with `/` separators.
fn relative(path: &Path) -> String {
    let relative = path.strip_prefix(src()).expect("under src");
    relative.to_string_lossy().replace('\\', "/")
}

/// The files outside `allowed` (prefixes of paths under `src/`) whose code mentions one
/// of `needles`.
fn mentions(needles: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut found = Vec::new();
    for file in files {
        let name = relative(&file);
        if allowed.iter().any(|a| name.starts_with(a)) {
            continue;
        }
        let code = code(&file);
        for needle in needles {
            if code.contains(needle) {
                found.push(format!("{name}: {needle}"));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn unredacted_string_cannot_reach_the_writer() {
    let constructors = [
        "Redacted(",
        "Redacted {",
        "Redacted::new",
        "Redacted::<",
        "__composed",
    ];
    assert_eq!(
        mentions(&constructors, &["redact/"]),
        Vec::<String>::new(),
        "only redact/ constructs a Redacted<T>: pass the value through a Redactor \
         (text, name, json) instead"
    );
}

/// Files that write what is not a record, report, summary or fleet file, and why.
const OTHER_WRITES: &[&str] = &[
    // The cell caches: build directories, the template, its member index, compiled cells.
    "cells/",
    // The kernelspec.
    "install.rs",
    // A new notebook from `playbook new`: a template, never a record (created, not replaced).
    "scaffold/",
    // A fleet target's log: append-only lines, each a `Redacted<String>` (`Progress::log`).
    "run/progress.rs",
];

#[test]
fn the_record_writer_is_the_only_local_write_path_for_records() {
    let writes = [
        "fs::write(",
        "File::create",
        "File::options",
        "OpenOptions",
        "fs::rename(",
        ".set_permissions(",
    ];
    let mut allowed = vec!["record/writer.rs"];
    allowed.extend(OTHER_WRITES);
    assert_eq!(
        mentions(&writes, &allowed),
        Vec::<String>::new(),
        "records, reports, summaries and fleet files are written by record/writer.rs"
    );
}

#[test]
fn s3_record_goes_through_the_writer() {
    assert_eq!(
        mentions(&["put_object"], &["record/writer.rs"]),
        Vec::<String>::new(),
        "an S3 object is written by record::writer::Writer::write"
    );
    let writer = code(&src().join("record/writer.rs"));
    assert!(writer.contains("put_object("), "the writer puts S3 objects");
}

#[test]
fn the_writer_takes_only_redacted_bodies() {
    let writer = code(&src().join("record/writer.rs"));
    let bodies: Vec<&str> = writer
        .split("fn ")
        .skip(1)
        .filter_map(|f| f.split(')').next())
        .filter(|params| params.contains("body"))
        .collect();
    assert!(
        bodies.len() >= 2,
        "write_local and Writer::write: {bodies:?}"
    );
    for params in bodies {
        assert!(
            params.contains("body: &Redacted<"),
            "a writer function takes its body as &Redacted<…>: {params}"
        );
    }
}

#[test]
fn the_guard_sees_constructors_in_code_only() {
    let dir = std::env::temp_dir().join(format!("redacted-guard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("x.rs");
    std::fs::write(
        &file,
        "let a = Redacted::new(x); // Redacted(y)\n#[cfg(test)]\nmod tests { Redacted(z) }\n",
    )
    .unwrap();
    let code = code(&file);
    assert!(code.contains("Redacted::new(x)"));
    assert!(!code.contains("Redacted(y)") && !code.contains("Redacted(z)"));
    std::fs::remove_dir_all(dir).unwrap();
}
