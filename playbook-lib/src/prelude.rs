//! What every playbook cell has in scope (`use playbook::prelude::*;`).

pub use crate::alarms::{Alarm, AlarmChange, AlarmReport, AlarmsQuery, alarms};
pub use crate::analysis::{ChangePoint, Lagged, change_point, correlation, lagged_correlation};
pub use crate::baseline::{
    Anomaly, Band, Excursion, Ranking, Seasonality, anomalies, baseline_shifted, deviations, onset,
    rank_candidates, seasonal_band,
};
pub use crate::chart::LineChart;
pub use crate::check;
pub use crate::check::{Check, CheckResult, CheckTable, Verdict, checks};
pub use crate::context::{SessionContext, context, echo};
pub use crate::display::DebugDisplay as _;
pub use crate::display::{DisplayHandle, Html, MimeBundle, Render, Svg, clear_output, display};
pub use crate::error::{Error as PlaybookError, Result as PlaybookResult};
pub use crate::input::{ask, ask_password, confirm};
pub use crate::log_table::{Cell, LogTable, QueryStatistics};
pub use crate::query::{
    FilterQuery, LogsQuery, MetricId, MetricQuery, MetricSearch, Windowed, anomaly_band,
    fetch_many, filter_log_events, list_metrics, logs_insights, metric, metric_expression,
    set_window,
};
pub use crate::record::{QueryRecord, queries};
pub use crate::series::{Series, Summary, percentile};
pub use crate::series_set::SeriesSet;
pub use crate::source::{Source, set_source};
pub use crate::statistic::Statistic;
pub use crate::time_range::TimeRange;
pub use crate::transform::{Aggregate, top_n};
pub use chrono::{DateTime, Datelike, Duration as TimeDelta, Timelike, Utc};
pub use serde_json::{Value as Json, json};
