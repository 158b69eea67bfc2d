//! No crate of the workspace has an import circle among its modules (ARCHITECTURE.md,
//! "Invariants"): at every level, the modules under one parent use each other one way.
//! Read from the sources by `playbook_testkit::module_graph`.

use std::path::PathBuf;

use playbook_testkit::module_graph::circles;
use playbook_testkit::workspace_crates;

/// Every workspace crate's `src`.
fn crate_sources() -> Vec<PathBuf> {
    workspace_crates().iter().map(|c| c.join("src")).collect()
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
