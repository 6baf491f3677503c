//! Chat over plain HTTP for clients with no browser: `POST /chat/start` and `POST /chat/message`
//! drive a tab for one request and answer with the messages and steps the handlers produced.

use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Parts;
use super::endpoint::EndpointKind;
use super::request::{Caller, Named, json_body};
use super::resolve::{SESSION_HEADER, resolve_request};
use crate::chat::Message;
use crate::context::{ChatSink, SinkFuture};
use crate::error::{Error, Result};
use crate::protocol::{ClientEvent, ServerEvent, StepType, final_steps};
use crate::session::{Origin, SessionMeta, SessionRef};
use crate::tab::{Attach, Tab};

/// One message or step, as it stood when the handler finished.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown {
    id: Uuid,
    #[serde(rename = "type")]
    kind: StepType,
    author: String,
    content: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    input: String,
    parent_id: Option<Uuid>,
    is_error: bool,
}

/// What a headless call answers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    session_id: String,
    thread_id: Uuid,
    /// Messages (assistant, system, errors), in the order they first appeared.
    messages: Vec<Shown>,
    /// Steps (tool, llm, ... and the hook's run step), in the order they first appeared.
    steps: Vec<Shown>,
}

#[derive(Deserialize)]
pub(crate) struct Said {
    content: String,
}

/// Collects what a headless run emits.
#[derive(Default)]
struct Collector(Mutex<Vec<ServerEvent>>);

impl ChatSink for Collector {
    fn deliver(&self, event: ServerEvent) -> SinkFuture<'_> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
        Box::pin(async { Ok(()) })
    }
}

/// What `POST /chat/start` may say: the past thread to resume.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Start {
    #[serde(default)]
    thread_id: Option<Uuid>,
}

/// `POST /chat/start`: runs `on_chat_start` once for the session (a second call runs nothing).
/// With `{"threadId": "<uuid>"}`, a new session resumes that thread of the caller's instead
/// (its state back, `on_chat_resume` run); an unknown or foreign thread is 404.
pub(crate) async fn start(
    State(parts): State<Arc<Parts>>,
    Named(named): Named,
    Caller(user): Caller,
    body: axum::body::Bytes,
) -> Response {
    respond(async {
        let asked: Start = if body.iter().all(u8::is_ascii_whitespace) {
            Start::default()
        } else {
            serde_json::from_slice(&body).map_err(|e| {
                Error::BadRequest(format!(
                    "POST /chat/start takes no body, or {{\"threadId\": \"<uuid>\"}} to resume a thread: {e}"
                ))
            })?
        };
        let session = match asked.thread_id {
            Some(thread) => {
                if named.is_some() {
                    return Err(Error::BadRequest(
                        "a resume (threadId) opens a session of its own: leave out the session id \
                         (the X-Chainrs-Session-Id header, the cookie or session_id)"
                            .to_owned(),
                    ));
                }
                let meta = SessionMeta::new(Origin::Http, user);
                parts.tabs.resume_session(meta, thread).await?
            }
            None => session_of(&parts, named, user).await?,
        };
        let (tab, collector) = open_tab(&parts, &session);
        tab.connection_successful().wait().await;
        tab.leave();
        Ok((session, collector))
    })
    .await
}

/// `POST /chat/message` with `{"content": "..."}`: runs `on_message` (after `on_chat_start`
/// if the session's chat has not started yet).
pub(crate) async fn message(
    State(parts): State<Arc<Parts>>,
    Named(named): Named,
    Caller(user): Caller,
    said: std::result::Result<Json<Said>, JsonRejection>,
) -> Response {
    respond(async {
        let session = session_of(&parts, named, user).await?;
        let said = json_body(said, "POST /chat/message", r#"{"content": "<text>"}"#)?;
        let (tab, collector) = open_tab(&parts, &session);
        tab.connection_successful().wait().await;
        let sent = tab.message(ClientEvent::ClientMessage, Message::from_user(said.content));
        let outcome = match sent {
            Ok(done) => {
                done.wait().await;
                Ok((session, collector))
            }
            Err(refused) => Err(Error::BadRequest(refused.to_string())),
        };
        tab.leave();
        outcome
    })
    .await
}

/// A tab for one request, whose events go to the answer.
fn open_tab(parts: &Arc<Parts>, session: &SessionRef) -> (Arc<Tab>, Arc<Collector>) {
    let collector = Arc::new(Collector::default());
    let tab = Tab::open(
        parts.tabs.clone(),
        session.clone(),
        Attach::Direct(collector.clone()),
        false,
    );
    (tab, collector)
}

async fn session_of(
    parts: &Parts,
    named: Option<crate::session::SessionId>,
    user: Option<crate::auth::User>,
) -> Result<SessionRef> {
    Ok(resolve_request(parts, named, user, EndpointKind::Http)
        .await?
        .session)
}

async fn respond(
    run: impl std::future::Future<Output = Result<(SessionRef, Arc<Collector>)>>,
) -> Response {
    match run.await {
        Ok((session, collector)) => {
            let events =
                std::mem::take(&mut *collector.0.lock().unwrap_or_else(PoisonError::into_inner));
            let (messages, steps) = reduce(&events);
            let answer = Answer {
                session_id: session.id.to_string(),
                thread_id: session.thread_id(),
                messages,
                steps,
            };
            let mut response = (StatusCode::OK, Json(answer)).into_response();
            if let Ok(v) = HeaderValue::from_str(&session.id.to_string()) {
                response.headers_mut().insert(SESSION_HEADER, v);
            }
            response
        }
        Err(err) => err.into_response(),
    }
}

/// The messages and the steps as they stand when the run ended.
fn reduce(events: &[ServerEvent]) -> (Vec<Shown>, Vec<Shown>) {
    final_steps(events)
        .into_iter()
        .map(|s| Shown {
            id: s.id,
            kind: s.step_type,
            author: s.name,
            content: s.output,
            input: s.input,
            parent_id: s.parent_id,
            is_error: s.is_error,
        })
        .partition(|x| {
            matches!(
                x.kind,
                StepType::AssistantMessage | StepType::SystemMessage | StepType::UserMessage
            )
        })
}
