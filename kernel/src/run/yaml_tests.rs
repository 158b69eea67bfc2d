//! Tests of the YAML reader: what it reads, and that no document expands past its text:
//! alias bombs at several sizes, nesting at the bound and past it, long flat documents
//! at the node bound, and fuzzed YAML at lengths up to the file limit's scale.

use playbook_engine::limits::{MAX_YAML_DEPTH, MAX_YAML_NODES};
use playbook_testkit::{Fuzz, lengths};
use serde_json::{Value, json};

use super::to_json;

/// A "billion laughs" document: `levels` anchors, each a list of `width` aliases of the
/// one before (`width^levels` strings once expanded), then a key using the last.
fn alias_bomb(levels: usize, width: usize) -> String {
    let mut text = String::from("a0: &a0 [\"lol\"]\n");
    for level in 1..=levels {
        let items = vec![format!("*a{}", level - 1); width].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    text.push_str(&format!("targets: *a{levels}\n"));
    text
}

/// Nodes in a value (what the reader counted).
fn nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(nodes).sum(),
        Value::Object(map) => map.values().map(|v| 1 + nodes(v)).sum(),
        _ => 0,
    }
}

#[test]
fn yaml_reads_as_the_json_it_means() {
    let value = to_json("a: 1\nb: [x, 2.5, true]\nc: {d: null}\ne: !!str 12\nf: '7'\n").unwrap();
    assert_eq!(
        value,
        json!({"a": 1, "b": ["x", 2.5, true], "c": {"d": null}, "e": "12", "f": "7"})
    );
    // An anchor alone is harmless; only its use is refused.
    assert_eq!(to_json("a: &x 1\n").unwrap(), json!({"a": 1}));
}

#[test]
fn deep_or_odd_yaml_is_an_error_not_a_crash() {
    let deep = "[".repeat(200) + &"]".repeat(200);
    assert!(
        to_json(&deep)
            .unwrap_err()
            .contains("nested deeper than 32 levels")
    );
    assert!(
        to_json("a: .nan")
            .unwrap_err()
            .contains("not a finite number")
    );
    assert!(
        to_json("a: 1e999")
            .unwrap_err()
            .contains("not a finite number")
    );
    assert_eq!(to_json("").unwrap_err(), "the file is empty");
    assert!(
        to_json("a: !custom 1")
            .unwrap_err()
            .contains("tags are not supported")
    );
    assert!(
        to_json("? [1]\n: x\n")
            .unwrap_err()
            .contains("cannot be a key")
    );
    assert!(to_json("a: [\n").unwrap_err().contains("invalid YAML"));
}

#[test]
fn a_yaml_alias_bomb_is_refused_without_expanding() {
    // 305 bytes of this took yaml-rust2's loader 2 GB; 10^30 strings would never finish.
    for (levels, width) in [(1, 2), (9, 9), (10, 10), (30, 10), (200, 10)] {
        let bomb = alias_bomb(levels, width);
        let error = to_json(&bomb).unwrap_err();
        assert_eq!(
            error,
            "line 2: YAML aliases (`*name`) are not supported here: write the value out",
            "{levels}×{width} ({} bytes)",
            bomb.len()
        );
    }
    let late = "a: 1\nb: 2\nc: &c [1]\nd:\n  - *c\n";
    assert!(
        to_json(late)
            .unwrap_err()
            .starts_with("line 5: YAML aliases")
    );
}

#[test]
fn nesting_at_the_bound_is_read_and_one_level_past_it_is_refused() {
    let flow = |depth: usize| "[".repeat(depth) + "1" + &"]".repeat(depth);
    assert!(to_json(&flow(MAX_YAML_DEPTH)).is_ok());
    assert!(
        to_json(&flow(MAX_YAML_DEPTH + 1))
            .unwrap_err()
            .contains("nested deeper")
    );
    let block = |depth: usize| {
        (0..depth)
            .map(|d| format!("{}k{d}:\n", "  ".repeat(d)))
            .collect::<String>()
            + &"  ".repeat(depth)
            + "leaf\n"
    };
    // Block mappings: the last key holds a scalar, so `depth` keys nest `depth` levels.
    assert!(to_json(&block(MAX_YAML_DEPTH)).is_ok());
    let error = to_json(&block(MAX_YAML_DEPTH + 1)).unwrap_err();
    assert!(
        error.starts_with("line 33: nested deeper than 32"),
        "{error}"
    );
    // Far past it (a million levels): refused, no recursion to overflow (the scanner, which
    // reads ahead of the events, stops at 255 flow levels).
    let error = to_json(&flow(1_000_000)).unwrap_err();
    assert!(
        error.contains("nested deeper") || error.contains("recursion limit"),
        "{error}"
    );
    let error = to_json(&Fuzz::nest("- ", "x", "", 1_000_000)).unwrap_err();
    assert!(error.contains("nested deeper"), "{error}");
}

#[test]
fn a_long_flat_document_near_the_node_bound_is_read_and_past_it_refused() {
    // A list is one node, each item one more.
    let list = |items: usize| "- x\n".repeat(items);
    let value = to_json(&list(MAX_YAML_NODES - 1)).unwrap();
    assert_eq!(nodes(&value), MAX_YAML_NODES);
    let error = to_json(&list(MAX_YAML_NODES)).unwrap_err();
    assert_eq!(
        error,
        format!(
            "line {}: more than {MAX_YAML_NODES} values in one document",
            MAX_YAML_NODES
        )
    );
}

/// Fuzzed YAML, aliases and anchors and brackets included, at lengths up to a MiB: every
/// input ends in a value or an error, and a value never holds more nodes than the bound.
#[test]
fn fuzzed_yaml_never_expands_past_its_bounds() {
    let tokens = [
        "a", ": ", "- ", "\n", "  ", "[", "]", "{", "}", ", ", "&x ", "*x", "&y ", "*y", "!!str ",
        "!t ", "'q'", "\"d\"", "? ", "1", "2.5", "~", "#c", "---\n", "...\n", "|\n", ">\n", "<<: ",
    ];
    for seed in 0..12u64 {
        let mut fuzz = Fuzz::new(seed);
        for len in lengths(1 << 20) {
            let text = fuzz.tokens(&tokens, len);
            if let Ok(value) = to_json(&text) {
                assert!(nodes(&value) <= 2 * MAX_YAML_NODES, "seed {seed} len {len}");
            }
        }
    }
    for len in lengths(1 << 20) {
        let _ = to_json(&Fuzz::chain("- [a, {b: c}]", "\n", len));
        let _ = to_json(&Fuzz::nest("- ", "x", "", len / 4));
        let _ = to_json(&Fuzz::nest("{a: ", "1", "}", len / 8));
    }
}

#[test]
fn item_lines_point_at_each_item_in_yaml_and_json() {
    let yaml = "accounts: {}\nrules:\n  - name: a\n    x: [1, 2]\n  - name: b\nother: [9]\n";
    assert_eq!(super::item_lines(yaml, "rules"), vec![3, 5]);
    let json = "{\n  \"rules\": [\n    {\"name\": \"a\"},\n\n    {\"name\": \"b\"}\n  ]\n}";
    assert_eq!(super::item_lines(json, "rules"), vec![3, 5]);
    assert!(super::item_lines("rules: [", "rules").is_empty());
}
