//! A small HTTP service a cell can start on 127.0.0.1, standing in for the real one when
//! a playbook runs on the bundled data: the canary probes it, so the canary runs anywhere.
//! A fault can be injected (slow, failing, down) to see the right check fail.
//!
//! It answers `GET /health` (`{"status":"ok"}`) and `GET /api/checkout` (a small JSON
//! order after about 15 ms); anything else is a 404. It lives in the evaluation process
//! (std threads, no dependencies) and stops when the value is dropped.
//!
//! A *deployed* stand-in ([`LocalService::deployed`]) is what a runbook acts on: it reads
//! the version it runs from a file at every request, so an action (a command, run by the
//! kernel) deploys or rolls back by writing that file. Version [`BAD_VERSION`] (the bundled
//! incident's bad deploy) is slow and fails one request in five; any other is healthy.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::model::error::{Error, Result};

/// What goes wrong with the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceFault {
    /// Nothing: it answers fast and well.
    None,
    /// `/api/checkout` takes 1.5 s.
    Slow,
    /// `/api/checkout` answers 503.
    Errors,
    /// Nothing listens: connections are refused.
    Down,
}

/// The version a deployed stand-in runs badly: the bundled incident's v2.14.0.
pub const BAD_VERSION: &str = "v2.14.0";

/// How a stand-in behaves: a fixed fault, or by the version in a file.
#[derive(Debug, Clone)]
enum Behaviour {
    Fault(ServiceFault),
    Deployed(Arc<PathBuf>),
}

impl Behaviour {
    /// The fault in effect now (a deployed stand-in reads its version file; the bad
    /// version fails every fifth request and is slow otherwise).
    fn fault(&self, request: u64) -> ServiceFault {
        match self {
            Behaviour::Fault(fault) => *fault,
            Behaviour::Deployed(file) => {
                let version = std::fs::read_to_string(file.as_ref()).unwrap_or_default();
                match (version.trim() == BAD_VERSION, request.is_multiple_of(5)) {
                    (false, _) => ServiceFault::None,
                    (true, true) => ServiceFault::Errors,
                    (true, false) => ServiceFault::Slow,
                }
            }
        }
    }
}

impl std::str::FromStr for ServiceFault {
    type Err = Error;

    fn from_str(text: &str) -> Result<ServiceFault> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "none" => Ok(ServiceFault::None),
            "slow" => Ok(ServiceFault::Slow),
            "errors" | "error" => Ok(ServiceFault::Errors),
            "down" => Ok(ServiceFault::Down),
            other => Err(Error::InvalidInput(format!(
                "fault `{other}`: give none, slow, errors or down"
            ))),
        }
    }
}

/// The running service.
#[derive(Debug)]
pub struct LocalService {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl LocalService {
    /// Starts the service with `fault` on a free port of 127.0.0.1.
    pub fn start(fault: ServiceFault) -> Result<LocalService> {
        LocalService::serve(Behaviour::Fault(fault))
    }

    /// Starts a stand-in that runs the version written in `version_file` (read at every
    /// request): [`BAD_VERSION`] is slow and fails one request in five, any other is
    /// healthy.
    pub fn deployed(version_file: impl AsRef<Path>) -> Result<LocalService> {
        LocalService::serve(Behaviour::Deployed(Arc::new(
            version_file.as_ref().to_owned(),
        )))
    }

    fn serve(behaviour: Behaviour) -> Result<LocalService> {
        let io =
            |e: std::io::Error| Error::InvalidInput(format!("starting the local service: {e}"));
        let listener = TcpListener::bind("127.0.0.1:0").map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        let stop = Arc::new(AtomicBool::new(false));
        if matches!(behaviour, Behaviour::Fault(ServiceFault::Down)) {
            drop(listener); // the port is free again: connecting is refused
        } else {
            let stop = stop.clone();
            std::thread::spawn(move || accept(listener, behaviour, &stop));
        }
        Ok(LocalService { addr, stop })
    }

    /// The URL of `path` on the service (`service.url("/health")`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for LocalService {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn accept(listener: TcpListener, behaviour: Behaviour, stop: &AtomicBool) {
    for (n, stream) in (1u64..).zip(listener.incoming()) {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(stream) = stream {
            let behaviour = behaviour.clone();
            std::thread::spawn(move || {
                let _ = answer(stream, &behaviour, n);
            });
        }
    }
}

fn answer(mut stream: TcpStream, behaviour: &Behaviour, n: u64) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split('?').next().unwrap_or(path);
    let fault = behaviour.fault(n);
    let (status, body) = match (path, fault) {
        ("/health", _) => ("200 OK", r#"{"status":"ok"}"#),
        ("/api/checkout", ServiceFault::Errors) => {
            ("503 Service Unavailable", r#"{"error":"upstream"}"#)
        }
        ("/api/checkout", _) => {
            let pause = match (fault, behaviour) {
                (ServiceFault::Slow, Behaviour::Deployed(_)) => 600,
                (ServiceFault::Slow, _) => 1_500,
                _ => 15,
            };
            std::thread::sleep(Duration::from_millis(pause));
            ("200 OK", r#"{"order":"ok","items":3}"#)
        }
        _ => ("404 Not Found", r#"{"error":"not found"}"#),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(service: &LocalService, path: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(service.addr)?;
        write!(stream, "GET {path} HTTP/1.1\r\nhost: x\r\n\r\n")?;
        let mut text = String::new();
        stream.read_to_string(&mut text)?;
        Ok(text)
    }

    #[test]
    fn each_fault_shows_where_the_canary_looks() {
        let fine = LocalService::start(ServiceFault::None).unwrap();
        assert!(get(&fine, "/health").unwrap().starts_with("HTTP/1.1 200"));
        assert!(
            get(&fine, "/api/checkout?x=1")
                .unwrap()
                .contains("\"order\"")
        );
        assert!(get(&fine, "/nope").unwrap().starts_with("HTTP/1.1 404"));
        let errors = LocalService::start("errors".parse().unwrap()).unwrap();
        assert!(
            get(&errors, "/api/checkout")
                .unwrap()
                .starts_with("HTTP/1.1 503")
        );
        let down = LocalService::start(ServiceFault::Down).unwrap();
        assert!(get(&down, "/health").is_err());
        assert!("sideways".parse::<ServiceFault>().is_err());
    }

    #[test]
    fn a_deployed_stand_in_runs_the_version_its_file_names() {
        let file = std::env::temp_dir().join(format!("playbook-deployed-{}", std::process::id()));
        std::fs::write(&file, BAD_VERSION).unwrap();
        let service = LocalService::deployed(&file).unwrap();
        let answers: Vec<String> = (0..5)
            .map(|_| get(&service, "/api/checkout").unwrap())
            .collect();
        assert_eq!(
            answers
                .iter()
                .filter(|a| a.starts_with("HTTP/1.1 503"))
                .count(),
            1
        );
        std::fs::write(&file, "v2.13.2").unwrap();
        for _ in 0..5 {
            assert!(
                get(&service, "/api/checkout")
                    .unwrap()
                    .starts_with("HTTP/1.1 200")
            );
        }
        std::fs::remove_file(file).unwrap();
    }
}
