//! How one hook runs in a tab: the `task_start` / run step / `task_end` framing, the ambient
//! context bound, errors and panics shown in the chat instead of ending the tab.

use super::Tabs;
use super::hooks::{ChatHookFn, HookKind};
use crate::chat::{Action, ChatCall, HookInput, Message};
use crate::context::{ChatSink, Context, ContextKind, Emitter, SinkFuture};
use crate::error::{Error, Result, contain_panic};
use crate::protocol::{ServerEvent, StepDict, StepType, now_iso};
use crate::registered::Registered;
use crate::session::{SessionId, SessionRef};

/// What a run is: a hook of its kind, or an action callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunKind {
    /// The registered hook of this kind.
    Hook(HookKind),
    /// The `#[action_callback]` of the clicked action's name.
    Action,
}

impl RunKind {
    /// The attribute's name, for logs and the run step.
    pub(crate) fn name(self) -> &'static str {
        match self {
            RunKind::Hook(kind) => kind.name(),
            RunKind::Action => "action_callback",
        }
    }

    /// `on_chat_start` and `on_message` runs are framed by `task_start`, a run step and
    /// `task_end`, as Chainlit frames them.
    fn framed(self) -> bool {
        matches!(
            self,
            RunKind::Hook(HookKind::OnChatStart | HookKind::OnMessage)
        )
    }
}

impl Tabs {
    /// Runs the registered hook of `kind` (if any) for a session in the tab `emitter` reaches.
    ///
    /// Errors and panics of the hook become an error message in the chat and a log line; the
    /// returned `Err` is only for failures of chainrs itself (the store, the tab).
    pub(crate) async fn run_hook(
        &self,
        session: &SessionRef,
        emitter: &Emitter,
        kind: HookKind,
        input: HookInput,
    ) -> Result<()> {
        self.run_hook_busy(session, emitter, kind, input, None)
            .await
    }

    /// [`Tabs::run_hook`] for a user message whose `busy` mark (see `overlap.rs`) ends right
    /// before the run's `task_end`, so a client that sends its next message on `task_end`
    /// never finds the session busy.
    pub(crate) async fn run_hook_busy(
        &self,
        session: &SessionRef,
        emitter: &Emitter,
        kind: HookKind,
        input: HookInput,
        busy: Option<super::overlap::Busy>,
    ) -> Result<()> {
        let Some(hook) = self.hooks.get(kind) else {
            return Ok(());
        };
        self.run(session, emitter, hook, RunKind::Hook(kind), input, busy)
            .await
    }

    /// Runs the `#[action_callback]` registered for the action's name in the session's tab:
    /// `emitter`, or the session's live tab (here or, with Redis, on another instance).
    pub(crate) async fn run_action(
        &self,
        session: &SessionRef,
        emitter: Option<&Emitter>,
        action: Action,
    ) -> Result<()> {
        let hook = self.hooks.action(action.name.as_str()).ok_or_else(|| {
            Error::BadRequest(format!(
                "no #[action_callback({:?})] is registered in this app",
                action.name
            ))
        })?;
        let emitter = match emitter {
            Some(emitter) => emitter.clone(),
            None => self
                .chat_of(session)
                .await?
                .ok_or_else(|| Error::NoLiveChat(session.id.to_string()))?,
        };
        self.run(
            session,
            &emitter,
            hook,
            RunKind::Action,
            HookInput::Action(action),
            None,
        )
        .await
    }

    /// Runs the hook of `kind` (if registered) in `session`'s chat tab, whichever instance holds
    /// it; with no tab connected, what the hook sends fails with [`Error::NoLiveChat`] (its
    /// state and endpoints work as anywhere).
    pub(crate) async fn run_in_session(
        &self,
        session: &SessionRef,
        kind: HookKind,
        input: HookInput,
    ) -> Result<()> {
        if self.hooks.get(kind).is_none() {
            return Ok(());
        }
        let emitter = match self.chat_of(session).await? {
            Some(emitter) => emitter,
            None => Emitter::new(session.id, std::sync::Arc::new(NoTab(session.id))),
        };
        self.run_hook(session, &emitter, kind, input).await
    }

    async fn run(
        &self,
        session: &SessionRef,
        emitter: &Emitter,
        hook: &Registered<ChatHookFn>,
        kind: RunKind,
        input: HookInput,
        busy: Option<super::overlap::Busy>,
    ) -> Result<()> {
        // With a data layer, what the run shows is recorded on its way to the tab.
        let recorded = self.record.as_ref().map(|r| r.recording(session, emitter));
        let emitter = recorded.as_ref().unwrap_or(emitter);
        let mut run_step = None;
        // A failure of chainrs itself once the run is framed (the session vanished under the
        // tab) is reported like a hook error, so the client always gets its `task_end`.
        let mut early: Result<()> = Ok(());
        if kind.framed() {
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
                if let Some(record) = &self.record {
                    record.user_message(session, msg);
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
            state: self.state.clone(),
            chat: Some(emitter.clone()),
            files: self.files.clone(),
            chat_context: self.settings.chat_context,
            parent_step: run_step.as_ref().map(|s| s.id),
        };
        let call = ChatCall {
            session: session.clone(),
            emitter: emitter.clone(),
            state: self.state.clone(),
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
            tracing::warn!(target: "chainrs::chat", parent: &session.span, hook = kind.name(), handler = hook.info.name, error = %err, "chat hook failed");
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
            drop(busy);
            emitter.emit(ServerEvent::TaskEnd).await?;
        }
        Ok(())
    }
}

/// The tab of a session that has ended: nothing reaches it.
pub(super) struct EndedChat(pub(super) SessionId);

impl ChatSink for EndedChat {
    fn deliver(&self, _event: ServerEvent) -> SinkFuture<'_> {
        let id = self.0;
        Box::pin(async move { Err(Error::SessionNotFound(id.to_string())) })
    }
}

/// The tab of a session that has none connected now.
struct NoTab(SessionId);

impl ChatSink for NoTab {
    fn deliver(&self, _event: ServerEvent) -> SinkFuture<'_> {
        let id = self.0;
        Box::pin(async move { Err(Error::NoLiveChat(id.to_string())) })
    }
}
