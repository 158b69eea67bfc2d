//! The Jupyter wire format: multipart framing and HMAC-SHA256 signatures.
//!
//! `[identities…, "<IDS|MSG>", signature, header, parent_header, metadata, content,
//! buffers…]`. Every message received is verified before it is decoded; one that fails
//! is reported as a [`WireError`] and dropped by the caller, never executed.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use jupyter_protocol::{Header, JupyterMessage, JupyterMessageContent, UnknownMessage};
use serde_json::Value;
use sha2::Sha256;
use zeromq::ZmqMessage;

const DELIMITER: &[u8] = b"<IDS|MSG>";
/// Larger messages are refused before any JSON is parsed.
pub(crate) const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Why a received message was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WireError {
    #[error("no <IDS|MSG> delimiter among {0} frames")]
    NoDelimiter(usize),
    #[error("too few frames after the delimiter ({0}, need 5)")]
    TooFewFrames(usize),
    #[error("message of {0} bytes is over the {MAX_MESSAGE_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("missing or wrong HMAC signature")]
    BadSignature,
    #[error("a replayed message (its signature was already used in this session)")]
    Replayed,
    #[error("{part} is not valid JSON: {error}")]
    BadJson {
        part: &'static str,
        error: serde_json::Error,
    },
}

/// How many signatures a session remembers to refuse replays (ipykernel keeps 2^16 too);
/// past that, the oldest half is forgotten.
const SEEN_SIGNATURES: usize = 1 << 16;

/// Signatures already received, oldest first (shared by every channel of a kernel).
#[derive(Debug, Default)]
struct Seen {
    set: std::collections::HashSet<Vec<u8>>,
    order: std::collections::VecDeque<Vec<u8>>,
}

impl Seen {
    /// Remembers `signature`; `false` when it was already there (a replay).
    fn first_time(&mut self, signature: &[u8]) -> bool {
        if self.set.contains(signature) {
            return false;
        }
        if self.order.len() >= SEEN_SIGNATURES {
            for old in self.order.drain(..SEEN_SIGNATURES / 2) {
                self.set.remove(&old);
            }
        }
        self.set.insert(signature.to_vec());
        self.order.push_back(signature.to_vec());
        true
    }
}

/// Signs and verifies messages with the connection file's key, and refuses a signed
/// message whose signature was already used in this session (a replay).
#[derive(Clone)]
pub(crate) struct Signer {
    mac: Option<Hmac<Sha256>>,
    seen: std::sync::Arc<std::sync::Mutex<Seen>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("signing", &self.mac.is_some())
            .finish()
    }
}

impl Signer {
    /// A signer for `key`; an empty key disables signing, as the spec says.
    pub(crate) fn new(key: &str) -> Signer {
        let mac = if key.is_empty() {
            None
        } else {
            Hmac::<Sha256>::new_from_slice(key.as_bytes()).ok()
        };
        Signer {
            mac,
            seen: Default::default(),
        }
    }

    fn sign(&self, parts: &[&[u8]]) -> String {
        match &self.mac {
            None => String::new(),
            Some(mac) => {
                let mut mac = mac.clone();
                for part in parts {
                    mac.update(part);
                }
                hex::encode(mac.finalize().into_bytes())
            }
        }
    }

    fn verify(&self, signature: &[u8], parts: &[&[u8]]) -> bool {
        match &self.mac {
            None => true,
            Some(mac) => {
                let Ok(expected) = hex::decode(signature) else {
                    return false;
                };
                let mut mac = mac.clone();
                for part in parts {
                    mac.update(part);
                }
                mac.verify_slice(&expected).is_ok()
            }
        }
    }

    /// Verifies and decodes a multipart message received on a ROUTER or REP socket.
    ///
    /// A known message type whose content does not parse is returned as an
    /// [`UnknownMessage`] carrying the raw content, so the caller can answer it with an
    /// error rather than ignore it.
    pub(crate) fn decode(&self, message: ZmqMessage) -> Result<JupyterMessage, WireError> {
        let frames = message.into_vec();
        let size: usize = frames.iter().map(Bytes::len).sum();
        if size > MAX_MESSAGE_BYTES {
            return Err(WireError::TooLarge(size));
        }
        let split = frames
            .iter()
            .position(|f| f.as_ref() == DELIMITER)
            .ok_or(WireError::NoDelimiter(frames.len()))?;
        let rest = &frames[split + 1..];
        if rest.len() < 5 {
            return Err(WireError::TooFewFrames(rest.len()));
        }
        let [signature, header, parent, metadata, content] =
            [&rest[0], &rest[1], &rest[2], &rest[3], &rest[4]];
        if !self.verify(signature, &[header, parent, metadata, content]) {
            return Err(WireError::BadSignature);
        }
        if self.mac.is_some()
            && !self
                .seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .first_time(signature)
        {
            return Err(WireError::Replayed);
        }
        let header: Header = json(header, "header")?;
        let parent: Value = json(parent, "parent_header")?;
        let parent_header = match parent {
            Value::Object(map) if !map.is_empty() => {
                serde_json::from_value(Value::Object(map)).ok()
            }
            _ => None,
        };
        let metadata: Value = json(metadata, "metadata")?;
        let raw_content: Value = json(content, "content")?;
        let content =
            JupyterMessageContent::from_type_and_content(&header.msg_type, raw_content.clone())
                .unwrap_or_else(|_| {
                    JupyterMessageContent::UnknownMessage(UnknownMessage {
                        msg_type: header.msg_type.clone(),
                        content: raw_content,
                    })
                });
        let mut message = JupyterMessage::new(content, None);
        message.header = header;
        message.parent_header = parent_header;
        message.metadata = metadata;
        message.zmq_identities = frames[..split].to_vec();
        message.buffers = rest[5..].to_vec();
        Ok(message)
    }

    /// Encodes and signs `message` (identities first, when it has any).
    pub(crate) fn encode(&self, message: &JupyterMessage) -> ZmqMessage {
        let header = to_vec(&message.header);
        let parent = match &message.parent_header {
            Some(parent) => to_vec(parent),
            None => b"{}".to_vec(),
        };
        let metadata = to_vec(&message.metadata);
        let content = match &message.content {
            // An UnknownMessage with no content must still be an object on the wire.
            JupyterMessageContent::UnknownMessage(UnknownMessage { content, .. })
                if !content.is_object() =>
            {
                b"{}".to_vec()
            }
            other => to_vec(other),
        };
        let signature = self.sign(&[&header, &parent, &metadata, &content]);
        let mut frames: Vec<Bytes> = message.zmq_identities.clone();
        frames.push(Bytes::from_static(DELIMITER));
        frames.push(Bytes::from(signature));
        frames.extend([header, parent, metadata, content].map(Bytes::from));
        frames.extend(message.buffers.iter().cloned());
        // At least the delimiter frame is present, so this cannot be empty.
        ZmqMessage::try_from(frames).unwrap_or_else(|_| ZmqMessage::from(Vec::<u8>::new()))
    }
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8], part: &'static str) -> Result<T, WireError> {
    serde_json::from_slice(bytes).map_err(|error| WireError::BadJson { part, error })
}

fn to_vec(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::{ExecuteRequest, KernelInfoRequest};

    fn round_trip(signer: &Signer, message: &JupyterMessage) -> Result<JupyterMessage, WireError> {
        signer.decode(signer.encode(message))
    }

    #[test]
    fn signed_messages_round_trip() {
        let signer = Signer::new("secret");
        let mut message: JupyterMessage = ExecuteRequest::new("1 + 1".into()).into();
        message.zmq_identities = vec![Bytes::from_static(b"client-7")];
        let decoded = round_trip(&signer, &message).unwrap();
        assert_eq!(decoded.header.msg_id, message.header.msg_id);
        assert_eq!(decoded.zmq_identities, message.zmq_identities);
        match decoded.content {
            JupyterMessageContent::ExecuteRequest(req) => assert_eq!(req.code, "1 + 1"),
            other => panic!("decoded as {other:?}"),
        }
    }

    #[test]
    fn a_replayed_signed_message_is_refused() {
        let signer = Signer::new("secret");
        let message: JupyterMessage = ExecuteRequest::new("launch()".into()).into();
        let frames = signer.encode(&message);
        assert!(signer.decode(frames.clone()).is_ok());
        for _ in 0..2 {
            assert!(matches!(
                signer.decode(frames.clone()),
                Err(WireError::Replayed)
            ));
        }
        // Every channel shares the memory.
        assert!(matches!(
            signer.clone().decode(frames),
            Err(WireError::Replayed)
        ));
    }

    #[test]
    fn the_memory_of_signatures_is_bounded() {
        let mut seen = Seen::default();
        for i in 0..(SEEN_SIGNATURES + 10) {
            assert!(seen.first_time(&i.to_le_bytes()));
        }
        assert!(seen.order.len() <= SEEN_SIGNATURES);
        assert_eq!(seen.set.len(), seen.order.len());
        assert!(!seen.first_time(&(SEEN_SIGNATURES + 9).to_le_bytes()));
    }

    #[test]
    fn forged_signature_is_refused() {
        let message: JupyterMessage = KernelInfoRequest {}.into();
        let forged = Signer::new("not-the-key").encode(&message);
        assert!(matches!(
            Signer::new("secret").decode(forged),
            Err(WireError::BadSignature)
        ));
    }

    #[test]
    fn missing_signature_is_refused_when_signing() {
        let message: JupyterMessage = KernelInfoRequest {}.into();
        let unsigned = Signer::new("").encode(&message);
        assert!(matches!(
            Signer::new("secret").decode(unsigned),
            Err(WireError::BadSignature)
        ));
    }

    #[test]
    fn empty_key_disables_signing() {
        let message: JupyterMessage = KernelInfoRequest {}.into();
        assert!(round_trip(&Signer::new(""), &message).is_ok());
    }

    #[test]
    fn malformed_frames_are_refused() {
        let signer = Signer::new("k");
        let short = ZmqMessage::try_from(vec![
            Bytes::from_static(DELIMITER),
            Bytes::from_static(b"sig"),
        ])
        .unwrap();
        assert!(matches!(
            signer.decode(short),
            Err(WireError::TooFewFrames(1))
        ));
        let none = ZmqMessage::from("hello");
        assert!(matches!(
            signer.decode(none),
            Err(WireError::NoDelimiter(1))
        ));
    }

    #[test]
    fn unparseable_content_of_a_known_type_becomes_unknown() {
        let signer = Signer::new("");
        let mut message: JupyterMessage = ExecuteRequest::new("x".into()).into();
        message.content = JupyterMessageContent::UnknownMessage(UnknownMessage {
            msg_type: "execute_request".into(),
            content: serde_json::json!({"code": 5}),
        });
        match round_trip(&signer, &message).unwrap().content {
            JupyterMessageContent::UnknownMessage(unknown) => {
                assert_eq!(unknown.msg_type, "execute_request")
            }
            other => panic!("decoded as {other:?}"),
        }
    }
}
