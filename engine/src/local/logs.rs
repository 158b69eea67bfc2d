//! Local logs: one directory per log group under `logs/`, one file per stream, one event
//! per line (JSON with a `timestamp` field, or text starting with an instant; indented
//! text lines continue the event before them). Streams are read in time order and cut to
//! the window as they are read, so memory follows the result, not the input.
//!
//! Rules for data that is not as expected (README, "Bad data"): bytes that are not UTF-8
//! are read as U+FFFD; a JSON Lines line with no usable timestamp (not a JSON object, or
//! no `timestamp`/`@timestamp`/`time`/`ts` that parses) takes the time of the event before
//! it, and one before any timestamped line is skipped. Each rule, when it applied, is a
//! note naming the file, how many lines and the first line. Symbolic links to directories
//! are followed once: a link back into a directory already seen is not walked again.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::DateTime;

use super::files::{file_error, files_in, format_of, open_lines, stem};
use crate::error::EngineError;
use playbook::model::time_range::TimeRange;

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
        walk(root, root, &mut found, &mut BTreeSet::new())?;
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

fn walk(
    root: &Path,
    dir: &Path,
    found: &mut Vec<LogGroup>,
    seen: &mut BTreeSet<PathBuf>,
) -> Result<(), EngineError> {
    // A directory reached twice (a symbolic link loop, or two links to one place) is
    // walked once.
    let real = std::fs::canonicalize(dir).map_err(|e| file_error(dir, &e))?;
    if !seen.insert(real) {
        return Ok(());
    }
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
        walk(root, &sub, found, seen)?;
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

/// The first and last event times of `stream` (epoch milliseconds), read whole; `None`
/// when it holds no timed event. For the note of an empty answer only.
pub fn extent(stream: &Stream, stop: &AtomicBool) -> Result<Option<(i64, i64)>, EngineError> {
    let everything = TimeRange {
        start: DateTime::<chrono::Utc>::MIN_UTC,
        end: DateTime::<chrono::Utc>::MAX_UTC,
    };
    let mut span: Option<(i64, i64)> = None;
    read_events(stream, &everything, stop, |time, _| {
        span = Some(match span {
            None => (time, time),
            Some((lo, hi)) => (lo.min(time), hi.max(time)),
        });
    })?;
    Ok(span)
}

/// What reading a stream found.
#[derive(Debug, Default)]
pub struct Read {
    /// Events in the window.
    pub events: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Which rules for unexpected data applied (see the module's header).
    pub notes: Vec<String>,
}

/// How often (in lines) a read checks whether it was cancelled.
const CANCEL_EVERY: u64 = 4096;

/// Lines of a stream that a rule for unexpected data applied to: how many, and the first.
#[derive(Debug, Default)]
struct Odd {
    count: u64,
    first: u64,
}

impl Odd {
    fn saw(&mut self, line: u64) {
        if self.count == 0 {
            self.first = line;
        }
        self.count += 1;
    }

    fn note(&self, path: &Path, what: &str) -> Option<String> {
        (self.count > 0).then(|| {
            format!(
                "{}: {} line(s) {what} (first: line {})",
                path.display(),
                self.count,
                self.first
            )
        })
    }
}

/// Reads the events of `stream` inside `window`, calling `each(timestamp_ms, message)`,
/// until the end of the window or `stop` is set (an interrupt: `Cancelled`).
pub fn read_events(
    stream: &Stream,
    window: &TimeRange,
    stop: &AtomicBool,
    each: impl FnMut(i64, &str),
) -> Result<Read, EngineError> {
    let text_format = format_of(&stream.path) == Some("text");
    let mut reader = open_lines(&stream.path)?;
    let mut reading = Reading::new(window, each);
    let mut raw = Vec::new();
    let mut number = 0u64;
    loop {
        raw.clear();
        number += 1;
        let n = super::files::read_line(&mut reader, &mut raw, &stream.path, number)?;
        if n == 0 {
            break;
        }
        if number.is_multiple_of(CANCEL_EVERY) && stop.load(Ordering::Relaxed) {
            return Err(EngineError::Cancelled(format!(
                "reading {}",
                stream.path.display()
            )));
        }
        let line = match std::str::from_utf8(&raw) {
            Ok(line) => std::borrow::Cow::Borrowed(line),
            Err(_) => {
                reading.not_utf8.saw(number);
                String::from_utf8_lossy(&raw)
            }
        };
        let message = line.trim_end_matches(['\n', '\r']);
        if message.is_empty() {
            continue;
        }
        let flow = if text_format {
            reading.text_line(number, message)
        } else {
            reading.json_line(number, message)
        };
        if flow == Flow::PastTheWindow {
            break;
        }
    }
    Ok(reading.finish(&stream.path))
}

/// Whether to read on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    More,
    PastTheWindow,
}

/// One stream's read in progress: what was found, what was odd, and a text event held
/// until the next one starts (it may continue over indented lines).
struct Reading<F> {
    start: i64,
    end: i64,
    each: F,
    read: Read,
    pending: Option<(i64, String)>,
    last_time: i64,
    not_utf8: Odd,
    untimed: Odd,
    skipped: Odd,
}

impl<F: FnMut(i64, &str)> Reading<F> {
    fn new(window: &TimeRange, each: F) -> Reading<F> {
        Reading {
            start: window.start.timestamp_millis(),
            end: window.end.timestamp_millis(),
            each,
            read: Read::default(),
            pending: None,
            last_time: i64::MIN,
            not_utf8: Odd::default(),
            untimed: Odd::default(),
            skipped: Odd::default(),
        }
    }

    fn emit(&mut self, time: i64, message: &str) {
        if time >= self.start && time < self.end {
            self.read.events += 1;
            self.read.bytes += message.len() as u64;
            (self.each)(time, message);
        }
    }

    /// A line of a text log: a timestamp starts an event, an untimed line continues it.
    fn text_line(&mut self, number: u64, message: &str) -> Flow {
        if let Some(time) = leading_time(message) {
            if let Some((t, m)) = self.pending.take() {
                self.emit(t, &m);
            }
            if time >= self.end {
                return Flow::PastTheWindow;
            }
            self.last_time = time;
            self.pending = Some((time, message.to_owned()));
        } else if let Some((_, m)) = self.pending.as_mut() {
            m.push('\n');
            m.push_str(message);
        } else {
            self.skipped.saw(number);
        }
        Flow::More
    }

    /// A JSON line: its own time, else the time of the event before it.
    fn json_line(&mut self, number: u64, message: &str) -> Flow {
        let time = match json_time(message) {
            Some(time) => time,
            None if self.last_time == i64::MIN => {
                self.skipped.saw(number);
                return Flow::More;
            }
            None => {
                self.untimed.saw(number);
                self.last_time
            }
        };
        if time >= self.end {
            return Flow::PastTheWindow;
        }
        self.last_time = time;
        self.emit(time, message);
        Flow::More
    }

    /// The events read, with a note for each kind of odd line.
    fn finish(mut self, path: &Path) -> Read {
        if let Some((t, m)) = self.pending.take() {
            self.emit(t, &m);
        }
        let mut read = self.read;
        read.notes.extend(self.not_utf8.note(
            path,
            "are not valid UTF-8: read with U+FFFD for the bad bytes",
        ));
        read.notes.extend(self.untimed.note(
            path,
            "have no usable timestamp: each took the time of the event before it",
        ));
        read.notes.extend(
            self.skipped
                .note(path, "come before any line with a timestamp: skipped"),
        );
        read
    }
}

/// The event time of a JSON line: its `timestamp` (or `@timestamp`, `time`, `ts`) field,
/// RFC 3339 or epoch seconds/milliseconds, or else a span's `startTimeUnixNano` (epoch
/// nanoseconds, a number or a string: the spans of `aws/spans`), found without parsing
/// the whole line.
pub fn json_time(line: &str) -> Option<i64> {
    for key in ["\"timestamp\"", "\"@timestamp\"", "\"time\"", "\"ts\""] {
        if let Some(text) = value_after(line, key) {
            return instant_ms(text?);
        }
    }
    let nanos: i64 = value_after(line, "\"startTimeUnixNano\"")??.parse().ok()?;
    Some(nanos.div_euclid(1_000_000))
}

/// The text of the value after the first `key` of `line` (a string's body, or a number):
/// `None` when the key is absent, `Some(None)` when what follows it is not a value.
fn value_after<'a>(line: &'a str, key: &str) -> Option<Option<&'a str>> {
    let at = line.find(key)?;
    let Some(rest) = line[at + key.len()..].trim_start().strip_prefix(':') else {
        return Some(None);
    };
    let rest = rest.trim_start();
    if let Some(quoted) = rest.strip_prefix('"') {
        return Some(quoted.find('"').map(|end| &quoted[..end]));
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    Some(Some(&rest[..end]))
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
        // A span of aws/spans: its start, in nanoseconds, as a number or a string.
        assert_eq!(
            json_time(r#"{"traceId":"a","startTimeUnixNano":1794492301123456789,"x":1}"#),
            Some(1_794_492_301_123)
        );
        assert_eq!(
            json_time(r#"{"startTimeUnixNano": "1794492301123456789"}"#),
            Some(1_794_492_301_123)
        );
        assert_eq!(json_time(r#"{"startTimeUnixNano":"soon"}"#), None);
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
