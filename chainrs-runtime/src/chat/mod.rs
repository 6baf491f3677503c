//! The handler-facing chat API: messages, steps, asks, actions, elements, task lists, toasts, and what a chat hook
//! call carries. How hooks run (their framing, the tab) is the `tab` module's.

mod action;
mod ask;
pub(crate) mod chat_context;
mod element;
mod feedback;
mod message;
mod settings;
mod sidebar;
mod step;
mod tasklist;
mod thread;

use std::sync::Arc;

use crate::context::{Emitter, StateMap};
use crate::error::{Error, Result};
use crate::protocol::ServerEvent;
use crate::session::SessionRef;

pub use action::Action;
pub use ask::{AskActionMessage, AskFileMessage, AskUserMessage};
pub use chat_context::{CHAT_CONTEXT_LIMIT, ChatContext};
pub use element::Element;
pub use feedback::Feedback;
pub use message::{Message, MessageStream};
pub use settings::{
    BoolSetting, ChatSettings, ChoiceSetting, ListSetting, NumberSetting, SettingField,
    SettingValue, Settings, SettingsDraft, TextSetting, inputs, read_field,
};
pub(crate) use settings::{SettingsPanel, panel};
pub use sidebar::ElementSidebar;
pub use step::{ActiveStep, Step};
pub use tasklist::{Task, TaskList, TaskStatus};
pub use thread::Thread;

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

/// Shows `commands` in the current chat tab's composer (`set_commands`; an empty list removes
/// them). The one the user picks arrives as [`Message::command`]. They are kept with the
/// session, so a reloaded tab (on any instance) shows them again.
pub async fn set_commands(commands: Vec<crate::protocol::ChatCommand>) -> Result<()> {
    let chat = chat_of("chainrs::set_commands")?;
    keep_composer("chainrs::set_commands", "composer commands set", |m| {
        m.commands = Some(commands.clone())
    })
    .await?;
    chat.emit(ServerEvent::SetCommands(commands)).await
}

/// Shows `modes` in the current chat tab's composer (`set_modes`). The options chosen arrive
/// as [`Message::modes`]. They are kept with the session, as the commands are.
pub async fn set_modes(modes: Vec<crate::protocol::ChatMode>) -> Result<()> {
    let chat = chat_of("chainrs::set_modes")?;
    keep_composer("chainrs::set_modes", "composer modes set", |m| {
        m.modes = Some(modes.clone())
    })
    .await?;
    chat.emit(ServerEvent::SetModes(modes)).await
}

/// Keeps what the composer shows in the current session's facts (nothing when it is already
/// kept: a resumed or restarted chat setting the same again writes nothing).
async fn keep_composer(
    api: &'static str,
    what: &'static str,
    set: impl Fn(&mut crate::session::SessionMeta),
) -> Result<()> {
    let cx = crate::context::current().ok_or(Error::NoContext { api })?;
    let current = cx.session.meta();
    let mut wanted = current.clone();
    set(&mut wanted);
    if (&wanted.commands, &wanted.modes) == (&current.commands, &current.modes) {
        return Ok(());
    }
    cx.session.update_meta(what, |m| set(m)).await
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
    /// The values of the settings panel being edited (on_settings_edit).
    Draft(serde_json::Map<String, serde_json::Value>),
    /// A message from the page's parent window (on_window_message).
    Window(serde_json::Value),
    /// The clicked action (action callbacks).
    Action(Action),
    /// The thread the session resumes (on_chat_resume).
    Thread(Box<Thread>),
    /// The rating the user gave a reply (on_feedback).
    Feedback(Feedback),
}

/// What a chat hook receives: the resolved session, its tab, the app's shared values, and
/// what started the run.
#[doc(hidden)]
pub struct ChatCall {
    pub(crate) session: SessionRef,
    pub(crate) emitter: Emitter,
    pub(crate) state: Arc<StateMap>,
    pub(crate) input: HookInput,
}
