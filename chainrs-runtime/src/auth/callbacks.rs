//! An app's login: its callbacks, its token keys with `identify` (the user a request's token
//! names), and its origin policy. Built once by the app; the routes and the socket read it.

use axum::http::HeaderMap;
use futures_util::future::BoxFuture;

use super::token::{Tokens, Verified};
use super::{Origins, User};
use crate::error::Result;
use crate::registered::Registered;

pub(crate) type PasswordFn = fn(String, String) -> BoxFuture<'static, Result<Option<User>>>;
pub(crate) type HeaderFn = fn(HeaderMap) -> BoxFuture<'static, Result<Option<User>>>;
pub(crate) type LogoutFn = fn(User) -> BoxFuture<'static, Result<()>>;

/// How many failed logins are allowed, per user name and per client address: token buckets
/// of that many, refilled over `window`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LoginLimits {
    pub(crate) per_user: u32,
    pub(crate) per_address: u32,
    pub(crate) window: std::time::Duration,
}

/// The login of an app: which callbacks exist and how tokens are signed.
pub(crate) struct Auth {
    pub(crate) password: Option<Registered<PasswordFn>>,
    pub(crate) header: Option<Registered<HeaderFn>>,
    pub(crate) logout: Option<Registered<LogoutFn>>,
    /// Issues and checks login tokens; present when a login callback is registered.
    pub(crate) tokens: Option<Tokens>,
    /// `Config::require_login`.
    require_login: bool,
    /// Which page origins may open the socket and send cookie-authenticated writes.
    pub(crate) origins: Origins,
    /// Failed logins allowed before `POST /login` answers 429.
    pub(crate) limits: LoginLimits,
}

impl Auth {
    pub(crate) fn new(
        password: Option<Registered<PasswordFn>>,
        header: Option<Registered<HeaderFn>>,
        logout: Option<Registered<LogoutFn>>,
        tokens: Option<Tokens>,
        require_login: bool,
        origins: Origins,
        limits: LoginLimits,
    ) -> Self {
        Auth {
            password,
            header,
            logout,
            tokens,
            require_login,
            origins,
            limits,
        }
    }

    /// The valid login token a request carries (`Authorization: Bearer` or the `access_token`
    /// cookie); `Ok(None)` without one or in an app without login; 401 for an invalid one.
    /// Whether it was revoked is the session layer's to check (`Sessions::identify`).
    pub(crate) fn identify(&self, headers: &HeaderMap) -> Result<Option<Verified>> {
        match &self.tokens {
            Some(tokens) => tokens.identify(headers),
            None => Ok(None),
        }
    }

    /// Whether every chat and endpoint needs a logged-in user.
    pub(crate) fn login_required(&self) -> bool {
        self.tokens.is_some() && self.require_login
    }
}
