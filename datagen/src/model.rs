//! The per-minute state of the checkout service: traffic with daily and weekly seasonality,
//! latency distribution, errors, CPU, memory, DB connections and orders, with the incident
//! laid on top. Every minute is computed on its own from `(seed, minute)`, so metrics and
//! logs agree (a minute's 5XX count is the number of ERROR lines logged for it) and the
//! values of a minute do not depend on the options (days, log hours, log rate).

use std::f64::consts::TAU;

use super::rng::{Rng, normal_quantile};
use super::scenario::Scenario;

/// The z-score of the 99th percentile of a normal distribution.
const Z99: f64 = 2.326_347_874;

/// Quantile strata of the TargetResponseTime samples: one sample is drawn inside each
/// stratum and its count is the stratum's share of the minute's requests, so the weighted
/// samples follow the minute's distribution and a p99 falls inside the 0.985–0.995 stratum.
pub const STRATA: [f64; 13] = [
    0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 0.95, 0.975, 0.985, 0.995, 1.0,
];

/// One minute of the service.
#[derive(Debug, Clone, PartialEq)]
pub struct Minute {
    /// Epoch seconds of the minute's start.
    pub t: i64,
    pub requests: u64,
    /// 5XX not caused by the incident (sporadic upstream errors).
    pub errors_base: u64,
    /// 5XX caused by the incident (pool timeouts, payment gateway errors).
    pub errors_incident: u64,
    /// Log-normal latency distribution of the minute: median (seconds) and log sigma.
    pub latency_median: f64,
    pub latency_sigma: f64,
    pub cpu: f64,
    pub memory: f64,
    pub db_connections: u64,
    pub orders: u64,
    /// 0 (normal) … 1 (incident plateau).
    pub severity: f64,
    /// Share of the pools' spare connections leaked, 0 … 1.
    pub leak: f64,
    /// A deploy or rollback started in this minute.
    pub deploy: bool,
}

impl Minute {
    /// All 5XX of the minute (`HTTPCode_Target_5XX_Count`).
    pub fn errors(&self) -> u64 {
        self.errors_base + self.errors_incident
    }
}

fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// The generator of minutes for one scenario and seed.
#[derive(Debug)]
pub struct Model<'a> {
    pub scenario: &'a Scenario,
    seed: u64,
    deploys: Vec<i64>,
    leak_at: i64,
    start_at: i64,
    peak_at: i64,
    rollback_at: i64,
    recovered_at: i64,
    phases: [f64; 4],
}

impl<'a> Model<'a> {
    pub fn new(scenario: &'a Scenario, seed: u64) -> Model<'a> {
        let mut rng = Rng::at(seed, "phases", 0);
        let phases = [0; 4].map(|_| rng.range(0.0, TAU));
        Model {
            scenario,
            seed,
            deploys: scenario.deploys.iter().map(|d| d.at.timestamp()).collect(),
            leak_at: scenario.db_leak_at.timestamp(),
            start_at: scenario.errors_start_at.timestamp(),
            peak_at: scenario.errors_peak_at.timestamp(),
            rollback_at: scenario.rollback_at.timestamp(),
            recovered_at: scenario.recovered_at.timestamp(),
            phases,
        }
    }

    /// Incident severity at epoch second `t` (0 … 1).
    pub fn severity(&self, t: f64) -> f64 {
        let rise = smoothstep((t - self.start_at as f64) / (self.peak_at - self.start_at) as f64);
        let fall = smoothstep(
            (t - self.rollback_at as f64) / (self.recovered_at - self.rollback_at) as f64,
        );
        rise * (1.0 - fall)
    }

    /// Share of the spare pool connections leaked at epoch second `t` (0 … 1): a linear
    /// climb from the leak's start until the pools are exhausted at the errors' peak, then
    /// released within four minutes of the rollback as the old tasks stop.
    pub fn leak(&self, t: f64) -> f64 {
        let rise =
            ((t - self.leak_at as f64) / (self.peak_at - self.leak_at) as f64).clamp(0.0, 1.0);
        let fall = smoothstep((t - self.rollback_at as f64) / 240.0);
        rise * (1.0 - fall)
    }

    /// Day-level traffic factor: weekends lower, and a little variation between days.
    fn day_factor(&self, day: i64) -> f64 {
        // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 for Monday.
        let weekday = (day + 3).rem_euclid(7);
        let week = match weekday {
            5 => 0.76,
            6 => 0.80,
            _ => 1.0,
        };
        week * (1.0 + 0.03 * Rng::at(self.seed, "day", day).normal())
    }

    /// Traffic relative to the weekday peak, at epoch second `t` (no noise).
    pub fn load(&self, t: f64) -> f64 {
        let hours = t.rem_euclid(86_400.0) / 3600.0;
        let day = (t / 86_400.0).floor() as i64;
        // Peak at 14:00 UTC, trough (the scenario's trough / peak) at 02:00 UTC.
        let base = &self.scenario.baseline;
        let trough = base.requests_per_min_trough / base.requests_per_min_peak;
        let bump = (1.2 * ((TAU * (hours - 14.0) / 24.0).cos() - 1.0)).exp();
        let bump_min = (-2.4f64).exp();
        let daily = trough + (1.0 - trough) * (bump - bump_min) / (1.0 - bump_min);
        // Blend day factors over ±3 h around midnight, so there is no step at 00:00.
        let f = self.day_factor(day);
        let week = if hours < 3.0 {
            let w = smoothstep((hours + 3.0) / 6.0);
            self.day_factor(day - 1) * (1.0 - w) + f * w
        } else if hours > 21.0 {
            let w = smoothstep((hours - 21.0) / 6.0);
            f * (1.0 - w) + self.day_factor(day + 1) * w
        } else {
            f
        };
        let minutes = t / 60.0;
        let drift = 0.02 * (TAU * minutes / 97.0 + self.phases[0]).sin()
            + 0.02 * (TAU * minutes / 263.0 + self.phases[1]).sin();
        daily * week * (1.0 + drift)
    }

    /// The state of the minute starting at epoch second `t` (a multiple of 60).
    pub fn minute(&self, t: i64) -> Minute {
        let s = self.scenario;
        let (base, inc) = (&s.baseline, &s.incident);
        let mut rng = Rng::at(self.seed, "metrics", t.div_euclid(60));
        let mid = t as f64 + 30.0;
        let severity = self.severity(mid);
        let leak = self.leak(mid);

        let retries =
            1.0 + (inc.requests_per_min_peak / base.requests_per_min_peak - 1.0) * severity;
        let mean =
            base.requests_per_min_peak * self.load(mid) * retries * (0.025 * rng.normal()).exp();
        let requests = rng.poisson(mean);
        let load = requests as f64 / base.requests_per_min_peak;

        let (latency_median, latency_sigma) = self.latency(&mut rng, load, severity);

        let errors_base = rng.poisson(0.3 + requests as f64 * base.error_rate);
        let error_noise = (0.12 * rng.normal()).exp();
        let errors_incident =
            rng.poisson(requests as f64 * inc.error_rate * severity * error_noise);

        let since_deploy = self.since_deploy(t);
        let blip = if since_deploy < 180 {
            7.0 * (1.0 - since_deploy as f64 / 180.0)
        } else {
            0.0
        };
        let drift = (TAU * t as f64 / 60.0 / 173.0 + self.phases[2]).sin();
        let cpu = 12.0
            + (base.cpu_percent - 12.0) * load
            + 1.5 * drift
            + rng.normal()
            + blip
            + (inc.cpu_percent - base.cpu_percent) * severity;

        let hours_up = (since_deploy as f64 / 3600.0).min(90.0);
        let memory = 48.0
            + 0.22 * hours_up
            + 2.0 * load
            + 0.3 * rng.normal()
            + 9.0 * leak
            + 0.5 * (TAU * t as f64 / 60.0 / 331.0 + self.phases[3]).sin();

        let pool_total = inc.db_connections;
        let idle = 30.0 + (base.db_connections - 30.0) * load + 1.5 * rng.normal();
        let conns =
            (idle + (pool_total - idle) * leak).round().min(pool_total) - rng.poisson(0.4) as f64;

        let per_request =
            base.orders_per_request + (inc.orders_per_request - base.orders_per_request) * severity;
        let orders = rng.poisson(requests as f64 * per_request);

        Minute {
            t,
            requests,
            errors_base,
            errors_incident,
            latency_median,
            latency_sigma,
            cpu: cpu.clamp(1.0, 100.0),
            memory: memory.clamp(1.0, 100.0),
            db_connections: conns.max(0.0) as u64,
            orders,
            severity,
            leak,
            deploy: self
                .deploys
                .iter()
                .any(|&d| d.div_euclid(60) == t.div_euclid(60)),
        }
    }

    /// The minute's latency distribution, log-normal: its median (seconds) and sigma,
    /// moving from the baseline's towards the incident's with `severity`.
    fn latency(&self, rng: &mut Rng, load: f64, severity: f64) -> (f64, f64) {
        let (base, inc) = (&self.scenario.baseline, &self.scenario.incident);
        let base_median =
            base.latency_median_s * (0.92 + 0.12 * load) * (0.03 * rng.normal()).exp();
        let base_sigma = (base.latency_p99_s / base.latency_median_s).ln() / Z99;
        let inc_sigma = (inc.latency_p99_s / inc.latency_median_s).ln() / Z99;
        let median = base_median * (inc.latency_median_s / base.latency_median_s).powf(severity);
        (median, base_sigma + (inc_sigma - base_sigma) * severity)
    }

    /// Seconds since the last deploy at or before `t` (before the first one, as if the
    /// one before it had been three days earlier).
    fn since_deploy(&self, t: i64) -> i64 {
        self.deploys.iter().rev().find(|&&d| d <= t).map_or(
            3 * 86_400 + (t - self.deploys.first().copied().unwrap_or(t)),
            |&d| t - d,
        )
    }

    /// The minute's TargetResponseTime samples and their counts (summing to the requests),
    /// one per stratum of [`STRATA`], in ascending order.
    pub fn latency_samples(&self, m: &Minute) -> ([f64; 12], [u64; 12]) {
        let mut rng = Rng::at(self.seed, "latency", m.t.div_euclid(60));
        let mut values = [0.0; 12];
        let mut counts = [0u64; 12];
        for i in 0..12 {
            let u = rng.range(STRATA[i], STRATA[i + 1]);
            values[i] = m.latency_median * (m.latency_sigma * normal_quantile(u)).exp();
            counts[i] = (m.requests as f64 * (STRATA[i + 1] - STRATA[i])).round() as u64;
        }
        let assigned: u64 = counts[1..].iter().sum();
        counts[0] = m.requests.saturating_sub(assigned);
        (values, counts)
    }
}
