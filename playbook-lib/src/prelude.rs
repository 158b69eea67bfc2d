//! What every playbook cell has in scope (`use playbook::prelude::*;`).

pub use crate::alarms::{Alarm, AlarmChange, AlarmReport, AlarmsQuery, alarms};
pub use crate::analysis::{ChangePoint, Lagged, change_point, correlation, lagged_correlation};
pub use crate::baseline::{
    Anomaly, Band, Excursion, Ranking, Seasonality, anomalies, baseline_shifted, deviations, onset,
    rank_candidates, seasonal_band,
};
pub use crate::chart::{LineChart, Waterfall};
pub use crate::check;
pub use crate::check::{Check, CheckResult, CheckTable, Verdict, checks};
pub use crate::context::{SessionContext, context, echo, parameter};
pub use crate::contributors::{
    Contributor, ContributorOrder, ContributorsQuery, TopContributors, contributors,
};
pub use crate::display::DebugDisplay as _;
pub use crate::display::{DisplayHandle, Html, MimeBundle, Render, Svg, clear_output, display};
pub use crate::error::{Error as PlaybookError, Result as PlaybookResult};
pub use crate::input::{ask, ask_password, confirm};
pub use crate::inventory::{AnomalyDetector, LogGroupInfo, anomaly_detectors, log_group_settings};
pub use crate::local_service::{LocalService, ServiceFault};
pub use crate::log_anomalies::{LogAnomalies, LogAnomaliesQuery, LogAnomaly, log_anomalies};
pub use crate::log_table::{Cell, LogTable, QueryStatistics};
pub use crate::logs_query::QueryLanguage;
pub use crate::probe::{Probe, ProbeReport, ProbeResult, probe, probe_all};
pub use crate::publish::{MetricDatum, publish_metric};
pub use crate::query::{
    FilterQuery, LogsQuery, MetricId, MetricQuery, MetricSearch, Windowed, anomaly_band,
    fetch_many, filter_log_events, list_metrics, logs_insights, metric, metric_expression,
    set_window,
};
pub use crate::record::{QueryRecord, queries};
pub use crate::series::{Series, Summary, percentile};
pub use crate::series_set::SeriesSet;
pub use crate::source::{AwsTarget, Source, set_source};
pub use crate::span::Span;
pub use crate::statistic::Statistic;
pub use crate::time_range::TimeRange;
pub use crate::trace::Trace;
pub use crate::traces::{TraceList, TraceQuery, TracesQuery, trace, traces};
pub use crate::transform::{Aggregate, top_n};
pub use chrono::{DateTime, Datelike, Duration as TimeDelta, Timelike, Utc};
pub use serde_json::{Value as Json, json};

/// The prelude's types as `std::any::type_name` names them (without generic arguments),
/// each with the path a cell can write. The kernel gives them to evcxr, so a cell's
/// variable of one of these types is kept, with its type, before rust-analyzer has
/// analysed the library (the first seconds of a kernel).
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
            types["playbook::series::Series"],
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
