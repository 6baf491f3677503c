//! What the app offers a user through its list callbacks (`#[set_chat_profiles]`,
//! `#[set_starters]`, `#[set_starter_categories]`), and the chat profile a new chat runs with.

use futures_util::future::BoxFuture;

use super::Tabs;
use crate::auth::User;
use crate::error::{Result, contain_panic};
use crate::protocol::ChatProfile;
use crate::registered::Registered;

/// A callback that offers a user a list of `T` (profiles, starters, categories).
pub(crate) type OfferFn<T> = fn(Option<User>) -> BoxFuture<'static, Result<Vec<T>>>;

/// `#[set_chat_profiles]`: the chat profiles a user may pick from.
pub(crate) type ProfilesFn = OfferFn<ChatProfile>;

/// What the app's callback offers when `call`ed, or nothing. A callback that fails (or panics)
/// is logged and offers nothing, so the page still loads.
pub(crate) async fn offered<F, T>(
    callback: Option<&Registered<F>>,
    call: impl FnOnce(&F) -> BoxFuture<'static, Result<Vec<T>>>,
) -> Vec<T> {
    let Some(callback) = callback else {
        return Vec::new();
    };
    match contain_panic(call(&callback.call))
        .await
        .and_then(|made| made)
    {
        Ok(offered) => offered,
        Err(err) => {
            tracing::warn!(target: "chainrs::http", callback = %callback.describe(), error = %err, "a list callback failed: it offers nothing");
            Vec::new()
        }
    }
}

impl Tabs {
    /// The chat profiles the app offers `user` (none without `#[set_chat_profiles]`).
    pub(crate) async fn chat_profiles(&self, user: Option<User>) -> Vec<ChatProfile> {
        offered(self.settings.profiles.as_ref(), |f| f(user)).await
    }

    /// The profile a new chat of `user` runs with when its client asked for `requested`: see
    /// [`ChatProfile::choose`]. An app without profiles ignores the name.
    pub(crate) async fn chat_profile(
        &self,
        user: Option<&User>,
        requested: Option<&str>,
    ) -> std::result::Result<Option<ChatProfile>, String> {
        if self.settings.profiles.is_none() {
            if let Some(name) = requested.filter(|name| !name.is_empty()) {
                tracing::debug!(target: "chainrs::session", requested = name, "chatProfile named but the app offers no profiles (#[set_chat_profiles]): ignored");
            }
            return Ok(None);
        }
        ChatProfile::choose(self.chat_profiles(user.cloned()).await, requested)
    }
}

/// A chat that starts without a profile (made by a login, an endpoint or the headless API,
/// which name none) runs with the default one of an app that offers profiles.
pub(super) async fn ensure_profile(tab: &super::Tab) {
    if tab.tabs.settings.profiles.is_none() || tab.session.chat_profile().is_some() {
        return;
    }
    let user = tab.session.user();
    let profile = match tab.tabs.chat_profile(user.as_ref(), None).await {
        Ok(Some(profile)) => profile,
        Ok(None) | Err(_) => return,
    };
    if let Err(err) = tab
        .session
        .update_meta("chat profile", |m| m.chat_profile = Some(profile.clone()))
        .await
    {
        tracing::warn!(target: "chainrs::session", parent: &tab.session.span, error = %err, "could not keep the chat's default profile");
    }
}
