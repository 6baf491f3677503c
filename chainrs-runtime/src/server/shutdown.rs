//! Shutting down without dropping chats: while the instance drains (see `Tabs::drain`), its
//! readiness (`GET /health`) answers 503, a new socket or request gets 503 with `Retry-After`
//! (and the connection closes, so a load balancer sends the retry elsewhere); the sockets and
//! polling sessions already open go on until the drain closes them.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::tab::Tabs;
use crate::transport::SOCKET_PATH;

/// What a request refused during the drain is told.
const DRAINING: &str =
    "this instance is shutting down: retry in a moment (another instance serves it)";

/// Refuses new work while the instance drains: every request but the readiness probe and the
/// traffic of Engine.IO sessions already open (their `sid`).
pub(crate) async fn refuse_while_draining(
    State(tabs): State<Arc<Tabs>>,
    request: Request,
    next: Next,
) -> Response {
    if tabs.draining() && !goes_on(&request) {
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            crate::error::error_body(DRAINING),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    next.run(request).await
}

/// The requests a draining instance still serves.
fn goes_on(request: &Request) -> bool {
    let uri = request.uri();
    let path = uri.path();
    path.ends_with("/health")
        || (path.contains(SOCKET_PATH)
            && uri
                .query()
                .is_some_and(|q| q.split('&').any(|pair| pair.starts_with("sid="))))
}
