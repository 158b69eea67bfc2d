//! The cell library's build, shown in the cell that waits for it. A first run or a stale
//! cache makes a Rust cell wait 20-odd seconds while the library compiles; after about a
//! second of that the cell shows an updatable display ("building the cell library (first
//! time), ~20 s"), updated while it lasts and replaced by what it took when it ends. The
//! display is a hint (`hints.rs`): a run's record leaves it out and says the same in a
//! line of its own (`library_build.rs`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use jupyter_protocol::{JupyterMessage, Media, MediaType, Transient, UpdateDisplayData};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::library_build;
use crate::jupyter::iopub::IoPub;

/// How long a cell waits before it says why.
const SHOW_AFTER: Duration = Duration::from_secs(1);
/// How often the build's state is looked at.
const POLL: Duration = Duration::from_millis(250);

/// A watch on the library's builds for one cell.
pub(crate) struct BuildDisplay {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl BuildDisplay {
    /// Watches the builds of the kernel building in `dir` while the cell `parent` runs.
    pub(crate) fn watch(iopub: IoPub, parent: JupyterMessage, dir: PathBuf) -> BuildDisplay {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(show_while_building(Shown::new(iopub, parent), dir, stopped));
        BuildDisplay {
            stop: Some(stop),
            task,
        }
    }

    /// The cell is over: a display shown says what the build took.
    pub(crate) async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for BuildDisplay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn show_while_building(mut shown: Shown, dir: PathBuf, mut stopped: oneshot::Receiver<()>) {
    let waiting = Instant::now();
    loop {
        let over = tokio::select! {
            _ = &mut stopped => true,
            () = tokio::time::sleep(POLL) => false,
        };
        match library_build::in_progress(&dir) {
            Some(building) if !over && waiting.elapsed() >= SHOW_AFTER => {
                shown.show(&building.reason.progress_line(building.since.elapsed()));
            }
            // Ended (or the cell did): the line says what it took, once.
            _ if shown.is_shown() && !shown.done => {
                let line = match library_build::last_built(&dir) {
                    Some(built) if library_build::in_progress(&dir).is_none() => built.done_line(),
                    _ => "the cell library is still building".to_owned(),
                };
                shown.show(&line);
                shown.done = true;
            }
            _ => {}
        }
        if over {
            return;
        }
    }
}

/// The display, once shown.
struct Shown {
    iopub: IoPub,
    parent: JupyterMessage,
    display_id: String,
    last: Option<String>,
    done: bool,
}

impl Shown {
    fn new(iopub: IoPub, parent: JupyterMessage) -> Shown {
        Shown {
            iopub,
            parent,
            display_id: format!("playbook-library-build-{}", uuid::Uuid::new_v4()),
            last: None,
            done: false,
        }
    }

    fn is_shown(&self) -> bool {
        self.last.is_some()
    }

    /// Shows `line`: the display the first time, an update after (none when unchanged).
    fn show(&mut self, line: &str) {
        if self.last.as_deref() == Some(line) {
            return;
        }
        if self.last.is_none() {
            let mut display = super::hints::display(line);
            display.transient = Some(Transient {
                display_id: Some(self.display_id.clone()),
            });
            self.iopub.publish(display, Some(&self.parent));
        } else {
            let media = Media::new(vec![
                MediaType::Plain(line.to_owned()),
                MediaType::Html(format!(
                    "<p><small>{}</small></p>",
                    playbook::html::escape(line)
                )),
            ]);
            let update = UpdateDisplayData::new(media, &self.display_id);
            self.iopub.publish(update, Some(&self.parent));
        }
        self.done = false;
        self.last = Some(line.to_owned());
    }
}
