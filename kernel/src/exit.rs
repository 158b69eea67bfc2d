//! The exit-code contract schedulers and CI read (README, "Exit codes"). The program owns
//! it: usage errors, panics and library errors are mapped here, never left to clap or to
//! the panic runtime.

use std::process::ExitCode;

/// How a `playbook` command ended, most severe last in [`Exit::severity`] order.
/// A run summary names the class (`exit_class`) in snake case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Exit {
    /// Every cell ran and no check failed (or the command did what it was asked).
    Ok,
    /// A cell failed (or timed out); for `playbook query`, the query failed.
    CellFailed,
    /// Every cell ran, but a check failed: a CI gate rolls back on this.
    CheckFailed,
    /// Bad input: a usage error, an unreadable notebook, a bad or unknown parameter.
    BadInput,
    /// The data source failed in a way a retry may fix: throttled after the retries, a
    /// deadline, the service unavailable or unreachable.
    SourceUnavailable,
    /// The data source refused: no or invalid credentials, access denied, not found. A
    /// retry will not help; a change will.
    SourceRefused,
    /// An output could not be written (the record, a report, a summary): a full disk, a
    /// missing directory, an upload refused. Nothing already written was lost.
    OutputFailed,
    /// Interrupted (SIGINT or SIGTERM).
    Interrupted,
}

impl Exit {
    /// The process exit code.
    pub(crate) fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::CellFailed => 1,
            Exit::CheckFailed => 2,
            Exit::BadInput => 3,
            Exit::SourceUnavailable => 4,
            Exit::SourceRefused => 5,
            Exit::OutputFailed => 6,
            Exit::Interrupted => 130,
        }
    }

    /// The class's name, as a summary's `exit_class` writes it.
    pub(crate) fn class(self) -> &'static str {
        match self {
            Exit::Ok => "ok",
            Exit::CellFailed => "cell_failed",
            Exit::CheckFailed => "check_failed",
            Exit::BadInput => "bad_input",
            Exit::SourceUnavailable => "source_unavailable",
            Exit::SourceRefused => "source_refused",
            Exit::OutputFailed => "output_failed",
            Exit::Interrupted => "interrupted",
        }
    }

    /// The class of an exit code another `playbook` wrote (a scheduler's record of it).
    pub(crate) fn from_code(code: u8) -> Option<Exit> {
        [
            Exit::Ok,
            Exit::CellFailed,
            Exit::CheckFailed,
            Exit::BadInput,
            Exit::SourceUnavailable,
            Exit::SourceRefused,
            Exit::OutputFailed,
            Exit::Interrupted,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }

    /// How severe the outcome is, for combining several (a fleet's exit code is its
    /// most severe target's): ok < check failed < cell failed < source unavailable <
    /// source refused < output failed < bad input < interrupted.
    pub(crate) fn severity(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::CheckFailed => 1,
            Exit::CellFailed => 2,
            Exit::SourceUnavailable => 3,
            Exit::SourceRefused => 4,
            Exit::OutputFailed => 5,
            Exit::BadInput => 6,
            Exit::Interrupted => 7,
        }
    }
}

impl Exit {
    /// The class of a failure the data source reported, when it is not the cell's fault:
    /// `SourceUnavailable` when a retry may help, `SourceRefused` when it will not.
    pub(crate) fn of_source(kind: playbook::protocol::ErrorKind) -> Option<Exit> {
        use playbook::protocol::ErrorKind as K;
        if kind.is_transient() {
            return Some(Exit::SourceUnavailable);
        }
        matches!(
            kind,
            K::Credentials | K::AccessDenied | K::NotFound | K::NoSource
        )
        .then_some(Exit::SourceRefused)
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_class_is_named_as_the_summary_writes_it() {
        for code in 0..=255u8 {
            if let Some(exit) = Exit::from_code(code) {
                assert_eq!(
                    serde_json::to_value(exit).unwrap(),
                    serde_json::json!(exit.class())
                );
            }
        }
    }

    #[test]
    fn source_failures_are_classed_by_whether_a_retry_helps() {
        use playbook::protocol::ErrorKind as K;
        assert_eq!(Exit::of_source(K::Throttled), Some(Exit::SourceUnavailable));
        assert_eq!(
            Exit::of_source(K::Unavailable),
            Some(Exit::SourceUnavailable)
        );
        assert_eq!(Exit::of_source(K::Timeout), Some(Exit::SourceUnavailable));
        assert_eq!(Exit::of_source(K::AccessDenied), Some(Exit::SourceRefused));
        assert_eq!(Exit::of_source(K::Credentials), Some(Exit::SourceRefused));
        assert_eq!(Exit::of_source(K::QuerySyntax), None);
    }

    #[test]
    fn codes_are_the_documented_ones() {
        let codes: Vec<u8> = [
            Exit::Ok,
            Exit::CellFailed,
            Exit::CheckFailed,
            Exit::BadInput,
            Exit::SourceUnavailable,
            Exit::SourceRefused,
            Exit::OutputFailed,
            Exit::Interrupted,
        ]
        .iter()
        .map(|e| e.code())
        .collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 130]);
    }
}
