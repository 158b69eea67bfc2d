//! GetMetricData batching benchmark: `Session::run_metrics` with all N queries at once
//! (the engine packs them, ≤ 500 queries per call) against a naive loop of one
//! `run_metrics` per series, through the real AWS SDK against moto behind the test-side
//! RPCv2-CBOR proxy (started with `python -m aws.serve`, as `tests/cloudwatch_moto.rs`).
//! API calls are counted by the proxy (`GET /__proxy/stats`), reset between the modes.
//!
//! Run through `bench/getmetricdata.sh`, which builds it and passes the venv's Python:
//!
//! ```text
//! PLAYBOOK_TEST_PYTHON=…/test-venv/bin/python \
//!   target/release/examples/getmetricdata_bench [--series 2000] [--points 180] \
//!   [--period 60] [--rounds 3] [--no-naive]
//! ```
//!
//! `--points` is the number of datapoints seeded per series and the length of the window
//! queried (in periods): 180 at 60 s is the 3-hour window. moto's GetMetricData scans
//! every stored datapoint of the window for every period of every query, so its time grows
//! with series² × points²; pick a small `--points` for 2000 series (the number of calls,
//! what this measures, does not depend on it while points × 500 ≤ 100,800).

fn main() {
    bench::main();
}

#[path = "../tests/support/moto.rs"]
mod moto;

mod bench {
    use super::moto;
    use std::sync::Arc;
    use std::time::Instant;

    use aws_sdk_cloudwatch::primitives::DateTime as AwsTime;
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
    use chrono::{DateTime, TimeDelta, Utc};
    use playbook::query::{MetricQuery, Windowed, metric};
    use playbook::time_range::TimeRange;
    use playbook_engine::Session;
    use playbook_engine::cloudwatch::CloudWatchSource;

    const NAMESPACE: &str = "Playbook/Bench";

    /// One HTTP request to the proxy's control API; returns the JSON body.
    fn control(url: &str, method: &str, path: &str) -> serde_json::Value {
        let answer = moto::control(url, method, path);
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {answer}"))
    }

    fn reset_stats(url: &str) {
        control(url, "POST", "/__proxy/stats/reset");
    }

    /// (GetMetricData calls, all CloudWatch requests) since the last reset.
    fn stats(url: &str) -> (u64, u64) {
        let s = control(url, "GET", "/__proxy/stats");
        (
            s["operations"]["GetMetricData"].as_u64().unwrap_or(0),
            s["cloudwatch_requests"].as_u64().unwrap_or(0),
        )
    }

    struct Args {
        series: usize,
        points: i64,
        period: i64,
        rounds: usize,
        naive: bool,
    }

    fn args() -> Args {
        let mut a = Args {
            series: 2000,
            points: 180,
            period: 60,
            rounds: 3,
            naive: true,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || -> i64 {
                it.next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("{flag} needs a number"))
            };
            match flag.as_str() {
                "--series" => a.series = value() as usize,
                "--points" => a.points = value(),
                "--period" => a.period = value(),
                "--rounds" => a.rounds = value() as usize,
                "--no-naive" => a.naive = false,
                other => panic!("unknown argument {other}"),
            }
        }
        a
    }

    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            return f64::NAN;
        }
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }

    pub fn main() {
        let args = args();
        let moto = moto::start(&moto::python());
        let config = moto::sdk_config(&moto.url, 3);
        // Aligned start, recent enough that no retention rule changes the period.
        let span = args.points * args.period;
        let now = Utc::now().timestamp();
        let start_secs = (now - span - 3600) / 3600 * 3600;
        let start: DateTime<Utc> = DateTime::from_timestamp(start_secs, 0).expect("start");
        let window = TimeRange::new(start, start + TimeDelta::seconds(span)).expect("window");
        seed(&args, &config, start_secs);

        let queries: Vec<MetricQuery> = (0..args.series)
            .map(|s| {
                metric(NAMESPACE, "CPUUtilization")
                    .dim("InstanceId", &format!("i-{s:05}"))
                    .stat("Maximum")
                    .period(args.period as u32)
                    .range(window)
            })
            .collect();
        let session = Session::from_env();
        session.use_backend(Arc::new(
            CloudWatchSource::from_sdk_config(&config).expect("source"),
        ));
        let mut batched = Mode::default();
        let mut naive = Mode::default();
        for round in 1..=args.rounds {
            batched.measure(&moto.url, || {
                let set = session.run_metrics(&queries).expect("batched run_metrics");
                assert_eq!(set.len(), args.series);
                (0..set.len()).map(|i| set[i].values.len()).sum()
            });
            assert_eq!(
                batched.points as i64,
                args.series as i64 * args.points,
                "every seeded datapoint comes back"
            );
            println!(
                "round {round}: batched  {:>5} GetMetricData calls  {:8.2} s",
                batched.calls,
                batched.last()
            );
            if args.naive {
                naive.measure(&moto.url, || {
                    queries
                        .iter()
                        .map(|q| {
                            let set = session
                                .run_metrics(std::slice::from_ref(q))
                                .expect("naive run_metrics");
                            assert_eq!(set.len(), 1);
                            set[0].values.len()
                        })
                        .sum()
                });
                assert_eq!(naive.points as i64, args.series as i64 * args.points);
                println!(
                    "round {round}: naive    {:>5} GetMetricData calls  {:8.2} s",
                    naive.calls,
                    naive.last()
                );
            }
        }
        report(&args, &batched, &naive);
    }

    /// Seeds N series × points, ≤ 1000 datums per PutMetricData call.
    fn seed(args: &Args, config: &aws_config::SdkConfig, start_secs: i64) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let cw = aws_sdk_cloudwatch::Client::new(config);
        let seed_started = Instant::now();
        let data: Vec<MetricDatum> = (0..args.series)
            .flat_map(|s| {
                (0..args.points).map(move |p| {
                    MetricDatum::builder()
                        .metric_name("CPUUtilization")
                        .dimensions(
                            Dimension::builder()
                                .name("InstanceId")
                                .value(format!("i-{s:05}"))
                                .build(),
                        )
                        .timestamp(AwsTime::from_secs(start_secs + p * args.period))
                        .value((s as f64) + (p as f64) / 1000.0)
                        .build()
                })
            })
            .collect();
        runtime.block_on(async {
            for chunk in data.chunks(1000) {
                cw.put_metric_data()
                    .namespace(NAMESPACE)
                    .set_metric_data(Some(chunk.to_vec()))
                    .send()
                    .await
                    .expect("PutMetricData");
            }
        });
        println!(
            "seeded {} series × {} points at {} s ({} datapoints) in {} PutMetricData calls, {:.1} s",
            args.series,
            args.points,
            args.period,
            data.len(),
            data.len().div_ceil(1000),
            seed_started.elapsed().as_secs_f64()
        );
    }

    /// One way of asking: its wall times per round, and the calls and points of the last.
    #[derive(Default)]
    struct Mode {
        seconds: Vec<f64>,
        calls: u64,
        points: usize,
    }

    impl Mode {
        /// Runs `ask` (returning the datapoints it got) with the proxy's counters reset.
        fn measure(&mut self, url: &str, ask: impl FnOnce() -> usize) {
            reset_stats(url);
            let t = Instant::now();
            self.points = ask();
            self.seconds.push(t.elapsed().as_secs_f64());
            self.calls = stats(url).0;
        }

        fn last(&self) -> f64 {
            self.seconds.last().copied().unwrap_or(f64::NAN)
        }
    }

    /// The medians, the ratio, and the verdict against the goal of ceil(N/500) calls.
    fn report(args: &Args, batched: &Mode, naive: &Mode) {
        let expected = args.series.div_ceil(500);
        let b = median(batched.seconds.clone());
        println!(
            "\nmedians over {} rounds ({} series × {} points, period {} s)",
            args.rounds, args.series, args.points, args.period
        );
        println!("{:<28}{:>8}{:>12}", "mode", "calls", "wall s");
        println!(
            "{:<28}{:>8}{:>12.2}",
            "batched (one run_metrics)", batched.calls, b
        );
        if args.naive {
            let n = median(naive.seconds.clone());
            println!(
                "{:<28}{:>8}{:>12.2}",
                "naive (run_metrics/series)", naive.calls, n
            );
            println!(
                "ratio naive/batched: calls {:.0}x, wall {:.1}x",
                naive.calls as f64 / batched.calls.max(1) as f64,
                n / b
            );
            println!(
                "(the naive loop is paced by the engine's client-side limit of 50 GetMetricData/s: \
                 ≥ {:.0} s for {} calls)",
                args.series as f64 / 50.0,
                args.series
            );
        }
        let verdict = if batched.calls as usize == expected {
            "MET"
        } else {
            "NOT MET"
        };
        println!(
            "verdict: {verdict}: batched used {} GetMetricData calls for {} series \
             (goal ceil(N/500) = {expected})",
            batched.calls, args.series
        );
    }
}
