//! Every scalar function and operator, on one event.

use super::{T0, run};

const EVENT: &str = r#"{"s":"  Hello World  ","n":-2.5,"a":"abc","b":"xyz","e":"","w":"   ","t":1704103200123,"big":12345678901}"#;

/// The value of `expr` for the event (at 10:07:30.250), `∅` when absent.
fn value(expr: &str) -> String {
    let out = run(&format!("fields {expr} as x"), &[(T0 + 450_250, EVENT)]);
    out.rows[0][0].clone().unwrap_or_else(|| "∅".to_owned())
}

#[track_caller]
fn check(cases: &[(&str, &str)]) {
    for (expr, want) in cases {
        assert_eq!(value(expr), *want, "{expr}");
    }
}

#[test]
fn string_functions() {
    check(&[
        ("strlen(a)", "3"),
        ("strlen('héllo')", "5"),
        ("tolower('AbC')", "abc"),
        ("toupper(a)", "ABC"),
        ("concat(a, '-', b)", "abc-xyz"),
        ("concat(a, missing, n)", "abc-2.5"),
        ("substr('xyZfooxyZ', 3, 3)", "foo"),
        ("substr(a, 1)", "bc"),
        ("substr(a, 10)", ""),
        ("replace('a-b-c', '-', '+')", "a+b+c"),
        ("trim(s)", "Hello World"),
        ("ltrim(s)", "Hello World  "),
        ("rtrim(s)", "  Hello World"),
        ("strcontains(s, 'World')", "1"),
        ("strcontains(a, 'z')", "0"),
    ]);
}

#[test]
fn numeric_functions() {
    check(&[
        ("abs(n)", "2.5"),
        ("ceil(n)", "-2"),
        ("floor(n)", "-3"),
        ("round(n)", "-3"),
        ("round(3.14159, 2)", "3.14"),
        ("greatest(1, 5, 3)", "5"),
        ("least(1, missing, -3)", "-3"),
        ("log(1)", "0"),
        ("sqrt(16)", "4"),
        ("pow(2, 10)", "1024"),
        ("sqrt(-1)", "∅"),
        ("big + 1", "12345678902"),
    ]);
}

#[test]
fn arithmetic_and_comparison_operators() {
    check(&[
        ("7 % 3", "1"),
        ("2 ^ 3 ^ 2", "512"),
        ("1 / 3", "0.3333333333333333"),
        ("1 / 0", "∅"),
        ("-n * 2", "5"),
        ("(1 + 2) * 3", "9"),
        ("1 + 2 * 3", "7"),
        ("a + 1", "∅"),
        ("n < 0", "1"),
        ("a = 'abc' and b != 'xyz'", "0"),
        ("missing = 1", "∅"),
        ("not ispresent(missing)", "1"),
    ]);
}

#[test]
fn presence_functions() {
    check(&[
        ("isempty(e)", "1"),
        ("isempty(missing)", "1"),
        ("isempty(w)", "0"),
        ("isempty(a)", "0"),
        ("isblank(w)", "1"),
        ("isblank(missing)", "1"),
        ("isblank(a)", "0"),
        ("ispresent(a)", "1"),
        ("ispresent(missing)", "0"),
        ("coalesce(missing, a, b)", "abc"),
        ("coalesce(missing)", "∅"),
        ("strlen(missing)", "∅"),
    ]);
}

#[test]
fn time_functions() {
    check(&[
        ("fromMillis(t)", "2024-01-01 10:00:00.123"),
        ("toMillis(@timestamp)", "1704103650250"),
        ("datefloor(@timestamp, 1h)", "2024-01-01 10:00:00.000"),
        ("dateceil(@timestamp, 1h)", "2024-01-01 11:00:00.000"),
        ("dateceil(fromMillis(t), 1ms)", "2024-01-01 10:00:00.123"),
        ("bin(5m)", "2024-01-01 10:05:00.000"),
        ("bin(1d)", "2024-01-01 00:00:00.000"),
        ("bin(100ms)", "2024-01-01 10:07:30.200"),
        ("@timestamp - fromMillis(t)", "450127"),
    ]);
}

#[test]
fn function_names_are_case_insensitive() {
    check(&[
        ("isPresent(a)", "1"),
        ("TOUPPER(a)", "ABC"),
        ("fromMILLIS(0)", "1970-01-01 00:00:00.000"),
    ]);
}
