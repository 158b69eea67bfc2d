//! What the local sources of one process share: the loaded metrics of a directory and
//! the decompressed contents of log files, so that a fleet's targets (each its own
//! session and source over the same files) read and parse them once. Entries are keyed
//! by what the files are — path, length and modification time — so a changed file
//! (new data, a published metric) is read again, never served stale. Bounded:
//! decompressed logs up to [`LOG_BUDGET`] bytes in all (files over [`LOG_FILE_LIMIT`] are
//! streamed, not kept), the oldest entries dropped first.

use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::files::{file_error, files_in};
use super::metrics::MetricStore;
use crate::error::EngineError;

/// Decompressed log bytes kept in all.
pub const LOG_BUDGET: usize = 256 << 20;
/// The largest decompressed log file kept.
pub const LOG_FILE_LIMIT: usize = 64 << 20;

/// What a file is: its path, length and modification time.
type Identity = (PathBuf, u64, Option<SystemTime>);

fn identity(path: &Path) -> Option<Identity> {
    let meta = std::fs::metadata(path).ok()?;
    Some((path.to_owned(), meta.len(), meta.modified().ok()))
}

/// The metrics of `dir`, loaded once per version of its files.
pub fn metric_store(dir: &Path) -> Result<Arc<MetricStore>, EngineError> {
    type Entry = (Vec<Identity>, Arc<MetricStore>);
    static STORES: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
    const KEPT: usize = 8;
    let files: Vec<Identity> = if dir.is_dir() {
        files_in(dir)?.iter().filter_map(|p| identity(p)).collect()
    } else {
        Vec::new()
    };
    if let Some((_, store)) = STORES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(known, _)| known == &files)
    {
        return Ok(store.clone());
    }
    // Loaded outside the lock: another session's load of another directory need not wait.
    let store = Arc::new(MetricStore::load(dir)?);
    let mut stores = STORES.lock().unwrap_or_else(|p| p.into_inner());
    if stores.len() >= KEPT {
        stores.remove(0);
    }
    stores.push((files, store.clone()));
    Ok(store)
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
    use std::io::Write;

    #[test]
    fn a_changed_log_file_is_read_again() {
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
