//! Chat messages and how chat hooks run: the `task_start` / run step / `task_end` framing,
//! errors shown in the chat, panics contained.

mod action;
mod ask;
mod link;
mod message;
#[cfg(feature = "redis")]
pub(crate) mod relay;
mod step;

use std::sync::Arc;

use crate::app::{ChatHookFn, HookKind, Registered, Runtime};
use crate::context::{Context, ContextKind, Emitter};
use crate::error::{Error, Result, contain_panic};
use crate::protocol::{ServerEvent, StepDict, StepType, now_iso};
use crate::session::SessionRef;

pub use action::Action;
pub use ask::{AskActionMessage, AskUserMessage};
pub use link::QUEUE_LIMIT;
pub(crate) use link::{AskAnswer, ChatLink, Wire, WireError};
pub use message::{Message, MessageStream};
pub use step::{ActiveStep, Step};

use crate::protocol::ToastKind;

/// Shows a transient notification in the current session's chat tab.
pub async fn toast(message: impl Into<String>, kind: ToastKind) -> Result<()> {
    chat_of("chainrs::toast")?
        .emit(ServerEvent::Toast {
            message: message.into(),
            kind,
        })
        .await
}

/// Sends `value` to the window that embeds the chat page (`window.parent.postMessage`).
pub async fn send_window_message(value: impl serde::Serialize) -> Result<()> {
    let value = serde_json::to_value(value).map_err(|source| Error::Encode {
        key: "window_message".to_owned(),
        source,
    })?;
    chat_of("chainrs::send_window_message")?
        .emit(ServerEvent::WindowMessage(value))
        .await
}

/// The chat tab of the running handler, or an error naming `api`.
fn chat_of(api: &'static str) -> Result<Emitter> {
    let cx = crate::context::current().ok_or(Error::NoContext { api })?;
    cx.chat.ok_or(Error::NoChat { api })
}

/// What started a hook run, beyond the session itself.
#[derive(Debug)]
#[doc(hidden)]
pub enum HookInput {
    /// Nothing (on_chat_start, on_stop, on_chat_end).
    None,
    /// The user's message (on_message).
    Message(Message),
    /// The new chat settings (on_settings_update).
    Settings(serde_json::Map<String, serde_json::Value>),
    /// A message from the page's parent window (on_window_message).
    Window(serde_json::Value),
    /// The clicked action (action callbacks).
    Action(Action),
}

/// What a chat hook receives: the resolved session, its tab, and what started the run.
#[doc(hidden)]
pub struct ChatCall {
    pub(crate) runtime: Arc<Runtime>,
    pub(crate) session: SessionRef,
    pub(crate) emitter: Emitter,
    pub(crate) input: HookInput,
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
    input: HookInput,
) -> Result<()> {
    let Some(hook) = runtime.hooks.get(kind) else {
        return Ok(());
    };
    run_hook(runtime, session, emitter, hook, kind, input).await
}

/// Sweeps expired sessions and runs `#[on_chat_end]` for the chats among them (with their last
/// facts; their state is gone and their tab too, so it is for clean-up, not for messages).
pub(crate) async fn sweep(runtime: &Arc<Runtime>) -> Result<Vec<crate::session::SessionId>> {
    let ended = runtime.sessions.sweep().await?;
    let mut ids = Vec::with_capacity(ended.len());
    for (id, session) in ended {
        ids.push(id);
        let Some(session) = session.filter(|s| s.meta().chat_started) else {
            continue;
        };
        let gone = Emitter::new(id, Arc::new(EndedChat(id)));
        if let Err(err) = run_chat_hook(
            runtime,
            &session,
            &gone,
            HookKind::OnChatEnd,
            HookInput::None,
        )
        .await
        {
            tracing::debug!(target: "chainrs::chat", parent: &session.span, error = %err, "on_chat_end of an expired session could not report its error");
        }
    }
    Ok(ids)
}

/// The tab of a session that has ended: nothing reaches it.
struct EndedChat(crate::session::SessionId);

impl crate::context::ChatSink for EndedChat {
    fn deliver(&self, _event: ServerEvent) -> crate::context::SinkFuture<'_> {
        let id = self.0;
        Box::pin(async move { Err(Error::SessionNotFound(id.to_string())) })
    }
}

/// Stores the chat settings the client sent (`Session::chat_settings`).
pub(crate) async fn store_settings(
    session: &SessionRef,
    settings: &serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    session
        .update_meta("chat settings changed", |m| {
            m.chat_settings = settings.clone()
        })
        .await
}

/// Runs the `#[action_callback]` registered for the action's name in the session's live tab.
/// `emitter` is the tab to use, or `None` for the session's live tab.
pub(crate) async fn run_action(
    runtime: &Arc<Runtime>,
    session: &SessionRef,
    emitter: Option<&Emitter>,
    input: HookInput,
) -> Result<()> {
    let HookInput::Action(action) = &input else {
        return Err(Error::BadRequest(
            "an action run needs an action".to_owned(),
        ));
    };
    let hook = runtime.actions.get(action.name.as_str()).ok_or_else(|| {
        Error::BadRequest(format!(
            "no #[action_callback({:?})] is registered in this app",
            action.name
        ))
    })?;
    let emitter = match emitter {
        Some(emitter) => emitter.clone(),
        None => runtime
            .chat_of(session)
            .await?
            .ok_or_else(|| Error::NoLiveChat(session.id.to_string()))?,
    };
    run_hook(runtime, session, &emitter, hook, HookKind::OnMessage, input).await
}

async fn run_hook(
    runtime: &Arc<Runtime>,
    session: &SessionRef,
    emitter: &Emitter,
    hook: &Registered<ChatHookFn>,
    kind: HookKind,
    input: HookInput,
) -> Result<()> {
    let is_action = matches!(input, HookInput::Action(_));
    let framed = !is_action && matches!(kind, HookKind::OnChatStart | HookKind::OnMessage);
    let mut run_step = None;
    // A failure of chainrs itself once the run is framed (the session vanished under the tab)
    // is reported like a hook error, so the client always gets its `task_end`.
    let mut early: Result<()> = Ok(());
    if framed {
        emitter.emit(ServerEvent::TaskStart).await?;
        let mut step = StepDict::new(StepType::Run, kind.name());
        step.thread_id = Some(session.thread_id());
        if let HookInput::Message(msg) = &input {
            step.parent_id = Some(msg.id);
            if !session.interacted() {
                match session
                    .update_meta("first interaction", |m| {
                        m.interacted = true;
                        m.thread_id
                    })
                    .await
                {
                    Ok(thread_id) => {
                        emitter
                            .emit(ServerEvent::FirstInteraction {
                                interaction: msg.content.clone(),
                                thread_id,
                            })
                            .await?
                    }
                    Err(err) => early = Err(err),
                }
            }
        }
        emitter.emit(ServerEvent::NewMessage(step.clone())).await?;
        run_step = Some(step);
    }

    let step_input = match &input {
        HookInput::Message(m) => Some(m.content.clone()),
        _ => None,
    };
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
        input,
    };
    let outcome = match early {
        Ok(()) => context
            .scope(contain_panic((hook.call)(call)))
            .await
            .and_then(|outcome| outcome),
        Err(err) => Err(err),
    };

    if let Err(err) = &outcome {
        tracing::warn!(target: "chainrs::chat", parent: &session.span, hook = if is_action { "action_callback" } else { kind.name() }, handler = hook.info.name, error = %err, "chat hook failed");
        let mut shown = Message::new(err.to_string()).with_author("Error");
        shown.is_error = true;
        shown.parent_id = run_step.as_ref().map(|s| s.id);
        shown.thread_id = Some(session.thread_id());
        emitter
            .emit(ServerEvent::NewMessage(shown.to_step()))
            .await?;
    }
    if let Some(mut step) = run_step {
        step.input = step_input.unwrap_or_else(|| "{}".to_owned());
        step.end = Some(now_iso());
        emitter.emit(ServerEvent::UpdateMessage(step)).await?;
        emitter.emit(ServerEvent::TaskEnd).await?;
    }
    Ok(())
}
