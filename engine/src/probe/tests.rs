//! Probes against servers on 127.0.0.1 started by each test (plain TCP, answering by
//! hand, so each fault is exact): fast, slow, 500, silent, refused; masking; bad input.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use playbook::model::probe::{ProbeStage, probe};
use playbook::model::record::{QueryKind, QueryStatus};

use super::*;

/// Serves `answer` (after `delay`) to every connection; the base URL.
fn serve(delay: Duration, answer: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                std::thread::sleep(delay);
                let _ = stream.write_all(answer.as_bytes());
            });
        }
    });
    format!("http://{addr}")
}

const OK: &str =
    "HTTP/1.1 200 OK\r\ncontent-length: 17\r\nconnection: close\r\n\r\n{\"status\":\"ok\"}\r\n";
const ERROR: &str =
    "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\nconnection: close\r\n\r\noops";

#[test]
fn a_fast_answer_is_timed_stage_by_stage_and_recorded() {
    let base = serve(Duration::ZERO, OK);
    let session = Session::from_env();
    let report = session
        .run_probes(&[probe(&format!("{base}/health"))
            .body_contains("\"ok\"")
            .body_matches(r#""status":\s*"ok""#)])
        .unwrap();
    let r = &report.results[0];
    assert!(r.ok, "{r:?}");
    assert_eq!((r.status, r.bytes), (Some(200), 17));
    let t = &r.timings;
    for stage in [t.dns_ms, t.connect_ms, t.first_byte_ms, t.download_ms] {
        assert!(stage.is_some_and(|ms| ms <= t.total_ms), "{t:?}");
    }
    assert_eq!(t.tls_ms, None);
    let records = session.queries();
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].kind, records[0].status),
        (QueryKind::Probe, QueryStatus::Ok)
    );
    assert!(
        records[0].notes[0].contains("first byte"),
        "{:?}",
        records[0].notes
    );
}

#[test]
fn a_slow_server_is_slow_and_a_silent_one_times_out_at_first_byte() {
    let slow = serve(Duration::from_millis(300), OK);
    let silent = serve(Duration::from_secs(30), OK);
    let session = Session::from_env();
    let started = std::time::Instant::now();
    let report = session
        .run_probes(&[probe(&slow), probe(&silent).timeout_secs(0.5)])
        .unwrap();
    // Both at once: the call lasts about the longest deadline, not the sum.
    assert!(started.elapsed() < Duration::from_secs(5));
    let (slow, silent) = (&report.results[0], &report.results[1]);
    assert!(
        slow.ok && slow.timings.first_byte_ms.unwrap() >= 290.0,
        "{slow:?}"
    );
    let failure = silent.failure.as_ref().unwrap();
    assert!(
        failure.timed_out && failure.stage == ProbeStage::Response,
        "{failure:?}"
    );
    assert!(silent.timings.total_ms >= 490.0 && silent.timings.total_ms < 2_000.0);
    assert_eq!(report.availability(), 0.5);
}

#[test]
fn a_500_fails_on_status_unless_expected_and_a_refused_port_on_connect() {
    let error = serve(Duration::ZERO, ERROR);
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let report = Session::from_env()
        .run_probes(&[
            probe(&error),
            probe(&error).expect_status(500),
            probe(&closed),
        ])
        .unwrap();
    let r = &report.results;
    assert_eq!(
        r[0].failure.as_ref().map(|f| f.stage),
        Some(ProbeStage::Status)
    );
    assert_eq!(r[0].status, Some(500));
    assert!(r[1].ok);
    assert_eq!(
        r[2].failure.as_ref().map(|f| f.stage),
        Some(ProbeStage::Connect)
    );
    assert_eq!(r[2].status, None);
}

#[test]
fn header_values_and_query_values_never_reach_the_record() {
    let base = serve(Duration::ZERO, OK);
    let session = Session::from_env();
    let url = format!("{base}/health?api_key=s3cr3t-query&x");
    session
        .run_probes(&[probe(&url).header("Authorization", "Bearer s3cr3t-header")])
        .unwrap();
    let text = serde_json::to_string(&session.queries()).unwrap();
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(text.contains("/health?api_key=…&x"), "{text}");
    let user = Url::parse("https://user:pw@example.com:8443/a?b=c#frag").unwrap();
    assert_eq!(masked(&user), "https://example.com:8443/a?b=…");
}

#[test]
fn unsendable_probes_are_refused_before_anything_is_sent() {
    let session = Session::from_env();
    for bad in [
        probe("ftp://example.com"),
        probe("http://127.0.0.1:1").body_matches("(unclosed"),
        probe("http://127.0.0.1:1").header("Bad Header", "x"),
        probe("http://127.0.0.1:1").timeout_secs(0.0),
        probe("http://127.0.0.1:1").method("GE T"),
    ] {
        let error = session.run_probes(&[bad]).unwrap_err();
        assert_eq!(
            error.kind(),
            playbook::protocol::ErrorKind::InvalidInput,
            "{error}"
        );
    }
    assert!(session.queries().is_empty());
}
