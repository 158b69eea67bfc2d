//! CloudWatch Logs filter patterns (FilterLogEvents) for the local source: terms, quoted
//! phrases, `?optional` alternatives, `-excluded` terms, and JSON patterns
//! `{ $.level = "ERROR" && $.latency_ms > 500 }`.

use serde_json::Value;

use crate::error::EngineError;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterPattern {
    /// Every event.
    All,
    /// Terms: all `required`, none `excluded`, and one of `any` when there are some.
    Terms {
        required: Vec<String>,
        any: Vec<String>,
        excluded: Vec<String>,
    },
    /// A JSON pattern.
    Json(JsonExpr),
}

/// How deeply a JSON pattern's parentheses may nest. Chains of `&&` and `||` are flat
/// lists, so only nesting makes the tree (and the recursion over it) deeper.
const MAX_NESTING: usize = 32;

/// A JSON pattern's condition.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonExpr {
    /// Every one holds (`a && b && c`).
    And(Vec<JsonExpr>),
    /// One holds (`a || b || c`).
    Or(Vec<JsonExpr>),
    Compare {
        path: Vec<String>,
        op: String,
        value: Value,
    },
}

impl FilterPattern {
    /// Parses a pattern; errors say what CloudWatch would accept.
    pub fn parse(pattern: &str) -> Result<FilterPattern, EngineError> {
        let pattern = pattern.trim();
        if pattern.is_empty() || pattern == "\"\"" {
            return Ok(FilterPattern::All);
        }
        if pattern.starts_with('{') {
            let inner = pattern
                .strip_prefix('{')
                .and_then(|p| p.strip_suffix('}'))
                .ok_or_else(|| bad(pattern, "a JSON pattern must end with `}`"))?;
            let tokens = json_tokens(inner);
            let mut at = 0;
            let expr = parse_or(&tokens, &mut at, pattern, 0)?;
            if at != tokens.len() {
                return Err(bad(pattern, &format!("unexpected `{}`", tokens[at])));
            }
            return Ok(FilterPattern::Json(expr));
        }
        if pattern.starts_with('[') || (pattern.starts_with('%') && pattern.len() > 1) {
            return Err(EngineError::Unsupported {
                source_name: "the local source".into(),
                what: format!("evaluate the filter pattern `{pattern}`"),
                hint: ": space-delimited `[…]` and `%regex%` patterns are CloudWatch-only here; \
                       use terms, `?alternatives`, `-exclusions` or a JSON pattern, or a Logs Insights query"
                    .into(),
            });
        }
        let (mut required, mut any, mut excluded) = (Vec::new(), Vec::new(), Vec::new());
        for term in terms(pattern) {
            if let Some(t) = term.strip_prefix('?') {
                any.push(unquote(t));
            } else if let Some(t) = term.strip_prefix('-').filter(|t| !t.is_empty()) {
                excluded.push(unquote(t));
            } else {
                required.push(unquote(&term));
            }
        }
        Ok(FilterPattern::Terms {
            required,
            any,
            excluded,
        })
    }

    /// Whether an event's message matches.
    pub fn matches(&self, message: &str) -> bool {
        match self {
            FilterPattern::All => true,
            FilterPattern::Terms {
                required,
                any,
                excluded,
            } => {
                required.iter().all(|t| message.contains(t.as_str()))
                    && (any.is_empty() || any.iter().any(|t| message.contains(t.as_str())))
                    && !excluded.iter().any(|t| message.contains(t.as_str()))
            }
            FilterPattern::Json(expr) => serde_json::from_str::<Value>(message)
                .map(|json| eval(expr, &json))
                .unwrap_or(false),
        }
    }
}

fn bad(pattern: &str, why: &str) -> EngineError {
    EngineError::InvalidInput(format!("filter pattern `{pattern}`: {why}"))
}

fn terms(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in pattern.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn unquote(term: &str) -> String {
    term.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(term)
        .to_owned()
}

fn json_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut s = String::from("\"");
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                s.push(c);
            }
            s.push('"');
            tokens.push(s);
        } else if "()".contains(c) {
            tokens.push(c.to_string());
            chars.next();
        } else if "=!<>&|".contains(c) {
            let mut op = String::new();
            while let Some(&c) = chars.peek().filter(|c| "=!<>&|".contains(**c)) {
                op.push(c);
                chars.next();
            }
            tokens.push(op);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars
                .peek()
                .filter(|c| !c.is_whitespace() && !"()=!<>&|\"".contains(**c))
            {
                word.push(c);
                chars.next();
            }
            tokens.push(word);
        }
    }
    tokens
}

fn parse_or(
    tokens: &[String],
    at: &mut usize,
    pattern: &str,
    depth: usize,
) -> Result<JsonExpr, EngineError> {
    let mut any = vec![parse_and(tokens, at, pattern, depth)?];
    while tokens.get(*at).is_some_and(|t| t == "||") {
        *at += 1;
        any.push(parse_and(tokens, at, pattern, depth)?);
    }
    Ok(if any.len() == 1 {
        any.remove(0)
    } else {
        JsonExpr::Or(any)
    })
}

fn parse_and(
    tokens: &[String],
    at: &mut usize,
    pattern: &str,
    depth: usize,
) -> Result<JsonExpr, EngineError> {
    let mut all = vec![parse_atom(tokens, at, pattern, depth)?];
    while tokens.get(*at).is_some_and(|t| t == "&&") {
        *at += 1;
        all.push(parse_atom(tokens, at, pattern, depth)?);
    }
    Ok(if all.len() == 1 {
        all.remove(0)
    } else {
        JsonExpr::And(all)
    })
}

fn parse_atom(
    tokens: &[String],
    at: &mut usize,
    pattern: &str,
    depth: usize,
) -> Result<JsonExpr, EngineError> {
    if tokens.get(*at).is_some_and(|t| t == "(") {
        if depth >= MAX_NESTING {
            return Err(bad(
                pattern,
                &format!("parentheses nest more than {MAX_NESTING} deep"),
            ));
        }
        *at += 1;
        let expr = parse_or(tokens, at, pattern, depth + 1)?;
        if tokens.get(*at).is_none_or(|t| t != ")") {
            return Err(bad(pattern, "a `(` is not closed"));
        }
        *at += 1;
        return Ok(expr);
    }
    let path = tokens
        .get(*at)
        .and_then(|t| t.strip_prefix("$."))
        .ok_or_else(|| bad(pattern, "expected a selector like `$.level`"))?;
    let op = tokens
        .get(*at + 1)
        .filter(|o| ["=", "!=", "<", "<=", ">", ">="].contains(&o.as_str()))
        .ok_or_else(|| bad(pattern, "expected one of = != < <= > >= after the selector"))?;
    let raw = tokens
        .get(*at + 2)
        .ok_or_else(|| bad(pattern, "expected a value after the operator"))?;
    let value = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(s) => Value::from(s),
        None => raw
            .parse::<f64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(raw.as_str())),
    };
    *at += 3;
    Ok(JsonExpr::Compare {
        path: path.split('.').map(str::to_owned).collect(),
        op: op.clone(),
        value,
    })
}

fn eval(expr: &JsonExpr, json: &Value) -> bool {
    match expr {
        JsonExpr::And(all) => all.iter().all(|e| eval(e, json)),
        JsonExpr::Or(any) => any.iter().any(|e| eval(e, json)),
        JsonExpr::Compare { path, op, value } => {
            let found = path.iter().try_fold(json, |v, key| match v {
                Value::Array(items) => items.get(key.parse::<usize>().ok()?),
                _ => v.get(key),
            });
            let Some(found) = found else { return false };
            match (found.as_f64(), value.as_f64()) {
                (Some(a), Some(b)) => match op.as_str() {
                    "=" => a == b,
                    "!=" => a != b,
                    "<" => a < b,
                    "<=" => a <= b,
                    ">" => a > b,
                    _ => a >= b,
                },
                _ => {
                    let text = match found {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let wanted = value.as_str().unwrap_or_default();
                    let equal = glob(wanted, &text);
                    match op.as_str() {
                        "=" => equal,
                        "!=" => !equal,
                        _ => false,
                    }
                }
            }
        }
    }
}

/// `*` matches any run of characters (CloudWatch JSON pattern wildcards).
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, message: &str) -> bool {
        FilterPattern::parse(pattern).unwrap().matches(message)
    }

    #[test]
    fn terms_must_all_appear() {
        assert!(matches("ERROR pool", "ERROR could not acquire from pool"));
        assert!(!matches("ERROR pool", "ERROR upstream 503"));
        assert!(matches(
            "\"acquire connection\"",
            "could not acquire connection"
        ));
        assert!(!matches("\"acquire connection\"", "acquire a connection"));
        assert!(matches("", "anything"));
    }

    #[test]
    fn optional_and_excluded_terms() {
        assert!(matches("?ERROR ?WARN", "WARN slow"));
        assert!(!matches("?ERROR ?WARN", "INFO ok"));
        assert!(matches("ERROR -health", "ERROR on /api/cart"));
        assert!(!matches("ERROR -health", "ERROR on /health"));
    }

    #[test]
    fn json_patterns_compare_fields() {
        let line =
            r#"{"level":"ERROR","latency_ms":812,"http":{"status":503},"route":"/api/payment"}"#;
        assert!(matches(r#"{ $.level = "ERROR" }"#, line));
        assert!(matches(
            r#"{ $.level = "ERROR" && $.latency_ms > 500 }"#,
            line
        ));
        assert!(!matches(r#"{ $.latency_ms < 500 }"#, line));
        assert!(matches(
            r#"{ $.http.status = 503 || $.level = "WARN" }"#,
            line
        ));
        assert!(matches(r#"{ $.route = "/api/*" }"#, line));
        assert!(!matches(r#"{ $.missing = "x" }"#, line));
        assert!(!matches(r#"{ $.level = "ERROR" }"#, "not json"));
    }

    #[test]
    fn bad_patterns_say_what_is_wrong() {
        let err = FilterPattern::parse(r#"{ $.level = "ERROR" "#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("must end with `}`"), "{err}");
        let err = FilterPattern::parse(r#"{ level = "ERROR" }"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected a selector"), "{err}");
        let err = FilterPattern::parse("[ip, user]").unwrap_err().to_string();
        assert!(err.contains("CloudWatch-only"), "{err}");
    }
}
