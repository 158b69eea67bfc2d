//! Keeping secrets in the kernel process: cell sources and build products are private to
//! this user (`umask 077`: directories 0700, files 0600), and the process is not dumpable,
//! so the evaluation process (its child, the same user) cannot read the kernel's
//! environment or memory through `/proc/<pid>/environ` or `/proc/<pid>/mem`. Root can
//! still read them: no setting of a process keeps root out.
//!
//! Records and reports are meant to be shared: the runner sets their modes itself
//! (`RECORD_MODE`).

/// The mode of records and reports: readable by the team, writable by their owner.
pub(crate) const RECORD_MODE: u32 = 0o644;

/// The mode of summaries (a run's, a fleet's): for the orchestrator that runs as this user,
/// as the process's `umask 077` has always made them.
pub(crate) const SUMMARY_MODE: u32 = 0o600;

/// Makes what this process creates private, and the process undumpable.
pub(crate) fn protect_process() {
    // SAFETY: umask and prctl(PR_SET_DUMPABLE) only change this process's attributes;
    // they take no pointers and cannot fail in a way that affects memory safety.
    #[allow(unsafe_code)]
    unsafe {
        libc::umask(0o077);
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// Whether this process is dumpable (for tests).
#[cfg(test)]
fn dumpable() -> bool {
    // SAFETY: PR_GET_DUMPABLE reads an attribute of this process.
    #[allow(unsafe_code)]
    unsafe {
        libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_becomes_private_and_undumpable() {
        protect_process();
        assert!(!dumpable());
        let dir = std::env::temp_dir().join(format!("playbook-private-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("src/lib.rs"), "// a cell").unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join("src")), 0o700);
        assert_eq!(mode(&dir.join("src/lib.rs")), 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
