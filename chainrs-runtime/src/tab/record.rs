//! What of a chat the data layer keeps: every message, step and element a run shows, and the
//! user's messages, held until the session's first interaction (a tab only opened writes
//! nothing, as in Chainlit), then queued in order on the data layer's write-behind queue.

use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use uuid::Uuid;

use crate::chat::Message;
use crate::context::{AskFuture, ChatSink, Emitter, SinkFuture};
use crate::data::{DataLayer, Trouble, Write, WriteBehind};
use crate::files::FileStore;
use crate::protocol::{ElementDict, ServerEvent, ToastKind};
use crate::session::{SessionId, SessionRef, StateObserver};

use super::Tabs;

/// The recorder of an app with a data layer.
pub(crate) struct Record {
    layer: Arc<dyn DataLayer>,
    writes: Arc<WriteBehind>,
    /// The app's root path (`""` at the root), for the URLs of kept element contents.
    root: String,
    /// Writes of sessions that have not had their first interaction yet.
    held: DashMap<SessionId, Vec<Write>>,
    /// The tabs, to warn a chat whose writes fail (set once the tab directory exists).
    tabs: OnceLock<Weak<Tabs>>,
    /// When each session was last warned, so a database that is down warns once a while, not
    /// at every write.
    warned: DashMap<SessionId, Instant>,
}

/// How often one chat is told that its history is not being saved.
const WARN_EVERY: Duration = Duration::from_secs(30);

impl Record {
    /// A recorder writing to `layer` (its queue's worker starts now: needs a tokio runtime).
    /// Element contents are copied from `files`; `root` is the app's root path.
    pub(crate) fn start(
        layer: Arc<dyn DataLayer>,
        files: Arc<dyn FileStore>,
        root: Option<&str>,
    ) -> Arc<Self> {
        Arc::new_cyclic(|record: &Weak<Record>| {
            let record = record.clone();
            let trouble: Trouble = Arc::new(move |session, why| {
                if let Some(record) = record.upgrade() {
                    record.warn(session, &why);
                }
            });
            Record {
                writes: WriteBehind::start(layer.clone(), files, trouble),
                layer,
                root: root.unwrap_or_default().to_owned(),
                held: DashMap::new(),
                tabs: OnceLock::new(),
                warned: DashMap::new(),
            }
        })
    }

    /// Lets the recorder reach the chat tabs (to warn them).
    pub(crate) fn attach(&self, tabs: &Arc<Tabs>) {
        let _ = self.tabs.set(Arc::downgrade(tabs));
    }

    /// Tells `session`'s live tab (at most every [`WARN_EVERY`]) that its history is not being
    /// saved right now; the chat itself goes on, and the write is retried.
    fn warn(&self, session: SessionId, why: &str) {
        let now = Instant::now();
        let recent = self
            .warned
            .get(&session)
            .is_some_and(|at| now.duration_since(*at) < WARN_EVERY);
        if recent {
            return;
        }
        self.warned.insert(session, now);
        tracing::warn!(target: "chainrs::data", session_id = %session, reason = why, "the chat's history is not being saved right now: retrying; the chat is told");
        let Some(emitter) = self
            .tabs
            .get()
            .and_then(Weak::upgrade)
            .and_then(|tabs| tabs.live(session))
        else {
            return;
        };
        tokio::spawn(async move {
            let _ = emitter
                .emit(ServerEvent::Toast {
                    message: "This chat's history is not being saved right now; retrying."
                        .to_owned(),
                    kind: ToastKind::Warning,
                })
                .await;
        });
    }

    /// The data layer it writes to (the history routes read it).
    pub(crate) fn layer(&self) -> &Arc<dyn DataLayer> {
        &self.layer
    }

    /// Records what `event` shows, if anything.
    pub(crate) fn observe(&self, session: &SessionRef, event: &ServerEvent) {
        let write = match event {
            ServerEvent::NewMessage(step) | ServerEvent::UpdateMessage(step) => {
                Write::Step(step.clone())
            }
            ServerEvent::DeleteMessage(step) => Write::DeleteStep(step.id),
            // An element is kept with the step it belongs to (Chainlit skips the others too).
            ServerEvent::Element(element) if element.for_id.is_some() => {
                self.element(session, element.clone())
            }
            ServerEvent::RemoveElement { id } => Write::DeleteElement(*id),
            ServerEvent::FirstInteraction {
                interaction,
                thread_id,
            } => {
                self.writes.push(
                    session.id,
                    Write::Claim {
                        thread: *thread_id,
                        name: interaction.clone(),
                        user: session.user(),
                        profile: session.chat_profile().map(|profile| profile.name),
                    },
                );
                if let Some((_, held)) = self.held.remove(&session.id) {
                    for write in held {
                        self.writes.push(session.id, write);
                    }
                }
                return;
            }
            _ => return,
        };
        self.write(session, write);
    }

    /// Records the user's message (the page shows it itself; no event carries it), then the
    /// files it attached, which belong to it.
    pub(crate) fn user_message(&self, session: &SessionRef, message: &Message) {
        let mut step = message.to_step();
        step.thread_id = Some(session.thread_id());
        self.write(session, Write::Step(step));
        for file in &message.elements {
            let mut element = file.to_dict().clone();
            element.for_id = Some(message.id);
            element.thread_id = Some(session.thread_id());
            let write = self.element(session, element);
            self.write(session, write);
        }
    }

    /// The write of an element. One whose content is in the session's files is kept with that
    /// content, and its URL becomes the thread's (`GET /project/thread/{t}/file/{e}`), so it
    /// still loads once the session is gone (on resume, on any instance).
    fn element(&self, session: &SessionRef, mut element: ElementDict) -> Write {
        let file = element
            .chainlit_key
            .as_deref()
            .and_then(|key| Uuid::parse_str(key).ok())
            .filter(|_| element.url.is_none());
        let thread = *element.thread_id.get_or_insert_with(|| session.thread_id());
        if file.is_some() {
            element.url = Some(format!(
                "{}/project/thread/{thread}/file/{}",
                self.root, element.id
            ));
        }
        Write::Element {
            element,
            content: file.map(|file| (session.id, file)),
        }
    }

    fn write(&self, session: &SessionRef, write: Write) {
        if session.interacted() {
            self.writes.push(session.id, write);
        } else {
            self.held.entry(session.id).or_default().push(write);
        }
    }

    /// Keeps the session's chat settings in its thread's metadata (`chat_settings`, where
    /// Chainlit keeps them), so a resumed thread gets them back.
    pub(crate) fn settings(
        &self,
        session: &SessionRef,
        values: serde_json::Map<String, serde_json::Value>,
    ) {
        let mut changes = serde_json::Map::new();
        changes.insert(
            "chat_settings".to_owned(),
            serde_json::Value::Object(values),
        );
        self.write(session, Write::Metadata(session.thread_id(), changes));
    }

    /// Drops what a session that ended before any interaction held.
    pub(crate) fn forget(&self, session: SessionId) {
        self.held.remove(&session);
        self.warned.remove(&session);
    }

    /// Waits until the writes queued so far are done (at shutdown), for at most `limit`.
    pub(crate) async fn flush(&self, limit: Duration) -> bool {
        self.writes.flush(limit).await
    }

    /// `emitter`, recording what goes through it for `session`.
    pub(crate) fn recording(self: &Arc<Self>, session: &SessionRef, emitter: &Emitter) -> Emitter {
        Emitter::new(
            emitter.session_id(),
            Arc::new(Recording {
                inner: emitter.clone(),
                session: session.clone(),
                record: self.clone(),
            }),
        )
    }
}

/// Each committed `UserSession` write is kept in the thread's metadata under its stable key,
/// so a resumed thread gets its state back even after a crash (Chainlit saves it only on
/// disconnect).
impl StateObserver for Record {
    fn committed(&self, session: &SessionRef, key: &str, value: &str) {
        let value = serde_json::from_str(value).unwrap_or(serde_json::Value::Null);
        let mut changes = serde_json::Map::new();
        changes.insert(key.to_owned(), value);
        self.write(session, Write::Metadata(session.thread_id(), changes));
    }
}

/// A sink that records each event, then delivers it where the wrapped emitter delivers.
struct Recording {
    inner: Emitter,
    session: SessionRef,
    record: Arc<Record>,
}

impl ChatSink for Recording {
    fn deliver(&self, event: ServerEvent) -> SinkFuture<'_> {
        self.record.observe(&self.session, &event);
        Box::pin(async move { self.inner.emit(event).await })
    }

    fn ask(&self, event: ServerEvent, timeout: Duration) -> AskFuture<'_> {
        if let ServerEvent::Ask { msg, .. } = &event {
            self.record
                .observe(&self.session, &ServerEvent::NewMessage(msg.clone()));
        }
        Box::pin(async move { self.inner.ask(event, timeout).await })
    }
}
