//! `State<T>`: values the app shares with every handler, registered with `App::with_state`.
//! Available in chat hooks and endpoints alike.

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::FromChat;
use super::kind::ChatHook;
use crate::chat::ChatCall;
use crate::context::{self, Context};
use crate::error::{Error, Result};

/// A value shared by the whole app, registered with `App::with_state(value)`.
pub struct State<T>(pub Arc<T>);

impl<T> Clone for State<T> {
    fn clone(&self) -> Self {
        State(self.0.clone())
    }
}

impl<T> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for State<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<K: ChatHook, T: Send + Sync + 'static> FromChat<K> for State<T> {
    fn from_chat(call: &mut ChatCall) -> Result<Self> {
        call.state.get::<T>().map(State)
    }
}

impl<S: Send + Sync, T: Send + Sync + 'static> FromRequestParts<S> for State<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let cx = parts
            .extensions
            .get::<Context>()
            .cloned()
            .or_else(context::current)
            .ok_or_else(|| Error::NoContext { api: "State<T>" }.into_response())?;
        cx.state
            .get::<T>()
            .map(State)
            .map_err(IntoResponse::into_response)
    }
}
