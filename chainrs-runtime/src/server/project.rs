//! The REST calls Chainlit's web client makes around the socket: `GET /auth/config`,
//! `GET /project/settings`, `POST /set-session-cookie` and `POST /project/action`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Parts;
use super::request::{Caller, json_body};
use crate::auth::User;
use crate::chat::Action;
use crate::error::Result;
use crate::protocol::{ChatProfile, Starter, StarterCategory};
use crate::session::SessionId;
use crate::tab::{OfferFn, offered};

/// `GET /health`: the app answers (for load balancers and probes): `{"status": "ok"}`, or 503
/// `{"status": "draining"}` once the instance is shutting down, so it gets no new chats.
pub(crate) async fn health(State(parts): State<Arc<Parts>>) -> Response {
    if parts.tabs.draining() {
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "draining" })),
        )
            .into_response();
    }
    Json(json!({ "status": "ok" })).into_response()
}

#[derive(Deserialize)]
pub(crate) struct Language {
    language: Option<String>,
}

/// The query of `GET /project/settings`: the page's language and the chat profile it picked.
#[derive(Deserialize)]
pub(crate) struct SettingsQuery {
    chat_profile: Option<String>,
}

/// `GET /project/translations?language=`: the page's strings (see [`crate::ui::translation`]);
/// the app's own language, when set, wins over the browser's.
pub(crate) async fn translations(
    State(parts): State<Arc<Parts>>,
    Query(query): Query<Language>,
) -> Result<Json<Value>> {
    let config = &parts.config;
    let language = config
        .ui
        .language
        .as_deref()
        .or(query.language.as_deref())
        .unwrap_or(crate::ui::DEFAULT_LANGUAGE);
    let translation = crate::ui::translation(config.translations_dir.as_deref(), language).await?;
    Ok(Json(json!({ "translation": translation })))
}

/// `GET /auth/config`: which logins are enabled and how the page looks.
pub(crate) async fn auth_config(State(parts): State<Arc<Parts>>) -> Response {
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

/// `#[set_starters]`: the suggested first messages for a user (`None` before a login).
pub(crate) type StartersFn = OfferFn<Starter>;

/// `#[set_starter_categories]`: the starters in named groups, for a user and the chat profile
/// the page picked.
pub(crate) type StarterCategoriesFn =
    fn(Option<User>, Option<ChatProfile>) -> BoxFuture<'static, Result<Vec<StarterCategory>>>;

/// `GET /project/settings`: what the page needs to render the app, in the complete shape
/// Chainlit 2.12 answers, with its defaults where chainrs has no setting of its own.
/// The starter categories are the ones for the chat profile the page names (else the one a new
/// chat would get); a name the app does not offer the caller counts as none.
pub(crate) async fn project_settings(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    Query(query): Query<SettingsQuery>,
) -> Response {
    let profiles = parts.tabs.chat_profiles(user.clone()).await;
    let profile = ChatProfile::choose(profiles.clone(), query.chat_profile.as_deref()).unwrap_or_else(|why| {
        tracing::debug!(target: "chainrs::http", reason = %why, "GET /project/settings: starter categories for no profile");
        None
    });
    let starters = offered(parts.starters.as_ref(), |f| f(user.clone())).await;
    let categories = offered(parts.starter_categories.as_ref(), |f| f(user, profile)).await;
    let sharing = parts.config.thread_sharing && parts.tabs.record.is_some();
    let ui = &parts.config.ui;
    Json(json!({
        "ui": {
            "name": ui.name,
            "description": ui.description,
            "default_theme": ui.default_theme,
            "cot": "full",
            "layout": "default",
            "language": ui.language,
            "default_sidebar_state": "open",
            "chat_settings_location": "message_composer",
            "default_chat_settings_open": false,
            "confirm_new_chat": true,
            "github": null,
            "custom_css": ui.custom_css,
            "custom_js": ui.custom_js,
            "alert_style": "classic",
            "login_page_image": null,
            "login_page_image_filter": null,
            "login_page_image_dark_filter": null,
            "custom_meta_image_url": null,
            "logo_file_url": "",
            "default_avatar_file_url": "",
            "avatar_size": null,
            "header_links": null,
        },
        "features": {
            "spontaneous_file_upload": match &parts.config.file_upload {
                Some(rules) => json!({
                    "enabled": true,
                    "accept": rules.accept,
                    "max_files": rules.max_files,
                    "max_size_mb": rules.max_size_mb,
                }),
                None => json!({ "enabled": false }),
            },
            "audio": { "enabled": false, "sample_rate": 24000 },
            "mcp": { "enabled": false, "servers": [], "user_servers": { "enabled": false } },
            "latex": false,
            "user_message_markdown": true,
            "user_message_autoscroll": true,
            "assistant_message_autoscroll": true,
            "unsafe_allow_html": false,
            "auto_tag_thread": true,
            "edit_message": true,
            "allow_thread_sharing": sharing,
            "favorites": false,
        },
        "userEnv": parts.config.user_env,
        "maskUserEnv": false,
        "dataPersistence": parts.tabs.record.is_some(),
        // chainrs resumes any thread of a data layer (`on_chat_resume` is optional).
        "threadResumable": parts.tabs.record.is_some(),
        "threadSharing": sharing,
        "chatProfiles": profiles,
        "starters": starters,
        "starterCategories": categories,
        "debugUrl": null,
        "markdown": null,
    }))
    .into_response()
}

#[derive(Deserialize)]
pub(crate) struct SessionCookie {
    session_id: String,
}

/// `POST /set-session-cookie`: sets the `X-Chainlit-Session-id` cookie load balancers use for affinity.
pub(crate) async fn set_session_cookie(
    body: std::result::Result<Json<SessionCookie>, JsonRejection>,
) -> Result<Response> {
    let body = json_body(
        body,
        "POST /set-session-cookie",
        r#"{"session_id": "<uuid>"}"#,
    )?;
    let id = SessionId::parse_from(&body.session_id, "the session_id field")?;
    let cookie = format!("X-Chainlit-Session-id={id}; HttpOnly; Path=/; SameSite=lax");
    let mut response = Json(json!({ "message": "Session cookie set" })).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ActionRequest {
    session_id: String,
    action: Action,
}

/// `POST /project/action`: runs the action's callback inside the session's live chat tab.
pub(crate) async fn project_action(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    body: std::result::Result<Json<ActionRequest>, JsonRejection>,
) -> Result<Json<Value>> {
    if parts.auth.login_required() && user.is_none() {
        return Err(super::resolve::login_required());
    }
    let body = json_body(
        body,
        "POST /project/action",
        r#"{"sessionId": "<uuid>", "action": {"name": ..., "id": ..., "payload": ...}}"#,
    )?;
    let id = SessionId::parse_from(&body.session_id, "the sessionId field")?;
    let session = parts.tabs.sessions.open_named(id).await?;
    session.check_owner(user.as_ref())?;
    parts.tabs.run_action(&session, None, body.action).await?;
    Ok(Json(json!({ "success": true, "response": Value::Null })))
}
