//! No function of the workspace's crates is over 80 lines without a reason beside it
//! (ARCHITECTURE.md, "Invariants"): a `// long: <why>` line right above its `fn` line or
//! its doc comment. Sources, tests, examples and test modules alike; `vendor/` is not a
//! workspace crate. Read from the sources by `playbook_testkit::function_length`.

use playbook_testkit::function_length::{rust_files, unexcused};
use playbook_testkit::workspace_crates;

const LIMIT: usize = 80;

#[test]
fn no_function_is_over_80_lines_without_a_reason_beside_it() {
    let mut found = Vec::new();
    let mut files = 0;
    for dir in workspace_crates() {
        let root = dir.parent().expect("a workspace").to_path_buf();
        for file in rust_files(&dir)
            .iter()
            .filter(|f| !f.starts_with(dir.join("target")))
        {
            files += 1;
            let text = std::fs::read_to_string(file).expect("a readable source");
            for f in unexcused(&text, LIMIT) {
                let shown = file.strip_prefix(&root).unwrap_or(file).display();
                found.push(format!(
                    "{shown}:{} fn {} is {} lines",
                    f.line, f.name, f.lines
                ));
            }
        }
    }
    assert!(files > 100, "only {files} files read");
    assert!(
        found.is_empty(),
        "{} functions over {LIMIT} lines without a `// long: <why>` above them:\n{}",
        found.len(),
        found.join("\n")
    );
}
