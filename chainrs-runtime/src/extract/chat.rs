//! Extraction in chat hooks: what `#[on_chat_start]`, `#[on_message]`, … can take.
//! Everything comes from the resolved session and its tab; nothing here reads a request.

use crate::auth::User;
use crate::chat::{
    Action, ChatCall, ChatSettings, Feedback, HookInput, Message, Settings, SettingsDraft, Thread,
};
use crate::context::Emitter;
use crate::error::{Error, Result};
use crate::protocol::ChatProfile;
use crate::session::{Local, Session, SessionState, UserSession};

use super::kind::{self, ChatHook};

/// A type a chat hook of kind `K` can take as a parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a parameter of this chat hook",
    label = "not injectable in this chat hook",
    note = "chat hooks take `UserSession<S>`, `Session`, `User`, `Option<User>`, `Local<T>`, `State<T>`, `Emitter`, `Settings<T>` (the chat settings, `T` with `#[derive(ChatSettings)]`), `ChatProfile` (the profile the chat runs with); the incoming `Message` only in `#[on_message]`, `SettingsDraft<T>` only in `#[on_settings_edit]`, `WindowMessage` only in `#[on_window_message]`, `Action` only in `#[action_callback]`, `Thread` only in `#[on_chat_resume]`, `Feedback` only in `#[on_feedback]`",
    note = "HTTP extractors (`Json`, `Query`, `Path`, `HeaderMap`, …) belong in `#[endpoint(http, ...)]` handlers"
)]
pub trait FromChat<K>: Sized {
    /// Takes the value out of the call.
    fn from_chat(call: &mut ChatCall) -> Result<Self>;
}

impl<K: ChatHook, S: SessionState> FromChat<K> for UserSession<S> {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        Ok(UserSession::new(call.session.clone()))
    }
}

impl<K: ChatHook> FromChat<K> for Session {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        Ok(call.session.facts())
    }
}

impl<K: ChatHook> FromChat<K> for Option<User> {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        Ok(call.session.user())
    }
}

impl<K: ChatHook> FromChat<K> for User {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        call.session.user().ok_or_else(|| {
            Error::Unauthorized(
                "this handler takes `User`, but the session has no logged-in user: register a \
                 #[password_auth_callback] or #[header_auth_callback] so chats require login, \
                 or take `Option<User>`"
                    .to_owned(),
            )
        })
    }
}

impl<K: ChatHook> FromChat<K> for Option<ChatProfile> {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        Ok(call.session.chat_profile())
    }
}

impl<K: ChatHook> FromChat<K> for ChatProfile {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        call.session.chat_profile().ok_or_else(|| {
            Error::Config(
                "this handler takes `ChatProfile`, but the chat runs with none: register a \
                 #[set_chat_profiles] callback that offers this user at least one profile, or \
                 take `Option<ChatProfile>`"
                    .to_owned(),
            )
        })
    }
}

impl<K: ChatHook, T: Send + Sync + 'static> FromChat<K> for Local<T> {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        Ok(Local::new(call.session.clone()))
    }
}

impl<K: ChatHook> FromChat<K> for Emitter {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        Ok(call.emitter.clone())
    }
}

impl FromChat<kind::on_message> for Message {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        match std::mem::replace(&mut call.input, HookInput::None) {
            HookInput::Message(message) => Ok(message),
            _ => Err(wrong_input("on_message")),
        }
    }
}

/// What the page embedding the chat posted (injected into `#[on_window_message]`).
#[derive(Clone, Debug, PartialEq)]
pub struct WindowMessage(pub serde_json::Value);

fn wrong_input(hook: &str) -> Error {
    Error::Internal(format!("{hook} ran without its input"))
}

impl<K: ChatHook, T: ChatSettings> FromChat<K> for Settings<T> {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        let (values, problems) = T::read(&call.session.chat_settings(), T::default());
        if !problems.is_empty() {
            // With `App::chat_settings::<T>()` values are checked on the way in and at the tab's
            // start; these came to an app that did not register `T`.
            tracing::warn!(target: "chainrs::settings", parent: &call.session.span, problems = %problems.join("; "), "chat settings that do not fit their type (register it with App::chat_settings to check them on the way in): the defaults are used for them");
        }
        Ok(Settings(values))
    }
}

impl<T: ChatSettings> FromChat<kind::on_settings_edit> for SettingsDraft<T> {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        match std::mem::replace(&mut call.input, HookInput::None) {
            HookInput::Draft(draft) => {
                let current = T::read(&call.session.chat_settings(), T::default()).0;
                Ok(SettingsDraft(T::read(&draft, current).0))
            }
            _ => Err(wrong_input("on_settings_edit")),
        }
    }
}

impl FromChat<kind::on_window_message> for WindowMessage {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        match std::mem::replace(&mut call.input, HookInput::None) {
            HookInput::Window(value) => Ok(WindowMessage(value)),
            _ => Err(wrong_input("on_window_message")),
        }
    }
}

impl FromChat<kind::action_callback> for Action {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        match std::mem::replace(&mut call.input, HookInput::None) {
            HookInput::Action(action) => Ok(action),
            _ => Err(wrong_input("action_callback")),
        }
    }
}

impl FromChat<kind::on_chat_resume> for Thread {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        match std::mem::replace(&mut call.input, HookInput::None) {
            HookInput::Thread(thread) => Ok(*thread),
            _ => Err(wrong_input("on_chat_resume")),
        }
    }
}

impl FromChat<kind::on_feedback> for Feedback {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        match std::mem::replace(&mut call.input, HookInput::None) {
            HookInput::Feedback(feedback) => Ok(feedback),
            _ => Err(wrong_input("on_feedback")),
        }
    }
}
