//! The exit-code contract schedulers and CI read (README, "Exit codes"). The program owns
//! it: usage errors, panics and library errors are mapped here, never left to clap or to
//! the panic runtime.

use std::process::ExitCode;

/// How a `playbook` command ended, most severe last in [`Exit::severity`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Exit {
    /// Every cell ran and no check failed (or the command did what it was asked).
    Ok,
    /// A cell failed (or timed out).
    CellFailed,
    /// Every cell ran, but a check failed: a CI gate rolls back on this.
    CheckFailed,
    /// Bad input: a usage error, an unreadable notebook, a bad or unknown parameter.
    BadInput,
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
            Exit::Interrupted => 130,
        }
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
    fn codes_are_the_documented_ones() {
        let codes: Vec<u8> = [
            Exit::Ok,
            Exit::CellFailed,
            Exit::CheckFailed,
            Exit::BadInput,
            Exit::Interrupted,
        ]
        .iter()
        .map(|e| e.code())
        .collect();
        assert_eq!(codes, [0, 1, 2, 3, 130]);
    }
}
