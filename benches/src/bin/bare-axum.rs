//! `bare-axum`: the limit for the custom-endpoint benchmark. The same work as the echo app's
//! `POST /custom/count` (find the session named by `X-Chainrs-Session-Id`, or make one; count
//! one more; answer the count), written as a plain axum handler over a `Mutex<HashMap>`.
//! Listens on `CHAINRS_PORT` (default 8000) and prints `listening on <address>`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chainrs::axum;

type Sessions = Arc<Mutex<HashMap<uuid::Uuid, u64>>>;

async fn count(State(sessions): State<Sessions>, headers: HeaderMap) -> Response {
    let id = headers
        .get("x-chainrs-session-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| uuid::Uuid::parse_str(v).ok())
        .unwrap_or_else(uuid::Uuid::new_v4);
    let n = {
        let mut map = match sessions.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        let n = map.entry(id).or_insert(0);
        *n += 1;
        *n
    };
    let mut response = Json(n).into_response();
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert("x-chainrs-session-id", value);
    }
    response
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let sessions: Sessions = Arc::default();
    let app = axum::Router::new()
        .route("/custom/ping", get(|| async { "pong" }))
        .route("/custom/count", post(count))
        .with_state(sessions);
    let port = std::env::var("CHAINRS_PORT").unwrap_or_else(|_| "8000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await
}
