//! What the built-in routes read from a request, as axum extractors: the session it names, the
//! user its token names, and bodies whose rejection says what the route takes.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::extract::rejection::JsonRejection;
use axum::http::request;

use super::Parts;
use super::resolve::requested_session;
use crate::auth::User;
use crate::error::{Error, Result};
use crate::session::SessionId;

/// The session a request names (header, cookie or query), if any; a malformed id is refused.
pub(crate) struct Named(pub(crate) Option<SessionId>);

impl<S: Send + Sync> FromRequestParts<S> for Named {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut request::Parts, _: &S) -> Result<Self> {
        requested_session(&parts.headers, &parts.uri).map(Named)
    }
}

/// The user the request's login token names (`None` without one); an invalid token is a 401.
pub(crate) struct Caller(pub(crate) Option<User>);

impl FromRequestParts<Arc<Parts>> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut request::Parts, app: &Arc<Parts>) -> Result<Self> {
        app.auth.identify(&parts.headers).map(Caller)
    }
}

/// A JSON body, or a 400 that names the shape the route takes.
pub(crate) fn json_body<T>(
    body: std::result::Result<axum::Json<T>, JsonRejection>,
    route: &str,
    shape: &str,
) -> Result<T> {
    body.map(|axum::Json(value)| value)
        .map_err(|rejection| Error::BadRequest(format!("{route} takes JSON {shape} ({rejection})")))
}
