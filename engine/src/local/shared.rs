//! What the local sources of one process share: the loaded metrics of a directory, so
//! that a fleet's targets (each its own session and source over the same files) read and
//! parse them once. Entries are keyed by what the files are — path, length and
//! modification time (`files::identity`) — so a changed file (new data, a published
//! metric) is loaded again, never served stale. (Decompressed log files are shared the
//! same way, in `files.rs`, where they are opened.)

use std::path::Path;
use std::sync::{Arc, Mutex};

use super::files::{Identity, files_in, identity};
use super::metrics::MetricStore;
use crate::error::EngineError;

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
