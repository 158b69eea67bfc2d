//! playbook patch: call rustc directly for cells once cargo has shown how.
//!
//! Every cell is a new build of the evaluation crate, and cargo spends about 40 ms per
//! build (on a 2-core machine) deciding that the dependencies are fresh before it runs the
//! one rustc invocation that matters. When cargo builds the evaluation crate, a
//! `RUSTC_WORKSPACE_WRAPPER` (this process again, see [`record_invocation`]) records that
//! invocation: arguments, environment and directory. Later cells whose cargo command,
//! `Cargo.toml` and `.cargo/config.toml` are unchanged replay it. Anything else (a new
//! dependency, another option, a recorded file gone, a failure that is not a compilation
//! error) goes back through cargo, which records again.

use crate::errors::Error;
use std::ffi::OsString;
use std::path::Path;
use std::path::PathBuf;
use std::process::Command;

/// Where the wrapper writes the recorded invocation (set by `cargo_command("build")`).
pub(crate) const RECORD_ENV: &str = "EVCXR_RECORD_RUSTC";

/// The rustc invocation cargo made for the evaluation crate, and what it depended on.
pub(crate) struct DirectRustc {
    /// What must be unchanged for the invocation to still be the right one.
    key: String,
    invocation: Invocation,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Invocation {
    program: OsString,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    cwd: PathBuf,
    out_dir: PathBuf,
}

/// What identifies a build: the cargo command as evcxr would run it and the manifests.
pub(crate) fn build_key(command: &Command, crate_dir: &Path) -> String {
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap_or_default();
    let config =
        std::fs::read_to_string(crate_dir.join(".cargo").join("config.toml")).unwrap_or_default();
    format!("{command:?}\n{manifest}\n{config}")
}

impl DirectRustc {
    /// Reads what the wrapper recorded during the cargo build that just succeeded.
    pub(crate) fn from_record(record: &Path, key: String) -> Option<DirectRustc> {
        let text = std::fs::read(record).ok()?;
        let invocation: Invocation = serde_json::from_slice(&text).ok()?;
        Some(DirectRustc { key, invocation })
    }

    /// Whether this invocation still builds what `key` describes.
    pub(crate) fn matches(&self, key: &str) -> bool {
        self.key == key && self.invocation.cwd.is_dir() && self.invocation.out_dir.is_dir()
    }

    /// The shared object a successful run leaves behind.
    pub(crate) fn output(&self) -> PathBuf {
        self.invocation
            .out_dir
            .join(super::shared_object_name_from_crate_name(super::CRATE_NAME))
    }

    /// Runs rustc as cargo did, with its diagnostics (JSON) on stderr.
    pub(crate) fn run(&self) -> Result<std::process::Output, Error> {
        let invocation = &self.invocation;
        let output = Command::new(&invocation.program)
            .args(&invocation.args)
            .env_clear()
            .envs(invocation.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&invocation.cwd)
            .output()?;
        Ok(output)
    }
}

/// Called in the rustc wrapper: records the evaluation crate's invocation where
/// [`RECORD_ENV`] says. Other crates are never wrapped (`RUSTC_WORKSPACE_WRAPPER`).
pub(crate) fn record_invocation(command: &Command) -> anyhow::Result<()> {
    let Some(record) = std::env::var_os(RECORD_ENV) else {
        return Ok(());
    };
    let Some(out_dir) = super::execution_so_source(command)
        .and_then(|so| so.parent().map(Path::to_path_buf))
    else {
        return Ok(());
    };
    let env = std::env::vars_os()
        .filter(|(name, _)| name != RECORD_ENV && name != crate::runtime::WRAP_RUSTC_ENV)
        .collect();
    let invocation = Invocation {
        program: command.get_program().to_owned(),
        args: command.get_args().map(ToOwned::to_owned).collect(),
        env,
        cwd: std::env::current_dir()?,
        out_dir,
    };
    let temp = PathBuf::from(&record).with_extension("tmp");
    std::fs::write(&temp, serde_json::to_vec(&invocation)?)?;
    std::fs::rename(&temp, &record)?;
    Ok(())
}
