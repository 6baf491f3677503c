//! The one list of chat hooks with a slot of their own (`#[on_chat_start]` … `#[on_disconnect]`),
//! from which `HookKind` and the kind markers are generated.

/// Calls the macro `$then` with the chat hooks, one `Variant attribute` pair per line. Adding a
/// hook is one line here (and one in the macro crate's table).
macro_rules! hook_table {
    ($then:ident) => {
        $then! {
            OnChatStart on_chat_start,
            OnMessage on_message,
            OnChatEnd on_chat_end,
            OnChatResume on_chat_resume,
            OnFeedback on_feedback,
            OnStop on_stop,
            OnSettingsUpdate on_settings_update,
            OnSettingsEdit on_settings_edit,
            OnWindowMessage on_window_message,
            OnDisconnect on_disconnect,
        }
    };
}
