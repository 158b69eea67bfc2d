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
//!
//! A check (evcxr's explanation of a cell it cannot keep a variable of) replays the same
//! invocation as metadata only ([`DirectRustc::check`]): no linking, no incremental
//! cache, its own output directory, against the rlibs the build left. So a check needs no
//! check-mode metadata of the dependencies, which `cargo check` would first build
//! (seconds for the kernel's library and its dependencies).

use crate::errors::Error;
use std::ffi::OsString;
use std::path::Path;
use std::path::PathBuf;
use std::process::Command;

/// Where the wrapper writes the recorded invocation (set by `cargo_command("build")`).
pub(crate) const RECORD_ENV: &str = "EVCXR_RECORD_RUSTC";

/// How cargo hands its jobserver to rustc.
const JOBSERVER_ENV: [&str; 3] = ["CARGO_MAKEFLAGS", "MAKEFLAGS", "MFLAGS"];

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

impl DirectRustc {
    /// Runs the invocation as a check: metadata only, into `out_dir`, with its diagnostics
    /// (JSON) on stderr.
    pub(crate) fn check(&self, out_dir: &Path) -> Result<std::process::Output, Error> {
        let invocation = &self.invocation;
        let output = Command::new(&invocation.program)
            .args(check_args(&invocation.args, out_dir))
            .env_clear()
            .envs(invocation.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&invocation.cwd)
            .output()?;
        Ok(output)
    }
}

/// A build's rustc arguments turned into a check's: `--emit=metadata`, `--out-dir`
/// `out_dir`, and no `-C incremental` (a check's incremental state would be the build's).
fn check_args(args: &[OsString], out_dir: &Path) -> Vec<OsString> {
    let is_incremental = |arg: &OsString| {
        arg.to_str()
            .is_some_and(|arg| arg.starts_with("incremental="))
    };
    let mut checked = Vec::with_capacity(args.len());
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--emit") => {
                args.next();
                checked.push("--emit=metadata".into());
            }
            Some(emit) if emit.starts_with("--emit=") => checked.push("--emit=metadata".into()),
            Some("--out-dir") => {
                args.next();
                checked.extend(["--out-dir".into(), out_dir.as_os_str().to_owned()]);
            }
            Some(out) if out.starts_with("--out-dir=") => {
                checked.extend(["--out-dir".into(), out_dir.as_os_str().to_owned()]);
            }
            Some("-C") => match args.next() {
                Some(option) if is_incremental(option) => {}
                Some(option) => checked.extend([arg.clone(), option.clone()]),
                None => checked.push(arg.clone()),
            },
            Some(option) if option.starts_with("-Cincremental=") => {}
            _ => checked.push(arg.clone()),
        }
    }
    checked
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
    // Not cargo's jobserver either: its file descriptors are cargo's, gone at a replay
    // (rustc then warns that it cannot connect, which a check would report).
    let env = std::env::vars_os()
        .filter(|(name, _)| {
            name != RECORD_ENV
                && name != crate::runtime::WRAP_RUSTC_ENV
                && !JOBSERVER_ENV.iter().any(|jobserver| name == jobserver)
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_check_emits_metadata_only_into_its_own_directory_without_incremental_state() {
        let build = args(&[
            "--crate-name",
            "ctx",
            "--edition=2024",
            "src/lib.rs",
            "--error-format=json",
            "--crate-type",
            "cdylib",
            "--emit=dep-info,link",
            "-C",
            "opt-level=0",
            "-C",
            "incremental=/b/target/debug/incremental",
            "-Cincremental=/b/other",
            "--out-dir",
            "/b/target/debug/deps",
            "--extern",
            "playbook=/b/target/debug/deps/libplaybook-1.rlib",
        ]);
        let checked = check_args(&build, Path::new("/b/target/evcxr-check"));
        assert_eq!(
            checked,
            args(&[
                "--crate-name",
                "ctx",
                "--edition=2024",
                "src/lib.rs",
                "--error-format=json",
                "--crate-type",
                "cdylib",
                "--emit=metadata",
                "-C",
                "opt-level=0",
                "--out-dir",
                "/b/target/evcxr-check",
                "--extern",
                "playbook=/b/target/debug/deps/libplaybook-1.rlib",
            ])
        );
    }
}
