//! `playbook install`: the kernelspec named `playbook`, laid out the way
//! `jupyter kernelspec install` does, and the prebuilt cell library (see `cell_cache`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::json;

use crate::cells::cell_cache;
use crate::cells::rust_engine::prelude;

/// The kernelspec's name, display name and files.
pub(crate) const KERNEL_NAME: &str = "playbook";
pub(crate) const DISPLAY_NAME: &str = "Playbook (Rust)";
const LOGO_32: &[u8] = include_bytes!("../assets/logo-32x32.png");
const LOGO_64: &[u8] = include_bytes!("../assets/logo-64x64.png");
const LOGO_SVG: &[u8] = include_bytes!("../assets/logo-svg.svg");

/// Where the kernelspec goes.
#[derive(Debug, Clone)]
pub(crate) enum Location {
    /// `$JUPYTER_DATA_DIR` or `~/.local/share/jupyter`.
    User,
    /// `PREFIX/share/jupyter` (a virtualenv, conda env or test venv).
    Prefix(PathBuf),
}

/// The `kernels/playbook` directory for `location`.
pub(crate) fn kernelspec_dir(location: &Location) -> anyhow::Result<PathBuf> {
    let data = match location {
        Location::Prefix(prefix) => prefix.join("share").join("jupyter"),
        Location::User => match std::env::var_os("JUPYTER_DATA_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => {
                let home = std::env::var_os("HOME").context("HOME is not set; use --prefix")?;
                PathBuf::from(home).join(".local/share/jupyter")
            }
        },
    };
    Ok(data.join("kernels").join(KERNEL_NAME))
}

/// The kernel.json for the binary at `exe`.
pub(crate) fn kernel_json(exe: &Path) -> serde_json::Value {
    json!({
        "argv": [exe.display().to_string(), "kernel", "--connection-file", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "rust",
        "interrupt_mode": "message",
        "metadata": {
            "debugger": false,
            "playbook": { "version": env!("CARGO_PKG_VERSION") }
        }
    })
}

/// Writes the kernelspec; returns its directory.
pub(crate) fn write_kernelspec(location: &Location, exe: &Path) -> anyhow::Result<PathBuf> {
    let dir = kernelspec_dir(location)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let spec = serde_json::to_string_pretty(&kernel_json(exe))?;
    std::fs::write(dir.join("kernel.json"), spec + "\n")?;
    std::fs::write(dir.join("logo-32x32.png"), LOGO_32)?;
    std::fs::write(dir.join("logo-64x64.png"), LOGO_64)?;
    std::fs::write(dir.join("logo-svg.svg"), LOGO_SVG)?;
    Ok(dir)
}

/// Compiles the cell library once into the template every new kernel copies.
/// `staging` is where evcxr builds (the process's `EVCXR_TMPDIR`); it is moved into place
/// only when the build succeeded, so a failed prebuild never leaves a broken template.
pub(crate) fn prebuild(staging: &Path) -> anyhow::Result<PathBuf> {
    let template = cell_cache::template_dir();
    let stamp = library_stamp()?;
    let stamp_file = template.join(".playbook-stamp");
    if std::fs::read_to_string(&stamp_file).is_ok_and(|old| old == stamp) {
        let _ = std::fs::remove_dir_all(staging);
        let _ = std::fs::remove_dir_all(staging.with_extension("config"));
        eprintln!("the prebuilt cell library is up to date");
        return Ok(template);
    }
    let started = std::time::Instant::now();
    let (eval_context, outputs) = evcxr::EvalContext::with_subprocess_command(
        crate::cells::rust_engine::evaluation_command()?,
    )
    .map_err(|e| anyhow::anyhow!("starting evcxr: {e}"))?;
    let mut context = evcxr::CommandContext::with_eval_context(eval_context);
    // Show what cargo and the cells print, so a slow or failing prebuild explains itself.
    for rx in [outputs.stdout, outputs.stderr] {
        std::thread::spawn(move || {
            for line in rx {
                eprintln!("  {line}");
            }
        });
    }
    context
        .execute(&prelude())
        .map_err(|e| anyhow::anyhow!("compiling the playbook library for cells: {e}"))?;
    // evcxr falls back to `cargo check` to explain a variable it cannot keep (a closure,
    // a type it cannot name): prebuild the dependencies' check-mode metadata too, or the
    // first such cell of every kernel compiles them (about 3.5 s here).
    context
        .check("let _playbook_check = 1;")
        .map_err(|e| anyhow::anyhow!("checking the playbook library for cells: {e}"))?;
    drop(context);
    remove_library_incremental_caches(staging);
    std::fs::write(staging.join(".playbook-stamp"), &stamp)?;
    if template.exists() {
        std::fs::remove_dir_all(&template)
            .with_context(|| format!("removing the old template {}", template.display()))?;
    }
    std::fs::rename(staging, &template)
        .with_context(|| format!("moving {} to {}", staging.display(), template.display()))?;
    let _ = std::fs::remove_dir_all(staging.with_extension("config"));
    eprintln!(
        "prebuilt the cell library in {:.1?} into {}",
        started.elapsed(),
        template.display()
    );
    Ok(template)
}

/// What the template was built from: this binary's version, the library's location and
/// the newest modification among its sources, and the compiler.
/// Removes cargo's incremental caches of the library and its path dependencies from a
/// prebuilt build directory: the template is rebuilt whenever the library changes, so
/// kernels never recompile it, and every kernel copies the template at start (these
/// caches were half of it, about 48 MB).
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

/// Bumped when the prebuild changes what the template holds (2: check-mode metadata;
/// 3: without the library's incremental caches; 4: dependencies at opt-level 2).
const TEMPLATE_LAYOUT: u32 = 4;

fn library_stamp() -> anyhow::Result<String> {
    fn newest(dir: &Path, newest: &mut std::time::SystemTime) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                newest_in(&entry.path(), newest)?;
            } else {
                *newest = (*newest).max(entry.metadata()?.modified()?);
            }
        }
        Ok(())
    }
    fn newest_in(dir: &Path, out: &mut std::time::SystemTime) -> std::io::Result<()> {
        newest(dir, out)
    }
    let lib = cell_cache::library_dir();
    let mut latest = std::time::SystemTime::UNIX_EPOCH;
    newest(&lib.join("src"), &mut latest)
        .with_context(|| format!("reading the cell library at {}", lib.display()))?;
    latest = latest.max(std::fs::metadata(lib.join("Cargo.toml"))?.modified()?);
    let rustc = std::process::Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let nanos = latest
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // What the template holds also changes with the prelude and with how it is built
    // (`TEMPLATE_LAYOUT`): a change to either rebuilds it.
    Ok(format!(
        "{} {} {nanos} {rustc} {} layout {TEMPLATE_LAYOUT} {}",
        env!("CARGO_PKG_VERSION"),
        lib.display(),
        cell_cache::EVCXR_SETTINGS.replace('\n', " "),
        crate::cells::rust_engine::prelude().replace('\n', " ")
    ))
}

/// The staging directory for a prebuild by this process.
pub(crate) fn staging_dir() -> PathBuf {
    cell_cache::template_dir().with_file_name(format!("template-new-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_json_runs_the_kernel_subcommand() {
        let spec = kernel_json(Path::new("/opt/bin/playbook"));
        assert_eq!(spec["argv"][0], "/opt/bin/playbook");
        assert_eq!(spec["argv"][1], "kernel");
        assert_eq!(spec["argv"][3], "{connection_file}");
        assert_eq!(spec["display_name"], "Playbook (Rust)");
        assert_eq!(spec["interrupt_mode"], "message");
        assert_eq!(spec["language"], "rust");
    }

    #[test]
    fn prefix_layout_matches_jupyter() {
        let dir = kernelspec_dir(&Location::Prefix("/venv".into())).unwrap();
        assert_eq!(dir, Path::new("/venv/share/jupyter/kernels/playbook"));
    }

    #[test]
    fn write_kernelspec_writes_spec_and_logos() {
        let prefix = std::env::temp_dir().join(format!("pb-spec-{}", uuid::Uuid::new_v4()));
        let dir =
            write_kernelspec(&Location::Prefix(prefix.clone()), Path::new("/bin/pb")).unwrap();
        for file in [
            "kernel.json",
            "logo-32x32.png",
            "logo-64x64.png",
            "logo-svg.svg",
        ] {
            assert!(dir.join(file).exists(), "{file}");
        }
        std::fs::remove_dir_all(prefix).unwrap();
    }
}
