//! Questions a handler awaits the answer to: a text answer ([`AskUserMessage`]) or a click on
//! one of several buttons ([`AskActionMessage`]). Both give `None` when the user did not answer in time.

use std::time::Duration;

use serde_json::Value;

use super::{Action, Message};
use crate::context;
use crate::error::{Error, Result};
use crate::protocol::{AskKind, AskSpec, ServerEvent, StepDict, StepType};

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
    content: String,
    author: String,
    timeout: Duration,
}

impl AskUserMessage {
    /// A question with the default 60 s timeout.
    pub fn new(content: impl Into<String>) -> Self {
        AskUserMessage {
            content: content.into(),
            author: "Assistant".to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// How long to wait for the answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Shows the question and waits; `None` when the user did not answer in time.
    pub async fn send(self) -> Result<Option<Message>> {
        let answer = ask(
            "AskUserMessage::send",
            self.content,
            self.author,
            self.timeout,
            AskKind::Text,
            Vec::new(),
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
        Ok(Some(Message::from_step(step)))
    }
}

/// Asks the user to pick one of several actions and waits for the click.
#[derive(Clone, Debug)]
pub struct AskActionMessage {
    content: String,
    author: String,
    actions: Vec<Action>,
    timeout: Duration,
}

impl AskActionMessage {
    /// A question answered by clicking one of `actions`, with the default 60 s timeout.
    pub fn new(content: impl Into<String>, actions: Vec<Action>) -> Self {
        AskActionMessage {
            content: content.into(),
            author: "Assistant".to_owned(),
            actions,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// How long to wait for the click.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
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
            self.content,
            self.author,
            self.timeout,
            AskKind::Action,
            self.actions.clone(),
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

fn bad_answer(expected: &str) -> Error {
    Error::BadRequest(format!(
        "the client answered the ask with something other than {expected}"
    ))
}

async fn ask(
    api: &'static str,
    content: String,
    author: String,
    timeout: Duration,
    kind: AskKind,
    actions: Vec<Action>,
) -> Result<Option<Value>> {
    let cx = context::current().ok_or(Error::NoContext { api })?;
    let emitter = cx.chat.clone().ok_or(Error::NoChat { api })?;
    let mut message = Message::new(content).with_author(author);
    message.thread_id = Some(cx.session.thread_id());
    message.parent_id = cx.parent_step;
    let mut msg = message.to_step();
    msg.wait_for_answer = true;
    let mut keys = Vec::with_capacity(actions.len());
    for mut action in actions {
        action.for_id = Some(msg.id);
        keys.push(action.id);
        emitter.emit(ServerEvent::Action(action)).await?;
    }
    let spec = AskSpec {
        kind,
        step_id: msg.id,
        timeout: timeout.as_secs().max(1),
        keys,
    };
    let answer = emitter.ask(ServerEvent::Ask { msg, spec }, timeout).await?;
    if answer.is_none() {
        emitter.emit(ServerEvent::AskTimeout).await?;
    }
    Ok(answer)
}
