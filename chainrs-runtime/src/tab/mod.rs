//! A chat tab's life, written once for every surface: the command worker, the hook runner, the
//! delivery link, and here the directory of this instance's links and running hooks.

mod composer;
mod drain;
mod hooks;
mod link;
mod marks;
mod offers;
mod outbox;
mod overlap;
mod record;
#[cfg(feature = "redis")]
mod relay;
mod resume;
mod run;
mod settings;
mod worker;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use dashmap::DashMap;
use tokio::task::AbortHandle;
use uuid::Uuid;

use crate::chat::SettingsPanel;
use crate::context::{ChatSink, Emitter, StateMap};
use crate::error::Result;
use crate::files::FileStore;
use crate::registered::Registered;
use crate::session::{SessionId, SessionRef, SessionStats, Sessions};

pub use hooks::HookKind;
pub(crate) use hooks::{ChatHookFn, Hooks};
use link::ChatLink;
pub use link::QUEUE_LIMIT;
pub(crate) use link::{AskAnswer, Wire, WireError};
pub(crate) use offers::{OfferFn, ProfilesFn, offered};
pub(crate) use record::Record;
#[cfg(feature = "redis")]
pub(crate) use relay::Relay;
pub(crate) use worker::{Attach, Done, Refused, Tab};

/// This instance's chat tabs: each session's delivery link, the hook runs of each session, and
/// what every tab needs to run hooks (the sessions, the hooks, the app's shared values).
pub(crate) struct Tabs {
    pub(crate) sessions: Arc<Sessions>,
    hooks: Hooks,
    pub(crate) state: Arc<StateMap>,
    /// The sessions' files: uploads and element content, removed when a session ends.
    pub(crate) files: Arc<dyn FileStore>,
    /// What of the chats the data layer keeps, when the app has one.
    pub(crate) record: Option<Arc<Record>>,
    /// What the app's configuration says of its tabs.
    pub(crate) settings: TabSettings,
    links: DashMap<SessionId, Arc<ChatLink>>,
    /// The hook runs of each session, so a stop reaches all of them (also those a previous
    /// connection started, and, through the relay, those on other instances).
    running: DashMap<SessionId, Vec<(u64, AbortHandle)>>,
    next_run: AtomicU64,
    /// Tabs open now, of every surface.
    open: AtomicUsize,
    /// Commands handed to tab workers and not done yet (a drain waits for them).
    queued: AtomicUsize,
    /// User messages of each session from their arrival to their run's `task_end`.
    busy: DashMap<SessionId, usize>,
    /// The instance is shutting down (see [`Tabs::drain`]).
    draining: AtomicBool,
    /// The drain's grace is over: no hook run starts any more.
    halted: AtomicBool,

    /// Chat events to and from other instances (with Redis).
    #[cfg(feature = "redis")]
    relay: Option<Arc<Relay>>,
}

/// What the app's configuration says of its tabs.
#[derive(Clone)]
pub(crate) struct TabSettings {
    /// `Config::max_message_bytes`: longer user messages are refused.
    pub(crate) max_message_bytes: usize,
    /// How many files one message may attach (`FileUpload::max_files`; none: no attachments).
    pub(crate) max_attachments: Option<usize>,
    /// `App::chat_context`: the session's conversation is kept for `ChatContext`.
    pub(crate) chat_context: bool,
    /// The app's chat settings type (`App::chat_settings`), when it has one.
    pub(crate) panel: Option<Arc<dyn SettingsPanel>>,
    /// `#[set_chat_profiles]`, when registered: a new chat runs with one of its profiles.
    pub(crate) profiles: Option<Registered<ProfilesFn>>,
    /// `App::on_overlap`: a message that arrives while a hook of its session runs.
    pub(crate) overlap: crate::config::Overlap,
}

impl Tabs {
    /// The tab directory of an app; with a relay, it starts receiving for this instance's tabs.
    pub(crate) fn new(
        sessions: Arc<Sessions>,
        hooks: Hooks,
        state: Arc<StateMap>,
        files: Arc<dyn FileStore>,
        record: Option<Arc<Record>>,
        settings: TabSettings,
        #[cfg(feature = "redis")] relay: Option<Arc<Relay>>,
    ) -> Arc<Self> {
        let tabs = Arc::new(Tabs {
            sessions,
            hooks,
            state,
            files,
            record,
            settings,
            links: DashMap::new(),
            running: DashMap::new(),
            next_run: AtomicU64::new(0),
            open: AtomicUsize::new(0),
            queued: AtomicUsize::new(0),
            busy: DashMap::new(),
            draining: AtomicBool::new(false),
            halted: AtomicBool::new(false),
            #[cfg(feature = "redis")]
            relay,
        });
        #[cfg(feature = "redis")]
        if let Some(relay) = &tabs.relay {
            relay.listen(Arc::downgrade(&tabs));
        }
        if let Some(record) = &tabs.record {
            record.attach(&tabs);
        }
        tabs
    }

    /// Connects a tab's wire to its session's link (made on first use).
    fn attach(
        &self,
        id: SessionId,
        connection: Uuid,
        wire: Arc<dyn Wire>,
        hold: bool,
    ) -> Arc<ChatLink> {
        let link = self
            .links
            .entry(id)
            .or_insert_with(|| ChatLink::start(id, self.away()))
            .clone();
        link.attach(connection, wire, hold);
        link
    }

    /// The tab of `connection` left: the link keeps what handlers send until one returns.
    fn detach(&self, id: SessionId, connection: Uuid) {
        if let Some(link) = self.links.get(&id) {
            link.detach(connection);
        }
    }

    /// The session's chat tab on this instance, when one is connected now.
    pub(crate) fn live(&self, id: SessionId) -> Option<Emitter> {
        let link = self.links.get(&id)?.clone();
        link.is_online()
            .then(|| Emitter::new(id, link as Arc<dyn ChatSink>))
    }

    /// The emitter of a session's chat tab: connected here, or (with Redis) to another
    /// instance. `None` when no instance holds a tab for it.
    pub(crate) async fn chat_of(&self, session: &SessionRef) -> Result<Option<Emitter>> {
        if let Some(local) = self.live(session.id) {
            return Ok(Some(local));
        }
        #[cfg(feature = "redis")]
        if let Some(relay) = &self.relay {
            return relay.remote(session.id).await;
        }
        Ok(None)
    }

    /// Records a running hook of session `id`; returns its key for [`Tabs::untrack`].
    fn track(&self, id: SessionId, task: AbortHandle) -> u64 {
        let key = self.next_run.fetch_add(1, Ordering::Relaxed);
        self.running.entry(id).or_default().push((key, task));
        key
    }

    /// Forgets a hook run that ended.
    fn untrack(&self, id: SessionId, key: u64) {
        self.running.remove_if_mut(&id, |_, runs| {
            runs.retain(|(k, _)| *k != key);
            runs.is_empty()
        });
    }

    /// Cancels every hook run of session `id` on this instance; returns how many.
    pub(crate) fn abort_running(&self, id: SessionId) -> usize {
        let Some((_, runs)) = self.running.remove(&id) else {
            return 0;
        };
        for (_, task) in &runs {
            task.abort();
        }
        runs.len()
    }

    /// Tells the other instances (with Redis) to stop the runs of session `id`.
    fn stop_elsewhere(&self, id: SessionId) {
        #[cfg(feature = "redis")]
        if let Some(relay) = self.relay.clone() {
            tokio::spawn(async move {
                if let Err(err) = relay.broadcast_stop(id).await {
                    tracing::warn!(target: "chainrs::relay", session_id = %id, error = %err, "could not tell the other instances to stop");
                }
            });
        }
        #[cfg(not(feature = "redis"))]
        let _ = id;
    }

    /// Forgets (with Redis) that session `id`'s tab is connected here.
    fn release(&self, id: SessionId) {
        #[cfg(feature = "redis")]
        if let Some(relay) = self.relay.clone() {
            tokio::spawn(async move {
                if let Err(err) = relay.release(id).await {
                    tracing::debug!(target: "chainrs::relay", session_id = %id, error = %err, "could not release the tab's location (it expires by itself)");
                }
            });
        }
        #[cfg(not(feature = "redis"))]
        let _ = id;
    }

    /// Records (with Redis) that `session`'s tab is connected here, so other instances reach it.
    async fn claim(&self, session: &SessionRef) {
        #[cfg(feature = "redis")]
        if let Some(relay) = &self.relay {
            if let Err(err) = relay.claim(session.id).await {
                tracing::warn!(target: "chainrs::relay", parent: &session.span, error = %err, "could not record where the tab is; will retry");
            }
        }
        #[cfg(not(feature = "redis"))]
        let _ = session;
    }

    /// Hands an event relayed from another instance to this instance's tab of `id`.
    #[cfg(feature = "redis")]
    async fn deliver_here(&self, id: SessionId, event: crate::protocol::ServerEvent) {
        let link = self.links.get(&id).map(|l| l.clone());
        match link {
            Some(link) => {
                if let Err(err) = link.deliver(event).await {
                    tracing::debug!(target: "chainrs::relay", session_id = %id, error = %err, "relayed event not delivered");
                }
            }
            None => {
                tracing::debug!(target: "chainrs::relay", session_id = %id, "relayed event for a tab no longer here");
            }
        }
    }

    /// Drops what the tabs hold for a session that ended: its link closes, its runs stop.
    fn forget(&self, id: SessionId) {
        if let Some((_, link)) = self.links.remove(&id) {
            link.close();
        }
        if let Some(record) = &self.record {
            record.forget(id);
        }
        self.abort_running(id);
        #[cfg(feature = "redis")]
        if let Some(relay) = self.relay.clone() {
            tokio::spawn(async move {
                if let Err(err) = relay.drop_outbox(id).await {
                    tracing::debug!(target: "chainrs::relay", session_id = %id, error = %err, "could not remove the ended session's outbox (it expires by itself)");
                }
            });
        }
    }

    /// Deletes a session now: from the store, and every tab of it here.
    pub(crate) async fn delete(&self, session: &SessionRef, reason: &'static str) -> Result<bool> {
        let existed = self.sessions.delete(session, reason).await;
        self.forget(session.id);
        self.remove_files(session.id);
        existed
    }

    /// Removes an ended session's files, in the background, once the data layer has copied
    /// what it keeps of them (the contents of recorded elements).
    fn remove_files(&self, id: SessionId) {
        let files = self.files.clone();
        let record = self.record.clone();
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        handle.spawn(async move {
            if let Some(record) = record {
                record.flush(std::time::Duration::from_secs(30)).await;
            }
            if let Err(err) = files.remove_session(id).await {
                tracing::warn!(target: "chainrs::files", session_id = %id, error = %err, "could not remove the ended session's files");
            }
        });
    }

    /// Sweeps expired sessions and runs `#[on_chat_end]` for the chats among them (with their
    /// last facts; their state and their tab are gone, so it is for clean-up, not messages).
    pub(crate) async fn sweep(&self) -> Result<Vec<SessionId>> {
        let ended = self.sessions.purge_expired().await?;
        for (id, _) in &ended {
            self.forget(*id);
            self.remove_files(*id);
        }
        self.sessions
            .drop_orphans(|id| self.links.contains_key(&id))
            .await?;
        if !ended.is_empty() {
            self.links.shrink_to_fit();
            self.sessions.shrink();
        }
        let mut ids = Vec::with_capacity(ended.len());
        for (id, session) in ended {
            ids.push(id);
            let Some(session) = session.filter(|s| s.meta().chat_started) else {
                continue;
            };
            let gone = Emitter::new(id, Arc::new(run::EndedChat(id)));
            if let Err(err) = self
                .run_hook(
                    &session,
                    &gone,
                    HookKind::OnChatEnd,
                    crate::chat::HookInput::None,
                )
                .await
            {
                tracing::debug!(target: "chainrs::chat", parent: &session.span, error = %err, "on_chat_end of an expired session could not report its error");
            }
        }
        Ok(ids)
    }

    /// What this instance holds: sessions, links, open tabs.
    pub(crate) fn stats(&self) -> SessionStats {
        SessionStats {
            live_chats: self.links.len(),
            sockets: self.open.load(Ordering::Relaxed),
            ..self.sessions.stats()
        }
    }
}
