//! Where a kernel's host socket is bound: a private directory whose socket path fits in a
//! Unix socket address.
//!
//! `sun_path` holds 108 bytes on Linux and 104 on macOS, terminator included. The socket
//! belongs next to the kernel's build directory (`<cache>/cells/kernels/<pid>-<uuid>.host`),
//! but with a cache under a long home directory (`/home/firstname.lastname/…`) or a long
//! `PLAYBOOK_CACHE` that path no longer fits and the kernel could not start ("path must be
//! shorter than SUN_LEN"). Then the socket goes in a fresh private directory in the
//! system's temporary directory, and the usual place becomes a symlink to it, so the
//! kernel's cleanup finds and removes both.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The socket's file name inside its directory.
pub(crate) const SOCKET_NAME: &str = "host.sock";

/// The longest socket path bound (macOS's 104 bytes, less the terminator and a margin).
const SOCKET_PATH_MAX: usize = 100;

/// Names of the directories made in the temporary directory start with this.
const SHORT_PREFIX: &str = "playbook-host-";

/// Creates the private (0700) directory the socket is bound in: `dir`, or a short one that
/// `dir` links to when a socket path inside `dir` would not fit.
pub(crate) fn create(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.join(SOCKET_NAME).as_os_str().len() <= SOCKET_PATH_MAX {
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        return Ok(dir.to_owned());
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let short = std::env::temp_dir().join(format!("{SHORT_PREFIX}{}", &id[..16]));
    if short.join(SOCKET_NAME).as_os_str().len() > SOCKET_PATH_MAX {
        anyhow::bail!(
            "the kernel's socket path under {} is longer than a Unix socket allows, and so is \
             one under the temporary directory {}: set PLAYBOOK_CACHE or TMPDIR to a shorter \
             directory",
            dir.display(),
            std::env::temp_dir().display()
        );
    }
    // A new directory, never one that already exists (no one else's socket directory).
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&short)
        .with_context(|| format!("creating {}", short.display()))?;
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let _ = std::fs::remove_file(dir);
    std::os::unix::fs::symlink(&short, dir)
        .with_context(|| format!("linking {} to {}", dir.display(), short.display()))?;
    Ok(short)
}

/// Removes a socket directory made by [`create`]: the directory, or the link and the short
/// directory it names (only one this module made, in the temporary directory).
pub(crate) fn remove(dir: &Path) {
    if let Ok(target) = std::fs::read_link(dir) {
        let ours = target.parent() == Some(std::env::temp_dir().as_path())
            && target
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(SHORT_PREFIX));
        if ours {
            let _ = std::fs::remove_dir_all(&target);
        }
        let _ = std::fs::remove_file(dir);
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("pb-socket-dir-{name}-{}", std::process::id()))
    }

    #[test]
    fn a_short_path_keeps_the_socket_beside_the_build_directory() {
        let root = scratch("short");
        let dir = root.join("k.host");
        let made = create(&dir).unwrap();
        assert_eq!(made, dir);
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        remove(&dir);
        assert!(!dir.exists());
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn a_cache_under_a_long_home_still_gets_a_socket_that_binds() {
        let root = scratch("long");
        let dir = root
            .join("home-of-firstname.lastname-at-a-long-corporate-domain")
            .join(".cache/playbook/cells/kernels/1234567-0123456789abcdef0123456789abcdef.host");
        assert!(dir.join(SOCKET_NAME).as_os_str().len() > SOCKET_PATH_MAX);
        let made = create(&dir).unwrap();
        assert!(made.join(SOCKET_NAME).as_os_str().len() <= SOCKET_PATH_MAX);
        assert_eq!(std::fs::read_link(&dir).unwrap(), made);
        let mode = std::fs::metadata(&made).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        // The socket binds and is reached through either path.
        let socket = made.join(SOCKET_NAME);
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        assert!(dir.join(SOCKET_NAME).exists());
        remove(&dir);
        assert!(!made.exists() && std::fs::symlink_metadata(&dir).is_err());
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn removing_a_link_never_follows_it_out_of_the_temporary_directory() {
        let root = scratch("foreign");
        let elsewhere = root.join("not-ours");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let link = root.join("k.host");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        remove(&link);
        assert!(elsewhere.exists());
        assert!(std::fs::symlink_metadata(&link).is_err());
        let _ = std::fs::remove_dir_all(root);
    }
}
