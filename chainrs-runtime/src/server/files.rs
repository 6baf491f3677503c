//! The file routes of Chainlit's web client: `POST /project/file` (an upload, judged by the
//! ask it answers or the app's upload rules while it streams) and `GET /project/file/{id}`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Parts;
use super::request::Caller;
use crate::auth::User;
use crate::error::{Error, Result};
use crate::files::{FileChunks, FileError, FileInfo, asks, limited};
use crate::session::{SessionId, SessionRef};

/// How long a refused upload's remaining body is read (and dropped) so the client, still
/// sending, reads the refusal instead of a reset connection; after that the connection closes.
const DRAIN_FOR: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
pub(crate) struct UploadQuery {
    session_id: Option<String>,
    ask_parent_id: Option<String>,
}

/// The session a file route names, owned by the caller (Chainlit answers 401 otherwise).
async fn owned_session(parts: &Parts, raw: &str, caller: Option<&User>) -> Result<SessionRef> {
    if parts.auth.login_required() && caller.is_none() {
        return Err(super::resolve::login_required());
    }
    let id = SessionId::parse_from(raw, "the session_id query parameter")?;
    let session = parts.tabs.sessions.open_named(id).await?;
    session
        .check_owner(caller)
        .map_err(|why| Error::Unauthorized(why.to_string()))?;
    Ok(session)
}

/// `POST /project/file?session_id=…[&ask_parent_id=…]`, multipart with the field `file`:
/// stores the upload in the session's files and answers `{"id": …}`.
pub(crate) async fn upload(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    Query(query): Query<UploadQuery>,
    req: Request,
) -> Result<Response> {
    let raw = query.session_id.as_deref().ok_or_else(|| {
        Error::Unprocessable(
            "POST /project/file needs the session_id query parameter: the chat tab's session"
                .to_owned(),
        )
    })?;
    let session = owned_session(&parts, raw, user.as_ref()).await?;
    let parent = match query.ask_parent_id.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(Uuid::parse_str(raw).map_err(|_| {
            Error::NotFound(format!(
                "Parent message not found: {raw:?} is not a message id"
            ))
        })?),
    };
    let ask = asks::find(&session, parent).await?;
    let rules = match (&ask, parent) {
        (Some(ask), _) => ask.rules.clone(),
        (None, Some(parent)) => {
            return Err(Error::NotFound(format!(
                "Parent message not found: no file ask is waiting under message {parent}"
            )));
        }
        (None, None) => parts.config.file_upload.clone().ok_or_else(|| {
            Error::FileRefused(
                "File upload is not enabled: this app takes files only when it asks for them \
                 (enable uploads with App::file_upload)"
                    .to_owned(),
            )
        })?,
    };
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|e| {
        Error::BadRequest(format!(
            "POST /project/file takes multipart/form-data with a `file` field ({e})"
        ))
    })?;
    let field = loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => break field,
            Ok(Some(_)) => continue,
            Ok(None) => {
                return Err(Error::BadRequest(
                    "POST /project/file takes multipart/form-data with a `file` field; none came"
                        .to_owned(),
                ));
            }
            Err(e) => return Err(Error::BadRequest(format!("the upload is malformed: {e}"))),
        }
    };
    let name = field
        .file_name()
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::BadRequest("the uploaded `file` has no file name".to_owned()))?;
    let mime = field
        .content_type()
        .map(str::to_owned)
        .unwrap_or_else(|| crate::files::mime_of_name(&name).to_owned());
    if !rules.accept.allows(&mime, &name) {
        drop(field);
        drain(&mut multipart).await;
        return Err(Error::FileRefused(format!(
            "File type not allowed: {name} is {mime}; this upload takes {}",
            rules.accept.describe()
        )));
    }
    let limit = rules.max_bytes();
    let content: FileChunks<'_> =
        Box::pin(field.map(|chunk| chunk.map_err(|e| FileError::Source(Box::new(e)))));
    let info = FileInfo {
        id: Uuid::new_v4(),
        session: session.id,
        name,
        mime,
        size: 0,
    };
    let stored = parts.tabs.files.put(info, limited(content, limit)).await;
    match stored {
        Ok(info) => {
            tracing::info!(target: "chainrs::files", parent: &session.span, file = %info.id, name = %info.name, size = info.size, "file uploaded");
            Ok(axum::Json(json!({ "id": info.id })).into_response())
        }
        Err(FileError::TooLarge { limit: cut }) => {
            drain(&mut multipart).await;
            Err(Error::FileRefused(format!(
                "File size too large: the upload passed {cut} bytes, over this upload's limit of {} MB",
                rules.max_size_mb
            )))
        }
        Err(FileError::Source(e)) => Err(Error::BadRequest(format!("the upload broke off: {e}"))),
        Err(other) => Err(Error::Store(other.into())),
    }
}

/// Reads and drops what is left of a refused upload (for a while), so the refusal reaches a
/// client that is still sending.
async fn drain(multipart: &mut Multipart) {
    // Asking for the next field reads the rest of the current one away.
    let rest = async {
        while let Ok(Some(mut field)) = multipart.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    };
    let _ = tokio::time::timeout(DRAIN_FOR, rest).await;
}

#[derive(Deserialize)]
pub(crate) struct DownloadQuery {
    session_id: Option<String>,
}

/// `GET /project/file/{id}?session_id=…`: a file of the caller's session, with its type.
pub(crate) async fn download(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    Path(id): Path<String>,
    Query(query): Query<DownloadQuery>,
) -> Result<Response> {
    let raw = query.session_id.as_deref().ok_or_else(|| {
        Error::Unauthorized(
            "GET /project/file/{id} needs the session_id query parameter of the file's session"
                .to_owned(),
        )
    })?;
    // Chainlit answers an unknown session here with 401, as it does a missing one.
    let session = owned_session(&parts, raw, user.as_ref())
        .await
        .map_err(|e| match e {
            Error::SessionNotFound(id) => Error::Unauthorized(format!(
                "session {id} does not exist (it expired or was cleared)"
            )),
            other => other,
        })?;
    let not_found = || Error::NotFound("File not found in this session's files".to_owned());
    let id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    let (info, chunks) = parts
        .tabs
        .files
        .open(session.id, id)
        .await
        .map_err(|e| Error::Store(e.into()))?
        .ok_or_else(not_found)?;
    let body = Body::from_stream(chunks.map(|chunk| chunk.map_err(std::io::Error::other)));
    Ok(served(body, &info.mime, info.size))
}

/// A file's content as a response: its type, its length, never sniffed, and sandboxed when it
/// could run script.
pub(super) fn served(body: Body, mime: &str, size: u64) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let mime_header = HeaderValue::from_str(mime)
        .unwrap_or_else(|_| HeaderValue::from_static(crate::files::UNKNOWN_MIME));
    headers.insert(header::CONTENT_TYPE, mime_header);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A page uploaded by a user must not run as this app's origin when opened.
    if is_active_content(mime) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        );
    }
    response
}

fn is_active_content(mime: &str) -> bool {
    // HTML, and every XML type (XHTML and SVG among them) can run script when opened.
    let mime = mime.to_ascii_lowercase();
    mime.starts_with("text/html") || mime.contains("xml")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ElementRequest {
    session_id: String,
    element: Value,
}

/// `PUT /project/element` and `DELETE /project/element` `{sessionId, element}`: a custom
/// element the page changed or removed, shown again (or removed) in the session's chat tab.
pub(crate) async fn element(
    State(parts): State<Arc<Parts>>,
    Caller(user): Caller,
    method: axum::http::Method,
    body: std::result::Result<axum::Json<ElementRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<axum::Json<Value>> {
    let body = super::request::json_body(
        body,
        "PUT/DELETE /project/element",
        r#"{"sessionId": "<uuid>", "element": {"id": ..., "type": "custom", ...}}"#,
    )?;
    let session = owned_session(&parts, &body.session_id, user.as_ref()).await?;
    let element: crate::protocol::ElementDict = match serde_json::from_value(body.element) {
        Ok(element) => element,
        Err(e) => {
            return Err(Error::Unprocessable(format!(
                "the element is not an element dict ({e})"
            )));
        }
    };
    if element.kind != crate::protocol::ElementKind::Custom {
        return Ok(axum::Json(json!({ "success": false })));
    }
    let chat = parts
        .tabs
        .chat_of(&session)
        .await?
        .ok_or_else(|| Error::NoLiveChat(session.id.to_string()))?;
    let event = if method == axum::http::Method::DELETE {
        crate::protocol::ServerEvent::RemoveElement { id: element.id }
    } else {
        crate::protocol::ServerEvent::Element(element)
    };
    chat.emit(event).await?;
    Ok(axum::Json(json!({ "success": true })))
}
