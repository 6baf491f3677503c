//! `Step`: a visible unit of work inside a reply (a tool call, an LLM call), shown collapsed
//! under the message it belongs to. Steps nest: a step started inside another is its child.

use std::fmt;
use std::future::Future;

use crate::context::{self, Context, Emitter};
use crate::error::{Error, Result};
use crate::protocol::{ServerEvent, StepDict, StepType, now_iso};

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
        }
        outcome
    }
}

/// A step on screen, not yet finished.
#[derive(Clone)]
pub struct ActiveStep {
    dict: StepDict,
    emitter: Emitter,
    context: Context,
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

    /// Ends the step with its output.
    pub async fn finish(mut self, output: impl Into<String>) -> Result<()> {
        self.dict.output = output.into();
        self.dict.end = Some(now_iso());
        self.emitter
            .emit(ServerEvent::UpdateMessage(self.dict))
            .await
    }

    /// Ends the step as failed, with the error's text as output.
    pub async fn fail(mut self, error: impl Into<String>) -> Result<()> {
        self.dict.is_error = true;
        self.finish(error).await
    }
}
