use super::*;
use crate::render::Render;

fn window() -> TimeRange {
    TimeRange::parse("2026-11-12T14:00:00Z..2026-11-12T14:05:00Z").unwrap()
}

fn at(minute: i64) -> DateTime<Utc> {
    window().start + TimeDelta::minutes(minute)
}

fn report() -> TopContributors {
    TopContributors {
        rule: "checkout-5xx".into(),
        window: window(),
        period: 60,
        key_labels: vec!["route".into(), "error".into()],
        aggregation: "Count".into(),
        order_by: ContributorOrder::Sum,
        total: Some(40.0),
        unique_contributors: Some(3),
        contributors: vec![
            Contributor {
                keys: vec!["/api/cart".into(), "Timeout".into()],
                value: 10.0,
                points: vec![(at(1), 10.0)],
            },
            Contributor {
                keys: vec!["/api/payment".into(), "<ECONNRESET>".into()],
                value: 30.0,
                points: vec![(at(0), 12.0), (at(3), 18.0)],
            },
        ],
        notes: Vec::new(),
    }
}

#[test]
fn contributors_rank_highest_first_with_their_share_of_the_total() {
    let mut r = report();
    r.sort();
    assert_eq!(r.first().unwrap().keys[0], "/api/payment");
    assert_eq!(r.share(30.0), Some(75.0));
    let bundle = r.bundle();
    let text = bundle.data["text/plain"].as_str().unwrap();
    assert!(
        text.starts_with(
            "top 2 of 3 contributors · rule checkout-5xx (Count) · ranked by their sum"
        ),
        "{text}"
    );
    assert!(
        text.contains("75.0%  /api/payment · <ECONNRESET>"),
        "{text}"
    );
    let html = bundle.data["text/html"].as_str().unwrap();
    assert!(
        html.contains("<th>route</th><th>error</th><th>count</th>"),
        "{html}"
    );
    assert!(html.contains("&lt;ECONNRESET&gt;"), "{html}");
    assert!(bundle.data.contains_key("image/svg+xml"));
    r.order_by = ContributorOrder::Maximum;
    assert_eq!(r.share(30.0), None);
    let html = r.bundle().data["text/html"].as_str().unwrap().to_owned();
    assert!(
        html.contains("<th>highest count in a period</th>"),
        "{html}"
    );
}

#[test]
fn series_have_a_point_per_period_and_zero_where_a_contributor_was_quiet() {
    let set = report().series();
    assert_eq!(set.len(), 2);
    let payment = set.get("/api/payment · <ECONNRESET>").unwrap();
    assert_eq!(payment.timestamps.len(), 5);
    assert_eq!(
        payment.values,
        vec![Some(12.0), Some(0.0), Some(0.0), Some(18.0), Some(0.0)]
    );
}

#[test]
fn the_service_limits_are_checked_before_asking() {
    assert!(contributors("r").validate().is_ok());
    let err = contributors("r").top(0).validate().unwrap_err();
    assert!(err.contains("1 to 100"), "{err}");
    assert!(contributors("r").top(101).validate().is_err());
    assert!(contributors("").validate().is_err());
    assert!(contributors("règle").validate().is_err());
    assert!(contributors(&"x".repeat(129)).validate().is_err());
    assert_eq!("MAX".parse(), Ok(ContributorOrder::Maximum));
    assert!("avg".parse::<ContributorOrder>().is_err());
}

#[test]
fn periods_are_whole_minutes_and_default_to_a_readable_number_of_points() {
    let hour = TimeRange::parse("2026-11-12T14:00:00Z..2026-11-12T15:00:00Z").unwrap();
    assert_eq!(report_period(None, &hour), 60);
    assert_eq!(report_period(Some(90), &hour), 120);
    assert_eq!(report_period(Some(0), &hour), 60);
    let day = TimeRange::parse("2026-11-12T00:00:00Z..2026-11-13T00:00:00Z").unwrap();
    assert_eq!(report_period(None, &day), 900);
    let year = TimeRange::parse("2025-11-12T00:00:00Z..2026-11-12T00:00:00Z").unwrap();
    assert_eq!(report_period(None, &year), 86_400);
}
