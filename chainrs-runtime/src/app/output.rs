//! What handlers may return: hooks `()` or `Result<(), E>`, endpoints anything axum can answer with.
//! Each is a trait so a wrong return type is a compile error on the return type.

use axum::response::{IntoResponse, Response};

use crate::error::{BoxError, Error, Result};

/// What a chat hook may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a valid return type for a chat hook",
    label = "a chat hook returns `()` or `Result<(), E>`",
    note = "return `chainrs::Result<()>` to report errors in the chat, or nothing at all"
)]
pub trait HookOutput {
    /// Converts into the hook's outcome.
    fn into_outcome(self) -> Result<()>;
}

impl HookOutput for () {
    fn into_outcome(self) -> Result<()> {
        Ok(())
    }
}

impl<E: Into<BoxError>> HookOutput for std::result::Result<(), E> {
    fn into_outcome(self) -> Result<()> {
        self.map_err(|e| Error::Handler(e.into()))
    }
}

/// What an endpoint may return: anything that implements axum's `IntoResponse`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a valid return type for an endpoint",
    label = "an endpoint returns something that implements axum's `IntoResponse`",
    note = "return e.g. `Json<T>`, `String`, `StatusCode`, `(StatusCode, Json<T>)` or `chainrs::Result<Json<T>>`"
)]
pub trait EndpointOutput {
    /// Converts into the HTTP response.
    fn into_endpoint_response(self) -> Response;
}

impl<T: IntoResponse> EndpointOutput for T {
    fn into_endpoint_response(self) -> Response {
        self.into_response()
    }
}
