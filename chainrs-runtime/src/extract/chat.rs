//! Extraction in chat hooks: what `#[on_chat_start]`, `#[on_message]`, … can take.
//! Everything comes from the resolved session and its tab; nothing here reads a request.

use crate::auth::User;
use crate::chat::{ChatCall, Message};
use crate::context::Emitter;
use crate::error::{Error, Result};
use crate::session::{Local, Session, SessionState, UserSession};

use super::kind::{self, ChatHook};

/// A type a chat hook of kind `K` can take as a parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a parameter of this chat hook",
    label = "not injectable in this chat hook",
    note = "chat hooks take `UserSession<S>`, `Session`, `User`, `Option<User>`, `Local<T>`, `State<T>`, `Emitter`, and the incoming `Message` in `#[on_message]` only",
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
        call.message
            .take()
            .ok_or_else(|| Error::BadRequest("on_message ran without a message".to_owned()))
    }
}
