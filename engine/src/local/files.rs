//! Reading a local source's files: listing them in a stable order, what a file is (its
//! identity: path, length, modification time), and opening plain or gzip-compressed text
//! as buffered lines. A gzip log file is decompressed once per version for the whole
//! process, so a fleet's targets (each its own session over the same files) read it once.
//! Bounded: decompressed logs up to [`LOG_BUDGET`] bytes in all (files over
//! [`LOG_FILE_LIMIT`] are streamed, not kept), the oldest entries dropped first.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use flate2::read::MultiGzDecoder;

use crate::error::EngineError;

/// Read buffer for data files: large enough that a 1 GB scan is not syscall-bound.
const BUFFER: usize = 1 << 20;

/// The files directly in `dir` (not in sub-directories), sorted by name.
pub fn files_in(dir: &Path) -> Result<Vec<PathBuf>, EngineError> {
    let entries = std::fs::read_dir(dir).map_err(|e| file_error(dir, &e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| file_error(dir, &e))?;
        let path = entry.path();
        let name = entry.file_name();
        if path.is_file() && !name.to_string_lossy().starts_with('.') {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Opens a file for reading lines, decompressing `.gz`.
pub fn open_lines(path: &Path) -> Result<Box<dyn BufRead + Send>, EngineError> {
    if path.extension().is_some_and(|e| e == "gz")
        && let Some(bytes) = decompressed(path)?
    {
        // Decompressed once for the process (a fleet's targets read the same files).
        return Ok(Box::new(std::io::Cursor::new(bytes)));
    }
    let file = File::open(path).map_err(|e| file_error(path, &e))?;
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(BufReader::with_capacity(
            BUFFER,
            MultiGzDecoder::new(BufReader::with_capacity(BUFFER, file)),
        )))
    } else {
        Ok(Box::new(BufReader::with_capacity(BUFFER, file)))
    }
}

/// The file name without its extensions (`web-1a2b3c.jsonl.gz` → `web-1a2b3c`).
pub fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let without_gz = name.strip_suffix(".gz").unwrap_or(&name);
    match without_gz.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ => without_gz.to_owned(),
    }
}

/// The format a file's name says it has, ignoring `.gz`.
pub fn format_of(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".csv") {
        Some("csv")
    } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
        Some("jsonl")
    } else if name.ends_with(".log") || name.ends_with(".txt") {
        Some("text")
    } else {
        None
    }
}

/// Reads the next line of `reader` into `line` (its newline included), refusing a line
/// longer than `limits::MAX_LINE_BYTES` (`number` names it); 0 at the end.
pub fn read_line(
    reader: &mut dyn BufRead,
    line: &mut Vec<u8>,
    path: &Path,
    number: u64,
) -> Result<usize, EngineError> {
    use std::io::Read as _;
    let limit = crate::limits::MAX_LINE_BYTES;
    let n = reader
        .take(limit as u64 + 1)
        .read_until(b'\n', line)
        .map_err(|e| file_error(path, &e))?;
    if line.len() > limit && !line.ends_with(b"\n") {
        return Err(EngineError::File {
            path: path.to_owned(),
            message: format!(
                "line {number} is longer than {} (a line of a data file is read whole and \
                 limited to that)",
                crate::limits::size_text(limit as u64)
            ),
        });
    }
    Ok(n)
}

/// The lines of a text file (plain or gzip), each without its line ending, a line longer
/// than `limits::MAX_LINE_BYTES` an error; invalid UTF-8 is an error naming the line.
pub fn lines(
    path: &Path,
) -> Result<impl Iterator<Item = Result<String, EngineError>>, EngineError> {
    let mut reader = open_lines(path)?;
    let path = path.to_owned();
    let mut number = 0u64;
    let mut done = false;
    Ok(std::iter::from_fn(move || {
        if done {
            return None;
        }
        number += 1;
        let mut raw = Vec::new();
        let read = read_line(&mut reader, &mut raw, &path, number).and_then(|n| {
            if n == 0 {
                return Ok(None);
            }
            let end = raw.strip_suffix(b"\n").map_or(raw.len(), <[u8]>::len);
            let end = raw[..end].strip_suffix(b"\r").map_or(end, <[u8]>::len);
            raw.truncate(end);
            String::from_utf8(raw)
                .map(Some)
                .map_err(|_| EngineError::File {
                    path: path.clone(),
                    message: format!("line {number}: not UTF-8 text"),
                })
        });
        match read {
            Ok(Some(line)) => Some(Ok(line)),
            Ok(None) => {
                done = true;
                None
            }
            Err(error) => {
                done = true;
                Some(Err(error))
            }
        }
    }))
}

/// A local source's definitions file (alarms, log group settings, anomaly detectors, a
/// Contributor Insights rule) as text, refused past `limits::MAX_CONFIG_BYTES`.
pub fn read_definitions(path: &Path) -> Result<String, EngineError> {
    crate::limits::read_text(path, crate::limits::MAX_CONFIG_BYTES, "definition files").map_err(
        |error| EngineError::File {
            path: path.to_owned(),
            message: match error {
                crate::limits::ReadError::Io { source, .. } => source.to_string(),
                other => other.to_string(),
            },
        },
    )
}

/// A file error with the path.
pub fn file_error(path: &Path, error: &std::io::Error) -> EngineError {
    EngineError::File {
        path: path.to_owned(),
        message: error.to_string(),
    }
}

/// Decompressed log bytes kept in all.
pub const LOG_BUDGET: usize = 256 << 20;
/// The largest decompressed log file kept.
pub const LOG_FILE_LIMIT: usize = 64 << 20;

/// What a file is: its path, length and modification time.
pub(super) type Identity = (PathBuf, u64, Option<SystemTime>);

pub(super) fn identity(path: &Path) -> Option<Identity> {
    let meta = std::fs::metadata(path).ok()?;
    Some((path.to_owned(), meta.len(), meta.modified().ok()))
}

struct Logs {
    files: VecDeque<(Identity, Arc<[u8]>)>,
    bytes: usize,
}

static LOGS: Mutex<Logs> = Mutex::new(Logs {
    files: VecDeque::new(),
    bytes: 0,
});

/// The decompressed contents of the gzip log file `path`, read once per version of the
/// file; `None` when it is too large to keep (the caller streams it).
pub fn decompressed(path: &Path) -> Result<Option<Arc<[u8]>>, EngineError> {
    let Some(id) = identity(path) else {
        return Ok(None);
    };
    {
        let logs = LOGS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, bytes)) = logs.files.iter().find(|(known, _)| known == &id) {
            return Ok(Some(bytes.clone()));
        }
    }
    let file = std::fs::File::open(path).map_err(|e| file_error(path, &e))?;
    let mut bytes = Vec::new();
    let read = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file))
        .take(LOG_FILE_LIMIT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| file_error(path, &e))?;
    if read > LOG_FILE_LIMIT {
        return Ok(None);
    }
    let bytes: Arc<[u8]> = bytes.into();
    let mut logs = LOGS.lock().unwrap_or_else(|p| p.into_inner());
    while logs.bytes + bytes.len() > LOG_BUDGET {
        match logs.files.pop_front() {
            Some((_, old)) => logs.bytes -= old.len(),
            None => break,
        }
    }
    logs.bytes += bytes.len();
    logs.files.push_back((id, bytes.clone()));
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_file_line_past_its_bound_is_an_error_naming_it() {
        let dir = std::env::temp_dir().join(format!("long-line-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.jsonl");
        let limit = crate::limits::MAX_LINE_BYTES;
        let mut text = "a\r\n".to_owned();
        text.push_str(&"x".repeat(limit - 1));
        text.push('\n');
        text.push_str(&"y".repeat(limit + 1));
        std::fs::write(&path, text).unwrap();
        let read: Vec<Result<String, EngineError>> = lines(&path).unwrap().collect();
        assert_eq!(
            read.len(),
            3,
            "the long line is read, the longer one refused, then none"
        );
        assert_eq!(read[0].as_ref().unwrap(), "a");
        assert_eq!(read[1].as_ref().unwrap().len(), limit - 1);
        let error = read[2].as_ref().unwrap_err().to_string();
        assert!(
            error.contains("m.jsonl: line 3 is longer than 16 MiB"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn stems_drop_every_extension() {
        assert_eq!(stem(Path::new("a/web-1a2b3c.jsonl.gz")), "web-1a2b3c");
        assert_eq!(stem(Path::new("pipeline.log")), "pipeline");
        assert_eq!(stem(Path::new("plain")), "plain");
    }

    #[test]
    fn formats_come_from_the_name() {
        assert_eq!(format_of(Path::new("m.csv.gz")), Some("csv"));
        assert_eq!(format_of(Path::new("m.JSONL")), Some("jsonl"));
        assert_eq!(format_of(Path::new("app.log.gz")), Some("text"));
        assert_eq!(format_of(Path::new("README.md")), None);
    }

    #[test]
    fn gzip_files_read_as_lines() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("playbook-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.log.gz");
        let mut gz =
            flate2::write::GzEncoder::new(File::create(&path).unwrap(), Default::default());
        gz.write_all(b"one\ntwo\n").unwrap();
        gz.finish().unwrap();
        let lines: Vec<String> = open_lines(&path)
            .unwrap()
            .lines()
            .map(|l| l.unwrap())
            .collect();
        assert_eq!(lines, ["one", "two"]);
        assert_eq!(files_in(&dir).unwrap(), vec![path]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_changed_log_file_is_read_again() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("pb-shared-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.jsonl.gz");
        let write = |text: &str| {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(text.as_bytes()).unwrap();
            std::fs::write(&path, gz.finish().unwrap()).unwrap();
        };
        write("one\n");
        assert_eq!(&*decompressed(&path).unwrap().unwrap(), b"one\n");
        assert_eq!(&*decompressed(&path).unwrap().unwrap(), b"one\n");
        write("one\ntwo\n"); // another length: another version
        assert_eq!(&*decompressed(&path).unwrap().unwrap(), b"one\ntwo\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
