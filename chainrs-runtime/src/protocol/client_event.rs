//! The events Chainlit's web client emits on the socket, named once: the transport registers
//! and lists them (in its "unknown event" answer) from this one table.

/// One client event chainrs handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientEvent {
    /// The client is ready: the tab starts (`on_chat_start` once per session).
    ConnectionSuccessful,
    /// The user sent a message.
    ClientMessage,
    /// The user edited a message: `on_message` runs again.
    EditMessage,
    /// The stop button.
    Stop,
    /// New chat: the session ends.
    ClearSession,
    /// The chat settings changed.
    ChatSettingsChange,
    /// The user is editing the chat settings (not submitted yet).
    ChatSettingsEdit,
    /// The embedding page posted a message.
    WindowMessage,
    /// The client asks for its favourite messages (a data layer feature).
    FetchFavorites,
}

impl ClientEvent {
    /// Every event, in the order the docs list them.
    pub(crate) const ALL: [ClientEvent; 9] = [
        ClientEvent::ConnectionSuccessful,
        ClientEvent::ClientMessage,
        ClientEvent::EditMessage,
        ClientEvent::Stop,
        ClientEvent::ClearSession,
        ClientEvent::ChatSettingsChange,
        ClientEvent::ChatSettingsEdit,
        ClientEvent::WindowMessage,
        ClientEvent::FetchFavorites,
    ];

    /// The event's name on the wire.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ClientEvent::ConnectionSuccessful => "connection_successful",
            ClientEvent::ClientMessage => "client_message",
            ClientEvent::EditMessage => "edit_message",
            ClientEvent::Stop => "stop",
            ClientEvent::ClearSession => "clear_session",
            ClientEvent::ChatSettingsChange => "chat_settings_change",
            ClientEvent::ChatSettingsEdit => "chat_settings_edit",
            ClientEvent::WindowMessage => "window_message",
            ClientEvent::FetchFavorites => "fetch_favorites",
        }
    }

    /// The handled names as a sentence: "a, b and c".
    pub(crate) fn listed() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|e| e.name()).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => names.concat(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_has_its_own_name() {
        let mut names: Vec<&str> = ClientEvent::ALL.iter().map(|e| e.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ClientEvent::ALL.len());
    }

    #[test]
    fn the_list_names_every_event() {
        let listed = ClientEvent::listed();
        assert!(listed.starts_with("connection_successful, client_message, "));
        assert!(listed.ends_with("window_message and fetch_favorites"));
    }
}
