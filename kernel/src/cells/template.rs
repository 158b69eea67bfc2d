//! The prebuilt cell template's freshness: what it was built for, and its repair.
//!
//! A build of the template (`playbook install`, or a kernel's repair) records beside it
//! what it was built for ([`BuiltFor`], `.playbook-built-for.json`): the kernel's version
//! and what this binary puts in every cell crate (the prelude, evcxr's settings, the
//! template's layout), the library's directory (for the reader only: the template holds a
//! copy of the library, `cell_sources.rs`, so it fits wherever it and the library lie), a
//! SHA-256 of the library's files and of the `Cargo.lock` beside it, and the toolchain
//! (`rustc -vV`). A kernel compares that with its own at start, on the engine's blocking
//! thread (the kernel answers `kernel_info` at once); `playbook install` compares it with
//! a template a release archive brought, and rebuilds that, saying why, when it differs.
//!
//! A stale template (the binary was upgraded without `playbook install`, or a second
//! checkout's binary shares the cache) used to make every new kernel recompile the
//! library in its own directory, 20-odd seconds per kernel. Now it is rebuilt once: under
//! an exclusive lock on `<cache>/cells/template.lock`, in a directory beside the template
//! seeded with the old one (cargo rebuilds only what changed), recorded, and renamed into
//! place. Kernels that find the lock taken wait for that build (up to [`REBUILD_WAIT`]) and
//! look again; past the deadline, or when the rebuild fails, a kernel compiles in its own
//! directory as before. Copies from the template take the lock shared (`cell_cache::COPY_WAIT`), so
//! no kernel copies a template that is being replaced. Every step is said on stderr, the
//! kernel's log.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::cell_cache::{self, EVCXR_SETTINGS};
use super::compiled_cells::{library_digest, toolchain};
use super::rust_engine::{evaluation_command, prelude};
use super::template_lock::{Access, lock_at};

/// The template's record of what it was built for.
const BUILT_FOR_FILE: &str = ".playbook-built-for.json";

/// Bumped when the prebuild changes what the template holds (2: check-mode metadata;
/// 3: without the library's incremental caches; 4: dependencies at opt-level 2; 5: its
/// record of what it was built for; 6: the member index for completion; 7: the
/// proc-macro toolchain at opt-level 0; 8: without check-mode metadata again, as evcxr
/// checks with the recorded rustc invocation against the built rlibs, and dependencies
/// without thin-local LTO; 9: the library's copy and its vendored dependencies inside
/// the template, which is then relocatable; 10: dependencies without debug assertions
/// and overflow checks).
const TEMPLATE_LAYOUT: u32 = 10;

/// How long a kernel waits for another process's build of the template.
pub(crate) const REBUILD_WAIT: Duration = Duration::from_secs(600);

/// What a template was built for; two are the same when a kernel can use the template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BuiltFor {
    /// The kernel's version.
    kernel: String,
    /// SHA-256 of what the binary puts in every cell crate.
    cell_crate: String,
    /// The library's directory it was built from (for the reader: the template holds a
    /// copy, so another directory with the same sources fits).
    library_dir: String,
    /// SHA-256 of the library's files.
    library: String,
    /// SHA-256 of the `Cargo.lock` beside the library (its workspace's), or "none".
    lock_file: String,
    /// `rustc -vV`.
    toolchain: String,
}

impl BuiltFor {
    /// What this process builds for (worked out once).
    pub(crate) fn current() -> &'static BuiltFor {
        static CURRENT: OnceLock<BuiltFor> = OnceLock::new();
        CURRENT.get_or_init(|| {
            let lib = cell_cache::library_dir();
            let lib = lib.canonicalize().unwrap_or(lib);
            let cell_crate = format!("{}\n{EVCXR_SETTINGS}\nlayout {TEMPLATE_LAYOUT}", prelude());
            let lock_file = lib.parent().map(|p| p.join("Cargo.lock"));
            BuiltFor {
                kernel: env!("CARGO_PKG_VERSION").to_owned(),
                cell_crate: hex::encode(Sha256::digest(cell_crate.as_bytes())),
                library_dir: lib.display().to_string(),
                library: library_digest(&lib),
                lock_file: lock_file
                    .and_then(|p| std::fs::read(p).ok())
                    .map_or("none".to_owned(), |b| hex::encode(Sha256::digest(b))),
                toolchain: toolchain(),
            }
        })
    }

    /// How `self` (a template's record) differs from `wanted`, in words.
    fn differences(&self, wanted: &BuiltFor) -> Vec<String> {
        let first_line = |s: &str| s.lines().next().unwrap_or_default().to_owned();
        let mut out = Vec::new();
        if self.kernel != wanted.kernel {
            out.push(format!(
                "built by playbook {}, this is {}",
                self.kernel, wanted.kernel
            ));
        }
        if self.cell_crate != wanted.cell_crate {
            out.push("built with another prelude or other build settings".to_owned());
        }
        // Not the library's directory: the template holds its own copy (`cell_sources.rs`).
        if self.library != wanted.library {
            out.push("the library's sources changed since".to_owned());
        }
        if self.lock_file != wanted.lock_file {
            out.push("Cargo.lock changed since".to_owned());
        }
        if self.toolchain != wanted.toolchain {
            out.push(format!(
                "built with {}, this is {}",
                first_line(&self.toolchain),
                first_line(&wanted.toolchain)
            ));
        }
        out
    }
}

/// Why the template in `dir` does not fit `wanted`; `None` when it does.
fn stale_because(dir: &Path, wanted: &BuiltFor) -> Option<String> {
    let recorded = std::fs::read(dir.join(BUILT_FOR_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<BuiltFor>(&bytes).ok());
    let Some(recorded) = recorded else {
        return Some(
            "it has no record of what it was built for (an older playbook built it)".into(),
        );
    };
    let differences = recorded.differences(wanted);
    (!differences.is_empty()).then(|| differences.join("; "))
}

/// The template's state for this binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// No template (`playbook install` has not prebuilt one in this cache).
    Missing,
    /// A template that does not fit this binary, and why.
    Stale(String),
    /// A template this binary's kernels can use.
    Fresh,
}

/// Whether a template exists and fits this binary (see [`BuiltFor`]).
pub(crate) fn freshness() -> Freshness {
    if !cell_cache::has_template() {
        return Freshness::Missing;
    }
    match stale_because(&cell_cache::template_dir(), BuiltFor::current()) {
        Some(why) => Freshness::Stale(why),
        None => Freshness::Fresh,
    }
}

/// The template's lock, exclusive, for a build of it (waiting up to [`REBUILD_WAIT`] for
/// another process's build; `Ok(None)` past that).
pub(crate) fn lock_for_build() -> std::io::Result<Option<std::fs::File>> {
    lock_at(
        &cell_cache::template_lock_path(),
        Access::Exclusive,
        REBUILD_WAIT,
    )
}

/// At a kernel's start: when the template is stale, rebuilds it once (or waits for the
/// process that does), saying so on stderr. Blocking; never fails the kernel (without a
/// fresh template the kernel compiles the library in its own directory).
pub(crate) fn repair_if_stale() {
    let template = cell_cache::template_dir();
    if !cell_cache::has_template() {
        return;
    }
    let wanted = BuiltFor::current();
    let Some(why) = stale_because(&template, wanted) else {
        return;
    };
    eprintln!("playbook: the prebuilt cell library is stale ({why})");
    let started = Instant::now();
    let _lock = match lock_at(
        &cell_cache::template_lock_path(),
        Access::Exclusive,
        REBUILD_WAIT,
    ) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            eprintln!(
                "playbook: another process has been rebuilding the prebuilt cell library for \
                 {:.0?}; this kernel compiles it in its own directory",
                started.elapsed()
            );
            return;
        }
        Err(error) => {
            eprintln!(
                "playbook: cannot lock the prebuilt cell library ({error}); this kernel \
                 compiles it in its own directory"
            );
            return;
        }
    };
    if stale_because(&template, wanted).is_none() {
        eprintln!(
            "playbook: another kernel rebuilt the prebuilt cell library (waited {:.1?}); \
             using it",
            started.elapsed()
        );
        return;
    }
    eprintln!("playbook: rebuilding the prebuilt cell library once, for every kernel…");
    let staging = template.with_file_name(format!(
        "template-new-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    match build(&staging, Start::FromOld) {
        Ok(dir) => eprintln!(
            "playbook: rebuilt the prebuilt cell library in {:.1?} into {}",
            started.elapsed(),
            dir.display()
        ),
        Err(error) => eprintln!(
            "playbook: could not rebuild the prebuilt cell library ({error:#}); this kernel \
             compiles it in its own directory (`playbook install` rebuilds it)"
        ),
    }
}

/// Where a build of the template starts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Start {
    /// From nothing (`playbook install`).
    Clean,
    /// From a copy of the old template: cargo rebuilds only what changed.
    FromOld,
}

/// Builds the template in `staging` (beside it), records what it was built for and moves
/// it into place; returns where. The caller holds the exclusive lock. `staging` is
/// removed when the build fails, so a failed build never leaves a broken template.
pub(crate) fn build(staging: &Path, start: Start) -> anyhow::Result<PathBuf> {
    let template = cell_cache::template_dir();
    remove_leftovers(&template, staging);
    let _ = std::fs::remove_dir_all(staging);
    if matches!(start, Start::FromOld)
        && cell_cache::has_template()
        && let Err(error) = cell_cache::copy_tree(&template, staging)
    {
        eprintln!("playbook: could not copy the old template ({error}); building from nothing");
        let _ = std::fs::remove_dir_all(staging);
    }
    let _ = std::fs::remove_file(staging.join(BUILT_FOR_FILE));
    std::fs::create_dir_all(staging).with_context(|| format!("creating {}", staging.display()))?;
    let built = compile(staging).and_then(|()| {
        let record = serde_json::to_vec_pretty(BuiltFor::current())?;
        std::fs::write(staging.join(BUILT_FOR_FILE), record)?;
        put_in_place(staging, &template)
    });
    if built.is_err() {
        let _ = std::fs::remove_dir_all(staging);
    }
    built.map(|()| template)
}

/// Compiles the cell library in `dir` the way every kernel's cells are compiled.
fn compile(dir: &Path) -> anyhow::Result<()> {
    super::cell_sources::vendor_into(dir)
        .context("putting the library and its dependencies into the template")?;
    let (mut eval_context, outputs) = evcxr::EvalContext::with_subprocess_command_in(
        evaluation_command()?,
        Some(dir.into()),
        None,
    )
    .map_err(|e| anyhow::anyhow!("starting evcxr: {e}"))?;
    // Nobody asks this context for completions: no rust-analyzer work ahead.
    eval_context.set_background_analysis(false);
    let mut context = evcxr::CommandContext::with_eval_context(eval_context);
    // Show what cargo and the cells print, so a slow or failing build explains itself.
    for rx in [outputs.stdout, outputs.stderr] {
        std::thread::spawn(move || {
            for line in rx {
                eprintln!("  {line}");
            }
        });
    }
    let index = super::member_probes::start_member_index(&mut context);
    context
        .execute(&prelude())
        .map_err(|e| anyhow::anyhow!("compiling the playbook library for cells: {e}"))?;
    super::member_probes::write_member_index(&mut context, index, dir);
    drop(context);
    remove_library_incremental_caches(dir);
    Ok(())
}

/// Puts `staging` where the template is: the old one is renamed aside, the new one
/// renamed into its place (the old one back if that fails), the old one removed.
fn put_in_place(staging: &Path, template: &Path) -> anyhow::Result<()> {
    let old = template.with_file_name(format!(
        "template-old-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    let had_old = template.exists();
    if had_old {
        std::fs::rename(template, &old)
            .with_context(|| format!("moving the old template {} aside", template.display()))?;
    }
    if let Err(error) = std::fs::rename(staging, template) {
        if had_old {
            let _ = std::fs::rename(&old, template);
        }
        return Err(error)
            .with_context(|| format!("moving {} to {}", staging.display(), template.display()));
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

/// Removes what builds of processes that are gone left beside the template.
fn remove_leftovers(template: &Path, keep: &Path) {
    let Some(Ok(entries)) = template.parent().map(std::fs::read_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) =
            (name.strip_prefix("template-new-")).or_else(|| name.strip_prefix("template-old-"))
        else {
            continue;
        };
        let pid = rest.split(['-', '.']).next().unwrap_or_default();
        if entry.path() != keep && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Removes cargo's incremental caches of the library and its path dependencies from a
/// built template: the template is rebuilt whenever the library changes, so kernels never
/// recompile it, and every kernel copies the template (these caches were half of it,
/// about 48 MB).
fn remove_library_incremental_caches(build_dir: &Path) {
    let Ok(targets) = std::fs::read_dir(build_dir.join("target")) else {
        return;
    };
    for target in targets.flatten() {
        let Ok(caches) = std::fs::read_dir(target.path().join("debug").join("incremental")) else {
            continue;
        };
        for cache in caches.flatten() {
            if !cache.file_name().to_string_lossy().starts_with("ctx-") {
                let _ = std::fs::remove_dir_all(cache.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pb-template-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn built_for() -> BuiltFor {
        BuiltFor {
            kernel: "0.1.0".into(),
            cell_crate: "c".into(),
            library_dir: "/src/a/playbook-lib".into(),
            library: "l".into(),
            lock_file: "k".into(),
            toolchain: "rustc 1.95.0\nhost: x".into(),
        }
    }

    #[test]
    fn a_template_built_for_another_binary_library_or_toolchain_is_stale_wherever_it_lies() {
        let dir = temp_dir("stale");
        let wanted = built_for();
        assert!(stale_because(&dir, &wanted).unwrap().contains("no record"));
        std::fs::write(
            dir.join(BUILT_FOR_FILE),
            serde_json::to_vec(&wanted).unwrap(),
        )
        .unwrap();
        assert_eq!(stale_because(&dir, &wanted), None);
        // The template holds a copy of the library: the same sources elsewhere fit it.
        let elsewhere = BuiltFor {
            library_dir: "/opt/b/share/playbook/playbook-lib".into(),
            ..wanted.clone()
        };
        assert_eq!(stale_because(&dir, &elsewhere), None);
        type Change = fn(&mut BuiltFor);
        let cases: [(Change, &str); 4] = [
            (
                |b| b.kernel = "0.2.0".into(),
                "built by playbook 0.1.0, this is 0.2.0",
            ),
            (|b| b.library = "m".into(), "the library's sources changed"),
            (|b| b.lock_file = "none".into(), "Cargo.lock changed"),
            (
                |b| b.toolchain = "rustc 1.96.0\nhost: x".into(),
                "built with rustc 1.95.0, this is rustc 1.96.0",
            ),
        ];
        for (change, said) in cases {
            let mut other = wanted.clone();
            change(&mut other);
            let why = stale_because(&dir, &other).expect("stale");
            assert!(why.contains(said), "{why}");
        }
        std::fs::write(dir.join(BUILT_FOR_FILE), "{ not json").unwrap();
        assert!(
            stale_because(&dir, &wanted).is_some(),
            "an unreadable record is stale"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_new_template_replaces_the_old_one_whole() {
        let dir = temp_dir("swap");
        let (template, staging) = (dir.join("template"), dir.join("template-new-1"));
        std::fs::create_dir_all(template.join("target")).unwrap();
        std::fs::write(template.join("target/old"), "old").unwrap();
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("Cargo.toml"), "new").unwrap();
        put_in_place(&staging, &template).unwrap();
        assert_eq!(
            std::fs::read_to_string(template.join("Cargo.toml")).unwrap(),
            "new"
        );
        assert!(!template.join("target/old").exists());
        assert!(!staging.exists());
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "the old template is removed: {left:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn leftovers_of_dead_builders_are_removed() {
        let dir = temp_dir("leftovers");
        let template = dir.join("template");
        let mine = dir.join(format!("template-new-{}-x", std::process::id()));
        // No process has pid 0 in /proc.
        let dead = [dir.join("template-new-0-x"), dir.join("template-old-0-y")];
        for d in dead.iter().chain([&mine]) {
            std::fs::create_dir_all(d).unwrap();
        }
        remove_leftovers(&template, &dir.join("unrelated"));
        assert!(dead.iter().all(|d| !d.exists()));
        assert!(mine.exists(), "a live process's build is kept");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
