//! The protocols' shapes on the wire: how a request of each is built, and where each puts
//! an error's code and message — REST-XML (S3: `<Error><Code>`), the query protocol (SNS,
//! STS: `<ErrorResponse><Error><Code>`), AWS JSON 1.0 and 1.1 (`x-amzn-errortype`, else
//! `__type` or `code` in the body). XML is read with `aws-smithy-xml` (the SDK's own
//! reader, already in the tree), JSON with serde; both over a body already bounded by the
//! HTTP client.

use aws_smithy_xml::decode::{Document, ScopedDecoder, try_data};
use bytes::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderName};
use serde::Deserialize;

use super::{Failure, Request, Service};
use crate::http::Answer;

/// An AWS protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// REST with XML bodies (S3).
    RestXml,
    /// `Action=…&Version=…` form bodies, XML answers (SNS, STS, SQS's older protocol).
    Query { version: &'static str },
    /// JSON bodies, the operation in `X-Amz-Target`.
    Json {
        version: JsonVersion,
        target_prefix: &'static str,
    },
}

/// The AWS JSON protocol's versions (they differ in the content type only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonVersion {
    V1_0,
    V1_1,
}

impl Service {
    /// A query-protocol request: `action` with `params` (names as the API documents them).
    pub(crate) fn query_request(&self, action: &str, params: &[(&str, &str)]) -> Request {
        let version = match self.protocol {
            Protocol::Query { version } => version,
            _ => unreachable!("{} does not speak the query protocol", self.id),
        };
        let mut body = format!("Action={action}&Version={version}");
        for (name, value) in params {
            body.push_str(&format!(
                "&{name}={}",
                super::sign::encode_form_value(value)
            ));
        }
        post(
            "application/x-www-form-urlencoded; charset=utf-8",
            None,
            body.into(),
        )
    }

    /// An AWS JSON request: `operation` with `input` as its JSON body.
    pub(crate) fn json_request(&self, operation: &str, input: &impl serde::Serialize) -> Request {
        let (content_type, prefix) = match self.protocol {
            Protocol::Json {
                version: JsonVersion::V1_0,
                target_prefix,
            } => ("application/x-amz-json-1.0", target_prefix),
            Protocol::Json {
                version: JsonVersion::V1_1,
                target_prefix,
            } => ("application/x-amz-json-1.1", target_prefix),
            _ => unreachable!("{} does not speak AWS JSON", self.id),
        };
        // Serialising the engine's own input types cannot fail.
        let body = serde_json::to_vec(input).unwrap_or_default();
        post(
            content_type,
            Some(format!("{prefix}.{operation}")),
            body.into(),
        )
    }
}

fn post(content_type: &str, target: Option<String>, body: Bytes) -> Request {
    let mut headers = vec![(CONTENT_TYPE, content_type.to_owned())];
    if let Some(target) = target {
        headers.push((HeaderName::from_static("x-amz-target"), target));
    }
    Request {
        method: hyper::Method::POST,
        bucket: None,
        path: "/".into(),
        headers,
        body,
    }
}

/// The failure an error answer of `protocol` says.
pub(crate) fn error(protocol: Protocol, answer: &Answer) -> Failure {
    let (code, message) = match protocol {
        Protocol::RestXml => xml_error(&answer.body, &["Error"]),
        Protocol::Query { .. } => xml_error(&answer.body, &["ErrorResponse", "Error"]),
        Protocol::Json { .. } => json_error(answer),
    };
    Failure::Service {
        status: answer.status,
        code,
        message,
    }
}

/// The code and message of the XML element at `path`.
fn xml_error(body: &[u8], path: &[&str]) -> (Option<String>, Option<String>) {
    let code = xml_text(body, &[path, &["Code"][..]].concat());
    let message = xml_text(body, &[path, &["Message"][..]].concat());
    (code.filter(|c| !c.is_empty()), message)
}

/// The text of the element at `path` (from the root element down), if there is one.
pub(crate) fn xml_text(body: &[u8], path: &[&str]) -> Option<String> {
    let (root, rest) = path.split_first()?;
    let mut document = Document::try_from(body).ok()?;
    let mut scope = document.root_element().ok()?;
    if !scope.start_el().matches(root) {
        return None;
    }
    text_in(&mut scope, rest)
}

/// Walks down `path` from `scope` (as deep as the path is long, never deeper).
fn text_in(scope: &mut ScopedDecoder<'_, '_>, path: &[&str]) -> Option<String> {
    let Some((first, rest)) = path.split_first() else {
        return try_data(scope).ok().map(|text| text.trim().to_owned());
    };
    while let Some(mut tag) = scope.next_tag() {
        if tag.start_el().matches(first) {
            return text_in(&mut tag, rest);
        }
    }
    None
}

/// An AWS JSON error body.
#[derive(Debug, Default, Deserialize)]
struct JsonError {
    #[serde(rename = "__type")]
    kind: Option<String>,
    code: Option<String>,
    message: Option<String>,
    #[serde(rename = "Message")]
    capital_message: Option<String>,
}

/// The code (the `x-amzn-errortype` header, else the body's `__type` or `code`) and
/// message of an AWS JSON error.
fn json_error(answer: &Answer) -> (Option<String>, Option<String>) {
    let body: JsonError = serde_json::from_slice(&answer.body).unwrap_or_default();
    let header = answer
        .headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok());
    let code = header
        .or(body.kind.as_deref())
        .or(body.code.as_deref())
        .map(sanitize_code)
        .filter(|c| !c.is_empty());
    (code, body.message.or(body.capital_message))
}

/// An error code without its namespace (`aws.protocols#…`) or URI suffix (`…:http://…`).
fn sanitize_code(code: &str) -> String {
    let code = code.split(':').next().unwrap_or(code);
    code.rsplit('#').next().unwrap_or(code).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut map = hyper::HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        Answer {
            status,
            headers: map,
            body: Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    fn code_and_message(failure: Failure) -> (Option<String>, Option<String>) {
        match failure {
            Failure::Service { code, message, .. } => (code, message),
            other => panic!("not a service failure: {other:?}"),
        }
    }

    #[test]
    fn each_protocols_error_shape_gives_its_code_and_message() {
        let s3 = answer(
            403,
            &[],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>\
             <Message>The request signature we calculated does not match &amp; so on</Message>\
             <RequestId>4442587FB7D0A2F9</RequestId></Error>",
        );
        assert_eq!(
            code_and_message(error(Protocol::RestXml, &s3)),
            (
                Some("SignatureDoesNotMatch".into()),
                Some("The request signature we calculated does not match & so on".into())
            )
        );
        let sns = answer(
            403,
            &[],
            "<ErrorResponse xmlns=\"https://sns.amazonaws.com/doc/2010-03-31/\"><Error>\
             <Type>Sender</Type><Code>AuthorizationError</Code><Message>not allowed</Message>\
             </Error><RequestId>x</RequestId></ErrorResponse>",
        );
        assert_eq!(
            code_and_message(error(Protocol::Query { version: "" }, &sns)),
            (
                Some("AuthorizationError".into()),
                Some("not allowed".into())
            )
        );
        let json = Protocol::Json {
            version: JsonVersion::V1_1,
            target_prefix: "",
        };
        let typed = answer(
            400,
            &[],
            r#"{"__type":"com.amazonaws.servicequotas#NoSuchResourceException","Message":"none"}"#,
        );
        assert_eq!(
            code_and_message(error(json, &typed)),
            (Some("NoSuchResourceException".into()), Some("none".into()))
        );
        let headed = answer(
            400,
            &[(
                "x-amzn-errortype",
                "AccessDeniedException:http://internal.amazon.com/",
            )],
            r#"{"message":"denied"}"#,
        );
        assert_eq!(
            code_and_message(error(json, &headed)),
            (Some("AccessDeniedException".into()), Some("denied".into()))
        );
    }

    #[test]
    fn answers_without_a_code_keep_their_status_and_no_code() {
        for protocol in [
            Protocol::RestXml,
            Protocol::Query { version: "" },
            Protocol::Json {
                version: JsonVersion::V1_0,
                target_prefix: "",
            },
        ] {
            let failure = error(protocol, &answer(503, &[], "<html>busy</html>"));
            assert!(
                matches!(
                    failure,
                    Failure::Service {
                        status: 503,
                        code: None,
                        ..
                    }
                ),
                "{failure:?}"
            );
        }
    }

    #[test]
    fn xml_text_follows_the_path_from_the_root() {
        let body = b"<PublishResponse xmlns=\"x\"><PublishResult><MessageId>m-1</MessageId>\
                     </PublishResult></PublishResponse>";
        let path = ["PublishResponse", "PublishResult", "MessageId"];
        assert_eq!(xml_text(body, &path).as_deref(), Some("m-1"));
        assert_eq!(xml_text(body, &["Other", "PublishResult"]), None);
        assert_eq!(xml_text(b"", &path), None);
        assert_eq!(xml_text(b"\xff\xfe", &path), None);
    }

    #[test]
    fn requests_of_each_protocol_have_their_shape() {
        let publish = super::super::SNS.query_request(
            "Publish",
            &[("TopicArn", "arn:aws:sns:x"), ("Message", "a b+c=d&ü")],
        );
        assert_eq!(
            std::str::from_utf8(&publish.body).unwrap(),
            "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Ax\
             &Message=a%20b%2Bc%3Dd%26%C3%BC"
        );
        #[derive(serde::Serialize)]
        struct Input {
            #[serde(rename = "ServiceCode")]
            code: &'static str,
        }
        let list =
            super::super::SERVICE_QUOTAS.json_request("ListServiceQuotas", &Input { code: "logs" });
        assert_eq!(&list.body[..], br#"{"ServiceCode":"logs"}"#);
        assert!(list.headers.contains(&(
            HeaderName::from_static("x-amz-target"),
            "ServiceQuotasV20190624.ListServiceQuotas".into()
        )));
        assert!(
            list.headers
                .contains(&(CONTENT_TYPE, "application/x-amz-json-1.1".into()))
        );
    }
}
