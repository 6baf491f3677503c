//! Chat messages and how chat hooks run: the `task_start` / run step / `task_end` framing,
//! errors shown in the chat, panics contained.

mod message;

use std::sync::Arc;

use futures_util::FutureExt;

use crate::app::{HookKind, Runtime};
use crate::context::{Context, ContextKind, Emitter};
use crate::error::{Error, Result};
use crate::protocol::{ServerEvent, StepDict, StepType, now_iso};
use crate::session::SessionRef;

pub use message::{Message, MessageStream};

/// What a chat hook receives: the resolved session, its tab, and the incoming message (on_message).
#[doc(hidden)]
pub struct ChatCall {
    pub(crate) runtime: Arc<Runtime>,
    pub(crate) session: SessionRef,
    pub(crate) emitter: Emitter,
    pub(crate) message: Option<Message>,
}

/// Runs the registered hook of `kind` (if any) for a session in its chat tab.
///
/// Errors and panics of the hook become an error message in the chat and a log line; the
/// returned `Err` is only for failures of chainrs itself (the store, the tab).
pub(crate) async fn run_chat_hook(
    runtime: &Arc<Runtime>,
    session: &SessionRef,
    emitter: &Emitter,
    kind: HookKind,
    message: Option<Message>,
) -> Result<()> {
    let Some(hook) = runtime.hooks.get(kind) else {
        return Ok(());
    };
    let framed = matches!(kind, HookKind::OnChatStart | HookKind::OnMessage);
    let mut run_step = None;
    if framed {
        emitter.emit(ServerEvent::TaskStart).await?;
        let mut step = StepDict::new(StepType::Run, kind.name());
        step.thread_id = Some(session.meta().thread_id);
        if let Some(msg) = &message {
            step.parent_id = Some(msg.id);
            if !session.meta().interacted {
                let thread_id = session
                    .update_meta("first interaction", |m| {
                        m.interacted = true;
                        m.thread_id
                    })
                    .await?;
                emitter
                    .emit(ServerEvent::FirstInteraction {
                        interaction: msg.content.clone(),
                        thread_id,
                    })
                    .await?;
            }
        }
        emitter.emit(ServerEvent::NewMessage(step.clone())).await?;
        run_step = Some(step);
    }

    let input = message.as_ref().map(|m| m.content.clone());
    let context = Context {
        kind: ContextKind::Chat,
        session: session.clone(),
        runtime: runtime.clone(),
        chat: Some(emitter.clone()),
        parent_step: run_step.as_ref().map(|s| s.id),
    };
    let call = ChatCall {
        runtime: runtime.clone(),
        session: session.clone(),
        emitter: emitter.clone(),
        message,
    };
    let outcome = context
        .scope(std::panic::AssertUnwindSafe((hook.call)(call)).catch_unwind())
        .await
        .unwrap_or_else(|panic| Err(Error::Panicked(panic_message(&panic))));

    if let Err(err) = &outcome {
        tracing::warn!(target: "chainrs::chat", parent: &session.span, hook = kind.name(), handler = hook.info.name, error = %err, "chat hook failed");
        let mut shown = Message::new(err.to_string()).with_author("Error");
        shown.is_error = true;
        shown.parent_id = run_step.as_ref().map(|s| s.id);
        shown.thread_id = Some(session.meta().thread_id);
        emitter
            .emit(ServerEvent::NewMessage(shown.to_step()))
            .await?;
    }
    if let Some(mut step) = run_step {
        step.input = input.unwrap_or_else(|| "{}".to_owned());
        step.end = Some(now_iso());
        emitter.emit(ServerEvent::UpdateMessage(step)).await?;
        emitter.emit(ServerEvent::TaskEnd).await?;
    }
    Ok(())
}

/// The text of a caught panic.
pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}
