//! The built-in auth routes (`POST /login`, `POST /auth/header`, `POST /logout`, `GET /user`): a
//! login issues a signed token (cookie, and body for API clients) and a session bound to the user.

use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Parts;
use super::SESSION_HEADER;
use super::request::{Caller, Login, Named};
use crate::auth::{User, token};
use crate::error::{Error, Result, contain_panic};
use crate::session::{Origin, SessionMeta, SessionRef};
use axum::http::header::SET_COOKIE;

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
}

/// The longest user name or password read from a login form, in bytes.
const MAX_CREDENTIAL: usize = 4096;

/// A login form as a browser posts it: urlencoded, or `multipart/form-data` (Chainlit's UI).
pub(crate) struct Credentials(LoginForm);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Credentials {
    type Rejection = Error;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self> {
        let multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let shape = |why: String| {
            Error::BadRequest(format!(
                "POST /login takes form fields `username` and `password`, urlencoded or multipart ({why})"
            ))
        };
        if !multipart {
            let Form(form) = Form::<LoginForm>::from_request(req, state)
                .await
                .map_err(|rejection: FormRejection| shape(rejection.to_string()))?;
            return Ok(Credentials(form));
        }
        let mut fields = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|rejection| shape(rejection.to_string()))?;
        let (mut username, mut password) = (None, None);
        while let Some(field) = fields
            .next_field()
            .await
            .map_err(|e| shape(e.to_string()))?
        {
            let slot = match field.name() {
                Some("username") => &mut username,
                Some("password") => &mut password,
                _ => continue,
            };
            let value = field.text().await.map_err(|e| shape(e.to_string()))?;
            if value.len() > MAX_CREDENTIAL {
                return Err(shape(format!("a field is over {MAX_CREDENTIAL} bytes")));
            }
            *slot = Some(value);
        }
        match (username, password) {
            (Some(username), Some(password)) => Ok(Credentials(LoginForm { username, password })),
            _ => Err(shape("a field is missing".to_owned())),
        }
    }
}

/// `POST /login`: runs the password callback on the form's `username` and `password`.
/// A malformed session id is ignored: the login opens a new session.
pub(crate) async fn login(
    State(parts): State<Arc<Parts>>,
    named: Result<Named>,
    extensions: axum::http::Extensions,
    form: Result<Credentials>,
) -> Response {
    let Some(callback) = parts.auth.password.clone() else {
        return disabled("password login", "#[password_auth_callback]");
    };
    let form = match form {
        Ok(Credentials(form)) => form,
        Err(err) => return err.into_response(),
    };
    // The client's address, when the app serves its own connections (not in the test client).
    let address = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    let (sessions, limits) = (&parts.tabs.sessions, &parts.auth.limits);
    if let Err(err) = sessions
        .login_allowed(limits, &form.username, address)
        .await
    {
        return err.into_response();
    }
    let decision = contain_panic((callback.call)(form.username.clone(), form.password))
        .await
        .and_then(|decision| decision);
    if matches!(decision, Ok(None)) {
        if let Err(err) = sessions.login_failed(limits, &form.username, address).await {
            tracing::warn!(target: "chainrs::auth", error = %err, "could not count a failed login");
        }
    }
    let named = named.ok().and_then(|Named(id)| id);
    finish_login(&parts, named, decision, &form.username).await
}

/// `POST /auth/header`: runs the header callback on the request's headers.
pub(crate) async fn header(
    State(parts): State<Arc<Parts>>,
    named: Result<Named>,
    headers: HeaderMap,
) -> Response {
    let Some(callback) = parts.auth.header.clone() else {
        return disabled("header login", "#[header_auth_callback]");
    };
    let named = named.ok().and_then(|Named(id)| id);
    let decision = contain_panic((callback.call)(headers))
        .await
        .and_then(|decision| decision);
    finish_login(&parts, named, decision, "<from headers>").await
}

async fn finish_login(
    parts: &Arc<Parts>,
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
    let Some(tokens) = parts.auth.tokens.as_ref() else {
        return Error::Config("login without token keys".to_owned()).into_response();
    };
    let token = match tokens.issue(&user) {
        Ok(token) => token,
        Err(err) => return err.into_response(),
    };
    // As Chainlit does, a data layer knows the user from their login on, so their history
    // lists (empty) before their first message. A database that is away does not stop a login.
    if let Some(record) = &parts.tabs.record
        && let Err(err) = record.layer().create_user(&user).await
    {
        tracing::warn!(target: "chainrs::data", user = %user.identifier, error = %err, "could not store the user at login; their first message will");
    }
    match session_for(parts, named, user).await {
        Ok(session) => {
            tracing::info!(target: "chainrs::auth", parent: &session.span, "logged in");
            let body = serde_json::json!({
                "success": true,
                "access_token": token,
                "token_type": "bearer",
                "sessionId": session.id,
            });
            let mut response = axum::Json(body).into_response();
            let headers = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&session.id.to_string()) {
                headers.insert(SESSION_HEADER, v);
            }
            if let Ok(v) = HeaderValue::from_str(&token::cookie(&token, tokens.lifetime)) {
                headers.insert(SET_COOKIE, v);
            }
            response
        }
        Err(err) => err.into_response(),
    }
}

/// The session to bind a freshly logged-in user to: the named one if it already belongs to
/// that user, else a new one (an anonymous or another user's session is never taken over).
async fn session_for(
    parts: &Arc<Parts>,
    named: Option<crate::session::SessionId>,
    user: User,
) -> Result<SessionRef> {
    if let Some(id) = named {
        if let Some(existing) = parts.tabs.sessions.open(id).await? {
            if existing
                .user()
                .is_some_and(|u| u.identifier == user.identifier)
            {
                return Ok(existing);
            }
        }
    }
    let session = parts
        .tabs
        .sessions
        .create(SessionMeta::new(Origin::Http, Some(user)))
        .await?;
    tracing::info!(target: "chainrs::session", parent: &session.span, "user bound");
    Ok(session)
}

/// `GET /user`: the user the request's token names.
/// In an app without login it answers `null`, as Chainlit does.
pub(crate) async fn user(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
) -> Result<axum::Json<Option<User>>> {
    if parts.auth.tokens.is_none() {
        return Ok(axum::Json(None));
    }
    user.map(|u| axum::Json(Some(u))).ok_or_else(|| {
        Error::Unauthorized(
            "not logged in: POST /login, then send the access_token cookie or Authorization: Bearer"
                .to_owned(),
        )
    })
}

/// `POST /logout`: revokes the token (on every instance), runs `#[on_logout]` for its user and
/// removes the cookie.
pub(crate) async fn logout(State(parts): State<Arc<Parts>>, Login(login): Login) -> Response {
    if let Some(login) = &login {
        // The token stops working on every instance, not only in this browser.
        if let Err(err) = parts.tabs.sessions.revoke_login(login).await {
            tracing::warn!(target: "chainrs::auth", user = %login.user.identifier, error = %err, "could not revoke the login");
            return err.into_response();
        }
    }
    let user = login.map(|login| login.user);
    if let (Some(user), Some(hook)) = (&user, parts.auth.logout.as_ref()) {
        let outcome = contain_panic((hook.call)(user.clone()))
            .await
            .and_then(|outcome| outcome);
        if let Err(err) = outcome {
            tracing::warn!(target: "chainrs::auth", user = %user.identifier, error = %err, "on_logout failed");
        }
    }
    if let Some(user) = &user {
        tracing::info!(target: "chainrs::auth", user = %user.identifier, "logged out");
    }
    let mut response = axum::Json(serde_json::json!({ "success": true })).into_response();
    if let Ok(v) = HeaderValue::from_str(&token::expired_cookie()) {
        response.headers_mut().insert(SET_COOKIE, v);
    }
    response
}

fn disabled(what: &str, attribute: &str) -> Response {
    let text = format!("{what} is not enabled: register a {attribute} on the App");
    (
        axum::http::StatusCode::NOT_FOUND,
        crate::error::error_body(&text),
    )
        .into_response()
}
