//! Rich output from cells: MIME bundles shown now, updated in place, or cleared.
//!
//! What a value shows ([`MimeBundle`], [`Render`]) is the render floor's (`crate::render`,
//! re-exported here). Output shown *while* a cell runs (`display`,
//! [`DisplayHandle::update`], [`clear_output`]) goes through the host, which publishes
//! `display_data`, `update_display_data` and `clear_output` on iopub.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Map;

use crate::client::host;
use crate::model::error::Result;
use crate::protocol::Request;
pub use crate::render::{DebugDisplay, Html, MimeBundle, Render, SERIES_MIME, Svg};

static NEXT_DISPLAY: AtomicU64 = AtomicU64::new(1);

/// A piece of output that can be replaced in place while the cell runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayHandle {
    display_id: String,
}

impl DisplayHandle {
    /// The Jupyter `display_id` of this output.
    pub fn id(&self) -> &str {
        &self.display_id
    }

    /// Replaces what this handle shows (`update_display_data`).
    pub fn update(&self, value: &impl Render) -> Result<()> {
        send(&value.bundle(), Some(self.display_id.clone()), true)
    }
}

fn send(bundle: &MimeBundle, display_id: Option<String>, update: bool) -> Result<()> {
    host::call::<()>(&Request::Display {
        data: bundle.to_map(),
        metadata: Map::new(),
        display_id,
        update,
    })
}

/// Shows `value` now (`display_data`) and returns a handle to update it later.
pub fn display(value: &impl Render) -> Result<DisplayHandle> {
    let display_id = format!(
        "playbook-{}-{}",
        std::process::id(),
        NEXT_DISPLAY.fetch_add(1, Ordering::Relaxed)
    );
    send(&value.bundle(), Some(display_id.clone()), false)?;
    Ok(DisplayHandle { display_id })
}

/// Clears the cell's output; with `wait`, only when the next output arrives.
pub fn clear_output(wait: bool) -> Result<()> {
    host::call::<()>(&Request::ClearOutput { wait })
}
