//! The render floor: how results show themselves. One [`MimeBundle`] builder and one
//! [`Table`] (text, HTML and Markdown from one description) that every result uses, the
//! SVG charts, and each result's [`Render`] impl. It reads the model and nothing above.

mod action;
mod alarms;
mod bundle;
pub mod chart;
mod context;
mod contributors;
pub mod html;
mod log_anomalies;
mod log_table;
mod probes;
mod readable;
mod series;
mod series_set;
pub mod table;
mod trace;
mod trace_list;

pub use bundle::{DebugDisplay, Html, MimeBundle, Render, SERIES_MIME, Svg};
pub use table::{Cell, Row, Table};
