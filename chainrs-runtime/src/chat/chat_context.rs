//! The conversation so far (Chainlit's `cl.chat_context`): every message of the session, the
//! user's and the app's, in order, kept in the session store so every instance sees the same.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Message;
use crate::context::{self, Context};
use crate::error::{Error, Result};
use crate::protocol::{StepDict, StepType};
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

    fn of_step(step: &StepDict) -> Self {
        Entry {
            id: step.id,
            kind: step.step_type,
            author: step.name.clone(),
            content: step.output.clone(),
            created_at: step.created_at.clone().unwrap_or_default(),
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
pub(super) fn is_conversation(kind: StepType) -> bool {
    matches!(
        kind,
        StepType::UserMessage | StepType::AssistantMessage | StepType::SystemMessage
    )
}

/// The conversation as stored: a JSON array of entries, oldest first, changed as text. Adding a
/// message (by far the most frequent change) appends to the text without decoding the rest.
/// Entries are written with their `id` first, and an unescaped `"` never occurs inside a JSON
/// string, so `{"id":"` marks the start of an entry and nothing else.
#[derive(Clone, Debug, Default, PartialEq)]
struct Log(String);

/// Where each entry starts.
const ENTRY_START: &str = "{\"id\":\"";

impl Log {
    fn read(text: Option<&str>) -> Self {
        match text {
            Some(text) if text.starts_with('[') => Log(text.to_owned()),
            _ => Log("[]".to_owned()),
        }
    }

    fn of(entries: &[Entry]) -> Self {
        Log(serde_json::to_string(entries).unwrap_or_else(|_| "[]".to_owned()))
    }

    /// Whether message `id` is in it.
    fn contains(&self, id: Uuid) -> bool {
        self.0.contains(&format!("{ENTRY_START}{id}\""))
    }

    fn push(&mut self, entry: &Entry) {
        let Ok(json) = serde_json::to_string(entry) else {
            return;
        };
        self.0.pop(); // the closing `]`
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(&json);
        self.0.push(']');
    }

    fn entries(&self) -> Vec<Entry> {
        serde_json::from_str(&self.0).unwrap_or_default()
    }

    /// Keeps the last `limit` entries.
    fn trim(&mut self, limit: usize) {
        // An entry takes at least this much text: a shorter log cannot hold too many.
        const SMALLEST_ENTRY: usize = 90;
        if self.0.len() < limit.saturating_mul(SMALLEST_ENTRY) {
            return;
        }
        if limit == 0 {
            self.0 = "[]".to_owned();
            return;
        }
        // The `limit`-th entry from the end is the first kept, when one more comes before it.
        let mut from_end = self.0.rmatch_indices(ENTRY_START);
        let Some((first_kept, _)) = from_end.nth(limit - 1) else {
            return;
        };
        if from_end.next().is_some() {
            self.0.replace_range(..first_kept, "[");
        }
    }
}

/// The store entry of the conversation a resumed session starts with: the messages of its
/// thread's `steps` (the last [`CHAT_CONTEXT_LIMIT`]).
pub(crate) fn seed(steps: &[StepDict]) -> (String, String) {
    let entries: Vec<Entry> = steps
        .iter()
        .filter(|s| is_conversation(s.step_type))
        .map(Entry::of_step)
        .collect();
    let kept = entries.len().saturating_sub(CHAT_CONTEXT_LIMIT);
    (KEY.to_owned(), Log::of(&entries[kept..]).0)
}

/// The session whose conversation a handler's messages join, when the app keeps it.
pub(crate) fn of(cx: &Context) -> Option<SessionRef> {
    cx.chat_context.then(|| cx.session.clone())
}

/// Adds `message` at the end, or changes it in place when it is there already (nothing when
/// the app keeps no conversation: `session` is none).
pub(crate) async fn record(session: Option<&SessionRef>, message: &Message) -> Result<()> {
    let Some(session) = session else {
        return Ok(());
    };
    if !is_conversation(message.kind) {
        return Ok(());
    }
    let entry = Entry::of(message);
    session
        .sessions
        .modify_text(session, KEY, |text| {
            let mut log = Log::read(text);
            if log.contains(entry.id) {
                let mut entries = log.entries();
                for existing in entries.iter_mut().filter(|e| e.id == entry.id) {
                    *existing = entry.clone();
                }
                log = Log::of(&entries);
            } else {
                log.push(&entry);
                log.trim(CHAT_CONTEXT_LIMIT);
            }
            (log.0, ())
        })
        .await
}

/// Takes message `id` out of the conversation.
pub(crate) async fn forget(session: Option<&SessionRef>, id: Uuid) -> Result<()> {
    let Some(session) = session else {
        return Ok(());
    };
    session
        .sessions
        .modify_text(session, KEY, |text| {
            let log = Log::read(text);
            if !log.contains(id) {
                return (log.0, ());
            }
            let mut entries = log.entries();
            entries.retain(|e| e.id != id);
            (Log::of(&entries).0, ())
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
        .modify_text(session, KEY, |text| {
            let mut entries = Log::read(text).entries();
            let later = match entries.iter().position(|e| e.id == entry.id) {
                Some(at) => {
                    let later: Vec<Uuid> = entries.drain(at + 1..).map(|e| e.id).collect();
                    entries[at].content = entry.content.clone();
                    later
                }
                None => {
                    entries.push(entry.clone());
                    Vec::new()
                }
            };
            (Log::of(&entries).0, later)
        })
        .await
}

/// The conversation of the current session (Chainlit's `cl.chat_context`): the user's
/// messages, the app's and asks, in order, as they stand after updates, removals and edits
/// (an edit drops what came after the edited message). It keeps the last
/// [`CHAT_CONTEXT_LIMIT`] messages, when the app asks for it with
/// [`App::chat_context`](crate::App::chat_context) (otherwise these calls say so).
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
        let (entries, _) = session.sessions.read::<Vec<Entry>>(&session, KEY).await?;
        let thread = session.thread_id();
        Ok(entries
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
            .put(&session, KEY, &Vec::<Entry>::new())
            .await
    }
}

fn session_of(api: &'static str) -> Result<SessionRef> {
    let cx = context::current().ok_or(Error::NoContext { api })?;
    of(&cx).ok_or_else(|| {
        Error::Config(format!(
            "{api}: this app keeps no conversation; call App::chat_context() when building it"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u128) -> Entry {
        Entry {
            id: Uuid::from_u128(n),
            kind: StepType::UserMessage,
            author: "User".to_owned(),
            content: format!("message {n} with \"quotes\"\nand a line break"),
            created_at: "2026-01-01T00:00:00Z".to_owned(),
        }
    }

    #[test]
    fn the_smallest_entry_is_not_smaller_than_the_trim_assumes() {
        let smallest = Entry {
            id: Uuid::nil(),
            kind: StepType::Run,
            author: String::new(),
            content: String::new(),
            created_at: String::new(),
        };
        assert!(serde_json::to_string(&smallest).expect("json").len() >= 90);
    }

    #[test]
    fn the_log_appends_finds_and_trims_as_text() {
        let mut log = Log::read(None);
        for n in 1..=5 {
            log.push(&entry(n));
        }
        assert!(log.contains(Uuid::from_u128(3)));
        assert!(!log.contains(Uuid::from_u128(9)));
        assert_eq!(log.entries(), (1..=5).map(entry).collect::<Vec<_>>());
        assert_eq!(
            log,
            Log::of(&log.entries()),
            "the same text as encoding it whole"
        );
        log.trim(2);
        assert_eq!(log.entries(), vec![entry(4), entry(5)]);
        assert!(!log.contains(Uuid::from_u128(3)));
        log.trim(2);
        assert_eq!(log.entries().len(), 2);
        log.trim(0);
        assert!(log.entries().is_empty());
        // What a cleared or never-written conversation holds reads as empty.
        assert!(Log::read(Some("null")).entries().is_empty());
        assert!(Log::read(Some("[]")).entries().is_empty());
    }
}
