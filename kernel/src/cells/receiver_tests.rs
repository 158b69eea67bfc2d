//! Tests of the receiver of a `.` and its type: the shapes parsed, where a variable's type
//! comes from, chains through the index, and a fuzz of completion without rust-analyzer
//! over code of every shape (no panic, a start within the code, for every cursor).

use super::super::completion::{Session, without_analyzer};
use super::super::member_index::{IndexedType, Member, MemberKind};
use super::*;

fn index() -> MemberIndex {
    let member = |name: &str, returns: &str| Member {
        name: name.into(),
        code: format!("{name}()"),
        kind: MemberKind::Method,
        returns: Some(returns.into()),
    };
    MemberIndex {
        types: vec![
            IndexedType {
                names: vec!["Vec".into()],
                members: vec![member("iter", "Iter<'_, T>"), member("len", "usize")],
            },
            IndexedType {
                names: vec!["Iterator".into(), "Iter".into(), "Map".into()],
                members: vec![member("map", "Map<Self, F>"), member("rev", "Rev<Self>")],
            },
            IndexedType {
                names: vec!["Series".into()],
                members: vec![Member {
                    kind: MemberKind::Field,
                    ..member("points", "Vec<(DateTime<Utc>, f64)>")
                }],
            },
        ],
    }
}

fn session(name: &str) -> Option<String> {
    match name {
        "latency" => Some("playbook::series::Series".into()),
        "pending" => Some(String::new()),
        _ => None,
    }
}

fn type_at_end(code: &str) -> Option<String> {
    let before = code.strip_suffix('.').expect("code ends with a dot");
    type_of(&parse(before)?, before, &session, &index())
}

#[test]
fn receivers_of_the_simple_shapes_are_parsed() {
    let variable = |name: &str, steps: Vec<Step>| Receiver {
        root: Root::Variable(name.into()),
        steps,
    };
    assert_eq!(parse("let n = v"), Some(variable("v", vec![])));
    assert_eq!(
        parse("x.iter().map(|p| (p.0, f(p.1)))"),
        Some(variable(
            "x",
            vec![Step::Call("iter".into()), Step::Call("map".into())]
        ))
    );
    assert_eq!(
        parse("report.summary"),
        Some(variable("report", vec![Step::Field("summary".into())]))
    );
    assert_eq!(
        parse("\"a.b\""),
        Some(Receiver {
            root: Root::Typed("&str".into()),
            steps: vec![]
        })
    );
    assert_eq!(
        parse("String::new()"),
        Some(Receiver {
            root: Root::Typed("String".into()),
            steps: vec![]
        })
    );
    assert_eq!(
        parse("2.5"),
        Some(Receiver {
            root: Root::Typed("f64".into()),
            steps: vec![]
        })
    );
    assert_eq!(
        parse("7u64"),
        Some(Receiver {
            root: Root::Typed("u64".into()),
            steps: vec![]
        })
    );
    for unsupported in [
        "",
        "f(x)",
        "Utc::now()",
        "v[0]",
        "(a + b)",
        "std::f64",
        "x?",
        "a..b",
    ] {
        assert_eq!(parse(unsupported), None, "{unsupported}");
    }
}

#[test]
fn a_variables_type_comes_from_the_cell_then_the_session() {
    assert_eq!(
        type_at_end("latency.").as_deref(),
        Some("playbook::series::Series")
    );
    assert_eq!(
        type_at_end("let v = vec![1, 2, 3];\nv.").as_deref(),
        Some("Vec")
    );
    assert_eq!(
        type_at_end("let mut v: Vec<f64> = Vec::new(); v.").as_deref(),
        Some("Vec<f64>")
    );
    assert_eq!(
        type_at_end("let s = String::from(\"x\");\ns.").as_deref(),
        Some("String")
    );
    assert_eq!(
        type_at_end("let latency = 5;\nlatency.").as_deref(),
        Some("i32"),
        "the cell shadows the session"
    );
    assert_eq!(
        type_at_end("let o = Some(1); o.").as_deref(),
        Some("Option")
    );
    assert_eq!(
        type_at_end("let xs = latency.points; let it = xs.iter(); it.").as_deref(),
        Some("Iter<'_, T>")
    );
    assert_eq!(
        type_at_end("let v = v.len();\nv."),
        None,
        "a let that names itself is followed to no loop"
    );
    assert_eq!(
        type_at_end("pending."),
        None,
        "a type still being worked out is no type"
    );
    assert_eq!(type_at_end("unknown."), None);
    assert_eq!(type_at_end("let x = compute();\nx."), None);
}

#[test]
fn chains_take_the_types_members_return() {
    assert_eq!(
        type_at_end("latency.points.").as_deref(),
        Some("Vec<(DateTime<Utc>, f64)>")
    );
    assert_eq!(
        type_at_end("latency.points.iter().").as_deref(),
        Some("Iter<'_, T>")
    );
    assert_eq!(
        type_at_end("latency.points.iter().map(|p| p.1).rev().").as_deref(),
        Some("Rev<Self>")
    );
    assert_eq!(
        type_at_end("latency.points.len().").as_deref(),
        Some("usize")
    );
    assert_eq!(type_at_end("latency.points.unknown()."), None);
}

/// A deterministic stream of pseudo-random numbers (xorshift).
struct Noise(u64);

impl Noise {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn completion_without_rust_analyzer_never_panics_on_any_code() {
    const PIECES: &[&str] = &[
        "let ", "mut ", "v", "latency", "points", ".", "..", "(", ")", "[", "]", "\"", "::", "=",
        ":", ";", " ", "\n", "é", "数", "1", "2.5", "u64", "vec![", "String", "new", "iter", "'a ",
        "&", "<", ">", "->", "Some(", "?",
    ];
    let index = index();
    let session = Session {
        names: vec!["latency".into(), "v".into()],
        types: [("latency".to_owned(), "playbook::series::Series".to_owned())].into(),
    };
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let code: String = (0..noise.below(14))
            .map(|_| PIECES[noise.below(PIECES.len())])
            .collect();
        for (cursor, _) in code.char_indices().chain([(code.len(), ' ')]) {
            let found = without_analyzer(&code, cursor, &session, Some(&index));
            assert!(found.start <= cursor, "{code:?} at {cursor}");
        }
        let _ = parse(&code);
        let _ = super::super::member_index::type_key(&code);
        let _ = super::super::member_index::return_type(&code);
    }
}
