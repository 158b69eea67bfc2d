//! The executor task: runs queued `execute_request`s one at a time, in the order
//! received, and answers the ones queued behind a failure `aborted` (`stop_on_error`).

use std::collections::HashMap;
use std::sync::Arc;

use jupyter_protocol::{
    ExecuteReply, ExecutionCount, ExecutionState, JupyterMessage, JupyterMessageContent,
    ReplyStatus,
};
use tokio::sync::mpsc::UnboundedReceiver;

use super::Replier;
use crate::cells::{Kernel, execute_one};

/// Runs queued execute requests until the queue closes.
pub(super) async fn run_executor(
    kernel: Arc<Kernel>,
    mut queue: UnboundedReceiver<JupyterMessage>,
    replier: Replier,
) {
    while let Some(message) = queue.recv().await {
        let JupyterMessageContent::ExecuteRequest(request) = &message.content else {
            continue;
        };
        let (reply, failed) = execute_one(&kernel, &message, request).await;
        replier.reply(reply, &message).await;
        kernel.iopub.status(ExecutionState::Idle, Some(&message));
        if failed && request.stop_on_error {
            while let Ok(queued) = queue.try_recv() {
                abort(&kernel, &queued, &replier).await;
            }
        }
    }
}

async fn abort(kernel: &Kernel, message: &JupyterMessage, replier: &Replier) {
    kernel.iopub.status(ExecutionState::Busy, Some(message));
    let reply = ExecuteReply {
        status: ReplyStatus::Aborted,
        execution_count: ExecutionCount::new(kernel.execution_count()),
        user_expressions: Some(HashMap::new()),
        ..ExecuteReply::default()
    };
    replier.reply(reply, message).await;
    kernel.iopub.status(ExecutionState::Idle, Some(message));
}
