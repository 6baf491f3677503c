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
/// them). The one the user picks arrives as [`Message::command`].
pub async fn set_commands(commands: Vec<crate::protocol::ChatCommand>) -> Result<()> {
    chat_of("chainrs::set_commands")?
        .emit(ServerEvent::SetCommands(commands))
        .await
}

/// Shows `modes` in the current chat tab's composer (`set_modes`). The options chosen arrive
/// as [`Message::modes`].
pub async fn set_modes(modes: Vec<crate::protocol::ChatMode>) -> Result<()> {
    chat_of("chainrs::set_modes")?
        .emit(ServerEvent::SetModes(modes))
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
