//! playbook patch: a cache of compiled cells, shared by every kernel and run.
//!
//! A cell's shared object is a function of what rustc is given: the generated crate
//! (`src/lib.rs`, which holds the cell, the items of earlier cells and the declarations of
//! the variables it uses), the cargo command and manifests, the lock file, the toolchain and
//! the dependencies. evcxr describes the build ([`key_material`]: everything in the crate
//! directory, with the directory's own path taken out so that another kernel's identical
//! build has the same description); the embedder adds what evcxr cannot see (the
//! toolchain, the library's sources) and stores the objects ([`CompiledCells`]). A hit is
//! copied where the build would have put it and rustc is not run at all.

use std::path::Path;
use std::process::Output;

use crate::code_block::CodeBlock;
use crate::errors::CompilationError;

/// Where compiled cells are kept (implemented by the embedder).
pub trait CompiledCells: Send + Sync {
    /// Copies the shared object built from `material` to `dest`; false when there is none.
    fn fetch(&self, material: &[u8], dest: &Path) -> bool;
    /// Keeps `built`, the shared object built from `material` (errors are the cache's own
    /// business: a failed store only costs a later compilation).
    fn store(&self, material: &[u8], built: &Path);
    /// The compiler's diagnostics (JSON lines) of a build of `material` that failed.
    fn fetch_failure(&self, material: &[u8]) -> Option<Vec<u8>>;
    /// Keeps the diagnostics of a build of `material` that failed with compilation errors
    /// (evcxr tries several forms of a cell; the ones that fail, fail every time).
    fn store_failure(&self, material: &[u8], diagnostics: &[u8]);
    /// The variable types rust-analyzer gave the analysis `material` ([`types_material`]).
    fn fetch_types(&self, material: &[u8]) -> Option<Vec<u8>>;
    /// Keeps the variable types of an analysis (rust-analyzer's first takes seconds).
    fn store_types(&self, material: &[u8], types: &[u8]);
    /// Called before evcxr runs cargo or rustc in `crate_dir` (a build the store did not
    /// have): the embedder may provide what such a build needs (prebuilt dependencies)
    /// only then, and not at every start.
    fn prepare_build(&self, crate_dir: &Path);
}

/// What describes an analysis for the types of a cell's variables: the analysis code and
/// the dependencies it sees (manifest and lock, as for a build).
pub(crate) fn types_material(crate_dir: &Path, analysis_code: &str) -> Vec<u8> {
    key_material("variable types", crate_dir, analysis_code)
}

/// `name\tmutable\ttype` lines, when every type is named (others are not kept).
pub(crate) fn encode_types(
    variables: &[(String, Option<crate::rust_analyzer::TypeName>, bool)],
) -> Option<String> {
    let mut text = String::new();
    for (name, type_name, is_mutable) in variables {
        let Some(crate::rust_analyzer::TypeName::Named(type_name)) = type_name else {
            return None;
        };
        if [name, type_name].iter().any(|t| t.contains(['\t', '\n'])) {
            return None;
        }
        text.push_str(&format!("{name}\t{}\t{type_name}\n", u8::from(*is_mutable)));
    }
    Some(text)
}

/// The variables of [`encode_types`]' text.
pub(crate) fn decode_types(bytes: &[u8]) -> Option<Vec<(String, String, bool)>> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.lines()
        .map(|line| {
            let mut fields = line.splitn(3, '\t');
            let name = fields.next()?.to_owned();
            let is_mutable = fields.next()? == "1";
            let type_name = fields.next()?.to_owned();
            Some((name, type_name, is_mutable))
        })
        .collect()
}

/// Whether a failed build is worth keeping: every error has an error code (`E0599`), so
/// it is the code's fault and not the machine's (a linker or a full disk has none).
pub(crate) fn is_cacheable_failure(output: &Output, code_block: &CodeBlock) -> bool {
    let (errors, _) = super::errors_from_cargo_output(output, code_block);
    !errors.is_empty() && errors.iter().all(|e| e.code().is_some())
}

/// The compilation errors kept for a failed build, read as when it failed.
pub(crate) fn cached_errors(
    diagnostics: Vec<u8>,
    code_block: &CodeBlock,
) -> Option<Vec<CompilationError>> {
    use std::os::unix::process::ExitStatusExt;
    let output = Output {
        status: std::process::ExitStatus::from_raw(1 << 8),
        stdout: Vec::new(),
        stderr: diagnostics,
    };
    let (errors, _) = super::errors_from_cargo_output(&output, code_block);
    (!errors.is_empty()).then_some(errors)
}

/// What describes a build of the evaluation crate in `crate_dir`: the cargo command and
/// manifests (`build_key`), the lock file and the generated code, with `crate_dir` itself
/// replaced by a placeholder.
pub(crate) fn key_material(build_key: &str, crate_dir: &Path, code: &str) -> Vec<u8> {
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap_or_default();
    let lock = std::fs::read_to_string(crate_dir.join("Cargo.lock")).unwrap_or_default();
    let lock = resolved_dependencies(&manifest, &lock);
    let dir = crate_dir.to_string_lossy();
    let text = format!(
        "evcxr {}\n--- build\n{build_key}\n--- lock\n{lock}\n--- code\n{code}",
        env!("CARGO_PKG_VERSION")
    );
    if dir.is_empty() {
        return text.into_bytes();
    }
    text.replace(dir.as_ref(), "<crate>").into_bytes()
}

/// The packages of the lock file the manifest's dependencies reach, in the lock's order.
/// Not the whole file: evcxr's dependency check (`evcxr_dummy_validate_dep`) and the
/// evaluation crate (`ctx`) take turns writing it in the same directory, and a build of a
/// manifest with fewer dependencies leaves it with fewer packages; what the build uses is
/// the resolution of what it depends on.
fn resolved_dependencies(manifest: &str, lock: &str) -> String {
    let blocks: Vec<&str> = lock.split("\n[[package]]\n").skip(1).collect();
    let field = |block: &str, name: &str| {
        block.lines().find_map(|l| {
            l.strip_prefix(name)
                .and_then(|v| v.strip_prefix(" = "))
                .map(|v| v.trim_matches('"').to_owned())
        })
    };
    let mut wanted: Vec<String> = direct_dependencies(manifest);
    let mut reached = std::collections::BTreeSet::new();
    while let Some(name) = wanted.pop() {
        // A dependency names a package (`name`, `name version` or `name version (source)`).
        let mut parts = name.split(' ');
        let (Some(dep), version) = (parts.next(), parts.next()) else {
            continue;
        };
        for (index, block) in blocks.iter().enumerate() {
            let matches = field(block, "name").as_deref() == Some(dep)
                && version.is_none_or(|v| field(block, "version").as_deref() == Some(v));
            if matches && reached.insert(index) {
                wanted.extend(dependency_list(block));
            }
        }
    }
    reached.into_iter().map(|i| blocks[i]).collect::<Vec<_>>().join("\n[[package]]\n")
}

/// The names in the manifest's `[dependencies]` table (evcxr writes one per line).
fn direct_dependencies(manifest: &str) -> Vec<String> {
    let mut in_table = false;
    let mut names = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_table = line == "[dependencies]";
        } else if in_table && let Some((name, _)) = line.split_once('=') {
            names.push(name.trim().trim_matches('"').to_owned());
        }
    }
    names
}

/// The entries of a lock package's `dependencies = [ … ]`.
fn dependency_list(block: &str) -> Vec<String> {
    let Some(start) = block.find("dependencies = [") else {
        return Vec::new();
    };
    let rest = &block[start + "dependencies = [".len()..];
    let list = rest.split(']').next().unwrap_or("");
    list.split(',')
        .map(|d| d.trim().trim_matches('"').to_owned())
        .filter(|d| !d.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{key_material, resolved_dependencies};
    use std::path::Path;

    #[test]
    fn only_what_the_manifest_reaches_is_part_of_the_resolution() {
        let manifest = "[package]\nname = \"ctx\"\n\n[dependencies]\nplaybook = { path = \"/x\" }\n";
        let lock = "version = 4\n\n[[package]]\nname = \"ctx\"\nversion = \"1.0.0\"\ndependencies = [\n \"playbook\",\n]\n\n\
                    [[package]]\nname = \"playbook\"\nversion = \"0.1.0\"\ndependencies = [\n \"serde\",\n]\n\n\
                    [[package]]\nname = \"serde\"\nversion = \"1.0.0\"\n\n\
                    [[package]]\nname = \"unused\"\nversion = \"2.0.0\"\n";
        let resolved = resolved_dependencies(manifest, lock);
        assert!(resolved.contains("\"playbook\"") && resolved.contains("\"serde\""));
        assert!(!resolved.contains("unused") && !resolved.contains("\"ctx\""));
        let other_root = lock.replace("name = \"ctx\"", "name = \"evcxr_dummy_validate_dep\"");
        assert_eq!(resolved_dependencies(manifest, &other_root), resolved);
        let bumped = lock.replace("\"serde\"\nversion = \"1.0.0\"", "\"serde\"\nversion = \"1.0.1\"");
        assert_ne!(resolved_dependencies(manifest, &bumped), resolved);
        assert_eq!(resolved_dependencies("[package]\nname = \"ctx\"\n", lock), "");
    }

    #[test]
    fn identical_builds_in_two_directories_are_described_alike() {
        let a = key_material("cargo build --manifest-path /k/1/Cargo.toml", Path::new("/k/1"), "fn f() {}");
        let b = key_material("cargo build --manifest-path /k/2/Cargo.toml", Path::new("/k/2"), "fn f() {}");
        assert_eq!(a, b);
        let c = key_material("cargo build --manifest-path /k/2/Cargo.toml", Path::new("/k/2"), "fn g() {}");
        assert_ne!(a, c);
    }
}
