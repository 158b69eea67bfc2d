//! Interpolation and quoting: names filled in, escapes, unknown names, and values that
//! try to end the string they are placed in.

use super::*;
use serde_json::json;

fn scope() -> Scope {
    Scope::new(BTreeMap::from([
        ("service".to_owned(), json!("orders-api")),
        ("limit".to_owned(), json!(20)),
        ("evil".to_owned(), json!("x\" | filter 1=1 | display \"")),
        ("lines".to_owned(), json!("a\nb\\")),
        ("routes".to_owned(), json!(["/a"])),
    ]))
}

#[test]
fn options_take_the_value_as_is_and_braces_escape() {
    let s = scope();
    assert_eq!(
        s.expand("/app/{service}", Quoting::Literal).unwrap(),
        "/app/orders-api"
    );
    assert_eq!(
        s.expand("{{service}} {limit}", Quoting::Literal).unwrap(),
        "{service} 20"
    );
    // A value is read once: braces in it are not expanded again.
    let braces = Scope::new(BTreeMap::from([("a".into(), json!("{service}"))]));
    assert_eq!(braces.expand("{a}", Quoting::Literal).unwrap(), "{service}");
    // Braces that are no placeholder stay as written.
    assert_eq!(
        s.expand(
            r"parse @message /(?<id>\d{3})/ | { x",
            Quoting::LogsInsights
        )
        .unwrap(),
        r"parse @message /(?<id>\d{3})/ | { x"
    );
}

#[test]
fn an_unknown_name_names_the_parameters_in_scope() {
    let err = scope()
        .expand("/app/{servce}", Quoting::Literal)
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("`{servce}`"), "{text}");
    assert!(
        text.contains("in scope: evil, limit, lines, routes, service"),
        "{text}"
    );
    let none = Scope::default()
        .expand("{service}", Quoting::Literal)
        .unwrap_err();
    assert!(none.to_string().contains("no parameters"), "{none}");
    let list = scope().expand("{routes}", Quoting::Literal).unwrap_err();
    assert!(list.to_string().contains("a list"), "{list}");
}

#[test]
fn logs_insights_values_become_string_literals_or_their_content() {
    let s = scope();
    assert_eq!(
        s.expand(
            "filter service = {service} | limit {limit}",
            Quoting::LogsInsights
        )
        .unwrap(),
        "filter service = \"orders-api\" | limit 20"
    );
    assert_eq!(
        s.expand(
            "filter @logStream like \"{service}-\"",
            Quoting::LogsInsights
        )
        .unwrap(),
        "filter @logStream like \"orders-api-\""
    );
    assert_eq!(
        s.expand("fields {lines}", Quoting::LogsInsights).unwrap(),
        "fields \"a\\nb\\\\\""
    );
    // Comments are not expanded.
    assert_eq!(
        s.expand("# {nope}\nfields {service}", Quoting::LogsInsights)
            .unwrap(),
        "# {nope}\nfields \"orders-api\""
    );
}

#[test]
fn an_injection_attempt_stays_inside_its_string_literal() {
    let s = scope();
    // Each lexes as one string literal holding the value: the local Logs Insights lexer
    // (and the service) read a `\` before the string's own quote or a `\` as that character.
    let cases = [
        (
            "filter service = {evil}",
            r#"filter service = "x\" | filter 1=1 | display \"""#,
        ),
        (
            "filter service = \"{evil}\"",
            r#"filter service = "x\" | filter 1=1 | display \"""#,
        ),
        (
            "filter service = '{evil}'",
            r#"filter service = 'x" | filter 1=1 | display "'"#,
        ),
    ];
    for (template, expected) in cases {
        assert_eq!(s.expand(template, Quoting::LogsInsights).unwrap(), expected);
    }
    let quote = Scope::new(BTreeMap::from([("q".into(), json!("it's"))]));
    assert_eq!(
        quote
            .expand("filter a = '{q}'", Quoting::LogsInsights)
            .unwrap(),
        r"filter a = 'it\'s'"
    );
    let err = s
        .expand("filter `{evil}` = 1", Quoting::LogsInsights)
        .unwrap_err();
    assert!(err.to_string().contains("field name"), "{err}");
    let err = s
        .expand("filter @message like /{evil}/", Quoting::LogsInsights)
        .unwrap_err();
    assert!(err.to_string().contains("regex"), "{err}");
    // Division is not a regex.
    assert_eq!(
        s.expand("stats sum(x) / {limit}", Quoting::LogsInsights)
            .unwrap(),
        "stats sum(x) / 20"
    );
    let err = s.expand("FILL({evil}, 0)", Quoting::Plain).unwrap_err();
    assert!(err.to_string().contains("metric expression"), "{err}");
    assert_eq!(
        s.expand("m_{service}", Quoting::Plain).unwrap(),
        "m_orders-api"
    );
}
