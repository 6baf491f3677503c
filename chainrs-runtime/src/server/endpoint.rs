//! User endpoints as the HTTP surface routes them: their kind, method, path and generated call.

use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;
use futures_util::future::BoxFuture;

/// The two endpoint kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointKind {
    /// `#[endpoint(http, ...)]`: the session the request names, or a new one.
    Http,
    /// `#[endpoint(ws, ...)]`: inside the live chat tab the request names.
    Ws,
}

pub(crate) type EndpointFn = fn(Request) -> BoxFuture<'static, Response>;

/// An endpoint route.
#[derive(Clone)]
pub(crate) struct EndpointRoute {
    pub(crate) kind: EndpointKind,
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    pub(crate) call: EndpointFn,
}
