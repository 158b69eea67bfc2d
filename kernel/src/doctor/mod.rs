//! `playbook doctor`: whether this installation can run playbooks, each check with a
//! one-line verdict and what to do when it is not ok.
//!
//! The checks: the Rust toolchain cells are compiled with (`toolchain.rs`), rust-src, the
//! cell library's source and its prebuilt template (`cells.rs`), the kernelspec
//! (`kernelspec.rs`), and the AWS configuration (`aws.rs`; with `--aws`, one STS call).
//! A check fails when something will not work (no toolchain, no library, no kernelspec
//! Jupyter can start, credentials STS refuses); it warns when things work, slower or
//! with less (no rust-src, no fresh template, no AWS region or credentials: local sources
//! still work).
//!
//! Exit codes: 0 when no check failed; 2 (a check failed) when one did; with `--aws`, a
//! failed identity call is its own class instead: 5 when the credentials are refused, 4
//! when STS did not answer (the most severe wins, `Exit::severity`).

mod aws;
mod cells;
mod command;
mod kernelspec;
mod toolchain;

use std::io::Write as _;

use playbook::source::AwsTarget;
use serde::Serialize;

use crate::exit::Exit;
use crate::visible;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    Ok,
    Warning,
    Failed,
}

/// What a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CheckName {
    Toolchain,
    RustSrc,
    Library,
    CellCache,
    Kernelspec,
    AwsRegion,
    AwsCredentials,
    AwsIdentity,
}

impl CheckName {
    /// The name people read (the JSON's `name` is the snake-case one).
    fn label(self) -> &'static str {
        match self {
            CheckName::Toolchain => "Rust toolchain",
            CheckName::RustSrc => "rust-src",
            CheckName::Library => "cell library",
            CheckName::CellCache => "cell cache",
            CheckName::Kernelspec => "kernelspec",
            CheckName::AwsRegion => "AWS region",
            CheckName::AwsCredentials => "AWS credentials",
            CheckName::AwsIdentity => "AWS identity",
        }
    }
}

/// One check's outcome.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Check {
    pub(crate) name: CheckName,
    pub(crate) status: Status,
    /// What was found, in one line.
    pub(crate) verdict: String,
    /// What to do, when the status is not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fix: Option<String>,
}

impl Check {
    fn ok(name: CheckName, verdict: String) -> Check {
        Check {
            name,
            status: Status::Ok,
            verdict,
            fix: None,
        }
    }

    fn failed(name: CheckName, verdict: String, fix: String) -> Check {
        Check {
            name,
            status: Status::Failed,
            verdict,
            fix: Some(fix),
        }
    }
}

/// Everything `playbook doctor` found (`--json` prints it).
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    /// This binary's version and path.
    pub(crate) version: &'static str,
    pub(crate) binary: String,
    /// The worst status of the checks.
    pub(crate) status: Status,
    /// The exit code, and its class.
    pub(crate) exit_code: u8,
    pub(crate) exit_class: Exit,
    pub(crate) checks: Vec<Check>,
}

/// What `playbook doctor` was asked.
#[derive(Debug)]
pub(crate) struct Options {
    /// Print the report as JSON.
    pub(crate) json: bool,
    /// Also ask STS who the credentials are.
    pub(crate) ask_aws: bool,
    /// The region, profile and role to check.
    pub(crate) target: AwsTarget,
}

/// Runs every check, prints the report, and returns the exit class.
pub(crate) fn main(options: &Options) -> anyhow::Result<Exit> {
    let report = examine(options)?;
    let mut out = std::io::stdout().lock();
    if options.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", visible::text(&render(&report)))?;
    }
    Ok(report.exit_class)
}

/// Runs the checks (the AWS ones on a small runtime of their own).
fn examine(options: &Options) -> anyhow::Result<Report> {
    let exe = std::env::current_exe()?;
    let mut checks = vec![
        toolchain::toolchain(),
        toolchain::rust_src(),
        cells::library(),
        cells::cell_cache(),
        kernelspec::kernelspec(&exe),
    ];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    checks.extend(runtime.block_on(aws::configuration(&options.target)));
    let mut exit = Exit::Ok;
    if options.ask_aws {
        let (check, class) = runtime.block_on(aws::identity(&options.target));
        checks.push(check);
        exit = class.unwrap_or(exit);
    }
    let status = checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok);
    if status == Status::Failed && Exit::CheckFailed.severity() > exit.severity() {
        exit = Exit::CheckFailed;
    }
    Ok(Report {
        version: env!("CARGO_PKG_VERSION"),
        binary: exe.display().to_string(),
        status,
        exit_code: exit.code(),
        exit_class: exit,
        checks,
    })
}

/// The report for people: one line per check, what to do under it, a closing count.
fn render(report: &Report) -> String {
    let mut text = format!(
        "playbook doctor: playbook {} at {}\n",
        report.version, report.binary
    );
    for check in &report.checks {
        let status = match check.status {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Failed => "FAILED",
        };
        text += &format!(
            "  {status:<8} {:<16} {}\n",
            check.name.label(),
            check.verdict
        );
        if let Some(fix) = &check.fix {
            text += &format!("  {:<8} {:<16} → {fix}\n", "", "");
        }
    }
    let count = |s: Status| report.checks.iter().filter(|c| c.status == s).count();
    text += &format!(
        "{} ok, {} warning(s), {} failed (exit {})\n",
        count(Status::Ok),
        count(Status::Warning),
        count(Status::Failed),
        report.exit_code
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(checks: Vec<Check>, exit: Exit) -> Report {
        Report {
            version: "0.1.0",
            binary: "/bin/playbook".into(),
            status: checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok),
            exit_code: exit.code(),
            exit_class: exit,
            checks,
        }
    }

    #[test]
    fn each_check_is_one_line_with_what_to_do_under_it() {
        let text = render(&report(
            vec![
                Check::ok(CheckName::Toolchain, "rustc 1.95.0".into()),
                Check::failed(
                    CheckName::Kernelspec,
                    "Jupyter finds none".into(),
                    "`playbook install --user`".into(),
                ),
            ],
            Exit::CheckFailed,
        ));
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].contains("ok") && lines[1].contains("rustc 1.95.0"),
            "{text}"
        );
        assert!(
            lines[2].contains("FAILED") && lines[2].contains("kernelspec"),
            "{text}"
        );
        assert!(lines[3].contains("→ `playbook install --user`"), "{text}");
        assert!(
            lines[4].contains("1 ok, 0 warning(s), 1 failed (exit 2)"),
            "{text}"
        );
    }

    #[test]
    fn the_json_report_names_checks_and_statuses_in_snake_case() {
        let json = serde_json::to_value(report(
            vec![Check {
                name: CheckName::AwsRegion,
                status: Status::Warning,
                verdict: "no region".into(),
                fix: Some("set AWS_REGION".into()),
            }],
            Exit::Ok,
        ))
        .unwrap();
        assert_eq!(json["checks"][0]["name"], "aws_region");
        assert_eq!(json["checks"][0]["status"], "warning");
        assert_eq!(json["status"], "warning");
        assert_eq!(json["exit_code"], 0);
        assert_eq!(json["exit_class"], "ok");
    }
}
