//! The Rust toolchain cells are compiled with at run time: rustc and cargo on PATH, at
//! least the workspace's `rust-version`, and rust-src (completion and inspection of std).

use std::path::PathBuf;
use std::time::Duration;

use super::command::{NoAnswer, ask};
use super::{Check, CheckName, Status};

/// How long a `rustc`/`cargo` query may take (rustup may install a toolchain a
/// rust-toolchain file names: generous).
const DEADLINE: Duration = Duration::from_secs(60);

/// The oldest toolchain the cell library builds with (the workspace's `rust-version`).
const MINIMUM: &str = env!("CARGO_PKG_RUST_VERSION");

const RUSTUP: &str = "install Rust with rustup (https://rustup.rs: `curl --proto '=https' \
                      --tlsv1.2 -sSf https://sh.rustup.rs | sh`), then open a new shell";

/// rustc and cargo found and recent enough.
pub(super) fn toolchain() -> Check {
    let mut found = Vec::new();
    for program in ["rustc", "cargo"] {
        let version = match ask(program, &["--version"], DEADLINE) {
            Ok(answer) if answer.success => answer.stdout.trim().to_owned(),
            Ok(answer) => {
                return Check::failed(
                    CheckName::Toolchain,
                    format!("`{program} --version` failed: {}", answer.stderr.trim()),
                    format!("repair the toolchain (`rustup update stable`), or {RUSTUP}"),
                );
            }
            Err(NoAnswer::NotFound(_)) => {
                return Check::failed(
                    CheckName::Toolchain,
                    format!("{program} is not on PATH: cells are compiled at run time"),
                    RUSTUP.to_owned(),
                );
            }
            Err(error) => {
                return Check::failed(CheckName::Toolchain, error.to_string(), RUSTUP.to_owned());
            }
        };
        match parse_version(&version) {
            Some(v) if v >= parse_version(MINIMUM).unwrap_or_default() => found.push(version),
            Some(_) => {
                return Check::failed(
                    CheckName::Toolchain,
                    format!("{version} is older than {MINIMUM}, which the cell library needs"),
                    "`rustup update stable` (or `rustup default stable`)".to_owned(),
                );
            }
            None => found.push(format!("{version} (version not understood)")),
        }
    }
    Check::ok(
        CheckName::Toolchain,
        format!("{} (needs {MINIMUM} or later)", found.join(", ")),
    )
}

/// `1.95.0` from `rustc 1.95.0 (59807616e 2026-04-14)`, `cargo 1.96.0-nightly (…)` or `1.95`.
fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let word = text
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    let core = word.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u32>());
    let major = parts.next()?.ok()?;
    let minor = parts.next()?.ok()?;
    let patch = parts.next().and_then(Result::ok).unwrap_or(0);
    Some((major, minor, patch))
}

/// rust-src: the standard library's source, which completion and inspection read.
pub(super) fn rust_src() -> Check {
    const FIX: &str = "`rustup component add rust-src`";
    let library = match std::env::var_os("RUST_SRC_PATH") {
        Some(path) => PathBuf::from(path),
        None => match ask("rustc", &["--print", "sysroot"], DEADLINE) {
            Ok(answer) if answer.success => {
                PathBuf::from(answer.stdout.trim()).join("lib/rustlib/src/rust/library")
            }
            _ => {
                return Check::failed(
                    CheckName::RustSrc,
                    "no toolchain to look in (`rustc --print sysroot` failed)".to_owned(),
                    format!("install the toolchain first, then {FIX}"),
                );
            }
        },
    };
    if library.join("std/src/lib.rs").is_file() {
        Check::ok(CheckName::RustSrc, format!("in {}", library.display()))
    } else {
        Check {
            name: CheckName::RustSrc,
            status: Status::Warning,
            verdict: format!(
                "not found ({} has no std/src/lib.rs): completion and inspection of std items \
                 are limited",
                library.display()
            ),
            fix: Some(FIX.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolchain_versions_are_read_from_what_rustc_and_cargo_print() {
        assert_eq!(
            parse_version("rustc 1.95.0 (59807616e 2026-04-14)"),
            Some((1, 95, 0))
        );
        assert_eq!(
            parse_version("cargo 1.96.0-nightly (abc 2026-05-01)"),
            Some((1, 96, 0))
        );
        assert_eq!(parse_version("1.95"), Some((1, 95, 0)));
        assert_eq!(parse_version("rustc unknown"), None);
        assert!(parse_version("rustc 1.80.1 (x)") < parse_version(MINIMUM));
        assert!(parse_version("rustc 1.100.0 (x)") > parse_version(MINIMUM));
    }
}
