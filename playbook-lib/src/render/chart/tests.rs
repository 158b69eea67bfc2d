//! Tests of the charts: the SVG is well-formed XML (checked by a small parser below, to
//! need no dependency), and exact counts of what is drawn.

use chrono::{DateTime, TimeZone, Utc};

use super::LineChart;
use super::axis::nice_ticks;
use super::lines::downsample;
use super::overlay::{text_width, truncate};
use super::time_axis::{TimeStep, time_step};
use crate::model::series::Series;

const START: i64 = 1_764_151_200;

fn at(minute: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(START + minute * 60, 0).unwrap()
}

fn minute_series(label: &str, minutes: i64, f: impl Fn(i64) -> Option<f64>) -> Series {
    Series::from_points(label, Some("ms"), (0..minutes).map(|m| (at(m), f(m))))
}

/// An element of a parsed document: its name, attributes (unescaped) and own text.
#[derive(Debug)]
pub(super) struct Element {
    pub(super) name: String,
    attrs: Vec<(String, String)>,
    pub(super) text: String,
}

impl Element {
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn num(&self, name: &str) -> f64 {
        self.attr(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{} has no numeric {name}", self.name))
    }

    pub(super) fn class(&self) -> &str {
        self.attr("class").unwrap_or("")
    }
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "-_:.".contains(c))
}

/// Character data must not hold `<`, and `&` only as an entity.
fn check_text(text: &str) -> Result<(), String> {
    if text.contains('<') {
        return Err(format!("`<` in {text:?}"));
    }
    for (i, _) in text.match_indices('&') {
        let rest = &text[i + 1..];
        let end = rest.find(';').ok_or(format!("bare & in {text:?}"))?;
        let entity = &rest[..end];
        let numeric = entity
            .strip_prefix('#')
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if !numeric && !["amp", "lt", "gt", "quot", "apos"].contains(&entity) {
            return Err(format!("unknown entity &{entity}; in {text:?}"));
        }
    }
    Ok(())
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Parses `xml` as a well-formed document with one root (no prolog, comments or CDATA,
/// which the charts do not write), returning its elements in document order.
// long: being rewritten by the cell library's floors (issue 26)
fn parse(xml: &str) -> Result<Vec<Element>, String> {
    let mut elements: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut roots = 0;
    let mut rest = xml;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').ok_or("unterminated end tag")?;
            let name = after[..end].trim_end();
            let start = open.pop().ok_or(format!("</{name}> closes nothing"))?;
            if elements[start].name != name {
                return Err(format!("<{}> closed by </{name}>", elements[start].name));
            }
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let name_end = after
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .ok_or("unterminated start tag")?;
            let name = &after[..name_end];
            if !is_name(name) {
                return Err(format!("bad element name {name:?}"));
            }
            if open.is_empty() {
                roots += 1;
            }
            let mut element = Element {
                name: name.to_owned(),
                attrs: Vec::new(),
                text: String::new(),
            };
            let mut s = &after[name_end..];
            let self_closing = loop {
                let trimmed = s.trim_start();
                if let Some(r) = trimmed.strip_prefix("/>") {
                    s = r;
                    break true;
                }
                if let Some(r) = trimmed.strip_prefix('>') {
                    s = r;
                    break false;
                }
                if trimmed.len() == s.len() {
                    return Err(format!("no space before an attribute of <{name}>"));
                }
                let eq = trimmed
                    .find('=')
                    .ok_or(format!("attribute without value in <{name}>"))?;
                let attr = trimmed[..eq].trim_end();
                if !is_name(attr) || element.attr(attr).is_some() {
                    return Err(format!("bad or repeated attribute {attr:?} in <{name}>"));
                }
                let value = trimmed[eq + 1..]
                    .trim_start()
                    .strip_prefix('"')
                    .ok_or(format!("unquoted {attr} in <{name}>"))?;
                let close = value.find('"').ok_or("unterminated attribute value")?;
                check_text(&value[..close])?;
                element
                    .attrs
                    .push((attr.to_owned(), unescape(&value[..close])));
                s = &value[close + 1..];
            };
            elements.push(element);
            if !self_closing {
                open.push(elements.len() - 1);
            }
            rest = s;
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            check_text(text)?;
            match open.last() {
                Some(i) => elements[*i].text.push_str(&unescape(text)),
                None if !text.trim().is_empty() => {
                    return Err(format!("text outside the root: {text:?}"));
                }
                None => {}
            }
            rest = &rest[end..];
        }
    }
    if let Some(i) = open.last() {
        return Err(format!("<{}> is never closed", elements[*i].name));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(elements)
}

pub(super) fn elements(svg: &str) -> Vec<Element> {
    parse(svg).unwrap_or_else(|e| panic!("not well-formed: {e}\n{svg}"))
}

fn count(elements: &[Element], name: &str, class: &str) -> usize {
    elements
        .iter()
        .filter(|e| e.name == name && e.class() == class)
        .count()
}

/// The plot's border: `(left, top, right, bottom)`.
fn plot_area(elements: &[Element]) -> (f64, f64, f64, f64) {
    let frame = elements
        .iter()
        .rfind(|e| e.name == "rect" && e.attr("stroke") == Some("#999"))
        .expect("a plot border");
    let (x, y) = (frame.num("x"), frame.num("y"));
    (x, y, x + frame.num("width"), y + frame.num("height"))
}

/// A band around a 60-minute series, missing where `gap` says.
fn band_bounds(gap: impl Fn(i64) -> bool) -> (Series, Series) {
    let lower = minute_series("lower", 60, |m| (!gap(m)).then_some(80.0));
    let upper = minute_series("upper", 60, |m| Some(120.0 + m as f64));
    (lower, upper)
}

#[test]
fn the_checker_rejects_malformed_xml() {
    assert!(parse("<svg><g></svg>").is_err());
    assert!(parse("<svg>a & b</svg>").is_err());
    assert!(parse("<svg x=\"<\"/>").is_err());
    assert!(parse("<svg x=\"1\"x=\"2\"/>").is_err());
    assert!(parse("<svg/><svg/>").is_err());
    assert!(parse("<svg><text>a &amp; b &#8230;</text></svg>").is_ok());
}

#[test]
fn one_group_per_series_and_a_legend() {
    let svg = LineChart::new("latency <p99>")
        .series(minute_series("p50", 60, |m| Some(100.0 + m as f64)))
        .series(minute_series("p99 & co", 60, |m| Some(300.0 - m as f64)))
        .svg();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>"));
    assert_eq!(svg.matches("<g class=\"series\"").count(), 2);
    assert!(svg.contains("latency &lt;p99&gt;"));
    assert!(svg.contains("p99 &amp; co (ms)"));
    assert!(svg.contains(">UTC<"));
    elements(&svg);
}

#[test]
fn missing_points_break_the_line() {
    let svg = LineChart::new("gaps")
        .series(minute_series("x", 10, |m| {
            (m != 4).then_some(1.0 + m as f64)
        }))
        .svg();
    assert_eq!(svg.matches("<polyline").count(), 2);
}

#[test]
fn a_band_is_drawn_beneath_the_lines_and_in_the_legend() {
    let (lower, upper) = band_bounds(|_| false);
    let svg = LineChart::new("band")
        .band("normal <range>", &lower, &upper)
        .series(minute_series("p99", 60, |m| Some(100.0 + m as f64)))
        .svg();
    let all = elements(&svg);
    assert_eq!(count(&all, "path", "band"), 1);
    assert_eq!(svg.matches("<path").count(), 1);
    assert_eq!(svg.matches("<polyline").count(), 1);
    let band = svg.find("<path").unwrap();
    assert!(
        band < svg.find("<polyline").unwrap(),
        "the band is beneath the line"
    );
    let path = all.iter().find(|e| e.name == "path").unwrap();
    assert!(path.num("fill-opacity") < 1.0);
    // 60 points along the upper bound and 60 back along the lower one.
    let d = path.attr("d").unwrap();
    assert!(d.starts_with('M') && d.ends_with('Z'));
    assert_eq!(d.matches(',').count(), 120);
    // The legend: a shaded swatch and the label, escaped.
    let swatches: Vec<_> = all
        .iter()
        .filter(|e| e.name == "rect" && e.attr("fill-opacity").is_some())
        .collect();
    assert_eq!(swatches.len(), 1);
    assert!(svg.contains(">normal &lt;range&gt;</text>"));
    assert!(all.iter().any(|e| e.name == "text" && e.text == "p99 (ms)"));
}

#[test]
fn a_missing_bound_breaks_the_band() {
    let (lower, upper) = band_bounds(|m| m == 20);
    let svg = LineChart::new("gap").band("normal", &lower, &upper).svg();
    assert_eq!(count(&elements(&svg), "path", "band"), 2);

    // A gap in the upper bound too, and a point only one bound has.
    let (lower, mut upper) = band_bounds(|m| m == 20);
    upper.values[40] = None;
    upper.timestamps.push(at(90));
    upper.values.push(Some(1.0));
    let svg = LineChart::new("gaps").band("normal", &lower, &upper).svg();
    assert_eq!(count(&elements(&svg), "path", "band"), 3);
}

#[test]
fn annotations_are_dashed_lines_with_escaped_labels() {
    let svg = LineChart::new("incident")
        .series(minute_series("errors", 120, |m| Some(m as f64)))
        .annotate(at(10), "deploy <v2> & \"canary\"")
        .annotate(at(60), "alarm → ALARM")
        .annotate(at(100), "rollback")
        .annotate(at(500), "outside the chart")
        .svg();
    let all = elements(&svg);
    assert_eq!(count(&all, "line", "annotation"), 3);
    let labels: Vec<&str> = all
        .iter()
        .filter(|e| e.class() == "annotation-label")
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        labels,
        ["deploy <v2> & \"canary\"", "alarm → ALARM", "rollback"]
    );
    assert!(svg.contains(">deploy &lt;v2&gt; &amp; &quot;canary&quot;</text>"));
    assert!(!svg.contains("<v2>"));
    assert!(!svg.contains("outside the chart"));
    for line in all.iter().filter(|e| e.class() == "annotation") {
        assert_eq!(line.attr("stroke-dasharray"), Some("4 3"));
        assert_eq!(line.num("x1"), line.num("x2"));
    }
}

#[test]
fn close_annotations_are_staggered_and_long_ones_shortened() {
    let long = "deploy of build 2025-11-26.4 to every region, with the new connection pool";
    let svg = LineChart::new("incident")
        .series(minute_series("errors", 120, |m| Some(m as f64)))
        .annotate(at(30), "deploy A")
        .annotate(at(31), "deploy B")
        .annotate(at(32), "deploy C")
        .annotate(at(33), "deploy D")
        .annotate(at(119), long)
        .svg();
    let all = elements(&svg);
    let (left, top, right, _) = plot_area(&all);
    assert_eq!(count(&all, "line", "annotation"), 5);
    let labels: Vec<&Element> = all
        .iter()
        .filter(|e| e.class() == "annotation-label")
        .collect();
    // Three rows above the plot; the fourth close label does not fit and is left out
    // (its line keeps it as a tooltip); the long one fits the first row again.
    let rows: Vec<f64> = labels.iter().map(|e| e.num("y")).collect();
    assert_eq!(labels.len(), 4);
    assert!(rows[0] > rows[1] && rows[1] > rows[2] && rows[3] == rows[0]);
    assert!(rows.iter().all(|y| *y < top && *y > 20.0));
    assert!(svg.contains("<title>deploy D (2025-11-26 10:33:00 UTC)</title>"));
    // The long label near the right edge: shortened, to the left of its line, inside
    // the plot, with the full text as a tooltip.
    let shortened = labels[3];
    assert!(shortened.text.ends_with('…'));
    assert_eq!(shortened.attr("text-anchor"), Some("end"));
    assert!(shortened.num("x") - text_width(&shortened.text, 10.0) >= left);
    assert!(shortened.num("x") <= right);
    assert!(svg.contains(&format!("<title>{long}</title>")));
}

#[test]
fn marks_are_drawn_over_the_lines_with_a_tooltip() {
    let svg = LineChart::new("anomalies")
        .series(minute_series("p99", 60, |m| Some(100.0 + m as f64)))
        .mark(at(12), 480.0, "4.2× normal <z 6.1>")
        .mark(at(40), 150.0, "change point")
        .mark(at(600), 1.0e6, "outside")
        .svg();
    let all = elements(&svg);
    let (_, top, _, bottom) = plot_area(&all);
    let marks: Vec<&Element> = all.iter().filter(|e| e.class() == "mark").collect();
    assert_eq!(marks.len(), 2);
    assert!(marks.iter().all(|m| m.name == "circle"));
    assert!(svg.rfind("<polyline").unwrap() < svg.find("<circle").unwrap());
    assert!(
        svg.contains("<title>4.2× normal &lt;z 6.1&gt;: 480 at 2025-11-26 10:12:00 UTC</title>")
    );
    // The y axis reaches the highest mark (the one outside the time span is ignored).
    assert!(marks.iter().all(|m| (top..=bottom).contains(&m.num("cy"))));
    assert!(!svg.contains("outside"));
}

#[test]
fn thresholds_are_dashed_lines_labelled_at_the_right_within_the_range() {
    let svg = LineChart::new("latency")
        .series(minute_series("p99", 60, |m| Some(0.1 + m as f64 / 1000.0)))
        .threshold(0.5, "p99 target 0.5 s")
        .threshold(-0.2, "floor & <min>")
        .svg();
    let all = elements(&svg);
    let (left, top, right, bottom) = plot_area(&all);
    assert_eq!(count(&all, "line", "threshold"), 2);
    for line in all.iter().filter(|e| e.class() == "threshold") {
        assert_eq!((line.num("x1"), line.num("x2")), (left, right));
        assert!((top..=bottom).contains(&line.num("y1")));
    }
    let labels: Vec<&Element> = all
        .iter()
        .filter(|e| e.class() == "threshold-label")
        .collect();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[0].text, "p99 target 0.5 s");
    assert_eq!(labels[0].attr("text-anchor"), Some("end"));
    assert!(labels[0].num("x") <= right);
    assert!(svg.contains(">floor &amp; &lt;min&gt;</text>"));
}

#[test]
fn the_value_range_includes_bands_marks_and_thresholds() {
    let (lower, upper) = band_bounds(|_| false);
    let svg = LineChart::new("range")
        .series(minute_series("x", 60, |m| Some(100.0 + m as f64 / 10.0)))
        .band("normal", &lower, &upper)
        .mark(at(5), 400.0, "spike")
        .threshold(-50.0, "floor")
        .svg();
    let all = elements(&svg);
    let (_, top, _, bottom) = plot_area(&all);
    let inside = |y: f64| (top - 0.05..=bottom + 0.05).contains(&y);
    let path = all.iter().find(|e| e.name == "path").unwrap();
    for pair in path.attr("d").unwrap().trim_matches(['M', 'Z']).split(' ') {
        let y: f64 = pair.split(',').nth(1).unwrap().parse().unwrap();
        assert!(inside(y), "{y} outside {top}..{bottom}");
    }
    let lowest_tick: f64 = all
        .iter()
        .filter(|e| e.name == "text" && e.attr("text-anchor") == Some("end"))
        .filter_map(|e| e.text.parse().ok())
        .fold(f64::INFINITY, f64::min);
    assert!(lowest_tick <= -50.0);
    assert!(inside(
        all.iter().find(|e| e.class() == "mark").unwrap().num("cy")
    ));
}

#[test]
fn everything_together_has_the_exact_elements() {
    let (lower, upper) = band_bounds(|m| m == 30);
    let svg = LineChart::new("all")
        .band("normal", &lower, &upper)
        .series(minute_series("a", 60, |m| (m != 10).then_some(100.0)))
        .series(minute_series("b", 60, |m| Some(90.0 + m as f64)))
        .annotate(at(15), "deploy")
        .annotate(at(45), "rollback")
        .mark(at(20), 150.0, "anomaly")
        .threshold(130.0, "limit")
        .svg();
    let all = elements(&svg);
    assert_eq!(svg.matches("<polyline").count(), 3);
    assert_eq!(svg.matches("<path").count(), 2);
    assert_eq!(count(&all, "path", "band"), 2);
    assert_eq!(count(&all, "circle", "mark"), 1);
    assert_eq!(count(&all, "line", "annotation"), 2);
    assert_eq!(count(&all, "text", "annotation-label"), 2);
    assert_eq!(count(&all, "line", "threshold"), 1);
    assert_eq!(count(&all, "g", "series"), 2);
    assert!(!svg.contains("<script") && !svg.contains("@import") && !svg.contains("href"));
}

#[test]
fn a_long_legend_wraps_inside_the_chart() {
    let mut chart = LineChart::new("many");
    for k in 0..8 {
        let label = format!("service-{k} p99 latency across every availability zone");
        chart = chart.series(minute_series(&label, 30, move |m| Some((m * k) as f64)));
    }
    let svg = chart.size(480, 300).svg();
    let all = elements(&svg);
    let (_, _, _, bottom) = plot_area(&all);
    let legend: Vec<&Element> = all
        .iter()
        .filter(|e| e.name == "text" && e.text.starts_with("service-"))
        .collect();
    assert_eq!(legend.len(), 8);
    for text in &legend {
        assert!(text.num("x") + text_width(&text.text, 11.0) <= 480.0 - 16.0);
        assert!(text.num("y") > bottom + 14.0 && text.num("y") < 300.0);
    }
    let rows: std::collections::BTreeSet<i64> = legend.iter().map(|e| e.num("y") as i64).collect();
    assert!(rows.len() > 1);
}

#[test]
fn labels_are_shortened_to_fit() {
    assert_eq!(
        truncate("deploy", 100.0, 10.0),
        ("deploy".to_owned(), false)
    );
    let (short, shortened) = truncate("a rather long annotation label", 60.0, 10.0);
    assert!(shortened && short.ends_with('…'));
    assert!(text_width(&short, 10.0) <= 60.0);
    assert_eq!(truncate("anything", 2.0, 10.0), (String::new(), true));
}

#[test]
fn six_hours_of_five_minute_series_stay_small() {
    let mut chart = LineChart::new("6 h at 1 min");
    for k in 0..5 {
        chart = chart.series(minute_series(&format!("s{k}"), 360, |m| {
            Some(((m * (k + 3)) % 97) as f64)
        }));
    }
    let svg = chart.svg();
    assert!(svg.len() < 100_000, "{} bytes", svg.len());
}

#[test]
fn six_hours_with_a_band_and_annotations_stay_small() {
    let mut chart = LineChart::new("6 h at 1 min, band, annotations");
    for k in 0..5 {
        chart = chart.series(minute_series(&format!("s{k}"), 360, |m| {
            Some(((m * (k + 3)) % 97) as f64 + 0.123_456)
        }));
    }
    let lower = minute_series("lower", 360, |m| Some(20.0 + (m % 7) as f64));
    let upper = minute_series("upper", 360, |m| Some(70.0 + (m % 11) as f64));
    let chart = chart
        .band("normal range", &lower, &upper)
        .annotate(at(60), "deploy 1234")
        .annotate(at(200), "alarm ALARM")
        .annotate(at(260), "rollback")
        .mark(at(100), 96.0, "anomaly")
        .threshold(90.0, "target");
    let svg = chart.svg();
    elements(&svg);
    eprintln!("6 h × 5 series + band + 3 annotations: {} bytes", svg.len());
    assert!(svg.len() < 100_000, "{} bytes", svg.len());

    // A day at one second is downsampled: lines and band alike.
    let day = |label: &str, base: f64| {
        Series::from_points(
            label,
            None,
            (0..86_400).map(|s| {
                let t = Utc.timestamp_opt(START + s, 0).unwrap();
                (t, Some(base + (s % 113) as f64))
            }),
        )
    };
    let svg = LineChart::new("a day at 1 s")
        .series(day("x", 50.0))
        .band("normal", &day("lo", 0.0), &day("hi", 200.0))
        .svg();
    elements(&svg);
    eprintln!("a day at 1 s with a band: {} bytes", svg.len());
    assert!(svg.len() < 60_000, "{} bytes", svg.len());
}

#[test]
fn downsampling_keeps_spikes() {
    let points: Vec<(i64, f64)> = (0..10_000)
        .map(|t| (t, if t == 5_000 { 999.0 } else { 1.0 }))
        .collect();
    let shown = downsample(&points, 100, 0, 9_999);
    assert!(shown.len() <= 200);
    assert!(shown.iter().any(|p| p.1 == 999.0));
}

#[test]
fn ticks_are_round() {
    let (ticks, step) = nice_ticks(97.0, 312.0, 5);
    assert_eq!(step, 50.0);
    assert_eq!(ticks.first(), Some(&50.0));
    assert_eq!(time_step(6 * 3600), (TimeStep::Seconds(3600), "%H:%M"));
    assert_eq!(time_step(14 * 86400).0, TimeStep::Seconds(2 * 86400));
}

#[test]
fn an_empty_chart_says_so() {
    assert!(LineChart::new("nothing").svg().contains("no data"));
    let only_overlays = LineChart::new("nothing")
        .annotate(at(0), "deploy")
        .threshold(1.0, "limit")
        .mark(at(0), 1.0, "x")
        .svg();
    assert!(only_overlays.contains("no data"));
    elements(&only_overlays);
}

#[test]
fn baselines_are_muted_and_thresholds_dashed_neutral_in_a_colour_blind_safe_palette() {
    let svg = LineChart::new("p99: now vs a week ago")
        .series(minute_series("p99", 60, |m| Some(100.0 + m as f64)))
        .baseline(minute_series("p99 (1 week earlier)", 60, |m| {
            Some(90.0 + m as f64)
        }))
        .threshold(150.0, "target")
        .svg();
    let all = elements(&svg);
    let groups: Vec<&Element> = all.iter().filter(|e| e.name == "g").collect();
    // The baseline is drawn first (beneath), grey, thinner and fainter than the series.
    assert_eq!(groups[0].class(), "series baseline");
    assert_eq!(groups[0].attr("stroke"), Some(super::BASELINE_PALETTE[0]));
    assert_eq!(groups[0].attr("stroke-width"), Some("1.25"));
    assert_eq!(groups[1].class(), "series");
    assert_eq!(groups[1].attr("stroke"), Some(super::PALETTE[0]));
    // The threshold: dashed, a dark neutral that is no series' and no baseline's colour.
    let threshold = all.iter().find(|e| e.class() == "threshold").unwrap();
    assert_eq!(threshold.attr("stroke-dasharray"), Some("6 4"));
    let neutral = super::overlay::THRESHOLD_COLOR;
    assert_eq!(threshold.attr("stroke"), Some(neutral));
    assert!(!super::PALETTE.contains(&neutral) && !super::BASELINE_PALETTE.contains(&neutral));
    // Okabe and Ito's set: no red-green pair, no series in a baseline's grey.
    for red_or_green in ["#d62728", "#2ca02c", "#b22222", "#ff0000", "#00ff00"] {
        assert!(!svg.contains(red_or_green), "{red_or_green} in {svg}");
    }
    for grey in super::BASELINE_PALETTE {
        assert!(!super::PALETTE.contains(&grey));
    }
    // The legend says which is which: the baseline's swatch is its grey.
    let swatches: Vec<&str> = (all.iter())
        .filter(|e| e.name == "rect" && e.attr("width") == Some("10"))
        .filter_map(|e| e.attr("fill"))
        .collect();
    assert_eq!(swatches, [super::PALETTE[0], super::BASELINE_PALETTE[0]]);
}

#[test]
fn a_baseline_does_not_change_the_colours_of_the_series() {
    let with = LineChart::new("x")
        .baseline(minute_series("a week ago", 10, |m| Some(m as f64)))
        .series(minute_series("now", 10, |m| Some(m as f64)))
        .series(minute_series("other", 10, |m| Some(2.0 * m as f64)))
        .svg();
    let strokes: Vec<String> = (elements(&with).iter())
        .filter(|e| e.name == "g")
        .filter_map(|e| e.attr("stroke").map(str::to_owned))
        .collect();
    assert_eq!(
        strokes,
        [
            super::BASELINE_PALETTE[0],
            super::PALETTE[0],
            super::PALETTE[1]
        ]
    );
}
