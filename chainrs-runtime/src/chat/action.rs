//! Actions: buttons shown under a message. A click runs the app's `#[action_callback("name")]`
//! in the session's chat context, or answers an [`AskActionMessage`](super::AskActionMessage).

use crate::context;
use crate::error::{Error, Result};
pub use crate::protocol::Action;
use crate::protocol::ServerEvent;

impl Action {
    /// Removes the button from the chat tab.
    pub async fn remove(&self) -> Result<()> {
        let cx = context::current().ok_or(Error::NoContext {
            api: "Action::remove",
        })?;
        let chat = cx.chat.ok_or(Error::NoChat {
            api: "Action::remove",
        })?;
        chat.emit(ServerEvent::RemoveAction(self.clone())).await
    }
}
