//! `Local<T>`: per-instance, per-session slots for objects that cannot be serialized.
//! They go away with the session; an instance that lacks one rebuilds it.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};

use super::SessionRef;

type Slot = Arc<dyn Any + Send + Sync>;

/// The slots of one session on this instance.
#[derive(Default)]
pub(crate) struct LocalSlots {
    slots: Mutex<HashMap<TypeId, Slot>>,
}

impl LocalSlots {
    fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots
            .get(&TypeId::of::<T>())
            .and_then(|s| s.clone().downcast::<T>().ok())
    }

    fn insert<T: Send + Sync + 'static>(&self, value: Arc<T>, replace: bool) -> Arc<T> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = slots.entry(TypeId::of::<T>());
        let slot = match entry {
            std::collections::hash_map::Entry::Occupied(mut o) if replace => {
                o.insert(value.clone());
                return value;
            }
            std::collections::hash_map::Entry::Occupied(o) => o.get().clone(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert(value.clone()).clone(),
        };
        slot.downcast::<T>().unwrap_or(value)
    }

    fn take<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots
            .remove(&TypeId::of::<T>())
            .and_then(|s| s.downcast::<T>().ok())
    }
}

/// A per-session slot for a `T` that lives in this process only (an agent holding a client, a
/// connection): not serialized, not shared with other instances, dropped when the session ends.
///
/// Code must be ready to find it empty (a restart, another instance) and rebuild it, which
/// [`get_or_init`](Local::get_or_init) does.
pub struct Local<T> {
    session: SessionRef,
    _slot: PhantomData<fn() -> T>,
}

impl<T> Clone for Local<T> {
    fn clone(&self) -> Self {
        Local {
            session: self.session.clone(),
            _slot: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Local")
            .field("session", &self.session.id)
            .field("type", &std::any::type_name::<T>())
            .finish()
    }
}

impl<T: Send + Sync + 'static> Local<T> {
    pub(crate) fn new(session: SessionRef) -> Self {
        Local {
            session,
            _slot: PhantomData,
        }
    }

    /// The object, if this instance has one for this session.
    pub fn get(&self) -> Option<Arc<T>> {
        self.session.locals().get::<T>()
    }

    /// Stores the object, replacing any previous one, and returns it.
    pub fn set(&self, value: T) -> Arc<T> {
        tracing::debug!(target: "chainrs::session", parent: &self.session.span, slot = std::any::type_name::<T>(), "local slot set");
        self.session.locals().insert(Arc::new(value), true)
    }

    /// Removes the object and returns it.
    pub fn take(&self) -> Option<Arc<T>> {
        self.session.locals().take::<T>()
    }

    /// The object, built by `init` when this instance has none. If two calls race, both may run
    /// `init`; the first to finish wins and both get its object.
    pub async fn get_or_init<F, Fut>(&self, init: F) -> Arc<T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        if let Some(v) = self.get() {
            return v;
        }
        let value = Arc::new(init().await);
        self.session.locals().insert(value, false)
    }

    /// Like [`get_or_init`](Local::get_or_init) with a fallible `init`.
    pub async fn get_or_try_init<F, Fut, E>(&self, init: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.get() {
            return Ok(v);
        }
        let value = Arc::new(init().await?);
        Ok(self.session.locals().insert(value, false))
    }
}
