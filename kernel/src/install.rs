//! `playbook install`: the kernelspec named `playbook`, laid out the way
//! `jupyter kernelspec install` does, and the prebuilt cell library (see `cell_cache`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::json;

use crate::cells::{cell_cache, template};

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

/// The program a kernel.json starts (its `argv[0]`); `None` when it names none.
pub(crate) fn kernel_json_argv0(bytes: &[u8]) -> Option<PathBuf> {
    #[derive(serde::Deserialize)]
    struct Spec {
        argv: Vec<PathBuf>,
    }
    serde_json::from_slice::<Spec>(bytes)
        .ok()?
        .argv
        .into_iter()
        .next()
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

/// Compiles the cell library once into the template every new kernel copies, unless the
/// template already fits this binary (see `cells::template`). `staging` is where evcxr
/// builds; it is moved into place only when the build succeeded, so a failed prebuild
/// never leaves a broken template. Kernels that start meanwhile wait for it.
pub(crate) fn prebuild(staging: &Path) -> anyhow::Result<PathBuf> {
    let _lock = template::lock_for_build()
        .context("locking the prebuilt cell library")?
        .context("another process kept rebuilding the prebuilt cell library; try again")?;
    let freshness = template::freshness();
    let done: anyhow::Result<PathBuf> = if freshness == template::Freshness::Fresh {
        eprintln!("the prebuilt cell library is up to date");
        Ok(cell_cache::template_dir())
    } else {
        if let template::Freshness::Stale(why) = &freshness {
            // A template from a release archive for another toolchain, or an older one.
            eprintln!(
                "the prebuilt cell library does not fit this playbook ({why}): rebuilding it"
            );
        }
        let started = std::time::Instant::now();
        let template = template::build(staging, template::Start::Clean)?;
        eprintln!(
            "prebuilt the cell library in {:.1?} into {}",
            started.elapsed(),
            template.display()
        );
        Ok(template)
    };
    let _ = std::fs::remove_dir_all(staging);
    let _ = std::fs::remove_dir_all(staging.with_extension("config"));
    done
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
    fn the_program_a_kernelspec_starts_is_read_back() {
        let spec = serde_json::to_vec(&kernel_json(Path::new("/opt/bin/playbook"))).unwrap();
        assert_eq!(
            kernel_json_argv0(&spec),
            Some(PathBuf::from("/opt/bin/playbook"))
        );
        assert_eq!(kernel_json_argv0(br#"{"argv": []}"#), None);
        assert_eq!(kernel_json_argv0(b"{ not json"), None);
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
