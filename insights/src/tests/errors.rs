//! Parse errors: what was expected, at which 1-based column.

use super::super::parse;

fn error(query: &str) -> String {
    match parse(query) {
        Ok(q) => panic!("{query:?} parsed: {q:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn by_with_nothing_after_points_just_past_by() {
    assert_eq!(
        error("stats avg(x) by"),
        "expected a field after `by` at col 16"
    );
    assert_eq!(
        error("stats avg(x) by | limit 1"),
        "expected a field after `by` at col 17"
    );
    let e = parse("stats avg(x) by").unwrap_err();
    assert_eq!(
        (e.column, e.message.as_str()),
        (16, "expected a field after `by`")
    );
}

#[test]
fn unknown_command() {
    assert_eq!(error("fields a | foo b"), "unknown command `foo` at col 12");
    let diff = error("filter level = \"ERROR\" | pattern @message | diff");
    assert!(
        diff.starts_with("`diff` is computed by CloudWatch Logs itself"),
        "{diff}"
    );
    assert!(error("filterIndex x = 1").starts_with("`filterIndex` is computed"));
    assert_eq!(
        error("fields a | 42"),
        "expected a command, found `42` at col 12"
    );
}

#[test]
fn empty_query_and_trailing_pipe() {
    assert_eq!(
        error(""),
        "expected a command, found the end of the query at col 1"
    );
    assert_eq!(
        error("  # only a comment"),
        "expected a command, found the end of the query at col 19"
    );
    assert_eq!(
        error("fields a |"),
        "expected a command, found the end of the query at col 11"
    );
}

#[test]
fn unterminated_string_regex_and_quoted_name() {
    assert_eq!(error(r#"filter a = "abc"#), "unterminated string at col 12");
    assert_eq!(error("filter a like /abc"), "unterminated regex at col 15");
    assert_eq!(
        error("fields `a"),
        "unterminated `` ` ``-quoted name at col 8"
    );
}

#[test]
fn parse_needs_as_and_one_name_per_star() {
    assert_eq!(
        error(r#"parse @message "* *""#),
        "expected `as` and 2 field names after the pattern, found the end of the query at col 21"
    );
    assert_eq!(
        error(r#"parse @message "* *" as a"#),
        "the pattern has 2 `*` but 1 name follows `as` at col 22"
    );
    assert_eq!(
        error(r#"parse @message "*" as a, b"#),
        "the pattern has 1 `*` but 2 names follow `as` at col 20"
    );
    assert_eq!(
        error(r#"parse @message "* *" as a,"#),
        "expected a field name after `as`, found the end of the query at col 27"
    );
    assert_eq!(
        error(r"parse @message /(\d+)/"),
        "the regex has no named groups such as (?<name>…) at col 16"
    );
    assert_eq!(
        error(r"parse @message /(?<n>\d+)/ as n"),
        "expected `|` (a regex names its fields with (?<name>…)), found `as` at col 28"
    );
    assert_eq!(
        error("parse 42"),
        "expected a field or a pattern after `parse`, found `42` at col 7"
    );
    assert_eq!(
        error("parse @message 42"),
        "expected a \"glob * pattern\" or a /regex/, found `42` at col 16"
    );
}

#[test]
fn unknown_function_and_wrong_arity() {
    assert_eq!(error("fields foo(a)"), "unknown function `foo` at col 8");
    assert_eq!(
        error("fields strlen(a, b)"),
        "`strlen` takes 1 argument, got 2 at col 8"
    );
    assert_eq!(
        error("fields replace(a)"),
        "`replace` takes 3 arguments, got 1 at col 8"
    );
    assert_eq!(
        error("fields substr(a)"),
        "`substr` takes 2 to 3 arguments, got 1 at col 8"
    );
    assert_eq!(
        error("fields concat()"),
        "`concat` takes at least 1 argument, got 0 at col 8"
    );
    assert_eq!(
        error("stats pct(x)"),
        "`pct` takes a field and a percentile, got 1 arguments at col 7"
    );
    assert_eq!(
        error("stats avg(x, y)"),
        "`avg` takes 1 argument, got 2 arguments at col 7"
    );
    assert_eq!(
        error("stats pct(x, 101)"),
        "`pct` takes a percentile from 0 to 100 as its second argument at col 7"
    );
}

#[test]
fn time_spans() {
    assert_eq!(
        error("stats count(*) by bin(5)"),
        "`bin` takes a time span such as 5m at col 19"
    );
    assert_eq!(
        error("fields datefloor(@timestamp, 3)"),
        "`datefloor` takes a time span such as 5m at col 8"
    );
    assert_eq!(
        error("stats count(*) by bin(5q)"),
        "unknown time unit `q` (use ms, s, m, h, d or w) at col 24"
    );
}

#[test]
fn aggregates_belong_in_stats() {
    assert_eq!(
        error("filter avg(x) > 1"),
        "`avg` is an aggregate function; use it in `stats` at col 8"
    );
    assert_eq!(
        error("stats level"),
        "expected an aggregate function such as count(*) at col 7"
    );
    assert_eq!(
        error("stats sum(count(*))"),
        "aggregate functions cannot be nested at col 11"
    );
    assert_eq!(
        error("stats count(*) by count(*)"),
        "`count` is an aggregate function; use it in `stats` at col 19"
    );
}

#[test]
fn trailing_garbage_and_bad_operands() {
    assert_eq!(
        error("fields a b"),
        "expected `|` or the end of the query, found `b` at col 10"
    );
    assert_eq!(
        error("filter a = 1)"),
        "expected `|` or the end of the query, found `)` at col 13"
    );
    assert_eq!(
        error("filter a = "),
        "expected an expression, found the end of the query at col 12"
    );
    assert_eq!(
        error("filter (a = 1"),
        "expected `)`, found the end of the query at col 14"
    );
    assert_eq!(
        error("filter a like 5"),
        "expected a string or a /regex/ after `like`, found `5` at col 15"
    );
    assert_eq!(
        error("filter a not b"),
        "expected `like` or `in` after `not`, found `b` at col 14"
    );
    assert_eq!(
        error("filter a in 1"),
        "expected `[` after `in`, found `1` at col 13"
    );
    assert_eq!(
        error("filter a in [1 2]"),
        "expected `,` or `]`, found `2` at col 16"
    );
    assert_eq!(error("filter a = ~"), "unexpected character `~` at col 12");
    assert_eq!(
        error("fields a as"),
        "expected a name after `as`, found the end of the query at col 12"
    );
    assert_eq!(
        error("filter and"),
        "expected an expression, found `and` at col 8"
    );
}

#[test]
fn limit_dedup_display() {
    assert_eq!(
        error("limit x"),
        "expected a number after `limit`, found `x` at col 7"
    );
    assert_eq!(
        error("limit 1.5"),
        "expected a number after `limit`, found `1.5` at col 7"
    );
    assert_eq!(
        error("dedup a | sort b"),
        "only `limit` can follow `dedup` at col 11"
    );
    assert_eq!(
        error("dedup"),
        "expected a field name after `dedup`, found the end of the query at col 6"
    );
    assert_eq!(
        error("display 1"),
        "expected a field name, found `1` at col 9"
    );
}

#[test]
fn invalid_regex_is_reported_at_the_regex() {
    let e = parse("filter @message like /(/").unwrap_err();
    assert_eq!(e.column, 22);
    assert!(e.message.starts_with("invalid regex: "), "{}", e.message);
}

#[test]
fn columns_count_characters_not_bytes() {
    assert_eq!(
        error(r#"filter a = "é" | föo"#),
        "unknown command `föo` at col 18"
    );
}

#[test]
fn parse_error_is_an_error() {
    let e: Box<dyn std::error::Error> = Box::new(parse("sort").unwrap_err());
    assert_eq!(
        e.to_string(),
        "expected an expression, found the end of the query at col 5"
    );
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("filter {}a{}", "(".repeat(200), ")".repeat(200));
    assert_eq!(
        error(&deep),
        "expected a less deeply nested expression, found `(` at col 72"
    );
    assert!(parse(&format!("filter {}a = 1{}", "(".repeat(20), ")".repeat(20))).is_ok());
    let nots = format!("filter {}a", "not ".repeat(100));
    assert!(error(&nots).starts_with("expected a less deeply nested expression"));
}

#[test]
fn long_operator_chains_are_refused_not_a_stack_overflow() {
    // 8,000 terms used to abort the kernel ("tokio-rt-worker has overflowed its stack").
    for op in ["+", "*", "-", "/", "or", "and"] {
        let chain = vec!["1"; 8_000].join(&format!(" {op} "));
        let message = error(&format!("fields {chain} as x | limit 1"));
        assert!(
            message.starts_with("expected a shorter expression (at most 256 levels"),
            "{op}: {message}"
        );
    }
    let flat = vec!["a = 1"; 25_000].join(" or ");
    assert!(error(&format!("filter {flat}")).starts_with("expected a shorter expression"));
}

#[test]
fn an_expression_at_the_depth_bound_evaluates_on_a_small_stack() {
    // The deepest tree the parser accepts, planned, evaluated and dropped on a thread with
    // half the default stack: the bound, not the query's length, sizes the stack.
    let chain = vec!["n"; 250].join(" + ");
    let nested = format!("{}n{}", "(".repeat(60), ")".repeat(60));
    let query = format!("fields {chain} + {nested} as total | filter total > 0 or {chain} > 1");
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let events = [(super::T0, r#"{"n": 2}"#)];
            super::column(&format!("{query} | display total"), &events)
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), ["502"]);
}

#[test]
fn a_time_span_of_zero_is_refused() {
    for query in [
        "stats count(*) by bin(0s)",
        "stats count(*) by bin(0m)",
        "fields datefloor(@timestamp, 0h)",
    ] {
        let message = error(query);
        assert!(
            message.contains("takes a time span longer than 0"),
            "{query}: {message}"
        );
    }
}
