//! What routes read from a request: the session it names, the user its token names, bodies whose
//! rejection says what the route takes, and the origin guard on cookie-authenticated writes.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::extract::rejection::JsonRejection;
use axum::http::request;

use super::Parts;
use super::resolve::requested_session;
use crate::auth::{Origins, User, Verified};
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
        app.tabs
            .sessions
            .identify(&app.auth, &parts.headers)
            .await
            .map(Caller)
    }
}

/// The valid, unrevoked login token the request carries (`None` without one), for the routes
/// that act on the login itself (`POST /logout`).
pub(crate) struct Login(pub(crate) Option<Verified>);

impl FromRequestParts<Arc<Parts>> for Login {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut request::Parts, app: &Arc<Parts>) -> Result<Self> {
        app.tabs
            .sessions
            .verify_login(&app.auth, &parts.headers)
            .await
            .map(Login)
    }
}

/// Refuses, with 403 and the reason, a cookie-authenticated write from a page of another
/// origin (a browser sends the cookie along; a bearer token it never sends by itself).
pub(crate) async fn same_origin(
    axum::extract::State(app): axum::extract::State<Arc<Parts>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if Origins::needs_check(req.method(), req.headers()) {
        if let Err(why) = app.auth.origins.check(req.headers()) {
            tracing::warn!(target: "chainrs::auth", method = %req.method(), path = %req.uri().path(), reason = %why, "request refused: foreign origin");
            return Error::Forbidden(why).into_response();
        }
    }
    next.run(req).await
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
