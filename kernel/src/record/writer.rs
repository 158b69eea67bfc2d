//! The one writer of what a run or a fleet leaves behind — records, reports and their
//! chart files, summaries, `fleet.json`, `fleet.html` — on this machine or in S3. It takes
//! only [`Redacted`] bodies, so nothing reaches a file or an object without passing the
//! redactor, and gives every kind of file one mode, whatever the process's umask.
//!
//! A local write is atomic: a temporary file in the same directory, written, flushed to
//! disk (`fsync`), given its mode, then renamed over the target; a reader never sees half
//! a file, and a failed write (a full disk) leaves the previous file as it was and no
//! temporary file behind. Directories the path names are made first (a template like
//! `out/{target}/record.ipynb` names directories no one made yet). An S3 write is one
//! PutObject through the engine's delivery client, opened once per writer.

use std::io::Write as _;
use std::path::Path;

use playbook::protocol::ErrorKind;
use playbook::source::AwsTarget;
use playbook_engine::delivery::Deliverer;
use playbook_engine::error::EngineError;

use super::destination::Destination;
use crate::redact::{RECORD_MODE, Redacted, SUMMARY_MODE};

/// What is written: its content type (in S3) and its mode (on disk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An executed notebook with its record.
    Record,
    /// A report, a comparison, a review or `fleet.html`.
    Html,
    Markdown,
    /// A chart file beside a Markdown report.
    Svg,
    /// A run's or a fleet's summary (JSON).
    Summary,
}

impl Kind {
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Kind::Record => "application/x-ipynb+json",
            Kind::Html => "text/html; charset=utf-8",
            Kind::Markdown => "text/markdown; charset=utf-8",
            Kind::Svg => "image/svg+xml",
            Kind::Summary => "application/json",
        }
    }

    /// Records and reports are shared (0644); summaries are for the orchestrator (0600).
    pub(crate) fn mode(self) -> u32 {
        match self {
            Kind::Summary => SUMMARY_MODE,
            Kind::Record | Kind::Html | Kind::Markdown | Kind::Svg => RECORD_MODE,
        }
    }

    /// A report's kind from where it goes (`.html`/`.htm`, else Markdown).
    pub(crate) fn report_at(to: &str) -> Kind {
        if to.ends_with(".html") || to.ends_with(".htm") {
            Kind::Html
        } else {
            Kind::Markdown
        }
    }
}

/// Why a write or a delivery failed, and whether a change is needed: a credentials,
/// signature or access error is refused (exit 5, not retryable); anything else failed
/// (exit 6).
#[derive(Debug, Clone)]
pub(crate) struct Failed {
    pub(crate) message: String,
    pub(crate) refused: bool,
}

impl From<EngineError> for Failed {
    fn from(error: EngineError) -> Failed {
        let refused = matches!(
            error.kind(),
            ErrorKind::AccessDenied | ErrorKind::Credentials
        );
        Failed {
            message: error.to_string(),
            refused,
        }
    }
}

impl From<String> for Failed {
    fn from(message: String) -> Failed {
        Failed {
            message,
            refused: false,
        }
    }
}

/// Writes `body` at `path` atomically with `kind`'s mode (see the module's header).
pub(crate) fn write_local<B: AsRef<[u8]>>(
    path: &Path,
    body: &Redacted<B>,
    kind: Kind,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written =
        write_new(&tmp, body.as_ref(), kind.mode()).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    } else if let Ok(dir) = std::fs::File::open(dir) {
        // The rename itself on disk (best effort: not every file system syncs a directory).
        let _ = dir.sync_all();
    }
    written
}

/// Creates `path` with `mode`, writes `bytes` and flushes them to disk.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let mut file = std::fs::File::options()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    file.write_all(bytes)?;
    // The umask may have taken bits away at creation: the mode is the kind's.
    file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    file.sync_all()
}

/// Writes to local paths and S3 objects, the AWS side opened at most once (in the run's
/// account and region) and shared with the deliveries that need it.
pub(crate) struct Writer<'a> {
    aws: &'a AwsTarget,
    deliverer: Option<Result<Deliverer, Failed>>,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(aws: &'a AwsTarget) -> Writer<'a> {
        Writer {
            aws,
            deliverer: None,
        }
    }

    /// The AWS side (S3, and for deliveries SNS and CloudWatch), opened once.
    pub(crate) async fn deliverer(&mut self) -> Result<&Deliverer, Failed> {
        if self.deliverer.is_none() {
            self.deliverer = Some(Deliverer::new(self.aws).await.map_err(Failed::from));
        }
        match &self.deliverer {
            Some(Ok(d)) => Ok(d),
            Some(Err(why)) => Err(why.clone()),
            None => Err(Failed::from("no AWS configuration".to_owned())),
        }
    }

    /// Writes `body` to `to`: atomically on this machine, or as one S3 object.
    pub(crate) async fn write<B: AsRef<[u8]>>(
        &mut self,
        to: &Destination,
        body: &Redacted<B>,
        kind: Kind,
    ) -> Result<(), Failed> {
        match to {
            Destination::Local(path) => write_local(path, body, kind)
                .map_err(|e| Failed::from(format!("{}: {e}", path.display()))),
            Destination::S3(uri) => {
                let deliverer = self.deliverer().await?;
                let bytes = body.as_ref().to_vec();
                (deliverer.put_object(uri, bytes, kind.content_type()).await).map_err(Failed::from)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::Redactor;

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("writer-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn record_writer_is_atomic_and_0644() {
        let dir = scratch("atomic");
        let path = dir.join("out/eu/record.ipynb");
        let redactor = Redactor::default();
        write_local(&path, &redactor.text("first"), Kind::Record).unwrap();
        write_local(&path, &redactor.text("second"), Kind::Record).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(mode(&path), 0o644, "a record is shared whatever the umask");
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
        let summary = dir.join("summary.json");
        write_local(&summary, &redactor.text("{}"), Kind::Summary).unwrap();
        assert_eq!(mode(&summary), 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failed_write_keeps_the_previous_file_and_no_temporary() {
        let dir = scratch("failed");
        let path = dir.join("record.ipynb");
        let redactor = Redactor::default();
        write_local(&path, &redactor.text("kept"), Kind::Record).unwrap();
        // A directory where the record goes: the rename fails after the temporary exists.
        let blocked = dir.join("blocked");
        std::fs::create_dir_all(blocked.join("inside")).unwrap();
        assert!(write_local(&blocked, &redactor.text("x"), Kind::Record).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "kept");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
