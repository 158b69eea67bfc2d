//! The cell crate's sources inside its build directory, so that a built template does not
//! depend on where it, the library or cargo's registry are on disk.
//!
//! Cargo keys a dependency's build on the absolute path of its sources, except for path
//! packages inside the workspace root, which it keys by their path relative to that root
//! (and records their dep-info relative to the package). So every build directory holds:
//! - `playbook-lib/`: a copy of the library's sources with a manifest of its own
//!   ([`normalised_manifest`]: workspace inheritance resolved from `cargo metadata`);
//! - `deps/`: the library's dependencies, vendored (`cargo vendor --versioned-dirs`), in
//!   the template; a kernel's directory links to the template's;
//! - `.cargo/extra-config.toml`: a `[patch.crates-io]` that points `playbook` (cells depend
//!   on `playbook = "*"`) and every vendored crate at those directories, which evcxr
//!   appends to the `.cargo/config.toml` it writes; and no incremental caches for them
//!   (cargo keeps them for path packages).
//!
//! A template built that way is fresh under any path, HOME or `CARGO_HOME`, with no
//! registry at all (a release archive carries it, `install.sh` unpacks it).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::cell_cache::{self, DEPS};

/// The library's copy, below a build directory.
pub(crate) const LIBRARY: &str = "playbook-lib";
/// What evcxr appends to the `.cargo/config.toml` it writes (vendor/evcxr module.rs).
const EXTRA_CONFIG: &str = ".cargo/extra-config.toml";

/// Prepares a template build in `dir`: the library's copy, its dependencies vendored
/// (what an older template vendored is kept, mtimes and all), the patch.
pub(crate) fn vendor_into(dir: &Path) -> anyhow::Result<()> {
    copy_library(dir)?;
    // Vendoring resolves against the registry: no patch of ours, the library's own lock.
    let _ = std::fs::remove_file(dir.join(EXTRA_CONFIG));
    let _ = std::fs::remove_file(dir.join(".cargo/config.toml"));
    let lock = cell_cache::library_dir()
        .parent()
        .map(|p| p.join("Cargo.lock"));
    match lock.filter(|l| l.is_file()) {
        Some(lock) => {
            std::fs::copy(&lock, dir.join("Cargo.lock"))
                .with_context(|| format!("copying {}", lock.display()))?;
        }
        None => {
            let _ = std::fs::remove_file(dir.join("Cargo.lock"));
        }
    }
    std::fs::create_dir_all(dir.join("src"))?;
    if !dir.join("src/lib.rs").exists() {
        std::fs::write(dir.join("src/lib.rs"), "")?;
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"ctx\"\nversion = \"1.0.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nplaybook = {{ path = \"{LIBRARY}\" }}\n"
        ),
    )?;
    let vendor = |offline: bool| {
        let mut cargo = Command::new("cargo");
        cargo
            .current_dir(dir)
            .args(["vendor", "--versioned-dirs", "--quiet"]);
        if offline {
            cargo.arg("--offline");
        }
        cargo.arg(DEPS).output()
    };
    let done = match vendor(true) {
        Ok(out) if out.status.success() => out,
        _ => vendor(false).context("running cargo vendor")?,
    };
    if !done.status.success() {
        bail!(
            "cargo vendor failed: {}",
            String::from_utf8_lossy(&done.stderr).trim()
        );
    }
    write_patch(dir, &vendored_crates(&dir.join(DEPS))?)
}

/// Prepares a kernel's build directory: from the template's (its copy of the library and
/// patch came with the seed; `deps/` is linked, not copied: 2,000-odd files), else
/// without one (the library copied, dependencies from cargo's registry).
pub(crate) fn prepare_kernel_dir(dir: &Path, seeded: bool) -> anyhow::Result<()> {
    let template_deps = cell_cache::template_dir().join(DEPS);
    if seeded && template_deps.is_dir() {
        let link = dir.join(DEPS);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&template_deps, &link)
            .with_context(|| format!("linking {}", link.display()))?;
        return Ok(());
    }
    copy_library(dir)?;
    write_patch(dir, &[])
}

/// Copies the library into `dir/playbook-lib`, its manifest normalised, every file dated
/// now: cargo judges a path package by mtimes, and a copy dated as the library's files
/// could be older than a build of other sources left in `dir` by an older template, and
/// pass for built (a template travels whole, its copy older than its build).
fn copy_library(dir: &Path) -> anyhow::Result<()> {
    let library = cell_cache::library_dir();
    let manifest = normalised_manifest(&library)?;
    let to = dir.join(LIBRARY);
    let _ = std::fs::remove_dir_all(&to);
    cell_cache::copy_tree_without(&library, &to, &["target", "Cargo.toml"])
        .with_context(|| format!("copying {} to {}", library.display(), to.display()))?;
    std::fs::write(to.join("Cargo.toml"), manifest)?;
    date_now(&to).with_context(|| format!("dating {}", to.display()))
}

/// Sets the modification time of every file under `dir` to now.
fn date_now(dir: &Path) -> std::io::Result<()> {
    let now = std::time::SystemTime::now();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            date_now(&entry.path())?;
        } else if kind.is_file() {
            std::fs::File::options()
                .write(true)
                .open(entry.path())?
                .set_modified(now)?;
        }
    }
    Ok(())
}

/// The crates in a `cargo vendor --versioned-dirs` directory: (directory, package name).
fn vendored_crates(deps: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut crates = Vec::new();
    for entry in std::fs::read_dir(deps).with_context(|| format!("reading {}", deps.display()))? {
        let entry = entry?;
        let manifest = std::fs::read_to_string(entry.path().join("Cargo.toml"));
        let Some(name) = manifest.ok().as_deref().and_then(package_name) else {
            continue;
        };
        crates.push((entry.file_name().to_string_lossy().into_owned(), name));
    }
    crates.sort();
    Ok(crates)
}

/// The `name` of a manifest's `[package]` table (as `cargo vendor` writes them).
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some(value) = line.strip_prefix("name = ") {
            return serde_json::from_str::<String>(value).ok();
        }
    }
    None
}

/// Writes the patch evcxr appends to `.cargo/config.toml`.
fn write_patch(dir: &Path, vendored: &[(String, String)]) -> anyhow::Result<()> {
    // Cargo compiles path packages incrementally: not these, which never change in place
    // (their caches were 90 MB of the template).
    let mut text = format!(
        "\n[profile.dev.package.\"*\"]\nincremental = false\n\n\
         [patch.crates-io]\nplaybook = {{ path = \"{LIBRARY}\" }}\n"
    );
    for (dir_name, name) in vendored {
        text += &format!(
            "{} = {{ package = {}, path = \"{DEPS}/{dir_name}\" }}\n",
            json(dir_name),
            json(name)
        );
    }
    let path = dir.join(EXTRA_CONFIG);
    std::fs::create_dir_all(dir.join(".cargo"))?;
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

/// A TOML basic string (JSON's escaping is a subset TOML reads).
fn json(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// The library's manifest as a package of its own: what `cargo metadata` resolved
/// (workspace inheritance included), without dev-dependencies, tests or examples.
fn normalised_manifest(library: &Path) -> anyhow::Result<String> {
    let out = Command::new("cargo")
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .arg("--manifest-path")
        .arg(library.join("Cargo.toml"))
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata on {} failed: {}",
            library.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let metadata: Metadata = serde_json::from_slice(&out.stdout)?;
    let manifest_path = library.join("Cargo.toml");
    let canonical = manifest_path.canonicalize().unwrap_or(manifest_path);
    let package = metadata
        .packages
        .into_iter()
        .find(|p| {
            p.manifest_path == canonical
                || p.manifest_path.canonicalize().ok() == Some(canonical.clone())
        })
        .context("cargo metadata does not list the library")?;
    Ok(package.manifest(library))
}

#[derive(serde::Deserialize)]
struct Metadata {
    packages: Vec<Package>,
}

#[derive(serde::Deserialize)]
struct Package {
    name: String,
    version: String,
    edition: String,
    manifest_path: PathBuf,
    dependencies: Vec<Dependency>,
    targets: Vec<Target>,
    features: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(serde::Deserialize)]
struct Dependency {
    name: String,
    req: String,
    kind: Option<String>,
    rename: Option<String>,
    optional: bool,
    uses_default_features: bool,
    features: Vec<String>,
    target: Option<String>,
    path: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
struct Target {
    kind: Vec<String>,
    name: String,
    src_path: PathBuf,
}

impl Package {
    fn manifest(&self, library: &Path) -> String {
        let root = self.manifest_path.parent().unwrap_or(library);
        let mut out = format!(
            "[package]\nname = {}\nversion = {}\nedition = {}\nautobins = false\n\
             autoexamples = false\nautotests = false\nautobenches = false\n",
            json(&self.name),
            json(&self.version),
            json(&self.edition)
        );
        for target in &self.targets {
            let relative = target
                .src_path
                .strip_prefix(root)
                .unwrap_or(&target.src_path);
            let relative = json(&relative.to_string_lossy());
            if target.kind.iter().any(|k| k == "lib") {
                out += &format!(
                    "\n[lib]\nname = {}\npath = {relative}\n",
                    json(&target.name.replace('-', "_"))
                );
            } else if target.kind.iter().any(|k| k == "custom-build") {
                out += &format!("build = {relative}\n");
            }
        }
        let mut tables: std::collections::BTreeMap<String, String> = Default::default();
        for dep in self
            .dependencies
            .iter()
            .filter(|d| d.kind.as_deref() != Some("dev"))
        {
            let table = match (&dep.target, dep.kind.as_deref()) {
                (Some(t), Some("build")) => format!("target.{}.build-dependencies", json(t)),
                (Some(t), _) => format!("target.{}.dependencies", json(t)),
                (None, Some("build")) => "build-dependencies".into(),
                (None, _) => "dependencies".into(),
            };
            tables.entry(table).or_default().push_str(&dep.line());
        }
        for (table, lines) in tables {
            out += &format!("\n[{table}]\n{lines}");
        }
        if !self.features.is_empty() {
            out += "\n[features]\n";
            for (feature, enables) in &self.features {
                let list: Vec<String> = enables.iter().map(|e| json(e)).collect();
                out += &format!("{} = [{}]\n", json(feature), list.join(", "));
            }
        }
        out
    }
}

impl Dependency {
    fn line(&self) -> String {
        let key = self.rename.as_deref().unwrap_or(&self.name);
        let mut fields = vec![format!("version = {}", json(&self.req))];
        if self.rename.is_some() {
            fields.push(format!("package = {}", json(&self.name)));
        }
        if let Some(path) = &self.path {
            fields.push(format!("path = {}", json(&path.to_string_lossy())));
        }
        if !self.uses_default_features {
            fields.push("default-features = false".into());
        }
        if !self.features.is_empty() {
            let list: Vec<String> = self.features.iter().map(|f| json(f)).collect();
            fields.push(format!("features = [{}]", list.join(", ")));
        }
        if self.optional {
            fields.push("optional = true".into());
        }
        format!("{} = {{ {} }}\n", json(key), fields.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vendored_manifests_package_name_is_read() {
        let manifest = "[package]\nedition = \"2021\"\nname = \"md-5\"\nversion = \"0.10.6\"\n\n[dependencies.digest]\nversion = \"0.10\"\n";
        assert_eq!(package_name(manifest).as_deref(), Some("md-5"));
        assert_eq!(package_name("[dependencies]\nname = \"x\"\n"), None);
    }

    #[test]
    fn the_workspace_library_gets_a_manifest_of_its_own_that_cargo_reads() {
        let library = Path::new(env!("CARGO_MANIFEST_DIR")).join("../playbook-lib");
        let manifest = normalised_manifest(&library).unwrap();
        assert!(!manifest.contains("workspace"), "{manifest}");
        assert!(manifest.contains("name = \"playbook\""), "{manifest}");
        assert!(manifest.contains("\"chrono\" = { version = "), "{manifest}");
        assert!(
            !manifest.contains("testkit"),
            "dev-dependencies are left out: {manifest}"
        );
        // Cargo reads it outside the workspace.
        let dir = std::env::temp_dir().join(format!("pb-sources-{}", uuid::Uuid::new_v4()));
        cell_cache::copy_tree_without(&library, &dir, &["target", "Cargo.toml"]).unwrap();
        std::fs::write(dir.join("Cargo.toml"), &manifest).unwrap();
        let read = Command::new("cargo")
            .args([
                "metadata",
                "--no-deps",
                "--offline",
                "--format-version",
                "1",
            ])
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .output()
            .unwrap();
        assert!(
            read.status.success(),
            "{}",
            String::from_utf8_lossy(&read.stderr)
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
