//! Writes to the data layer off the handler's path: one ordered queue, a worker that retries
//! what the database refuses (and logs what it finally gives up on), and a flush for shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{Notify, mpsc};
use uuid::Uuid;

use super::{DataLayer, ElementContent, Refused, ThreadUpdate};
use crate::auth::User;
use crate::error::BoxError;
use crate::files::FileStore;
use crate::protocol::{ElementDict, StepDict};
use crate::session::SessionId;

/// How often a refused write is tried before it is given up (and logged as lost).
const ATTEMPTS: u32 = 8;

/// One write, as the chat produced it.
#[derive(Clone, Debug)]
pub(crate) enum Write {
    /// A step or message appeared or changed.
    Step(StepDict),
    /// A step or message went away.
    DeleteStep(Uuid),
    /// An element was shown; with its content in the session's files, that content is kept
    /// with it (`content`: the session and the file).
    Element {
        /// The element, as stored.
        element: ElementDict,
        /// Where its content is, when the session's files hold it.
        content: Option<(SessionId, Uuid)>,
    },
    /// An element went away.
    DeleteElement(Uuid),
    /// The thread's first interaction: its name, and its user (stored first).
    Claim {
        /// The thread.
        thread: Uuid,
        /// Its name (the first message).
        name: String,
        /// Its user, if logged in.
        user: Option<User>,
    },
    /// Keys merged into the thread's metadata (a `null` removes one).
    Metadata(Uuid, serde_json::Map<String, serde_json::Value>),
}

impl Write {
    fn describe(&self) -> String {
        match self {
            Write::Step(step) => format!("step {}", step.id),
            Write::DeleteStep(id) => format!("the removal of step {id}"),
            Write::Element { element, .. } => format!("element {}", element.id),
            Write::DeleteElement(id) => format!("the removal of element {id}"),
            Write::Claim { thread, .. } => format!("thread {thread}"),
            Write::Metadata(thread, _) => format!("the state kept in thread {thread}"),
        }
    }

    async fn apply(&self, layer: &dyn DataLayer, files: &dyn FileStore) -> Result<(), BoxError> {
        match self {
            Write::Step(step) => layer.upsert_step(step.clone()).await,
            Write::DeleteStep(id) => layer.delete_step(*id).await,
            Write::Element { element, content } => {
                layer.create_element(element.clone()).await?;
                match content {
                    Some((session, file)) => {
                        keep_content(layer, files, element.id, *session, *file).await
                    }
                    None => Ok(()),
                }
            }
            Write::DeleteElement(id) => layer.delete_element(*id).await,
            Write::Claim { thread, name, user } => {
                let user_id = match user {
                    Some(user) => Some(layer.create_user(user).await?.id),
                    None => None,
                };
                let name: String = name.chars().take(200).collect();
                layer
                    .update_thread(
                        *thread,
                        ThreadUpdate {
                            name: Some(name),
                            user_id,
                            ..ThreadUpdate::default()
                        },
                    )
                    .await
            }
            Write::Metadata(thread, changes) => {
                layer
                    .update_thread(
                        *thread,
                        ThreadUpdate {
                            metadata: Some(changes.clone()),
                            ..ThreadUpdate::default()
                        },
                    )
                    .await
            }
        }
    }
}

/// Copies the content of element `element` from file `file` of `session` into the data layer.
/// A file that is gone already (its session ended long ago) is logged and skipped.
async fn keep_content(
    layer: &dyn DataLayer,
    files: &dyn FileStore,
    element: Uuid,
    session: SessionId,
    file: Uuid,
) -> Result<(), BoxError> {
    let Some((info, mut chunks)) = files.open(session, file).await? else {
        tracing::warn!(target: "chainrs::data", %element, %file, "the element's file is gone from its session: the element is kept without its content");
        return Ok(());
    };
    let mut content = Vec::with_capacity(usize::try_from(info.size).unwrap_or(0));
    while let Some(chunk) = chunks.next().await {
        content.extend_from_slice(&chunk?);
    }
    layer
        .put_element_content(
            element,
            ElementContent {
                mime: info.mime,
                content,
            },
        )
        .await
}

/// Told when a write of a session fails (`session`, what went wrong), the first time each
/// write fails: how the chat learns that its history is not being saved right now.
pub(crate) type Trouble = Arc<dyn Fn(SessionId, String) + Send + Sync>;

/// The queue of writes to one data layer.
pub(crate) struct WriteBehind {
    queue: mpsc::UnboundedSender<(SessionId, Write)>,
    pushed: AtomicU64,
    done: Arc<AtomicU64>,
    progress: Arc<Notify>,
}

impl WriteBehind {
    /// The queue of `layer`, with its worker started (needs a tokio runtime).
    /// Element contents are read from `files`.
    /// `trouble` hears of failing writes.
    pub(crate) fn start(
        layer: Arc<dyn DataLayer>,
        files: Arc<dyn FileStore>,
        trouble: Trouble,
    ) -> Arc<Self> {
        let (queue, mut writes) = mpsc::unbounded_channel::<(SessionId, Write)>();
        let done = Arc::new(AtomicU64::new(0));
        let progress = Arc::new(Notify::new());
        let worker = (layer, files, done.clone(), progress.clone());
        tokio::spawn(async move {
            let (layer, files, done, progress) = worker;
            while let Some((session, write)) = writes.recv().await {
                let told = |why: String| trouble(session, why);
                apply_with_retries(layer.as_ref(), files.as_ref(), &write, &told).await;
                done.fetch_add(1, Ordering::AcqRel);
                progress.notify_waiters();
            }
        });
        Arc::new(WriteBehind {
            queue,
            pushed: AtomicU64::new(0),
            done,
            progress,
        })
    }

    /// Queues a write of `session`, after every write queued before it.
    pub(crate) fn push(&self, session: SessionId, write: Write) {
        self.pushed.fetch_add(1, Ordering::AcqRel);
        if self.queue.send((session, write)).is_err() {
            tracing::error!(target: "chainrs::data", "the data layer's writer has stopped: a write is lost");
        }
    }

    /// Waits until every write queued so far is done, for at most `limit`; `false` when some
    /// are still pending then.
    pub(crate) async fn flush(&self, limit: Duration) -> bool {
        let target = self.pushed.load(Ordering::Acquire);
        let wait = async {
            loop {
                // Registered before the check, so a write finishing in between still wakes it.
                let notified = self.progress.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if self.done.load(Ordering::Acquire) >= target {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(limit, wait).await.is_ok()
    }
}

async fn apply_with_retries(
    layer: &dyn DataLayer,
    files: &dyn FileStore,
    write: &Write,
    trouble: &(dyn Fn(String) + Sync),
) {
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=ATTEMPTS {
        match write.apply(layer, files).await {
            Ok(()) => return,
            Err(err) if err.is::<Refused>() => {
                tracing::error!(target: "chainrs::data", write = %write.describe(), error = %err, "the data layer refuses a write for good: it is not kept");
                return;
            }
            Err(err) if attempt < ATTEMPTS => {
                if attempt == 1 {
                    trouble(err.to_string());
                }
                tracing::warn!(target: "chainrs::data", write = %write.describe(), attempt, error = %err, "the data layer refused a write; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(err) => {
                tracing::error!(target: "chainrs::data", write = %write.describe(), attempts = ATTEMPTS, error = %err, "the data layer refused a write every time: it is lost");
            }
        }
    }
}
