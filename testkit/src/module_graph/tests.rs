use super::*;

/// A crate laid out from `(path, text)` pairs in a fresh directory.
fn crate_of(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("module-graph-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    dir
}

fn segments(path: &[&str]) -> Vec<String> {
    path.iter().map(|s| s.to_string()).collect()
}

#[test]
fn use_groups_nested_paths_and_self_are_expanded() {
    let found = paths("use super::{a, b::{c, self}, d::E};\nlet x = crate::f::g(); // crate::no");
    assert_eq!(
        found,
        vec![
            segments(&["super", "a"]),
            segments(&["super", "b", "c"]),
            segments(&["super", "b"]),
            segments(&["super", "d", "E"]),
            segments(&["crate", "f", "g"]),
        ]
    );
    assert!(paths("let y = notcrate::x; a::self::b;").is_empty());
}

#[test]
fn arrows_join_siblings_under_their_closest_common_module() {
    let src = crate_of(
        "arrows",
        &[
            ("lib.rs", "mod cw; mod redact; use crate::cw::logs::run;"),
            ("cw/mod.rs", "mod logs; mod paging; use super::redact::R;"),
            (
                "cw/logs.rs",
                "use super::paging::Pager; use crate::redact::R; use super::Shared;",
            ),
            ("cw/paging.rs", "use crate::cw::Shared;"),
            ("cw/paging/tests.rs", "use crate::cw::logs::run;"),
            ("redact.rs", ""),
        ],
    );
    let arrows = arrows(&src);
    let top = &arrows[&Vec::<String>::new()];
    assert_eq!(top["cw"], BTreeSet::from(["redact".to_owned()]));
    let cw = &arrows[&segments(&["cw"])];
    assert_eq!(cw["logs"], BTreeSet::from(["paging".to_owned()]));
    assert!(
        !cw.contains_key("paging"),
        "a child using its parent's items is no arrow"
    );
    assert!(circles(&src).is_empty());
}

#[test]
fn a_circle_among_the_files_of_a_module_is_named() {
    let src = crate_of(
        "circle",
        &[
            ("lib.rs", "mod ast; mod eval; mod funcs;"),
            ("ast.rs", "use super::funcs::Func;"),
            ("funcs.rs", "use crate::eval::run;"),
            ("eval.rs", "use super::{ast::Expr, funcs};"),
        ],
    );
    let found = circles(&src);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].parent.is_empty());
    assert_eq!(
        found[0].members,
        segments(&["ast", "eval", "funcs"]),
        "{}",
        found[0]
    );
}

#[test]
fn inline_test_modules_are_leaves_like_test_files() {
    let text = "use crate::model::Row;\n\n#[cfg(test)]\nmod tests {\n    use crate::render::Table;\n    fn f() { if true { crate::client::call(); } }\n}\n";
    assert_eq!(paths(text), vec![segments(&["crate", "model", "Row"])]);
    let gated_file = "#[cfg(test)]\nmod tests;\nuse crate::render::Table;";
    assert_eq!(
        paths(gated_file),
        vec![segments(&["crate", "render", "Table"])],
        "a test module in its own file is left out by its path, not here"
    );
}
