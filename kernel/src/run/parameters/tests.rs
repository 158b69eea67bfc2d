//! Tests of parameters: declarations, typed values, untyped literals, defaults in effect,
//! files, and escaping.

use super::files::{from_json_file, from_yaml_file, parse_assignment};
use super::*;

const CELL: &str = "// defaults\nlet service: String = \"checkout\".into();\nlet window_minutes: i64 = 60;\nlet threshold_ms: f64 = 250.0;\nlet dry_run: bool = true;\nlet incident_at: DateTime<Utc> = \"2026-11-26T10:07:00Z\".parse().unwrap();\nlet routes: Vec<String> = vec![];\nlet mut untyped = 3;";

#[test]
fn reads_typed_declarations_and_untyped_literals() {
    let names: Vec<(String, String)> = declarations(CELL)
        .into_iter()
        .map(|d| (d.name, d.ty))
        .collect();
    assert_eq!(
        names,
        [
            ("service", "String"),
            ("window_minutes", "i64"),
            ("threshold_ms", "f64"),
            ("dry_run", "bool"),
            ("incident_at", "DateTime<Utc>"),
            ("routes", "Vec<String>"),
            ("untyped", "{integer}"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
}

fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn values_become_typed_literals() {
    let resolved = resolve(
        &declarations(CELL),
        &given(&[
            ("service", "pay\"ments"),
            ("window_minutes", "30"),
            ("threshold_ms", "200"),
            ("dry_run", "no"),
            ("incident_at", "2026-11-26T11:00:00+01:00"),
            ("routes", "/cart, /pay"),
        ]),
    )
    .unwrap();
    let code: Vec<&str> = resolved.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(code[0], r#"String::from("pay\"ments")"#);
    assert_eq!(code[1], "30i64");
    assert_eq!(code[2], "200.0f64");
    assert_eq!(code[3], "false");
    assert!(code[4].starts_with("\"2026-11-26T10:00:00Z\".parse::<"));
    assert_eq!(
        code[5],
        r#"vec![String::from("/cart"), String::from("/pay")]"#
    );
    assert_eq!(resolved[4].value, Value::from("2026-11-26T10:00:00Z"));
    let source = injected_source(&resolved);
    assert!(source.contains("let window_minutes: i64 = 30i64;"));
    assert!(
        source.contains("let incident_at: playbook::chrono::DateTime<playbook::chrono::Utc> = ")
    );
}

#[test]
fn the_evaluated_cell_does_not_depend_on_typed_values() {
    let cell = "let service: String = \"a\".into();\nlet label = \"x\";\nlet tag: &str = \"t\";";
    let evaluated = |value: &str| {
        let pairs = [("service", value), ("label", value), ("tag", value)];
        evaluated_source(&resolve(&declarations(cell), &given(&pairs)).unwrap())
    };
    let (a, b) = (evaluated("one"), evaluated("two"));
    assert!(
        a.contains("let service: String = playbook::parameter(\"service\")?;"),
        "{a}"
    );
    // Borrowed parameters (an untyped string literal is a `&str` too) keep their literal.
    assert!(
        a.contains("let label: &str = \"one\";") && a.contains("let tag: &str = \"one\";"),
        "{a}"
    );
    assert_eq!(
        a.lines().find(|l| l.contains("service")),
        b.lines().find(|l| l.contains("service"))
    );
}

#[test]
fn bad_values_and_unknown_names_are_errors() {
    let declared = declarations(CELL);
    let error = resolve(&declared, &given(&[("window_minutes", "abc")])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "parameter `window_minutes`: \"abc\" is not a valid i64 (a whole number)"
    );
    let error = resolve(&declared, &given(&[("region", "eu-west-1")])).unwrap_err();
    assert!(error.to_string().starts_with(
        "unknown parameter `region`: the parameters cell declares service, window_minutes"
    ));
    assert!(resolve(&declared, &given(&[("incident_at", "yesterday")])).is_err());
    assert!(resolve(&declared, &given(&[("dry_run", "maybe")])).is_err());
    assert_eq!(
        parse_assignment("novalue").unwrap_err(),
        ParameterError::Syntax("novalue".into())
    );
}

#[test]
fn json_parameter_files() {
    let pairs = from_json_file(r#"{"service": "checkout", "window_minutes": 30}"#).unwrap();
    assert_eq!(
        pairs,
        given(&[("service", "checkout"), ("window_minutes", "30")])
    );
    assert!(from_json_file("[1]").is_err());
}

#[test]
fn yaml_parameter_files_give_the_same_pairs_as_json() {
    let yaml = "service: checkout\nwindow_minutes: 90\nthreshold: 0.25\ndry_run: true\nstart: 2026-11-12T14:05:00Z\nregions:\n  - eu-west-1\n  - us-east-1\n";
    let pairs = from_yaml_file(yaml).unwrap();
    assert_eq!(
        pairs,
        [
            ("service".to_owned(), "checkout".to_owned()),
            ("window_minutes".to_owned(), "90".to_owned()),
            ("threshold".to_owned(), "0.25".to_owned()),
            ("dry_run".to_owned(), "true".to_owned()),
            ("start".to_owned(), "2026-11-12T14:05:00Z".to_owned()),
            (
                "regions".to_owned(),
                r#"["eu-west-1","us-east-1"]"#.to_owned()
            ),
        ]
    );
    assert!(
        from_yaml_file("- just\n- a list\n")
            .unwrap_err()
            .to_string()
            .contains("expected a YAML mapping")
    );
    assert!(
        from_yaml_file("a: [\n")
            .unwrap_err()
            .to_string()
            .contains("invalid YAML")
    );
    assert!(
        from_yaml_file("a:\n  b: 1\n")
            .unwrap_err()
            .to_string()
            .contains("`a`: expected a plain value")
    );
}

#[test]
fn untyped_declarations_are_parameters_whose_kind_is_their_literal() {
    let cell = "let service = \"checkout\";\nlet limit = 10;\nlet ratio = 0.5;\nlet on = true;\nlet computed = limit * 2;";
    let declared = declarations(cell);
    let kinds: Vec<(&str, &str)> = declared
        .iter()
        .map(|d| (d.name.as_str(), d.ty.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("service", "&str"),
            ("limit", "{integer}"),
            ("ratio", "{float}"),
            ("on", "bool")
        ]
    );
    let resolved = resolve(
        &declared,
        &given(&[
            ("service", "x"),
            ("limit", "20"),
            ("ratio", "0.75"),
            ("on", "false"),
        ]),
    )
    .unwrap();
    let source = injected_source(&resolved);
    assert!(source.contains("let service: &str = \"x\";"), "{source}");
    assert!(source.contains("let limit = 20;"), "{source}");
    assert!(source.contains("let ratio = 0.75;"), "{source}");
    assert!(source.contains("let on: bool = false;"), "{source}");
    assert!(resolve(&declared, &given(&[("limit", "many")])).is_err());
}

#[test]
fn every_parameter_in_effect_is_recorded_defaults_included() {
    let declared = declarations(CELL);
    let resolved = resolve(&declared, &given(&[("window_minutes", "30")])).unwrap();
    let effect = in_effect(&declared, &resolved);
    assert_eq!(effect["window_minutes"], 30);
    assert_eq!(effect["service"], "checkout");
    assert_eq!(effect["threshold_ms"], 250.0);
    assert_eq!(effect["dry_run"], true);
    assert_eq!(effect["incident_at"], "2026-11-26T10:07:00Z");
    assert_eq!(effect["routes"], serde_json::json!([]));
    assert_eq!(effect["untyped"], 3);
    let odd = declarations(
        "let x: u64 = 1_000u64;\nlet y: Vec<i64> = vec![1, 2];\nlet z: f64 = compute();",
    );
    let effect = in_effect(&odd, &[]);
    assert_eq!(effect["x"], 1000);
    assert_eq!(effect["y"], serde_json::json!([1, 2]));
    assert_eq!(
        effect["z"], "compute()",
        "an expression is recorded as written"
    );
}

#[test]
fn control_and_bidi_characters_in_strings_are_escaped() {
    // U+202E in a string literal is a compile error (text_direction_codepoint_in_literal).
    let declared = declarations(CELL);
    let resolved = resolve(
        &declared,
        &given(&[("service", "a\u{202e}b\u{0}c\u{200b}d\\e")]),
    )
    .unwrap();
    assert_eq!(
        resolved[0].code,
        r#"String::from("a\u{202e}b\u{0}c\u{200b}d\\e")"#
    );
    assert_eq!(
        resolved[0].value,
        Value::from("a\u{202e}b\u{0}c\u{200b}d\\e")
    );
}

/// Parameters cells, values and files of every size up to 1 MB: parsed or refused, never
/// a panic, and the injected code always escapes what it quotes.
#[test]
fn random_parameters_cells_values_and_files_parse_or_are_refused() {
    use playbook_testkit::{Fuzz, lengths};
    let tokens = [
        "let",
        "mut",
        ":",
        "=",
        ";",
        "\n",
        "String",
        "i64",
        "f64",
        "bool",
        "Vec<String>",
        "DateTime<Utc>",
        "\"x\"",
        "60",
        "0.5",
        "true",
        "vec![",
        "]",
        ".into()",
        "-",
        "{",
        "}",
        "[",
        "'",
        "#",
        "\u{202e}",
    ];
    for seed in 0..30u64 {
        let mut fuzz = Fuzz::new(seed);
        for len in lengths(1 << 20) {
            let cell = fuzz.tokens(&tokens, len);
            let declared = declarations(&cell);
            let _ = in_effect(&declared, &[]);
            let value = fuzz.tokens(&tokens, len / 4);
            for d in declared.iter().take(8) {
                if let Ok(resolved) = resolve(&declared, &[(d.name.clone(), value.clone())]) {
                    let source = injected_source(&resolved);
                    assert!(!source.contains('\u{202e}'), "bidi characters are escaped");
                }
            }
            let _ = from_json_file(&cell);
            let _ = from_yaml_file(&cell);
            let _ = parse_assignment(&value);
        }
    }
    for len in lengths(1 << 16) {
        let _ = from_yaml_file(&Fuzz::nest("[", "1", "]", len));
        let _ = from_yaml_file(&format!("a: {}", Fuzz::nest("{b: ", "1", "}", len / 4)));
        let _ = from_json_file(&Fuzz::nest("[", "1", "]", len));
    }
}

#[test]
fn a_secret_parameters_value_is_in_no_injected_cell() {
    let cell = "let db_password: String = String::new();\nlet token: &str = \"\";\nlet api_key = 0;\nlet service: String = \"checkout\".into();";
    let resolved = resolve(
        &declarations(cell),
        &given(&[
            ("db_password", "Tr0ub4dorZq"),
            ("token", "tok-8c1f2e9a"),
            ("api_key", "20260101"),
            ("service", "orders"),
        ]),
    )
    .unwrap();
    for source in [injected_source(&resolved), evaluated_source(&resolved)] {
        for value in ["Tr0ub4dorZq", "tok-8c1f2e9a", "20260101"] {
            assert!(!source.contains(value), "{value} in\n{source}");
        }
        assert!(
            source.contains(
                "let db_password: String = playbook::parameter::<String>(\"db_password\")?;"
            ),
            "{source}"
        );
        assert!(
            source.contains("let token: &str = playbook::parameter::<String>(\"token\")?.leak();"),
            "{source}"
        );
        assert!(
            source.contains("let api_key: i64 = playbook::parameter::<i64>(\"api_key\")?;"),
            "{source}"
        );
    }
    assert!(
        injected_source(&resolved).contains("\"orders\""),
        "other values stay"
    );
}

#[test]
fn a_trailing_comment_is_not_part_of_a_declaration() {
    let cell = "let minutes: i64 = 30; // the window\nlet limit = 10; // at most\nlet url: String = \"http://x\".into(); // not // a default\nlet quoted = \"a // b\";";
    let declared = declarations(cell);
    let found: Vec<(&str, &str, &str)> = declared
        .iter()
        .map(|d| (d.name.as_str(), d.ty.as_str(), d.default.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("minutes", "i64", "30"),
            ("limit", "{integer}", "10"),
            ("url", "String", "\"http://x\".into()"),
            ("quoted", "&str", "\"a // b\""),
        ]
    );
    let effect = in_effect(&declared, &[]);
    assert_eq!(effect["minutes"], 30);
    assert_eq!(effect["url"], "http://x");
}

#[test]
fn json_parameters_are_parsed_from_an_escaped_string_literal() {
    let cell =
        "let config: Json = json!({\"retries\": 2});\nlet extra: serde_json::Value = json!(null);";
    let declared = declarations(cell);
    assert_eq!(
        in_effect(&declared, &[])["config"],
        serde_json::json!({"retries": 2})
    );
    let attack = r#"{"k": "\"); std::process::exit(1); (\"", "name": "Json"}"#;
    let resolved = resolve(
        &declared,
        &given(&[("config", attack), ("extra", "plain text")]),
    )
    .unwrap();
    assert_eq!(
        resolved[0].value,
        serde_json::json!({"k": "\"); std::process::exit(1); (\"", "name": "Json"})
    );
    assert_eq!(resolved[1].value, Value::from("plain text"));
    let source = injected_source(&resolved);
    let line = source.lines().find(|l| l.contains("config")).unwrap();
    assert_eq!(
        line,
        r#"let config: playbook::serde_json::Value = playbook::serde_json::from_str::<playbook::serde_json::Value>("{\"k\":\"\\\"); std::process::exit(1); (\\\"\",\"name\":\"Json\"}").expect("checked by playbook run");"#
    );
    assert!(
        evaluated_source(&resolved)
            .contains("let extra: playbook::serde_json::Value = playbook::parameter(\"extra\")?;"),
        "{}",
        evaluated_source(&resolved)
    );
}
