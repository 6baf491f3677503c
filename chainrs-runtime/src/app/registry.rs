//! What `App::register` collects: one slot per once-only hook, the auth callbacks, the endpoints.
//! Conflicts are gathered, each naming both source locations, and reported together at build.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::Location;

use axum::http::Method;

use crate::auth::{HeaderFn, LogoutFn, PasswordFn};
use crate::error::{Error, Result};
pub use crate::registered::HandlerInfo;
use crate::registered::Registered;
pub use crate::server::EndpointKind;
use crate::server::{EndpointFn, EndpointRoute};
use crate::server::{SharedViewFn, StarterCategoriesFn, StartersFn};
use crate::session::StateKey;
pub use crate::tab::HookKind;
use crate::tab::{ChatHookFn, Hooks, ProfilesFn};

/// What generated code registers into; reached through `App::register`.
#[doc(hidden)]
#[derive(Default)]
pub struct Registry {
    pub(crate) at: Option<&'static Location<'static>>,
    hooks: Hooks,
    password: Option<Registered<PasswordFn>>,
    header: Option<Registered<HeaderFn>>,
    logout: Option<Registered<LogoutFn>>,
    shared_view: Option<Registered<SharedViewFn>>,
    profiles: Option<Registered<ProfilesFn>>,
    starters: Option<Registered<StartersFn>>,
    starter_categories: Option<Registered<StarterCategoriesFn>>,
    endpoints: Vec<Registered<EndpointRoute>>,
    /// Each session state key in use, with its type and the first handler that takes it.
    state_keys: BTreeMap<&'static str, (StateKey, HandlerInfo)>,
    errors: Vec<String>,
}

pub(crate) struct Finished {
    pub(crate) hooks: Hooks,
    pub(crate) password: Option<Registered<PasswordFn>>,
    pub(crate) header: Option<Registered<HeaderFn>>,
    pub(crate) logout: Option<Registered<LogoutFn>>,
    pub(crate) shared_view: Option<Registered<SharedViewFn>>,
    pub(crate) profiles: Option<Registered<ProfilesFn>>,
    pub(crate) starters: Option<Registered<StartersFn>>,
    pub(crate) starter_categories: Option<Registered<StarterCategoriesFn>>,
    pub(crate) endpoints: Vec<Registered<EndpointRoute>>,
}

impl Registry {
    fn wrap<F>(&self, info: HandlerInfo, call: F) -> Registered<F> {
        Registered {
            info,
            registered_at: self.at.unwrap_or_else(Location::caller),
            call,
        }
    }

    fn once<F>(
        slot: &mut Option<Registered<F>>,
        errors: &mut Vec<String>,
        what: &str,
        new: Registered<F>,
    ) {
        match slot {
            Some(old) => errors.push(format!(
                "two {what} handlers are registered: {} and {}; an app has at most one, so remove one registration",
                old.describe(),
                new.describe()
            )),
            None => *slot = Some(new),
        }
    }

    /// Registers a chat hook.
    #[doc(hidden)]
    pub fn chat_hook(&mut self, kind: HookKind, info: HandlerInfo, call: ChatHookFn) {
        let new = self.wrap(info, call);
        let what = format!("#[{}]", kind.name());
        Self::once(self.hooks.slot(kind), &mut self.errors, &what, new);
    }

    /// Records the session state types a handler takes; two types with one key are an error.
    #[doc(hidden)]
    pub fn state_keys(&mut self, info: HandlerInfo, keys: &[Option<StateKey>]) {
        for key in keys.iter().flatten() {
            match self.state_keys.get(key.key) {
                Some((old, by)) if old.type_name != key.type_name => self.errors.push(format!(
                    "two session state types share the key {:?}: `{}` (taken by `{}`, defined at {}) and `{}` (taken by `{}`, defined at {}); give one of them its own key with #[session(key = \"...\")]",
                    key.key, old.type_name, by.name, by.defined_at, key.type_name, info.name, info.defined_at
                )),
                Some(_) => {}
                None => {
                    self.state_keys.insert(key.key, (*key, info));
                }
            }
        }
    }

    /// Registers an action callback.
    #[doc(hidden)]
    pub fn action_callback(&mut self, name: &'static str, info: HandlerInfo, call: ChatHookFn) {
        let new = self.wrap(info, call);
        let actions = self.hooks.actions_mut();
        match actions.get(name) {
            Some(old) => self.errors.push(format!(
                "two #[action_callback({name:?})] handlers are registered: {} and {}; an action name has one callback, so rename or remove one",
                old.describe(),
                new.describe()
            )),
            None => {
                actions.insert(name, new);
            }
        }
    }

    /// Registers the password callback.
    #[doc(hidden)]
    pub fn password_auth(&mut self, info: HandlerInfo, call: PasswordFn) {
        let new = self.wrap(info, call);
        Self::once(
            &mut self.password,
            &mut self.errors,
            "#[password_auth_callback]",
            new,
        );
    }

    /// Registers the header callback.
    #[doc(hidden)]
    pub fn header_auth(&mut self, info: HandlerInfo, call: HeaderFn) {
        let new = self.wrap(info, call);
        Self::once(
            &mut self.header,
            &mut self.errors,
            "#[header_auth_callback]",
            new,
        );
    }

    /// Registers the logout hook.
    #[doc(hidden)]
    pub fn logout(&mut self, info: HandlerInfo, call: LogoutFn) {
        let new = self.wrap(info, call);
        Self::once(&mut self.logout, &mut self.errors, "#[on_logout]", new);
    }

    /// Registers the shared-thread check.
    #[doc(hidden)]
    pub fn shared_thread_view(&mut self, info: HandlerInfo, call: SharedViewFn) {
        let new = self.wrap(info, call);
        Self::once(
            &mut self.shared_view,
            &mut self.errors,
            "#[on_shared_thread_view]",
            new,
        );
    }

    /// Registers the starters' callback.
    #[doc(hidden)]
    pub fn starters(&mut self, info: HandlerInfo, call: StartersFn) {
        let new = self.wrap(info, call);
        Self::once(&mut self.starters, &mut self.errors, "#[set_starters]", new);
    }

    /// Registers the chat profiles' callback.
    #[doc(hidden)]
    pub fn chat_profiles(&mut self, info: HandlerInfo, call: ProfilesFn) {
        let new = self.wrap(info, call);
        Self::once(
            &mut self.profiles,
            &mut self.errors,
            "#[set_chat_profiles]",
            new,
        );
    }

    /// Registers the starter categories' callback.
    #[doc(hidden)]
    pub fn starter_categories(&mut self, info: HandlerInfo, call: StarterCategoriesFn) {
        let new = self.wrap(info, call);
        Self::once(
            &mut self.starter_categories,
            &mut self.errors,
            "#[set_starter_categories]",
            new,
        );
    }

    /// Registers an endpoint.
    #[doc(hidden)]
    pub fn endpoint(
        &mut self,
        info: HandlerInfo,
        kind: EndpointKind,
        method: &'static str,
        path: &'static str,
        call: EndpointFn,
    ) {
        let method = match Method::from_bytes(method.as_bytes()) {
            Ok(m) => m,
            Err(_) => {
                self.errors.push(format!(
                    "endpoint `{}` has an invalid method {method:?}",
                    info.name
                ));
                return;
            }
        };
        let new = self.wrap(
            info,
            EndpointRoute {
                kind,
                method,
                path,
                call,
            },
        );
        if let Some(old) = self
            .endpoints
            .iter()
            .find(|e| e.call.method == new.call.method && e.call.path == new.call.path)
        {
            self.errors.push(format!(
                "two endpoints answer {} {}: {} and {}; give one another path or method",
                new.call.method,
                new.call.path,
                old.describe(),
                new.describe()
            ));
            return;
        }
        self.endpoints.push(new);
    }

    pub(crate) fn finish(self) -> Result<Finished> {
        if !self.errors.is_empty() {
            let mut message = String::new();
            for (i, e) in self.errors.iter().enumerate() {
                if i > 0 {
                    message.push_str("\n  ");
                }
                let _ = write!(message, "{e}");
            }
            return Err(Error::Config(message));
        }
        Ok(Finished {
            hooks: self.hooks,
            password: self.password,
            header: self.header,
            logout: self.logout,
            shared_view: self.shared_view,
            profiles: self.profiles,
            starters: self.starters,
            starter_categories: self.starter_categories,
            endpoints: self.endpoints,
        })
    }
}
