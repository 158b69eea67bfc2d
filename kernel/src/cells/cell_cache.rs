//! Where Rust cells are compiled, and the prebuilt template that spares a new kernel from
//! compiling the `playbook` library and its dependencies at incident time.
//!
//! `playbook install` builds the cell crate once, with the same evcxr settings a kernel
//! uses, into `<cache>/cells/template`. Each kernel gets its own build directory
//! `<cache>/cells/kernels/<pid>-<uuid>`, seeded with a copy of the template (mtimes kept,
//! so cargo sees the dependencies as fresh). Kernels never share a build directory, so
//! concurrent kernels cannot corrupt each other's builds; directories of kernels that
//! are gone are removed at the next start. A template that no longer fits the binary is
//! rebuilt once, under a lock (`template.rs`); copies from it hold that lock shared.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

/// The cache root: `$PLAYBOOK_CACHE`, else `$XDG_CACHE_HOME/playbook`, else `~/.cache/playbook`.
pub(crate) fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("PLAYBOOK_CACHE") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("playbook");
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache").join("playbook")
}

/// The template's vendored dependencies (`cell_sources.rs`), linked into a kernel's
/// directory rather than copied.
pub(crate) const DEPS: &str = "deps";

/// How long a copy from the template waits while it is being replaced.
pub(crate) const COPY_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// The template's lock file (`template_lock.rs`).
pub(crate) fn template_lock_path() -> PathBuf {
    cache_root().join("cells").join("template.lock")
}

/// The prebuilt template directory.
pub(crate) fn template_dir() -> PathBuf {
    cache_root().join("cells").join("template")
}

/// The directory holding one build directory per running kernel.
pub(crate) fn kernels_dir() -> PathBuf {
    cache_root().join("cells").join("kernels")
}

/// The source of the cell-side `playbook` crate that cells depend on: `$PLAYBOOK_LIB_DIR`,
/// else the `playbook-lib/` this binary was built from, else the one installed beside the
/// binary (`library.rs`).
pub(crate) fn library_dir() -> PathBuf {
    super::library::located().dir.clone()
}

/// A fresh build directory path for this kernel process (not created yet).
pub(crate) fn new_kernel_dir() -> PathBuf {
    kernels_dir().join(format!("{}-{}", std::process::id(), uuid::Uuid::new_v4()))
}

/// How every cell is compiled (and the template was prebuilt): opt-level 0 compiles
/// fastest. (evcxr's `allow_static_linking = false`, which would link cells against
/// dependency dylibs, fails with this toolchain: "only metadata stub found for `dylib`
/// dependency `core`".)
pub(crate) const EVCXR_SETTINGS: &str = "opt_level = \"0\"\n";

/// Writes the evcxr configuration for a build in `build_dir` and returns its directory
/// (for `EVCXR_CONFIG_DIR`). Our own file, so a user's `~/.config/evcxr` cannot change how
/// the kernel compiles: opt-level 0 (cells compile fastest; the prebuilt dependencies were
/// built the same way) and, when `offline`, no registry look-ups.
pub(crate) fn write_evcxr_config(build_dir: &Path, offline: bool) -> anyhow::Result<PathBuf> {
    let dir = build_dir.with_extension("config");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmpdir = toml_string(&build_dir.display().to_string());
    let text = format!("[evcxr]\ntmpdir = {tmpdir}\noffline_mode = {offline}\n{EVCXR_SETTINGS}");
    std::fs::write(dir.join("evcxr.toml"), text)?;
    Ok(dir)
}

fn toml_string(s: &str) -> String {
    let escaped: String = s
        .chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

/// Whether a prebuilt template exists.
pub(crate) fn has_template() -> bool {
    template_dir().join("Cargo.toml").exists()
}

/// Creates `dir`, seeded from the template when there is one (its manifests and sources;
/// the prebuilt dependencies in `target/` come with the first build that needs them,
/// [`seed_build_products`]; the vendored sources are not copied: `cell_sources.rs` links
/// them); returns whether it was.
pub(crate) fn seed(dir: &Path) -> anyhow::Result<bool> {
    remove_stale_kernel_dirs();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    copy_template(dir)
}

/// Copies the template but its build products and vendored sources into `dir`; whether
/// there was one to copy.
fn copy_template(dir: &Path) -> anyhow::Result<bool> {
    let template = template_dir();
    if !has_template() {
        return Ok(false);
    }
    let Some(_copying) = copy_lock() else {
        return Ok(false);
    };
    copy_tree_without(&template, dir, &["target", DEPS])
        .with_context(|| format!("copying {} to {}", template.display(), dir.display()))?;
    Ok(true)
}

/// Copies the template's prebuilt dependencies into `dir/target` unless they are there:
/// before the first cargo or rustc run of a kernel (most kernels, their cells all in the
/// compiled-cells cache, never need the 70-odd MB).
pub(crate) fn seed_build_products(dir: &Path) {
    let (from, to) = (template_dir().join("target"), dir.join("target"));
    if to.join(".playbook-seeded").exists() || !from.is_dir() {
        return;
    }
    let Some(_copying) = copy_lock() else {
        return;
    };
    let started = Instant::now();
    match copy_tree(&from, &to) {
        Ok(()) => {
            let _ = std::fs::write(to.join(".playbook-seeded"), b"");
            super::announce(&format!(
                "playbook: seeded the cell build directory from the template in {:.2?}",
                started.elapsed()
            ));
        }
        Err(error) => eprintln!(
            "playbook: could not copy the prebuilt cell library ({error}); the first build compiles it"
        ),
    }
}

/// The template's lock, shared, while a kernel copies from it (`Some` also when the lock
/// cannot be used at all: copying as before beats not starting); `None` when a rebuild
/// held it past [`COPY_WAIT`].
fn copy_lock() -> Option<Option<std::fs::File>> {
    use super::template_lock::{Access, lock_at};
    match lock_at(&template_lock_path(), Access::Shared, COPY_WAIT) {
        Ok(Some(file)) => Some(Some(file)),
        Ok(None) => {
            eprintln!(
                "playbook: the prebuilt cell library is still being rebuilt after {COPY_WAIT:?}; \
                 this kernel compiles it in its own directory"
            );
            None
        }
        Err(error) => {
            eprintln!(
                "playbook: cannot lock the prebuilt cell library ({error}); copying it unlocked"
            );
            Some(None)
        }
    }
}

/// Copies a directory tree, keeping modification times (cargo's freshness checks use them).
pub(crate) fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    copy_tree_without(from, to, &[])
}

/// [`copy_tree`], leaving out the entries of `from` (not of its subdirectories) named in
/// `skip`.
pub(crate) fn copy_tree_without(from: &Path, to: &Path, skip: &[&str]) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if skip.iter().any(|name| entry.file_name() == *name) {
            continue;
        }
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_symlink() {
            let link = std::fs::read_link(entry.path())?;
            let _ = std::fs::remove_file(&target);
            std::os::unix::fs::symlink(link, &target)?;
        } else {
            copy_file(&entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Copies a file, private to the user, keeping its modification time.
fn copy_file(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::copy(from, to)?;
    let metadata = std::fs::metadata(from)?;
    // `copy` keeps the template's mode; a kernel's files are its user's alone.
    use std::os::unix::fs::PermissionsExt;
    let private = metadata.permissions().mode() & 0o700;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(private))?;
    std::fs::File::options()
        .write(true)
        .open(to)?
        .set_modified(metadata.modified()?)
}

/// Removes build directories whose kernel process no longer exists.
fn remove_stale_kernel_dirs() {
    let Ok(entries) = std::fs::read_dir(kernels_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.split('-').next()) else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            if name.to_str().is_some_and(|n| n.ends_with(".host")) {
                super::socket_dir::remove(&entry.path());
            } else {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// Removes a kernel's build directory and the directories kept next to it.
pub(crate) fn remove_build_dirs(build_dir: &Path) {
    super::library_build::forget(build_dir);
    super::socket_dir::remove(&build_dir.with_extension("host"));
    let _ = std::fs::remove_dir_all(build_dir.with_extension("config"));
    let _ = std::fs::remove_dir_all(build_dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evcxr_config_names_the_build_dir() {
        let build = std::env::temp_dir().join(format!("pb-cfg-{}", uuid::Uuid::new_v4()));
        let dir = write_evcxr_config(&build, true).unwrap();
        let text = std::fs::read_to_string(dir.join("evcxr.toml")).unwrap();
        assert!(
            text.contains(&format!("tmpdir = \"{}\"", build.display())),
            "{text}"
        );
        assert!(text.contains("offline_mode = true"));
        assert!(text.contains("opt_level = \"0\""));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn copy_tree_keeps_contents_and_mtimes() {
        let root = std::env::temp_dir().join(format!("pb-copy-{}", uuid::Uuid::new_v4()));
        let from = root.join("from");
        std::fs::create_dir_all(from.join("target/deps")).unwrap();
        std::fs::write(from.join("Cargo.toml"), "[package]").unwrap();
        std::fs::write(from.join("target/deps/libx.rlib"), b"rlib").unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        std::fs::File::options()
            .write(true)
            .open(from.join("target/deps/libx.rlib"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        copy_tree(&from, &root.join("to")).unwrap();
        let copied = root.join("to/target/deps/libx.rlib");
        assert_eq!(std::fs::read(&copied).unwrap(), b"rlib");
        assert_eq!(std::fs::metadata(&copied).unwrap().modified().unwrap(), old);
        std::fs::remove_dir_all(root).unwrap();
    }
}
