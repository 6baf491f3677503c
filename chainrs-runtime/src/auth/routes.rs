//! The built-in auth routes: `POST /login`, `POST /auth/header`, `GET /user`.
//! A successful login opens a session bound to the user and returns its id.

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use serde::Deserialize;

use super::User;
use crate::app::Runtime;
use crate::chat::panic_message;
use crate::error::{Error, Result};
use crate::server::SESSION_HEADER;
use crate::server::resolve::requested_session;
use crate::session::{Origin, SessionMeta, SessionRef};

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

/// `POST /login`: runs the password callback on the form's `username` and `password`.
pub(crate) async fn login(runtime: Arc<Runtime>, req: Request) -> Response {
    let Some(callback) = runtime.password_auth.clone() else {
        return disabled("password login", "#[password_auth_callback]");
    };
    let named = requested_session(&req);
    let form = match axum::Form::<LoginForm>::from_request(req, &()).await {
        Ok(axum::Form(form)) => form,
        Err(rejection) => {
            return Error::BadRequest(format!(
                "POST /login takes form fields `username` and `password` ({rejection})"
            ))
            .into_response();
        }
    };
    let decision =
        std::panic::AssertUnwindSafe((callback.call)(form.username.clone(), form.password))
            .catch_unwind()
            .await
            .unwrap_or_else(|p| Err(Error::Panicked(panic_message(&p))));
    finish_login(&runtime, named.ok().flatten(), decision, &form.username).await
}

/// `POST /auth/header`: runs the header callback on the request's headers.
pub(crate) async fn header(runtime: Arc<Runtime>, req: Request) -> Response {
    let Some(callback) = runtime.header_auth.clone() else {
        return disabled("header login", "#[header_auth_callback]");
    };
    let named = requested_session(&req).ok().flatten();
    let decision = std::panic::AssertUnwindSafe((callback.call)(req.headers().clone()))
        .catch_unwind()
        .await
        .unwrap_or_else(|p| Err(Error::Panicked(panic_message(&p))));
    finish_login(&runtime, named, decision, "<from headers>").await
}

async fn finish_login(
    runtime: &Arc<Runtime>,
    named: Option<crate::session::SessionId>,
    decision: Result<Option<User>>,
    attempted: &str,
) -> Response {
    let user = match decision {
        Ok(Some(user)) => user,
        Ok(None) => {
            tracing::warn!(target: "chainrs::auth", user = attempted, "login refused: the auth callback returned None");
            return Error::Unauthorized("invalid credentials".to_owned()).into_response();
        }
        Err(err) => {
            tracing::error!(target: "chainrs::auth", error = %err, "auth callback failed");
            return err.into_response();
        }
    };
    match session_for(runtime, named, user).await {
        Ok(session) => {
            let body = serde_json::json!({ "success": true, "sessionId": session.id });
            let mut response = axum::Json(body).into_response();
            if let Ok(v) = HeaderValue::from_str(&session.id.to_string()) {
                response.headers_mut().insert(SESSION_HEADER, v);
            }
            response
        }
        Err(err) => err.into_response(),
    }
}

/// The session to bind a freshly logged-in user to: the named one if it already belongs to
/// that user, else a new one (an anonymous or another user's session is never taken over).
async fn session_for(
    runtime: &Arc<Runtime>,
    named: Option<crate::session::SessionId>,
    user: User,
) -> Result<SessionRef> {
    if let Some(id) = named {
        if let Some(existing) = runtime.sessions.open(id).await? {
            if existing
                .user()
                .is_some_and(|u| u.identifier == user.identifier)
            {
                return Ok(existing);
            }
        }
    }
    let session = runtime
        .sessions
        .create(None, SessionMeta::new(Origin::Http, Some(user)))
        .await?;
    tracing::info!(target: "chainrs::session", parent: &session.span, "user bound");
    Ok(session)
}

/// `GET /user`: the user of the session the request names.
pub(crate) async fn user(runtime: Arc<Runtime>, req: Request) -> Response {
    let not_logged_in = || Error::Unauthorized("not logged in".to_owned()).into_response();
    let id = match requested_session(&req) {
        Ok(Some(id)) => id,
        Ok(None) => return not_logged_in(),
        Err(err) => return err.into_response(),
    };
    match runtime.sessions.open(id).await {
        Ok(Some(session)) => match session.user() {
            Some(user) => axum::Json(user).into_response(),
            None => not_logged_in(),
        },
        Ok(None) => not_logged_in(),
        Err(err) => err.into_response(),
    }
}

fn disabled(what: &str, attribute: &str) -> Response {
    let body = serde_json::json!({ "error": format!("{what} is not enabled: register a {attribute} on the App") });
    (axum::http::StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}
