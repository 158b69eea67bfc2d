//! No crate of the workspace has an import circle among its modules (ARCHITECTURE.md,
//! "Invariants"): at every level, the modules under one parent use each other one way.
//! Read from the sources by `playbook_testkit::module_graph`.

use std::path::{Path, PathBuf};

use playbook_testkit::module_graph::circles;

/// Every workspace crate's `src`, from the workspace's own manifest.
fn crate_sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("workspace manifest");
    let members = manifest
        .split("members")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("a members list");
    let dirs: Vec<PathBuf> = members
        .split('"')
        .skip(1)
        .step_by(2)
        .map(|member| root.join(member).join("src"))
        .collect();
    assert!(
        dirs.len() >= 5 && dirs.iter().all(|d| d.is_dir()),
        "{dirs:?}"
    );
    dirs
}

#[test]
fn no_crate_has_an_import_circle_among_its_modules() {
    let mut found = Vec::new();
    for src in crate_sources() {
        for circle in circles(&src) {
            found.push(format!("{}: {circle}", src.parent().unwrap().display()));
        }
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}
