//! What Rust cells need from this installation: the cell library's source (cells depend
//! on it by path, `cells::library`) and the prebuilt template of it in the cache (fresh
//! for this binary, `cells::template`).

use super::{Check, CheckName, Status};
use crate::cells::cell_cache;
use crate::cells::library::{self, LibraryOrigin};
use crate::cells::template::{self, Freshness};

/// The cell library's source, and where it was found.
pub(super) fn library() -> Check {
    let found = library::located();
    let shown = found
        .dir
        .canonicalize()
        .unwrap_or_else(|_| found.dir.clone());
    let dir = shown.display();
    let from = match found.origin {
        LibraryOrigin::Environment => "PLAYBOOK_LIB_DIR",
        LibraryOrigin::BuildTree => "the checkout this binary was built from",
        LibraryOrigin::BesideBinary => "installed beside the binary",
        LibraryOrigin::NotFound => {
            return Check::failed(
                CheckName::Library,
                format!(
                    "not found: neither {dir} (where this binary was built) nor \
                     <binary's directory>/../{} exists",
                    library::SHARE_PATH
                ),
                "reinstall (install.sh or a release archive puts it beside the binary), or set \
                 PLAYBOOK_LIB_DIR to a playbook-lib directory"
                    .to_owned(),
            );
        }
    };
    if !library::is_crate(&found.dir) {
        return Check::failed(
            CheckName::Library,
            format!("{dir} (from {from}) holds no Cargo.toml"),
            "point PLAYBOOK_LIB_DIR at a playbook-lib directory, or unset it".to_owned(),
        );
    }
    Check::ok(CheckName::Library, format!("{dir} ({from})"))
}

/// The prebuilt template: there, and built for this binary, library and toolchain.
pub(super) fn cell_cache() -> Check {
    let dir = cell_cache::template_dir();
    let (verdict, fix) = match template::freshness() {
        Freshness::Fresh => {
            return Check::ok(
                CheckName::CellCache,
                format!(
                    "the prebuilt cell library in {} fits this binary",
                    dir.display()
                ),
            );
        }
        Freshness::Missing => (
            format!(
                "no prebuilt cell library in {}: a kernel's first Rust cell compiles the \
                 library first (under a minute)",
                dir.display()
            ),
            "`playbook install` prebuilds it (PLAYBOOK_CACHE chooses the cache)",
        ),
        Freshness::Stale(why) => (
            format!(
                "the prebuilt cell library in {} is stale ({why}): the next kernel rebuilds it \
                 once, before its first cell",
                dir.display()
            ),
            "`playbook install` rebuilds it now",
        ),
    };
    Check {
        name: CheckName::CellCache,
        status: Status::Warning,
        verdict,
        fix: Some(fix.to_owned()),
    }
}
