//! The file asks a session waits on (`AskFileMessage`), kept in the session store so that an
//! upload reaching any instance is judged by the ask it answers: its accepted types and sizes.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::FileUpload;
use crate::error::Result;
use crate::session::SessionRef;

/// The session key of the open file asks.
const KEY: &str = "chainrs:file_asks";

/// An open file ask: the message it was asked under and what it takes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileAsk {
    /// The step the ask's message nests under (the web client uploads with it as
    /// `ask_parent_id`; none for an ask outside a run).
    pub(crate) parent: Option<Uuid>,
    /// The ask's message.
    pub(crate) step_id: Uuid,
    /// What it accepts.
    pub(crate) rules: FileUpload,
}

/// Records an open ask.
pub(crate) async fn open(session: &SessionRef, ask: FileAsk) -> Result<()> {
    session
        .sessions
        .modify(session, KEY, |asks: &mut Option<Vec<FileAsk>>| {
            let asks = asks.get_or_insert_with(Vec::new);
            asks.retain(|a| a.step_id != ask.step_id);
            asks.push(ask.clone());
        })
        .await
}

/// Forgets the ask of message `step_id` (answered, timed out or abandoned).
pub(crate) async fn close(session: &SessionRef, step_id: Uuid) -> Result<()> {
    session
        .sessions
        .modify(session, KEY, |asks: &mut Option<Vec<FileAsk>>| {
            if let Some(list) = asks.as_mut() {
                list.retain(|a| a.step_id != step_id);
                if list.is_empty() {
                    *asks = None;
                }
            }
        })
        .await
}

/// The open ask an upload naming `parent` answers (the latest one, when several are open).
pub(crate) async fn find(session: &SessionRef, parent: Option<Uuid>) -> Result<Option<FileAsk>> {
    // Written as `null` once the last ask closed.
    let (asks, _) = session
        .sessions
        .read::<Option<Vec<FileAsk>>>(session, KEY)
        .await?;
    Ok(asks
        .flatten()
        .unwrap_or_default()
        .into_iter()
        .rev()
        .find(|a| a.parent == parent))
}
