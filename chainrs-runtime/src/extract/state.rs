//! `State<T>`: values the app shares with every handler, registered with `App::with_state`.
//! Available in chat hooks and endpoints alike.

use std::any::{Any, TypeId};
use std::collections::HashMap;
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

/// App-wide values by type.
#[derive(Clone, Default)]
pub(crate) struct StateMap {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Arc::new(value));
    }

    fn get<T: Send + Sync + 'static>(&self) -> Result<State<T>> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|v| v.clone().downcast::<T>().ok())
            .map(State)
            .ok_or_else(|| {
                let name = std::any::type_name::<T>();
                Error::Config(format!(
                    "a handler takes `State<{name}>`, but no value of that type was registered: call App::with_state(value) with a `{name}`"
                ))
            })
    }
}

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
        call.runtime.state.get::<T>()
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
        cx.runtime
            .state
            .get::<T>()
            .map_err(IntoResponse::into_response)
    }
}
