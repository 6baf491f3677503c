//! The history routes of Chainlit's web client, over the app's data layer: the caller's threads
//! page by page, one thread whole, rename, delete, one element of a thread and its kept
//! content. Every route
//! checks that the caller wrote the thread.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Parts;
use super::request::{Caller, json_body};
use crate::auth::User;
use crate::chat::{Feedback, HookInput, Thread};
use crate::data::{DataLayer, ThreadUpdate};
use crate::error::{Error, Result};
use crate::protocol::{ElementDict, Page, Pagination, ThreadDict, ThreadFilter};
use crate::session::SessionId;
use crate::tab::HookKind;

/// The app's data layer, or Chainlit's refusal when it has none.
fn layer(parts: &Parts) -> Result<&Arc<dyn DataLayer>> {
    parts.tabs.record.as_ref().map(|r| r.layer()).ok_or_else(|| {
        Error::NotEnabled(
            "Data persistence is not enabled: give the app a data layer (App::data_layer or CHAINRS_DATABASE_URL)"
                .to_owned(),
        )
    })
}

/// The logged-in caller (history is per user).
fn caller(user: Option<User>) -> Result<User> {
    user.ok_or_else(super::resolve::login_required)
}

fn store(err: crate::error::BoxError) -> Error {
    Error::Store(err)
}

/// Refuses a thread the caller did not write: 404 when it has no author (or does not exist),
/// 401 when it is another user's (Chainlit's statuses).
async fn check_author(layer: &dyn DataLayer, thread: Uuid, user: &User) -> Result<()> {
    match layer.get_thread_author(thread).await.map_err(store)? {
        None => Err(Error::NotFound("Thread not found".to_owned())),
        Some(author) if author == user.identifier => Ok(()),
        Some(_) => Err(Error::Unauthorized(format!(
            "thread {thread} is not yours: it belongs to another user"
        ))),
    }
}

fn thread_id(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Error::NotFound("Thread not found".to_owned()))
}

#[derive(Deserialize)]
pub(crate) struct ThreadsRequest {
    #[serde(default)]
    pagination: Pagination,
    #[serde(default)]
    filter: ThreadFilter,
}

/// `POST /project/threads` `{pagination, filter}`: a page of the caller's threads, newest
/// activity first (the filter's `userId` is always the caller's).
pub(crate) async fn list(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    body: std::result::Result<Json<ThreadsRequest>, JsonRejection>,
) -> Result<Json<Page<ThreadDict>>> {
    let layer = layer(&parts)?;
    let user = caller(user)?;
    let body = json_body(
        body,
        "POST /project/threads",
        r#"{"pagination": {"first": 20, "cursor": null}, "filter": {"search": "…"}}"#,
    )?;
    let persisted = layer
        .get_user(&user.identifier)
        .await
        .map_err(store)?
        .ok_or_else(|| Error::NotFound("User not found".to_owned()))?;
    let mut pagination = body.pagination;
    if pagination.first == 0 {
        pagination.first = 20;
    }
    let filter = ThreadFilter {
        user_id: Some(persisted.id),
        ..body.filter
    };
    Ok(Json(
        layer
            .list_threads(pagination, filter)
            .await
            .map_err(store)?,
    ))
}

/// `GET /project/thread/{id}`: the caller's thread, whole.
pub(crate) async fn get(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    Path(id): Path<String>,
) -> Result<Json<ThreadDict>> {
    let layer = layer(&parts)?;
    let user = caller(user)?;
    let id = thread_id(&id)?;
    check_author(layer.as_ref(), id, &user).await?;
    layer
        .get_thread(id)
        .await
        .map_err(store)?
        .map(Json)
        .ok_or_else(|| Error::NotFound("Thread not found".to_owned()))
}

/// `GET /project/thread/{tid}/element/{eid}`: one element of the caller's thread.
pub(crate) async fn element(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    Path((thread, element)): Path<(String, String)>,
) -> Result<Json<ElementDict>> {
    let layer = layer(&parts)?;
    let user = caller(user)?;
    let thread = thread_id(&thread)?;
    check_author(layer.as_ref(), thread, &user).await?;
    let not_found = || Error::NotFound("Element not found".to_owned());
    let element = Uuid::parse_str(&element).map_err(|_| not_found())?;
    layer
        .get_element(thread, element)
        .await
        .map_err(store)?
        .map(Json)
        .ok_or_else(not_found)
}

/// `GET /project/thread/{tid}/file/{eid}`: the kept content of an element of the caller's
/// thread (what a resumed thread's element URLs point to).
pub(crate) async fn content(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    Path((thread, element)): Path<(String, String)>,
) -> Result<axum::response::Response> {
    let layer = layer(&parts)?;
    let user = caller(user)?;
    let thread = thread_id(&thread)?;
    check_author(layer.as_ref(), thread, &user).await?;
    let not_found = || Error::NotFound("File not found in this thread".to_owned());
    let element = Uuid::parse_str(&element).map_err(|_| not_found())?;
    let kept = layer
        .get_element_content(thread, element)
        .await
        .map_err(store)?
        .ok_or_else(not_found)?;
    let size = u64::try_from(kept.content.len()).unwrap_or(u64::MAX);
    Ok(super::files::served(
        axum::body::Body::from(kept.content),
        &kept.mime,
        size,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Rename {
    thread_id: String,
    name: String,
}

/// `PUT /project/thread` `{threadId, name}`: renames the caller's thread.
pub(crate) async fn rename(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    body: std::result::Result<Json<Rename>, JsonRejection>,
) -> Result<Json<Value>> {
    let layer = layer(&parts)?;
    let user = caller(user)?;
    let body = json_body(
        body,
        "PUT /project/thread",
        r#"{"threadId": "<uuid>", "name": "…"}"#,
    )?;
    let id = thread_id(&body.thread_id)?;
    check_author(layer.as_ref(), id, &user).await?;
    let name: String = body.name.chars().take(500).collect();
    layer
        .update_thread(
            id,
            ThreadUpdate {
                name: Some(name),
                ..ThreadUpdate::default()
            },
        )
        .await
        .map_err(store)?;
    Ok(Json(json!({ "success": true })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Delete {
    thread_id: String,
}

/// `DELETE /project/thread` `{threadId}`: deletes the caller's thread and all in it.
pub(crate) async fn delete(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    body: std::result::Result<Json<Delete>, JsonRejection>,
) -> Result<Json<Value>> {
    let layer = layer(&parts)?;
    let user = caller(user)?;
    let body = json_body(body, "DELETE /project/thread", r#"{"threadId": "<uuid>"}"#)?;
    let id = thread_id(&body.thread_id)?;
    check_author(layer.as_ref(), id, &user).await?;
    layer.delete_thread(id).await.map_err(store)?;
    Ok(Json(json!({ "success": true })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FeedbackUpdate {
    feedback: crate::protocol::FeedbackDict,
    /// The chat tab's session, where `#[on_feedback]` runs.
    #[serde(default)]
    session_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Share {
    thread_id: String,
    is_shared: bool,
}

/// `PUT /project/thread/share` `{threadId, isShared}`: the caller shares their thread by link
/// (or stops): `metadata.is_shared`, and `shared_at` while shared (Chainlit's keys).
pub(crate) async fn share(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    body: std::result::Result<Json<Share>, JsonRejection>,
) -> Result<Json<Value>> {
    let layer = layer(&parts)?;
    if !parts.config.thread_sharing {
        return Err(Error::NotEnabled(
            "Thread sharing is not enabled: the app turns it on with App::thread_sharing()"
                .to_owned(),
        ));
    }
    let user = caller(user)?;
    let body = json_body(
        body,
        "PUT /project/thread/share",
        r#"{"threadId": "<uuid>", "isShared": true}"#,
    )?;
    let thread = thread_id(&body.thread_id)?;
    check_author(layer.as_ref(), thread, &user).await?;
    let mut metadata = serde_json::Map::new();
    metadata.insert("is_shared".to_owned(), Value::Bool(body.is_shared));
    let shared_at = if body.is_shared {
        Value::String(crate::protocol::now_iso())
    } else {
        Value::Null
    };
    metadata.insert("shared_at".to_owned(), shared_at);
    let update = ThreadUpdate {
        metadata: Some(metadata),
        ..ThreadUpdate::default()
    };
    layer.update_thread(thread, update).await.map_err(store)?;
    tracing::info!(target: "chainrs::data", %thread, user = %user.identifier, shared = body.is_shared, "thread sharing changed");
    Ok(Json(json!({ "success": true })))
}

/// What `#[on_shared_thread_view]` generates: may `viewer` read `thread`, which is not shared?
pub(crate) type SharedViewFn = fn(Thread, Option<User>) -> BoxFuture<'static, Result<bool>>;

/// `GET /project/share/{id}`: a thread its owner shared (or that `#[on_shared_thread_view]`
/// lets this viewer read), for anyone with the link; without what is private to the session:
/// its `UserSession` state, settings, profile and environment.
pub(crate) async fn shared(
    State(parts): State<Arc<Parts>>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
) -> Result<Json<ThreadDict>> {
    let layer = layer(&parts)?;
    let not_found = || Error::NotFound("Thread not found".to_owned());
    let id = thread_id(&id)?;
    let mut thread = layer
        .get_thread(id)
        .await
        .map_err(store)?
        .ok_or_else(not_found)?;
    if !parts.config.thread_sharing {
        return Err(not_found());
    }
    let shared = thread.metadata.get("is_shared") == Some(&Value::Bool(true));
    let allowed = match (&parts.shared_view, shared) {
        (_, true) => true,
        (Some(check), false) => {
            let who = viewer.as_ref().map(|u| u.identifier.clone());
            match (check.call)(Thread::new(thread.clone()), viewer).await {
                Ok(allowed) => {
                    tracing::info!(target: "chainrs::data", thread = %id, viewer = who.as_deref(), allowed, "on_shared_thread_view decided");
                    allowed
                }
                Err(err) => {
                    tracing::warn!(target: "chainrs::data", thread = %id, error = %err, "on_shared_thread_view failed: the thread is not shown");
                    false
                }
            }
        }
        (None, false) => false,
    };
    if !allowed {
        return Err(not_found());
    }
    thread.metadata.retain(|key, _| {
        !(key.starts_with(crate::session::STATE_PREFIX)
            || matches!(key.as_str(), "chat_settings" | "chat_profile" | "env"))
    });
    Ok(Json(thread))
}

/// Refuses feedback on a step the caller did not write the thread of (Chainlit checks
/// nothing here: any user could rate any reply).
async fn check_step_author(layer: &dyn DataLayer, step: Uuid, user: &User) -> Result<()> {
    let thread = layer
        .get_step_thread(step)
        .await
        .map_err(store)?
        .ok_or_else(|| Error::NotFound(format!("Message {step} not found")))?;
    check_author(layer, thread, user).await
}

/// `PUT /feedback` `{feedback: {forId, value, comment?, id?}}`: the caller's feedback on a
/// reply of their thread, stored or changed; answers its id.
pub(crate) async fn put_feedback(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    body: std::result::Result<Json<FeedbackUpdate>, JsonRejection>,
) -> Result<Json<Value>> {
    let layer = layer(&parts)?;
    let user = caller(user)?;
    let body = json_body(
        body,
        "PUT /feedback",
        r#"{"feedback": {"forId": "<step uuid>", "value": 1, "comment": "…"}}"#,
    )?;
    let FeedbackUpdate {
        feedback,
        session_id,
    } = body;
    if !matches!(feedback.value, 0 | 1) {
        return Err(Error::Unprocessable(format!(
            "feedback value {} is neither 1 (good) nor 0 (bad)",
            feedback.value
        )));
    }
    check_step_author(layer.as_ref(), feedback.for_id, &user).await?;
    let id = layer
        .upsert_feedback(feedback.clone())
        .await
        .map_err(store)?;
    if let Some(session) = session_id {
        rated(&parts, &session, &user, Feedback::stored(id, feedback)).await;
    }
    Ok(Json(json!({ "success": true, "feedbackId": id })))
}

/// Runs `#[on_feedback]` in the caller's session `raw` (the rating is stored already: a session
/// that is gone or not the caller's only skips the hook, with a log line).
async fn rated(parts: &Parts, raw: &str, user: &User, feedback: Feedback) {
    let session = match SessionId::parse_from(raw, "the feedback's sessionId") {
        Ok(id) => parts.tabs.sessions.open_named(id).await,
        Err(err) => Err(err),
    }
    .and_then(|session| session.check_owner(Some(user)).map(|()| session));
    match session {
        Ok(session) => {
            if let Err(err) = parts
                .tabs
                .run_in_session(
                    &session,
                    HookKind::OnFeedback,
                    HookInput::Feedback(feedback),
                )
                .await
            {
                tracing::warn!(target: "chainrs::chat", parent: &session.span, error = %err, "on_feedback could not run");
            }
        }
        Err(err) => {
            tracing::info!(target: "chainrs::chat", error = %err, "feedback stored; on_feedback skipped: its session cannot be used");
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FeedbackDelete {
    feedback_id: String,
}

/// `DELETE /feedback` `{feedbackId}`: removes the caller's feedback.
pub(crate) async fn delete_feedback(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    body: std::result::Result<Json<FeedbackDelete>, JsonRejection>,
) -> Result<Json<Value>> {
    let layer = layer(&parts)?;
    let user = caller(user)?;
    let body = json_body(body, "DELETE /feedback", r#"{"feedbackId": "<uuid>"}"#)?;
    let not_found = || Error::NotFound("Feedback not found".to_owned());
    let id = Uuid::parse_str(&body.feedback_id).map_err(|_| not_found())?;
    let step = layer
        .get_feedback_step(id)
        .await
        .map_err(store)?
        .ok_or_else(not_found)?;
    check_step_author(layer.as_ref(), step, &user).await?;
    layer.delete_feedback(id).await.map_err(store)?;
    Ok(Json(json!({ "success": true })))
}
