//! What every playbook cell has in scope (`use playbook::prelude::*;`).

pub use crate::action::{Action, ActionResult, Approval, action};
pub use crate::analysis::{ChangePoint, Lagged, change_point, correlation, lagged_correlation};
pub use crate::baseline::{
    Anomaly, Band, Excursion, Ranking, Seasonality, anomalies, baseline_shifted, deviations, onset,
    rank_candidates, seasonal_band,
};
pub use crate::check;
pub use crate::check::{Check, CheckResult, CheckTable, Verdict, checks};
pub use crate::client::probe_all;
pub use crate::client::publish_metric;
pub use crate::client::queries;
pub use crate::client::set_source;
pub use crate::client::traces::{TraceList, TraceQuery, TracesQuery, trace, traces};
pub use crate::client::{anomaly_detectors, log_group_settings};
pub use crate::client::{context, echo, parameter, set_parameter};
pub use crate::client::{fetch_many, set_window};
pub use crate::display::DebugDisplay as _;
pub use crate::display::{DisplayHandle, Html, MimeBundle, Render, Svg, clear_output, display};
pub use crate::input::{ask, ask_password, confirm};
pub use crate::local_service::{LocalService, ServiceFault};
pub use crate::model::alarms::{Alarm, AlarmChange, AlarmReport, AlarmsQuery, alarms};
pub use crate::model::context::SessionContext;
pub use crate::model::contributors::{
    Contributor, ContributorOrder, ContributorsQuery, TopContributors, contributors,
};
pub use crate::model::error::{Error as PlaybookError, Result as PlaybookResult};
pub use crate::model::inventory::{AnomalyDetector, LogGroupInfo};
pub use crate::model::log_anomalies::{LogAnomalies, LogAnomaliesQuery, LogAnomaly, log_anomalies};
pub use crate::model::log_table::{Cell, LogTable, QueryStatistics};
pub use crate::model::logs_query::QueryLanguage;
pub use crate::model::probe::{Probe, ProbeReport, ProbeResult, probe};
pub use crate::model::publish::MetricDatum;
pub use crate::model::query::{
    FilterQuery, LogsQuery, MetricId, MetricQuery, MetricSearch, Windowed, anomaly_band,
    filter_log_events, list_metrics, logs_insights, metric, metric_expression,
};
pub use crate::model::record::QueryRecord;
pub use crate::model::series::{Series, Summary, percentile};
pub use crate::model::series_set::SeriesSet;
pub use crate::model::source::{AwsTarget, Source};
pub use crate::model::span::Span;
pub use crate::model::statistic::Statistic;
pub use crate::model::time_range::TimeRange;
pub use crate::model::trace::Trace;
pub use crate::render::chart::{LineChart, Waterfall};
pub use crate::transform::{Aggregate, top_n};
pub use crate::verify::wait_until;
pub use chrono::{DateTime, Datelike, Duration as TimeDelta, Timelike, Utc};
pub use serde_json::{Value as Json, json};

/// The prelude's types as `std::any::type_name` names them (without generic arguments),
/// each with the path a cell can write. The kernel gives them to evcxr, so a cell's
/// variable of one of these types is kept, with its type, before rust-analyzer has
/// analysed the library (the first seconds of a kernel).
// long: a list of the prelude's types, one a line
pub fn nameable_types() -> Vec<(String, String)> {
    fn definition<T: ?Sized>() -> String {
        let name = std::any::type_name::<T>();
        name.split('<').next().unwrap_or(name).to_owned()
    }
    macro_rules! nameable {
        ($($name:ident $(<$($arg:ty),*>)?),* $(,)?) => {
            vec![$((
                definition::<$name $(<$($arg),*>)?>(),
                concat!("::playbook::prelude::", stringify!($name)).to_owned(),
            )),*]
        };
    }
    nameable![
        Action,
        ActionResult,
        Approval,
        Alarm,
        AlarmChange,
        AlarmReport,
        AlarmsQuery,
        ChangePoint,
        Lagged,
        Anomaly,
        Band,
        Excursion,
        Ranking,
        Seasonality,
        LineChart,
        Check,
        CheckResult,
        CheckTable,
        Verdict,
        SessionContext,
        DisplayHandle,
        Html,
        MimeBundle,
        Svg,
        PlaybookError,
        Cell,
        LogTable,
        QueryStatistics,
        FilterQuery,
        LogsQuery,
        QueryLanguage,
        MetricId,
        MetricQuery,
        MetricSearch,
        QueryRecord,
        Series,
        Summary,
        SeriesSet,
        Source,
        Statistic,
        TimeRange,
        Aggregate,
        AnomalyDetector,
        LogGroupInfo,
        LogAnomalies,
        LogAnomaliesQuery,
        Contributor,
        ContributorOrder,
        ContributorsQuery,
        TopContributors,
        LogAnomaly,
        Probe,
        ProbeReport,
        ProbeResult,
        LocalService,
        ServiceFault,
        MetricDatum,
        Span,
        Trace,
        TraceList,
        TraceQuery,
        TracesQuery,
        Waterfall,
        DateTime<Utc>,
        Utc,
        TimeDelta,
        Json,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameable_types_map_definition_paths_to_prelude_paths() {
        let types: std::collections::HashMap<String, String> =
            nameable_types().into_iter().collect();
        assert_eq!(
            types["playbook::model::series::Series"],
            "::playbook::prelude::Series"
        );
        assert_eq!(
            types["chrono::datetime::DateTime"],
            "::playbook::prelude::DateTime"
        );
        assert_eq!(
            types["chrono::offset::utc::Utc"],
            "::playbook::prelude::Utc"
        );
        assert_eq!(
            types["serde_json::value::Value"],
            "::playbook::prelude::Json"
        );
        assert!(types.keys().all(|path| !path.contains('<')));
    }
}
