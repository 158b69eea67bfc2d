//! `playbook new NAME [--source local:DIR|cloudwatch] [--service S]`: writes a first
//! playbook (`notebook.rs`) that runs as it is, and never over an existing file.
//!
//! The source: the one given, else the bundled incident data beside this installation
//! (`notebooks/data/checkout` of the checkout or the release archive). A local directory
//! is written relative to the notebook when it lies under the notebook's directory (cells
//! run there), else as an absolute path. A local source gets the bundled incident's
//! window, CloudWatch the last three hours.

mod notebook;

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

/// The window of the bundled incident (`playbook generate-data`).
const INCIDENT_WINDOW: &str = "2026-11-12T13:30:00Z..2026-11-12T15:30:00Z";

/// What `playbook new` was asked for.
pub(crate) struct Request<'a> {
    pub(crate) path: &'a Path,
    pub(crate) source: Option<&'a str>,
    pub(crate) service: &'a str,
    /// The bundled data directory, when this installation has one.
    pub(crate) bundled: Option<PathBuf>,
}

/// Why no notebook was written (each is bad input, exit 3).
#[derive(Debug, thiserror::Error)]
pub(crate) enum NewError {
    #[error(
        "{0} exists: `playbook new` never overwrites a file (choose another name, or remove it first)"
    )]
    Exists(String),
    #[error("--source {spec}: {why}")]
    Source { spec: String, why: String },
    #[error(
        "no --source given and no bundled data beside this installation: give `--source cloudwatch`, \
         or `--source local:DIR` after `playbook generate-data DIR` writes the bundled incident there"
    )]
    NoSource,
    #[error("--service: {0}")]
    Service(String),
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// What was written: the notebook's path and the source it reads.
pub(crate) struct Written {
    pub(crate) path: PathBuf,
    pub(crate) source: String,
}

/// Writes the notebook `request` asks for.
pub(crate) fn write(request: &Request) -> Result<Written, NewError> {
    let path = with_extension(request.path);
    let shown = path.display().to_string();
    if path.exists() {
        return Err(NewError::Exists(shown));
    }
    check_service(request.service)?;
    let dir = notebook_dir(&path);
    let source = match request.source {
        Some(spec) => source_spec(spec, &dir)?,
        None => match &request.bundled {
            Some(data) if data.is_dir() => format!("local:{}", local_path(data, &dir)),
            _ => return Err(NewError::NoSource),
        },
    };
    let window = if source.starts_with("local:") {
        INCIDENT_WINDOW
    } else {
        "3h"
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let notebook = notebook::notebook(&notebook::Filled {
        title: &title(&stem),
        file: &file,
        stem: &stem,
        source: &source,
        window,
        service: request.service,
    });
    let mut text = serde_json::to_string_pretty(&notebook).unwrap_or_default();
    text.push('\n');
    let failed = |source| NewError::Write {
        path: shown.clone(),
        source,
    };
    // `create_new`: a file that appeared since the check above is not overwritten either.
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => NewError::Exists(shown.clone()),
            _ => failed(e),
        })?;
    out.write_all(text.as_bytes()).map_err(failed)?;
    out.sync_all().map_err(failed)?;
    Ok(Written { path, source })
}

/// `NAME` with `.ipynb` unless it has it.
fn with_extension(path: &Path) -> PathBuf {
    if path.extension().is_some_and(|e| e == "ipynb") {
        path.to_path_buf()
    } else {
        let mut name = path.as_os_str().to_owned();
        name.push(".ipynb");
        PathBuf::from(name)
    }
}

/// The directory the notebook's cells run in, absolute.
fn notebook_dir(path: &Path) -> PathBuf {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::canonicalize(&parent).unwrap_or(parent)
}

fn check_service(service: &str) -> Result<(), NewError> {
    if service.trim().is_empty() {
        return Err(NewError::Service("name a service".into()));
    }
    if service.chars().any(char::is_control) {
        return Err(NewError::Service(
            "a service name has no control characters".into(),
        ));
    }
    Ok(())
}

/// The source as the notebook holds it: `cloudwatch…` as given; `local:DIR` checked to be
/// a directory and written for the notebook's directory.
fn source_spec(spec: &str, notebook_dir: &Path) -> Result<String, NewError> {
    let refused = |why: String| NewError::Source {
        spec: spec.to_owned(),
        why,
    };
    playbook::source::Source::from_spec(spec).map_err(|e| refused(e.to_string()))?;
    let Some(dir) = spec.strip_prefix("local:") else {
        return Ok(spec.to_owned());
    };
    let dir = Path::new(dir);
    if !dir.is_dir() {
        return Err(refused(format!(
            "{} is not a directory (`playbook generate-data {}` writes the bundled incident there)",
            dir.display(),
            dir.display()
        )));
    }
    Ok(format!("local:{}", local_path(dir, notebook_dir)))
}

/// `data` relative to `notebook_dir` when it lies under it, else absolute.
fn local_path(data: &Path, notebook_dir: &Path) -> String {
    let data = std::fs::canonicalize(data).unwrap_or_else(|_| data.to_path_buf());
    match data.strip_prefix(notebook_dir) {
        Ok(relative)
            if relative
                .components()
                .all(|c| matches!(c, Component::Normal(_))) =>
        {
            let text = relative.display().to_string();
            if text.is_empty() {
                ".".to_owned()
            } else {
                text
            }
        }
        _ => data.display().to_string(),
    }
}

/// `checkout-health` → "Checkout health".
fn title(stem: &str) -> String {
    let words = stem.replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "My playbook".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pb-new-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::canonicalize(dir).unwrap()
    }

    #[test]
    fn a_local_directory_is_relative_under_the_notebook_and_absolute_elsewhere() {
        let root = temp_dir("paths");
        let data = root.join("data/checkout");
        std::fs::create_dir_all(&data).unwrap();
        assert_eq!(local_path(&data, &root), "data/checkout");
        let elsewhere = root.join("notebooks");
        std::fs::create_dir_all(&elsewhere).unwrap();
        assert_eq!(local_path(&data, &elsewhere), data.display().to_string());
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn names_get_their_extension_and_a_title() {
        assert_eq!(with_extension(Path::new("a/b")), Path::new("a/b.ipynb"));
        assert_eq!(with_extension(Path::new("b.ipynb")), Path::new("b.ipynb"));
        assert_eq!(title("checkout-health_check"), "Checkout health check");
        assert_eq!(title(""), "My playbook");
    }

    #[test]
    fn an_existing_file_is_never_overwritten() {
        let root = temp_dir("exists");
        let path = root.join("mine.ipynb");
        std::fs::write(&path, "{}").unwrap();
        let request = Request {
            path: &path,
            source: Some("cloudwatch"),
            service: "checkout",
            bundled: None,
        };
        assert!(matches!(write(&request), Err(NewError::Exists(_))));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_source_that_is_no_directory_or_no_source_is_refused_with_what_to_do() {
        let root = temp_dir("source");
        let path = root.join("mine");
        let missing = format!("local:{}", root.join("nope").display());
        let request = Request {
            path: &path,
            source: Some(&missing),
            service: "checkout",
            bundled: None,
        };
        let err = write(&request).err().unwrap().to_string();
        assert!(err.contains("generate-data"), "{err}");
        let request = Request {
            source: None,
            ..request
        };
        assert!(matches!(write(&request), Err(NewError::NoSource)));
        let request = Request {
            source: Some("cloudwatch"),
            service: "a\u{1b}b",
            ..request
        };
        assert!(matches!(write(&request), Err(NewError::Service(_))));
        assert!(!root.join("mine.ipynb").exists());
        let request = Request {
            service: "orders-api",
            ..request
        };
        let written = write(&request).unwrap();
        assert_eq!(written.source, "cloudwatch");
        let text = std::fs::read_to_string(&written.path).unwrap();
        assert!(
            text.contains(r#"let window: String = \"3h\".into();"#),
            "{text}"
        );
        std::fs::remove_dir_all(root).unwrap();
    }
}
