//! An in-process client for testing apps: open chat tabs, send messages, collect what the app
//! emitted, call endpoints; no network. HTTP calls go through the app's real router, and a
//! `TestChat` is a real chat tab, the one the socket drives (its command queue, hook runner,
//! stop and delivery link), with a channel for a wire.
//!
//! ```
//! use chainrs::prelude::*;
//! use chainrs::testing::TestClient;
//!
//! #[derive(SessionState, Default, Serialize, Deserialize)]
//! struct Turns { n: u32 }
//!
//! #[on_message]
//! async fn echo(msg: Message, turns: UserSession<Turns>) -> chainrs::Result<()> {
//!     let n = turns.update(|t| { t.n += 1; t.n }).await?;
//!     Message::new(format!("echo #{n}: {}", msg.content)).send().await?;
//!     Ok(())
//! }
//!
//! #[endpoint(http, method = "GET", path = "/turns")]
//! async fn count(turns: UserSession<Turns>) -> chainrs::Result<Json<u32>> {
//!     Ok(Json(turns.get().await?.n))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> chainrs::Result<()> {
//! let client = TestClient::new(App::new().register(echo).register(count))?;
//! let mut chat = client.open_chat().await?;
//! assert_eq!(chat.send("hi").await?.replies(), ["echo #1: hi"]);
//! let turns = client.get("/turns").session(chat.session_id()).send().await;
//! assert_eq!(turns.json::<u32>()?, 1);
//! # Ok(()) }
//! ```

mod request;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::auth::{Auth, User};
use crate::chat::{Action, Message};
use crate::error::{Error, Result};
use crate::protocol::{ClientEvent, ServerEvent, StepType, final_steps};
use crate::server::Parts;
use crate::session::{
    Local, Origin, Session, SessionId, SessionMeta, SessionRef, SessionState, SessionStats,
    UserSession,
};
use crate::tab::{AskAnswer, Attach, Done, Refused, Tab, Tabs, Wire, WireError};

pub use request::{TestRequest, TestResponse};

/// Drives an app in process: chat tabs and HTTP calls without a network.
pub struct TestClient {
    tabs: Arc<Tabs>,
    auth: Arc<Auth>,
    router: Router,
}

impl TestClient {
    /// A client of a built app (`TestClient::new` builds it).
    pub(crate) fn from_parts(parts: Parts) -> Result<Self> {
        let (tabs, auth) = (parts.tabs.clone(), parts.auth.clone());
        let router = crate::server::router(parts)?;
        Ok(TestClient { tabs, auth, router })
    }

    /// Waits until what the chats wrote to the app's data layer is written (at most 10 s);
    /// `false` when some writes are still pending. Without a data layer, `true` at once.
    pub async fn flush_writes(&self) -> bool {
        match &self.tabs.record {
            Some(record) => record.flush(std::time::Duration::from_secs(10)).await,
            None => true,
        }
    }

    /// Opens a chat tab as an anonymous user: a new session, then `on_chat_start`.
    pub async fn open_chat(&self) -> Result<TestChat> {
        if self.auth.login_required() {
            return Err(Error::Unauthorized(
                "this app requires login: use open_chat_as(user)".to_owned(),
            ));
        }
        self.open(None).await
    }

    /// Opens a chat tab as `user` (as if they had logged in): a new session, then `on_chat_start`.
    pub async fn open_chat_as(&self, user: User) -> Result<TestChat> {
        self.open(Some(user)).await
    }

    /// Opens a chat tab as `user` (`None`: anonymous) with the chat profile named `profile`,
    /// as a socket handshake with `chatProfile` does: the chat runs with that profile of the
    /// app's `#[set_chat_profiles]`; a name the app does not offer this user is refused
    /// (`Error::BadRequest`), as the socket refuses it.
    pub async fn open_chat_with_profile(
        &self,
        user: Option<User>,
        profile: &str,
    ) -> Result<TestChat> {
        if self.auth.login_required() && user.is_none() {
            return Err(Error::Unauthorized(
                "this app requires login: pass the user".to_owned(),
            ));
        }
        self.open_with(user, Some(profile)).await
    }

    async fn open(&self, user: Option<User>) -> Result<TestChat> {
        self.open_with(user, None).await
    }

    async fn open_with(&self, user: Option<User>, profile: Option<&str>) -> Result<TestChat> {
        let mut meta = SessionMeta::new(Origin::Chat, user);
        meta.chat_profile = self
            .tabs
            .chat_profile(meta.user.as_ref(), profile)
            .await
            .map_err(Error::BadRequest)?;
        let session = self.tabs.sessions.create(meta).await?;
        self.attach(session).await
    }

    /// Opens a chat tab as an anonymous user naming `thread` to resume, as a socket handshake
    /// with `threadId` does (see [`TestClient::resume_chat_as`]).
    pub async fn resume_chat(&self, thread: uuid::Uuid) -> Result<TestChat> {
        self.resume(None, thread).await
    }

    /// Opens a chat tab as `user` naming `thread` to resume, as a socket handshake with
    /// `threadId` does: with a data layer holding that thread of theirs, the new session adopts
    /// it, the tab receives `resume_thread`, and `#[on_chat_resume]` runs instead of
    /// `#[on_chat_start]`; otherwise the tab receives `resume_thread_error` and a fresh chat
    /// starts. Read what it received with [`TestChat::received`].
    pub async fn resume_chat_as(&self, user: User, thread: uuid::Uuid) -> Result<TestChat> {
        self.resume(Some(user), thread).await
    }

    async fn resume(&self, user: Option<User>, thread: uuid::Uuid) -> Result<TestChat> {
        let id = SessionId::new();
        let mut meta = SessionMeta::new(Origin::Chat, user);
        meta.chat_profile = self
            .tabs
            .chat_profile(meta.user.as_ref(), None)
            .await
            .map_err(Error::BadRequest)?;
        match self.tabs.create_chat(id, meta, Some(thread)).await? {
            crate::session::Created::New(session) => self.attach(session).await,
            crate::session::Created::Exists => Err(Error::Internal(format!(
                "a freshly drawn session id {id} exists already"
            ))),
        }
    }

    /// Reconnects a chat tab to an existing session, as `user`: the session is restored and
    /// `on_chat_start` does not run again. Another user's session is refused.
    pub async fn reconnect_chat(&self, id: SessionId, user: Option<User>) -> Result<TestChat> {
        let session = self.tabs.sessions.open_named(id).await?;
        session.check_owner(user.as_ref())?;
        tracing::info!(target: "chainrs::session", parent: &session.span, "session restored");
        self.attach(session).await
    }

    /// Opens a tab on `session` as the socket does: the tab, then `connection_successful`
    /// (which runs `on_chat_start` once per session).
    async fn attach(&self, session: SessionRef) -> Result<TestChat> {
        let (tx, events) = mpsc::unbounded_channel();
        let answers = Answers::default();
        let wire = Arc::new(ChannelWire {
            events: tx,
            answers: answers.clone(),
        });
        let tab = Tab::open(self.tabs.clone(), session, Attach::Link(wire), true);
        let chat = TestChat {
            tabs: self.tabs.clone(),
            tab,
            events,
            answers,
        };
        chat.finish(chat.tab.connection_successful()).await;
        Ok(chat)
    }

    /// Logs in through `POST /login`: the token to send (`TestRequest::login`) and the session
    /// the login opened.
    pub async fn login(&self, username: &str, password: &str) -> Result<Login> {
        let response = self
            .post("/login")
            .form(&[("username", username), ("password", password)])
            .send()
            .await;
        if !response.status().is_success() {
            return Err(Error::Unauthorized(format!(
                "login failed with {}: {}",
                response.status(),
                response.text()
            )));
        }
        let body: Value = response.json()?;
        let token = body["access_token"]
            .as_str()
            .ok_or_else(|| Error::BadRequest("login answered without a token".to_owned()))?
            .to_owned();
        let session_id = response
            .session_id()
            .ok_or_else(|| Error::BadRequest("login answered without a session id".to_owned()))?;
        Ok(Login { token, session_id })
    }

    /// A login token for `user`, as `POST /login` would issue it (send it with
    /// `TestRequest::bearer`). Fails in an app without a login callback.
    pub fn token_for(&self, user: &User) -> Result<String> {
        self.auth
            .tokens
            .as_ref()
            .ok_or_else(|| {
                Error::Config("this app has no login callback, so it issues no tokens".to_owned())
            })?
            .issue(user)
    }

    /// Ends every login of `identifier` issued until now, as [`crate::Revoker::revoke_user`] does.
    pub async fn revoke_user(&self, identifier: &str) -> Result<()> {
        crate::server::revoke_user(&self.tabs, &self.auth, identifier).await
    }

    /// A request to `path` with any method.
    pub fn request(&self, method: axum::http::Method, path: &str) -> TestRequest {
        TestRequest::new(self.router.clone(), method, path)
    }

    /// A GET request.
    pub fn get(&self, path: &str) -> TestRequest {
        self.request(axum::http::Method::GET, path)
    }

    /// A POST request.
    pub fn post(&self, path: &str) -> TestRequest {
        self.request(axum::http::Method::POST, path)
    }

    /// A PUT request.
    pub fn put(&self, path: &str) -> TestRequest {
        self.request(axum::http::Method::PUT, path)
    }

    /// A PATCH request.
    pub fn patch(&self, path: &str) -> TestRequest {
        self.request(axum::http::Method::PATCH, path)
    }

    /// A DELETE request.
    pub fn delete(&self, path: &str) -> TestRequest {
        self.request(axum::http::Method::DELETE, path)
    }

    /// Sweeps expired sessions now (a served app does it periodically) and returns their ids.
    pub async fn sweep(&self) -> Result<Vec<SessionId>> {
        self.tabs.sweep().await
    }

    /// What the app holds now: stored sessions, sessions with locals, chat links, open tabs.
    pub fn stats(&self) -> SessionStats {
        self.tabs.stats()
    }
}

/// Answers scripted for the `ask`s a test chat receives, in order (`None`: a timeout), given
/// now or later by the test.
type Answers = Arc<Mutex<VecDeque<Scripted>>>;

/// One scripted answer.
enum Scripted {
    Now(Option<Value>),
    Later(tokio::sync::oneshot::Receiver<Option<Value>>),
}

/// The answer to an ask the test gives later, once the ask is showing (to upload the files
/// an `AskFileMessage` waits for first, say). Dropped unanswered, the ask times out.
pub struct LaterAnswer(tokio::sync::oneshot::Sender<Option<Value>>);

impl LaterAnswer {
    /// Answers the ask (`None`: as if it timed out).
    pub fn answer(self, answer: Option<Value>) {
        let _ = self.0.send(answer);
    }
}

/// A test chat tab's connection: events into a channel, asks answered from the script.
struct ChannelWire {
    events: mpsc::UnboundedSender<ServerEvent>,
    answers: Answers,
}

impl Wire for ChannelWire {
    fn send(&self, event: &ServerEvent) -> std::result::Result<(), WireError> {
        self.events
            .send(event.clone())
            .map_err(|_| WireError::Closed)
    }

    fn ask(
        &self,
        event: &ServerEvent,
        _timeout: Duration,
    ) -> std::result::Result<AskAnswer, WireError> {
        self.send(event)?;
        let answer = self
            .answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        Ok(Box::pin(async move {
            match answer {
                Some(Scripted::Now(answer)) => Ok(answer),
                Some(Scripted::Later(later)) => Ok(later.await.unwrap_or(None)),
                None => Err(Error::BadRequest(
                    "the handler asked a question but the test scripted no answer: call \
                     TestChat::answer_next_ask first"
                        .to_owned(),
                )),
            }
        }))
    }
}

/// A successful login: its token and the session it opened.
#[derive(Clone, Debug)]
pub struct Login {
    /// The signed token (`access_token`).
    pub token: String,
    /// The session bound to the user.
    pub session_id: SessionId,
}

/// A chat tab opened by [`TestClient`]: the same tab the socket drives, so each call queues a
/// command as the matching client event does, and returns once it was carried out.
pub struct TestChat {
    tabs: Arc<Tabs>,
    tab: Arc<Tab>,
    events: mpsc::UnboundedReceiver<ServerEvent>,
    answers: Answers,
}

/// A message sent with [`TestChat::send_later`], whose `#[on_message]` may still be running.
pub struct Sending(Done);

impl Sending {
    /// Waits until the message's run ended (finished, failed, cancelled by a stop, or dropped
    /// from the queue by one).
    pub async fn finished(self) {
        self.0.wait().await;
    }
}

/// Chat settings as the page sends them: an object of input ids to values.
fn settings_object(value: Value) -> Result<serde_json::Map<String, Value>> {
    match value {
        Value::Object(values) => Ok(values),
        _ => Err(Error::BadRequest(
            "chat settings are an object of widget ids to values".to_owned(),
        )),
    }
}

/// A refusal as an error, once the tab was told (as a socket client is told, by an `error` event).
async fn refused(refusal: Refused) -> Error {
    let error = Error::BadRequest(refusal.to_string());
    if let Refused::Reason { told, .. } = refusal {
        told.wait().await;
    }
    error
}

impl TestChat {
    /// The tab's session id (what a browser tab sends as `sessionId`).
    pub fn session_id(&self) -> SessionId {
        self.tab.session.id
    }

    /// Waits for a command, then for the events it produced to reach the tab.
    async fn finish(&self, done: Done) {
        done.wait().await;
        self.tab.flush().await;
    }

    /// Sends a user message (`client_message`), waits until its `on_message` run ended, and
    /// returns everything the tab received since the last call (including what
    /// `on_chat_start` or endpoints sent before). A message over `Config::max_message_bytes`
    /// is refused, as the socket refuses it.
    pub async fn send(&mut self, text: &str) -> Result<Transcript> {
        self.send_message(Message::from_user(text)).await
    }

    /// Sends `message` as the user's (`client_message`), with what the composer adds to it (a
    /// command, modes: `Message::from_user(text).with_command("search")`); waits as
    /// [`send`](Self::send) does.
    pub async fn send_message(&mut self, message: Message) -> Result<Transcript> {
        match self.tab.message(ClientEvent::ClientMessage, message) {
            Ok(done) => self.finish(done).await,
            Err(refusal) => return Err(refused(refusal).await),
        }
        Ok(self.received())
    }

    /// Edits an earlier user message as the page does (`edit_message`): the conversation after
    /// it goes, and `on_message` runs again with the new text; waits as [`send`](Self::send) does.
    pub async fn edit(&mut self, id: uuid::Uuid, text: &str) -> Result<Transcript> {
        let mut message = Message::from_user(text);
        message.id = id;
        match self.tab.message(ClientEvent::EditMessage, message) {
            Ok(done) => self.finish(done).await,
            Err(refusal) => return Err(refused(refusal).await),
        }
        Ok(self.received())
    }

    /// Sends a user message with the files it attaches (ids `POST /project/file` answered,
    /// as the page sends them in `fileReferences`), and waits as [`send`](Self::send) does.
    pub async fn send_with_files(
        &mut self,
        text: &str,
        files: &[uuid::Uuid],
    ) -> Result<Transcript> {
        let mut message = Message::from_user(text);
        message.elements = files
            .iter()
            .map(|id| crate::chat::Element::file_reference(&id.to_string()))
            .collect();
        match self.tab.message(ClientEvent::ClientMessage, message) {
            Ok(done) => self.finish(done).await,
            Err(refusal) => return Err(refused(refusal).await),
        }
        Ok(self.received())
    }

    /// Sends a user message without waiting for its run: the handle tells when it ended. Use it
    /// to stop a running hook ([`TestChat::stop`]) or to queue several messages.
    pub fn send_later(&self, text: &str) -> Result<Sending> {
        let message = Message::from_user(text);
        self.tab
            .message(ClientEvent::ClientMessage, message)
            .map(Sending)
            .map_err(|refusal| Error::BadRequest(refusal.to_string()))
    }

    /// Scripts the answer to the next `ask` the app sends: a user message's text
    /// (`json!({"output": "Ada"})`), an action dict, or `None` for a timeout.
    pub fn answer_next_ask(&mut self, answer: Option<Value>) {
        self.answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(Scripted::Now(answer));
    }

    /// Scripts the next `ask` to wait for an answer the test gives later, with the handle.
    pub fn answer_next_ask_later(&mut self) -> LaterAnswer {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(Scripted::Later(rx));
        LaterAnswer(tx)
    }

    /// Changes the chat settings as the page does (`chat_settings_change`) and runs
    /// `#[on_settings_update]`; returns what the tab received.
    pub async fn change_settings(&mut self, settings: Value) -> Result<Transcript> {
        let done = match self.tab.settings(settings_object(settings)?) {
            Ok(done) => done,
            Err(refusal) => return Err(refused(refusal).await),
        };
        self.finish(done).await;
        Ok(self.received())
    }

    /// Sends the values of the settings panel while the user edits them, as the page does
    /// (`chat_settings_edit`), and runs `#[on_settings_edit]`; returns what the tab received.
    pub async fn edit_settings(&mut self, draft: Value) -> Result<Transcript> {
        let done = match self.tab.settings_edit(settings_object(draft)?) {
            Ok(done) => done,
            Err(refusal) => return Err(refused(refusal).await),
        };
        self.finish(done).await;
        Ok(self.received())
    }

    /// Posts a message from the embedding window (`window_message`) and runs
    /// `#[on_window_message]`; returns what the tab received.
    pub async fn window_message(&mut self, value: Value) -> Result<Transcript> {
        let done = match self.tab.window_message(value) {
            Ok(done) => done,
            Err(refusal) => return Err(refused(refusal).await),
        };
        self.finish(done).await;
        Ok(self.received())
    }

    /// Clicks an action button (as `POST /project/action` does) and returns what the tab received.
    pub async fn click(&mut self, action: &Action) -> Result<Transcript> {
        self.tabs
            .run_action(&self.tab.session, None, action.clone())
            .await?;
        self.tab.flush().await;
        Ok(self.received())
    }

    /// Presses the stop button (`stop`): the running hook is cancelled and queued messages are
    /// dropped, "Task manually stopped." is shown, `#[on_stop]` runs, and the task ends
    /// (`task_end`). Returns what the tab received.
    pub async fn stop(&mut self) -> Result<Transcript> {
        let done = match self.tab.stop() {
            Ok(done) => done,
            Err(refusal) => return Err(refused(refusal).await),
        };
        self.finish(done).await;
        Ok(self.received())
    }

    /// Everything the tab received and nobody has read yet.
    pub fn received(&mut self) -> Transcript {
        let mut events = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            events.push(event);
        }
        Transcript { events }
    }

    /// Waits for the next event the tab receives (for a test that acts while a hook runs);
    /// `None` once the tab can receive nothing more.
    pub async fn next_event(&mut self) -> Option<ServerEvent> {
        self.events.recv().await
    }

    /// A handle on the tab's typed state, as a handler would receive it.
    pub fn user_session<S: SessionState>(&self) -> UserSession<S> {
        UserSession::new(self.tab.session.clone())
    }

    /// The tab's session facts, as a handler would receive them.
    pub fn session(&self) -> Session {
        self.tab.session.facts()
    }

    /// The tab's per-instance slot for `T`, as a handler would receive it.
    pub fn local<T: Send + Sync + 'static>(&self) -> Local<T> {
        Local::new(self.tab.session.clone())
    }

    /// Runs `fut` inside this tab's chat context, so a handler called directly
    /// (`reply::call(...)`) can send messages to the tab.
    pub async fn within<F: std::future::Future>(&self, fut: F) -> F::Output {
        let context = crate::context::Context {
            kind: crate::context::ContextKind::Chat,
            session: self.tab.session.clone(),
            state: self.tabs.state.clone(),
            chat: Some(self.tab.emitter().clone()),
            files: self.tabs.files.clone(),
            chat_context: self.tabs.settings.chat_context,
            parent_step: None,
        };
        context.scope(fut).await
    }

    /// Drops the tab's connection as a network drop does: runs `#[on_disconnect]`; the session
    /// stays (reconnect with [`TestClient::reconnect_chat`]) and keeps what handlers send meanwhile.
    pub async fn disconnect(self) -> Result<()> {
        self.tab.disconnected().wait().await;
        Ok(())
    }

    /// Ends the session as `clear_session` does: cancels what runs, runs `on_chat_end`, then
    /// deletes the session.
    pub async fn close(self) -> Result<()> {
        self.tab.clear().wait().await;
        Ok(())
    }
}

impl Drop for TestChat {
    fn drop(&mut self) {
        self.tab.leave();
    }
}

/// The events a chat tab received, with helpers to read them.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    events: Vec<ServerEvent>,
}

impl Transcript {
    /// The events in arrival order.
    pub fn events(&self) -> &[ServerEvent] {
        &self.events
    }

    /// The event names in arrival order.
    pub fn names(&self) -> Vec<&str> {
        self.events.iter().map(ServerEvent::name).collect()
    }

    /// The final text of each assistant message, in order of first appearance (streamed tokens
    /// and updates applied, removed messages left out).
    pub fn replies(&self) -> Vec<String> {
        self.messages(|is_error| !is_error)
    }

    /// The text of each error message shown in the chat.
    pub fn errors(&self) -> Vec<String> {
        self.messages(|is_error| is_error)
    }

    fn messages(&self, keep: impl Fn(bool) -> bool) -> Vec<String> {
        final_steps(&self.events)
            .into_iter()
            .filter(|s| s.step_type == StepType::AssistantMessage && keep(s.is_error))
            .map(|s| s.output)
            .collect()
    }
}
