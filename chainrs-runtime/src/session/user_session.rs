//! `UserSession<S>`: the typed state of one session, shared by its chat tab and its endpoints.
//! Writes are per-key compare-and-swap, so concurrent handlers never lose each other's updates.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::SessionRef;
use crate::error::Result;

/// What the store keys of typed state start with.
pub(crate) const STATE_PREFIX: &str = "state:";

/// A type kept in the session as [`UserSession<S>`], under a stable key.
///
/// Implement it with `#[derive(SessionState)]`: the key is the type's name, or the one given
/// by `#[session(key = "chat")]`. The key, not the type's path, names the stored value, so
/// moving the type to another module keeps its state readable. Two types with one key in an
/// app are an error when the app is built.
///
/// # Evolving a state type
/// A stored value is decoded with serde. Adding a field is safe when the field (or the type)
/// has `#[serde(default)]`; renaming one needs `#[serde(alias = "old")]`; renaming the type
/// keeps its data with `#[session(key = "OldName")]`. A stored value that no longer decodes is
/// an [`Error::Decode`](crate::Error::Decode) naming the key and the type, never a silent reset.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not session state",
    label = "not session state",
    note = "derive it: `#[derive(SessionState, Serialize, Deserialize, Default)]` on `{Self}`"
)]
pub trait SessionState: Serialize + DeserializeOwned + Default + Send + Sync + 'static {
    /// The key the value is stored under (without the `state:` prefix).
    const KEY: &'static str;
}

/// A state type's key and the type's name, as an app's handlers use them.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateKey {
    /// [`SessionState::KEY`].
    pub key: &'static str,
    /// The Rust type, for error messages only (it is not stable).
    pub type_name: &'static str,
}

impl StateKey {
    /// The key of `S`.
    pub fn of<S: SessionState>() -> Self {
        StateKey {
            key: S::KEY,
            type_name: std::any::type_name::<S>(),
        }
    }
}

/// The typed state `S` of the current session, injected by type into any handler.
///
/// Each `S` is its own key in the session ([`SessionState::KEY`]), so independent parts of an
/// app do not contend. A session that never wrote `S` reads `S::default()`.
///
/// ```no_run
/// # use chainrs::prelude::*;
/// #[derive(SessionState, Default, Serialize, Deserialize)]
/// struct Chat { turns: u32 }
///
/// #[on_message]
/// async fn reply(msg: Message, chat: UserSession<Chat>) -> chainrs::Result<()> {
///     let turns = chat.update(|c| { c.turns += 1; c.turns }).await?;
///     Message::new(format!("turn {turns}: {}", msg.content)).send().await?;
///     Ok(())
/// }
/// ```
pub struct UserSession<S> {
    session: SessionRef,
    _state: PhantomData<fn() -> S>,
}

impl<S> Clone for UserSession<S> {
    fn clone(&self) -> Self {
        UserSession {
            session: self.session.clone(),
            _state: PhantomData,
        }
    }
}

impl<S: SessionState> fmt::Debug for UserSession<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("session", &self.session.id)
            .field("key", &S::KEY)
            .field("type", &std::any::type_name::<S>())
            .finish()
    }
}

impl<S: SessionState> UserSession<S> {
    pub(crate) fn new(session: SessionRef) -> Self {
        UserSession {
            session,
            _state: PhantomData,
        }
    }

    /// The store key of `S`: `state:` followed by [`SessionState::KEY`].
    pub fn key() -> String {
        format!("{STATE_PREFIX}{}", S::KEY)
    }

    /// A snapshot of the current value (`S::default()` if never written).
    pub async fn get(&self) -> Result<S> {
        let (value, _) = self
            .session
            .sessions
            .read::<S>(&self.session, &Self::key())
            .await?;
        Ok(value.unwrap_or_default())
    }

    /// Atomically changes the value and returns what `f` returns.
    ///
    /// This is a read-modify-write by compare-and-swap: when another writer changes the value
    /// between the read and the write, `f` runs again on the newer value. `f` may therefore run
    /// more than once and must be free of side effects (no I/O, no sends): compute, then act on
    /// the value it returns.
    pub async fn update<R>(&self, mut f: impl FnMut(&mut S) -> R) -> Result<R> {
        self.session
            .sessions
            .modify::<S, R>(&self.session, &Self::key(), |slot| {
                f(slot.get_or_insert_with(S::default))
            })
            .await
    }

    /// Replaces the value.
    pub async fn set(&self, value: S) -> Result<()> {
        self.session
            .sessions
            .put(&self.session, &Self::key(), &value)
            .await
    }

    /// Resets the value to `S::default()`.
    pub async fn clear(&self) -> Result<()> {
        self.set(S::default()).await
    }
}
