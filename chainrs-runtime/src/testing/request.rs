//! HTTP requests of the test client: a small builder over the app's router, no network.
//! Requests go through the same router, extractors and session resolution as a served app.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::ServiceExt;

use crate::error::{Error, Result};
use crate::server::SESSION_HEADER;
use crate::session::SessionId;

/// A request being built; `send` runs it through the app.
pub struct TestRequest {
    router: Router,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Body,
    error: Option<String>,
}

impl TestRequest {
    pub(crate) fn new(router: Router, method: Method, path: &str) -> Self {
        TestRequest {
            router,
            method,
            path: path.to_owned(),
            headers: HeaderMap::new(),
            body: Body::empty(),
            error: None,
        }
    }

    /// Names the session with the `X-Chainrs-Session-Id` header.
    pub fn session(self, id: SessionId) -> Self {
        self.header(SESSION_HEADER, &id.to_string())
    }

    /// Sends a login token as `Authorization: Bearer`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// Sends the login's token and names its session.
    pub fn login(self, login: &super::Login) -> Self {
        self.bearer(&login.token).session(login.session_id)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(n), Ok(v)) => {
                self.headers.append(n, v);
            }
            _ => self.error = Some(format!("invalid header {name}: {value}")),
        }
        self
    }

    /// Sends `value` as a JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(bytes) => {
                self.body = Body::from(bytes);
                self = self.header("content-type", "application/json");
            }
            Err(e) => self.error = Some(format!("cannot serialize the JSON body: {e}")),
        }
        self
    }

    /// Sends `value` as a URL-encoded form body.
    pub fn form<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_urlencoded::to_string(value) {
            Ok(text) => {
                self.body = Body::from(text);
                self = self.header("content-type", "application/x-www-form-urlencoded");
            }
            Err(e) => self.error = Some(format!("cannot serialize the form body: {e}")),
        }
        self
    }

    /// Sends a `multipart/form-data` body with one file field named `file` (as Chainlit's web
    /// client uploads to `POST /project/file`).
    pub fn file(self, name: &str, mime: &str, content: impl Into<Vec<u8>>) -> Self {
        self.file_chunks(name, mime, std::iter::once(content.into()))
    }

    /// Like [`file`](Self::file), with the content streamed chunk by chunk as the iterator
    /// makes it, never held whole: for uploads far larger than memory should take.
    pub fn file_chunks<I>(mut self, name: &str, mime: &str, chunks: I) -> Self
    where
        I: IntoIterator<Item = Vec<u8>>,
        I::IntoIter: Send + 'static,
    {
        const BOUNDARY: &str = "chainrs-test-boundary-7d3f0a";
        let quoted = name.replace(['"', '\r', '\n'], "_");
        let head = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{quoted}\"\r\nContent-Type: {mime}\r\n\r\n"
        );
        let tail = format!("\r\n--{BOUNDARY}--\r\n");
        let parts = std::iter::once(head.into_bytes())
            .chain(chunks)
            .chain(std::iter::once(tail.into_bytes()))
            .map(|chunk| Ok::<_, std::io::Error>(Bytes::from(chunk)));
        self.body = Body::from_stream(futures_util::stream::iter(parts));
        self.header(
            "content-type",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
        )
    }

    /// Sends raw text as the body.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Body::from(body.into());
        self
    }

    /// Runs the request through the app. A request that could not be built answers 400.
    pub async fn send(self) -> TestResponse {
        if let Some(error) = self.error {
            return TestResponse::failed(error);
        }
        let mut builder = Request::builder().method(self.method).uri(&self.path);
        if let Some(headers) = builder.headers_mut() {
            *headers = self.headers;
        }
        let request = match builder.body(self.body) {
            Ok(r) => r,
            Err(e) => return TestResponse::failed(format!("invalid request: {e}")),
        };
        let response = match self.router.oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// The answer to a [`TestRequest`].
#[derive(Debug)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    fn failed(error: String) -> Self {
        TestResponse {
            status: StatusCode::BAD_REQUEST,
            headers: HeaderMap::new(),
            body: Bytes::from(serde_json::json!({ "detail": error, "error": error }).to_string()),
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The session id the app reported in `X-Chainrs-Session-Id`.
    pub fn session_id(&self) -> Option<SessionId> {
        self.header(SESSION_HEADER).and_then(|v| v.parse().ok())
    }

    /// The body's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::BadRequest(format!(
                "response body is not the expected JSON ({e}): {}",
                self.text()
            ))
        })
    }
}
