//! Chat resume: a new session that names a past thread of its user adopts that thread (new
//! steps append to it), gets its typed state back from the thread's metadata, and its tab shows
//! the thread (`resume_thread`) before `#[on_chat_resume]` runs, so what the hook sends stays
//! on screen (Chainlit runs the hook first and its client wipes those messages, #2611).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use uuid::Uuid;

use super::hooks::HookKind;
use super::{Tab, Tabs};
use crate::auth::User;
use crate::chat::{HookInput, Thread, chat_context};
use crate::error::{Error, Result};
use crate::protocol::ServerEvent;
use crate::session::{Created, Resume, STATE_PREFIX, SessionId, SessionMeta, SessionRef};

/// How long a resume waits for this instance's queued writes (the thread's last messages, when
/// the user reloads right after sending one) before it reads the thread.
const SETTLE_LIMIT: Duration = Duration::from_secs(2);

/// What the client is told when the thread it named cannot be resumed; the same words whether
/// the thread does not exist or is another user's, so an id tells nothing about others.
pub(crate) const NOT_FOUND: &str = "Thread not found.";

/// A past thread a session can take over: its id and what it seeds the session with.
pub(crate) struct Adoptable {
    thread: Uuid,
    chat_settings: Option<serde_json::Map<String, Value>>,
    chat_profile: Option<String>,
    /// Store entries of the new session: its `UserSession` keys, its conversation.
    seed: Vec<(String, String)>,
}

impl Adoptable {
    /// Makes `meta` the facts of a session that continues the thread: with the thread's chat
    /// profile when the app still offers it to the user (else the one the client asked for).
    async fn adopt(&mut self, tabs: &Tabs, meta: &mut SessionMeta) {
        meta.thread_id = self.thread;
        meta.interacted = true;
        meta.resume = Resume::Pending;
        if let Some(settings) = self.chat_settings.take() {
            meta.chat_settings = settings;
        }
        if let Some(name) = self.chat_profile.take() {
            match tabs.chat_profile(meta.user.as_ref(), Some(&name)).await {
                Ok(Some(profile)) => meta.chat_profile = Some(profile),
                Ok(None) => {}
                Err(why) => {
                    tracing::info!(target: "chainrs::session", thread = %self.thread, reason = %why, "the resumed thread's chat profile is no longer offered: the chat keeps the one its client asked for");
                }
            }
        }
    }
}

impl Tabs {
    /// The thread `thread`, when the app's data layer holds it for `user`; `None` when there is
    /// no data layer, no user, no such thread, or it is another user's.
    pub(crate) async fn adoptable(
        &self,
        thread: Uuid,
        user: Option<&User>,
    ) -> Result<Option<Adoptable>> {
        let (Some(record), Some(user)) = (&self.record, user) else {
            return Ok(None);
        };
        record.flush(SETTLE_LIMIT).await;
        let Some(dict) = record
            .layer()
            .get_thread(thread)
            .await
            .map_err(Error::Store)?
        else {
            return Ok(None);
        };
        if dict.user_identifier.as_deref() != Some(user.identifier.as_str()) {
            tracing::warn!(target: "chainrs::session", %thread, user = %user.identifier, "resume refused: the thread is another user's");
            return Ok(None);
        }
        let mut seed: Vec<(String, String)> = dict
            .metadata
            .iter()
            .filter(|(key, _)| key.starts_with(STATE_PREFIX))
            .map(|(key, value)| (key.clone(), value.to_string()))
            .collect();
        if self.settings.chat_context {
            seed.push(chat_context::seed(&dict.steps));
        }
        Ok(Some(Adoptable {
            thread,
            chat_settings: dict
                .metadata
                .get("chat_settings")
                .and_then(Value::as_object)
                .cloned(),
            chat_profile: dict
                .metadata
                .get("chat_profile")
                .and_then(Value::as_str)
                .map(str::to_owned),
            seed,
        }))
    }

    /// Creates the session of a chat tab under `id`. When the tab names a `thread` to resume,
    /// the session adopts it if it is the user's (see [`Tabs::adoptable`]); otherwise it starts
    /// a fresh thread and its tab is told why (`resume_thread_error`) before `on_chat_start`.
    pub(crate) async fn create_chat(
        &self,
        id: SessionId,
        mut meta: SessionMeta,
        thread: Option<Uuid>,
    ) -> Result<Created> {
        let mut seed = Vec::new();
        if let Some(thread) = thread.filter(|_| self.record.is_some()) {
            let user = meta.user.clone();
            match self.adoptable(thread, user.as_ref()).await {
                Ok(Some(mut found)) => {
                    found.adopt(self, &mut meta).await;
                    seed = found.seed;
                }
                Ok(None) => {
                    let why = if user.is_some() {
                        NOT_FOUND.to_owned()
                    } else {
                        "resuming a chat needs a logged-in user".to_owned()
                    };
                    tracing::info!(target: "chainrs::session", %thread, reason = %why, "resume refused: a fresh chat starts");
                    meta.resume = Resume::Refused(why);
                }
                Err(err) => {
                    tracing::warn!(target: "chainrs::session", %thread, error = %err, "resume failed: the data layer could not be read; a fresh chat starts");
                    meta.resume =
                        Resume::Refused(format!("the chat history could not be read: {err}"));
                }
            }
        }
        self.sessions.create_seeded(id, meta, seed).await
    }

    /// Creates a session under a new id that resumes `thread` for `meta`'s user, or says why
    /// not: no data layer, no user, or [`Error::NotFound`] (the headless API's resume).
    pub(crate) async fn resume_session(
        &self,
        mut meta: SessionMeta,
        thread: Uuid,
    ) -> Result<SessionRef> {
        if self.record.is_none() {
            return Err(Error::BadRequest(
                "this app keeps no threads to resume: give it a data layer (App::data_layer or \
                 CHAINRS_DATABASE_URL)"
                    .to_owned(),
            ));
        }
        let user = meta.user.clone();
        if user.is_none() {
            return Err(Error::Unauthorized(
                "resuming a chat needs a logged-in user: log in first (POST /login)".to_owned(),
            ));
        }
        let mut found = self
            .adoptable(thread, user.as_ref())
            .await?
            .ok_or_else(|| Error::NotFound(NOT_FOUND.to_owned()))?;
        found.adopt(self, &mut meta).await;
        let id = SessionId::new();
        match self.sessions.create_seeded(id, meta, found.seed).await? {
            Created::New(session) => Ok(session),
            Created::Exists => Err(Error::Internal(format!(
                "a freshly drawn session id {id} exists already"
            ))),
        }
    }
}

/// Shows the thread the session adopted in `tab`, then runs `#[on_chat_resume]` with it; when
/// the thread is gone by now, says so and runs `#[on_chat_start]` instead.
pub(super) async fn replay(tab: &Arc<Tab>) {
    // Read again, not handed over from `adoptable`: the first tab may come later or on
    // another instance, and what the session wrote since is shown too.
    let thread_id = tab.session.thread_id();
    let found = match &tab.tabs.record {
        Some(record) => record.layer().get_thread(thread_id).await,
        None => Ok(None),
    };
    match found {
        Ok(Some(thread)) => {
            tracing::info!(target: "chainrs::session", parent: &tab.session.span, steps = thread.steps.len(), "chat resumed");
            tab.emit(ServerEvent::FirstInteraction {
                interaction: "resume".to_owned(),
                thread_id,
            })
            .await;
            tab.emit(ServerEvent::ResumeThread(Box::new(thread.clone())))
                .await;
            // After the thread, so the panel shows the values the thread kept.
            super::settings::show(tab).await;
            tab.run(
                HookKind::OnChatResume,
                HookInput::Thread(Box::new(Thread::new(thread))),
                None,
            )
            .await;
        }
        other => {
            let why = match other {
                Err(err) => {
                    tracing::warn!(target: "chainrs::session", parent: &tab.session.span, error = %err, "the resumed thread could not be read");
                    format!("the chat history could not be read: {err}")
                }
                _ => NOT_FOUND.to_owned(),
            };
            tab.emit(ServerEvent::ResumeThreadError(why)).await;
            super::settings::show(tab).await;
            tab.run(HookKind::OnChatStart, HookInput::None, None).await;
        }
    }
}
