//! # chainrs
//!
//! Conversational AI apps in Rust: annotate async functions with `#[on_chat_start]`,
//! `#[on_message]`, `#[endpoint(http, ...)]`…, register them on an [`App`], and serve.
//! Each handler receives what it asks for by type (its session's typed state, the user, the
//! incoming message) in the right context, and a parameter that does not fit its context is a
//! compile error that names the fix.
//!
//! ```no_run
//! use chainrs::prelude::*;
//!
//! #[derive(SessionState, Default, Serialize, Deserialize)]
//! struct Chat { turns: u32 }
//!
//! #[on_message]
//! async fn reply(msg: Message, chat: UserSession<Chat>) -> chainrs::Result<()> {
//!     let n = chat.update(|c| { c.turns += 1; c.turns }).await?;
//!     Message::new(format!("echo #{n}: {}", msg.content)).send().await?;
//!     Ok(())
//! }
//!
//! /// The same session, seen from an HTTP endpoint that names it.
//! #[endpoint(http, method = "GET", path = "/turns")]
//! async fn turns(chat: UserSession<Chat>) -> chainrs::Result<Json<u32>> {
//!     Ok(Json(chat.get().await?.turns))
//! }
//!
//! #[tokio::main]
//! async fn main() -> chainrs::Result<()> {
//!     App::new().register(reply).register(turns).serve("127.0.0.1:8000").await
//! }
//! ```

extern crate self as chainrs;

#[macro_use]
mod hook_table;

mod app;
mod auth;
mod chat;
mod config;
mod context;
pub mod data;
mod error;
mod extract;
pub mod files;
pub mod protocol;
mod registered;
mod server;
pub mod session;
mod tab;
pub mod testing;
mod transport;
mod ui;

pub use app::{
    App, Config, EndpointOutput, FileUpload, Handler, HandlerOf, HookOutput, Overlap, Secret,
    Transports, UiConfig,
};
pub use auth::{AuthOutput, User};
/// `#[derive(ChatSettings)]`: see the [`ChatSettings`](trait@ChatSettings) trait.
pub use chainrs_macros::ChatSettings;
/// `#[derive(SessionState)]`: see the [`SessionState`](trait@SessionState) trait.
pub use chainrs_macros::SessionState;
/// `#[derive(SettingChoice)]`: a field-less enum as the choices of a select input.
pub use chainrs_macros::SettingChoice;
pub use chainrs_macros::{
    action_callback, endpoint, header_auth_callback, on_logout, on_shared_thread_view,
    password_auth_callback, set_chat_profiles, set_starter_categories, set_starters,
};

/// Re-exports the attribute of each hook of the hook table, from `$root` (the macro crate, or
/// the crate root for the prelude).
macro_rules! reexport_hooks {
    ($root:ident: $($variant:ident $attribute:ident,)*) => {
        pub use $root::{$($attribute),*};
    };
}

macro_rules! hooks_from_macros {
    ($($rest:tt)*) => { reexport_hooks!(chainrs_macros: $($rest)*); };
}

hook_table!(hooks_from_macros);
pub use chat::{
    Action, ActiveStep, AskActionMessage, AskFileMessage, AskUserMessage, BoolSetting,
    CHAT_CONTEXT_LIMIT, ChatContext, ChatSettings, ChoiceSetting, Element, ElementSidebar,
    Feedback, ListSetting, Message, MessageStream, NumberSetting, SettingField, SettingValue,
    Settings, SettingsDraft, Step, Task, TaskList, TaskStatus, TextSetting, Thread,
    send_window_message, set_commands, set_modes, toast,
};
pub use context::{ChatSink, ContextKind, Emitter, SinkFuture, current_kind, spawn};
pub use error::{BoxError, Error, Result};
pub use extract::{FromChat, FromEndpointParts, FromEndpointRequest, State, WindowMessage, kind};
pub use protocol::{
    Accept, ChatCommand, ChatMode, ChatProfile, Display, ElementKind, ElementSize, InputWidget,
    ModeOption, SelectItem, Starter, StarterCategory, ToastKind, WidgetKind,
};
pub use server::{Revoker, Server};
pub use session::{Local, Session, SessionId, SessionState, UserSession};
pub use tab::QUEUE_LIMIT;
pub use ui::Frontend;

pub use axum;
pub use serde_json;

/// Everything an app usually needs: `use chainrs::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Accept, Action, App, AskActionMessage, AskFileMessage, AskUserMessage, ChatCommand,
        ChatContext, ChatMode, ChatProfile, ChatSettings, Display, Element, ElementKind,
        ElementSidebar, ElementSize, Emitter, Feedback, FileUpload, Local, Message, ModeOption,
        Overlap, Session, SessionId, SessionState, SettingChoice, Settings, SettingsDraft, Starter,
        StarterCategory, State, Step, Task, TaskList, TaskStatus, Thread, ToastKind, User,
        UserSession, WindowMessage, action_callback, endpoint, header_auth_callback, on_logout,
        on_shared_thread_view, password_auth_callback, set_chat_profiles, set_starter_categories,
        set_starters,
    };

    macro_rules! hooks_from_root {
        ($($rest:tt)*) => { reexport_hooks!(crate: $($rest)*); };
    }

    hook_table!(hooks_from_root);
    pub use axum::Json;
    pub use axum::extract::{Form, Path, Query};
    pub use axum::http::{HeaderMap, StatusCode};
    pub use axum::response::IntoResponse;
    pub use serde::{Deserialize, Serialize};
}

/// Paths the macros' generated code names. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private;
