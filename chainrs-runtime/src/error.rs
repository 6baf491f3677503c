//! The one error type of chainrs and how it reaches clients.
//! Each variant says what happened and what to do; HTTP clients get `{"detail": …, "error": …}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A boxed error from user code (a hook's or a store's own error type).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with chainrs's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in chainrs, with a message that names the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An ambient API (`Message::send`, `UserSession`, …) was called outside any chainrs handler.
    #[error(
        "{api} was called outside a chainrs handler: call it from a function annotated with \
         #[on_chat_start], #[on_message], #[endpoint(...)] or another chainrs hook, and use \
         chainrs::spawn (not tokio::spawn) to carry the context into spawned tasks"
    )]
    NoContext {
        /// The API that needed a context.
        api: &'static str,
    },
    /// A chat-only API was called in a context that has no chat tab (an `#[endpoint(http)]`).
    #[error(
        "{api} needs a live chat tab, but this handler runs in an HTTP context: use \
         #[endpoint(ws, ...)] to run in the chat tab the request names"
    )]
    NoChat {
        /// The API that needed a chat tab.
        api: &'static str,
    },
    /// The session does not exist (never created, expired or cleared).
    #[error(
        "session {0} does not exist (it expired or was cleared): start a new session by omitting the id"
    )]
    SessionNotFound(String),
    /// A session id that is not a UUID.
    #[error(
        "malformed session id {given:?} in {source_name}: a session id is a UUID such as 0b6f5c7e-3f1d-4c6a-9a43-1c2d3e4f5a6b"
    )]
    InvalidSessionId {
        /// What was given (truncated).
        given: String,
        /// Where it came from (header, cookie, query).
        source_name: &'static str,
    },
    /// The caller may not use this session (another user's, or anonymous vs logged-in).
    #[error("{0}")]
    Forbidden(String),
    /// The handler needs a logged-in user and there is none.
    #[error("{0}")]
    Unauthorized(String),
    /// `#[endpoint(ws)]` named a session with no chat tab connected to this instance.
    #[error(
        "session {0} has no live chat tab connected: open the chat first, or use #[endpoint(http)] for work that does not push into the tab"
    )]
    NoLiveChat(String),
    /// The chat tab disconnected before it answered a question (`AskUserMessage`, …); a
    /// question with time left is asked again where the tab connects next, so a handler sees
    /// this only when that is not possible.
    #[error(
        "the chat tab disconnected before it answered the question, and it did not come back in time"
    )]
    TabLeft,
    /// Stored session state no longer decodes as its type (its shape changed incompatibly).
    #[error(
        "the stored value of `{key}` no longer decodes as `{type_name}`: {source}. Nothing was changed; make the type read what was stored: give new fields #[serde(default)], renamed ones #[serde(alias = \"old\")], or start over with UserSession::clear"
    )]
    Decode {
        /// The state key.
        key: String,
        /// The Rust type it was read as.
        type_name: &'static str,
        /// What serde said.
        source: serde_json::Error,
    },
    /// A value could not be encoded for storage.
    #[error("could not serialize `{key}` for the session store: {source}")]
    Encode {
        /// The state key.
        key: String,
        /// What serde said.
        source: serde_json::Error,
    },
    /// The session store failed (a remote store being down, for example).
    #[error("session store failed: {0}")]
    Store(#[source] BoxError),
    /// The app was misconfigured (duplicate handlers, a missing secret, a bad environment value).
    #[error("chainrs configuration error: {0}")]
    Config(String),
    /// Bad input from a client.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Input that is well-formed but not acceptable (a bad language tag, a file type the app
    /// does not accept): answered 422.
    #[error("{0}")]
    Unprocessable(String),
    /// An upload refused by the app's or the ask's rules (its type, its size, uploads not
    /// enabled): answered 400, as Chainlit does.
    #[error("{0}")]
    FileRefused(String),
    /// A feature the request needs is not set up in this app (history without a data layer):
    /// answered 400, as Chainlit does.
    #[error("{0}")]
    NotEnabled(String),
    /// What the request names does not exist (a file, a parent message): answered 404.
    #[error("{0}")]
    NotFound(String),
    /// A user handler returned an error.
    #[error("{0}")]
    Handler(#[source] BoxError),
    /// An invariant of chainrs itself did not hold (a bug: please report it).
    #[error("internal error in chainrs: {0}")]
    Internal(String),
    /// A user handler panicked; the panic was contained.
    #[error("the handler panicked: {0}")]
    Panicked(String),
    /// An I/O error while serving.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Too many attempts (failed logins): answered 429 with `Retry-After`.
    #[error("{message}")]
    TooManyRequests {
        /// What was limited and how to go on.
        message: String,
        /// When to try again.
        retry_after: std::time::Duration,
    },
}

impl Error {
    /// Wraps any error from user code.
    pub fn handler(err: impl Into<BoxError>) -> Self {
        Error::Handler(err.into())
    }

    /// The HTTP status this error maps to.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::SessionNotFound(_) | Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::InvalidSessionId { .. }
            | Error::BadRequest(_)
            | Error::FileRefused(_)
            | Error::NotEnabled(_) => StatusCode::BAD_REQUEST,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::NoLiveChat(_) | Error::TabLeft => StatusCode::CONFLICT,
            Error::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error body as clients read it: `detail` (what Chainlit's web client shows) and `error`
/// (what chainrs's own clients read), both the same text.
pub(crate) fn error_body(text: &str) -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "detail": text, "error": text }))
}

/// Runs user code to completion, turning a panic into [`Error::Panicked`] so that one
/// handler's bug never takes down the connection, the request or the process.
pub(crate) async fn contain_panic<F: std::future::Future>(run: F) -> Result<F::Output> {
    use futures_util::FutureExt as _;
    std::panic::AssertUnwindSafe(run)
        .catch_unwind()
        .await
        .map_err(|panic| {
            let text = if let Some(s) = panic.downcast_ref::<&str>() {
                (*s).to_owned()
            } else if let Some(s) = panic.downcast_ref::<String>() {
                s.clone()
            } else {
                "a non-string panic payload".to_owned()
            };
            Error::Panicked(text)
        })
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let retry_after = match &self {
            Error::TooManyRequests { retry_after, .. } => Some(retry_after.as_secs().max(1)),
            _ => None,
        };
        let mut response = (status, error_body(&self.to_string())).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}
