//! Sessions: ids, the read-only facts of a session, and the manager that owns their life (the
//! store, typed state, locals, thread ownership, the sweep). Every state change is a `tracing` event.

mod local;
mod logins;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod store;
mod throttle;
mod user_session;

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use dashmap::DashMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tracing::Span;
use uuid::Uuid;

use crate::auth::User;
use crate::error::{Error, Result};
use crate::protocol::{ChatCommand, ChatMode, ChatProfile};

#[cfg(feature = "redis")]
pub use self::redis::RedisStore;
pub use local::Local;
pub(crate) use local::LocalSlots;
pub use memory::MemoryStore;
pub use store::{Bucket, CasOutcome, Expired, Lookup, SessionStore, StoreFuture, Versioned};
pub(crate) use user_session::STATE_PREFIX;
pub use user_session::{SessionState, StateKey, UserSession};

/// The store key of a session's built-in facts.
const META_KEY: &str = "chainrs:meta";

/// A session's id: the UUID a chat tab generates (`sessionId`) or the server assigns to a headless client.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(Uuid);

impl SessionId {
    /// A fresh random id.
    pub fn new() -> Self {
        SessionId(Uuid::new_v4())
    }

    /// The id as a UUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// Parses an id that came from outside, naming where it came from in the error.
    pub(crate) fn parse_from(raw: &str, source_name: &'static str) -> Result<Self> {
        Uuid::parse_str(raw.trim())
            .map(SessionId)
            .map_err(|_| Error::InvalidSessionId {
                given: raw.chars().take(64).collect(),
                source_name,
            })
    }
}

impl Default for SessionId {
    fn default() -> Self {
        Self::new()
    }
}

impl FromStr for SessionId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse_from(s, "a string")
    }
}

impl From<Uuid> for SessionId {
    fn from(id: Uuid) -> Self {
        SessionId(id)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({})", self.0)
    }
}

/// Which kind of context created a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A chat tab (WebSocket context).
    Chat,
    /// An HTTP request without a session id (a headless client).
    Http,
}

/// The built-in facts of a session, stored beside its state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct SessionMeta {
    pub(crate) user: Option<User>,
    pub(crate) thread_id: Uuid,
    pub(crate) client_type: String,
    #[serde(default)]
    pub(crate) env: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub(crate) chat_settings: serde_json::Map<String, serde_json::Value>,
    /// The chat profile the session runs with (one the app offered its user).
    #[serde(default, deserialize_with = "crate::protocol::kept_profile")]
    pub(crate) chat_profile: Option<ChatProfile>,
    /// The composer's commands and modes the app last set, shown again to every new tab of
    /// the session (a reload, another instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) commands: Option<Vec<ChatCommand>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) modes: Option<Vec<ChatMode>>,
    pub(crate) origin: Origin,
    #[serde(default)]
    pub(crate) chat_started: bool,
    #[serde(default)]
    pub(crate) interacted: bool,
    /// Whether the session's first tab resumes a past thread.
    #[serde(default)]
    pub(crate) resume: Resume,
}

/// What the first tab of a session does with the thread its client named.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Resume {
    /// Nothing was named (or there is no data layer): the chat starts.
    #[default]
    No,
    /// The session adopted the thread: the tab shows it, then `on_chat_resume` runs.
    Pending,
    /// The thread cannot be resumed, for this reason: the tab is told, then the chat starts.
    Refused(String),
}

impl SessionMeta {
    pub(crate) fn new(origin: Origin, user: Option<User>) -> Self {
        SessionMeta {
            user,
            thread_id: Uuid::new_v4(),
            client_type: match origin {
                Origin::Chat => "webapp",
                Origin::Http => "http",
            }
            .to_owned(),
            env: Default::default(),
            chat_settings: Default::default(),
            chat_profile: None,
            commands: None,
            modes: None,
            origin,
            chat_started: false,
            interacted: false,
            resume: Resume::No,
        }
    }
}

/// Read-only facts of the current session: id, thread, user, client type, env, chat settings.
///
/// Injectable in every handler. It is a snapshot taken when the handler started.
#[derive(Clone, Debug)]
pub struct Session {
    id: SessionId,
    meta: SessionMeta,
}

impl Session {
    /// The session id.
    pub fn id(&self) -> SessionId {
        self.id
    }
    /// The id of the session's current thread (conversation).
    pub fn thread_id(&self) -> Uuid {
        self.meta.thread_id
    }
    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&User> {
        self.meta.user.as_ref()
    }
    /// The client type (`webapp` for the chat page, `http` for a headless session).
    pub fn client_type(&self) -> &str {
        &self.meta.client_type
    }
    /// The environment the client sent (`userEnv`).
    pub fn env(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.meta.env
    }
    /// The chat settings the client last sent.
    pub fn chat_settings(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.meta.chat_settings
    }
    /// The name of the chat profile the chat runs with, if the app offers profiles.
    pub fn chat_profile(&self) -> Option<&str> {
        self.meta.chat_profile.as_ref().map(|p| p.name.as_str())
    }
    /// The chat profile the chat runs with (as `#[set_chat_profiles]` offered it), if any.
    pub fn profile(&self) -> Option<&ChatProfile> {
        self.meta.chat_profile.as_ref()
    }
    /// Which kind of context created the session.
    pub fn origin(&self) -> Origin {
        self.meta.origin
    }
}

/// Counts of what an instance holds, for health checks and leak tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Sessions in the store (when the store can tell).
    pub stored: Option<usize>,
    /// Sessions with per-instance objects (`Local<T>`) on this instance.
    pub with_locals: usize,
    /// Sessions with a chat link on this instance (a tab connected, or away and not yet expired).
    pub live_chats: usize,
    /// Sessions whose thread ownership this instance tracks.
    pub threads: usize,
    /// Chat tabs this instance holds now: sockets, test chats, headless calls in flight.
    pub sockets: usize,
}

/// What creating a session under a client's id found.
pub(crate) enum Created {
    /// The session is new.
    New(SessionRef),
    /// A session with that id exists already (another connection created it first).
    Exists,
}

/// Told of each committed write of a session's typed state (`UserSession` keys), with the
/// value as JSON text: how the data layer keeps a thread's state as it changes.
pub(crate) trait StateObserver: Send + Sync + 'static {
    /// `key` of `session` is now `value`.
    fn committed(&self, session: &SessionRef, key: &str, value: &str);
}

/// Owns the life of every session this instance touches: store, per-instance maps, logging.
pub(crate) struct Sessions {
    store: Arc<dyn SessionStore>,
    pub(crate) ttl: Duration,
    locals: DashMap<SessionId, Arc<LocalSlots>>,
    /// Who owns each thread this instance has seen, so a handshake cannot claim another
    /// user's thread id; and each session's thread, to forget it with the session.
    threads: DashMap<Uuid, Option<String>>,
    thread_of: DashMap<SessionId, Uuid>,
    /// Told of typed state writes (with a data layer).
    observer: std::sync::OnceLock<Arc<dyn StateObserver>>,
}

/// A resolved session: id, the facts last seen, the span its events go to.
#[derive(Clone)]
pub(crate) struct SessionRef {
    pub(crate) id: SessionId,
    meta: Arc<Mutex<SessionMeta>>,
    pub(crate) span: Span,
    pub(crate) sessions: Arc<Sessions>,
}

impl fmt::Debug for SessionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRef").field("id", &self.id).finish()
    }
}

fn session_span(id: SessionId, meta: &SessionMeta) -> Span {
    let user = meta.user.as_ref().map(|u| u.identifier.as_str());
    tracing::info_span!(target: "chainrs::session", "session", session_id = %id, thread_id = %meta.thread_id, user)
}

impl SessionRef {
    fn new(id: SessionId, meta: SessionMeta, sessions: Arc<Sessions>) -> Self {
        let span = session_span(id, &meta);
        sessions.note_thread(id, &meta);
        SessionRef {
            id,
            meta: Arc::new(Mutex::new(meta)),
            span,
            sessions,
        }
    }

    pub(crate) fn meta(&self) -> SessionMeta {
        self.meta
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The session's chat settings values (without copying the other facts).
    pub(crate) fn chat_settings(&self) -> serde_json::Map<String, serde_json::Value> {
        self.meta
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .chat_settings
            .clone()
    }

    /// The session's thread id (without copying the other facts).
    pub(crate) fn thread_id(&self) -> Uuid {
        self.meta
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .thread_id
    }

    /// Whether the first user message was seen.
    pub(crate) fn interacted(&self) -> bool {
        self.meta
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .interacted
    }

    pub(crate) fn facts(&self) -> Session {
        Session {
            id: self.id,
            meta: self.meta(),
        }
    }

    pub(crate) fn chat_profile(&self) -> Option<ChatProfile> {
        self.meta
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .chat_profile
            .clone()
    }

    pub(crate) fn user(&self) -> Option<User> {
        self.meta
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .user
            .clone()
    }

    pub(crate) fn locals(&self) -> Arc<LocalSlots> {
        self.sessions.locals.entry(self.id).or_default().clone()
    }

    /// Refuses a caller who does not own the session: another user, a logged-in user on an
    /// anonymous session, or an anonymous caller on a user's session. Logs the refusal.
    pub(crate) fn check_owner(&self, caller: Option<&User>) -> Result<()> {
        let owner = self.user();
        let why = match (owner.as_ref(), caller) {
            (None, None) => return Ok(()),
            (Some(a), Some(b)) if a.identifier == b.identifier => return Ok(()),
            (Some(_), Some(_)) => "it belongs to another user",
            (Some(_), None) => "it belongs to a logged-in user and the request carries no login",
            (None, Some(_)) => "it is an anonymous session and cannot be taken over by a login",
        };
        tracing::warn!(target: "chainrs::session", parent: &self.span, reason = why, caller = caller.map(|u| u.identifier.as_str()), "session refused");
        Err(Error::Forbidden(format!(
            "session {} is not yours: {why}",
            self.id
        )))
    }

    /// Changes the built-in facts atomically, logging `what` inside the session's span.
    pub(crate) async fn update_meta<R>(
        &self,
        what: &'static str,
        mut f: impl FnMut(&mut SessionMeta) -> R,
    ) -> Result<R> {
        let (out, meta) = self
            .sessions
            .modify(self, META_KEY, |m: &mut Option<SessionMeta>| {
                let m = m.get_or_insert_with(|| SessionMeta::new(Origin::Http, None));
                (f(m), m.clone())
            })
            .await?;
        tracing::info!(target: "chainrs::session", parent: &self.span, change = what, "session updated");
        *self.meta.lock().unwrap_or_else(PoisonError::into_inner) = meta;
        Ok(out)
    }
}

impl Sessions {
    pub(crate) fn new(store: Arc<dyn SessionStore>, ttl: Duration) -> Self {
        Sessions {
            store,
            ttl,
            locals: DashMap::new(),
            threads: DashMap::new(),
            thread_of: DashMap::new(),
            observer: std::sync::OnceLock::new(),
        }
    }

    fn note_thread(&self, id: SessionId, meta: &SessionMeta) {
        self.threads.insert(
            meta.thread_id,
            meta.user.as_ref().map(|u| u.identifier.clone()),
        );
        self.thread_of.insert(id, meta.thread_id);
    }

    /// Refuses a thread id that belongs to a session of another user (or to an anonymous
    /// session, for a logged-in caller, and the other way round), on every instance: the owner
    /// is recorded in the store when the session is created.
    pub(crate) async fn check_thread(&self, thread: Uuid, caller: Option<&User>) -> Result<()> {
        let owner = match self.threads.get(&thread).map(|o| o.clone()) {
            Some(owner) => Some(owner),
            None => self
                .store
                .record(&thread_key(thread))
                .await
                .map_err(Error::Store)?
                .map(|raw| serde_json::from_str::<Option<String>>(&raw).unwrap_or(None)),
        };
        let Some(owner) = owner else {
            return Ok(());
        };
        if owner.as_deref() == caller.map(|u| u.identifier.as_str()) {
            return Ok(());
        }
        tracing::warn!(target: "chainrs::session", %thread, caller = caller.map(|u| u.identifier.as_str()), "thread refused: it belongs to another user");
        Err(Error::Forbidden(format!(
            "thread {thread} is not yours: it belongs to another user"
        )))
    }

    /// Records (or refreshes) in the store who owns the session's thread.
    async fn claim_thread(&self, session: &SessionRef) -> Result<()> {
        let (thread, owner) = {
            let meta = session.meta.lock().unwrap_or_else(PoisonError::into_inner);
            (
                meta.thread_id,
                meta.user.as_ref().map(|u| u.identifier.clone()),
            )
        };
        let owner = serde_json::to_string(&owner).map_err(|source| Error::Encode {
            key: thread_key(thread),
            source,
        })?;
        self.store
            .claim(&thread_key(thread), owner, self.ttl)
            .await
            .map_err(Error::Store)?;
        Ok(())
    }

    /// Creates a session under a new id.
    pub(crate) async fn create(self: &Arc<Self>, meta: SessionMeta) -> Result<SessionRef> {
        let id = SessionId::new();
        match self.create_with_id(id, meta).await? {
            Created::New(session) => Ok(session),
            Created::Exists => Err(Error::Internal(format!(
                "a freshly drawn session id {id} exists already"
            ))),
        }
    }

    /// Creates a session under the id a client chose (a chat tab's own `sessionId`), or says
    /// that one exists already, changing nothing.
    pub(crate) async fn create_with_id(
        self: &Arc<Self>,
        id: SessionId,
        meta: SessionMeta,
    ) -> Result<Created> {
        self.create_seeded(id, meta, Vec::new()).await
    }

    /// Creates a session as [`Sessions::create_with_id`] does, holding from the start the
    /// store entries `seed` (the typed state and conversation of a resumed thread).
    pub(crate) async fn create_seeded(
        self: &Arc<Self>,
        id: SessionId,
        meta: SessionMeta,
        seed: Vec<(String, String)>,
    ) -> Result<Created> {
        let encoded = serde_json::to_string(&meta).map_err(|source| Error::Encode {
            key: META_KEY.into(),
            source,
        })?;
        let mut entries = Vec::with_capacity(seed.len() + 1);
        entries.push((META_KEY.to_owned(), encoded));
        entries.extend(seed);
        let created = self
            .store
            .create(id, entries, self.ttl)
            .await
            .map_err(Error::Store)?;
        if !created {
            return Ok(Created::Exists);
        }
        let origin = meta.origin;
        let session = SessionRef::new(id, meta, self.clone());
        self.claim_thread(&session).await?;
        tracing::info!(target: "chainrs::session", parent: &session.span, ?origin, "session created");
        Ok(Created::New(session))
    }

    /// Loads an existing session and refreshes its expiry; `None` when it does not exist.
    pub(crate) async fn open(self: &Arc<Self>, id: SessionId) -> Result<Option<SessionRef>> {
        let meta = match self.store.get(id, META_KEY).await.map_err(Error::Store)? {
            Lookup::Found(v) => decode::<SessionMeta>(META_KEY, &v.value)?,
            Lookup::NoSession | Lookup::NoKey => return Ok(None),
        };
        if !self.store.touch(id, self.ttl).await.map_err(Error::Store)? {
            return Ok(None);
        }
        Ok(Some(SessionRef::new(id, meta, self.clone())))
    }

    /// Tells `observer` of every committed typed state write from now on (once).
    pub(crate) fn observe_state(&self, observer: Arc<dyn StateObserver>) {
        let _ = self.observer.set(observer);
    }

    /// Loads a session a client named, refreshing its expiry; one that does not exist is
    /// [`Error::SessionNotFound`].
    pub(crate) async fn open_named(self: &Arc<Self>, id: SessionId) -> Result<SessionRef> {
        self.open(id)
            .await?
            .ok_or_else(|| Error::SessionNotFound(id.to_string()))
    }

    /// Refreshes a session's expiry, and the record of who owns its thread; `false` when the
    /// session no longer exists.
    pub(crate) async fn touch(&self, session: &SessionRef) -> Result<bool> {
        let alive = self
            .store
            .touch(session.id, self.ttl)
            .await
            .map_err(Error::Store)?;
        if alive {
            self.claim_thread(session).await?;
        }
        Ok(alive)
    }

    /// Reads a key: its decoded value (if written) and version (0 if not).
    pub(crate) async fn read<S: DeserializeOwned>(
        &self,
        session: &SessionRef,
        key: &str,
    ) -> Result<(Option<S>, u64)> {
        match self
            .store
            .get(session.id, key)
            .await
            .map_err(Error::Store)?
        {
            Lookup::NoSession => Err(Error::SessionNotFound(session.id.to_string())),
            Lookup::NoKey => Ok((None, 0)),
            Lookup::Found(v) => Ok((Some(decode(key, &v.value)?), v.version)),
        }
    }

    /// Atomic read-modify-write of one key by compare-and-swap; `f` may run more than once.
    pub(crate) async fn modify<S, R>(
        &self,
        session: &SessionRef,
        key: &str,
        mut f: impl FnMut(&mut Option<S>) -> R,
    ) -> Result<R>
    where
        S: Serialize + DeserializeOwned,
    {
        let mut attempt = 0;
        loop {
            let (mut value, version) = self.read::<S>(session, key).await?;
            let out = f(&mut value);
            let encoded = serde_json::to_string(&value).map_err(|source| Error::Encode {
                key: key.to_owned(),
                source,
            })?;
            if self.write(session, key, version, encoded).await? {
                return Ok(out);
            }
            // Another writer won the race: read its value and apply `f` again.
            attempt += 1;
            back_off(attempt).await;
        }
    }

    /// Atomic read-modify-write of one key's stored JSON text itself (`None`: not written), for
    /// values kept in a shape that changes without decoding it whole (an append-only list);
    /// `f` returns the new JSON text and may run more than once.
    pub(crate) async fn modify_text<R>(
        &self,
        session: &SessionRef,
        key: &str,
        mut f: impl FnMut(Option<&str>) -> (String, R),
    ) -> Result<R> {
        let mut attempt = 0;
        loop {
            let (text, version) = match self
                .store
                .get(session.id, key)
                .await
                .map_err(Error::Store)?
            {
                Lookup::NoSession => return Err(Error::SessionNotFound(session.id.to_string())),
                Lookup::NoKey => (None, 0),
                Lookup::Found(v) => (Some(v.value), v.version),
            };
            let (encoded, out) = f(text.as_deref());
            if self.write(session, key, version, encoded).await? {
                return Ok(out);
            }
            attempt += 1;
            back_off(attempt).await;
        }
    }

    /// Replaces one key whatever its current value.
    pub(crate) async fn put<S: Serialize>(
        &self,
        session: &SessionRef,
        key: &str,
        value: &S,
    ) -> Result<()> {
        let encoded = serde_json::to_string(value).map_err(|source| Error::Encode {
            key: key.to_owned(),
            source,
        })?;
        let mut attempt = 0;
        loop {
            let version = match self
                .store
                .get(session.id, key)
                .await
                .map_err(Error::Store)?
            {
                Lookup::NoSession => return Err(Error::SessionNotFound(session.id.to_string())),
                Lookup::NoKey => 0,
                Lookup::Found(v) => v.version,
            };
            if self.write(session, key, version, encoded.clone()).await? {
                return Ok(());
            }
            attempt += 1;
            back_off(attempt).await;
        }
    }

    /// One compare-and-swap; `true` when written, `false` on a version conflict.
    async fn write(
        &self,
        session: &SessionRef,
        key: &str,
        expected: u64,
        encoded: String,
    ) -> Result<bool> {
        let observed = self
            .observer
            .get()
            .filter(|_| key.starts_with(user_session::STATE_PREFIX))
            .map(|observer| (observer.clone(), encoded.clone()));
        match self
            .store
            .compare_and_swap(session.id, key, expected, encoded, self.ttl)
            .await
            .map_err(Error::Store)?
        {
            CasOutcome::Written(version) => {
                tracing::debug!(target: "chainrs::session", parent: &session.span, key, version, "session key updated");
                if let Some((observer, value)) = observed {
                    observer.committed(session, key, &value);
                }
                Ok(true)
            }
            CasOutcome::Conflict => Ok(false),
            CasOutcome::NoSession => Err(Error::SessionNotFound(session.id.to_string())),
        }
    }

    /// Deletes a session now, from the store and this instance's maps (its tab's are the
    /// caller's to drop).
    pub(crate) async fn delete(&self, session: &SessionRef, reason: &'static str) -> Result<bool> {
        let existed = self.store.delete(session.id).await.map_err(Error::Store)?;
        self.forget(session.id);
        tracing::info!(target: "chainrs::session", parent: &session.span, reason, "session cleared");
        Ok(existed)
    }

    /// Drops what this instance holds for a session.
    fn forget(&self, id: SessionId) {
        self.locals.remove(&id);
        if let Some((_, thread)) = self.thread_of.remove(&id) {
            self.threads.remove(&thread);
        }
    }

    /// Removes expired sessions from the store and from this instance's maps. Returns the
    /// sessions that ended, with their last facts when the store kept them.
    pub(crate) async fn purge_expired(
        self: &Arc<Self>,
    ) -> Result<Vec<(SessionId, Option<SessionRef>)>> {
        let expired = self
            .store
            .purge_expired(META_KEY)
            .await
            .map_err(Error::Store)?;
        let mut ended = Vec::with_capacity(expired.len());
        for gone in expired {
            self.forget(gone.id);
            let meta = gone
                .kept
                .and_then(|raw| serde_json::from_str::<SessionMeta>(&raw).ok());
            let session = meta.map(|meta| SessionRef::new(gone.id, meta, self.clone()));
            match &session {
                Some(s) => {
                    tracing::info!(target: "chainrs::session", parent: &s.span, "session expired")
                }
                None => {
                    tracing::info!(target: "chainrs::session", session_id = %gone.id, "session expired")
                }
            }
            ended.push((gone.id, session));
        }
        Ok(ended)
    }

    /// Drops what this instance holds for sessions that ended without the store reporting them
    /// here (deleted or expired through another instance), once the store no longer knows them.
    /// `held` tells which sessions still have a chat link here: those stay until the link goes.
    pub(crate) async fn drop_orphans(&self, held: impl Fn(SessionId) -> bool) -> Result<()> {
        let mut orphans: Vec<SessionId> = self.locals.iter().map(|e| *e.key()).collect();
        orphans.extend(self.thread_of.iter().map(|e| *e.key()));
        orphans.sort_unstable();
        orphans.dedup();
        for id in orphans {
            if !held(id)
                && matches!(
                    self.store.get(id, META_KEY).await.map_err(Error::Store)?,
                    Lookup::NoSession
                )
            {
                if self.locals.contains_key(&id) {
                    tracing::info!(target: "chainrs::session", session_id = %id, "session expired");
                }
                self.forget(id);
            }
        }
        Ok(())
    }

    /// Gives back the memory of maps that shrank (after a sweep ended sessions).
    pub(crate) fn shrink(&self) {
        self.locals.shrink_to_fit();
        self.threads.shrink_to_fit();
        self.thread_of.shrink_to_fit();
    }

    /// What this instance holds for sessions (the tab counts are the tab directory's to fill).
    pub(crate) fn stats(&self) -> SessionStats {
        SessionStats {
            stored: self.store.len_hint(),
            with_locals: self.locals.len(),
            threads: self.thread_of.len(),
            live_chats: 0,
            sockets: 0,
        }
    }
}

/// The store's shared-record key of a thread's owner.
fn thread_key(thread: Uuid) -> String {
    format!("thread:{thread}")
}

/// Waits before retrying a compare-and-swap that lost a race: a yield for the first retries,
/// then a random pause growing to 10 ms, so many writers of one key (on several instances)
/// take turns instead of colliding again and again.
async fn back_off(attempt: u32) {
    if attempt <= 2 {
        tokio::task::yield_now().await;
        return;
    }
    let cap = (50u64 << attempt.min(8)).min(10_000);
    let jitter = u64::try_from(Uuid::new_v4().as_u128() % u128::from(cap)).unwrap_or(0);
    tokio::time::sleep(Duration::from_micros(jitter)).await;
}

fn decode<S: DeserializeOwned>(key: &str, raw: &str) -> Result<S> {
    serde_json::from_str(raw).map_err(|source| Error::Decode {
        key: key.to_owned(),
        type_name: std::any::type_name::<S>(),
        source,
    })
}
