//! Every runtime path that `chainrs-macros` generates code against, in one place.
//! Not a public API.

pub use crate::app::{EndpointKind, Handler, HandlerInfo, HandlerOf, HookKind, Registry};
pub use crate::app::{EndpointOutput, HookOutput};
pub use crate::auth::{AuthOutput, User};
pub use crate::chat::ChatCall;
pub use crate::chat::Thread;
pub use crate::chat::{
    ChatSettings, ChoiceSetting, SettingField, SettingValue, inputs, read_field,
};
pub use crate::error::{Error, Result};
pub use crate::extract::{
    FromChat, FromEndpointParts, FromEndpointRequest, ViaAxum, ViaChat, kind,
};
pub use crate::protocol::{ChatProfile, SelectItem, Starter, StarterCategory, WidgetKind};
pub use crate::session::{SessionState, StateKey, UserSession};
pub use axum::extract::Request;
pub use axum::http::HeaderMap;
pub use axum::response::Response;
pub use futures_util::future::BoxFuture;
pub use serde_json::{Map, Value};
pub use std::option::Option;
pub use std::string::String;
pub use std::vec::Vec;
pub use std::{concat, file, line};

/// Splits a request into its head and body.
pub fn into_parts(req: Request) -> (axum::http::request::Parts, axum::body::Body) {
    req.into_parts()
}

/// Joins a head and body back into a request (for the last, body-reading parameter).
pub fn from_parts(parts: axum::http::request::Parts, body: axum::body::Body) -> Request {
    Request::from_parts(parts, body)
}

/// Extracts an endpoint's last parameter `T` (body readers allowed), `T` named by the caller so
/// that a type that does not fit is reported once, on the parameter.
pub fn last_param<K: 'static, T: FromEndpointRequest<K, M> + 'static, M: 'static>(
    req: Request,
) -> BoxFuture<'static, Result<T, Response>> {
    Box::pin(T::from_request(req))
}

/// Extracts an endpoint parameter `T` from the request head, `T` named by the caller so that a
/// type that does not fit is reported once, on the parameter.
pub fn head_param<K: 'static, T: FromEndpointParts<K, M> + 'static, M: 'static>(
    parts: &mut axum::http::request::Parts,
) -> BoxFuture<'_, Result<T, Response>> {
    Box::pin(T::from_parts(parts))
}

/// Boxes a handler's future; the generated call is spanned at the handler's name, so a future
/// that is not `Send` (a value held across `.await`) is reported once, at the signature.
pub fn send_future<T, F: std::future::Future<Output = T> + Send + 'static>(
    future: F,
) -> BoxFuture<'static, T> {
    Box::pin(future)
}

/// A chat hook's outcome; spanned at the hook's return type.
pub fn hook_outcome<T: HookOutput>(value: T) -> Result<()> {
    value.into_outcome()
}

/// An auth callback's decision; spanned at the callback's return type.
pub fn auth_decision<T: AuthOutput>(value: T) -> Result<Option<User>> {
    value.into_auth()
}

/// A shared-thread check's answer; spanned at the callback's return type (which is `bool`).
pub fn share_decision(allowed: bool) -> Result<bool> {
    Ok(allowed)
}

/// The starters a `#[set_starters]` callback returned; spanned at its return type.
pub fn starters_list(starters: Vec<Starter>) -> Result<Vec<Starter>> {
    Ok(starters)
}

/// The profiles a `#[set_chat_profiles]` callback returned; spanned at its return type.
pub fn chat_profiles_list(profiles: Vec<ChatProfile>) -> Result<Vec<ChatProfile>> {
    Ok(profiles)
}

/// The categories a `#[set_starter_categories]` callback returned; spanned at its return type.
pub fn starter_categories_list(categories: Vec<StarterCategory>) -> Result<Vec<StarterCategory>> {
    Ok(categories)
}

/// An endpoint's response; spanned at the endpoint's return type.
pub fn endpoint_response<T: EndpointOutput>(value: T) -> Response {
    value.into_endpoint_response()
}

/// Names a handler parameter's type so that [`ProbeState`] can tell whether it is a
/// `UserSession<S>` (method resolution picks `ProbeState` first, else [`ProbeOther`]).
pub struct StateProbe<T>(std::marker::PhantomData<fn() -> T>);

impl<T> StateProbe<T> {
    /// A probe for `T`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        StateProbe(std::marker::PhantomData)
    }
}

/// A `UserSession<S>` parameter: its state key.
pub trait ProbeState {
    /// The key of `S`.
    fn state_key(&self) -> Option<StateKey>;
}

impl<S: SessionState> ProbeState for StateProbe<UserSession<S>> {
    fn state_key(&self) -> Option<StateKey> {
        Some(StateKey::of::<S>())
    }
}

/// Any other parameter: no state key.
pub trait ProbeOther {
    /// Nothing.
    fn state_key(&self) -> Option<StateKey> {
        None
    }
}

impl<T> ProbeOther for &StateProbe<T> {}

/// Why a choice field refused `value`: "… is not one of "a", "b"".
pub fn format_is_not_one_of(value: &Value, listed: &str) -> String {
    format!("{value} is not one of {listed}")
}
