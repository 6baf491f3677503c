//! `Message`: the incoming user message of `#[on_message]`, and what handlers send back.
//! Sending uses the ambient context, so it reaches the tab of the running handler's session.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Action, Element, chat_context};
use crate::context::{self, Emitter};
use crate::error::{Error, Result};
use crate::protocol::{ServerEvent, StepDict, StepType, StreamToken, now_iso};
use crate::session::SessionRef;

/// A chat message: the user's (injected into `#[on_message]`) or one a handler sends.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// The message id.
    pub id: Uuid,
    /// The text.
    pub content: String,
    /// Who wrote it (`Assistant` by default, `User` for incoming messages).
    pub author: String,
    /// User, assistant or system message.
    pub kind: StepType,
    /// The step it nests under.
    pub parent_id: Option<Uuid>,
    /// The thread it belongs to (set when sent).
    pub thread_id: Option<Uuid>,
    /// Creation time, ISO-8601 UTC.
    pub created_at: String,
    /// Whether it reports an error.
    pub is_error: bool,
    /// Free-form metadata.
    pub metadata: Map<String, Value>,
    /// Buttons shown under the message.
    pub actions: Vec<Action>,
    /// Elements shown with the message: those a handler attaches, or the files the user
    /// attached to an incoming message (read them with [`Element::read`]).
    pub elements: Vec<Element>,
    /// On an incoming message, the command the user picked in the composer (its id; see
    /// [`set_commands`](crate::set_commands)). It is what the client sent: check it against
    /// the commands the chat offers.
    pub command: Option<String>,
    /// On an incoming message, the option chosen in each mode picker of the composer: mode id to
    /// option id (see [`set_modes`](crate::set_modes)).
    pub modes: std::collections::BTreeMap<String, String>,
}

impl Message {
    /// An assistant message with this text.
    pub fn new(content: impl Into<String>) -> Self {
        Message {
            id: Uuid::new_v4(),
            content: content.into(),
            author: "Assistant".to_owned(),
            kind: StepType::AssistantMessage,
            parent_id: None,
            thread_id: None,
            created_at: now_iso(),
            is_error: false,
            metadata: Map::new(),
            actions: Vec::new(),
            elements: Vec::new(),
            command: None,
            modes: Default::default(),
        }
    }

    /// A message the user wrote (what a client sends as `client_message`).
    pub fn from_user(content: impl Into<String>) -> Self {
        Message {
            author: "User".to_owned(),
            kind: StepType::UserMessage,
            ..Message::new(content)
        }
    }

    /// With the command the user picked (as the composer sends it; for tests of an app).
    pub fn with_command(mut self, command: impl Into<String>) -> Self {
        self.command = Some(command.into());
        self
    }

    /// With an option chosen in a mode picker (as the composer sends it; for tests of an app).
    pub fn with_mode(mut self, mode: impl Into<String>, option: impl Into<String>) -> Self {
        self.modes.insert(mode.into(), option.into());
        self
    }

    /// Sets the author's display name.
    pub fn with_author(mut self, author: impl Into<String>) -> Self {
        self.author = author.into();
        self
    }

    /// Adds a button under the message; a click runs the `#[action_callback]` of its name.
    pub fn with_action(mut self, action: Action) -> Self {
        self.actions.push(action);
        self
    }

    /// Adds an element (an image, a file, a text…) shown with the message; its content is
    /// stored in the session's files when the message is sent.
    pub fn with_element(mut self, element: Element) -> Self {
        self.elements.push(element);
        self
    }

    /// The message as a wire StepDict.
    pub fn to_step(&self) -> StepDict {
        let mut step = StepDict::new(self.kind, self.author.clone());
        step.id = self.id;
        step.output = self.content.clone();
        step.parent_id = self.parent_id;
        step.thread_id = self.thread_id;
        step.created_at = Some(self.created_at.clone());
        step.start = Some(self.created_at.clone());
        step.end = Some(self.created_at.clone());
        step.is_error = self.is_error;
        step.metadata = self.metadata.clone();
        step
    }

    /// A message from a wire StepDict (its `output` is the content).
    pub fn from_step(step: StepDict) -> Self {
        Message {
            id: step.id,
            content: step.output,
            author: step.name,
            kind: step.step_type,
            parent_id: step.parent_id,
            thread_id: step.thread_id,
            created_at: step.created_at.unwrap_or_else(now_iso),
            is_error: step.is_error,
            metadata: step.metadata,
            actions: Vec::new(),
            elements: Vec::new(),
            command: None,
            modes: Default::default(),
        }
    }

    /// Fills thread and parent from the context, then returns the tab to send to and the
    /// session whose conversation the message joins (when the app keeps one).
    fn bind(&mut self, api: &'static str) -> Result<(Emitter, Option<SessionRef>)> {
        let cx = context::current().ok_or(Error::NoContext { api })?;
        let emitter = cx.chat.clone().ok_or(Error::NoChat { api })?;
        self.thread_id.get_or_insert(cx.session.thread_id());
        if self.parent_id.is_none() {
            self.parent_id = cx.parent_step;
        }
        Ok((emitter, chat_context::of(&cx)))
    }

    /// Sends the message to the current session's chat tab and returns it (with its thread set).
    ///
    /// Works in chat hooks and `#[endpoint(ws)]`; elsewhere it returns an error that says why.
    pub async fn send(mut self) -> Result<Message> {
        let (emitter, session) = self.bind("Message::send")?;
        emitter
            .emit(ServerEvent::NewMessage(self.to_step()))
            .await?;
        chat_context::record(session.as_ref(), &self).await?;
        for action in &mut self.actions {
            action.for_id = Some(self.id);
            emitter.emit(ServerEvent::Action(action.clone())).await?;
        }
        let elements = std::mem::take(&mut self.elements);
        for element in elements {
            self.elements.push(element.send(Some(self.id)).await?);
        }
        Ok(self)
    }

    /// Shows the message's new content in the tab (after changing `content`).
    pub async fn update(&mut self) -> Result<()> {
        let (emitter, session) = self.bind("Message::update")?;
        emitter
            .emit(ServerEvent::UpdateMessage(self.to_step()))
            .await?;
        chat_context::record(session.as_ref(), self).await
    }

    /// Removes the message's buttons from the tab (its `actions`, as sent).
    pub async fn remove_actions(&mut self) -> Result<()> {
        let (emitter, _) = self.bind("Message::remove_actions")?;
        for action in std::mem::take(&mut self.actions) {
            emitter.emit(ServerEvent::RemoveAction(action)).await?;
        }
        Ok(())
    }

    /// Removes the message from the tab.
    pub async fn remove(mut self) -> Result<()> {
        let (emitter, session) = self.bind("Message::remove")?;
        emitter
            .emit(ServerEvent::DeleteMessage(self.to_step()))
            .await?;
        chat_context::forget(session.as_ref(), self.id).await
    }

    /// Starts streaming this message token by token; call [`MessageStream::finish`] at the end.
    pub async fn stream(mut self) -> Result<MessageStream> {
        let (emitter, session) = self.bind("Message::stream")?;
        Ok(MessageStream {
            message: self,
            emitter,
            session,
            started: false,
        })
    }
}

/// A message being streamed: `token` appends, `finish` sends the final message.
#[derive(Debug)]
pub struct MessageStream {
    message: Message,
    emitter: Emitter,
    /// The conversation the message joins, when the app keeps one.
    session: Option<SessionRef>,
    started: bool,
}

impl MessageStream {
    /// Appends a token. The first one opens the stream (`stream_start`), later ones are `stream_token`s.
    pub async fn token(&mut self, token: impl AsRef<str>) -> Result<()> {
        let token = token.as_ref();
        if token.is_empty() {
            return Ok(());
        }
        self.message.content.push_str(token);
        if !self.started {
            self.started = true;
            let mut step = self.message.to_step();
            step.streaming = true;
            step.end = None;
            return self.emitter.emit(ServerEvent::StreamStart(step)).await;
        }
        self.emitter
            .emit(ServerEvent::StreamToken(StreamToken {
                id: self.message.id,
                token: token.to_owned(),
                is_sequence: false,
                is_input: false,
            }))
            .await
    }

    /// Replaces the whole text streamed so far with `text` (Chainlit's `is_sequence` token):
    /// for sources that resend their complete text each time.
    pub async fn replace(&mut self, text: impl AsRef<str>) -> Result<()> {
        let text = text.as_ref();
        if !self.started {
            self.message.content.clear();
            return self.token(text).await;
        }
        self.message.content = text.to_owned();
        self.emitter
            .emit(ServerEvent::StreamToken(StreamToken {
                id: self.message.id,
                token: text.to_owned(),
                is_sequence: true,
                is_input: false,
            }))
            .await
    }

    /// The text streamed so far.
    pub fn content(&self) -> &str {
        &self.message.content
    }

    /// Ends the stream: sends the complete message and returns it.
    pub async fn finish(mut self) -> Result<Message> {
        self.emitter
            .emit(ServerEvent::NewMessage(self.message.to_step()))
            .await?;
        chat_context::record(self.session.as_ref(), &self.message).await?;
        let elements = std::mem::take(&mut self.message.elements);
        for element in elements {
            let sent = element.send(Some(self.message.id)).await?;
            self.message.elements.push(sent);
        }
        Ok(self.message)
    }
}
