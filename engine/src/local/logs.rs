//! Local logs: one directory per log group under `logs/`, one file per stream, one event
//! per line (JSON with a `timestamp` field, or text starting with an instant; indented
//! text lines continue the event before them). Streams are read in time order and cut to
//! the window as they are read, so memory follows the result, not the input.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use chrono::DateTime;

use super::files::{file_error, files_in, format_of, open_lines, stem};
use crate::error::EngineError;
use playbook::time_range::TimeRange;

/// One log group of a local source.
#[derive(Debug, Clone)]
pub struct LogGroup {
    /// The name as CloudWatch would show it (`/ecs/checkout`).
    pub name: String,
    pub dir: PathBuf,
}

/// Every log group under `root` (a directory holding event files is a group; its name is
/// its path under `root`, with a leading `/`).
pub fn groups(root: &Path) -> Result<Vec<LogGroup>, EngineError> {
    let mut found = Vec::new();
    if root.is_dir() {
        walk(root, root, &mut found)?;
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<LogGroup>) -> Result<(), EngineError> {
    let entries = std::fs::read_dir(dir).map_err(|e| file_error(dir, &e))?;
    let mut has_events = false;
    let mut subdirs = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| file_error(dir, &e))?.path();
        if path.is_dir() {
            subdirs.push(path);
        } else if format_of(&path).is_some() {
            has_events = true;
        }
    }
    if has_events && dir != root {
        let relative = dir.strip_prefix(root).unwrap_or(dir);
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        found.push(LogGroup {
            name: format!("/{}", parts.join("/")),
            dir: dir.to_owned(),
        });
    }
    subdirs.sort();
    for sub in subdirs {
        walk(root, &sub, found)?;
    }
    Ok(())
}

/// Whether `name` (with or without a leading `/`) names `group`.
pub fn same_group(name: &str, group: &LogGroup) -> bool {
    name.trim_start_matches('/') == group.name.trim_start_matches('/')
}

/// One stream's file.
#[derive(Debug, Clone)]
pub struct Stream {
    pub name: String,
    pub path: PathBuf,
}

/// The streams of a group, sorted by name.
pub fn streams(group: &LogGroup) -> Result<Vec<Stream>, EngineError> {
    Ok(files_in(&group.dir)?
        .into_iter()
        .filter(|p| format_of(p).is_some())
        .map(|path| Stream {
            name: stem(&path),
            path,
        })
        .collect())
}

/// Reads the events of `stream` inside `window`, calling `each(timestamp_ms, message)`;
/// returns how many events and bytes were read in the window.
pub fn read_events(
    stream: &Stream,
    window: &TimeRange,
    mut each: impl FnMut(i64, &str),
) -> Result<(u64, u64), EngineError> {
    let (start, end) = (
        window.start.timestamp_millis(),
        window.end.timestamp_millis(),
    );
    let text_format = format_of(&stream.path) == Some("text");
    let mut reader = open_lines(&stream.path)?;
    let mut line = String::new();
    // A text event may continue over indented lines: it is held until the next one starts.
    let mut pending: Option<(i64, String)> = None;
    let mut last_time = i64::MIN;
    let (mut events, mut bytes) = (0u64, 0u64);
    let mut emit = |time: i64, message: &str, events: &mut u64, bytes: &mut u64| {
        if time >= start && time < end {
            *events += 1;
            *bytes += message.len() as u64;
            each(time, message);
        }
    };
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|e| file_error(&stream.path, &e))?;
        if read == 0 {
            break;
        }
        let message = line.trim_end_matches(['\n', '\r']);
        if message.is_empty() {
            continue;
        }
        if text_format {
            if let Some(time) = leading_time(message) {
                if let Some((t, m)) = pending.take() {
                    emit(t, &m, &mut events, &mut bytes);
                }
                if time >= end {
                    return Ok((events, bytes));
                }
                last_time = time;
                pending = Some((time, message.to_owned()));
            } else if let Some((_, m)) = pending.as_mut() {
                m.push('\n');
                m.push_str(message);
            }
            continue;
        }
        let time = json_time(message).unwrap_or(last_time);
        if time == i64::MIN {
            continue;
        }
        if time >= end {
            break;
        }
        last_time = time;
        emit(time, message, &mut events, &mut bytes);
    }
    if let Some((t, m)) = pending.take() {
        emit(t, &m, &mut events, &mut bytes);
    }
    Ok((events, bytes))
}

/// The event time of a JSON line: its `timestamp` (or `@timestamp`, `time`, `ts`) field,
/// RFC 3339 or epoch seconds/milliseconds, found without parsing the whole line.
pub fn json_time(line: &str) -> Option<i64> {
    for key in ["\"timestamp\"", "\"@timestamp\"", "\"time\"", "\"ts\""] {
        let Some(at) = line.find(key) else { continue };
        let rest = line[at + key.len()..]
            .trim_start()
            .strip_prefix(':')?
            .trim_start();
        if let Some(quoted) = rest.strip_prefix('"') {
            let text = &quoted[..quoted.find('"')?];
            return instant_ms(text);
        }
        let number: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        return instant_ms(&number);
    }
    None
}

/// The time at the start of a text line (RFC 3339, `YYYY-MM-DD HH:MM:SS`, or epoch).
pub fn leading_time(line: &str) -> Option<i64> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let mut tokens = line.split_whitespace();
    let first = tokens.next()?;
    if let Some(t) = instant_ms(first.trim_end_matches([',', ']']).trim_start_matches('[')) {
        return Some(t);
    }
    let second = tokens.next()?;
    instant_ms(&format!("{first}T{second}"))
}

fn instant_ms(text: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    if let Ok(t) =
        chrono::NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f")
    {
        return Some(t.and_utc().timestamp_millis());
    }
    let number: f64 = text.parse().ok()?;
    if !number.is_finite() || number < 1e9 {
        return None;
    }
    // Epoch seconds (possibly fractional) or milliseconds.
    Some(if number >= 1e11 {
        number as i64
    } else {
        (number * 1000.0) as i64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_times_in_every_form() {
        assert_eq!(
            json_time(r#"{"level":"INFO","timestamp":"2026-11-12T14:05:01.123Z"}"#),
            Some(1_794_492_301_123)
        );
        assert_eq!(
            json_time(r#"{"ts": 1794492301123, "x": 1}"#),
            Some(1_794_492_301_123)
        );
        assert_eq!(
            json_time(r#"{"time": 1794492301.5}"#),
            Some(1_794_492_301_500)
        );
        assert_eq!(json_time(r#"{"msg":"no time"}"#), None);
    }

    #[test]
    fn text_lines_start_with_their_time() {
        assert_eq!(
            leading_time("2026-11-12T14:05:01Z ERROR x"),
            Some(1_794_492_301_000)
        );
        assert_eq!(
            leading_time("2026-11-12 14:05:01.5 ERROR x"),
            Some(1_794_492_301_500)
        );
        assert_eq!(
            leading_time("[2026-11-12T14:05:01Z] x"),
            Some(1_794_492_301_000)
        );
        assert_eq!(leading_time("   at Pool.acquire"), None);
        assert_eq!(leading_time("ERROR without time"), None);
    }
}
