//! Metric statistics as CloudWatch names them (`Average`, `Sum`, `p99`, `tm90`, …), and
//! how to compute them over raw samples (what the local source does).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};

/// A statistic of a metric over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Statistic {
    Average,
    Sum,
    Minimum,
    Maximum,
    SampleCount,
    /// `pNN`: the NN-th percentile.
    Percentile(f64),
    /// `tmNN`: the mean of the values up to the NN-th percentile.
    TrimmedMean(f64),
    /// Another CloudWatch extended statistic (`wm99`, `TC(10%:90%)`, `IQM`, …), passed
    /// through to CloudWatch as written.
    Extended(String),
}

impl FromStr for Statistic {
    type Err = Error;

    fn from_str(text: &str) -> Result<Statistic> {
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        let stat = match lower.as_str() {
            "average" | "avg" | "mean" => Statistic::Average,
            "sum" => Statistic::Sum,
            "minimum" | "min" => Statistic::Minimum,
            "maximum" | "max" => Statistic::Maximum,
            "samplecount" | "count" => Statistic::SampleCount,
            _ => {
                if let Some(p) = lower.strip_prefix("tm").and_then(percent) {
                    Statistic::TrimmedMean(p)
                } else if let Some(p) = lower.strip_prefix('p').and_then(percent) {
                    Statistic::Percentile(p)
                } else if is_extended(&lower) {
                    Statistic::Extended(trimmed.to_owned())
                } else {
                    return Err(Error::InvalidInput(format!(
                        "`{trimmed}` is not a statistic: use Average, Sum, Minimum, Maximum, \
                         SampleCount, a percentile like p99 or p99.9, or a trimmed mean like tm90"
                    )));
                }
            }
        };
        Ok(stat)
    }
}

fn percent(text: &str) -> Option<f64> {
    let value: f64 = text.parse().ok()?;
    (value > 0.0 && value <= 100.0).then_some(value)
}

fn is_extended(lower: &str) -> bool {
    lower == "iqm"
        || ["wm", "tc", "ts", "pr", "tm("]
            .iter()
            .any(|prefix| lower.starts_with(prefix) && lower.len() > prefix.len())
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statistic::Average => f.write_str("Average"),
            Statistic::Sum => f.write_str("Sum"),
            Statistic::Minimum => f.write_str("Minimum"),
            Statistic::Maximum => f.write_str("Maximum"),
            Statistic::SampleCount => f.write_str("SampleCount"),
            Statistic::Percentile(p) => write!(f, "p{p}"),
            Statistic::TrimmedMean(p) => write!(f, "tm{p}"),
            Statistic::Extended(text) => f.write_str(text),
        }
    }
}

impl From<Statistic> for String {
    fn from(stat: Statistic) -> String {
        stat.to_string()
    }
}

impl TryFrom<String> for Statistic {
    type Error = Error;

    fn try_from(text: String) -> Result<Statistic> {
        text.parse()
    }
}

impl Statistic {
    /// Computes the statistic over samples weighted by counts (PutMetricData's
    /// `Values`/`Counts`); `None` when there are no samples or the statistic is one only
    /// CloudWatch computes.
    ///
    /// Percentiles use the nearest rank over the weighted samples: the smallest value
    /// with at least NN % of the total count at or below it.
    pub fn compute(&self, samples: &mut [(f64, f64)]) -> Option<f64> {
        let count: f64 = samples.iter().map(|(_, c)| c).sum();
        if samples.is_empty() || count <= 0.0 {
            return None;
        }
        let sum: f64 = samples.iter().map(|(v, c)| v * c).sum();
        match self {
            Statistic::Average => Some(sum / count),
            Statistic::Sum => Some(sum),
            Statistic::Minimum => samples.iter().map(|(v, _)| *v).reduce(f64::min),
            Statistic::Maximum => samples.iter().map(|(v, _)| *v).reduce(f64::max),
            Statistic::SampleCount => Some(count),
            Statistic::Percentile(p) => {
                samples.sort_by(|a, b| a.0.total_cmp(&b.0));
                nearest_rank(samples, count, *p)
            }
            Statistic::TrimmedMean(p) => {
                samples.sort_by(|a, b| a.0.total_cmp(&b.0));
                let limit = count * p / 100.0;
                let (mut taken, mut total) = (0.0, 0.0);
                for (value, weight) in samples.iter() {
                    let take = weight.min(limit - taken);
                    if take <= 0.0 {
                        break;
                    }
                    taken += take;
                    total += value * take;
                }
                (taken > 0.0).then(|| total / taken)
            }
            Statistic::Extended(_) => None,
        }
    }
}

fn nearest_rank(sorted: &[(f64, f64)], count: f64, p: f64) -> Option<f64> {
    let rank = (p / 100.0 * count).ceil().max(1.0);
    let mut seen = 0.0;
    for (value, weight) in sorted {
        seen += weight;
        if seen >= rank {
            return Some(*value);
        }
    }
    sorted.last().map(|(v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(values: &[f64]) -> Vec<(f64, f64)> {
        values.iter().map(|v| (*v, 1.0)).collect()
    }

    #[test]
    fn names_parse_in_cloudwatch_and_short_forms() {
        assert_eq!("Average".parse::<Statistic>().unwrap(), Statistic::Average);
        assert_eq!("avg".parse::<Statistic>().unwrap(), Statistic::Average);
        assert_eq!(
            "SampleCount".parse::<Statistic>().unwrap(),
            Statistic::SampleCount
        );
        assert_eq!(
            "p99".parse::<Statistic>().unwrap(),
            Statistic::Percentile(99.0)
        );
        assert_eq!(
            "P99.9".parse::<Statistic>().unwrap(),
            Statistic::Percentile(99.9)
        );
        assert_eq!(
            "tm90".parse::<Statistic>().unwrap(),
            Statistic::TrimmedMean(90.0)
        );
        assert_eq!(
            "TC(10%:90%)".parse::<Statistic>().unwrap(),
            Statistic::Extended("TC(10%:90%)".into())
        );
        assert_eq!(Statistic::Percentile(99.9).to_string(), "p99.9");
        let err = "p101".parse::<Statistic>().unwrap_err().to_string();
        assert!(err.contains("`p101` is not a statistic"), "{err}");
        assert!("median".parse::<Statistic>().is_err());
    }

    #[test]
    fn standard_statistics_on_weighted_samples() {
        let mut data = vec![(1.0, 2.0), (4.0, 1.0), (10.0, 1.0)];
        assert_eq!(Statistic::SampleCount.compute(&mut data), Some(4.0));
        assert_eq!(Statistic::Sum.compute(&mut data), Some(16.0));
        assert_eq!(Statistic::Average.compute(&mut data), Some(4.0));
        assert_eq!(Statistic::Minimum.compute(&mut data), Some(1.0));
        assert_eq!(Statistic::Maximum.compute(&mut data), Some(10.0));
        assert_eq!(Statistic::Sum.compute(&mut []), None);
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut data = samples(&[5.0, 1.0, 4.0, 2.0, 3.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        assert_eq!(Statistic::Percentile(50.0).compute(&mut data), Some(5.0));
        assert_eq!(Statistic::Percentile(90.0).compute(&mut data), Some(9.0));
        assert_eq!(Statistic::Percentile(99.0).compute(&mut data), Some(10.0));
        assert_eq!(Statistic::Percentile(10.0).compute(&mut data), Some(1.0));
        let mut weighted = vec![(0.1, 98.0), (2.0, 2.0)];
        assert_eq!(
            Statistic::Percentile(98.0).compute(&mut weighted),
            Some(0.1)
        );
        assert_eq!(
            Statistic::Percentile(99.0).compute(&mut weighted),
            Some(2.0)
        );
    }

    #[test]
    fn trimmed_mean_drops_the_top() {
        let mut data = samples(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!(Statistic::TrimmedMean(80.0).compute(&mut data), Some(2.5));
        assert_eq!(Statistic::Extended("IQM".into()).compute(&mut data), None);
    }

    #[test]
    fn statistics_serialise_as_their_names() {
        let json = serde_json::to_string(&Statistic::Percentile(99.0)).unwrap();
        assert_eq!(json, "\"p99\"");
        let back: Statistic = serde_json::from_str("\"Maximum\"").unwrap();
        assert_eq!(back, Statistic::Maximum);
    }
}
