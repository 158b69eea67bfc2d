//! Reading metric datapoints from files: CSV (a header naming `timestamp`, `namespace`,
//! `metric`, `value` or `values`+`counts`, maybe `unit`; every other column a dimension)
//! and JSON Lines (one object per line with the same fields, dimensions in
//! `"dimensions"`). Both formats follow the same rules (README, "Bad data"):
//! - a value or count must be a finite number (CloudWatch accepts nothing else): `NaN`,
//!   `inf` or `1e400` is an error naming the file, line and field, never a silent gap;
//! - counts must not be negative, and there must be as many as values;
//! - a dimension value given as a number or a boolean (`{"A": 1}`) is that text (`"1"`);
//! - a CSV row with more fields than its header is an error; a UTF-8 byte-order mark
//!   before the header is ignored.

use std::path::Path;

use serde_json::Value;

use super::files::lines;
use crate::error::EngineError;
use playbook::model::time_range::parse_instant_at;

/// Identifies one metric: namespace, name and its dimensions sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MetricKey {
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
}

/// One parsed datapoint before it is stored.
pub(super) struct Row {
    pub(super) key: MetricKey,
    pub(super) time: i64,
    pub(super) unit: Option<String>,
    pub(super) samples: Vec<(f64, f64)>,
}

/// A problem on one line, located for the error message.
fn bad(path: &Path, line: usize, message: impl std::fmt::Display) -> EngineError {
    EngineError::File {
        path: path.to_owned(),
        message: format!("line {line}: {message}"),
    }
}

/// A finite number, or why `text` is not one.
fn finite(text: &str, what: &str) -> Result<f64, String> {
    let number: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{what} `{text}` is not a number"))?;
    if !number.is_finite() {
        return Err(format!(
            "{what} `{text}` is not a finite number (CloudWatch accepts only finite values)"
        ));
    }
    Ok(number)
}

/// Samples from values and counts (each 1 when absent), checked.
fn samples(values: Vec<f64>, counts: Option<Vec<f64>>) -> Result<Vec<(f64, f64)>, String> {
    let counts = counts.unwrap_or_else(|| vec![1.0; values.len()]);
    if counts.len() != values.len() {
        return Err(format!(
            "{} counts for {} values: give one count per value",
            counts.len(),
            values.len()
        ));
    }
    if let Some(negative) = counts.iter().find(|c| **c < 0.0) {
        return Err(format!("count `{negative}` is negative"));
    }
    Ok(values.into_iter().zip(counts).collect())
}

fn parse_time(text: &str) -> Result<i64, String> {
    parse_instant_at(text, chrono::Utc::now())
        .map(|t| t.timestamp())
        .map_err(|_| format!("timestamp `{text}` is neither RFC 3339 nor epoch seconds"))
}

/// The columns of a CSV header.
struct Header {
    names: Vec<String>,
    time: usize,
    namespace: usize,
    metric: usize,
    value: Option<usize>,
    values: Option<usize>,
    counts: Option<usize>,
    unit: Option<usize>,
}

impl Header {
    fn parse(line: &str) -> Result<Header, String> {
        let names: Vec<String> = split_csv(line.trim_start_matches('\u{feff}'))
            .into_iter()
            .map(|c| c.trim().to_owned())
            .collect();
        let find = |name: &str| names.iter().position(|c| c == name);
        let (Some(time), Some(namespace), Some(metric)) =
            (find("timestamp"), find("namespace"), find("metric"))
        else {
            return Err(format!(
                "the header needs the columns timestamp, namespace, metric and value (or values); it has {}",
                names.join(", ")
            ));
        };
        let (value, values) = (find("value"), find("values"));
        if value.is_none() && values.is_none() {
            return Err("the header needs a value or values column".into());
        }
        Ok(Header {
            time,
            namespace,
            metric,
            value,
            values,
            counts: find("counts"),
            unit: find("unit"),
            names,
        })
    }

    /// The dimension columns: every column that is not a known one.
    fn dimensions(&self) -> Vec<usize> {
        let known = [
            Some(self.time),
            Some(self.namespace),
            Some(self.metric),
            self.value,
            self.values,
            self.counts,
            self.unit,
        ];
        (0..self.names.len())
            .filter(|i| !known.contains(&Some(*i)))
            .collect()
    }

    fn row(&self, cells: &[String]) -> Result<Row, String> {
        if cells.len() > self.names.len() {
            return Err(format!(
                "{} fields but the header has {}: quote a value that holds a comma",
                cells.len(),
                self.names.len()
            ));
        }
        let cell = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or("");
        let time = parse_time(cell(self.time))?;
        let field = |i: usize| format!("field {} (`{}`)", i + 1, self.names[i]);
        let samples = match self.values.filter(|c| !cell(*c).is_empty()) {
            Some(c) => {
                let list = |text: &str, what: &str| -> Result<Vec<f64>, String> {
                    text.split(';').map(|v| finite(v, what)).collect()
                };
                let values = list(cell(c), "value").map_err(|e| format!("{}: {e}", field(c)))?;
                let counts = match self.counts.filter(|c| !cell(*c).is_empty()) {
                    Some(n) => {
                        Some(list(cell(n), "count").map_err(|e| format!("{}: {e}", field(n)))?)
                    }
                    None => None,
                };
                samples(values, counts)?
            }
            None => {
                let c = self.value.ok_or("no value")?;
                vec![(
                    finite(cell(c), "value").map_err(|e| format!("{}: {e}", field(c)))?,
                    1.0,
                )]
            }
        };
        let mut dimensions: Vec<(String, String)> = self
            .dimensions()
            .into_iter()
            .filter(|i| !cell(*i).is_empty())
            .map(|i| (self.names[i].clone(), cell(i).to_owned()))
            .collect();
        dimensions.sort();
        Ok(Row {
            key: MetricKey {
                namespace: cell(self.namespace).to_owned(),
                metric: cell(self.metric).to_owned(),
                dimensions,
            },
            time,
            unit: self
                .unit
                .map(cell)
                .filter(|u| !u.is_empty())
                .map(str::to_owned),
            samples,
        })
    }
}

/// The rows of a CSV metrics file, handed to `add` one at a time.
pub(super) fn csv_rows(path: &Path, mut add: impl FnMut(Row)) -> Result<(), EngineError> {
    let mut lines = lines(path)?;
    let header = match lines.next() {
        Some(line) => line?,
        None => return Ok(()),
    };
    let header = Header::parse(&header).map_err(|m| bad(path, 1, m))?;
    for (number, line) in lines.enumerate() {
        let number = number + 2;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        add(header
            .row(&split_csv(&line))
            .map_err(|m| bad(path, number, m))?);
    }
    Ok(())
}

/// The rows of a JSON Lines metrics file, handed to `add` one at a time.
pub(super) fn jsonl_rows(path: &Path, mut add: impl FnMut(Row)) -> Result<(), EngineError> {
    for (number, line) in lines(path)?.enumerate() {
        let number = number + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let object: Value = serde_json::from_str(&line).map_err(|e| bad(path, number, e))?;
        add(json_row(&object).map_err(|m| bad(path, number, m))?);
    }
    Ok(())
}

fn json_row(object: &Value) -> Result<Row, String> {
    let text = |name: &str| object.get(name).and_then(Value::as_str);
    let time = match object.get("timestamp") {
        Some(Value::String(s)) => parse_time(s)?,
        Some(Value::Number(n)) => parse_time(&n.to_string())?,
        _ => return Err("no \"timestamp\"".into()),
    };
    let (Some(namespace), Some(metric)) = (text("namespace"), text("metric")) else {
        return Err("needs \"namespace\" and \"metric\"".into());
    };
    let numbers = |name: &str| -> Result<Option<Vec<f64>>, String> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| json_number(v, name))
                .collect::<Result<_, _>>()
                .map(Some),
            Some(other) => Err(format!(
                "\"{name}\" must be an array of numbers, not {other}"
            )),
        }
    };
    let samples = match (object.get("value"), numbers("values")?) {
        (Some(value), _) if !value.is_null() => vec![(json_number(value, "value")?, 1.0)],
        (_, Some(values)) => samples(values, numbers("counts")?)?,
        _ => return Err("needs a numeric \"value\" or \"values\"".into()),
    };
    let mut dimensions = Vec::new();
    if let Some(map) = object.get("dimensions").and_then(Value::as_object) {
        for (name, value) in map {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => {
                    return Err(format!(
                        "dimension \"{name}\" is {other}: give text (or a number)"
                    ));
                }
            };
            dimensions.push((name.clone(), text));
        }
    }
    dimensions.sort();
    Ok(Row {
        key: MetricKey {
            namespace: namespace.to_owned(),
            metric: metric.to_owned(),
            dimensions,
        },
        time,
        unit: text("unit").map(str::to_owned),
        samples,
    })
}

fn json_number(value: &Value, what: &str) -> Result<f64, String> {
    match value.as_f64() {
        Some(n) if n.is_finite() => Ok(n),
        _ => Err(format!("{what} {value} is not a finite number")),
    }
}

/// Splits a CSV line (RFC 4180 quoting: `"a, b"` and `""` inside quotes).
pub(super) fn split_csv(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let cell = cells.last_mut();
        match (c, quoted, cell) {
            ('"', true, Some(cell)) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _, _) => quoted = !quoted,
            (',', false, _) => cells.push(String::new()),
            (c, _, Some(cell)) => cell.push(c),
            (_, _, None) => {}
        }
    }
    cells
}
