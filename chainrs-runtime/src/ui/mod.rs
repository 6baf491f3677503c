//! The chat page: chainrs's own embedded page (HTML, CSS and JS written for chainrs, no build
//! step), or an app's own built front-end folder served on the same routes.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

const INDEX: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/app.js");
const STYLE: &str = include_str!("page/app.css");

/// Where the page's own files are served (kept out of the way of app routes).
pub(crate) const ASSETS_PREFIX: &str = "/_chainrs";

pub use crate::config::Frontend;

pub(crate) fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX)
}

pub(crate) fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

pub(crate) fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Whether an unmatched request is a browser asking for a page (it gets the page, so
/// client-side routes work); API clients get a JSON 404 instead.
pub(crate) fn wants_page(method: &Method, uri: &Uri, headers: &HeaderMap) -> bool {
    method == Method::GET
        && !is_api_path(uri.path())
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

/// Paths under the API's prefixes, which never get the page: an unknown one is a JSON 404.
pub(crate) fn is_api_path(path: &str) -> bool {
    ["/project/", "/auth/", "/public/", "/avatars/", "/ws/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

/// The JSON 404 of an unmatched route.
pub(crate) fn not_found(method: &Method, uri: &Uri) -> Response {
    let text = format!("no route for {method} {}", uri.path());
    (StatusCode::NOT_FOUND, crate::error::error_body(&text)).into_response()
}
