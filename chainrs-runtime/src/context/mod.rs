//! The ambient context of a handler run (session, chat tab, files, shared values), a tokio task-local
//! that generated wrappers bind and `chainrs::spawn` carries into spawned tasks.

mod emitter;
mod state_map;

use std::future::Future;
use std::sync::Arc;

use tokio::task::JoinHandle;
use tracing::Instrument;
use uuid::Uuid;

use crate::files::FileStore;
use crate::session::SessionRef;

pub use emitter::{AskFuture, ChatSink, Emitter, SinkFuture};
pub(crate) use state_map::StateMap;

/// Which kind of context a handler runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextKind {
    /// A chat hook, inside a chat tab (WebSocket context).
    Chat,
    /// An `#[endpoint(http)]` or an auth route.
    Http,
    /// An `#[endpoint(ws)]`: an HTTP request run inside a live chat tab.
    WsEndpoint,
}

/// What a handler run can reach: its session, its chat tab (if any), the app's shared values.
#[derive(Clone)]
pub(crate) struct Context {
    pub(crate) kind: ContextKind,
    pub(crate) session: SessionRef,
    pub(crate) state: Arc<StateMap>,
    pub(crate) chat: Option<Emitter>,
    /// Where the session's files are (uploads, element content).
    pub(crate) files: Arc<dyn FileStore>,
    /// Whether the session's conversation is kept (`App::chat_context`).
    pub(crate) chat_context: bool,
    /// The step new messages nest under (the `on_message` run step).
    pub(crate) parent_step: Option<Uuid>,
}

tokio::task_local! {
    static CONTEXT: Context;
}

impl Context {
    /// Runs `fut` with this context bound, inside the session's span.
    pub(crate) fn scope<F: Future>(self, fut: F) -> impl Future<Output = F::Output> {
        let span = self.session.span.clone();
        CONTEXT.scope(self, fut).instrument(span)
    }
}

/// The context of the running handler, if any.
pub(crate) fn current() -> Option<Context> {
    CONTEXT.try_with(Clone::clone).ok()
}

/// Which kind of context the calling code runs in, or `None` outside any chainrs handler.
pub fn current_kind() -> Option<ContextKind> {
    CONTEXT.try_with(|cx| cx.kind).ok()
}

/// Spawns a task that keeps the current handler's context (session, chat tab), so
/// `Message::send` and `UserSession` work inside it. Outside a handler it is `tokio::spawn`.
pub fn spawn<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match current() {
        Some(cx) => tokio::spawn(cx.scope(fut)),
        None => tokio::spawn(fut),
    }
}
