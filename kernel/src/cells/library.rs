//! Where the source of the cell-side `playbook` crate is: cells depend on it by path, so
//! every kernel needs it at run time.
//!
//! In this order: `$PLAYBOOK_LIB_DIR` (always wins, even when it holds no crate: the
//! person asked for it); the `playbook-lib/` this binary was built from, when it is still
//! there (a build from a checkout follows edits to the checkout); else
//! `<exe dir>/../share/playbook/playbook-lib`, where a release archive and `install.sh`
//! put it beside the binary (a binary built on another machine, whose checkout path does
//! not exist here). When neither exists, the build tree's path is kept so errors name it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Where a library directory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LibraryOrigin {
    /// `$PLAYBOOK_LIB_DIR`.
    Environment,
    /// The checkout this binary was built from.
    BuildTree,
    /// `share/playbook/playbook-lib` beside the binary (a release archive's layout).
    BesideBinary,
    /// None was found; the build tree's path is named.
    NotFound,
}

/// The library's directory and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Library {
    pub(crate) dir: PathBuf,
    pub(crate) origin: LibraryOrigin,
}

/// The library's path below an installation prefix (`<prefix>/bin/playbook`).
pub(crate) const SHARE_PATH: &str = "share/playbook/playbook-lib";

/// The library this process uses (worked out once: the answer must not change while
/// kernels run).
pub(crate) fn located() -> &'static Library {
    static LIBRARY: std::sync::OnceLock<Library> = std::sync::OnceLock::new();
    LIBRARY.get_or_init(|| {
        let build_tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../playbook-lib");
        let exe = std::env::current_exe().ok();
        resolve(
            std::env::var_os("PLAYBOOK_LIB_DIR"),
            &build_tree,
            exe.as_deref(),
        )
    })
}

/// The resolution order of the module header, from its inputs.
fn resolve(env: Option<OsString>, build_tree: &Path, exe: Option<&Path>) -> Library {
    if let Some(dir) = env.filter(|d| !d.is_empty()) {
        return Library {
            dir: PathBuf::from(dir),
            origin: LibraryOrigin::Environment,
        };
    }
    if is_crate(build_tree) {
        return Library {
            dir: build_tree.to_path_buf(),
            origin: LibraryOrigin::BuildTree,
        };
    }
    let beside = exe
        .and_then(Path::parent)
        .map(|bin| bin.join("..").join(SHARE_PATH))
        .filter(|dir| is_crate(dir));
    match beside {
        Some(dir) => Library {
            dir,
            origin: LibraryOrigin::BesideBinary,
        },
        None => Library {
            dir: build_tree.to_path_buf(),
            origin: LibraryOrigin::NotFound,
        },
    }
}

/// Whether `dir` holds a crate (its manifest).
pub(crate) fn is_crate(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pb-library-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn make_crate(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"playbook\"\n").unwrap();
    }

    #[test]
    fn the_library_is_found_in_env_then_build_tree_then_beside_the_binary() {
        let root = temp_dir("order");
        let build_tree = root.join("checkout/playbook-lib");
        let exe = root.join("prefix/bin/playbook");
        let beside = root.join("prefix/bin/..").join(SHARE_PATH);
        let env = root.join("chosen");

        // Nothing exists: the build tree is named, as not found.
        let found = resolve(None, &build_tree, Some(&exe));
        assert_eq!(found.origin, LibraryOrigin::NotFound);
        assert_eq!(found.dir, build_tree);

        // Only beside the binary (a release archive on another machine).
        make_crate(&beside);
        let found = resolve(None, &build_tree, Some(&exe));
        assert_eq!(found.origin, LibraryOrigin::BesideBinary);
        assert_eq!(found.dir, beside);

        // The checkout this binary was built from wins over the archive's copy.
        make_crate(&build_tree);
        let found = resolve(None, &build_tree, Some(&exe));
        assert_eq!(found.origin, LibraryOrigin::BuildTree);
        assert_eq!(found.dir, build_tree);

        // PLAYBOOK_LIB_DIR wins over both, even before it exists.
        let found = resolve(Some(env.clone().into()), &build_tree, Some(&exe));
        assert_eq!(found.origin, LibraryOrigin::Environment);
        assert_eq!(found.dir, env);
        // An empty variable is as good as unset.
        let found = resolve(Some(OsString::new()), &build_tree, Some(&exe));
        assert_eq!(found.origin, LibraryOrigin::BuildTree);

        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_directory_without_a_manifest_is_not_the_library() {
        let root = temp_dir("manifest");
        let build_tree = root.join("checkout/playbook-lib");
        std::fs::create_dir_all(&build_tree).unwrap();
        let found = resolve(None, &build_tree, None);
        assert_eq!(found.origin, LibraryOrigin::NotFound);
        std::fs::remove_dir_all(root).unwrap();
    }
}
