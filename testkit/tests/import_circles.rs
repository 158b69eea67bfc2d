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

/// The one circle left, in the cell library's crate root: issue 26's "the cell library
/// has floors" (model, protocol, client, render) removes it. Until then it may shrink,
/// never grow, and no other circle may appear.
const LIBRARY_CIRCLE: &[&str] = &[
    "alarms",
    "chart",
    "check",
    "context",
    "contributors",
    "discovery",
    "display",
    "error",
    "host",
    "inventory",
    "log_anomalies",
    "log_table",
    "logs_query",
    "probe",
    "protocol",
    "publish",
    "query",
    "record",
    "series",
    "series_set",
    "source",
    "span",
    "time_range",
    "trace",
];

#[test]
fn no_crate_has_an_import_circle_among_its_modules() {
    let mut found = Vec::new();
    for src in crate_sources() {
        let library = src.parent().is_some_and(|c| c.ends_with("playbook-lib"));
        for circle in circles(&src) {
            let known = library
                && circle.parent.is_empty()
                && circle
                    .members
                    .iter()
                    .all(|m| LIBRARY_CIRCLE.contains(&m.as_str()));
            if !known {
                found.push(format!("{}: {circle}", src.parent().unwrap().display()));
            }
        }
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}
