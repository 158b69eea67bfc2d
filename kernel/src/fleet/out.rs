//! Where a fleet's files go (`--out DIR|s3://bucket/prefix/`): each target's record,
//! report, summary and log under `<out>/<name>/`, and the fleet's `fleet.json` and
//! `fleet.html` at the top. Placeholders in `--out` (`{date}`, `{time}`, `{datetime}`,
//! `{notebook}`, `{run_id}`: the fleet's id) keep one schedule's fleets apart.

use std::path::{Path, PathBuf};

use anyhow::Context;
use playbook_engine::delivery::S3Uri;

use super::page;
use super::summary::FleetSummary;
use crate::record::destination::{Destination, Placeholders};
use crate::record::summary::{Delivered, Delivery};
use crate::record::writer::{Kind, Writer};
use crate::redact::Redactor;
use crate::report::Format;

/// The fleet's own files at the top of `--out`, which no target may be named after.
pub(crate) const FLEET_FILES: [&str; 3] = ["fleet.json", "fleet.html", "fleet.md"];

/// The fleet's output location, placeholders expanded.
#[derive(Debug, Clone)]
pub(crate) enum Out {
    Local(PathBuf),
    S3(S3Uri),
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Out::Local(dir) => write!(f, "{}", dir.display()),
            Out::S3(uri) => write!(f, "{uri}"),
        }
    }
}

impl Out {
    /// Reads `--out` (a template) and, for a local directory, creates it.
    pub(crate) fn parse(template: &str, with: &Placeholders) -> anyhow::Result<Out> {
        let destination = Destination::parse(template.trim_end_matches('/'), with)
            .map_err(|why| anyhow::anyhow!("--out {why}"))?
            .anchored()
            .context("--out")?;
        Ok(match destination {
            Destination::Local(dir) => {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("--out: creating {}", dir.display()))?;
                Out::Local(dir)
            }
            Destination::S3(uri) => Out::S3(uri),
        })
    }

    /// Where a target's `file` goes, as a run's `-o`/`--report`/`--summary` takes it.
    pub(crate) fn of(&self, target: &str, file: &str) -> String {
        match self {
            Out::Local(dir) => dir.join(target).join(file).display().to_string(),
            Out::S3(uri) => format!(
                "s3://{}/{}",
                uri.bucket,
                join_key(&uri.key, &format!("{target}/{file}"))
            ),
        }
    }

    /// A target's log, always on this machine: beside its record, or (for S3) in the
    /// cache's `runs/` directory.
    pub(crate) fn log_of(&self, target: &str) -> anyhow::Result<PathBuf> {
        let dir = match self {
            Out::Local(dir) => dir.join(target),
            Out::S3(uri) => crate::cells::cell_cache::cache_root()
                .join("runs")
                .join(format!("fleet-{}", sanitize(&uri.key)))
                .join(target),
        };
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(dir.join("run.log"))
    }

    /// Writes (or uploads) `fleet.json`, `fleet.html` and `fleet.md` through the record writer,
    /// masked by `redactor`; where each went.
    pub(crate) async fn write(
        &self,
        fleet: &FleetSummary,
        aws: &playbook::source::AwsTarget,
        redactor: &Redactor,
    ) -> Vec<Delivered> {
        let json = redactor.json(fleet).to_pretty_text();
        let page_as = |format| redactor.text(&page::render(fleet, local_dir(self), format));
        let files = [
            (FLEET_FILES[0], json, Kind::Summary),
            (FLEET_FILES[1], page_as(Format::Html), Kind::Html),
            (FLEET_FILES[2], page_as(Format::Md), Kind::Markdown),
        ];
        let mut writer = Writer::new(aws);
        let mut delivered = Vec::new();
        for (name, body, kind) in files {
            let to = match self {
                Out::Local(dir) => Destination::Local(dir.join(name)),
                Out::S3(uri) => Destination::S3(S3Uri {
                    bucket: uri.bucket.clone(),
                    key: join_key(&uri.key, name),
                }),
            };
            let outcome = writer.write(&to, &body, kind).await;
            delivered.push(match outcome {
                Ok(()) => Delivered::done(Delivery::Summary, to.to_string()),
                Err(why) => Delivered::failed(Delivery::Summary, to.to_string(), why.message),
            });
        }
        delivered
    }
}

fn local_dir(out: &Out) -> Option<&Path> {
    match out {
        Out::Local(dir) => Some(dir),
        Out::S3(_) => None,
    }
}

/// `prefix` and `rest` joined by one `/`.
fn join_key(prefix: &str, rest: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        rest.to_owned()
    } else {
        format!("{prefix}/{rest}")
    }
}

/// A key made safe as one directory name.
fn sanitize(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_live_under_the_prefix() {
        let out = Out::S3(S3Uri {
            bucket: "records".into(),
            key: "fleet/2026-11-12/".into(),
        });
        assert_eq!(
            out.of("checkout-eu", "record.ipynb"),
            "s3://records/fleet/2026-11-12/checkout-eu/record.ipynb"
        );
        let local = Out::Local(PathBuf::from("/out"));
        assert_eq!(local.of("a", "report.html"), "/out/a/report.html");
    }
}
