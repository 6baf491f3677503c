//! The chat emitter: how a handler reaches the chat tab of its session.
//! Transports (the Socket.IO server, the test client) implement `ChatSink`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::error::Result;
use crate::protocol::ServerEvent;
use crate::session::SessionId;

/// The future a sink returns.
pub type SinkFuture<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// Where a chat tab's events go: implemented by transports.
pub trait ChatSink: Send + Sync + 'static {
    /// Delivers one event. Events of one session must arrive in the order they were delivered.
    fn deliver(&self, event: ServerEvent) -> SinkFuture<'_>;
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
}
