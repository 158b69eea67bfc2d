//! Calls against a local HTTP server that answers from a script (what AWS answers, in
//! each service's wire shape): retries after 503 and throttling, giving up after the
//! bound, no retry of a refusal, the attempt deadline; and the parsers fuzzed. The
//! scripted server also serves the tests of the services' own modules (`cloudwatch/
//! logs_api.rs`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use playbook::protocol::ErrorKind;
use playbook_testkit::{Fuzz, lengths};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// One scripted answer: status, body, and how long to wait before answering.
#[derive(Clone)]
pub(crate) struct Scripted(u16, &'static str, Duration);

pub(crate) fn answer(status: u16, body: &'static str) -> Scripted {
    Scripted(status, body, Duration::ZERO)
}

/// A server answering each connection with the next scripted answer (the last one again
/// when the script runs out); the request heads it got.
pub(crate) async fn serve(script: Vec<Scripted>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        for n in 0.. {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let scripted = script[n.min(script.len() - 1)].clone();
            tokio::spawn(answer_one(stream, scripted, seen.clone()));
        }
    });
    (url, heads)
}

/// Reads one request head, keeps it, and answers as scripted.
async fn answer_one(
    mut stream: tokio::net::TcpStream,
    Scripted(status, body, delay): Scripted,
    seen: Arc<Mutex<Vec<String>>>,
) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    // The head, then as much body as it announces (read whole: no reset on close).
    let mut wanted = None;
    while wanted.is_none_or(|n| got.len() < n) {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
        if wanted.is_none()
            && let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n")
        {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            wanted = Some(end + 4 + length);
        }
    }
    seen.lock()
        .unwrap()
        .push(String::from_utf8_lossy(&got).into_owned());
    tokio::time::sleep(delay).await;
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
}

pub(crate) fn client(url: &str, service: &'static Service, attempts: u32) -> Client {
    let config = SdkConfig::builder()
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "test",
        )))
        .build();
    Client::new(&config, service).with_policy(Policy {
        attempts,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        connect: Duration::from_secs(2),
        attempt: Duration::from_secs(2),
        operation: Duration::from_secs(10),
    })
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

const THROTTLED: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>\
                         <Message>Rate exceeded</Message></Error></ErrorResponse>";
const PUBLISHED: &str = "<PublishResponse><PublishResult><MessageId>m-1</MessageId>\
                         </PublishResult></PublishResponse>";

fn publish() -> Request {
    SNS.query_request("Publish", &[("TopicArn", "arn:aws:sns:us-east-1:1:t")])
}

#[test]
fn a_503_then_a_200_is_one_successful_call() {
    runtime().block_on(async {
        let (url, heads) = serve(vec![answer(503, ""), answer(200, PUBLISHED)]).await;
        let body = client(&url, &SNS, 3)
            .call("Publish", "", &publish())
            .await
            .expect("the second attempt succeeds");
        let path = ["PublishResponse", "PublishResult", "MessageId"];
        assert_eq!(xml_text(&body, &path).as_deref(), Some("m-1"));
        assert_eq!(heads.lock().unwrap().len(), 2);
    });
}

#[test]
fn throttling_then_success_is_one_successful_call() {
    runtime().block_on(async {
        let (url, heads) = serve(vec![answer(400, THROTTLED), answer(200, PUBLISHED)]).await;
        client(&url, &SNS, 3)
            .call("Publish", "", &publish())
            .await
            .expect("the second attempt succeeds");
        let heads = heads.lock().unwrap();
        assert_eq!(heads.len(), 2);
        assert!(heads[1].starts_with("POST / HTTP/1.1\r\n"), "{}", heads[1]);
        assert!(
            heads[1].contains("/us-east-1/sns/aws4_request"),
            "{}",
            heads[1]
        );
    });
}

#[test]
fn throttling_that_lasts_gives_up_after_the_bound_with_the_code_kept() {
    runtime().block_on(async {
        let (url, heads) = serve(vec![answer(400, THROTTLED)]).await;
        let error = client(&url, &SNS, 3)
            .call("Publish", "SNS Publish quota", &publish())
            .await
            .expect_err("throttled throughout");
        assert_eq!(heads.lock().unwrap().len(), 3, "three attempts, no more");
        assert_eq!(error.kind(), ErrorKind::Throttled);
        assert!(
            error.to_string().contains("(Throttling: Rate exceeded)"),
            "{error}"
        );
    });
}

#[test]
fn a_refusal_is_not_retried_and_keeps_its_code() {
    runtime().block_on(async {
        let refused = "<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>";
        let (url, heads) = serve(vec![answer(403, refused)]).await;
        let request = Request {
            method: hyper::Method::PUT,
            bucket: Some("records".into()),
            path: format!("/{}", encode_key("a b/ü+=.txt")),
            headers: vec![],
            body: Bytes::from_static(b"x"),
        };
        let error = client(&url, &S3, 3)
            .call("PutObject", "", &request)
            .await
            .expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::Credentials);
        assert!(
            error.to_string().contains("SignatureDoesNotMatch: no"),
            "{error}"
        );
        let heads = heads.lock().unwrap();
        assert_eq!(heads.len(), 1);
        assert!(
            heads[0].starts_with("PUT /records/a%20b/%C3%BC%2B%3D.txt HTTP/1.1\r\n"),
            "{}",
            heads[0]
        );
        assert!(heads[0].contains("x-amz-content-sha256: "), "{}", heads[0]);
    });
}

#[test]
fn an_attempt_past_its_deadline_is_retried_then_a_timeout() {
    runtime().block_on(async {
        let slow = Scripted(200, PUBLISHED, Duration::from_secs(5));
        let (url, heads) = serve(vec![slow]).await;
        let mut policy = Policy::once(Duration::from_millis(300));
        policy.attempts = 2;
        policy.operation = Duration::from_secs(3);
        policy.initial_backoff = Duration::from_millis(10);
        let error = client(&url, &SNS, 2)
            .with_policy(policy)
            .call("Publish", "", &publish())
            .await
            .expect_err("too slow");
        assert_eq!(error.kind(), ErrorKind::Timeout);
        assert_eq!(heads.lock().unwrap().len(), 2);
    });
}

#[test]
fn no_region_or_no_credentials_fail_before_anything_is_sent() {
    runtime().block_on(async {
        let (url, heads) = serve(vec![answer(200, PUBLISHED)]).await;
        let bare = SdkConfig::builder().endpoint_url(&url).build();
        let error = Client::new(&bare, &SNS)
            .call("Publish", "", &publish())
            .await
            .expect_err("no region");
        assert_eq!(error.kind(), ErrorKind::Credentials);
        assert!(error.to_string().contains("no AWS region"), "{error}");
        let no_credentials = SdkConfig::builder()
            .endpoint_url(&url)
            .region(aws_config::Region::new("us-east-1"))
            .build();
        let error = Client::new(&no_credentials, &SNS)
            .call("Publish", "", &publish())
            .await
            .expect_err("no credentials");
        assert_eq!(error.kind(), ErrorKind::Credentials);
        assert!(heads.lock().unwrap().is_empty());
    });
}

const FRAGMENTS: &[&str] = &[
    "<Error>",
    "</Error>",
    "<ErrorResponse>",
    "</ErrorResponse>",
    "<Code>",
    "</Code>",
    "<Message>",
    "</Message>",
    "<a/>",
    "<![CDATA[x]]>",
    "<!--c-->",
    "&amp;",
    "&#x1F600;",
    "&bogus;",
    "<?xml version=\"1.0\"?>",
    "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    "Throttling",
    "{\"__type\":",
    "\"x#Y\"",
    "}",
    "[",
    "ü",
    "\u{0}",
];

#[test]
fn random_error_bodies_of_every_size_neither_panic_nor_hang() {
    let protocols = [S3.protocol, SNS.protocol, SERVICE_QUOTAS.protocol];
    for seed in 0..40u64 {
        let mut fuzz = Fuzz::new(seed);
        for len in lengths(256 << 10) {
            let body = fuzz.tokens(FRAGMENTS, len);
            for protocol in protocols {
                let answer = crate::http::Answer {
                    status: 400,
                    headers: hyper::HeaderMap::new(),
                    body: Bytes::from(body.clone()),
                };
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    wire::error(protocol, &answer)
                }));
                assert!(outcome.is_ok(), "seed {seed}, len {len}: {body:.200}");
            }
        }
    }
    for len in lengths(256 << 10) {
        let deep = Fuzz::nest("<Error>", "<Code>x</Code>", "</Error>", len / 16);
        let _ = wire::xml_text(deep.as_bytes(), &["Error", "Error", "Code"]);
        let deep_json = Fuzz::nest("{\"a\":", "1", "}", len / 8);
        let answer = crate::http::Answer {
            status: 400,
            headers: hyper::HeaderMap::new(),
            body: Bytes::from(deep_json),
        };
        let _ = wire::error(SERVICE_QUOTAS.protocol, &answer);
    }
}
