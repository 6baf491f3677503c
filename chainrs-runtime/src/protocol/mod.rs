//! The wire shapes chainrs shares with Chainlit's web client (steps, server and client events,
//! the handshake), named as the observed protocol names them (camelCase, ISO-8601 UTC times).

mod accept;
mod action;
mod client_event;
mod client_message;
mod commands;
pub(crate) mod cookies;
mod element;
mod handshake;
mod profiles;
#[cfg(test)]
mod properties;
mod settings;
mod starters;
mod thread;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

pub use accept::Accept;
pub use action::Action;
pub(crate) use client_event::ClientEvent;
pub(crate) use client_message::{ClientMessage, MESSAGE_SHAPE};
pub use commands::{ChatCommand, ChatMode, ModeOption};
pub use element::{Display, ElementDict, ElementKind, ElementSize};
pub(crate) use handshake::{HANDSHAKE_SHAPE, Handshake};
pub use profiles::ChatProfile;
pub(crate) use profiles::kept_profile;
pub use settings::{InputWidget, SelectItem, WidgetKind};
pub use starters::{Starter, StarterCategory};
pub use thread::{FeedbackDict, Page, PageInfo, Pagination, ThreadDict, ThreadFilter};

/// The current time as Chainlit writes it: ISO-8601 UTC ending in `Z`.
pub fn now_iso() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// The kind of a step, as the client names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StepType {
    /// A message the user wrote.
    UserMessage,
    /// A message from the assistant.
    #[default]
    AssistantMessage,
    /// A system message.
    SystemMessage,
    /// A handler run (`on_message`, `on_chat_start`).
    Run,
    /// A tool call.
    Tool,
    /// An LLM call.
    Llm,
    /// An embedding call.
    Embedding,
    /// A retrieval.
    Retrieval,
    /// A re-ranking.
    Rerank,
    /// Anything else.
    Undefined,
}

/// A step or message as it travels on the wire (Chainlit's `StepDict`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepDict {
    /// The step's id.
    pub id: Uuid,
    /// The thread it belongs to.
    #[serde(default)]
    pub thread_id: Option<Uuid>,
    /// The parent step, if nested.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// Display name (author of a message, name of a run).
    #[serde(default)]
    pub name: String,
    /// The kind of step.
    #[serde(rename = "type", default)]
    pub step_type: StepType,
    /// Input text.
    #[serde(default)]
    pub input: String,
    /// Output text (a message's content).
    #[serde(default)]
    pub output: String,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Start time.
    #[serde(default)]
    pub start: Option<String>,
    /// End time.
    #[serde(default)]
    pub end: Option<String>,
    /// Whether tokens are still streaming into it.
    #[serde(default)]
    pub streaming: bool,
    /// Whether it reports an error.
    #[serde(default)]
    pub is_error: bool,
    /// Whether it waits for the user's answer (`ask`).
    #[serde(default)]
    pub wait_for_answer: bool,
    /// Free-form metadata.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Language of the output, for code highlighting.
    #[serde(default)]
    pub language: Option<String>,
    /// Whether the client shows it expanded.
    #[serde(default)]
    pub default_open: bool,
    /// Whether the client collapses it when done.
    #[serde(default)]
    pub auto_collapse: bool,
    /// How the client shows the input (`"json"`, `true`, `false`).
    #[serde(default = "show_input_default")]
    pub show_input: Value,
    /// LLM generation details.
    #[serde(default)]
    pub generation: Option<Value>,
    /// The command the user chose, if any.
    #[serde(default)]
    pub command: Option<String>,
    /// Modes the user chose, if any.
    #[serde(default)]
    pub modes: Option<Value>,
    /// The user's feedback on it (in a stored thread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<FeedbackDict>,
}

fn show_input_default() -> Value {
    json!("json")
}

impl StepDict {
    /// A new step of the given type and name, created now.
    pub fn new(step_type: StepType, name: impl Into<String>) -> Self {
        let now = now_iso();
        StepDict {
            id: Uuid::new_v4(),
            thread_id: None,
            parent_id: None,
            name: name.into(),
            step_type,
            input: String::new(),
            output: String::new(),
            created_at: Some(now.clone()),
            start: Some(now),
            end: None,
            streaming: false,
            is_error: false,
            wait_for_answer: false,
            metadata: Map::new(),
            tags: None,
            language: None,
            default_open: false,
            auto_collapse: false,
            show_input: show_input_default(),
            generation: None,
            command: None,
            modes: None,
            feedback: None,
        }
    }
}

/// A token appended to a streaming step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamToken {
    /// The step the token belongs to.
    pub id: Uuid,
    /// The text.
    pub token: String,
    /// `true` when the token replaces the whole output instead of extending it.
    pub is_sequence: bool,
    /// `true` when the token belongs to the step's input.
    pub is_input: bool,
}

/// What an `ask` waits for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AskSpec {
    /// `text`, `action` or `file`.
    #[serde(rename = "type")]
    pub kind: AskKind,
    /// The id of the question's message.
    pub step_id: Uuid,
    /// Seconds the server waits.
    pub timeout: u64,
    /// For action asks: the ids of the actions that answer it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    /// For file asks: the files it takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<Accept>,
    /// For file asks: the largest file, in MB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size_mb: Option<u32>,
    /// For file asks: how many files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_files: Option<u32>,
}

impl AskSpec {
    /// A spec of `kind` for the message `step_id`, waited on `timeout` seconds.
    pub fn new(kind: AskKind, step_id: Uuid, timeout: u64) -> Self {
        AskSpec {
            kind,
            step_id,
            timeout,
            keys: Vec::new(),
            accept: None,
            max_size_mb: None,
            max_files: None,
        }
    }
}

/// The kinds of answer an `ask` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AskKind {
    /// A text message.
    Text,
    /// A click on one of the message's actions.
    Action,
    /// Uploaded files (answered with their ids).
    File,
}

/// The kinds of toast the client shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ToastKind {
    /// Neutral information.
    #[default]
    Info,
    /// Something worked.
    Success,
    /// Something needs attention.
    Warning,
    /// Something failed.
    Error,
}

/// An event the server sends to a chat tab.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// `new_message`: a step or message appears.
    NewMessage(StepDict),
    /// `update_message`: a step or message changes.
    UpdateMessage(StepDict),
    /// `delete_message`: a step or message goes away.
    DeleteMessage(StepDict),
    /// `stream_start`: a message starts streaming.
    StreamStart(StepDict),
    /// `stream_token`: a token of a streaming message.
    StreamToken(StreamToken),
    /// `task_start`: a handler started (the client shows it busy).
    TaskStart,
    /// `task_end`: the handler finished.
    TaskEnd,
    /// `first_interaction`: the first user message of the session.
    FirstInteraction {
        /// The message text.
        interaction: String,
        /// The session's thread.
        thread_id: Uuid,
    },
    /// `ask` (sent with an ack): a question the handler awaits the answer to.
    Ask {
        /// The question, as a message waiting for an answer.
        msg: StepDict,
        /// What kind of answer, for which step, within how long.
        spec: AskSpec,
    },
    /// `ask_timeout`: the pending ask expired.
    AskTimeout,
    /// `clear_ask`: forget any pending ask.
    ClearAsk,
    /// `clear_call_fn`: forget any pending client function call.
    ClearCallFn,
    /// `toast`: a transient notification.
    Toast {
        /// The text.
        message: String,
        /// Its kind.
        kind: ToastKind,
    },
    /// `window_message`: a message for the page's parent window.
    WindowMessage(Value),
    /// `action`: a button under a message.
    Action(Action),
    /// `remove_action`: removes a button.
    RemoveAction(Action),
    /// `element`: an element appears or changes (upserted by id).
    Element(ElementDict),
    /// `remove_element`: an element goes away.
    RemoveElement {
        /// The element's id.
        id: Uuid,
    },
    /// `set_sidebar_title`: the element side panel's title.
    SetSidebarTitle(String),
    /// `set_sidebar_elements`: the elements of the side panel (none closes it).
    SetSidebarElements {
        /// The elements.
        elements: Vec<ElementDict>,
        /// A name for this set of elements.
        key: Option<String>,
    },
    /// `resume_thread`: the whole past thread the session continues, for the tab to show.
    ResumeThread(Box<ThreadDict>),
    /// `resume_thread_error`: the thread the tab named cannot be resumed (a fresh chat starts).
    ResumeThreadError(String),
    /// `chat_settings`: the inputs of the settings panel, each showing its current value.
    ChatSettings(Vec<InputWidget>),
    /// `set_commands`: the commands of the composer.
    SetCommands(Vec<ChatCommand>),
    /// `set_modes`: the mode pickers of the composer.
    SetModes(Vec<ChatMode>),
    /// `error`: a client event was refused (chainrs's own event; Chainlit stays silent).
    Error {
        /// What was wrong and what to do.
        message: String,
        /// The client event it answers.
        event: String,
    },
    /// Any other event, by name.
    Custom {
        /// The event name.
        name: String,
        /// Its payload.
        payload: Value,
    },
}

impl ServerEvent {
    /// The Socket.IO event name.
    pub fn name(&self) -> &str {
        match self {
            ServerEvent::NewMessage(_) => "new_message",
            ServerEvent::UpdateMessage(_) => "update_message",
            ServerEvent::DeleteMessage(_) => "delete_message",
            ServerEvent::StreamStart(_) => "stream_start",
            ServerEvent::StreamToken(_) => "stream_token",
            ServerEvent::TaskStart => "task_start",
            ServerEvent::TaskEnd => "task_end",
            ServerEvent::FirstInteraction { .. } => "first_interaction",
            ServerEvent::Ask { .. } => "ask",
            ServerEvent::AskTimeout => "ask_timeout",
            ServerEvent::ClearAsk => "clear_ask",
            ServerEvent::ClearCallFn => "clear_call_fn",
            ServerEvent::Toast { .. } => "toast",
            ServerEvent::WindowMessage(_) => "window_message",
            ServerEvent::Action(_) => "action",
            ServerEvent::RemoveAction(_) => "remove_action",
            ServerEvent::Element(_) => "element",
            ServerEvent::RemoveElement { .. } => "remove_element",
            ServerEvent::SetSidebarTitle(_) => "set_sidebar_title",
            ServerEvent::SetSidebarElements { .. } => "set_sidebar_elements",
            ServerEvent::ResumeThread(_) => "resume_thread",
            ServerEvent::ResumeThreadError(_) => "resume_thread_error",
            ServerEvent::ChatSettings(_) => "chat_settings",
            ServerEvent::SetCommands(_) => "set_commands",
            ServerEvent::SetModes(_) => "set_modes",
            ServerEvent::Error { .. } => "error",
            ServerEvent::Custom { name, .. } => name,
        }
    }

    /// The event's JSON payload.
    pub fn payload(&self) -> Value {
        serde_json::to_value(Payload(self)).unwrap_or(Value::Null)
    }
}

/// The steps and messages as they stand after `events`: in order of first appearance, with
/// updates applied, streamed tokens appended and removed ones left out.
pub fn final_steps<'a>(events: impl IntoIterator<Item = &'a ServerEvent>) -> Vec<StepDict> {
    let mut order = Vec::new();
    let mut steps: std::collections::HashMap<Uuid, StepDict> = Default::default();
    for event in events {
        match event {
            ServerEvent::NewMessage(s)
            | ServerEvent::UpdateMessage(s)
            | ServerEvent::StreamStart(s) => {
                let replaced = steps.insert(s.id, s.clone());
                order.extend(replaced.is_none().then_some(s.id));
            }
            ServerEvent::StreamToken(t) => {
                if let Some(step) = steps.get_mut(&t.id) {
                    if t.is_sequence {
                        step.output.clear();
                    }
                    step.output.push_str(&t.token);
                }
            }
            ServerEvent::DeleteMessage(s) => {
                steps.remove(&s.id);
            }
            _ => {}
        }
    }
    order
        .into_iter()
        .filter_map(|id| steps.remove(&id))
        .collect()
}

/// An event's payload, serialized straight from the event (no intermediate JSON value).
#[derive(Clone, Copy)]
pub struct Payload<'a>(pub &'a ServerEvent);

impl Serialize for Payload<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let entries = |s: S, pairs: &[(&str, &dyn erased::Field)]| {
            let mut map = s.serialize_map(Some(pairs.len()))?;
            for (key, value) in pairs {
                map.serialize_entry(key, &erased::Entry(*value))?;
            }
            map.end()
        };
        match self.0 {
            ServerEvent::NewMessage(step)
            | ServerEvent::UpdateMessage(step)
            | ServerEvent::DeleteMessage(step)
            | ServerEvent::StreamStart(step) => step.serialize(s),
            ServerEvent::StreamToken(token) => token.serialize(s),
            ServerEvent::TaskStart
            | ServerEvent::TaskEnd
            | ServerEvent::AskTimeout
            | ServerEvent::ClearAsk
            | ServerEvent::ClearCallFn => s.serialize_map(Some(0))?.end(),
            ServerEvent::FirstInteraction {
                interaction,
                thread_id,
            } => entries(s, &[("interaction", interaction), ("thread_id", thread_id)]),
            ServerEvent::Ask { msg, spec } => entries(s, &[("msg", msg), ("spec", spec)]),
            ServerEvent::Toast { message, kind } => {
                entries(s, &[("message", message), ("type", kind)])
            }
            ServerEvent::WindowMessage(value) => value.serialize(s),
            ServerEvent::Action(action) | ServerEvent::RemoveAction(action) => action.serialize(s),
            ServerEvent::Element(element) => element.serialize(s),
            ServerEvent::RemoveElement { id } => entries(s, &[("id", id)]),
            ServerEvent::SetSidebarTitle(title) | ServerEvent::ResumeThreadError(title) => {
                title.serialize(s)
            }
            ServerEvent::ResumeThread(thread) => thread.serialize(s),
            ServerEvent::ChatSettings(inputs) => inputs.serialize(s),
            ServerEvent::SetCommands(commands) => commands.serialize(s),
            ServerEvent::SetModes(modes) => modes.serialize(s),
            ServerEvent::SetSidebarElements { elements, key } => {
                entries(s, &[("elements", elements), ("key", key)])
            }
            ServerEvent::Error { message, event } => {
                entries(s, &[("message", message), ("event", event)])
            }
            ServerEvent::Custom { payload, .. } => payload.serialize(s),
        }
    }
}

/// Map entries of different types behind one reference type.
mod erased {
    use serde::Serialize;

    pub(super) trait Field {
        fn to_json(&self) -> serde_json::Result<serde_json::Value>;
    }

    impl<T: Serialize> Field for T {
        fn to_json(&self) -> serde_json::Result<serde_json::Value> {
            serde_json::to_value(self)
        }
    }

    pub(super) struct Entry<'a>(pub(super) &'a dyn Field);

    impl Serialize for Entry<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0
                .to_json()
                .map_err(serde::ser::Error::custom)?
                .serialize(s)
        }
    }
}
