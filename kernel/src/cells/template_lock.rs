//! The prebuilt cell template's lock: shared while a kernel copies from the template,
//! exclusive while a process builds a new one (`template.rs`). A file lock (`flock`), so
//! the system releases it when a holder dies. It depends on no other file of `cells`:
//! `cell_cache.rs` (copies) and `template.rs` (builds) both take it.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

/// Shared (copying from the template) or exclusive (building it).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Access {
    Shared,
    Exclusive,
}

/// The lock at `path`, taken within `wait` (`Ok(None)` when it was not). Held until the
/// file is dropped; released by the system if the process dies.
pub(crate) fn lock_at(
    path: &Path,
    access: Access,
    wait: Duration,
) -> std::io::Result<Option<File>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    let deadline = Instant::now() + wait;
    loop {
        let tried = match access {
            Access::Shared => file.try_lock_shared(),
            Access::Exclusive => file.try_lock(),
        };
        match tried {
            Ok(()) => return Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(error)) => return Err(error),
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "playbook-template-lock-{name}-{}",
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn one_builder_at_a_time_and_no_copy_while_it_builds() {
        let dir = temp_dir("lock");
        let path = dir.join("template.lock");
        let wait = Duration::from_millis(300);
        let builder = lock_at(&path, Access::Exclusive, wait)
            .unwrap()
            .expect("free");
        // Another builder and a copier wait, and give up at their deadline.
        assert!(lock_at(&path, Access::Exclusive, wait).unwrap().is_none());
        assert!(lock_at(&path, Access::Shared, wait).unwrap().is_none());
        drop(builder);
        // Copiers share; a builder waits for them.
        let first = lock_at(&path, Access::Shared, wait).unwrap().expect("free");
        let second = lock_at(&path, Access::Shared, wait)
            .unwrap()
            .expect("shared");
        assert!(lock_at(&path, Access::Exclusive, wait).unwrap().is_none());
        drop((first, second));
        assert!(lock_at(&path, Access::Exclusive, wait).unwrap().is_some());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
