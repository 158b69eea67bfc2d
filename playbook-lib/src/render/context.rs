//! How the session context shows itself: its one-line text.

use crate::model::context::SessionContext;
use crate::render::MimeBundle;

impl SessionContext {
    /// Shows the context as a cell's result (its `Display` form).
    pub fn evcxr_display(&self) {
        MimeBundle::text(self.to_string()).evcxr_display();
    }
}
