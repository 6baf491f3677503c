//! The chat emitter, how a handler reaches its session's tab, and `ChatSink`, what it delivers
//! to: a tab's link, the relay to another instance's tab, the headless API's collector.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::protocol::ServerEvent;
use crate::session::SessionId;

/// The future a sink returns.
pub type SinkFuture<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// The future of [`ChatSink::ask`]: the client's answer, or `None` when it timed out.
pub type AskFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<Value>>> + Send + 'a>>;

/// Where a chat tab's events go: implemented by transports.
pub trait ChatSink: Send + Sync + 'static {
    /// Delivers one event. Events of one session must arrive in the order they were delivered.
    fn deliver(&self, event: ServerEvent) -> SinkFuture<'_>;

    /// Delivers an `ask` event (in order with the others) and waits up to `timeout` for the
    /// client's answer. Sinks that cannot wait for answers keep this default, which refuses.
    fn ask(&self, event: ServerEvent, timeout: Duration) -> AskFuture<'_> {
        let _ = (event, timeout);
        Box::pin(async {
            Err(Error::BadRequest(
                "this chat transport cannot wait for answers (ask)".to_owned(),
            ))
        })
    }
}

/// The chat tab of the current session: available in chat hooks and `#[endpoint(ws)]`.
#[derive(Clone)]
pub struct Emitter {
    session: SessionId,
    sink: Arc<dyn ChatSink>,
}

impl fmt::Debug for Emitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emitter")
            .field("session", &self.session)
            .finish()
    }
}

impl Emitter {
    pub(crate) fn new(session: SessionId, sink: Arc<dyn ChatSink>) -> Self {
        Emitter { session, sink }
    }

    /// The session whose tab this reaches.
    pub fn session_id(&self) -> SessionId {
        self.session
    }

    /// Sends one event to the tab.
    pub async fn emit(&self, event: ServerEvent) -> Result<()> {
        tracing::trace!(target: "chainrs::chat", event = event.name(), "emit");
        self.sink.deliver(event).await
    }

    /// Sends an `ask` and waits for the answer; `None` when it timed out.
    pub(crate) async fn ask(&self, event: ServerEvent, timeout: Duration) -> Result<Option<Value>> {
        tracing::trace!(target: "chainrs::chat", "ask");
        self.sink.ask(event, timeout).await
    }
}
