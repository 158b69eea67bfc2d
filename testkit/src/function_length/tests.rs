use super::*;
use crate::Fuzz;

/// A function named `name` whose body has `body` lines of `line`, `lines` long in all.
fn function_of(name: &str, body: usize, line: &str) -> String {
    let mut out = format!("fn {name}() {{\n");
    for _ in 0..body {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

fn lengths_of(text: &str) -> Vec<(String, usize)> {
    functions(text)
        .into_iter()
        .map(|f| (f.name, f.lines))
        .collect()
}

#[test]
fn a_function_over_the_limit_without_a_reason_is_caught() {
    let text = format!(
        "{}\n{}",
        function_of("short", 78, "    let x = 1;"),
        function_of("long", 79, "    let x = 1;")
    );
    assert_eq!(
        lengths_of(&text),
        vec![("short".to_owned(), 80), ("long".to_owned(), 81)]
    );
    let caught = unexcused(&text, 80);
    assert_eq!(caught.len(), 1);
    assert_eq!((caught[0].name.as_str(), caught[0].line), ("long", 82));
}

#[test]
fn a_reason_above_the_fn_or_its_doc_comment_excuses_it() {
    let body = function_of("long", 100, "    x();");
    for above in [
        "// long: one match over every request kind\n#[allow(x)]\n",
        "/// Docs.\n// long: one match over every request kind\n",
        "// long: one match over every request kind\n/// Docs.\n#[test]\n",
    ] {
        let text = format!("{above}{body}");
        let found = functions(&text);
        assert_eq!(
            found[0].reason.as_deref(),
            Some("one match over every request kind"),
            "{above}"
        );
        assert!(unexcused(&text, 80).is_empty());
    }
    for not_a_reason in [
        "// long:\n",
        "// long:   \n",
        "// long: too far up\n\n",
        "// long: not this one\nlet x = 1;\n",
        "/* long: not a line comment */\n",
    ] {
        let text = format!("{not_a_reason}{body}");
        assert_eq!(unexcused(&text, 80).len(), 1, "{not_a_reason:?}");
    }
}

#[test]
fn braces_in_strings_chars_comments_and_raw_strings_do_not_count() {
    let text = r##"
fn tricky<'a>(x: &'a str) -> &'a str {
    let a = "}";
    let b = '}';
    let c = '\'';
    let d = '\u{7d}';
    let e = r#"}" } "#;
    let f = br"}";
    let g = b'{';
    let h = "\"}";
    // }
    /* } /* nested } */ } */
    'outer: loop { break 'outer; }
    let r#type = 1;
    x
}
fn after() {}
"##;
    assert_eq!(
        lengths_of(text),
        vec![("tricky".to_owned(), 15), ("after".to_owned(), 1)]
    );
}

#[test]
fn declarations_pointer_types_and_nested_functions() {
    let text = "trait T {\n    fn f(&self) -> [u8; 4];\n    fn g(&self) {\n    }\n}\n\
                fn outer(cb: fn(u8) -> u8) -> impl Fn() {\n    fn inner() {}\n    move || {}\n}\n\
                struct S { f: fn() }\nfn r#match() {}\n";
    assert_eq!(
        lengths_of(text),
        vec![
            ("g".to_owned(), 2),
            ("outer".to_owned(), 4),
            ("inner".to_owned(), 1),
            ("match".to_owned(), 1),
        ]
    );
}

#[test]
fn fn_inside_strings_and_comments_is_not_a_function() {
    let text = "// fn a() {}\nconst S: &str = \"fn b() { }\";\n/* fn c() {} */\nfn d() {}\n";
    assert_eq!(lengths_of(text), vec![("d".to_owned(), 1)]);
}

/// Single lines whose braces are balanced as code, or hidden in strings and comments.
const LINES: &[&str] = &[
    "    let x = 1;",
    "    if a { b(); }",
    "    let s = \"{ } }}\";",
    "    let c = '{';",
    "    let c = '}';",
    "    let q = '\\'';",
    "    let r = r#\"}\"#;",
    "    let b = b\"{\";",
    "    // } {",
    "    /* { */",
    "    f::<'a>(&'a x);",
    "    'l: loop { break 'l; }",
    "    let v = vec![{ 1 }, 2];",
    "    let m = match x { _ => {} };",
    "",
    "    let e = \"\\\\\";",
];

/// Multi-line pieces whose braces are hidden: (text, lines).
const BLOCKS: &[(&str, usize)] = &[
    ("    let s = r#\"\n}\n{{\n\"#;", 4),
    ("    /* {\n /* } */\n } */", 3),
    ("    let s = \"\n}\n\";", 3),
    ("    fn nested() {\n        x();\n    }", 3),
];

#[test]
fn generated_functions_are_measured_exactly() {
    for seed in 0..200 {
        let mut fuzz = Fuzz::new(seed);
        let mut text = String::new();
        let mut expected = Vec::new();
        for n in 0..1 + fuzz.below(5) {
            let name = format!("f{n}");
            text.push_str(&format!("fn {name}() {{\n"));
            let mut lines = 2;
            let mut nested = Vec::new();
            for _ in 0..fuzz.below(120) {
                if fuzz.below(8) == 0 {
                    let (block, count) = BLOCKS[fuzz.below(BLOCKS.len())];
                    if block.contains("fn nested") {
                        nested.push(lines + 1);
                    }
                    text.push_str(block);
                    lines += count;
                } else {
                    text.push_str(fuzz.pick(LINES));
                    lines += 1;
                }
                text.push('\n');
            }
            text.push_str("}\n");
            expected.push((name, lines));
            expected.extend(nested.iter().map(|_| ("nested".to_owned(), 3)));
            if fuzz.below(2) == 0 {
                text.push_str("\n// between } {\n");
            }
        }
        assert_eq!(lengths_of(&text), expected, "seed {seed}:\n{text}");
    }
}

#[test]
fn arbitrary_input_never_panics() {
    let tokens = &[
        "fn", "f", "(", ")", "{", "}", "'", "\"", "r#\"", "\"#", "//", "/*", "*/", "\n", "\\",
        "b'", "'a", ";", "[", "]", "r", "#",
    ];
    for seed in 0..300 {
        let mut fuzz = Fuzz::new(seed);
        for len in crate::lengths(4000) {
            let text = fuzz.tokens(tokens, len);
            for f in functions(&text) {
                assert!(f.lines >= 1 && f.line >= 1, "seed {seed}: {text:?}");
            }
        }
    }
}
