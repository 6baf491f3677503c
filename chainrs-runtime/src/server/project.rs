//! The REST calls Chainlit's web client makes around the socket: `GET /auth/config`,
//! `GET /project/settings`, `POST /set-session-cookie` and `POST /project/action`.

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Parts;
use crate::chat::Action;
use crate::error::{Error, Result};
use crate::session::SessionId;

/// `GET /auth/config`: which logins are enabled and how the page looks.
pub(crate) async fn auth_config(parts: Arc<Parts>) -> Response {
    let ui = &parts.config.ui;
    axum::Json(json!({
        "requireLogin": parts.auth.login_required(),
        "passwordAuth": parts.auth.password.is_some(),
        "headerAuth": parts.auth.header.is_some(),
        "oauthProviders": [],
        "default_theme": ui.default_theme,
        "ui": { "name": ui.name, "description": ui.description, "default_theme": ui.default_theme },
    }))
    .into_response()
}

/// `GET /project/settings`: what the page needs to render the app.
pub(crate) async fn project_settings(parts: Arc<Parts>) -> Response {
    let ui = &parts.config.ui;
    axum::Json(json!({
        "ui": {
            "name": ui.name,
            "description": ui.description,
            "default_theme": ui.default_theme,
            "cot": "full",
            "layout": "default",
            "language": null,
        },
        "features": {
            "spontaneous_file_upload": { "enabled": false },
            "audio": { "enabled": false },
            "unsafe_allow_html": false,
            "latex": false,
            "edit_message": true,
        },
        "userEnv": [],
        "dataPersistence": false,
        "threadResumable": false,
        "chatProfiles": [],
        "starters": [],
        "debugUrl": null,
        "markdown": null,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct SessionCookie {
    session_id: String,
}

/// `POST /set-session-cookie`: sets the `X-Chainlit-Session-id` cookie load balancers use for affinity.
pub(crate) async fn set_session_cookie(req: Request) -> Response {
    let body = match axum::Json::<SessionCookie>::from_request(req, &()).await {
        Ok(axum::Json(body)) => body,
        Err(rejection) => {
            return Error::BadRequest(format!(
                "POST /set-session-cookie takes JSON {{\"session_id\": \"<uuid>\"}} ({rejection})"
            ))
            .into_response();
        }
    };
    let id = match SessionId::parse_from(&body.session_id, "the session_id field") {
        Ok(id) => id,
        Err(err) => return err.into_response(),
    };
    let cookie = format!("X-Chainlit-Session-id={id}; HttpOnly; Path=/; SameSite=lax");
    let mut response = axum::Json(json!({ "message": "Session cookie set" })).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActionRequest {
    session_id: String,
    action: Action,
}

/// `POST /project/action`: runs the action's callback inside the session's live chat tab.
pub(crate) async fn project_action(parts: Arc<Parts>, req: Request) -> Response {
    match action(parts, req).await {
        Ok(response) => {
            axum::Json(json!({ "success": true, "response": response })).into_response()
        }
        Err(err) => err.into_response(),
    }
}

async fn action(parts: Arc<Parts>, req: Request) -> Result<Value> {
    let user = parts.auth.identify(req.headers())?;
    if parts.auth.login_required() && user.is_none() {
        return Err(super::resolve::login_required());
    }
    let axum::Json(body) = axum::Json::<ActionRequest>::from_request(req, &())
        .await
        .map_err(|rejection| {
            Error::BadRequest(format!(
                "POST /project/action takes JSON {{\"sessionId\": \"<uuid>\", \"action\": {{\"name\": ..., \"id\": ..., \"payload\": ...}}}} ({rejection})"
            ))
        })?;
    let id = SessionId::parse_from(&body.session_id, "the sessionId field")?;
    let session = parts
        .tabs
        .sessions
        .open(id)
        .await?
        .ok_or_else(|| Error::SessionNotFound(id.to_string()))?;
    session.check_owner(user.as_ref())?;
    parts.tabs.run_action(&session, None, body.action).await?;
    Ok(Value::Null)
}
