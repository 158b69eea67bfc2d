//! Running an approved action's command in the kernel process: without a shell (unless
//! the runbook asked for one), in its own process group, with the kernel's environment
//! minus every variable that looks secret plus the secrets the action named, stdin
//! closed, each attempt killed at its timeout (or at an interrupt), and what it printed
//! capped and redacted.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Utc;
use playbook::model::action::{
    ActionBody, ActionResult, ActionSpec, ActionStatus, Approval, DEFAULT_TIMEOUT_SECS,
};

use crate::redact::Redactor;

/// Bytes of each stream an action's result keeps (its last ones: errors come last).
pub(crate) const OUTPUT_CAP: usize = 16 * 1024;

/// How often a running attempt is looked at (its exit, its deadline, an interrupt).
const POLL: Duration = Duration::from_millis(20);

/// How long the output readers are waited for once the process is gone (a daemon it
/// left behind may hold the pipes).
const DRAIN: Duration = Duration::from_secs(2);

/// One attempt's end.
struct Attempt {
    status: ActionStatus,
    exit_code: Option<i32>,
    note: Option<String>,
    stdout: Captured,
    stderr: Captured,
}

/// The tail of a stream and how many bytes came before it.
#[derive(Default)]
struct Captured {
    tail: Vec<u8>,
    omitted: usize,
}

/// The command of an action, in an environment that is the kernel's without what looks
/// secret, with `secrets`; `None` for an empty argv (a request no cell library sends).
fn command(spec: &ActionSpec, secrets: &[(String, String)]) -> Option<Command> {
    let mut command = match &spec.body {
        ActionBody::Command { argv } => {
            let (program, args) = argv.split_first()?;
            let mut c = Command::new(program);
            c.args(args);
            c
        }
        ActionBody::Shell { script } => {
            let mut c = Command::new("/bin/sh");
            c.arg("-c").arg(script);
            c
        }
    };
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(crate::redact::looks_secret) {
            command.env_remove(name);
        }
    }
    command.envs(secrets.iter().map(|(n, v)| (n, v)));
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    Some(command)
}

/// Reads `stream` to its end on a thread, keeping its last [`OUTPUT_CAP`] bytes.
fn capture(mut stream: impl Read + Send + 'static) -> mpsc::Receiver<Captured> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut captured = Captured::default();
        let mut buf = [0u8; 8192];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            captured.tail.extend_from_slice(&buf[..n]);
            if captured.tail.len() > 2 * OUTPUT_CAP {
                let drop = captured.tail.len() - OUTPUT_CAP;
                captured.tail.drain(..drop);
                captured.omitted += drop;
            }
        }
        if captured.tail.len() > OUTPUT_CAP {
            let drop = captured.tail.len() - OUTPUT_CAP;
            captured.tail.drain(..drop);
            captured.omitted += drop;
        }
        let _ = tx.send(captured);
    });
    rx
}

/// Kills the attempt's process group.
fn kill_group(child: &Child) {
    let Ok(pid) = i32::try_from(child.id()) else {
        return;
    };
    // SAFETY: kill(2) with a negative pid signals the process group the child leads
    // (`process_group(0)`); it takes no pointers.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

/// Waits for `child` until it exits, `timeout` passes or `cancel` is set.
fn wait(
    child: &mut Child,
    timeout: Duration,
    cancel: &AtomicBool,
) -> (ActionStatus, Option<ExitStatus>) {
    let clock = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let end = if status.success() {
                    ActionStatus::Succeeded
                } else {
                    ActionStatus::Failed
                };
                return (end, Some(status));
            }
            Ok(None) => {}
            Err(_) => return (ActionStatus::Failed, None),
        }
        let stop = if cancel.load(Ordering::SeqCst) {
            Some(ActionStatus::Interrupted)
        } else if clock.elapsed() >= timeout {
            Some(ActionStatus::TimedOut)
        } else {
            None
        };
        if let Some(stop) = stop {
            kill_group(child);
            let _ = child.wait();
            return (stop, None);
        }
        std::thread::sleep(POLL);
    }
}

fn attempt(spec: &ActionSpec, secrets: &[(String, String)], cancel: &AtomicBool) -> Attempt {
    let timeout = Duration::from_secs(spec.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS));
    let spawned = match command(spec, secrets) {
        Some(mut command) => command.spawn().map_err(|e| e.to_string()),
        None => Err("the command is empty".to_owned()),
    };
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => {
            return Attempt {
                status: ActionStatus::Failed,
                exit_code: None,
                note: Some(format!("could not start the command: {error}")),
                stdout: Captured::default(),
                stderr: Captured::default(),
            };
        }
    };
    let stdout = child.stdout.take().map(capture);
    let stderr = child.stderr.take().map(capture);
    let (status, exit) = wait(&mut child, timeout, cancel);
    let collect = |rx: Option<mpsc::Receiver<Captured>>| {
        rx.and_then(|rx| rx.recv_timeout(DRAIN).ok())
            .unwrap_or_default()
    };
    let note = match (status, exit.and_then(|e| e.code())) {
        (ActionStatus::TimedOut, _) => Some(format!(
            "killed after its timeout of {} s",
            timeout.as_secs()
        )),
        (ActionStatus::Interrupted, _) => Some("killed by an interrupt".to_owned()),
        (ActionStatus::Failed, None) => {
            Some("ended without an exit status (killed by a signal)".to_owned())
        }
        _ => None,
    };
    Attempt {
        status,
        exit_code: exit.and_then(|e| e.code()),
        note,
        stdout: collect(stdout),
        stderr: collect(stderr),
    }
}

/// The values of the secrets `spec` names, from the kernel's environment; the first one
/// missing is an error.
pub(crate) fn secrets(spec: &ActionSpec) -> Result<Vec<(String, String)>, String> {
    (spec.secrets.iter())
        .map(|name| match std::env::var(name) {
            Ok(value) => Ok((name.clone(), value)),
            Err(_) => Err(format!(
                "the secret {name} the action names is not in the kernel's environment"
            )),
        })
        .collect()
}

/// Runs `spec` (approved by `approval`) with its retries; its result, output redacted by
/// `redactor`.
pub(crate) fn run(
    spec: &ActionSpec,
    approval: Approval,
    redactor: &Redactor,
    cancel: &AtomicBool,
) -> ActionResult {
    let mut result = ActionResult::not_run(spec, ActionStatus::Failed, "");
    result.command = redactor.text(&result.command).as_str().to_owned();
    result.approval = Some(approval);
    let secrets = match secrets(spec) {
        Ok(secrets) => secrets,
        Err(why) => {
            result.note = Some(why);
            return result;
        }
    };
    let clock = Instant::now();
    result.started = Some(Utc::now());
    let mut last = None;
    for n in 0..=spec.retries {
        if n > 0 {
            std::thread::sleep(Duration::from_millis(500 * u64::from(n)));
        }
        result.attempts = n + 1;
        let done = attempt(spec, &secrets, cancel);
        let again = done.status.failed() && done.status != ActionStatus::Interrupted;
        last = Some(done);
        if !again || cancel.load(Ordering::SeqCst) {
            break;
        }
    }
    result.finished = Some(Utc::now());
    result.duration_secs = Some(clock.elapsed().as_secs_f64());
    if let Some(done) = last {
        result.status = done.status;
        result.exit_code = done.exit_code;
        result.note = done.note;
        let text = |c: &Captured| {
            redactor
                .text(&String::from_utf8_lossy(&c.tail))
                .as_str()
                .to_owned()
        };
        result.stdout = text(&done.stdout);
        result.stderr = text(&done.stderr);
        result.omitted_bytes = done.stdout.omitted + done.stderr.omitted;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(body: ActionBody) -> ActionSpec {
        ActionSpec {
            name: "t".into(),
            body,
            target: None,
            timeout_secs: Some(5),
            retries: 0,
            secrets: Vec::new(),
            required: false,
            undo: None,
        }
    }

    fn approval() -> Approval {
        Approval {
            by: "t@h".into(),
            via: "--approve-all".into(),
            at: Utc::now(),
            run: None,
        }
    }

    #[test]
    fn a_command_runs_without_a_shell_and_reports_its_exit() {
        let argv = vec![
            "/bin/sh".into(),
            "-c".into(),
            "echo out; echo err >&2; exit 3".into(),
        ];
        let result = run(
            &spec(ActionBody::Command { argv }),
            approval(),
            &Redactor::default(),
            &AtomicBool::new(false),
        );
        assert_eq!(result.status, ActionStatus::Failed);
        assert_eq!(result.exit_code, Some(3));
        assert_eq!(result.stdout, "out\n");
        assert_eq!(result.stderr, "err\n");
        let literal = vec!["echo".into(), "$HOME; true".into()];
        let result = run(
            &spec(ActionBody::Command { argv: literal }),
            approval(),
            &Redactor::default(),
            &AtomicBool::new(false),
        );
        assert_eq!(
            result.stdout, "$HOME; true\n",
            "an argument is never a shell's"
        );
    }

    #[test]
    fn an_attempt_past_its_timeout_is_killed_with_its_children() {
        let mut s = spec(ActionBody::Shell {
            script: "sleep 30 & sleep 30".into(),
        });
        s.timeout_secs = Some(1);
        s.retries = 1;
        let clock = Instant::now();
        let result = run(
            &s,
            approval(),
            &Redactor::default(),
            &AtomicBool::new(false),
        );
        assert_eq!(result.status, ActionStatus::TimedOut);
        assert_eq!(result.attempts, 2);
        assert!(clock.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn output_keeps_its_tail_within_the_cap() {
        let script = format!(
            "head -c {} /dev/zero | tr '\\0' a; echo END",
            3 * OUTPUT_CAP
        );
        let result = run(
            &spec(ActionBody::Shell { script }),
            approval(),
            &Redactor::default(),
            &AtomicBool::new(false),
        );
        assert!(result.stdout.ends_with("aEND\n"));
        assert!(result.stdout.len() <= OUTPUT_CAP);
        assert_eq!(
            result.omitted_bytes,
            3 * OUTPUT_CAP + 4 - result.stdout.len()
        );
    }

    #[test]
    fn a_missing_secret_is_named_and_nothing_runs() {
        let mut s = spec(ActionBody::Command {
            argv: vec!["true".into()],
        });
        s.secrets = vec!["PLAYBOOK_TEST_NO_SUCH_SECRET".into()];
        let result = run(
            &s,
            approval(),
            &Redactor::default(),
            &AtomicBool::new(false),
        );
        assert_eq!(result.attempts, 0);
        assert!(
            result
                .note
                .unwrap()
                .contains("PLAYBOOK_TEST_NO_SUCH_SECRET")
        );
    }
}
