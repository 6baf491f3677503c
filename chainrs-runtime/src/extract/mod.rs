//! Injection by type: each handler parameter is extracted through a trait for its context kind.
//! A type that does not fit its handler's context is a compile error on that parameter.

mod chat;
mod endpoint;
pub(crate) mod state;

pub use chat::{FromChat, WindowMessage};
pub use endpoint::{FromEndpointParts, FromEndpointRequest, ViaAxum, ViaChat};
pub use state::State;

/// Marker types naming each kind of handler; they appear in compile errors as `#[kind]`.
#[allow(non_camel_case_types)]
pub mod kind {
    macro_rules! chat_hook_markers {
        ($($variant:ident $attribute:ident,)*) => {
            $(
                #[doc = concat!("`#[", stringify!($attribute), "]`.")]
                pub struct $attribute;
                impl ChatHook for $attribute {}
            )*
        };
    }
    hook_table!(chat_hook_markers);

    /// `#[action_callback("name")]`.
    pub struct action_callback;
    /// `#[password_auth_callback]`.
    pub struct password_auth_callback;
    /// `#[header_auth_callback]`.
    pub struct header_auth_callback;
    /// `#[on_logout]`.
    pub struct on_logout;
    /// `#[on_shared_thread_view]`.
    pub struct on_shared_thread_view;
    /// `#[set_chat_profiles]`.
    pub struct set_chat_profiles;
    /// `#[set_starters]`.
    pub struct set_starters;
    /// `#[set_starter_categories]`.
    pub struct set_starter_categories;
    /// `#[endpoint(http, ...)]`.
    pub struct http;
    /// `#[endpoint(ws, ...)]`.
    pub struct ws;

    /// The chat hooks: they run in a chat tab.
    pub trait ChatHook: Send + 'static {}
    impl ChatHook for action_callback {}

    /// The endpoint kinds: they run for an HTTP request.
    pub trait Endpoint: Send + 'static {}
    impl Endpoint for http {}
    impl Endpoint for ws {}
}
