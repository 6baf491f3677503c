//! Questions a handler awaits the answer to: a text answer ([`AskUserMessage`]), a click on one
//! of several buttons ([`AskActionMessage`]) or uploaded files ([`AskFileMessage`]). Each gives
//! `None` when the user did not answer in time.

use std::time::Duration;

use serde_json::Value;

use super::{Action, Element, Message};
use crate::config::FileUpload;
use crate::context;
use crate::error::{Error, Result};
use crate::files::{FileAsk, asks};
use crate::protocol::{Accept, AskKind, AskSpec, ServerEvent, StepDict, StepType};

/// The builder methods every ask has: its timeout, its author, and its message.
macro_rules! ask_builder {
    ($($ask:ident),*) => {$(
        impl $ask {
            /// How long to wait for the answer.
            pub fn timeout(mut self, timeout: Duration) -> Self {
                self.timeout = timeout;
                self
            }

            /// The question's message, as it will be shown: keep a copy to
            /// [`update`](Message::update) or [`remove`](Message::remove) it once answered.
            pub fn message(&self) -> &Message {
                &self.message
            }

            /// Sets the author's display name.
            pub fn author(mut self, author: impl Into<String>) -> Self {
                self.message.author = author.into();
                self
            }
        }
    )*};
}

ask_builder!(AskUserMessage, AskActionMessage, AskFileMessage);

/// How long an ask waits by default (Chainlit's 60 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Asks the user a question and waits for their text answer.
///
/// ```no_run
/// # use chainrs::prelude::*;
/// # async fn demo() -> chainrs::Result<()> {
/// match AskUserMessage::new("What is your name?").send().await? {
///     Some(answer) => Message::new(format!("Hello {}", answer.content)).send().await?,
///     None => Message::new("No answer").send().await?,
/// };
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct AskUserMessage {
    message: Message,
    timeout: Duration,
}

impl AskUserMessage {
    /// A question with the default 60 s timeout.
    pub fn new(content: impl Into<String>) -> Self {
        AskUserMessage {
            message: Message::new(content),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Shows the question and waits; `None` when the user did not answer in time.
    pub async fn send(self) -> Result<Option<Message>> {
        let answer = ask(
            "AskUserMessage::send",
            self.message,
            self.timeout,
            AskKind::Text,
            Vec::new(),
            None,
        )
        .await?;
        let Some(answer) = answer else {
            return Ok(None);
        };
        let step: StepDict = match serde_json::from_value::<StepDict>(answer.clone()) {
            Ok(step) => step,
            Err(_) => {
                // Lenient with clients that answer only `{output}` or a bare string.
                let text = match &answer {
                    Value::String(s) => s.clone(),
                    Value::Object(o) => match o.get("output") {
                        Some(Value::String(s)) => s.clone(),
                        _ => return Err(bad_answer("a user message with an `output`")),
                    },
                    _ => return Err(bad_answer("a user message with an `output`")),
                };
                let mut step = Message::from_user(text).to_step();
                step.step_type = StepType::UserMessage;
                step
            }
        };
        let answer = Message::from_step(step);
        let cx = context::current().ok_or(Error::NoContext {
            api: "AskUserMessage::send",
        })?;
        super::chat_context::record(super::chat_context::of(&cx).as_ref(), &answer).await?;
        Ok(Some(answer))
    }
}

/// Asks the user to pick one of several actions and waits for the click.
#[derive(Clone, Debug)]
pub struct AskActionMessage {
    message: Message,
    actions: Vec<Action>,
    timeout: Duration,
}

impl AskActionMessage {
    /// A question answered by clicking one of `actions`, with the default 60 s timeout.
    pub fn new(content: impl Into<String>, actions: Vec<Action>) -> Self {
        AskActionMessage {
            message: Message::new(content),
            actions,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Shows the question with its buttons and waits; `None` when the user did not click in time.
    pub async fn send(self) -> Result<Option<Action>> {
        if self.actions.is_empty() {
            return Err(Error::BadRequest(
                "AskActionMessage needs at least one action to click".to_owned(),
            ));
        }
        let answer = ask(
            "AskActionMessage::send",
            self.message,
            self.timeout,
            AskKind::Action,
            self.actions.clone(),
            None,
        )
        .await?;
        for action in &self.actions {
            action.remove().await?;
        }
        let Some(answer) = answer else {
            return Ok(None);
        };
        let chosen: Action =
            serde_json::from_value(answer).map_err(|_| bad_answer("one of the offered actions"))?;
        self.actions
            .into_iter()
            .find(|a| a.id == chosen.id)
            .map(Some)
            .ok_or_else(|| bad_answer("one of the offered actions"))
    }
}

/// How long a file ask waits by default (Chainlit's 90 s).
const FILE_TIMEOUT: Duration = Duration::from_secs(90);

/// Asks the user to upload files and waits for them; they arrive as elements whose content
/// [`Element::read`] gives.
///
/// ```no_run
/// # use chainrs::prelude::*;
/// # async fn demo() -> chainrs::Result<()> {
/// let files = AskFileMessage::new("Upload a text file to begin", Accept::mime(["text/plain"]))
///     .max_size_mb(2)
///     .send()
///     .await?;
/// if let Some(file) = files.and_then(|f| f.into_iter().next()) {
///     let text = String::from_utf8_lossy(&file.read().await?).into_owned();
///     Message::new(format!("`{}` has {} characters", file.name(), text.len())).send().await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct AskFileMessage {
    message: Message,
    rules: FileUpload,
    timeout: Duration,
}

impl AskFileMessage {
    /// A question answered by uploading files that `accept` takes: one file of up to 2 MB,
    /// within 90 s, unless told otherwise (Chainlit's defaults).
    pub fn new(content: impl Into<String>, accept: Accept) -> Self {
        AskFileMessage {
            message: Message::new(content),
            rules: FileUpload::new().accept(accept).max_size_mb(2).max_files(1),
            timeout: FILE_TIMEOUT,
        }
    }

    /// The largest file it takes, in megabytes (MiB, as Chainlit counts them).
    pub fn max_size_mb(mut self, max_size_mb: u32) -> Self {
        self.rules = self.rules.max_size_mb(max_size_mb);
        self
    }

    /// How many files it takes.
    pub fn max_files(mut self, max_files: u32) -> Self {
        self.rules = self.rules.max_files(max_files);
        self
    }

    /// Shows the question with its upload button and waits; `None` when nothing was
    /// uploaded in time. Uploads are checked against the ask's types and sizes as they stream.
    pub async fn send(self) -> Result<Option<Vec<Element>>> {
        let api = "AskFileMessage::send";
        let max_files = self.rules.max_files as usize;
        let answer = ask(
            api,
            self.message,
            self.timeout,
            AskKind::File,
            Vec::new(),
            Some(self.rules),
        )
        .await?;
        let Some(answer) = answer else {
            return Ok(None);
        };
        #[derive(serde::Deserialize)]
        struct Reference {
            id: String,
        }
        let references: Vec<Reference> = serde_json::from_value(answer)
            .map_err(|_| bad_answer("a list of uploaded file ids"))?;
        let cx = context::current().ok_or(Error::NoContext { api })?;
        let mut files = Vec::with_capacity(references.len().min(max_files));
        for reference in references.into_iter().take(max_files) {
            let Ok(id) = uuid::Uuid::parse_str(&reference.id) else {
                continue;
            };
            // Only files of this session count: an id from elsewhere is no answer.
            if let Some(info) = cx
                .files
                .info(cx.session.id, id)
                .await
                .map_err(super::element::file_error)?
            {
                files.push(Element::from_file(&info));
            }
        }
        Ok((!files.is_empty()).then_some(files))
    }
}

fn bad_answer(expected: &str) -> Error {
    Error::BadRequest(format!(
        "the client answered the ask with something other than {expected}"
    ))
}

async fn ask(
    api: &'static str,
    message: Message,
    timeout: Duration,
    kind: AskKind,
    actions: Vec<Action>,
    files: Option<FileUpload>,
) -> Result<Option<Value>> {
    let cx = context::current().ok_or(Error::NoContext { api })?;
    let emitter = cx.chat.clone().ok_or(Error::NoChat { api })?;
    let mut message = message;
    message.thread_id = Some(cx.session.thread_id());
    message.parent_id = cx.parent_step;
    super::chat_context::record(super::chat_context::of(&cx).as_ref(), &message).await?;
    let mut msg = message.to_step();
    msg.wait_for_answer = true;
    let mut keys = Vec::with_capacity(actions.len());
    for mut action in actions {
        action.for_id = Some(msg.id);
        keys.push(action.id.clone());
        emitter.emit(ServerEvent::Action(action)).await?;
    }
    let mut spec = AskSpec::new(kind, msg.id, timeout.as_secs().max(1));
    spec.keys = keys;
    let step_id = msg.id;
    if let Some(rules) = &files {
        spec.accept = Some(rules.accept.clone());
        spec.max_size_mb = Some(rules.max_size_mb);
        spec.max_files = Some(rules.max_files);
        // Uploads answering the ask are judged by it, on whichever instance they land.
        asks::open(
            &cx.session,
            FileAsk {
                parent: msg.parent_id,
                step_id,
                rules: rules.clone(),
            },
        )
        .await?;
    }
    let answer = emitter.ask(ServerEvent::Ask { msg, spec }, timeout).await;
    if files.is_some()
        && let Err(err) = asks::close(&cx.session, step_id).await
    {
        tracing::warn!(target: "chainrs::files", parent: &cx.session.span, error = %err, "could not close the file ask");
    }
    let answer = answer?;
    // The page leaves its answering mode on `clear_ask` (or `ask_timeout`): without it, the
    // next message would go to the answered ask instead of `client_message`.
    match answer {
        Some(_) => emitter.emit(ServerEvent::ClearAsk).await?,
        None => emitter.emit(ServerEvent::AskTimeout).await?,
    }
    Ok(answer)
}
