//! The conversation so far (Chainlit's `cl.chat_context`): every message of the session, the
//! user's and the app's, in order, kept in the session store so every instance sees the same.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Message;
use crate::context;
use crate::error::{Error, Result};
use crate::protocol::StepType;
use crate::session::SessionRef;

/// The session key of the conversation.
const KEY: &str = "chainrs:chat_context";

/// The most messages kept: older ones fall out first (an LLM's context is bounded too).
pub const CHAT_CONTEXT_LIMIT: usize = 200;

/// One message as the conversation keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Entry {
    id: Uuid,
    kind: StepType,
    author: String,
    content: String,
    created_at: String,
}

impl Entry {
    fn of(message: &Message) -> Self {
        Entry {
            id: message.id,
            kind: message.kind,
            author: message.author.clone(),
            content: message.content.clone(),
            created_at: message.created_at.clone(),
        }
    }

    fn into_message(self, thread: Uuid) -> Message {
        let mut message = Message::new(self.content).with_author(self.author);
        message.id = self.id;
        message.kind = self.kind;
        message.created_at = self.created_at;
        message.thread_id = Some(thread);
        message
    }
}

/// Whether a message belongs in the conversation (messages do; steps and runs do not).
fn is_conversation(kind: StepType) -> bool {
    matches!(
        kind,
        StepType::UserMessage | StepType::AssistantMessage | StepType::SystemMessage
    )
}

type Entries = Option<Vec<Entry>>;

/// Adds `message` at the end, or changes it in place when it is there already.
pub(crate) async fn record(session: &SessionRef, message: &Message) -> Result<()> {
    if !is_conversation(message.kind) {
        return Ok(());
    }
    let entry = Entry::of(message);
    session
        .sessions
        .modify(session, KEY, |entries: &mut Entries| {
            let list = entries.get_or_insert_with(Vec::new);
            match list.iter_mut().find(|e| e.id == entry.id) {
                Some(existing) => *existing = entry.clone(),
                None => list.push(entry.clone()),
            }
            let over = list.len().saturating_sub(CHAT_CONTEXT_LIMIT);
            list.drain(..over);
        })
        .await
}

/// Takes message `id` out of the conversation.
pub(crate) async fn forget(session: &SessionRef, id: Uuid) -> Result<()> {
    session
        .sessions
        .modify(session, KEY, |entries: &mut Entries| {
            if let Some(list) = entries.as_mut() {
                list.retain(|e| e.id != id);
            }
        })
        .await
}

/// An edit of the user's message `id`: its text becomes `content` and every message after it
/// leaves the conversation (their ids are returned, to remove them from the tab too), as in
/// Chainlit. A message the conversation does not hold is added at the end.
pub(crate) async fn edit(session: &SessionRef, message: &Message) -> Result<Vec<Uuid>> {
    let entry = Entry::of(message);
    session
        .sessions
        .modify(session, KEY, |entries: &mut Entries| {
            let list = entries.get_or_insert_with(Vec::new);
            match list.iter().position(|e| e.id == entry.id) {
                Some(at) => {
                    let later: Vec<Uuid> = list.drain(at + 1..).map(|e| e.id).collect();
                    list[at].content = entry.content.clone();
                    later
                }
                None => {
                    list.push(entry.clone());
                    Vec::new()
                }
            }
        })
        .await
}

/// The conversation of the current session (Chainlit's `cl.chat_context`): the user's
/// messages, the app's and asks, in order, as they stand after updates, removals and edits
/// (an edit drops what came after the edited message). It keeps the last
/// [`CHAT_CONTEXT_LIMIT`] messages.
///
/// ```no_run
/// # use chainrs::prelude::*;
/// # async fn demo() -> chainrs::Result<()> {
/// let history = ChatContext::to_openai().await?; // [{"role": "user", "content": "…"}, …]
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ChatContext;

impl ChatContext {
    /// The conversation so far, oldest first.
    pub async fn get() -> Result<Vec<Message>> {
        let session = session_of("ChatContext::get")?;
        let (entries, _) = session.sessions.read::<Entries>(&session, KEY).await?;
        let thread = session.thread_id();
        Ok(entries
            .flatten()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.into_message(thread))
            .collect())
    }

    /// The conversation as OpenAI's chat messages: `{"role": "user" | "assistant" | "system",
    /// "content": …}`.
    pub async fn to_openai() -> Result<Vec<Value>> {
        Ok(Self::get()
            .await?
            .into_iter()
            .map(|m| {
                let role = match m.kind {
                    StepType::UserMessage => "user",
                    StepType::AssistantMessage => "assistant",
                    _ => "system",
                };
                json!({ "role": role, "content": m.content })
            })
            .collect())
    }

    /// Forgets the conversation (the tab still shows it).
    pub async fn clear() -> Result<()> {
        let session = session_of("ChatContext::clear")?;
        session
            .sessions
            .put(&session, KEY, &None::<Vec<Entry>>)
            .await
    }
}

fn session_of(api: &'static str) -> Result<SessionRef> {
    context::current()
        .map(|cx| cx.session)
        .ok_or(Error::NoContext { api })
}
