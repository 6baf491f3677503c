//! Failed logins, limited per user name and per client address in a window that starts at the
//! first failure, counted in the store so that every instance sees the same counts.

use std::net::IpAddr;

use super::Sessions;
use crate::auth::LoginLimits;
use crate::error::{Error, Result};

fn user_key(username: &str) -> String {
    format!("failed-login:user:{username}")
}

fn address_key(address: IpAddr) -> String {
    format!("failed-login:address:{address}")
}

impl Sessions {
    /// Refuses (429, with when to try again) a login for `username` from `address` once either
    /// has failed `limits` times in the current window.
    pub(crate) async fn login_allowed(
        &self,
        limits: &LoginLimits,
        username: &str,
        address: Option<IpAddr>,
    ) -> Result<()> {
        let (failed, left) = self
            .store
            .hits(&user_key(username))
            .await
            .map_err(Error::Store)?;
        if failed >= limits.per_user {
            return Err(too_many(username, "this user name", left));
        }
        if let Some(address) = address {
            let (failed, left) = self
                .store
                .hits(&address_key(address))
                .await
                .map_err(Error::Store)?;
            if failed >= limits.per_address {
                return Err(too_many(username, "this address", left));
            }
        }
        Ok(())
    }

    /// Counts a failed login for `username` from `address`.
    pub(crate) async fn login_failed(
        &self,
        limits: &LoginLimits,
        username: &str,
        address: Option<IpAddr>,
    ) -> Result<()> {
        self.store
            .hit(&user_key(username), limits.window)
            .await
            .map_err(Error::Store)?;
        if let Some(address) = address {
            self.store
                .hit(&address_key(address), limits.window)
                .await
                .map_err(Error::Store)?;
        }
        Ok(())
    }
}

fn too_many(username: &str, what: &str, left: std::time::Duration) -> Error {
    tracing::warn!(target: "chainrs::auth", user = username, limited = what, retry_after_secs = left.as_secs(), "login refused: too many failed attempts");
    Error::TooManyRequests {
        message: format!(
            "too many failed logins from {what}: try again in {} s",
            left.as_secs().max(1)
        ),
        retry_after: left,
    }
}
