//! Completion that answers at once: while rust-analyzer is still loading (its first
//! analysis takes seconds) or busy, the kernel completes from what it knows without it —
//! the session's variables and definitions, the prelude's names (read from the library's
//! `prelude.rs`, so the list never drifts from it), common std names and Rust keywords.
//! Once rust-analyzer is ready, completion comes from it (`rust_engine.rs`).

/// The prelude every cell has in scope, as the library writes it.
const PRELUDE: &str = include_str!("../../../playbook-lib/src/prelude.rs");

/// Names every Rust cell can use without the prelude.
const STD: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "else",
    "enum",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "Self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "Box",
    "Err",
    "HashMap",
    "BTreeMap",
    "None",
    "Ok",
    "Option",
    "Result",
    "Some",
    "String",
    "Vec",
    "assert",
    "assert_eq",
    "dbg",
    "eprintln",
    "format",
    "panic",
    "print",
    "println",
    "vec",
];

/// The names the prelude re-exports (`pub use a::{B, c}`; `Duration as TimeDelta` gives
/// `TimeDelta`), and the functions it defines.
fn prelude_names() -> Vec<String> {
    let mut names = Vec::new();
    let mut in_use = false;
    let mut text = String::new();
    for line in PRELUDE.lines() {
        let line = line.trim();
        if line.starts_with("pub use ") {
            in_use = true;
            text.clear();
        }
        if in_use {
            text.push_str(line);
            text.push(' ');
            if line.ends_with(';') {
                in_use = false;
                names.extend(use_names(&text));
            }
        } else if let Some(rest) = line.strip_prefix("pub fn ") {
            names.extend(rest.split('(').next().map(str::to_owned));
        }
    }
    names
}

/// The names a `pub use …;` statement brings in.
fn use_names(statement: &str) -> Vec<String> {
    let body = statement
        .trim_start_matches("pub use ")
        .trim_end()
        .trim_end_matches(';');
    let list = match body.split_once('{') {
        Some((_, rest)) => rest.trim_end_matches('}').to_owned(),
        None => body.rsplit("::").next().unwrap_or(body).to_owned(),
    };
    list.split(',')
        .filter_map(|item| {
            let item = item.trim();
            let name = item.rsplit(" as ").next().unwrap_or(item).trim();
            let name = name.rsplit("::").next().unwrap_or(name);
            (!name.is_empty() && name != "_" && name != "self").then(|| name.to_owned())
        })
        .collect()
}

/// Completions of the word ending at byte `cursor` in `code`, from `session` names (the
/// variables and items defined so far) and the names every cell knows: the word's start
/// and the candidates, sorted, session names first.
pub(crate) fn quick(code: &str, cursor: usize, session: &[String]) -> (usize, Vec<String>) {
    let cursor = cursor.min(code.len());
    let start = code[..cursor]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(cursor, |(at, _)| at);
    let prefix = &code[start..cursor];
    let after_dot = code[..start].ends_with('.') || code[..start].ends_with("::");
    let mut found: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if name.starts_with(prefix) && !found.iter().any(|f| f == name) {
            found.push(name.to_owned());
        }
    };
    session.iter().for_each(|n| add(n));
    defined_in(&code[..start]).iter().for_each(|n| add(n));
    if !after_dot {
        let mut known: Vec<String> = prelude_names();
        known.extend(STD.iter().map(|s| (*s).to_owned()));
        known.sort();
        known.iter().for_each(|n| add(n));
    }
    (start, found)
}

/// The names the code itself defines before the cursor (`let x`, `fn f`, `struct S`, …),
/// which the session does not know until the cell runs.
fn defined_in(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut words = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .peekable();
    while let Some(word) = words.next() {
        if matches!(
            word,
            "let" | "fn" | "struct" | "enum" | "const" | "static" | "type" | "mod" | "trait"
        ) && let Some(mut next) = words.next()
        {
            if next == "mut" {
                next = words.next().unwrap_or_default();
            }
            if !next.is_empty() && !next.starts_with(|c: char| c.is_ascii_digit()) {
                names.push(next.to_owned());
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prelude_names_are_read_from_the_library() {
        let names = prelude_names();
        for name in [
            "metric",
            "logs_insights",
            "LogTable",
            "TimeDelta",
            "Check",
            "nameable_types",
        ] {
            assert!(names.iter().any(|n| n == name), "{name}: {names:?}");
        }
        assert!(
            !names.iter().any(|n| n == "_" || n.contains(' ')),
            "{names:?}"
        );
    }

    #[test]
    fn words_complete_from_the_session_then_the_prelude() {
        let session = vec!["latency".to_owned(), "logs_table".to_owned()];
        let (start, found) = quick("let x = lo", 10, &session);
        assert_eq!(start, 8);
        assert_eq!(found[0], "logs_table");
        assert!(found.iter().any(|f| f == "logs_insights"));
        assert!(found.iter().all(|f| f.starts_with("lo")));
        let (_, found) = quick("met", 3, &[]);
        assert!(
            found.contains(&"metric".to_owned()) && found.contains(&"metric_expression".to_owned())
        );
        let (_, found) = quick("table.le", 8, &session);
        assert!(
            found.is_empty(),
            "after a dot only rust-analyzer knows the methods: {found:?}"
        );
        let (start, _) = quick("é", 2, &[]);
        assert_eq!(start, 0);
        let (_, found) = quick("let zebra_count = 1;\nzebra_c", 28, &[]);
        assert_eq!(found, ["zebra_count"], "names the cell itself defines");
    }
}
