//! Attribute macros of chainrs. Use them through the `chainrs` crate (`use chainrs::prelude::*;`).
//!
//! Each attribute turns an `async fn name(...)` into a value `name` that `App::register`
//! accepts; the function itself stays callable as `name::call(...)`. Parameters are injected
//! by type; a type that does not fit the handler's context is a compile error on it.
//!
//! Grammar:
//!
//! ```text
//! hook      := "#[" ("on_chat_start" | "on_message" | "on_chat_end" | "on_chat_resume"
//!                   | "on_feedback" | "on_stop" | "on_settings_update" | "on_settings_edit"
//!                   | "on_window_message" | "on_disconnect") "]"
//! action    := "#[action_callback(" STRING ")]"
//! auth      := "#[" ("password_auth_callback" | "header_auth_callback" | "on_logout"
//!                   | "on_shared_thread_view" | "set_chat_profiles" | "set_starters"
//!                   | "set_starter_categories") "]"
//! endpoint  := "#[endpoint(" KIND "," "method" "=" METHOD "," "path" "=" PATH ")]"
//! KIND      := "http" | "ws"
//! METHOD    := "\"GET\"" | "\"POST\"" | "\"PUT\"" | "\"PATCH\"" | "\"DELETE\""
//! PATH      := a string starting with "/", parameters as "{name}", a last "{*rest}" wildcard
//! ```
//!
//! The macros parse the signature (the body stays as tokens), validate it reporting every
//! problem at once, then expand; on error they still emit the function unchanged.

#[macro_use]
mod kinds;

mod auth;
mod diagnostics;
mod endpoint;
mod errors;
mod exports;
mod handler;
mod hook;
mod settings;
mod signature;
mod state;

use proc_macro::TokenStream;

use auth::Callback;
use hook::Hook;

/// One `#[proc_macro_attribute]` per chat hook of the hook table, with the table's docs.
macro_rules! hook_entry_points {
    ($($(#[$doc:meta])* $variant:ident $attribute:ident => $runtime:ident,)*) => {
        $(
            $(#[$doc])*
            #[proc_macro_attribute]
            pub fn $attribute(args: TokenStream, item: TokenStream) -> TokenStream {
                hook::expand(Hook::$variant, args.into(), item.into()).into()
            }
        )*
    };
}

hook_table!(hook_entry_points);

/// Decides who may read a thread its owner did not share:
/// `async fn(thread: Thread, viewer: Option<User>) -> bool`, behind `GET /project/share/{id}`.
#[proc_macro_attribute]
pub fn on_shared_thread_view(args: TokenStream, item: TokenStream) -> TokenStream {
    auth::expand(Callback::SharedThreadView, args.into(), item.into()).into()
}

/// The suggested first messages of a new chat: `async fn(user: Option<User>) -> Vec<Starter>`,
/// served in `GET /project/settings` (`starters`).
#[proc_macro_attribute]
pub fn set_starters(args: TokenStream, item: TokenStream) -> TokenStream {
    auth::expand(Callback::Starters, args.into(), item.into()).into()
}

/// The chat profiles (assistants) a user may pick: `async fn(user: Option<User>) ->
/// Vec<ChatProfile>`, served in `GET /project/settings` (`chatProfiles`); a new chat runs with
/// the one its page picked.
#[proc_macro_attribute]
pub fn set_chat_profiles(args: TokenStream, item: TokenStream) -> TokenStream {
    auth::expand(Callback::ChatProfiles, args.into(), item.into()).into()
}

/// The suggested first messages in named groups: `async fn(user: Option<User>, profile:
/// Option<ChatProfile>) -> Vec<StarterCategory>`, served in `GET /project/settings`
/// (`starterCategories`) for the chat profile the page picked (`?chat_profile=`).
#[proc_macro_attribute]
pub fn set_starter_categories(args: TokenStream, item: TokenStream) -> TokenStream {
    auth::expand(Callback::StarterCategories, args.into(), item.into()).into()
}

/// Checks a login: `async fn(username: String, password: String) -> Option<User>`, behind `POST /login`.
#[proc_macro_attribute]
pub fn password_auth_callback(args: TokenStream, item: TokenStream) -> TokenStream {
    auth::expand(Callback::Password, args.into(), item.into()).into()
}

/// Logs in from request headers: `async fn(headers: HeaderMap) -> Option<User>`, behind `POST /auth/header`.
#[proc_macro_attribute]
pub fn header_auth_callback(args: TokenStream, item: TokenStream) -> TokenStream {
    auth::expand(Callback::Header, args.into(), item.into()).into()
}

/// Runs on `POST /logout` for the user who logs out: `async fn(user: User)`.
#[proc_macro_attribute]
pub fn on_logout(args: TokenStream, item: TokenStream) -> TokenStream {
    auth::expand(Callback::Logout, args.into(), item.into()).into()
}

/// An HTTP route: `#[endpoint(http, method = "POST", path = "/agent/run")]`.
///
/// `http` runs in the session the request names (header `X-Chainrs-Session-Id`, cookie
/// `X-Chainlit-Session-id` or `?session_id=`) or a new one; `ws` runs inside the live chat tab
/// the request names, so `Message::send` reaches that tab. Parameters are axum extractors or
/// chainrs session types; only the last may read the body. Returns anything `IntoResponse`.
#[proc_macro_attribute]
pub fn endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    endpoint::expand(args.into(), item.into()).into()
}

/// Makes a type session state, stored under a stable key: `#[derive(SessionState)]`.
///
/// The key is the type's name (`Chat` for `struct Chat`), or the one given with
/// `#[session(key = "chat")]`. It does not change when the type moves to another module, so
/// state kept in Redis or a database stays readable; rename the type and keep its old key with
/// `#[session(key = "OldName")]`. The type also needs `Serialize`, `Deserialize` and `Default`.
#[proc_macro_derive(SessionState, attributes(session))]
pub fn derive_session_state(item: TokenStream) -> TokenStream {
    state::expand(item.into()).into()
}

/// Makes a struct the chat settings panel: `#[derive(ChatSettings)]`, registered with
/// `App::chat_settings::<T>()` and read in hooks as `Settings<T>`.
///
/// Each field is one input, by its type: `bool` a switch, numbers a number input, `String` a
/// text input, `Vec<String>` tags, an enum with `#[derive(SettingChoice)]` a select. The
/// type's `Default` gives the initial values. `#[setting(...)]` on a field names another input
/// (`slider(min = 0.0, max = 2.0, step = 0.1)`, `select(options = ["a", "b"])`, `radio`,
/// `multiselect(options = [...])`, `textinput(placeholder = "...", multiline)`,
/// `numberinput(placeholder = "...")`, `checkbox`, `tags`, `datepicker(...)`) and its `id`,
/// `label`, `tooltip`, `description` (else the doc comment) or `disabled`. An input the field's
/// type does not fit is a compile error on the type.
#[proc_macro_derive(ChatSettings, attributes(setting))]
pub fn derive_chat_settings(item: TokenStream) -> TokenStream {
    settings::expand(item.into()).into()
}

/// Makes a field-less enum the choices of a select (or radio) input of a settings field:
/// `#[derive(SettingChoice)]`, each variant a choice, with `#[choice(value = "...", label =
/// "...")]` (the value defaults to the variant's name, the label to the value).
#[proc_macro_derive(SettingChoice, attributes(choice))]
pub fn derive_setting_choice(item: TokenStream) -> TokenStream {
    settings::expand_choice(item.into()).into()
}
