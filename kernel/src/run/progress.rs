//! Progress of a headless run on stderr: a progress bar (step i/N, the step's name,
//! elapsed time) when stderr is a terminal, plain lines otherwise (CI logs, cron mail).
//! A fleet target's run ([`View::Target`]) shows its step on its own line of the fleet's
//! bars (on a terminal) and writes its lines to its log file, so that the fleet's output
//! is one line per finished target. Every step and line passes the redactor, then
//! `crate::visible` (control and bidi characters as escapes: a check's name cannot
//! redraw the terminal).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::redact::{Redacted, Redactor, redacted_format};
use crate::visible;

/// How a run shows its progress.
#[derive(Debug, Clone, Default)]
pub(crate) enum View {
    /// On stderr: a bar on a terminal, lines otherwise.
    #[default]
    Own,
    /// One target of a fleet: its step on `bar` (a line of the fleet's bars, when on a
    /// terminal), its lines in `log`.
    Target {
        name: String,
        bar: Option<ProgressBar>,
        log: std::path::PathBuf,
    },
}

/// Where the runner reports progress.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    /// Every line goes through it: CI logs are shared too.
    redactor: Redactor,
    /// A fleet target's name and log (lines go there, not to stderr).
    target: Option<(String, std::sync::Mutex<Option<std::fs::File>>)>,
}

impl Progress {
    /// A progress report for `total` steps shown as `view` says, its lines masked by
    /// `redactor`.
    pub(crate) fn new(total: usize, redactor: Redactor, view: View) -> Progress {
        if let View::Target { name, bar, log } = view {
            let file = std::fs::File::options()
                .create(true)
                .append(true)
                .open(&log)
                .ok();
            return Progress {
                bar,
                total,
                redactor,
                target: Some((name, std::sync::Mutex::new(file))),
            };
        }
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total as u64);
            let style =
                ProgressStyle::with_template("{spinner} [{bar:24}] {pos}/{len} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            total,
            redactor,
            target: None,
        }
    }

    /// The redactor every line (and the record) passes through.
    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Adds known secret values (credentials the engine resolved during the run).
    pub(crate) fn learn(&mut self, values: Vec<String>) {
        self.redactor.learn(values);
    }

    /// Whether the run's own bar is shown (stderr is a terminal): per-step lines are not
    /// needed then. A fleet target's log gets them.
    pub(crate) fn is_bar(&self) -> bool {
        self.bar.is_some() && self.target.is_none()
    }

    /// Step `position` (0-based) named `step` starts.
    pub(crate) fn step(&self, position: usize, step: &str) {
        let step = self.redactor.text(step);
        if self.target.is_some() {
            let line = redacted_format!("[{}/{}] {}", position + 1, self.total, step);
            self.log(&line, true);
        }
        let step = visible::name(&step).into_owned();
        if let Some((name, _)) = &self.target {
            if let Some(bar) = &self.bar {
                bar.set_message(format!("{name} [{}/{}] {step}", position + 1, self.total));
            }
            return;
        }
        match &self.bar {
            Some(bar) => {
                bar.set_position(position as u64);
                bar.set_message(step);
            }
            None => eprintln!("[{}/{}] {step}", position + 1, self.total),
        }
    }

    /// A line of the report (a step's result, a check's verdict).
    pub(crate) fn line(&self, text: &str) {
        self.show(&self.redactor.text(text));
    }

    /// A line already redacted (one composed of redacted pieces, names among them).
    fn show(&self, text: &Redacted<String>) {
        if self.target.is_some() {
            self.log(text, false);
            return;
        }
        let text = visible::text(text).into_owned();
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    /// Appends a masked line to a fleet target's log, its characters shown, not obeyed
    /// (`one_line`: newlines too, so a step's name cannot forge a line).
    fn log(&self, text: &Redacted<String>, one_line: bool) {
        use std::io::Write as _;
        if let Some((_, file)) = &self.target
            && let Some(file) = file.lock().unwrap_or_else(|p| p.into_inner()).as_mut()
        {
            let shown = if one_line {
                visible::name(text)
            } else {
                visible::text(text)
            };
            let _ = writeln!(file, "{shown}");
        }
    }

    /// The run is over: the bar disappears, lines stay.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
