//! `Thread`: a past conversation as `#[on_chat_resume]` receives it, with its messages, steps
//! and elements.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::Message;
use super::chat_context::is_conversation;
use crate::protocol::{ElementDict, StepDict, ThreadDict};

/// A conversation the data layer kept, as `#[on_chat_resume]` receives it when its user comes
/// back to it: its steps and messages in the order they started, and its elements.
///
/// By the time the hook runs, the tab already shows the thread and every `UserSession` value
/// of the session is back as it was last written, so the hook only rebuilds what lives
/// outside the session (a `Local<T>` client, an agent's memory).
///
/// ```no_run
/// # use chainrs::prelude::*;
/// #[on_chat_resume]
/// async fn welcome_back(thread: Thread) -> chainrs::Result<()> {
///     let said = thread.messages().count();
///     Message::new(format!("welcome back: {said} messages so far")).send().await?;
///     Ok(())
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Thread(ThreadDict);

impl Thread {
    pub(crate) fn new(dict: ThreadDict) -> Self {
        Thread(dict)
    }

    /// The thread's id (the session's `thread_id` from now on).
    pub fn id(&self) -> Uuid {
        self.0.id
    }

    /// Its name (the first message, unless renamed).
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// When it was created, ISO-8601.
    pub fn created_at(&self) -> &str {
        &self.0.created_at
    }

    /// The identifier of its user.
    pub fn user_identifier(&self) -> Option<&str> {
        self.0.user_identifier.as_deref()
    }

    /// Its tags.
    pub fn tags(&self) -> &[String] {
        self.0.tags.as_deref().unwrap_or_default()
    }

    /// Its metadata: what the app put there, and the session's state under `state:<key>`.
    pub fn metadata(&self) -> &Map<String, Value> {
        &self.0.metadata
    }

    /// Every step and message, in the order they started (runs, tools and messages).
    pub fn steps(&self) -> &[StepDict] {
        &self.0.steps
    }

    /// Its elements.
    pub fn elements(&self) -> &[ElementDict] {
        &self.0.elements
    }

    /// The conversation: the user's messages, the app's and the system's, oldest first,
    /// without the steps between them.
    pub fn messages(&self) -> impl Iterator<Item = Message> + '_ {
        self.0
            .steps
            .iter()
            .filter(|s| is_conversation(s.step_type))
            .map(|s| Message::from_step(s.clone()))
    }

    /// The thread as the wire carries it.
    pub fn as_dict(&self) -> &ThreadDict {
        &self.0
    }

    /// The thread as the wire carries it, taken.
    pub fn into_dict(self) -> ThreadDict {
        self.0
    }
}
