//! Builds of the cell library a kernel waits for, per build directory: the template's
//! repair at the engine's start (a stale cache), or the first build in a directory no
//! template seeded (a first run). The engine marks where one begins and ends
//! ([`begin`], [`end`]); the cell that waits shows it as an updatable display
//! (`cells/build_display.rs`), and `playbook run` charges it to a line of its own in the
//! record ([`take_built`]), not to the step that happened to trigger it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Why the library is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// No prebuilt library (`playbook install` has not built one in this cache).
    FirstTime,
    /// The prebuilt library no longer fits this binary (rebuilt once, or waited for).
    Stale,
}

impl Reason {
    /// Why, in a few words, for a person.
    pub(crate) fn words(self) -> &'static str {
        match self {
            Reason::FirstTime => "first time",
            Reason::Stale => "the prebuilt one no longer fits this playbook",
        }
    }

    /// What a person sees while it builds.
    pub(crate) fn progress_line(self, waited: Duration) -> String {
        let verb = match self {
            Reason::FirstTime => "building",
            Reason::Stale => "rebuilding",
        };
        let mut line = format!("{verb} the cell library ({}), ~20 s", self.words());
        if waited.as_secs() >= 5 {
            line.push_str(&format!(" — {} s so far", waited.as_secs()));
        }
        line
    }
}

/// A build in progress.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Building {
    pub(crate) reason: Reason,
    pub(crate) since: Instant,
}

/// A build that ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Built {
    pub(crate) reason: Reason,
    pub(crate) took: Duration,
}

impl Built {
    /// What a person sees once it is done.
    pub(crate) fn done_line(&self) -> String {
        format!(
            "built the cell library in {:.1} s ({}); later cells do not wait for it",
            self.took.as_secs_f64(),
            self.reason.words()
        )
    }
}

#[derive(Debug, Default)]
struct Entry {
    building: Option<Building>,
    /// Ended builds not yet taken by a run's record.
    built: Vec<Built>,
    /// The last build that ended (what a waiting cell's display says).
    last: Option<Built>,
}

static BUILDS: LazyLock<Mutex<BTreeMap<PathBuf, Entry>>> = LazyLock::new(Mutex::default);

fn builds() -> MutexGuard<'static, BTreeMap<PathBuf, Entry>> {
    BUILDS.lock().unwrap_or_else(|p| p.into_inner())
}

/// A build of the library for the kernel building in `dir` begins (nothing when one is
/// already under way).
pub(crate) fn begin(dir: &Path, reason: Reason) {
    let mut builds = builds();
    let entry = builds.entry(dir.to_owned()).or_default();
    if entry.building.is_none() {
        entry.building = Some(Building {
            reason,
            since: Instant::now(),
        });
    }
}

/// The build under way for `dir`, if any, ends (nothing when none is).
pub(crate) fn end(dir: &Path) {
    let mut builds = builds();
    if let Some(entry) = builds.get_mut(dir)
        && let Some(building) = entry.building.take()
    {
        let built = Built {
            reason: building.reason,
            took: building.since.elapsed(),
        };
        entry.built.push(built);
        entry.last = Some(built);
    }
}

/// The build under way for `dir`.
pub(crate) fn in_progress(dir: &Path) -> Option<Building> {
    builds().get(dir).and_then(|e| e.building)
}

/// The last build for `dir` that ended.
pub(crate) fn last_built(dir: &Path) -> Option<Built> {
    builds().get(dir).and_then(|e| e.last)
}

/// The builds for `dir` that ended since the last call.
pub(crate) fn take_built(dir: &Path) -> Vec<Built> {
    builds()
        .get_mut(dir)
        .map(|e| std::mem::take(&mut e.built))
        .unwrap_or_default()
}

/// Forgets `dir` (its kernel's build directories are removed).
pub(crate) fn forget(dir: &Path) {
    builds().remove(dir);
}

/// Whether a build in `dir` must compile the library: no template seeded its products
/// and no earlier build there left the library's rlib.
pub(crate) fn library_missing(dir: &Path) -> bool {
    let target = dir.join("target");
    if target.join(".playbook-seeded").exists() {
        return false;
    }
    // `target/debug/deps`, or `target/<triple>/debug/deps` when cargo builds for a target.
    let mut dirs = vec![target.join("debug").join("deps")];
    if let Ok(entries) = std::fs::read_dir(&target) {
        dirs.extend(
            entries
                .flatten()
                .map(|e| e.path().join("debug").join("deps")),
        );
    }
    !dirs.iter().any(|deps| holds_library(deps))
}

fn holds_library(deps: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(deps) else {
        return false;
    };
    entries.flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.starts_with("libplaybook-") && name.ends_with(".rlib")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_is_reported_once_with_its_reason_and_duration() {
        let dir = std::env::temp_dir().join(format!("pb-lb-{}", uuid::Uuid::new_v4()));
        assert!(in_progress(&dir).is_none());
        begin(&dir, Reason::Stale);
        begin(&dir, Reason::FirstTime); // one under way already: kept
        assert_eq!(in_progress(&dir).map(|b| b.reason), Some(Reason::Stale));
        end(&dir);
        end(&dir); // nothing under way: nothing more
        assert!(in_progress(&dir).is_none());
        let built = take_built(&dir);
        assert_eq!(built.len(), 1);
        assert_eq!(last_built(&dir), Some(built[0]));
        assert_eq!(built[0].reason, Reason::Stale);
        assert!(take_built(&dir).is_empty());
        forget(&dir);
    }

    #[test]
    fn a_directory_without_a_seeded_or_built_library_needs_the_build() {
        let dir = std::env::temp_dir().join(format!("pb-lb-{}", uuid::Uuid::new_v4()));
        assert!(library_missing(&dir));
        let deps = dir.join("target/debug/deps");
        std::fs::create_dir_all(&deps).unwrap();
        assert!(library_missing(&dir));
        std::fs::write(deps.join("libplaybook-0123abcd.rlib"), b"").unwrap();
        assert!(!library_missing(&dir));
        std::fs::remove_dir_all(&deps).unwrap();
        std::fs::create_dir_all(dir.join("target")).unwrap();
        std::fs::write(dir.join("target/.playbook-seeded"), b"").unwrap();
        assert!(!library_missing(&dir));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_progress_line_says_why_and_how_long() {
        assert_eq!(
            Reason::FirstTime.progress_line(Duration::from_secs(1)),
            "building the cell library (first time), ~20 s"
        );
        assert!(
            Reason::Stale
                .progress_line(Duration::from_secs(7))
                .ends_with("~20 s — 7 s so far")
        );
        let built = Built {
            reason: Reason::FirstTime,
            took: Duration::from_millis(21_340),
        };
        assert!(
            built
                .done_line()
                .starts_with("built the cell library in 21.3 s (first time)")
        );
    }
}
