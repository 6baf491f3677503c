//! Users, their login tokens, what login callbacks return, and an app's `Auth`; the routes
//! that use them (`POST /login`, `POST /auth/header`, `GET /user`) are in `server::login`.

mod callbacks;
mod origin;
pub(crate) mod token;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{BoxError, Error, Result};

pub(crate) use callbacks::{Auth, HeaderFn, LoginLimits, LogoutFn, PasswordFn};
pub(crate) use origin::Origins;
pub(crate) use token::{Verified, now_millis};

/// A logged-in user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// The stable identifier (a user name, an email).
    pub identifier: String,
    /// The name to display, if different.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Free-form metadata (roles, provider).
    #[serde(default)]
    pub metadata: Map<String, Value>,
}

impl User {
    /// A user with this identifier.
    pub fn new(identifier: impl Into<String>) -> Self {
        User {
            identifier: identifier.into(),
            display_name: None,
            metadata: Map::new(),
        }
    }

    /// Sets the display name.
    pub fn with_display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// Adds one metadata entry.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }
}

/// What an auth callback may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a valid return type for an auth callback",
    label = "an auth callback returns `Option<User>` or `Result<Option<User>, E>`",
    note = "return `Some(User::new(\"name\"))` to accept the login and `None` to refuse it"
)]
pub trait AuthOutput {
    /// Converts into the login decision.
    fn into_auth(self) -> Result<Option<User>>;
}

impl AuthOutput for Option<User> {
    fn into_auth(self) -> Result<Option<User>> {
        Ok(self)
    }
}

impl<E: Into<BoxError>> AuthOutput for std::result::Result<Option<User>, E> {
    fn into_auth(self) -> Result<Option<User>> {
        self.map_err(|e| Error::Handler(e.into()))
    }
}
