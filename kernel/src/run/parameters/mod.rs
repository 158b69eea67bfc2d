//! Playbook parameters, papermill's conventions for Rust: the cell tagged `parameters`
//! declares defaults (`let service: String = "checkout".into();`, or untyped like
//! papermill's Python, `let limit = 10;`), and a run injects a cell tagged
//! `injected-parameters` right after it with the given values as `let` bindings. Every
//! value is checked against its declared type (or its default literal's kind) before
//! anything runs, and the record keeps every parameter in effect, defaults included.
//!
//! `files.rs`: where given values come from (`-p`, JSON and YAML files); `literal.rs`:
//! values as Rust code and as JSON.

mod files;
mod literal;

use std::collections::BTreeMap;

use serde_json::Value;

pub(crate) use files::given;
use literal::{FLOAT, INTEGER, default_value, is_datetime, is_json, literal};

/// A parameter declared in the `parameters` cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Declared {
    pub(crate) name: String,
    /// The declared type, without spaces; for an untyped declaration, the kind of its
    /// default literal (`&str`, `bool`, `{integer}`, `{float}`).
    pub(crate) ty: String,
    /// The default's expression as written.
    pub(crate) default: String,
}

/// Why parameters cannot be applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ParameterError {
    #[error("-p {0}: expected NAME=VALUE")]
    Syntax(String),
    #[error("unknown parameter `{name}`: the parameters cell declares {declared}")]
    Unknown { name: String, declared: String },
    #[error("parameter `{name}`: {value:?} is not a valid {ty}{hint}")]
    BadValue {
        name: String,
        value: String,
        ty: String,
        hint: String,
    },
    #[error(
        "parameter `{name}` has type {ty}, which `playbook run` cannot set; use i64, f64, bool, String, DateTime<Utc>, Json (serde_json::Value) or Vec of those"
    )]
    Unsupported { name: String, ty: String },
    #[error("parameters file: {0}")]
    File(String),
}

/// Reads the declarations of a `parameters` cell: `let [mut] NAME: TYPE = …;` lines, and
/// untyped `let [mut] NAME = LITERAL;` lines whose literal says the type. A line's
/// trailing `// comment` is not part of its default.
pub(crate) fn declarations(source: &str) -> Vec<Declared> {
    let mut found = Vec::new();
    for line in source.lines() {
        let line = without_line_comment(line);
        let Some(rest) = line.trim().strip_prefix("let ") else {
            continue;
        };
        let rest = rest.trim_start();
        let rest = rest.strip_prefix("mut ").unwrap_or(rest).trim_start();
        let Some((left, default)) = rest.split_once('=') else {
            continue;
        };
        let default = default.trim().trim_end_matches(';').trim().to_owned();
        let (name, ty) = match left.split_once(':') {
            Some((name, ty)) => (name.trim(), ty.split_whitespace().collect::<String>()),
            None => match untyped_kind(&default) {
                Some(kind) => (left.trim(), kind.to_owned()),
                None => continue,
            },
        };
        if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            found.push(Declared {
                name: name.to_owned(),
                ty,
                default,
            });
        }
    }
    found
}

/// `line` without its trailing `// comment` (one outside a string literal).
fn without_line_comment(line: &str) -> &str {
    let (mut quoted, mut escaped) = (false, false);
    for (at, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '/' if !quoted && line[at + 1..].starts_with('/') => return &line[..at],
            _ => {}
        }
    }
    line
}

/// The kind of an untyped declaration's literal, as papermill reads Python literals.
fn untyped_kind(default: &str) -> Option<&'static str> {
    let d = default.trim();
    if d.starts_with('"') && d.ends_with('"') && d.len() >= 2 {
        return Some("&str");
    }
    if d == "true" || d == "false" {
        return Some("bool");
    }
    let plain = d.strip_prefix('-').unwrap_or(d).replace('_', "");
    if !plain.is_empty() && plain.chars().all(|c| c.is_ascii_digit()) {
        return Some(INTEGER);
    }
    if plain.parse::<f64>().is_ok() && plain.contains('.') {
        return Some(FLOAT);
    }
    None
}

/// A parameter's value, checked, as Rust code and as JSON for the record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    pub(crate) name: String,
    pub(crate) ty: String,
    pub(crate) code: String,
    pub(crate) value: Value,
}

/// Checks every given value against the declarations.
pub(crate) fn resolve(
    declared: &[Declared],
    given: &[(String, String)],
) -> Result<Vec<Resolved>, ParameterError> {
    let by_name: BTreeMap<&str, &Declared> =
        declared.iter().map(|d| (d.name.as_str(), d)).collect();
    given
        .iter()
        .map(|(name, raw)| {
            let Some(decl) = by_name.get(name.as_str()) else {
                let names: Vec<&str> = declared.iter().map(|d| d.name.as_str()).collect();
                return Err(ParameterError::Unknown {
                    name: name.clone(),
                    declared: if names.is_empty() {
                        "nothing (no cell tagged `parameters`)".into()
                    } else {
                        names.join(", ")
                    },
                });
            };
            let (code, value) = literal(&decl.ty, raw.trim(), name)?;
            Ok(Resolved {
                name: name.clone(),
                ty: decl.ty.clone(),
                code,
                value,
            })
        })
        .collect()
}

/// Every parameter in effect: the given value where there is one, else the default as
/// the parameters cell writes it.
pub(crate) fn in_effect(declared: &[Declared], given: &[Resolved]) -> BTreeMap<String, Value> {
    declared
        .iter()
        .map(|d| {
            let value = given
                .iter()
                .find(|r| r.name == d.name)
                .map_or_else(|| default_value(&d.default), |r| r.value.clone());
            (d.name.clone(), value)
        })
        .collect()
}

/// Whether a parameter's value is a secret: its name looks like one, by the rules for
/// environment variables (`db_password`, `api_key`, `token`). Such a value is never
/// written: not in the record's metadata, the injected cell, the summary or a report.
pub(crate) fn is_secret(name: &str) -> bool {
    crate::redact::looks_secret(name)
}

/// What the runner evaluates for the injected cell: typed parameters read from the
/// session (`playbook::parameter`), which holds the same values, so that the compiled cell
/// is the same whatever the values (a fleet's targets, a canary's ticks compile it once).
/// Untyped ones keep their literal (their type comes from it), and so do borrowed ones
/// (`&str`: a value read at run time cannot be borrowed for the cell's lifetime).
pub(crate) fn evaluated_source(resolved: &[Resolved]) -> String {
    let mut source = String::from("// Parameters injected by `playbook run`\n");
    for r in resolved {
        if is_secret(&r.name) {
            source.push_str(&secret_line(r));
        } else if r.ty.starts_with('{') || r.ty.contains('&') {
            source.push_str(&literal_line(r));
        } else {
            source.push_str(&format!(
                "let {}: {} = playbook::parameter({:?})?;\n",
                r.name,
                rust_type(&r.ty),
                r.name
            ));
        }
    }
    source
}

/// The injected cell as the record shows it: each parameter's value as a literal, as
/// papermill does, so the record reads (and reruns in Jupyter) on its own; a secret
/// parameter is read from the session instead, so its value is in no cell.
pub(crate) fn injected_source(resolved: &[Resolved]) -> String {
    let mut source = String::from("// Parameters injected by `playbook run`\n");
    for r in resolved {
        if is_secret(&r.name) {
            source.push_str(&secret_line(r));
        } else {
            source.push_str(&literal_line(r));
        }
    }
    source
}

/// A secret parameter, read from the session at run time: valid Rust of the declared
/// type whose text holds no value (untyped numbers read as `i64`/`f64`, a `&str` as a
/// leaked `String`, which lives as long as the cell's variables).
fn secret_line(r: &Resolved) -> String {
    let name = &r.name;
    let read = |ty: &str| format!("playbook::parameter::<{ty}>({name:?})?");
    let (ty, value) = match r.ty.as_str() {
        INTEGER => ("i64".to_owned(), read("i64")),
        FLOAT => ("f64".to_owned(), read("f64")),
        ty if ty.contains('&') => ("&str".to_owned(), format!("{}.leak()", read("String"))),
        ty => (rust_type(ty).to_owned(), read(rust_type(ty))),
    };
    format!("let {name}: {ty} = {value}; // a secret parameter: read at run time, never recorded\n")
}

/// `let NAME: TYPE = LITERAL;` (or, untyped like the declaration, `let NAME = LITERAL;`).
fn literal_line(r: &Resolved) -> String {
    if r.ty.starts_with('{') {
        // Untyped, like the declaration: Rust infers the type from its use.
        return format!("let {} = {};\n", r.name, r.code);
    }
    let ty = rust_type(&r.ty);
    // A datetime's code names its declared type (`parse::<DateTime<Utc>>`); no other
    // code is rewritten (a string's text may contain a type's name).
    let code = if is_datetime(&r.ty) {
        r.code.replace(&r.ty, ty)
    } else {
        r.code.clone()
    };
    format!("let {}: {ty} = {code};\n", r.name)
}

/// The type as an injected cell writes it (chrono's and serde_json's through the
/// library's re-exports).
fn rust_type(ty: &str) -> &str {
    if is_datetime(ty) {
        "playbook::chrono::DateTime<playbook::chrono::Utc>"
    } else if is_json(ty) {
        "playbook::serde_json::Value"
    } else {
        ty
    }
}

#[cfg(test)]
mod tests;
