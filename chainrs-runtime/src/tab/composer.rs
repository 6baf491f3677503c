//! What the composer shows beside the text box: the commands and modes the app last set are
//! kept with the session, so a tab that joins a session whose chat began (a reload, a
//! reconnect on another instance) shows them again without the app running anything.

use super::Tab;
use crate::protocol::ServerEvent;

/// Shows the kept commands and modes in `tab`, if the app set any.
pub(super) async fn show(tab: &Tab) {
    let meta = tab.session.meta();
    if let Some(commands) = meta.commands {
        tab.emit(ServerEvent::SetCommands(commands)).await;
    }
    if let Some(modes) = meta.modes {
        tab.emit(ServerEvent::SetModes(modes)).await;
    }
}
