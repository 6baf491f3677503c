//! Logins as every instance sees them: a valid token is refused once it was revoked (its own id
//! by a logout, or every login of its user issued before `revoke_user`), through shared records.

use std::time::Duration;

use axum::http::HeaderMap;

use super::Sessions;
use crate::auth::{Auth, User, Verified};
use crate::error::{Error, Result};

fn token_key(id: &str) -> String {
    format!("revoked:{id}")
}

fn user_key(identifier: &str) -> String {
    format!("revoked-user:{identifier}")
}

impl Sessions {
    /// The valid, unrevoked login a request carries; `Ok(None)` without one; 401 otherwise.
    pub(crate) async fn verify_login(
        &self,
        auth: &Auth,
        headers: &HeaderMap,
    ) -> Result<Option<Verified>> {
        let Some(login) = auth.identify(headers)? else {
            return Ok(None);
        };
        let mut keys = vec![user_key(&login.user.identifier)];
        keys.extend(login.id.as_deref().map(token_key));
        let found = self.store.records(&keys).await.map_err(Error::Store)?;
        let user_revoked_at = found
            .first()
            .cloned()
            .flatten()
            .and_then(|raw| raw.parse::<u64>().ok());
        let refused = if user_revoked_at.is_some_and(|at| login.issued_ms <= at) {
            Some("every login of this user was ended after it was issued")
        } else if found.get(1).is_some_and(Option::is_some) {
            Some("this login was ended (logged out)")
        } else {
            None
        };
        if let Some(why) = refused {
            tracing::warn!(target: "chainrs::auth", user = %login.user.identifier, reason = why, "token refused");
            return Err(Error::Unauthorized(format!(
                "{why}: log in again (POST /login) to get a new token"
            )));
        }
        Ok(Some(login))
    }

    /// The user of the valid, unrevoked login a request carries.
    pub(crate) async fn identify(&self, auth: &Auth, headers: &HeaderMap) -> Result<Option<User>> {
        Ok(self
            .verify_login(auth, headers)
            .await?
            .map(|login| login.user))
    }

    /// Ends one login on every instance, until the token would have expired anyway.
    pub(crate) async fn revoke_login(&self, login: &Verified) -> Result<()> {
        let Some(id) = &login.id else {
            return Ok(());
        };
        let left = login
            .expires
            .saturating_sub(crate::auth::now_millis() / 1000)
            .max(1);
        self.store
            .set_record(&token_key(id), "1".to_owned(), Duration::from_secs(left))
            .await
            .map_err(Error::Store)
    }

    /// Ends every login of `identifier` issued until now, on every instance; `lifetime` is how
    /// long a token lives, so how long the revocation must be remembered.
    pub(crate) async fn revoke_user(&self, identifier: &str, lifetime: Duration) -> Result<()> {
        tracing::info!(target: "chainrs::auth", user = identifier, "every login of the user ended");
        self.store
            .set_record(
                &user_key(identifier),
                crate::auth::now_millis().to_string(),
                lifetime.max(Duration::from_secs(1)),
            )
            .await
            .map_err(Error::Store)
    }
}
