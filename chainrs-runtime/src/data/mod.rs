//! The data layer: users, threads, steps, elements and feedback that outlive sessions, behind
//! the [`DataLayer`] trait (Chainlit's contract), on SQLite (`sqlite` feature) or PostgreSQL.

mod change;
mod connect;
#[cfg(all(test, any(feature = "sqlite", feature = "postgres")))]
pub(crate) mod contract;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod rows;
#[cfg(feature = "sqlite")]
mod sqlite;
mod write_behind;

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::auth::User;
use crate::error::BoxError;
use crate::protocol::{
    ElementDict, FeedbackDict, Page, Pagination, StepDict, ThreadDict, ThreadFilter,
};

#[cfg(feature = "postgres")]
pub use postgres::PostgresDataLayer;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteDataLayer;

pub use change::Change;
pub use connect::connect;
pub(crate) use write_behind::{Trouble, Write, WriteBehind};

/// A write the database will never take as it is (a step it belongs to that is not stored, a
/// broken constraint): return it, boxed, from a [`DataLayer`] call, and the write-behind queue
/// logs the write and goes on instead of retrying it.
#[derive(Debug, thiserror::Error)]
#[error("the data layer refuses this write for good: {0}")]
pub struct Refused(pub String);

/// The future a data layer call returns.
pub type DataFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send + 'a>>;

/// A user as the data layer keeps them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistedUser {
    /// The id of their row.
    pub id: String,
    /// Who they are (the login's identifier).
    pub identifier: String,
    /// What the login callback attached.
    pub metadata: Map<String, Value>,
    /// When they were first stored.
    pub created_at: String,
}

/// What an update of a thread changes; what is `None` stays as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThreadUpdate {
    /// A new name.
    pub name: Option<String>,
    /// Its user (the id of their row).
    pub user_id: Option<String>,
    /// Keys merged into its metadata; a key set to `null` is removed.
    pub metadata: Option<Map<String, Value>>,
    /// New tags.
    pub tags: Option<Vec<String>>,
}

/// The content of an element kept with its thread (the bytes of an image, a file, a text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementContent {
    /// Its MIME type.
    pub mime: String,
    /// Its bytes.
    pub content: Vec<u8>,
}

/// Where conversations are kept beyond their sessions: Chainlit's data layer contract, typed.
///
/// Semantics every implementation keeps (the contract suite checks them on each backend):
/// - `create_user` is an upsert on the identifier that replaces the metadata;
/// - `update_thread` creates a missing thread; its metadata is merged, a `null` deletes a key;
/// - `upsert_step` creates a missing thread and parent step, keeps the stored input or output
///   when the new one is empty, and keeps the stored type when the new one is `run`;
/// - `get_thread` gives the steps in the order they started, each with its feedback;
/// - `list_threads` pages by last activity, newest first, the cursor being the last thread id
///   of the previous page; `search` matches the name without case, `feedback` keeps threads
///   with a reply of that value;
/// - deleting a thread deletes its steps, elements (with their content) and feedback; deleting
///   a step, its elements and feedback;
/// - `get_element_content` answers only for an element of the thread named.
pub trait DataLayer: Send + Sync + 'static {
    /// The user of that identifier.
    fn get_user(&self, identifier: &str) -> DataFuture<'_, Option<PersistedUser>>;

    /// Stores the user (or updates their metadata) and returns them as stored.
    fn create_user(&self, user: &User) -> DataFuture<'_, PersistedUser>;

    /// The identifier of the thread's user, if the thread exists and has one.
    fn get_thread_author(&self, thread: Uuid) -> DataFuture<'_, Option<String>>;

    /// The whole thread.
    fn get_thread(&self, thread: Uuid) -> DataFuture<'_, Option<ThreadDict>>;

    /// Creates or changes a thread.
    fn update_thread(&self, thread: Uuid, update: ThreadUpdate) -> DataFuture<'_, ()>;

    /// Deletes a thread and everything in it.
    fn delete_thread(&self, thread: Uuid) -> DataFuture<'_, ()>;

    /// A page of threads, newest activity first.
    fn list_threads(
        &self,
        pagination: Pagination,
        filter: ThreadFilter,
    ) -> DataFuture<'_, Page<ThreadDict>>;

    /// Creates or changes a step (or message) of a thread.
    fn upsert_step(&self, step: StepDict) -> DataFuture<'_, ()>;

    /// Deletes a step, its elements and its feedback.
    fn delete_step(&self, step: Uuid) -> DataFuture<'_, ()>;

    /// The thread a step belongs to, if the step is stored.
    fn get_step_thread(&self, step: Uuid) -> DataFuture<'_, Option<Uuid>>;

    /// Stores an element of a step (its `forId`).
    fn create_element(&self, element: ElementDict) -> DataFuture<'_, ()>;

    /// An element of a thread.
    fn get_element(&self, thread: Uuid, element: Uuid) -> DataFuture<'_, Option<ElementDict>>;

    /// Deletes an element (and its content).
    fn delete_element(&self, element: Uuid) -> DataFuture<'_, ()>;

    /// Keeps the content of a stored element, so that every instance serves it once the
    /// session that showed it is gone (Chainlit keeps it in an object store). It goes with the
    /// element.
    fn put_element_content(&self, element: Uuid, content: ElementContent) -> DataFuture<'_, ()>;

    /// The content kept for element `element` of thread `thread`.
    fn get_element_content(
        &self,
        thread: Uuid,
        element: Uuid,
    ) -> DataFuture<'_, Option<ElementContent>>;

    /// Stores or changes feedback on a step; returns its id.
    fn upsert_feedback(&self, feedback: FeedbackDict) -> DataFuture<'_, Uuid>;

    /// Deletes feedback; `false` when there was none of that id.
    fn delete_feedback(&self, feedback: Uuid) -> DataFuture<'_, bool>;

    /// The step feedback is about, if the feedback is stored.
    fn get_feedback_step(&self, feedback: Uuid) -> DataFuture<'_, Option<Uuid>>;

    /// Deletes every thread of a user, and the user.
    fn delete_user_data(&self, identifier: &str) -> DataFuture<'_, ()>;

    /// Makes `changes` in their order. The write-behind queue hands over at once every write
    /// that piled up while the last ones were being made, so a busy app pays one commit per
    /// batch instead of one per streamed update.
    ///
    /// The layers here make a batch in one transaction: all of it or none. This default makes
    /// the changes one by one through the methods above and stops at the first that fails, so
    /// those before it stay made; that is safe, as every change is an upsert or a deletion and
    /// a failed batch is made again, write by write.
    fn apply(&self, changes: Vec<Change>) -> DataFuture<'_, ()> {
        Box::pin(async move {
            for change in changes {
                match change {
                    Change::Step(step) => self.upsert_step(step).await?,
                    Change::DeleteStep(id) => self.delete_step(id).await?,
                    Change::Element(element) => self.create_element(element).await?,
                    Change::DeleteElement(id) => self.delete_element(id).await?,
                    Change::ElementContent(id, content) => {
                        self.put_element_content(id, content).await?
                    }
                    Change::Thread(id, update) => self.update_thread(id, update).await?,
                }
            }
            Ok(())
        })
    }
}

/// A shared data layer is one too (the app and a test, or two apps, holding the same).
impl<T: DataLayer + ?Sized> DataLayer for std::sync::Arc<T> {
    fn get_user(&self, identifier: &str) -> DataFuture<'_, Option<PersistedUser>> {
        (**self).get_user(identifier)
    }
    fn create_user(&self, user: &User) -> DataFuture<'_, PersistedUser> {
        (**self).create_user(user)
    }
    fn get_thread_author(&self, thread: Uuid) -> DataFuture<'_, Option<String>> {
        (**self).get_thread_author(thread)
    }
    fn get_thread(&self, thread: Uuid) -> DataFuture<'_, Option<ThreadDict>> {
        (**self).get_thread(thread)
    }
    fn update_thread(&self, thread: Uuid, update: ThreadUpdate) -> DataFuture<'_, ()> {
        (**self).update_thread(thread, update)
    }
    fn delete_thread(&self, thread: Uuid) -> DataFuture<'_, ()> {
        (**self).delete_thread(thread)
    }
    fn list_threads(
        &self,
        pagination: Pagination,
        filter: ThreadFilter,
    ) -> DataFuture<'_, Page<ThreadDict>> {
        (**self).list_threads(pagination, filter)
    }
    fn upsert_step(&self, step: StepDict) -> DataFuture<'_, ()> {
        (**self).upsert_step(step)
    }
    fn delete_step(&self, step: Uuid) -> DataFuture<'_, ()> {
        (**self).delete_step(step)
    }
    fn get_step_thread(&self, step: Uuid) -> DataFuture<'_, Option<Uuid>> {
        (**self).get_step_thread(step)
    }
    fn create_element(&self, element: ElementDict) -> DataFuture<'_, ()> {
        (**self).create_element(element)
    }
    fn get_element(&self, thread: Uuid, element: Uuid) -> DataFuture<'_, Option<ElementDict>> {
        (**self).get_element(thread, element)
    }
    fn delete_element(&self, element: Uuid) -> DataFuture<'_, ()> {
        (**self).delete_element(element)
    }
    fn put_element_content(&self, element: Uuid, content: ElementContent) -> DataFuture<'_, ()> {
        (**self).put_element_content(element, content)
    }
    fn get_element_content(
        &self,
        thread: Uuid,
        element: Uuid,
    ) -> DataFuture<'_, Option<ElementContent>> {
        (**self).get_element_content(thread, element)
    }
    fn upsert_feedback(&self, feedback: FeedbackDict) -> DataFuture<'_, Uuid> {
        (**self).upsert_feedback(feedback)
    }
    fn delete_feedback(&self, feedback: Uuid) -> DataFuture<'_, bool> {
        (**self).delete_feedback(feedback)
    }
    fn get_feedback_step(&self, feedback: Uuid) -> DataFuture<'_, Option<Uuid>> {
        (**self).get_feedback_step(feedback)
    }
    fn delete_user_data(&self, identifier: &str) -> DataFuture<'_, ()> {
        (**self).delete_user_data(identifier)
    }
    fn apply(&self, changes: Vec<Change>) -> DataFuture<'_, ()> {
        (**self).apply(changes)
    }
}
