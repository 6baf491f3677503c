//! One chat tab and its worker, which runs its commands one at a time in arrival order; the
//! socket, the test client and the headless API all drive a tab through these methods.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::Tabs;
use super::hooks::HookKind;
use super::link::{ChatLink, Wire};
use super::run::RunKind;
use crate::chat::{Element, HookInput, Message, chat_context};
use crate::config::Overlap;
use crate::context::{ChatSink, Emitter};
use crate::protocol::{ClientEvent, ServerEvent, StepType};
use crate::session::{Resume, SessionRef};

/// How long a closing tab waits for its last events to leave.
const FLUSH_LIMIT: Duration = Duration::from_secs(2);

/// How a tab's events reach its client.
pub(crate) enum Attach {
    /// Through the session's link, which keeps events while the tab is away (a socket, a test chat).
    Link(Arc<dyn Wire>),
    /// Straight into a sink, for a tab that lives as long as one request (the headless API).
    Direct(Arc<dyn ChatSink>),
}

/// Signals the caller that its command was carried out (or dropped by a stop).
type Ack = oneshot::Sender<()>;

/// Completes when the command it was returned for has been carried out, or was dropped
/// (a `stop` drops queued messages, a closed tab drops everything).
pub(crate) struct Done(oneshot::Receiver<()>);

impl Done {
    pub(super) fn pair() -> (Ack, Done) {
        let (tx, rx) = oneshot::channel();
        (tx, Done(rx))
    }

    fn now() -> Done {
        let (tx, done) = Done::pair();
        let _ = tx.send(());
        done
    }

    /// Waits for the command.
    pub(crate) async fn wait(self) {
        let _ = self.0.await;
    }
}

/// Why a tab did not take a client event.
pub(crate) enum Refused {
    /// The tab was cleared or left: the event is ignored (and logged).
    Closed,
    /// The event is refused for this reason; the client is told in an `error` event, sent
    /// when `told` completes.
    Reason { why: String, told: Done },
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Closed => f.write_str("this chat tab was cleared or has left"),
            Refused::Reason { why, .. } => f.write_str(why),
        }
    }
}

/// Work for the tab's worker, in arrival order.
enum Command {
    Start(Ack),
    Message {
        message: Box<Message>,
        /// An `edit_message`: the conversation after it goes.
        edited: bool,
        /// Look for runs of the session on other instances first (the overlap policy).
        look_elsewhere: bool,
        /// Marks the session busy until the run's `task_end`.
        busy: super::overlap::Busy,
        generation: u64,
        ack: Ack,
    },
    Stop(Ack),
    Settings(Map<String, Value>, Ack),
    SettingsEdit(Map<String, Value>, Ack),
    Window(Value, Ack),
    Clear(Ack),
    Leave,
}

/// A chat tab of one session (see the module docs).
pub(crate) struct Tab {
    pub(super) tabs: Arc<Tabs>,
    pub(crate) session: SessionRef,
    pub(crate) connection: Uuid,
    emitter: Emitter,
    /// The session's link and this tab's wire on it, for a linked tab.
    link: Option<(Arc<ChatLink>, Arc<dyn Wire>)>,
    /// The tab keeps its session alive and (with Redis) records where it is connected.
    keeps_alive: bool,
    commands: mpsc::UnboundedSender<(Command, super::drain::Queued)>,
    /// `connection_successful` was received.
    ready: AtomicBool,
    /// `clear_session` was received or the tab left.
    closed: AtomicBool,
    /// The tab left (its worker was told to end).
    left: AtomicBool,
    /// Bumped by each `stop`; messages queued before it are dropped.
    stops: AtomicU64,
    /// Orders a `stop` against a hook run starting: the run is recorded in the session's
    /// running hooks (which `stop` aborts) under this lock.
    starting: Mutex<()>,
}

impl Tab {
    /// Opens a tab on `session` and starts its worker. A tab that keeps its session alive
    /// refreshes it while it stays (a socket or a test chat; not a one-request headless tab).
    pub(crate) fn open(
        tabs: Arc<Tabs>,
        session: SessionRef,
        attach: Attach,
        keep_alive: bool,
    ) -> Arc<Self> {
        let connection = Uuid::new_v4();
        let (sink, link): (Arc<dyn ChatSink>, _) = match attach {
            Attach::Link(wire) => {
                let link = tabs.attach(session.id, connection, wire.clone(), keep_alive);
                (link.clone(), Some((link, wire)))
            }
            Attach::Direct(sink) => (sink, None),
        };
        let (commands, queue) = mpsc::unbounded_channel();
        tabs.open.fetch_add(1, Ordering::Relaxed);
        let tab = Arc::new(Tab {
            emitter: Emitter::new(session.id, sink),
            tabs,
            session,
            connection,
            link,
            keeps_alive: keep_alive,
            commands,
            ready: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            left: AtomicBool::new(false),
            stops: AtomicU64::new(0),
            starting: Mutex::new(()),
        });
        tokio::spawn(worker(tab.clone(), queue));
        tab
    }

    /// The tab's emitter, as its hooks receive it.
    pub(crate) fn emitter(&self) -> &Emitter {
        &self.emitter
    }

    fn send(&self, command: Command) {
        // The worker only ends after Clear or Leave; what comes later is dropped, and the
        // command's `Done` completes at once. Each command counts as queued until it is done.
        let _ = self
            .commands
            .send((command, super::drain::Queued::new(&self.tabs)));
    }

    /// Tells the client that one of its events cannot be served: an `error` event (sent when
    /// the returned `Done` completes) and a log line.
    pub(crate) fn report(&self, event: &str, message: String) -> Done {
        tracing::warn!(target: "chainrs::socket", parent: &self.session.span, event, reason = %message, "client event refused");
        let error = ServerEvent::Error {
            message,
            event: event.to_owned(),
        };
        let emitter = self.emitter.clone();
        let (ack, done) = Done::pair();
        tokio::spawn(async move {
            let _ = emitter.emit(error).await;
            let _ = ack.send(());
        });
        done
    }

    fn refuse(&self, event: &str, why: String) -> Refused {
        let told = self.report(event, why.clone());
        Refused::Reason { why, told }
    }

    /// Whether a chat event may run now.
    fn accepts(&self, event: ClientEvent) -> Result<(), Refused> {
        let event = event.name();
        if self.closed.load(Ordering::Acquire) {
            tracing::info!(target: "chainrs::socket", parent: &self.session.span, event, "event ignored: the session was cleared");
            return Err(Refused::Closed);
        }
        if !self.ready.load(Ordering::Acquire) {
            return Err(self.refuse(
                event,
                format!("`{event}` arrived before `connection_successful`: emit connection_successful once after connecting, then send messages"),
            ));
        }
        Ok(())
    }

    /// `connection_successful`: clears the client's pending state and runs `#[on_chat_start]`
    /// if the session's chat has not started yet (once per session, whichever tab comes first).
    pub(crate) fn connection_successful(&self) -> Done {
        if self.closed.load(Ordering::Acquire) {
            return Done::now();
        }
        if self.ready.swap(true, Ordering::AcqRel) {
            tracing::debug!(target: "chainrs::socket", parent: &self.session.span, "repeated connection_successful ignored");
            return Done::now();
        }
        let (ack, done) = Done::pair();
        self.send(Command::Start(ack));
        done
    }

    /// `client_message` / `edit_message`: queues an `#[on_message]` run of the user's message.
    pub(crate) fn message(
        &self,
        event: ClientEvent,
        mut message: Message,
    ) -> Result<Done, Refused> {
        self.accepts(event)?;
        let limit = self.tabs.settings.max_message_bytes;
        if message.content.len() > limit {
            return Err(self.refuse(
                event.name(),
                format!(
                    "the message is {} bytes, over this app's limit of {limit} bytes (Config::max_message_bytes)",
                    message.content.len()
                ),
            ));
        }
        let attached = message.elements.len();
        if attached > 0 {
            let why = match self.tabs.settings.max_attachments {
                None => Some(
                    "the message attaches files, but this app takes none (App::file_upload enables them)"
                        .to_owned(),
                ),
                Some(most) if attached > most => Some(format!(
                    "the message attaches {attached} files, over this app's limit of {most} (FileUpload::max_files)"
                )),
                Some(_) => None,
            };
            if let Some(why) = why {
                return Err(self.refuse(event.name(), why));
            }
        }
        message.thread_id = Some(self.session.thread_id());
        // After an interrupt's stop, so the stop does not drop this message.
        let arrival = self.arrive(event.name())?;
        let generation = self.stops.load(Ordering::Acquire);
        let (ack, done) = Done::pair();
        self.send(Command::Message {
            message: Box::new(message),
            edited: event == ClientEvent::EditMessage,
            look_elsewhere: arrival == super::overlap::Arrival::LookElsewhere,
            busy: super::overlap::Busy::new(&self.tabs, self.session.id),
            generation,
            ack,
        });
        Ok(done)
    }

    /// `stop`: cancels the running hook and the queued messages, then says so in the chat
    /// ("Task manually stopped."), runs `#[on_stop]` and ends the task (`task_end`).
    pub(crate) fn stop(&self) -> Result<Done, Refused> {
        self.accepts(ClientEvent::Stop)?;
        // Every run of the session here stops: this tab's, and those an earlier connection
        // started; the relay tells the other instances.
        self.abort_runs();
        self.tabs.stop_elsewhere(self.session.id);
        tracing::info!(target: "chainrs::socket", parent: &self.session.span, "stop requested");
        let (ack, done) = Done::pair();
        self.send(Command::Stop(ack));
        Ok(done)
    }

    /// `chat_settings_change`: checks and stores the settings, then runs `#[on_settings_update]`.
    pub(crate) fn settings(&self, settings: Map<String, Value>) -> Result<Done, Refused> {
        self.accepts(ClientEvent::ChatSettingsChange)?;
        let (ack, done) = Done::pair();
        self.send(Command::Settings(settings, ack));
        Ok(done)
    }

    /// `chat_settings_edit`: runs `#[on_settings_edit]` with the values being edited.
    pub(crate) fn settings_edit(&self, draft: Map<String, Value>) -> Result<Done, Refused> {
        self.accepts(ClientEvent::ChatSettingsEdit)?;
        let (ack, done) = Done::pair();
        self.send(Command::SettingsEdit(draft, ack));
        Ok(done)
    }

    /// `window_message`: runs `#[on_window_message]`.
    pub(crate) fn window_message(&self, value: Value) -> Result<Done, Refused> {
        self.accepts(ClientEvent::WindowMessage)?;
        let (ack, done) = Done::pair();
        self.send(Command::Window(value, ack));
        Ok(done)
    }

    /// `clear_session`: cancels the runs, runs `#[on_chat_end]`, deletes the session and
    /// closes the tab's connection.
    pub(crate) fn clear(&self) -> Done {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Done::now();
        }
        self.abort_runs();
        let (ack, done) = Done::pair();
        self.send(Command::Clear(ack));
        done
    }

    /// Stops what runs, as the stop button does (also on other instances): the notice,
    /// `#[on_stop]` and `task_end` come before what is queued after this.
    pub(super) fn interrupt(&self) {
        self.abort_runs();
        self.tabs.stop_elsewhere(self.session.id);
        let (ack, _done) = Done::pair();
        self.send(Command::Stop(ack));
    }

    /// Cancels the session's hook runs on this instance and the messages queued before now.
    fn abort_runs(&self) {
        let _starting = self.starting.lock().unwrap_or_else(PoisonError::into_inner);
        self.stops.fetch_add(1, Ordering::AcqRel);
        self.tabs.abort_running(self.session.id);
    }

    /// The tab's connection dropped: the session stays until it expires, and what its handlers
    /// send is kept for the next connection. `#[on_disconnect]` runs unless the session was
    /// cleared; the returned `Done` completes when it has run.
    pub(crate) fn disconnected(&self) -> Done {
        if self.leave() {
            let (tabs, session, emitter) = (
                self.tabs.clone(),
                self.session.clone(),
                self.emitter.clone(),
            );
            let (ack, done) = Done::pair();
            tokio::spawn(async move {
                if let Err(err) = tabs
                    .run_hook(&session, &emitter, HookKind::OnDisconnect, HookInput::None)
                    .await
                {
                    tracing::debug!(target: "chainrs::socket", parent: &session.span, error = %err, "on_disconnect ended early");
                }
                let _ = ack.send(());
            });
            return done;
        }
        Done::now()
    }

    /// The tab goes without a disconnect (a test chat dropped, a headless call answered): its
    /// worker ends and its link keeps what comes later. Returns whether it was still open.
    pub(crate) fn leave(&self) -> bool {
        if self.left.swap(true, Ordering::AcqRel) {
            return false;
        }
        if self.link.is_some() {
            self.tabs.detach(self.session.id, self.connection);
        }
        self.send(Command::Leave);
        if self.keeps_alive {
            self.tabs.release(self.session.id);
        }
        !self.closed.swap(true, Ordering::AcqRel)
    }

    /// Waits (at most a few seconds) until the events queued on the link reached the tab.
    pub(crate) async fn flush(&self) {
        if let Some((link, _)) = &self.link {
            link.flush(FLUSH_LIMIT).await;
        }
    }

    fn close_wire(&self) {
        if let Some((_, wire)) = &self.link {
            wire.close();
        }
    }

    /// Refreshes the session's expiry (and, with Redis, the record that its tab is here);
    /// closes the tab when the session ended under it.
    async fn keep_alive(&self) {
        self.tabs.claim(&self.session).await;
        match self.tabs.sessions.touch(&self.session).await {
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
                self.flush().await;
                self.close_wire();
            }
            Err(err) => {
                tracing::warn!(target: "chainrs::socket", parent: &self.session.span, error = %err, "could not refresh the session; will retry")
            }
        }
    }

    pub(super) async fn emit(&self, event: ServerEvent) {
        if let Err(err) = self.emitter.emit(event).await {
            tracing::debug!(target: "chainrs::socket", parent: &self.session.span, error = %err, "event not delivered");
        }
    }

    /// Sends an event the tab makes itself (not a run's) that the data layer keeps too.
    async fn emit_kept(&self, event: ServerEvent) {
        if let Some(record) = &self.tabs.record {
            record.observe(&self.session, &event);
        }
        self.emit(event).await;
    }

    /// Runs a hook as its own task, so `stop` can cancel it.
    pub(super) async fn run(
        self: &Arc<Self>,
        kind: HookKind,
        input: HookInput,
        generation: Option<u64>,
    ) {
        self.run_busy(kind, input, generation, None).await
    }

    /// [`Tab::run`] of a user message, whose `busy` mark ends with its run's `task_end`.
    async fn run_busy(
        self: &Arc<Self>,
        kind: HookKind,
        input: HookInput,
        generation: Option<u64>,
        busy: Option<super::overlap::Busy>,
    ) {
        // Seen by the other instances while it runs (see marks.rs).
        let mark = self.tabs.run_started(self.session.id).await;
        let started = {
            let _starting = self.starting.lock().unwrap_or_else(PoisonError::into_inner);
            if generation.is_some_and(|g| g < self.stops.load(Ordering::Acquire)) {
                tracing::debug!(target: "chainrs::socket", parent: &self.session.span, "queued message dropped by stop");
                None
            } else if self.tabs.halted() {
                tracing::info!(target: "chainrs::socket", parent: &self.session.span, hook = kind.name(), "hook not run: the instance is shutting down");
                None
            } else {
                let tab = self.clone();
                let task = tokio::spawn(async move {
                    tab.tabs
                        .run_hook_busy(&tab.session, &tab.emitter, kind, input, busy)
                        .await
                });
                let tracked = self.tabs.track(self.session.id, task.abort_handle());
                Some((task, tracked))
            }
        };
        let Some((task, tracked)) = started else {
            self.tabs.run_ended(mark).await;
            return;
        };
        let outcome = task.await;
        self.tabs.untrack(self.session.id, tracked);
        self.tabs.run_ended(mark).await;
        let hook = RunKind::Hook(kind).name();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                tracing::debug!(target: "chainrs::socket", parent: &self.session.span, hook, error = %err, "hook run ended early")
            }
            Err(join) if join.is_cancelled() => {
                tracing::info!(target: "chainrs::socket", parent: &self.session.span, hook, "hook run cancelled")
            }
            Err(join) => {
                tracing::error!(target: "chainrs::socket", parent: &self.session.span, hook, error = %join, "hook task failed")
            }
        }
    }
}

impl Drop for Tab {
    fn drop(&mut self) {
        self.tabs.open.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn worker(
    tab: Arc<Tab>,
    mut queue: mpsc::UnboundedReceiver<(Command, super::drain::Queued)>,
) {
    // A connected tab keeps its session alive, however long the user stays idle; the session's
    // timeout counts from when the last tab left.
    let period =
        (tab.tabs.sessions.ttl / 3).clamp(Duration::from_millis(200), Duration::from_secs(60));
    // The first refresh comes before any command, so a tab on a session that is gone closes
    // before it runs anything.
    if tab.keeps_alive {
        tab.keep_alive().await;
        // Located now: what was kept in Redis while the session had no tab comes first.
        tab.tabs.fetch_kept(tab.session.id).await;
    }
    let mut keepalive = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let (command, _queued) = tokio::select! {
            command = queue.recv() => match command {
                // The command counts as queued until this turn of the loop is over.
                Some((command, queued)) => (command, queued),
                None => return,
            },
            _ = keepalive.tick(), if tab.keeps_alive => {
                tab.keep_alive().await;
                continue;
            }
        };
        match command {
            Command::Start(ack) => {
                tab.emit(ServerEvent::TaskEnd).await;
                tab.emit(ServerEvent::ClearAsk).await;
                tab.emit(ServerEvent::ClearCallFn).await;
                // The first tab of a session starts its chat, or resumes the thread it adopted.
                let first = tab
                    .session
                    .update_meta("chat started", |m| {
                        (!std::mem::replace(&mut m.chat_started, true))
                            .then(|| std::mem::take(&mut m.resume))
                    })
                    .await;
                if matches!(first, Ok(Some(_))) {
                    super::offers::ensure_profile(&tab).await;
                }
                match first {
                    Ok(Some(Resume::No)) => {
                        super::settings::show(&tab).await;
                        tab.run(HookKind::OnChatStart, HookInput::None, None).await
                    }
                    Ok(Some(Resume::Pending)) => super::resume::replay(&tab).await,
                    Ok(Some(Resume::Refused(why))) => {
                        tab.emit(ServerEvent::ResumeThreadError(why)).await;
                        super::settings::show(&tab).await;
                        tab.run(HookKind::OnChatStart, HookInput::None, None).await
                    }
                    // Another tab of the session (a reload): it needs the panel and the
                    // composer's commands and modes too.
                    Ok(None) => {
                        super::settings::show(&tab).await;
                        super::composer::show(&tab).await;
                        super::marks::report_lost(&tab).await;
                    }
                    Err(err) => {
                        let _ =
                            tab.report(ClientEvent::ConnectionSuccessful.name(), err.to_string());
                    }
                }
                let _ = ack.send(());
            }
            Command::Message {
                mut message,
                edited,
                look_elsewhere,
                busy,
                generation,
                ack,
            } => {
                if look_elsewhere && tab.tabs.runs_elsewhere(tab.session.id).await {
                    if tab.tabs.overlap() == Overlap::Reject {
                        let name = if edited {
                            ClientEvent::EditMessage
                        } else {
                            ClientEvent::ClientMessage
                        };
                        if let Refused::Reason { told, .. } = tab.refuse_overlap(name.name()) {
                            told.wait().await;
                        }
                        let _ = ack.send(());
                        continue;
                    }
                    tracing::info!(target: "chainrs::socket", parent: &tab.session.span, "a message arrived while a hook runs on another instance: stopping it (Overlap::Interrupt)");
                    tab.tabs.stop_elsewhere(tab.session.id);
                    stopped(&tab).await;
                }
                attach_files(&tab, &mut message).await;
                join_conversation(&tab, &message, edited).await;
                tab.run_busy(
                    HookKind::OnMessage,
                    HookInput::Message(*message),
                    Some(generation),
                    Some(busy),
                )
                .await;
                let _ = ack.send(());
            }
            Command::Stop(ack) => {
                stopped(&tab).await;
                let _ = ack.send(());
            }
            Command::Settings(settings, ack) => {
                match super::settings::change(&tab, settings).await {
                    Ok(()) => {
                        tab.run(HookKind::OnSettingsUpdate, HookInput::None, None)
                            .await
                    }
                    Err(why) => {
                        tab.report(ClientEvent::ChatSettingsChange.name(), why);
                    }
                }
                let _ = ack.send(());
            }
            Command::SettingsEdit(draft, ack) => {
                tab.run(HookKind::OnSettingsEdit, HookInput::Draft(draft), None)
                    .await;
                let _ = ack.send(());
            }
            Command::Window(value, ack) => {
                tab.run(HookKind::OnWindowMessage, HookInput::Window(value), None)
                    .await;
                let _ = ack.send(());
            }
            Command::Clear(ack) => {
                tab.run(HookKind::OnChatEnd, HookInput::None, None).await;
                tab.flush().await;
                if let Err(err) = tab.tabs.delete(&tab.session, "clear_session").await {
                    tracing::warn!(target: "chainrs::socket", parent: &tab.session.span, error = %err, "could not delete the cleared session");
                }
                tab.close_wire();
                let _ = ack.send(());
                return;
            }
            Command::Leave => return,
        }
    }
}

/// What follows a stop: the notice ("Task manually stopped."), `#[on_stop]`, `task_end`.
async fn stopped(tab: &Arc<Tab>) {
    let mut notice = Message::new("Task manually stopped.").with_author("System");
    notice.kind = StepType::SystemMessage;
    notice.thread_id = Some(tab.session.thread_id());
    tab.emit_kept(ServerEvent::NewMessage(notice.to_step()))
        .await;
    tab.run(HookKind::OnStop, HookInput::None, None).await;
    tab.emit(ServerEvent::TaskEnd).await;
}

/// Resolves the files an incoming message refers to against the session's files: each known
/// one becomes an element of the message (and is shown under it, as Chainlit does); an id
/// the session has no file for is dropped.
async fn attach_files(tab: &Tab, message: &mut Message) {
    // How many there may be was checked when the message came (Tab::message).
    let references = std::mem::take(&mut message.elements);
    for reference in references {
        let Some(id) = reference.referenced_file() else {
            continue;
        };
        match tab.tabs.files.info(tab.session.id, id).await {
            Ok(Some(info)) => {
                let element = Element::from_file(&info).belonging_to(message.id);
                tab.emit(ServerEvent::Element(element.to_dict().clone()))
                    .await;
                message.elements.push(element);
            }
            Ok(None) => {
                tracing::debug!(target: "chainrs::files", parent: &tab.session.span, file = %id, "the message refers to a file this session does not have");
            }
            Err(err) => {
                tracing::warn!(target: "chainrs::files", parent: &tab.session.span, file = %id, error = %err, "could not read the message's file");
            }
        }
    }
}

/// Adds the user's message to the session's conversation; an edit replaces the message's text
/// there and removes what came after it, from the conversation and from the tab (as Chainlit does).
async fn join_conversation(tab: &Tab, message: &Message, edited: bool) {
    if !tab.tabs.settings.chat_context {
        return;
    }
    if !edited {
        if let Err(err) = chat_context::record(Some(&tab.session), message).await {
            tracing::warn!(target: "chainrs::chat", parent: &tab.session.span, error = %err, "could not add the message to the conversation");
        }
        return;
    }
    match chat_context::edit(&tab.session, message).await {
        Ok(later) => {
            for id in later {
                let mut gone = Message::new("").to_step();
                gone.id = id;
                gone.thread_id = Some(tab.session.thread_id());
                tab.emit_kept(ServerEvent::DeleteMessage(gone)).await;
            }
        }
        Err(err) => {
            tracing::warn!(target: "chainrs::chat", parent: &tab.session.span, error = %err, "could not apply the edit to the conversation");
        }
    }
}
