//! moto behind the test-side RPCv2-CBOR proxy (`python -m aws.serve` from `tests/`), for
//! the Rust code that talks to it: the CloudWatch integration test and the GetMetricData
//! benchmark. The servers stop when the returned `Moto` is dropped (stdin closes).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_cloudwatch::config::Credentials;

/// A running moto and proxy; `url` serves CloudWatch and Logs.
pub struct Moto {
    server: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        drop(self.server.stdin.take());
        let _ = self.server.wait();
    }
}

/// The Python that serves moto: `PLAYBOOK_TEST_PYTHON`, else the test venv tests/run.sh
/// creates (`$PLAYBOOK_TEST_VENV`, or `test-venv` in `$PLAYBOOK_CACHE` or
/// `~/.cache/playbook`). Panics with what to do when there is none.
pub fn python() -> std::ffi::OsString {
    if let Some(python) = std::env::var_os("PLAYBOOK_TEST_PYTHON") {
        return python;
    }
    let venv = std::env::var_os("PLAYBOOK_TEST_VENV")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("PLAYBOOK_CACHE").map(|c| PathBuf::from(c).join("test-venv")))
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/playbook/test-venv"))
        });
    let python = venv.map(|v| v.join("bin/python")).filter(|p| p.exists());
    match python {
        Some(python) => python.into_os_string(),
        None => panic!(
            "these tests need a Python with moto[server] and cbor2: run tests/run.sh once (it \
             creates ~/.cache/playbook/test-venv), or set PLAYBOOK_TEST_PYTHON"
        ),
    }
}

/// Starts moto with `python` (one with moto[server] and cbor2: the test venv's).
pub fn start(python: &std::ffi::OsStr) -> Moto {
    let tests_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests");
    let mut server = Command::new(python)
        .args(["-m", "aws.serve"])
        .current_dir(&tests_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting python -m aws.serve");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("reading the endpoint");
    let endpoint: serde_json::Value = serde_json::from_str(&line).expect("endpoint JSON");
    let url = endpoint["url"].as_str().expect("url").to_owned();
    Moto { server, url }
}

/// An SDK configuration for the endpoint: us-east-1, static test credentials, `attempts`,
/// the engine's HTTPS client (the SDK crates have no default one).
pub fn sdk_config(url: &str, attempts: u32) -> aws_config::SdkConfig {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(
        aws_config::defaults(BehaviorVersion::latest())
            .http_client(playbook_engine::aws::https_client())
            .endpoint_url(url)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .retry_config(RetryConfig::standard().with_max_attempts(attempts))
            .load(),
    )
}

/// One request to the proxy's control API (`/__proxy/…`); returns the whole HTTP answer.
pub fn control(url: &str, method: &str, path: &str) -> String {
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("proxy");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}
