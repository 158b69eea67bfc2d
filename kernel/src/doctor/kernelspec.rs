//! The kernelspec: installed where Jupyter finds it, and starting this binary. Asked of
//! `jupyter kernelspec list --json` when jupyter is on PATH (it knows its own search
//! path, the Python environment's prefix included); otherwise Jupyter's data directories
//! are searched in its order: `$JUPYTER_PATH`, the user's data directory, the prefix this
//! binary sits in (a virtualenv), the system's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::command::{NoAnswer, ask};
use super::{Check, CheckName, Status};
use crate::install::{KERNEL_NAME, kernel_json_argv0};

/// How long `jupyter kernelspec list` may take (Python starts slowly on a busy machine).
const DEADLINE: Duration = Duration::from_secs(30);

const FIX: &str = "`playbook install --user`, or `playbook install --prefix \"$VIRTUAL_ENV\"` \
                   for the Python environment Jupyter runs in";

/// What `jupyter kernelspec list --json` prints.
#[derive(Debug, Deserialize)]
struct KernelspecList {
    kernelspecs: BTreeMap<String, ListedSpec>,
}

#[derive(Debug, Deserialize)]
struct ListedSpec {
    resource_dir: PathBuf,
}

/// Where the `playbook` kernelspec was found, and how.
enum Found {
    /// In this directory (`kernels/playbook`), as `how` says.
    At { dir: PathBuf, how: String },
    /// Not found; `looked` says where.
    Nowhere { looked: String },
    /// jupyter is on PATH but did not answer.
    JupyterFailed(String),
}

/// The kernelspec check, for the binary at `exe`.
pub(super) fn kernelspec(exe: &Path) -> Check {
    let (dir, how) = match find() {
        Found::At { dir, how } => (dir, how),
        Found::Nowhere { looked } => {
            return Check::failed(
                CheckName::Kernelspec,
                format!("Jupyter finds no `{KERNEL_NAME}` kernelspec ({looked})"),
                FIX.to_owned(),
            );
        }
        Found::JupyterFailed(why) => {
            return Check::failed(
                CheckName::Kernelspec,
                format!("`jupyter kernelspec list --json` failed: {why}"),
                "repair the Jupyter installation on PATH, then check again".to_owned(),
            );
        }
    };
    let starts = std::fs::read(dir.join("kernel.json"))
        .ok()
        .and_then(|bytes| kernel_json_argv0(&bytes));
    let Some(starts) = starts else {
        return Check::failed(
            CheckName::Kernelspec,
            format!(
                "{}/kernel.json is missing or unreadable ({how})",
                dir.display()
            ),
            FIX.to_owned(),
        );
    };
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(&starts, exe) {
        return Check::ok(
            CheckName::Kernelspec,
            format!("in {}, starts this binary ({how})", dir.display()),
        );
    }
    if !starts.exists() {
        return Check::failed(
            CheckName::Kernelspec,
            format!(
                "in {} starts {}, which does not exist ({how})",
                dir.display(),
                starts.display()
            ),
            FIX.to_owned(),
        );
    }
    Check {
        name: CheckName::Kernelspec,
        status: Status::Warning,
        verdict: format!(
            "in {} starts {}, not this binary ({}) ({how})",
            dir.display(),
            starts.display(),
            exe.display()
        ),
        fix: Some(format!("to use this one, run it: {FIX}")),
    }
}

fn find() -> Found {
    match ask("jupyter", &["kernelspec", "list", "--json"], DEADLINE) {
        Ok(answer) if answer.success => {
            match serde_json::from_str::<KernelspecList>(&answer.stdout) {
                Ok(list) => match list.kernelspecs.get(KERNEL_NAME) {
                    Some(spec) => Found::At {
                        dir: spec.resource_dir.clone(),
                        how: "asked `jupyter kernelspec list`".to_owned(),
                    },
                    None => Found::Nowhere {
                        looked: "`jupyter kernelspec list` does not list it".to_owned(),
                    },
                },
                Err(error) => {
                    Found::JupyterFailed(format!("its output is not understood: {error}"))
                }
            }
        }
        Ok(answer) => Found::JupyterFailed(answer.stderr.trim().to_owned()),
        Err(NoAnswer::NotFound(_)) => {
            let dirs = data_dirs();
            match dirs
                .iter()
                .map(|d| d.join("kernels").join(KERNEL_NAME))
                .find(|d| d.join("kernel.json").is_file())
            {
                Some(dir) => Found::At {
                    dir,
                    how: "jupyter is not on PATH; found in Jupyter's data directories".to_owned(),
                },
                None => Found::Nowhere {
                    looked: format!(
                        "jupyter is not on PATH; looked in {}",
                        dirs.iter()
                            .map(|d| d.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
            }
        }
        Err(error) => Found::JupyterFailed(error.to_string()),
    }
}

/// Jupyter's data directories, in its search order.
fn data_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("JUPYTER_PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .filter(|d| !d.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match std::env::var_os("JUPYTER_DATA_DIR") {
        Some(dir) => dirs.push(PathBuf::from(dir)),
        None => dirs.extend(home.as_ref().map(|h| {
            if cfg!(target_os = "macos") {
                h.join("Library/Jupyter")
            } else {
                h.join(".local/share/jupyter")
            }
        })),
    }
    // The prefix this binary sits in (`PREFIX/bin/playbook`), a virtualenv's as a rule.
    if let Some(prefix) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf))
    {
        dirs.push(prefix.join("share/jupyter"));
    }
    dirs.push(PathBuf::from("/usr/local/share/jupyter"));
    dirs.push(PathBuf::from("/usr/share/jupyter"));
    dirs
}
