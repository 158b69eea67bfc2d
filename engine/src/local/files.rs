//! Reading a local source's files: listing them in a stable order and opening plain or
//! gzip-compressed text as buffered lines.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

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
        && let Some(bytes) = super::shared::decompressed(path)?
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

/// A file error with the path.
pub fn file_error(path: &Path, error: &std::io::Error) -> EngineError {
    EngineError::File {
        path: path.to_owned(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
