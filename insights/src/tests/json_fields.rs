//! Fields discovered in JSON messages: flattening, arrays, number text, escapes.

use super::{T0, cells, run, table};

const EVENT: &str = r#" {"level": "INFO", "http": {"status": 404, "path": "/a"}, "tags": ["x", "y"],
  "ok": true, "nil": null, "n": 1.50, "obj": {"k": [1, 2], "s": "a b"}, "esc": "a\"b\\n\u00e9",
  "http.method": "GET", "@field-with-dash": "z", "deep": [{"id": 7}]} "#;

#[test]
fn nested_objects_arrays_and_scalars_are_flattened() {
    let q = "fields level, http.status, `http.path`, tags.0, tags.1, tags, ok, nil, n, obj, obj.k.1, \
             esc, `http.method`, `@field-with-dash`, deep.0.id, http, missing";
    let out = run(q, &[(T0, EVENT)]);
    let want = [[
        "INFO",
        "404",
        "/a",
        "x",
        "y",
        r#"["x","y"]"#,
        "true",
        "∅",
        "1.50",
        r#"{"k":[1,2],"s":"a b"}"#,
        "2",
        "a\"b\\né",
        "GET",
        "z",
        "7",
        r#"{"status":404,"path":"/a"}"#,
        "∅",
    ]];
    assert_eq!(cells(&out), table(&want));
}

#[test]
fn numbers_keep_their_text_and_compare_as_numbers() {
    let out = run(
        "filter n = 1.5 and http.status > 400 | fields n",
        &[(T0, EVENT)],
    );
    assert_eq!(cells(&out), table(&[["1.50"]]));
}

#[test]
fn non_json_and_broken_json_have_no_discovered_fields() {
    let events = [
        (T0, "level=INFO plain text"),
        (T0 + 1, r#"{"level": "WARN", "x": "#),
        (
            T0 + 2,
            r#"{"x": [1, {"level": "nested"}], "level": "ERROR"}"#,
        ),
        (T0 + 3, r#"["level", "ERROR"]"#),
    ];
    let out = run("fields level", &events);
    assert_eq!(cells(&out), table(&[["∅"], ["ERROR"], ["WARN"], ["∅"]]));
}

#[test]
fn a_dotted_key_and_the_nesting_it_names_are_both_found() {
    let events = [
        (T0, r#"{"a.b": 1}"#),
        (T0 + 1, r#"{"a": {"b": 2}}"#),
        (T0 + 2, r#"{"a": {"b.c": 3}}"#),
    ];
    let out = run("fields a.b, a.b.c", &events);
    assert_eq!(cells(&out), table(&[["∅", "3"], ["2", "∅"], ["1", "∅"]]));
}

#[test]
fn parsed_fields_shadow_json_fields_after_the_parse() {
    let events = [(T0, r#"{"level": "INFO", "msg": "code=E42"}"#)];
    let q = r#"fields level as before | parse msg "code=*" as level | fields before, level"#;
    assert_eq!(cells(&run(q, &events)), table(&[["INFO", "E42"]]));
}
