//! Answers to every request except `execute_request` (see `execute.rs`): kernel info,
//! completion, inspection, is_complete, history, comms, shutdown, interrupt, and a polite
//! error for anything unknown. The same code serves the shell and control channels.

use jupyter_protocol::{
    CodeMirrorMode, CommClose, CommInfoReply, CompleteReply, HelpLink, HistoryReply, InspectReply,
    InterruptReply, IsCompleteReply, JupyterMessage, JupyterMessageContent, KernelInfoReply,
    LanguageInfo, Media, MediaType, ReplyStatus, ShutdownReply,
};
use serde_json::json;

use crate::cells::Kernel;
use crate::jupyter::is_complete::{Completeness, judge};

/// The messaging protocol version this kernel implements.
pub(crate) const PROTOCOL_VERSION: &str = "5.3";

/// What the dispatcher should do after answering.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum After {
    Continue,
    Shutdown,
}

/// Answers `message`; `None` when the message takes no reply on its channel.
pub(crate) async fn answer(
    kernel: &Kernel,
    message: &JupyterMessage,
) -> (Option<JupyterMessageContent>, After) {
    use JupyterMessageContent as C;
    let reply: JupyterMessageContent = match &message.content {
        C::KernelInfoRequest(_) => kernel_info().into(),
        C::IsCompleteRequest(req) => match judge(&req.code) {
            Completeness::Complete => IsCompleteReply::complete(),
            Completeness::Incomplete(indent) => IsCompleteReply::incomplete(indent),
            Completeness::Invalid => IsCompleteReply::invalid(),
        }
        .into(),
        C::CompleteRequest(req) => complete(kernel, &req.code, req.cursor_pos).await.into(),
        C::InspectRequest(req) => inspect(kernel, &req.code, req.cursor_pos).await.into(),
        C::HistoryRequest(req) => HistoryReply::new(kernel.history().query(req)).into(),
        C::CommInfoRequest(_) => CommInfoReply::default().into(),
        C::CommOpen(open) => {
            // No comm targets exist: tell the frontend the comm is closed.
            kernel.iopub.publish(
                CommClose {
                    comm_id: open.comm_id.clone(),
                    data: Default::default(),
                },
                Some(message),
            );
            return (None, After::Continue);
        }
        C::CommMsg(_) | C::CommClose(_) => return (None, After::Continue),
        C::ShutdownRequest(req) => {
            let reply = ShutdownReply {
                restart: req.restart,
                status: ReplyStatus::Ok,
                error: None,
            };
            return (Some(reply.into()), After::Shutdown);
        }
        C::InterruptRequest(_) => {
            kernel.interrupt();
            InterruptReply::new().into()
        }
        C::UnknownMessage(unknown)
            if unknown.msg_type == "history_request"
                && let Some(request) =
                    crate::jupyter::history::lenient_request(&unknown.content) =>
        {
            HistoryReply::new(kernel.history().query(&request)).into()
        }
        C::UnknownMessage(unknown) if unknown.msg_type.ends_with("_request") => {
            eprintln!(
                "playbook: answering unsupported {} with an error",
                unknown.msg_type
            );
            unknown.reply(json!({
                "status": "error",
                "ename": "UnsupportedRequest",
                "evalue": format!("the playbook kernel does not handle {} (or its content is malformed)", unknown.msg_type),
                "traceback": [],
            }))
        }
        other => {
            eprintln!(
                "playbook: ignoring {} on a request channel",
                other.message_type()
            );
            return (None, After::Continue);
        }
    };
    (Some(reply), After::Continue)
}

/// The kernel_info reply; needs nothing that is still starting.
pub(crate) fn kernel_info() -> KernelInfoReply {
    KernelInfoReply {
        status: ReplyStatus::Ok,
        protocol_version: PROTOCOL_VERSION.into(),
        implementation: "playbook".into(),
        implementation_version: env!("CARGO_PKG_VERSION").into(),
        language_info: LanguageInfo {
            name: "rust".into(),
            version: env!("CARGO_PKG_RUST_VERSION").into(),
            mimetype: Some("text/rust".into()),
            file_extension: Some(".rs".into()),
            pygments_lexer: Some("rust".into()),
            codemirror_mode: Some(CodeMirrorMode::Simple("rust".into())),
            nbconvert_exporter: None,
        },
        banner: format!(
            "Playbook (Rust) {}: operational playbooks in Rust cells, evaluated by evcxr, \
             with the playbook library in scope.",
            env!("CARGO_PKG_VERSION")
        ),
        help_links: vec![
            HelpLink {
                text: "Rust standard library".into(),
                url: "https://doc.rust-lang.org/std/".into(),
            },
            HelpLink {
                text: "evcxr commands".into(),
                url: "https://github.com/evcxr/evcxr/blob/main/COMMON.md".into(),
            },
        ],
        debugger: false,
        error: None,
    }
}

/// Byte offset of code point `cursor` in `code` (clamped to the end).
pub(crate) fn byte_offset(code: &str, cursor: usize) -> usize {
    code.char_indices()
        .nth(cursor)
        .map_or(code.len(), |(byte, _)| byte)
}

/// Code-point index of byte offset `byte` in `code`.
pub(crate) fn char_offset(code: &str, byte: usize) -> usize {
    code[..byte.min(code.len())].chars().count()
}

/// The reply metadata that says what answered a completion: `rust-analyzer`, the
/// prebuilt `member-index` (a `.` before rust-analyzer is ready) or `names`.
const COMPLETION_SOURCE: &str = "playbook_completion_source";

async fn complete(kernel: &Kernel, code: &str, cursor: usize) -> CompleteReply {
    let byte = byte_offset(code, cursor);
    let engine = kernel.engine.clone();
    let owned = code.to_owned();
    let found = tokio::task::spawn_blocking(move || engine.completions(&owned, byte))
        .await
        .ok()
        .flatten();
    let mut reply = CompleteReply {
        cursor_start: cursor,
        cursor_end: cursor,
        ..CompleteReply::default()
    };
    let Some((found, source)) = found else {
        reply.metadata.insert(
            "note".into(),
            json!("completion is unavailable while a cell runs or the Rust engine starts"),
        );
        return reply;
    };
    reply
        .metadata
        .insert(COMPLETION_SOURCE.into(), json!(source.as_str()));
    let start = found.start_offset.min(byte);
    let prefix = &code[start..byte];
    let mut matches: Vec<String> = Vec::new();
    for completion in found.completions {
        if completion.code.starts_with(prefix) && !matches.contains(&completion.code) {
            matches.push(completion.code);
        }
    }
    reply.matches = matches;
    reply.cursor_start = char_offset(code, start);
    reply.cursor_end = char_offset(code, found.end_offset.max(byte));
    reply
}

async fn inspect(kernel: &Kernel, code: &str, cursor: usize) -> InspectReply {
    let byte = byte_offset(code, cursor);
    let engine = kernel.engine.clone();
    let owned = code.to_owned();
    let found = tokio::task::spawn_blocking(move || engine.inspect(&owned, byte))
        .await
        .ok()
        .flatten();
    match found {
        Some((plain, html)) if !plain.trim().is_empty() => InspectReply {
            found: true,
            data: Media::new(vec![MediaType::Plain(plain), MediaType::Html(html)]),
            ..InspectReply::default()
        },
        _ => InspectReply::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_positions_are_code_points() {
        let code = "let é = \"日本\"; x";
        let byte = byte_offset(code, 14);
        assert_eq!(&code[byte..], "x");
        assert_eq!(char_offset(code, byte), 14);
        assert_eq!(byte_offset(code, 1000), code.len());
    }

    #[test]
    fn kernel_info_describes_rust() {
        let info = kernel_info();
        assert_eq!(info.protocol_version, "5.3");
        assert_eq!(info.language_info.name, "rust");
        assert_eq!(info.language_info.file_extension.as_deref(), Some(".rs"));
        assert_eq!(info.language_info.mimetype.as_deref(), Some("text/rust"));
    }
}
