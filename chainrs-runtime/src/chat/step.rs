//! `Step`: a visible unit of work inside a reply (a tool call, an LLM call), shown collapsed
//! under the message it belongs to. Steps nest: a step started inside another is its child.

use std::fmt;
use std::future::Future;

use crate::context::{self, Context, Emitter};
use crate::error::{Error, Result};
use crate::protocol::{ServerEvent, StepDict, StepType, StreamToken, now_iso};

/// A step to show in the chat: build it, then [`run`](Step::run) a future inside it or
/// [`start`](Step::start) it and [`finish`](ActiveStep::finish) it yourself.
///
/// ```no_run
/// # use chainrs::prelude::*;
/// # async fn demo() -> chainrs::Result<()> {
/// let hits = Step::tool("search")
///     .input("rust web frameworks")
///     .run(async { Ok::<_, chainrs::Error>(3) })
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Step {
    dict: StepDict,
}

impl Step {
    /// A step of any type.
    pub fn new(name: impl Into<String>, kind: StepType) -> Self {
        Step {
            dict: StepDict::new(kind, name),
        }
    }

    /// A tool call.
    pub fn tool(name: impl Into<String>) -> Self {
        Self::new(name, StepType::Tool)
    }

    /// An LLM call.
    pub fn llm(name: impl Into<String>) -> Self {
        Self::new(name, StepType::Llm)
    }

    /// Sets what the step was given.
    pub fn input(mut self, input: impl Into<String>) -> Self {
        self.dict.input = input.into();
        self
    }

    /// Shows the step expanded instead of collapsed.
    pub fn open(mut self) -> Self {
        self.dict.default_open = true;
        self
    }

    /// Shows the step (`new_message`), nested under the running hook's step or the enclosing step.
    pub async fn start(mut self) -> Result<ActiveStep> {
        let cx = context::current().ok_or(Error::NoContext { api: "Step::start" })?;
        let emitter = cx
            .chat
            .clone()
            .ok_or(Error::NoChat { api: "Step::start" })?;
        self.dict.thread_id = Some(cx.session.thread_id());
        self.dict.parent_id = cx.parent_step;
        let now = now_iso();
        self.dict.created_at = Some(now.clone());
        self.dict.start = Some(now);
        emitter
            .emit(ServerEvent::NewMessage(self.dict.clone()))
            .await?;
        Ok(ActiveStep {
            dict: self.dict,
            emitter,
            context: cx,
            streaming: false,
        })
    }

    /// Runs `work` inside the step (steps it starts nest under this one); the step's output is
    /// the result's text, or the error's, marked as an error.
    pub async fn run<T, F>(self, work: F) -> Result<T>
    where
        F: Future<Output = Result<T>>,
        T: fmt::Display,
    {
        let step = self.start().await?;
        let outcome = step.within(work).await;
        match &outcome {
            Ok(value) => step.finish(value.to_string()).await?,
            Err(err) => step.fail(err.to_string()).await?,
        };
        outcome
    }
}

/// A step on screen: running until [`finish`](Self::finish)ed, and still changeable or
/// removable after that through the handle `finish` gives back.
#[derive(Clone)]
pub struct ActiveStep {
    dict: StepDict,
    emitter: Emitter,
    context: Context,
    /// Tokens were streamed into the output (`stream_start` was sent).
    streaming: bool,
}

impl fmt::Debug for ActiveStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActiveStep")
            .field("id", &self.dict.id)
            .field("name", &self.dict.name)
            .finish()
    }
}

impl ActiveStep {
    /// The step's id.
    pub fn id(&self) -> uuid::Uuid {
        self.dict.id
    }

    /// Runs `fut` with this step as the parent of the steps and messages it creates.
    pub async fn within<F: Future>(&self, fut: F) -> F::Output {
        let mut cx = self.context.clone();
        cx.parent_step = Some(self.dict.id);
        cx.scope(fut).await
    }

    /// The output so far.
    pub fn output(&self) -> &str {
        &self.dict.output
    }

    /// Appends a token to the output, shown as it comes (the first one opens the stream).
    pub async fn stream_token(&mut self, token: impl AsRef<str>) -> Result<()> {
        self.stream(token.as_ref(), false).await
    }

    /// Replaces the whole output so far with `text`, streamed (Chainlit's `is_sequence`): for
    /// sources that resend their complete text each time.
    pub async fn replace_output(&mut self, text: impl AsRef<str>) -> Result<()> {
        self.stream(text.as_ref(), true).await
    }

    async fn stream(&mut self, token: &str, is_sequence: bool) -> Result<()> {
        if is_sequence {
            self.dict.output.clear();
        }
        self.dict.output.push_str(token);
        if !self.streaming {
            self.streaming = true;
            let mut step = self.dict.clone();
            step.streaming = true;
            return self.emitter.emit(ServerEvent::StreamStart(step)).await;
        }
        self.emitter
            .emit(ServerEvent::StreamToken(StreamToken {
                id: self.dict.id,
                token: token.to_owned(),
                is_sequence,
                is_input: false,
            }))
            .await
    }

    /// Ends the step with `output`. The handle it returns can still [`update`](Self::update)
    /// or [`remove`](Self::remove) the step.
    pub async fn finish(mut self, output: impl Into<String>) -> Result<ActiveStep> {
        self.dict.output = output.into();
        self.end().await
    }

    /// Ends the step with the output it has (what was streamed into it).
    pub async fn end(mut self) -> Result<ActiveStep> {
        self.dict.end = Some(now_iso());
        self.dict.streaming = false;
        self.streaming = false;
        self.emitter
            .emit(ServerEvent::UpdateMessage(self.dict.clone()))
            .await?;
        Ok(self)
    }

    /// Ends the step as failed, with the error's text as output.
    pub async fn fail(mut self, error: impl Into<String>) -> Result<ActiveStep> {
        self.dict.is_error = true;
        self.finish(error).await
    }

    /// Changes the output of the step, running or finished, and shows it.
    pub async fn update(&mut self, output: impl Into<String>) -> Result<()> {
        self.dict.output = output.into();
        self.emitter
            .emit(ServerEvent::UpdateMessage(self.dict.clone()))
            .await
    }

    /// Removes the step (and what the client nests under it) from the chat.
    pub async fn remove(self) -> Result<()> {
        self.emitter
            .emit(ServerEvent::DeleteMessage(self.dict))
            .await
    }
}
