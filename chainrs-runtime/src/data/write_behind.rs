//! Writes to the data layer off the handler's path: one ordered queue, a worker that makes what
//! piled up in it as one batch (one transaction), retries write by write what the database
//! refuses (and logs what it finally gives up on), and a flush for shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{Notify, mpsc};
use uuid::Uuid;

use super::{Change, DataLayer, ElementContent, Refused, ThreadUpdate};
use crate::auth::User;
use crate::error::BoxError;
use crate::files::FileStore;
use crate::protocol::{ElementDict, StepDict};
use crate::session::SessionId;

/// How often a refused write is tried before it is given up (and logged as lost).
const ATTEMPTS: u32 = 8;

/// The most writes made in one batch (one transaction).
const BATCH: usize = 256;

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
        /// The chat profile it runs with: kept in its metadata (`chat_profile`, for resume)
        /// and as its tag (Chainlit's `auto_tag_thread`).
        profile: Option<String>,
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

    /// Whether it carries a file's bytes: such a write is made on its own, so a batch never
    /// holds many files in memory.
    fn is_heavy(&self) -> bool {
        matches!(
            self,
            Write::Element {
                content: Some(_),
                ..
            }
        )
    }

    /// The changes that make it. Its user (of a claim) is stored on the way, and the content of
    /// an element read from the session's files.
    async fn changes(
        &self,
        layer: &dyn DataLayer,
        files: &dyn FileStore,
    ) -> Result<Vec<Change>, BoxError> {
        Ok(match self {
            Write::Step(step) => vec![Change::Step(step.clone())],
            Write::DeleteStep(id) => vec![Change::DeleteStep(*id)],
            Write::Element { element, content } => {
                let mut changes = vec![Change::Element(element.clone())];
                if let Some((session, file)) = content
                    && let Some(content) = read_content(files, element.id, *session, *file).await?
                {
                    changes.push(Change::ElementContent(element.id, content));
                }
                changes
            }
            Write::DeleteElement(id) => vec![Change::DeleteElement(*id)],
            Write::Claim {
                thread,
                name,
                user,
                profile,
            } => {
                let user_id = match user {
                    Some(user) => Some(layer.create_user(user).await?.id),
                    None => None,
                };
                let name: String = name.chars().take(200).collect();
                let update = ThreadUpdate {
                    name: Some(name),
                    user_id,
                    metadata: profile.as_ref().map(|profile| {
                        let mut kept = serde_json::Map::new();
                        kept.insert("chat_profile".to_owned(), profile.clone().into());
                        kept
                    }),
                    tags: profile.as_ref().map(|profile| vec![profile.clone()]),
                };
                vec![Change::Thread(*thread, update)]
            }
            Write::Metadata(thread, changes) => {
                let update = ThreadUpdate {
                    metadata: Some(changes.clone()),
                    ..ThreadUpdate::default()
                };
                vec![Change::Thread(*thread, update)]
            }
        })
    }

    /// Makes it.
    async fn apply(&self, layer: &dyn DataLayer, files: &dyn FileStore) -> Result<(), BoxError> {
        layer.apply(self.changes(layer, files).await?).await
    }
}

/// The content of element `element`, from file `file` of `session`. A file that is gone
/// already (its session ended long ago) is logged, and the element kept without it.
async fn read_content(
    files: &dyn FileStore,
    element: Uuid,
    session: SessionId,
    file: Uuid,
) -> Result<Option<ElementContent>, BoxError> {
    let Some((info, mut chunks)) = files.open(session, file).await? else {
        tracing::warn!(target: "chainrs::data", %element, %file, "the element's file is gone from its session: the element is kept without its content");
        return Ok(None);
    };
    let mut content = Vec::with_capacity(usize::try_from(info.size).unwrap_or(0));
    while let Some(chunk) = chunks.next().await {
        content.extend_from_slice(&chunk?);
    }
    Ok(Some(ElementContent {
        mime: info.mime,
        content,
    }))
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
            let mut batch = Vec::with_capacity(BATCH);
            // Everything queued while the last batch was being made comes out at once: a busy
            // app makes one transaction per batch, a quiet one waits for nothing.
            while writes.recv_many(&mut batch, BATCH).await > 0 {
                let mut rest = batch.as_slice();
                while !rest.is_empty() {
                    let light = rest.iter().take_while(|(_, w)| !w.is_heavy()).count();
                    let (group, after) = rest.split_at(light.max(1));
                    apply_group(layer.as_ref(), files.as_ref(), group, &trouble).await;
                    done.fetch_add(group.len() as u64, Ordering::AcqRel);
                    progress.notify_waiters();
                    rest = after;
                }
                batch.clear();
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

/// Makes `group` in one batch; when the batch fails, makes it again write by write, each with
/// its retries, so that one refused write loses nothing else.
async fn apply_group(
    layer: &dyn DataLayer,
    files: &dyn FileStore,
    group: &[(SessionId, Write)],
    trouble: &Trouble,
) {
    if group.len() > 1 {
        match apply_batch(layer, files, group).await {
            Ok(()) => return,
            Err(err) => {
                tracing::debug!(target: "chainrs::data", writes = group.len(), error = %err, "a batch of writes failed; making them one by one");
            }
        }
    }
    for (session, write) in group {
        let told = |why: String| trouble(*session, why);
        apply_with_retries(layer, files, write, &told).await;
    }
}

/// Makes the writes of `group` in one [`DataLayer::apply`].
async fn apply_batch(
    layer: &dyn DataLayer,
    files: &dyn FileStore,
    group: &[(SessionId, Write)],
) -> Result<(), BoxError> {
    let mut changes = Vec::with_capacity(group.len());
    for (_, write) in group {
        changes.extend(write.changes(layer, files).await?);
    }
    layer.apply(changes).await
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::sync::Semaphore;

    use super::*;
    use crate::data::{DataFuture, PersistedUser};
    use crate::files::DiskStore;
    use crate::protocol::{Page, Pagination, StepType, ThreadDict, ThreadFilter};

    /// A data layer that records the batches it is given, waits at a gate before each, and
    /// refuses every batch holding step `refused`. The worker only ever calls `apply`.
    struct Recorder {
        batches: Mutex<Vec<(Vec<Uuid>, bool)>>,
        entered: Notify,
        gate: Semaphore,
        refused: Uuid,
    }

    fn not_here<T>() -> DataFuture<'static, T> {
        Box::pin(async { Err("not used by the write-behind queue".into()) })
    }

    impl DataLayer for Recorder {
        fn get_user(&self, _: &str) -> DataFuture<'_, Option<PersistedUser>> {
            not_here()
        }
        fn create_user(&self, _: &User) -> DataFuture<'_, PersistedUser> {
            not_here()
        }
        fn get_thread_author(&self, _: Uuid) -> DataFuture<'_, Option<String>> {
            not_here()
        }
        fn get_thread(&self, _: Uuid) -> DataFuture<'_, Option<ThreadDict>> {
            not_here()
        }
        fn update_thread(&self, _: Uuid, _: ThreadUpdate) -> DataFuture<'_, ()> {
            not_here()
        }
        fn delete_thread(&self, _: Uuid) -> DataFuture<'_, ()> {
            not_here()
        }
        fn list_threads(&self, _: Pagination, _: ThreadFilter) -> DataFuture<'_, Page<ThreadDict>> {
            not_here()
        }
        fn upsert_step(&self, _: StepDict) -> DataFuture<'_, ()> {
            not_here()
        }
        fn delete_step(&self, _: Uuid) -> DataFuture<'_, ()> {
            not_here()
        }
        fn get_step_thread(&self, _: Uuid) -> DataFuture<'_, Option<Uuid>> {
            not_here()
        }
        fn create_element(&self, _: ElementDict) -> DataFuture<'_, ()> {
            not_here()
        }
        fn get_element(&self, _: Uuid, _: Uuid) -> DataFuture<'_, Option<ElementDict>> {
            not_here()
        }
        fn delete_element(&self, _: Uuid) -> DataFuture<'_, ()> {
            not_here()
        }
        fn put_element_content(&self, _: Uuid, _: ElementContent) -> DataFuture<'_, ()> {
            not_here()
        }
        fn get_element_content(&self, _: Uuid, _: Uuid) -> DataFuture<'_, Option<ElementContent>> {
            not_here()
        }
        fn upsert_feedback(&self, _: crate::protocol::FeedbackDict) -> DataFuture<'_, Uuid> {
            not_here()
        }
        fn delete_feedback(&self, _: Uuid) -> DataFuture<'_, bool> {
            not_here()
        }
        fn get_feedback_step(&self, _: Uuid) -> DataFuture<'_, Option<Uuid>> {
            not_here()
        }
        fn delete_user_data(&self, _: &str) -> DataFuture<'_, ()> {
            not_here()
        }
        fn apply(&self, changes: Vec<Change>) -> DataFuture<'_, ()> {
            Box::pin(async move {
                self.entered.notify_one();
                self.gate.acquire().await?.forget();
                let ids: Vec<Uuid> = changes
                    .iter()
                    .filter_map(|c| match c {
                        Change::Step(step) => Some(step.id),
                        _ => None,
                    })
                    .collect();
                let refuse = ids.contains(&self.refused);
                self.batches
                    .lock()
                    .map_err(|_| "poisoned")?
                    .push((ids, !refuse));
                if refuse {
                    return Err(Box::new(Refused("this step, never".to_owned())) as BoxError);
                }
                Ok(())
            })
        }
    }

    /// Queues `first`, waits until the worker is making it, queues `rest` behind it, opens
    /// the gate and waits for the queue to drain: what the layer was given, in order.
    async fn run(first: StepDict, rest: Vec<StepDict>, refused: Uuid) -> Vec<(Vec<Uuid>, bool)> {
        let layer = Arc::new(Recorder {
            batches: Mutex::new(Vec::new()),
            entered: Notify::new(),
            gate: Semaphore::new(0),
            refused,
        });
        let files = Arc::new(DiskStore::new(
            std::env::temp_dir().join("chainrs-wb-unused"),
        ));
        let told = Arc::new(AtomicU64::new(0));
        let counted = told.clone();
        let trouble: Trouble = Arc::new(move |_, _| {
            counted.fetch_add(1, Ordering::AcqRel);
        });
        let queue = WriteBehind::start(layer.clone(), files, trouble);
        let session = SessionId::new();
        queue.push(session, Write::Step(first));
        layer.entered.notified().await;
        for step in rest {
            queue.push(session, Write::Step(step));
        }
        layer.gate.add_permits(1000);
        assert!(queue.flush(Duration::from_secs(30)).await, "drained");
        assert_eq!(
            told.load(Ordering::Acquire),
            0,
            "a refusal for good is no trouble"
        );
        layer.batches.lock().expect("batches").clone()
    }

    fn steps(n: usize) -> Vec<StepDict> {
        (0..n)
            .map(|_| StepDict::new(StepType::AssistantMessage, "Assistant"))
            .collect()
    }

    #[tokio::test]
    async fn what_piles_up_behind_a_write_is_made_in_one_batch() {
        let mut all = steps(11);
        let first = all.remove(0);
        let ids: Vec<Uuid> = all.iter().map(|s| s.id).collect();
        let batches = run(first.clone(), all, Uuid::new_v4()).await;
        assert_eq!(batches, vec![(vec![first.id], true), (ids, true)]);
    }

    #[tokio::test]
    async fn a_refused_write_in_a_batch_loses_nothing_else() {
        let mut all = steps(6);
        let first = all.remove(0);
        let ids: Vec<Uuid> = all.iter().map(|s| s.id).collect();
        let refused = ids[2];
        let batches = run(first.clone(), all, refused).await;
        let mut expected = vec![(vec![first.id], true), (ids.clone(), false)];
        expected.extend(ids.iter().map(|id| (vec![*id], *id != refused)));
        assert_eq!(
            batches, expected,
            "the batch fails, then each is made alone"
        );
    }
}
