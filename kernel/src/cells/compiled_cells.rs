//! The compiled-cells cache: the Nth run of an unchanged playbook compiles nothing.
//!
//! A cell's shared object depends only on what rustc is given. evcxr describes each build
//! (the generated crate, the cargo command, the manifests, the lock file; see its
//! `module/compiled_cells.rs`); this store adds what evcxr cannot see — the toolchain
//! (`rustc -vV`) and the sources of the `playbook` library cells link — and keys the
//! object by the SHA-256 of both. So a changed cell, an earlier cell whose items or
//! variable types changed, a changed library or another toolchain is another key, and a
//! stale object is never found; an unchanged one is copied where evcxr would have built it,
//! by any kernel, run or fleet target on this machine.
//!
//! The diagnostics of builds that failed with compilation errors are kept too
//! (`<key>.failed`): evcxr tries several forms of some cells (a final expression with and
//! without `evcxr_display`), and the forms that fail fail every time. So are the variable
//! types rust-analyzer worked out for a cell (`<key>.types`, keyed by the analysis code
//! and the same identity): its first analysis of a kernel takes seconds.
//!
//! Objects live in `<cache>/cells/compiled/<key>.so`, written to a temporary name and
//! renamed (concurrent kernels never see half an object). Every entry (object or note) is
//! sealed with its size and SHA-256 (`sealed.rs`) and checked before use: a damaged one
//! (a truncated object, a disk error) is dropped, said so on stderr, and built again.
//! A hit refreshes the object's
//! modification time; at start, objects beyond `PLAYBOOK_COMPILED_CELLS_MB` (default 1024)
//! are removed, least recently used first. `PLAYBOOK_COMPILED_CELLS=0` turns the cache off.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use super::cell_cache;
use super::sealed;

/// Bumped when what a key covers or how an entry is kept changes (2: sealed entries).
const FORMAT: &str = "playbook compiled cells 2";

/// The largest entry read back (an object of one cell is a few MB).
const MAX_ENTRY_BYTES: u64 = 512 * 1024 * 1024;

/// The store of compiled cells.
pub(crate) struct CompiledCellStore {
    dir: PathBuf,
    /// The toolchain and the library, worked out on first use.
    identity: OnceLock<String>,
}

impl CompiledCellStore {
    /// The process's store (one for every kernel of a fleet), unless
    /// `PLAYBOOK_COMPILED_CELLS=0`.
    pub(crate) fn shared() -> Option<std::sync::Arc<CompiledCellStore>> {
        static SHARED: OnceLock<Option<std::sync::Arc<CompiledCellStore>>> = OnceLock::new();
        SHARED
            .get_or_init(|| CompiledCellStore::open().map(std::sync::Arc::new))
            .clone()
    }

    /// The machine's store, unless `PLAYBOOK_COMPILED_CELLS=0`.
    fn open() -> Option<CompiledCellStore> {
        if std::env::var("PLAYBOOK_COMPILED_CELLS").is_ok_and(|v| v.trim() == "0") {
            return None;
        }
        let dir = cell_cache::cache_root().join("cells").join("compiled");
        std::fs::create_dir_all(&dir).ok()?;
        let store = CompiledCellStore {
            dir,
            identity: OnceLock::new(),
        };
        store.trim(budget_bytes());
        Some(store)
    }

    fn identity(&self) -> &str {
        self.identity.get_or_init(|| {
            // The kernel's version stands for the rust-analyzer it embeds (types).
            format!(
                "{FORMAT}\n--- kernel\n{}\n--- rustc\n{}\n--- library\n{}",
                env!("CARGO_PKG_VERSION"),
                toolchain(),
                library_digest(&cell_cache::library_dir())
            )
        })
    }

    /// Where the object built from `material` is (or would be) kept.
    fn path(&self, material: &[u8]) -> PathBuf {
        let mut hash = Sha256::new();
        hash.update(self.identity().as_bytes());
        hash.update([0]);
        hash.update(material);
        self.dir
            .join(format!("{}.so", hex::encode(hash.finalize())))
    }

    /// Removes the least recently used objects until the rest fit in `budget` bytes.
    fn trim(&self, budget: u64) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut objects: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                Some((meta.modified().ok()?, meta.len(), e.path()))
            })
            .collect();
        let mut total: u64 = objects.iter().map(|(_, len, _)| len).sum();
        objects.sort();
        for (_, len, path) in objects {
            if total <= budget {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
            }
        }
    }
}

impl evcxr::CompiledCells for CompiledCellStore {
    fn fetch(&self, material: &[u8], dest: &Path) -> bool {
        let path = self.path(material);
        let Some(object) = read_entry(&path) else {
            return false;
        };
        if write_object(dest, &object).is_err() {
            return false;
        }
        // Recently used: kept longest when the store is trimmed.
        if let Ok(file) = std::fs::File::options().append(true).open(&path) {
            let _ = file.set_modified(std::time::SystemTime::now());
        }
        true
    }

    fn store(&self, material: &[u8], built: &Path) {
        if let Ok(object) = std::fs::read(built) {
            write_entry(&self.path(material), &object);
        }
    }

    fn fetch_failure(&self, material: &[u8]) -> Option<Vec<u8>> {
        self.fetch_note(material, "failed")
    }

    fn store_failure(&self, material: &[u8], diagnostics: &[u8]) {
        self.store_note(material, "failed", diagnostics);
    }

    fn fetch_types(&self, material: &[u8]) -> Option<Vec<u8>> {
        self.fetch_note(material, "types")
    }

    fn store_types(&self, material: &[u8], types: &[u8]) {
        self.store_note(material, "types", types);
    }

    fn prepare_build(&self, crate_dir: &Path) {
        cell_cache::seed_build_products(crate_dir);
        if super::library_build::library_missing(crate_dir) {
            // This build compiles the library (no template seeded it): the cell waiting
            // shows it, and a run records it apart from the step.
            let reason = if cell_cache::has_template() {
                super::library_build::Reason::Stale
            } else {
                super::library_build::Reason::FirstTime
            };
            super::library_build::begin(crate_dir, reason);
        }
    }
}

impl CompiledCellStore {
    /// A small file kept beside the objects (`<key>.<kind>`).
    fn fetch_note(&self, material: &[u8], kind: &str) -> Option<Vec<u8>> {
        read_entry(&self.path(material).with_extension(kind))
    }

    fn store_note(&self, material: &[u8], kind: &str, bytes: &[u8]) {
        write_entry(&self.path(material).with_extension(kind), bytes);
    }
}

/// The bytes of the entry at `path` when it is whole; a damaged entry is removed (and
/// said so), so the next build replaces it.
fn read_entry(path: &Path) -> Option<Vec<u8>> {
    let size = std::fs::metadata(path).ok()?.len();
    let sealed = if size > MAX_ENTRY_BYTES {
        Err(sealed::Damaged::WrongSize {
            recorded: MAX_ENTRY_BYTES,
            actual: size,
        })
    } else {
        sealed::unseal(std::fs::read(path).ok()?)
    };
    match sealed {
        Ok(bytes) => Some(bytes),
        Err(why) => {
            let removed = std::fs::remove_file(path).is_ok();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            eprintln!(
                "playbook: dropped a corrupt entry of the compiled-cells cache ({name}: {why}){}",
                if removed {
                    "; it is built again"
                } else {
                    "; it could not be removed, and is built again each time"
                }
            );
            None
        }
    }
}

/// Writes `bytes`, sealed, to `path` through a temporary name (readers see all or nothing).
fn write_entry(path: &Path, bytes: &[u8]) {
    let temp = temporary(path);
    if std::fs::write(&temp, sealed::seal(bytes)).is_err() || std::fs::rename(&temp, path).is_err()
    {
        let _ = std::fs::remove_file(&temp);
    }
}

/// Writes an object where evcxr loads it from (private to the user, loadable).
fn write_object(dest: &Path, object: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(dest, object)?;
    std::fs::set_permissions(dest, std::fs::Permissions::from_mode(0o700))
}

/// A name beside `path` no other writer uses, renamed to `path` when complete.
fn temporary(path: &Path) -> PathBuf {
    path.with_extension(format!(
        "{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4()
    ))
}

fn budget_bytes() -> u64 {
    let megabytes = std::env::var("PLAYBOOK_COMPILED_CELLS_MB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1024);
    megabytes.saturating_mul(1024 * 1024)
}

/// `rustc -vV` of the toolchain cargo will use here (`RUSTC`, else `rustc` on the path,
/// which rustup resolves as it does for cargo); its failure is an identity of its own.
/// Asked once per process.
pub(crate) fn toolchain() -> String {
    static TOOLCHAIN: OnceLock<String> = OnceLock::new();
    TOOLCHAIN.get_or_init(ask_toolchain).clone()
}

fn ask_toolchain() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    match std::process::Command::new(rustc).arg("-vV").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => format!("rustc -vV failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(error) => format!("rustc -vV failed: {error}"),
    }
}

/// The SHA-256 of the library's files (its manifest, sources and anything else but build
/// output), by path and contents, so any edit to what cells link is another identity.
pub(crate) fn library_digest(dir: &Path) -> String {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files);
    files.sort();
    let mut hash = Sha256::new();
    for relative in files {
        let Ok(bytes) = std::fs::read(dir.join(&relative)) else {
            continue;
        };
        hash.update(relative.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    hex::encode(hash.finalize())
}

/// Files under `dir` (relative to `root`), leaving out build output and hidden entries;
/// bounded in depth so a symlink loop cannot run away.
fn collect_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    const MAX_DEPTH: usize = 16;
    if dir.strip_prefix(root).map_or(0, |r| r.components().count()) > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect_files(root, &path, out),
            Ok(t) if t.is_file() => {
                if let Ok(relative) = path.strip_prefix(root) {
                    out.push(relative.to_owned());
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use evcxr::CompiledCells;

    fn store(dir: &Path, identity: &str) -> CompiledCellStore {
        let store = CompiledCellStore {
            dir: dir.to_owned(),
            identity: OnceLock::new(),
        };
        let _ = store.identity.set(identity.to_owned());
        store
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("playbook-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_stored_cell_is_found_for_the_same_build_only() {
        let dir = temp_dir("compiled");
        let built = dir.join("built.so");
        std::fs::write(&built, b"object").unwrap();
        let cells = store(&dir, "rustc 1.95.0\nlibrary abc");
        cells.store(b"build A", &built);
        let dest = dir.join("dest.so");
        assert!(cells.fetch(b"build A", &dest));
        assert_eq!(std::fs::read(&dest).unwrap(), b"object");
        assert!(!cells.fetch(b"build B", &dest), "another build is a miss");
        // Another toolchain or another library: never the old object.
        assert!(!store(&dir, "rustc 1.96.0\nlibrary abc").fetch(b"build A", &dest));
        assert!(!store(&dir, "rustc 1.95.0\nlibrary abd").fetch(b"build A", &dest));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_truncated_object_is_a_miss_and_is_evicted() {
        let dir = temp_dir("truncated");
        let built = dir.join("built.so");
        std::fs::write(&built, vec![0x7f; 4096]).unwrap();
        let cells = store(&dir, "id");
        cells.store(b"build A", &built);
        let entry = cells.path(b"build A");
        let file = std::fs::File::options().write(true).open(&entry).unwrap();
        file.set_len(1000).unwrap();
        drop(file);
        let dest = dir.join("dest.so");
        assert!(
            !cells.fetch(b"build A", &dest),
            "a truncated object is a miss"
        );
        assert!(!entry.exists(), "and is removed");
        assert!(!dest.exists(), "nothing half-written is handed to evcxr");
        // The next build stores it again, whole.
        cells.store(b"build A", &built);
        assert!(cells.fetch(b"build A", &dest));
        assert_eq!(std::fs::read(&dest).unwrap(), vec![0x7f; 4096]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_damaged_note_is_a_miss_and_is_evicted() {
        let dir = temp_dir("damaged-note");
        let cells = store(&dir, "id");
        cells.store_types(b"analysis", b"x: i64");
        assert_eq!(cells.fetch_types(b"analysis").unwrap(), b"x: i64");
        let note = cells.path(b"analysis").with_extension("types");
        let mut bytes = std::fs::read(&note).unwrap();
        bytes[0] ^= 0x20;
        std::fs::write(&note, bytes).unwrap();
        assert_eq!(cells.fetch_types(b"analysis"), None);
        assert!(!note.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn any_edit_to_the_library_changes_its_digest() {
        let dir = temp_dir("library");
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("target")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "[package]").unwrap();
        std::fs::write(dir.join("src/lib.rs"), "pub fn f() {}").unwrap();
        let before = library_digest(&dir);
        std::fs::write(dir.join("target/junk"), "build output").unwrap();
        assert_eq!(
            library_digest(&dir),
            before,
            "build output is not the library"
        );
        std::fs::write(dir.join("src/lib.rs"), "pub fn f() { }").unwrap();
        assert_ne!(library_digest(&dir), before);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn trimming_removes_the_least_recently_used_first() {
        let dir = temp_dir("trim");
        let cells = store(&dir, "id");
        for (name, age) in [("old.so", 300), ("new.so", 0)] {
            let path = dir.join(name);
            std::fs::write(&path, [0u8; 100]).unwrap();
            let file = std::fs::File::options().append(true).open(&path).unwrap();
            let when = std::time::SystemTime::now() - std::time::Duration::from_secs(age);
            file.set_modified(when).unwrap();
        }
        cells.trim(150);
        assert!(!dir.join("old.so").exists());
        assert!(dir.join("new.so").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
