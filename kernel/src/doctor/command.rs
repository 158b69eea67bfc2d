//! Running a program the doctor asks (rustc, cargo, jupyter) with a deadline: a hung
//! program is killed, never waited for.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a program printed, and whether it succeeded.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) success: bool,
    pub(super) stdout: String,
    pub(super) stderr: String,
}

/// Why a program gave no answer.
#[derive(Debug, thiserror::Error)]
pub(super) enum NoAnswer {
    #[error("{0} is not on PATH")]
    NotFound(String),
    #[error("{program} could not be started: {error}")]
    Start {
        program: String,
        error: std::io::Error,
    },
    #[error("{program} did not answer within {seconds} s")]
    Deadline { program: String, seconds: u64 },
}

/// Runs `program args…` (stdin closed) and waits at most `deadline` for it.
pub(super) fn ask(program: &str, args: &[&str], deadline: Duration) -> Result<Answer, NoAnswer> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => NoAnswer::NotFound(program.to_owned()),
            _ => NoAnswer::Start {
                program: program.to_owned(),
                error,
            },
        })?;
    let readers = [
        child.stdout.take().map(|mut out| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = out.read_to_string(&mut text);
                text
            })
        }),
        child.stderr.take().map(|mut err| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = err.read_to_string(&mut text);
                text
            })
        }),
    ];
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => break None,
        }
    };
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(NoAnswer::Deadline {
            program: program.to_owned(),
            seconds: deadline.as_secs(),
        });
    };
    let [stdout, stderr] =
        readers.map(|reader| reader.and_then(|r| r.join().ok()).unwrap_or_default());
    Ok(Answer {
        success: status.success(),
        stdout,
        stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_that_hangs_is_stopped_at_the_deadline() {
        let started = Instant::now();
        let answer = ask("sleep", &["30"], Duration::from_millis(300));
        assert!(
            matches!(answer, Err(NoAnswer::Deadline { .. })),
            "{answer:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn output_and_status_are_kept_and_a_missing_program_is_named() {
        let answer = ask(
            "sh",
            &["-c", "echo out; echo err >&2; exit 3"],
            Duration::from_secs(20),
        )
        .expect("sh runs");
        assert!(!answer.success);
        assert_eq!(answer.stdout, "out\n");
        assert_eq!(answer.stderr, "err\n");
        let missing = ask("playbook-no-such-program", &[], Duration::from_secs(5));
        assert!(
            matches!(&missing, Err(NoAnswer::NotFound(p)) if p == "playbook-no-such-program"),
            "{missing:?}"
        );
    }
}
