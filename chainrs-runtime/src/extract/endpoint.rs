//! Extraction in endpoints: every axum extractor, plus chainrs's session types, read from the
//! request context the runtime resolved. Only the last parameter may read the request body.

use std::future::Future;

use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::kind::{self, Endpoint};
use crate::auth::User;
use crate::context::{self, Context, Emitter};
use crate::error::Error;
use crate::session::{Local, Session, SessionState, UserSession};

/// Marks extraction through axum's own traits.
pub struct ViaAxum;
/// Marks extraction of the chat tab (only in `#[endpoint(ws)]`).
pub struct ViaChat;

/// A type that an endpoint of kind `K` can take as any parameter but the last.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a parameter of this endpoint here",
    label = "not extractable from the request head",
    note = "if it reads the request body (`Json`, `Form`, `String`, `Bytes`, `Request`), make it the last parameter",
    note = "otherwise it is not injectable in this endpoint: endpoints take `UserSession<S>`, `Session`, `User`, `Option<User>`, `Local<T>`, `State<T>` and axum extractors such as `Query`, `Path`, `HeaderMap`",
    note = "the chat tab (`Emitter`) exists only in `#[endpoint(ws, ...)]`, which runs inside the live chat tab the request names"
)]
pub trait FromEndpointParts<K, M>: Sized + Send {
    /// Extracts from the request head.
    fn from_parts(parts: &mut Parts) -> impl Future<Output = Result<Self, Response>> + Send;
}

/// A type that an endpoint of kind `K` can take as its last parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a parameter of this endpoint",
    label = "not injectable in this endpoint",
    note = "endpoints take `UserSession<S>`, `Session`, `User`, `Option<User>`, `Local<T>`, `State<T>` and any axum extractor (`Json`, `Query`, `Path`, `HeaderMap`, …)",
    note = "the chat tab (`Emitter`) exists only in `#[endpoint(ws, ...)]`, which runs inside the live chat tab the request names",
    note = "the incoming chat `Message` exists only in `#[on_message]`"
)]
pub trait FromEndpointRequest<K, M>: Sized + Send {
    /// Extracts from the whole request.
    fn from_request(req: Request) -> impl Future<Output = Result<Self, Response>> + Send;
}

impl<K: Endpoint, T> FromEndpointParts<K, ViaAxum> for T
where
    T: FromRequestParts<()> + Send,
{
    async fn from_parts(parts: &mut Parts) -> Result<Self, Response> {
        T::from_request_parts(parts, &())
            .await
            .map_err(IntoResponse::into_response)
    }
}

impl<K: Endpoint, M, T> FromEndpointRequest<K, (ViaAxum, M)> for T
where
    T: FromRequest<(), M> + Send,
{
    async fn from_request(req: Request) -> Result<Self, Response> {
        T::from_request(req, &())
            .await
            .map_err(IntoResponse::into_response)
    }
}

impl FromEndpointParts<kind::ws, ViaChat> for Emitter {
    async fn from_parts(parts: &mut Parts) -> Result<Self, Response> {
        context_of(parts, "Emitter")?
            .chat
            .ok_or_else(|| Error::NoChat { api: "Emitter" }.into_response())
    }
}

impl FromEndpointRequest<kind::ws, ViaChat> for Emitter {
    async fn from_request(req: Request) -> Result<Self, Response> {
        let (mut parts, _) = req.into_parts();
        <Emitter as FromEndpointParts<kind::ws, ViaChat>>::from_parts(&mut parts).await
    }
}

/// The context the runtime resolved for this request.
#[allow(clippy::result_large_err)] // axum's rejection type is a Response
fn context_of(parts: &Parts, api: &'static str) -> Result<Context, Response> {
    parts
        .extensions
        .get::<Context>()
        .cloned()
        .or_else(context::current)
        .ok_or_else(|| no_context(api))
}

#[cold]
fn no_context(api: &'static str) -> Response {
    Error::NoContext { api }.into_response()
}

impl<S: Send + Sync, T: SessionState> FromRequestParts<S> for UserSession<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        Ok(UserSession::new(context_of(parts, "UserSession")?.session))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        Ok(context_of(parts, "Session")?.session.facts())
    }
}

impl<S: Send + Sync, T: Send + Sync + 'static> FromRequestParts<S> for Local<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        Ok(Local::new(context_of(parts, "Local")?.session))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        context_of(parts, "User")?.session.user().ok_or_else(|| {
            Error::Unauthorized(
                "this endpoint needs a logged-in user: POST /login (form fields username and \
                 password) and send the returned X-Chainrs-Session-Id header"
                    .to_owned(),
            )
            .into_response()
        })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for User {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Response> {
        Ok(context_of(parts, "Option<User>")?.session.user())
    }
}
