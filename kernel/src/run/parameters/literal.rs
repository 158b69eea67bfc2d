//! Parameter values as Rust code (what the injected cell says) and as JSON (what the
//! record says): the given text checked against the declared type, and the defaults
//! written in the parameters cell read back as data.

use serde_json::Value;

use super::ParameterError;

/// The type of an untyped integer declaration (`let limit = 10;`).
pub(super) const INTEGER: &str = "{integer}";
/// The type of an untyped float declaration (`let ratio = 0.5;`).
pub(super) const FLOAT: &str = "{float}";

/// A Rust string literal for `text`: quotes and backslashes escaped, and every control
/// or invisible formatting character (bidi overrides like U+202E, zero-width spaces) as
/// `\u{…}`, which rustc refuses to see raw in a literal.
pub(super) fn rust_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_format(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Invisible formatting characters (Unicode category Cf) that change how text reads:
/// bidi controls, zero-width characters, the byte-order mark.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
    )
}

/// A default as written in the parameters cell, read back as data for the record: a
/// literal (`60`, `0.5`, `true`, `"checkout"`, `"…".into()`, `String::from("…")`,
/// `vec![…]`, `"2026-…".parse().unwrap()`, `json!(…)` of JSON), else the expression's text.
pub(super) fn default_value(expression: &str) -> Value {
    let e = expression.trim();
    for macro_call in [
        "json!(",
        "serde_json::json!(",
        "playbook::serde_json::json!(",
    ] {
        if let Some(inner) = e.strip_prefix(macro_call).and_then(|r| r.strip_suffix(')'))
            && let Ok(value) = serde_json::from_str::<Value>(inner)
        {
            return value;
        }
    }
    if let Some(items) = e.strip_prefix("vec![").and_then(|r| r.strip_suffix(']')) {
        let parts = split_top_level(items);
        return Value::Array(parts.iter().map(|p| default_value(p)).collect());
    }
    for wrapper in ["String::from(", "Some("] {
        if let Some(inner) = e.strip_prefix(wrapper).and_then(|r| r.strip_suffix(')')) {
            return default_value(inner);
        }
    }
    for suffix in [
        ".into()",
        ".to_string()",
        ".to_owned()",
        ".parse().unwrap()",
        ".unwrap()",
    ] {
        if let Some(inner) = e.strip_suffix(suffix) {
            return default_value(inner);
        }
    }
    if let Some(at) = e.find(".parse") {
        return default_value(&e[..at]);
    }
    if e.starts_with('"') && e.ends_with('"') && e.len() >= 2 {
        return serde_json::from_str::<String>(e).map_or_else(
            |_| Value::String(e[1..e.len() - 1].to_owned()),
            Value::String,
        );
    }
    match e {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    let number = e.replace('_', "");
    let digits = strip_numeric_suffix(&number);
    if let Ok(n) = digits.parse::<i64>() {
        return Value::from(n);
    }
    if let Ok(x) = digits.parse::<f64>()
        && x.is_finite()
    {
        return Value::from(x);
    }
    Value::String(e.to_owned())
}

/// `60i64` → `60`, `0.5f64` → `0.5`.
fn strip_numeric_suffix(text: &str) -> &str {
    for suffix in [
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
        "f32", "f64",
    ] {
        if let Some(rest) = text.strip_suffix(suffix) {
            return rest;
        }
    }
    text
}

/// Splits `a, "b, c", vec![1, 2]` at its top-level commas.
fn split_top_level(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut current) = (0i32, false, String::new());
    let mut previous = '\0';
    for c in text.chars() {
        match c {
            '"' if previous != '\\' => quoted = !quoted,
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                parts.push(std::mem::take(&mut current));
                previous = c;
                continue;
            }
            _ => {}
        }
        current.push(c);
        previous = c;
    }
    if !current.trim().is_empty() {
        parts.push(current);
    }
    parts
}

fn bad(name: &str, value: &str, ty: &str, hint: &str) -> ParameterError {
    ParameterError::BadValue {
        name: name.into(),
        value: value.into(),
        ty: ty.into(),
        hint: hint.into(),
    }
}

/// The Rust expression for `raw` as a value of type `ty`, and its JSON form.
pub(super) fn literal(ty: &str, raw: &str, name: &str) -> Result<(String, Value), ParameterError> {
    match ty {
        "i8" | "i16" | "i32" | "i64" | "isize" | "u8" | "u16" | "u32" | "u64" | "usize" => {
            integer_literal(ty, raw, name)
        }
        // Untyped declarations (`let limit = 10;`): an unsuffixed literal, so Rust infers
        // the type from how the notebook uses it, as it did for the default.
        INTEGER => {
            let (code, value) = integer_literal("i64", raw, name)?;
            Ok((code.trim_end_matches("i64").to_owned(), value))
        }
        FLOAT => {
            let x: f64 = raw.parse().map_err(|_| bad(name, raw, ty, " (a number)"))?;
            if !x.is_finite() {
                return Err(bad(name, raw, ty, " (a finite number)"));
            }
            Ok((format!("{x:?}"), Value::from(x)))
        }
        "f32" | "f64" => {
            let x: f64 = raw.parse().map_err(|_| bad(name, raw, ty, " (a number)"))?;
            if !x.is_finite() {
                return Err(bad(name, raw, ty, " (a finite number)"));
            }
            Ok((format!("{x:?}{ty}"), Value::from(x)))
        }
        "bool" => match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(("true".into(), Value::Bool(true))),
            "false" | "no" | "0" => Ok(("false".into(), Value::Bool(false))),
            _ => Err(bad(name, raw, ty, " (true or false)")),
        },
        "String" | "&str" | "&'staticstr" => {
            let quoted = rust_string(raw);
            let code = if ty == "String" {
                format!("String::from({quoted})")
            } else {
                quoted
            };
            Ok((code, Value::String(raw.to_owned())))
        }
        t if is_datetime(t) => datetime_literal(ty, raw, name),
        t if is_json(t) => Ok(json_literal(raw)),
        t if t.starts_with("Vec<") && t.ends_with('>') => {
            vec_literal(&t[4..t.len() - 1], raw, name)
        }
        _ => Err(ParameterError::Unsupported {
            name: name.into(),
            ty: ty.into(),
        }),
    }
}

/// A whole number of integer type `ty`, checked against the type's range.
fn integer_literal(ty: &str, raw: &str, name: &str) -> Result<(String, Value), ParameterError> {
    let n: i128 = raw
        .parse()
        .map_err(|_| bad(name, raw, ty, " (a whole number)"))?;
    let fits = match ty {
        "i8" => i8::try_from(n).is_ok(),
        "i16" => i16::try_from(n).is_ok(),
        "i32" => i32::try_from(n).is_ok(),
        "u8" => u8::try_from(n).is_ok(),
        "u16" => u16::try_from(n).is_ok(),
        "u32" => u32::try_from(n).is_ok(),
        "u64" | "usize" => u64::try_from(n).is_ok(),
        _ => i64::try_from(n).is_ok(),
    };
    if !fits {
        return Err(bad(name, raw, ty, " (out of range)"));
    }
    Ok((format!("{n}{ty}"), Value::from(n as i64)))
}

/// An RFC 3339 instant, parsed in the cell as `ty` (a `DateTime<Utc>`).
fn datetime_literal(ty: &str, raw: &str, name: &str) -> Result<(String, Value), ParameterError> {
    let parsed = chrono::DateTime::parse_from_rfc3339(raw)
        .map_err(|_| {
            bad(
                name,
                raw,
                ty,
                " (an RFC 3339 time such as 2026-11-26T10:07:00Z)",
            )
        })?
        .with_timezone(&chrono::Utc);
    let text = parsed.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    Ok((
        format!("{text:?}.parse::<{ty}>().expect(\"checked by playbook run\")"),
        Value::String(text),
    ))
}

/// Any JSON value (`Json`, `serde_json::Value`): `raw` when it is JSON, else the JSON
/// string of its text (`-p note=hello` is `"hello"`). The cell parses the JSON text from
/// an escaped string literal, so nothing in it is code.
fn json_literal(raw: &str) -> (String, Value) {
    let value = serde_json::from_str::<Value>(raw).unwrap_or_else(|_| Value::from(raw));
    let code = format!(
        "playbook::serde_json::from_str::<playbook::serde_json::Value>({}).expect(\"checked by playbook run\")",
        rust_string(&value.to_string())
    );
    (code, value)
}

/// A JSON array or a comma list, each item a literal of type `inner`.
fn vec_literal(inner: &str, raw: &str, name: &str) -> Result<(String, Value), ParameterError> {
    let items: Vec<String> = match serde_json::from_str::<Value>(raw) {
        Ok(Value::Array(values)) => values
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
        _ if raw.is_empty() => Vec::new(),
        _ => raw.split(',').map(|s| s.trim().to_owned()).collect(),
    };
    let mut codes = Vec::new();
    let mut values = Vec::new();
    for item in &items {
        let (code, value) = literal(inner, item, name)?;
        codes.push(code);
        values.push(value);
    }
    Ok((format!("vec![{}]", codes.join(", ")), Value::Array(values)))
}

/// Whether `ty` is a JSON value (the prelude's `Json` is `serde_json::Value`).
pub(super) fn is_json(ty: &str) -> bool {
    matches!(
        ty,
        "Json" | "serde_json::Value" | "playbook::serde_json::Value" | "playbook::prelude::Json"
    )
}

pub(super) fn is_datetime(ty: &str) -> bool {
    matches!(
        ty,
        "DateTime<Utc>"
            | "chrono::DateTime<Utc>"
            | "chrono::DateTime<chrono::Utc>"
            | "playbook::chrono::DateTime<playbook::chrono::Utc>"
    )
}
