//! Task lists (Chainlit's `TaskList`): a list of tasks with their statuses that the page shows
//! beside the chat, sent again after each change. On the wire it is the `tasklist` element.

use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::Element;
use crate::error::Result;
use crate::protocol::ElementKind;

/// Where a task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// Not started.
    #[default]
    Ready,
    /// Under way.
    Running,
    /// Ended badly.
    Failed,
    /// Ended well.
    Done,
}

/// One task of a [`TaskList`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Task {
    /// What it is.
    pub title: String,
    /// Where it stands.
    pub status: TaskStatus,
    /// The message it links to, if any.
    #[serde(rename = "forId")]
    pub for_id: Option<Uuid>,
}

impl Task {
    /// A task not started yet.
    pub fn new(title: impl Into<String>) -> Self {
        Task {
            title: title.into(),
            status: TaskStatus::Ready,
            for_id: None,
        }
    }

    /// Sets where it stands.
    pub fn status(mut self, status: TaskStatus) -> Self {
        self.status = status;
        self
    }

    /// Links it to a message.
    pub fn for_message(mut self, id: Uuid) -> Self {
        self.for_id = Some(id);
        self
    }
}

/// A task list shown beside the chat: change its tasks, then [`send`](Self::send) it again.
///
/// ```no_run
/// # use chainrs::prelude::*;
/// # async fn demo() -> chainrs::Result<()> {
/// let mut plan = TaskList::new();
/// plan.add_task(Task::new("Search").status(TaskStatus::Running));
/// plan.add_task(Task::new("Summarize"));
/// plan.send().await?;
/// plan.tasks[0].status = TaskStatus::Done;
/// plan.status = "Summarizing".to_owned();
/// plan.send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TaskList {
    id: Uuid,
    /// The list's status line (Chainlit's default: "Ready").
    pub status: String,
    /// The tasks, in order.
    pub tasks: Vec<Task>,
}

impl Default for TaskList {
    fn default() -> Self {
        TaskList::new()
    }
}

impl TaskList {
    /// An empty list, status "Ready".
    pub fn new() -> Self {
        TaskList {
            id: Uuid::new_v4(),
            status: "Ready".to_owned(),
            tasks: Vec::new(),
        }
    }

    /// The id of its element.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// Adds a task at the end.
    pub fn add_task(&mut self, task: Task) {
        self.tasks.push(task);
    }

    /// Shows the list as it stands (the first time, or again after a change).
    pub async fn send(&self) -> Result<()> {
        let content = json!({ "status": self.status, "tasks": self.tasks });
        Element::new(ElementKind::Tasklist, "tasklist")
            .with_id(self.id)
            .mime("application/json")
            .content(content.to_string())
            .send(None)
            .await?;
        Ok(())
    }

    /// Removes the list from the chat.
    pub async fn remove(&self) -> Result<()> {
        Element::new(ElementKind::Tasklist, "tasklist")
            .with_id(self.id)
            .remove()
            .await
    }
}
