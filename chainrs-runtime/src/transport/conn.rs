//! One connected chat tab: its session, its link, and the worker that runs its hooks one at a
//! time in arrival order. `stop` cancels the running hook; `clear_session` ends the session.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Map, Value};
use socketioxide::extract::SocketRef;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::wire::SocketWire;
use crate::app::{HookKind, Runtime};
use crate::chat::{ChatLink, HookInput, Message, run_chat_hook, store_settings};
use crate::context::{ChatSink, Emitter};
use crate::protocol::{ClientEvent, ServerEvent, StepType};
use crate::session::SessionRef;

/// How long a closing tab waits for its last events to leave.
const FLUSH_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Work for the tab's worker, in arrival order.
enum Command {
    Start,
    Message {
        message: Box<Message>,
        generation: u64,
    },
    Stop,
    Settings(Map<String, Value>),
    Window(Value),
    Clear,
    Detach,
}

/// A connected chat tab.
pub(super) struct Conn {
    pub(super) runtime: Arc<Runtime>,
    pub(super) session: SessionRef,
    pub(super) connection: Uuid,
    emitter: Emitter,
    link: Arc<ChatLink>,
    socket: SocketRef,
    commands: mpsc::UnboundedSender<Command>,
    /// `connection_successful` was received.
    ready: AtomicBool,
    /// `clear_session` was received or the socket left.
    closed: AtomicBool,
    /// Bumped by each `stop`; messages queued before it are dropped.
    stops: AtomicU64,
    /// Orders a `stop` against a hook run starting: the run is recorded in the session's
    /// running hooks (which `stop` aborts) under this lock.
    starting: Mutex<()>,
}

impl Conn {
    /// Attaches a tab to its session's link and starts its worker.
    pub(super) fn start(
        runtime: Arc<Runtime>,
        session: SessionRef,
        socket: SocketRef,
    ) -> Arc<Self> {
        let connection = Uuid::new_v4();
        let (link, _) = runtime.sessions.attach_chat(
            session.id,
            connection,
            Arc::new(SocketWire(socket.clone())),
        );
        let sink: Arc<dyn ChatSink> = link.clone();
        let (commands, queue) = mpsc::unbounded_channel();
        runtime.sessions.sockets.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            emitter: Emitter::new(session.id, sink),
            runtime,
            session,
            connection,
            link,
            socket,
            commands,
            ready: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            stops: AtomicU64::new(0),
            starting: Mutex::new(()),
        });
        tokio::spawn(worker(conn.clone(), queue));
        conn
    }

    fn send(&self, command: Command) {
        // The worker only ends after Clear or Detach, when no more commands matter.
        let _ = self.commands.send(command);
    }

    /// Answers a client event that cannot be served with an `error` event and a log line.
    pub(super) fn refuse(&self, event: &str, message: String) {
        tracing::warn!(target: "chainrs::socket", parent: &self.session.span, event, reason = %message, "client event refused");
        let error = ServerEvent::Error {
            message,
            event: event.to_owned(),
        };
        let emitter = self.emitter.clone();
        tokio::spawn(async move {
            let _ = emitter.emit(error).await;
        });
    }

    /// Whether a chat event may run now; refuses it otherwise.
    fn accepts(&self, event: ClientEvent) -> bool {
        let event = event.name();
        if self.closed.load(Ordering::Acquire) {
            tracing::info!(target: "chainrs::socket", parent: &self.session.span, event, "event ignored: the session was cleared");
            return false;
        }
        if !self.ready.load(Ordering::Acquire) {
            self.refuse(
                event,
                format!("`{event}` arrived before `connection_successful`: emit connection_successful once after connecting, then send messages"),
            );
            return false;
        }
        true
    }

    pub(super) fn connection_successful(&self) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        if self.ready.swap(true, Ordering::AcqRel) {
            tracing::debug!(target: "chainrs::socket", parent: &self.session.span, "repeated connection_successful ignored");
            return;
        }
        self.send(Command::Start);
    }

    /// `client_message` and `edit_message`: validates the payload and queues an `on_message` run.
    pub(super) fn client_message(&self, event: ClientEvent, data: Option<Value>) {
        if !self.accepts(event) {
            return;
        }
        match parse_message(data, self.runtime.config.max_message_bytes) {
            Ok(mut message) => {
                message.thread_id = Some(self.session.thread_id());
                let generation = self.stops.load(Ordering::Acquire);
                self.send(Command::Message {
                    message: Box::new(message),
                    generation,
                });
            }
            Err(why) => self.refuse(event.name(), why),
        }
    }

    /// `stop`: cancels the running hook and the queued messages, then runs `on_stop`.
    pub(super) fn stop(&self) {
        if !self.accepts(ClientEvent::Stop) {
            return;
        }
        // Every run of the session here stops: this tab's, and those an earlier connection
        // started; the relay tells the other instances.
        self.abort_runs();
        self.runtime.stop_elsewhere(self.session.id);
        tracing::info!(target: "chainrs::socket", parent: &self.session.span, "stop requested");
        self.send(Command::Stop);
    }

    pub(super) fn clear_session(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        self.abort_runs();
        self.send(Command::Clear);
    }

    /// Cancels the session's hook runs on this instance and the messages queued before now.
    fn abort_runs(&self) {
        let _starting = self.starting.lock().unwrap_or_else(PoisonError::into_inner);
        self.stops.fetch_add(1, Ordering::AcqRel);
        self.runtime.sessions.abort_running(self.session.id);
    }

    pub(super) fn settings_change(&self, data: Option<Value>) {
        if !self.accepts(ClientEvent::ChatSettingsChange) {
            return;
        }
        match data {
            Some(Value::Object(settings)) => self.send(Command::Settings(settings)),
            _ => self.refuse(
                "chat_settings_change",
                "chat_settings_change takes an object of widget ids to values".to_owned(),
            ),
        }
    }

    pub(super) fn window_message(&self, data: Option<Value>) {
        if !self.accepts(ClientEvent::WindowMessage) {
            return;
        }
        self.send(Command::Window(data.unwrap_or(Value::Null)));
    }

    /// The socket left: the session stays until it expires, and what its handlers send is kept
    /// for the next connection. `#[on_disconnect]` runs unless the session was cleared.
    pub(super) fn disconnected(&self) {
        self.runtime
            .sessions
            .detach_chat(self.session.id, self.connection);
        self.send(Command::Detach);
        self.runtime.release_tab(self.session.id);
        if !self.closed.swap(true, Ordering::AcqRel) {
            let (runtime, session, emitter) = (
                self.runtime.clone(),
                self.session.clone(),
                self.emitter.clone(),
            );
            tokio::spawn(async move {
                if let Err(err) = run_chat_hook(
                    &runtime,
                    &session,
                    &emitter,
                    HookKind::OnDisconnect,
                    HookInput::None,
                )
                .await
                {
                    tracing::debug!(target: "chainrs::socket", parent: &session.span, error = %err, "on_disconnect ended early");
                }
            });
        }
    }

    /// Refreshes the session's expiry (and, with Redis, the record that its tab is here);
    /// closes the tab when the session ended under it.
    async fn keep_alive(&self) {
        self.runtime.claim_tab(&self.session).await;
        match self.runtime.sessions.touch(&self.session).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(target: "chainrs::socket", parent: &self.session.span, "the session ended while its tab was connected: closing the tab");
                self.closed.store(true, Ordering::Release);
                self.emit(ServerEvent::Error {
                    message: "this chat session ended (cleared or expired): start a new chat"
                        .to_owned(),
                    event: "session".to_owned(),
                })
                .await;
                self.link.flush(FLUSH_LIMIT).await;
                let _ = self.socket.clone().disconnect();
            }
            Err(err) => {
                tracing::warn!(target: "chainrs::socket", parent: &self.session.span, error = %err, "could not refresh the session; will retry")
            }
        }
    }

    async fn emit(&self, event: ServerEvent) {
        if let Err(err) = self.emitter.emit(event).await {
            tracing::debug!(target: "chainrs::socket", parent: &self.session.span, error = %err, "event not delivered");
        }
    }

    /// Runs a hook as its own task, so `stop` can cancel it.
    async fn run(self: &Arc<Self>, kind: HookKind, input: HookInput, generation: Option<u64>) {
        let (task, tracked) = {
            let _starting = self.starting.lock().unwrap_or_else(PoisonError::into_inner);
            if generation.is_some_and(|g| g < self.stops.load(Ordering::Acquire)) {
                tracing::debug!(target: "chainrs::socket", parent: &self.session.span, "queued message dropped by stop");
                return;
            }
            let conn = self.clone();
            let task = tokio::spawn(async move {
                run_chat_hook(&conn.runtime, &conn.session, &conn.emitter, kind, input).await
            });
            let tracked = self
                .runtime
                .sessions
                .track(self.session.id, task.abort_handle());
            (task, tracked)
        };
        let outcome = task.await;
        self.runtime.sessions.untrack(self.session.id, tracked);
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                tracing::debug!(target: "chainrs::socket", parent: &self.session.span, hook = kind.name(), error = %err, "hook run ended early")
            }
            Err(join) if join.is_cancelled() => {
                tracing::info!(target: "chainrs::socket", parent: &self.session.span, hook = kind.name(), "hook run cancelled")
            }
            Err(join) => {
                tracing::error!(target: "chainrs::socket", parent: &self.session.span, hook = kind.name(), error = %join, "hook task failed")
            }
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.runtime
            .sessions
            .sockets
            .fetch_sub(1, Ordering::Relaxed);
    }
}

async fn worker(conn: Arc<Conn>, mut queue: mpsc::UnboundedReceiver<Command>) {
    // A connected tab keeps its session alive, however long the user stays idle; the session's
    // timeout counts from when the last socket left.
    let period = (conn.runtime.sessions.ttl / 3).clamp(
        std::time::Duration::from_millis(200),
        std::time::Duration::from_secs(60),
    );
    let mut keepalive = tokio::time::interval(period);
    keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let command = tokio::select! {
            command = queue.recv() => match command {
                Some(command) => command,
                None => return,
            },
            _ = keepalive.tick() => {
                conn.keep_alive().await;
                continue;
            }
        };
        match command {
            Command::Start => {
                conn.emit(ServerEvent::TaskEnd).await;
                conn.emit(ServerEvent::ClearAsk).await;
                conn.emit(ServerEvent::ClearCallFn).await;
                let first = conn
                    .session
                    .update_meta("chat started", |m| {
                        !std::mem::replace(&mut m.chat_started, true)
                    })
                    .await;
                match first {
                    Ok(true) => conn.run(HookKind::OnChatStart, HookInput::None, None).await,
                    Ok(false) => {}
                    Err(err) => conn.refuse("connection_successful", err.to_string()),
                }
            }
            Command::Message {
                message,
                generation,
            } => {
                conn.run(
                    HookKind::OnMessage,
                    HookInput::Message(*message),
                    Some(generation),
                )
                .await;
            }
            Command::Stop => {
                let mut notice = Message::new("Task manually stopped.").with_author("System");
                notice.kind = StepType::SystemMessage;
                notice.thread_id = Some(conn.session.thread_id());
                conn.emit(ServerEvent::NewMessage(notice.to_step())).await;
                conn.run(HookKind::OnStop, HookInput::None, None).await;
                conn.emit(ServerEvent::TaskEnd).await;
            }
            Command::Settings(settings) => {
                if let Err(err) = store_settings(&conn.session, &settings).await {
                    conn.refuse("chat_settings_change", err.to_string());
                    continue;
                }
                conn.run(
                    HookKind::OnSettingsUpdate,
                    HookInput::Settings(settings),
                    None,
                )
                .await;
            }
            Command::Window(value) => {
                conn.run(HookKind::OnWindowMessage, HookInput::Window(value), None)
                    .await;
            }
            Command::Clear => {
                conn.run(HookKind::OnChatEnd, HookInput::None, None).await;
                conn.link.flush(FLUSH_LIMIT).await;
                if let Err(err) = conn
                    .runtime
                    .sessions
                    .delete(&conn.session, "clear_session")
                    .await
                {
                    tracing::warn!(target: "chainrs::socket", parent: &conn.session.span, error = %err, "could not delete the cleared session");
                }
                let _ = conn.socket.clone().disconnect();
                return;
            }
            Command::Detach => return,
        }
    }
}

/// Reads a `client_message` / `edit_message` payload into the user's `Message`.
fn parse_message(data: Option<Value>, max_bytes: usize) -> Result<Message, String> {
    const SHAPE: &str = "expected {\"message\": {\"id\": \"<uuid>\", \"output\": \"<text>\", ...}}";
    let Some(Value::Object(mut payload)) = data else {
        return Err(format!("the payload is not a JSON object: {SHAPE}"));
    };
    let Some(Value::Object(mut message)) = payload.remove("message") else {
        return Err(format!("the payload has no `message` object: {SHAPE}"));
    };
    let id = match message.get("id") {
        Some(Value::String(raw)) => Uuid::parse_str(raw).map_err(|_| {
            format!(
                "message.id must be a UUID, got {:?}",
                raw.chars().take(64).collect::<String>()
            )
        })?,
        _ => return Err(format!("the message has no `id`: {SHAPE}")),
    };
    let content = match message.remove("output") {
        Some(Value::String(text)) => text,
        _ => return Err(format!("the message has no text `output`: {SHAPE}")),
    };
    if content.len() > max_bytes {
        return Err(format!(
            "the message is {} bytes, over this app's limit of {max_bytes} bytes (Config::max_message_bytes)",
            content.len()
        ));
    }
    let mut parsed = Message::from_user(content);
    parsed.id = id;
    if let Some(Value::String(created)) = message.remove("createdAt") {
        parsed.created_at = created;
    }
    if let Some(Value::Object(metadata)) = message.remove("metadata") {
        parsed.metadata = metadata;
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_the_web_clients_message() {
        let id = Uuid::new_v4();
        let msg = parse_message(
            Some(json!({"message": {"id": id, "output": "hi", "createdAt": "2026-01-01T00:00:00Z",
                "type": "user_message", "name": "User", "threadId": "", "metadata": {}}, "fileReferences": []})),
            100,
        )
        .expect("valid");
        assert_eq!((msg.id, msg.content.as_str()), (id, "hi"));
        assert_eq!(msg.created_at, "2026-01-01T00:00:00Z");
    }

    #[test]
    fn refuses_bad_messages_with_the_reason() {
        let id = Uuid::new_v4().to_string();
        let cases = [
            (None, "not a JSON object"),
            (Some(json!([1])), "not a JSON object"),
            (Some(json!({"msg": {}})), "no `message`"),
            (Some(json!({"message": {"output": "x"}})), "no `id`"),
            (
                Some(json!({"message": {"id": "nope", "output": "x"}})),
                "must be a UUID",
            ),
            (
                Some(json!({"message": {"id": id, "output": 5}})),
                "no text `output`",
            ),
            (
                Some(json!({"message": {"id": id, "output": "x".repeat(11)}})),
                "over this app's limit",
            ),
        ];
        for (data, expected) in cases {
            let err = parse_message(data, 10).expect_err(expected);
            assert!(
                err.contains(expected),
                "{err:?} should mention {expected:?}"
            );
        }
    }
}
