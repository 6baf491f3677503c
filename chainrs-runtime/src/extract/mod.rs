//! Injection by type: each handler parameter is extracted through a trait for its context kind.
//! A type that does not fit its handler's context is a compile error on that parameter.

mod chat;
mod endpoint;
pub(crate) mod state;

pub use chat::{ChatSettings, FromChat, WindowMessage};
pub use endpoint::{FromEndpointParts, FromEndpointRequest, ViaAxum, ViaChat};
pub use state::State;

/// Marker types naming each kind of handler; they appear in compile errors as `#[kind]`.
#[allow(non_camel_case_types)]
pub mod kind {
    /// `#[on_chat_start]`.
    pub struct on_chat_start;
    /// `#[on_message]`.
    pub struct on_message;
    /// `#[on_chat_end]`.
    pub struct on_chat_end;
    /// `#[on_stop]`.
    pub struct on_stop;
    /// `#[on_settings_update]`.
    pub struct on_settings_update;
    /// `#[on_window_message]`.
    pub struct on_window_message;
    /// `#[on_disconnect]`.
    pub struct on_disconnect;
    /// `#[action_callback("name")]`.
    pub struct action_callback;
    /// `#[password_auth_callback]`.
    pub struct password_auth_callback;
    /// `#[header_auth_callback]`.
    pub struct header_auth_callback;
    /// `#[on_logout]`.
    pub struct on_logout;
    /// `#[endpoint(http, ...)]`.
    pub struct http;
    /// `#[endpoint(ws, ...)]`.
    pub struct ws;

    /// The chat hooks: they run in a chat tab.
    pub trait ChatHook: Send + 'static {}
    impl ChatHook for on_chat_start {}
    impl ChatHook for on_message {}
    impl ChatHook for on_chat_end {}
    impl ChatHook for on_stop {}
    impl ChatHook for on_settings_update {}
    impl ChatHook for on_window_message {}
    impl ChatHook for on_disconnect {}
    impl ChatHook for action_callback {}

    /// The endpoint kinds: they run for an HTTP request.
    pub trait Endpoint: Send + 'static {}
    impl Endpoint for http {}
    impl Endpoint for ws {}
}
