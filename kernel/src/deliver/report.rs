//! A rendered report (a run's `--report`, `playbook report -o`) where it goes: masked,
//! through the record writer (atomic, 0644); a local Markdown report's charts as files in
//! the directory beside it (`report::files_dir_name`), an S3 one names them.

use std::path::Path;

use crate::record::destination::Destination;
use crate::record::writer::{self, Failed, Kind, Writer};
use crate::redact::Redactor;
use crate::report::{self, Rendered};

/// Writes `rendered` to `to`, every text masked by `redactor`.
pub(crate) async fn write_report(
    writer: &mut Writer<'_>,
    to: &Destination,
    rendered: &Rendered,
    redactor: &Redactor,
) -> Result<(), Failed> {
    match to {
        Destination::Local(path) => {
            write_report_local(path, rendered, redactor).map_err(Failed::from)
        }
        Destination::S3(_) => {
            let kind = Kind::report_at(&to.to_string());
            writer.write(to, &redactor.text(&rendered.text), kind).await
        }
    }
}

/// Writes `rendered` at `path` and its chart files beside it, every text masked by
/// `redactor`; what failed, with its path.
pub(crate) fn write_report_local(
    path: &Path,
    rendered: &Rendered,
    redactor: &Redactor,
) -> Result<(), String> {
    let kind = Kind::report_at(&path.display().to_string());
    writer::write_local(path, &redactor.text(&rendered.text), kind)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.with_file_name(report::files_dir_name(path));
    for (name, svg) in &rendered.files {
        let file = dir.join(name);
        writer::write_local(&file, &redactor.text(svg), Kind::Svg)
            .map_err(|e| format!("{}: {e}", file.display()))?;
    }
    Ok(())
}
