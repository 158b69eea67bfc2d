//! Completion that answers at once: while rust-analyzer is still loading (its first
//! analysis takes seconds) or busy, the kernel completes from what it knows without it —
//! the session's variables and definitions, the prelude's names (read from the library's
//! `prelude.rs`, so the list never drifts from it), common std names and Rust keywords.
//! After a `.`, the members of the receiver's type come from the member index built
//! with the cell template (`member_index.rs`), when the receiver's type can be told
//! without rust-analyzer (`receiver.rs`). Once rust-analyzer is ready, completion comes
//! from it (`rust_engine.rs`).

use std::collections::HashMap;

use super::member_index::MemberIndex;
use super::receiver;

/// What answered a completion (the reply's metadata says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompletionSource {
    /// rust-analyzer, once its first analysis is done.
    RustAnalyzer,
    /// The member index, after a `.`.
    MemberIndex,
    /// The names the session and every cell know.
    Names,
}

impl CompletionSource {
    /// The name the reply's metadata gives.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CompletionSource::RustAnalyzer => "rust-analyzer",
            CompletionSource::MemberIndex => "member-index",
            CompletionSource::Names => "names",
        }
    }
}

/// What the session knows without rust-analyzer: its variables and items, and the
/// variables' types (as evcxr writes them, or as the evaluation process reported them
/// while rust-analyzer works them out).
#[derive(Debug, Default)]
pub(crate) struct Session {
    pub(crate) names: Vec<String>,
    pub(crate) types: HashMap<String, String>,
}

/// A completion found without rust-analyzer.
#[derive(Debug, PartialEq)]
pub(crate) struct Found {
    /// Where the completed word starts (a byte offset).
    pub(crate) start: usize,
    /// What to insert, best first.
    pub(crate) matches: Vec<String>,
    pub(crate) source: CompletionSource,
}

/// Completion without rust-analyzer: after a `.` whose receiver's type is known and
/// indexed, that type's members; otherwise [`quick`].
pub(crate) fn without_analyzer(
    code: &str,
    cursor: usize,
    session: &Session,
    index: Option<&MemberIndex>,
) -> Found {
    let (start, matches) = quick(code, cursor, &session.names);
    let members = index.and_then(|index| {
        let before = code[..start].strip_suffix('.')?;
        if before.ends_with('.') {
            return None; // a range `a..b`
        }
        let found = receiver::parse(before)?;
        let session_type = |name: &str| session.types.get(name).cloned();
        let ty = receiver::type_of(&found, before, &session_type, index)?;
        let prefix = &code[start..cursor.min(code.len())];
        let mut matches: Vec<String> = Vec::new();
        for member in index.members_of(&ty)? {
            if member.name.starts_with(prefix) && !matches.contains(&member.code) {
                matches.push(member.code.clone());
            }
        }
        Some(matches)
    });
    match members {
        Some(matches) => Found {
            start,
            matches,
            source: CompletionSource::MemberIndex,
        },
        None => Found {
            start,
            matches,
            source: CompletionSource::Names,
        },
    }
}

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

#[cfg(test)]
mod member_tests {
    use super::super::member_index::{IndexedType, Member, MemberKind};
    use super::*;

    fn index() -> MemberIndex {
        let method = |name: &str, code: &str, returns: &str| Member {
            name: name.into(),
            code: code.into(),
            kind: MemberKind::Method,
            returns: Some(returns.into()),
        };
        MemberIndex {
            types: vec![IndexedType {
                names: vec!["Vec".into()],
                members: vec![
                    method("is_empty", "is_empty()", "bool"),
                    method("iter", "iter()", "Iter<'_, T>"),
                    method("insert", "insert(index, element)", "()"),
                ],
            }],
        }
    }

    #[test]
    fn after_a_dot_the_receivers_members_come_from_the_index() {
        let session = Session {
            names: vec!["v".into(), "total".into()],
            types: HashMap::from([("v".into(), "alloc::vec::Vec<i32>".into())]),
        };
        let code = "v.is_em";
        let found = without_analyzer(code, code.len(), &session, Some(&index()));
        assert_eq!(
            found,
            Found {
                start: 2,
                matches: vec!["is_empty()".into()],
                source: CompletionSource::MemberIndex
            }
        );
        let found = without_analyzer("v.i", 3, &session, Some(&index()));
        assert_eq!(
            found.matches,
            ["is_empty()", "iter()", "insert(index, element)"]
        );
        let code = "let w = vec![1];\nw.";
        let found = without_analyzer(code, code.len(), &Session::default(), Some(&index()));
        assert_eq!(
            found.source,
            CompletionSource::MemberIndex,
            "a variable the cell defines"
        );
        assert_eq!(found.matches.len(), 3);
    }

    #[test]
    fn without_a_known_type_or_an_index_completion_answers_as_before() {
        let session = Session {
            names: vec!["total".into()],
            types: HashMap::new(),
        };
        for (code, index) in [
            ("total.is", Some(index())),
            ("v.is_em", None),
            ("0..t", Some(index())),
            ("tot", Some(index())),
        ] {
            let found = without_analyzer(code, code.len(), &session, index.as_ref());
            let (start, matches) = quick(code, code.len(), &session.names);
            assert_eq!(
                found,
                Found {
                    start,
                    matches,
                    source: CompletionSource::Names
                },
                "{code}"
            );
        }
    }
}
