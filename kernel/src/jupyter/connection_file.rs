//! Reading the connection file Jupyter hands a kernel (`--connection-file F`).

use std::path::Path;

use anyhow::{Context, bail};
use jupyter_protocol::{ConnectionInfo, Transport};

/// Reads and checks a connection file.
pub(crate) fn read(path: &Path) -> anyhow::Result<ConnectionInfo> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the connection file {}", path.display()))?;
    parse(&text).with_context(|| format!("in the connection file {}", path.display()))
}

/// Parses and checks the text of a connection file.
pub(crate) fn parse(text: &str) -> anyhow::Result<ConnectionInfo> {
    let info: ConnectionInfo =
        serde_json::from_str(text).context("it is not a Jupyter connection file")?;
    if info.transport != Transport::TCP {
        bail!(
            "transport {} is not supported by this kernel; ask the client for tcp",
            info.transport
        );
    }
    if !info.key.is_empty() && info.signature_scheme != "hmac-sha256" {
        bail!(
            "signature scheme {:?} is not supported; only hmac-sha256 is",
            info.signature_scheme
        );
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"shell_port": 1, "iopub_port": 2, "stdin_port": 3,
        "control_port": 4, "hb_port": 5, "ip": "127.0.0.1", "key": "k",
        "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "playbook"}"#;

    #[test]
    fn reads_what_jupyter_client_writes() {
        let info = parse(FILE).unwrap();
        assert_eq!(info.shell_url(), "tcp://127.0.0.1:1");
        assert_eq!(info.key, "k");
    }

    #[test]
    fn rejects_unknown_signature_schemes() {
        let text = FILE.replace("hmac-sha256", "hmac-md5");
        let error = format!("{:#}", parse(&text).unwrap_err());
        assert!(error.contains("hmac-md5"), "{error}");
    }

    #[test]
    fn rejects_garbage_with_a_clear_message() {
        let error = format!("{:#}", parse("{not json").unwrap_err());
        assert!(error.contains("not a Jupyter connection file"), "{error}");
    }
}
