//! Failed logins, limited per user name and per client address by token buckets kept in the
//! store, so that every instance sees the same buckets.

use std::net::IpAddr;

use super::Sessions;
use super::store::Bucket;
use crate::auth::LoginLimits;
use crate::error::{Error, Result};

/// The failed-login buckets of the limits.
impl LoginLimits {
    /// The bucket of a user name.
    pub(crate) fn user_bucket(&self) -> Bucket {
        Bucket {
            capacity: self.per_user,
            refill: self.window,
        }
    }

    /// The bucket of a client address.
    pub(crate) fn address_bucket(&self) -> Bucket {
        Bucket {
            capacity: self.per_address,
            refill: self.window,
        }
    }
}

fn user_key(username: &str) -> String {
    format!("failed-login:user:{username}")
}

fn address_key(address: IpAddr) -> String {
    format!("failed-login:address:{address}")
}

impl Sessions {
    /// Refuses (429, with when to try again) a login for `username` from `address` once the
    /// bucket of either is empty: each holds `limits` failures, refilled over the window.
    pub(crate) async fn login_allowed(
        &self,
        limits: &LoginLimits,
        username: &str,
        address: Option<IpAddr>,
    ) -> Result<()> {
        let wait = self
            .store
            .take(&user_key(username), limits.user_bucket(), 0)
            .await
            .map_err(Error::Store)?;
        if !wait.is_zero() {
            return Err(too_many(username, "this user name", wait));
        }
        if let Some(address) = address {
            let wait = self
                .store
                .take(&address_key(address), limits.address_bucket(), 0)
                .await
                .map_err(Error::Store)?;
            if !wait.is_zero() {
                return Err(too_many(username, "this address", wait));
            }
        }
        Ok(())
    }

    /// Takes a token from the buckets of `username` and `address` for a failed login.
    pub(crate) async fn login_failed(
        &self,
        limits: &LoginLimits,
        username: &str,
        address: Option<IpAddr>,
    ) -> Result<()> {
        self.store
            .take(&user_key(username), limits.user_bucket(), 1)
            .await
            .map_err(Error::Store)?;
        if let Some(address) = address {
            self.store
                .take(&address_key(address), limits.address_bucket(), 1)
                .await
                .map_err(Error::Store)?;
        }
        Ok(())
    }
}

fn too_many(username: &str, what: &str, wait: std::time::Duration) -> Error {
    let secs = wait.as_secs_f64().ceil() as u64;
    tracing::warn!(target: "chainrs::auth", user = username, limited = what, retry_after_secs = secs, "login refused: too many failed attempts");
    Error::TooManyRequests {
        message: format!(
            "too many failed logins from {what}: try again in {} s",
            secs.max(1)
        ),
        retry_after: std::time::Duration::from_secs(secs.max(1)),
    }
}
