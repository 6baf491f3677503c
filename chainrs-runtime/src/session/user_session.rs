//! `UserSession<S>`: the typed state of one session, shared by its chat tab and its endpoints.
//! Writes are per-key compare-and-swap, so concurrent handlers never lose each other's updates.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::SessionRef;
use crate::error::Result;

/// What a type needs to be session state: serde both ways, a default, and thread safety.
pub trait SessionState: Serialize + DeserializeOwned + Default + Send + Sync + 'static {}
impl<S> SessionState for S where S: Serialize + DeserializeOwned + Default + Send + Sync + 'static {}

/// The typed state `S` of the current session, injected by type into any handler.
///
/// Each `S` is its own key in the session (named after the type), so independent parts of an app
/// do not contend. A session that never wrote `S` reads `S::default()`.
///
/// ```no_run
/// # use chainrs::prelude::*;
/// #[derive(Default, Serialize, Deserialize)]
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

impl<S> fmt::Debug for UserSession<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("session", &self.session.id)
            .field("key", &std::any::type_name::<S>())
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

    /// The store key of `S`: `state:` followed by the type's path.
    pub fn key() -> String {
        format!("state:{}", std::any::type_name::<S>())
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
