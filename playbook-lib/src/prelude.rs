//! What every playbook cell has in scope (`use playbook::prelude::*;`).

pub use crate::analysis::{ChangePoint, Lagged, change_point, correlation, lagged_correlation};
pub use crate::chart::LineChart;
pub use crate::check;
pub use crate::check::{Check, CheckResult, CheckTable, Verdict, checks};
pub use crate::context::{SessionContext, context, echo};
pub use crate::display::DebugDisplay as _;
pub use crate::display::{DisplayHandle, Html, MimeBundle, Render, Svg, clear_output, display};
pub use crate::error::{Error as PlaybookError, Result as PlaybookResult};
pub use crate::input::{ask, ask_password, confirm};
pub use crate::series::{Series, Summary, percentile};
pub use crate::transform::{Aggregate, top_n};
pub use chrono::{DateTime, Duration as TimeDelta, Utc};
pub use serde_json::{Value as Json, json};
