//! Progress of a headless run on stderr: a progress bar (step i/N, the step's name,
//! elapsed time) when stderr is a terminal, plain lines otherwise (CI logs, cron mail).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::redact::Redactor;

/// Where the runner reports progress.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    /// Every line goes through it: CI logs are shared too.
    redactor: Redactor,
}

impl Progress {
    /// A progress report for `total` steps, its lines masked by `redactor`.
    pub(crate) fn new(total: usize, redactor: Redactor) -> Progress {
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

    /// Whether a bar is shown (stderr is a terminal).
    pub(crate) fn is_bar(&self) -> bool {
        self.bar.is_some()
    }

    /// Step `position` (0-based) named `step` starts.
    pub(crate) fn step(&self, position: usize, step: &str) {
        let step = self.redactor.redact_text(step).0;
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
        let text = self.redactor.redact_text(text).0;
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    /// The run is over: the bar disappears, lines stay.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
