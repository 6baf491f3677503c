//! The attribute kinds of the DSL, one table each: the chat hooks (kept in step with the
//! runtime's `hook_table`) and the auth callbacks. Everything that lists attributes reads these.

/// Calls the macro `$then` with the chat hooks, each with its docs, its `Hook` variant, its
/// attribute and the runtime's `HookKind` variant that registers it (the runtime keeps the same
/// list in its `hook_table`). Adding a hook is one entry here.
macro_rules! hook_table {
    ($then:ident) => {
        $then! {
            /// Runs once per chat session, when its tab first connects.
            ///
            /// Takes any of `UserSession<S>`, `Session`, `User`, `Option<User>`, `Local<T>`,
            /// `State<T>`, `Emitter`; returns `()` or `Result<(), E>`.
            OnChatStart on_chat_start => OnChatStart,
            /// Runs for each message the user sends; takes the incoming `Message` plus what
            /// `#[on_chat_start]` takes.
            OnMessage on_message => OnMessage,
            /// Runs when a chat session ends (cleared by the client or expired).
            OnChatEnd on_chat_end => OnChatEnd,
            /// Runs when a user comes back to a past thread (with a data layer): takes the
            /// `Thread`, shown in the tab already, with the session's `UserSession` values back,
            /// plus what `#[on_chat_start]` takes; `#[on_chat_start]` does not run then.
            OnChatResume on_chat_resume => OnChatResume,
            /// Runs when the user rates a reply (`PUT /feedback`, with a data layer), once the
            /// rating is stored: takes the `Feedback`, plus what `#[on_chat_start]` takes, in the
            /// session's chat tab.
            OnFeedback on_feedback => OnFeedback,
            /// Runs when the user presses stop, after the running hook was cancelled.
            OnStop on_stop => OnStop,
            /// Runs when the user submits the chat settings, once the new values are checked
            /// and stored: `Settings<T>` holds them (as in every hook); takes what
            /// `#[on_chat_start]` takes. Values that do not fit `T` are refused before it runs.
            OnSettingsUpdate on_settings_update => OnSettingsUpdate,
            /// Runs as the user edits the chat settings, before submitting them: takes
            /// `SettingsDraft<T>` (the values being edited) plus what `#[on_chat_start]` takes.
            OnSettingsEdit on_settings_edit => OnSettingsEdit,
            /// Runs when the page that embeds the chat posts a message (`window_message`);
            /// takes `WindowMessage` plus what `#[on_chat_start]` takes.
            OnWindowMessage on_window_message => OnWindowMessage,
            /// Runs when a chat tab's connection drops (the session stays, for
            /// `session_timeout`, and a reconnect restores it); `#[on_chat_end]` runs when the
            /// session itself ends. Takes what `#[on_chat_start]` takes; what it sends is
            /// delivered if the tab comes back.
            OnDisconnect on_disconnect => OnDisconnect,
            /// Runs when the user clicks an action button of this name:
            /// `#[action_callback("approve")]`. Takes the clicked `Action` plus what
            /// `#[on_chat_start]` takes, and runs in the chat tab. (Registered by name, not in
            /// a hook slot.)
            ActionCallback action_callback => ActionCallback,
        }
    };
}

macro_rules! define_hooks {
    ($($(#[$doc:meta])* $variant:ident $attribute:ident => $runtime:ident,)*) => {
        /// The chat hooks.
        #[derive(Clone, Copy, PartialEq, Eq)]
        #[allow(clippy::enum_variant_names)] // named after the attributes
        pub enum Hook {
            $($(#[$doc])* $variant,)*
        }

        impl Hook {
            /// Every chat hook.
            pub const ALL: &'static [Hook] = &[$(Hook::$variant,)*];

            /// The attribute's name, also the runtime's kind marker.
            pub fn attribute(self) -> &'static str {
                match self {
                    $(Hook::$variant => stringify!($attribute),)*
                }
            }

            /// The runtime's `HookKind` variant.
            pub fn variant(self) -> &'static str {
                match self {
                    $(Hook::$variant => stringify!($runtime),)*
                }
            }
        }
    };
}

hook_table!(define_hooks);

/// The login callbacks, the logout hook, the shared-thread check, the chat profiles and the
/// starters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    Password,
    Header,
    Logout,
    SharedThreadView,
    ChatProfiles,
    Starters,
    StarterCategories,
}

impl Callback {
    /// Every auth callback.
    pub const ALL: &'static [Callback] = &[
        Callback::Password,
        Callback::Header,
        Callback::Logout,
        Callback::SharedThreadView,
        Callback::ChatProfiles,
        Callback::Starters,
        Callback::StarterCategories,
    ];

    /// The attribute's name.
    pub fn attribute(self) -> &'static str {
        match self {
            Callback::Password => "password_auth_callback",
            Callback::Header => "header_auth_callback",
            Callback::Logout => "on_logout",
            Callback::SharedThreadView => "on_shared_thread_view",
            Callback::ChatProfiles => "set_chat_profiles",
            Callback::Starters => "set_starters",
            Callback::StarterCategories => "set_starter_categories",
        }
    }

    /// The parameter types the runtime passes, in order.
    pub fn expected(self) -> &'static str {
        match self {
            Callback::Password => "(username: String, password: String)",
            Callback::Header => "(headers: HeaderMap)",
            Callback::Logout => "(user: User)",
            Callback::SharedThreadView => "(thread: Thread, viewer: Option<User>)",
            Callback::ChatProfiles | Callback::Starters => "(user: Option<User>)",
            Callback::StarterCategories => "(user: Option<User>, profile: Option<ChatProfile>)",
        }
    }

    pub fn arity(self) -> usize {
        match self {
            Callback::Password | Callback::SharedThreadView | Callback::StarterCategories => 2,
            Callback::Header | Callback::Logout | Callback::ChatProfiles | Callback::Starters => 1,
        }
    }

    /// What the function returns, for the help line.
    pub fn returns(self) -> &'static str {
        match self {
            Callback::Password | Callback::Header => " -> Option<User>",
            Callback::Logout => "",
            Callback::SharedThreadView => " -> bool",
            Callback::ChatProfiles => " -> Vec<ChatProfile>",
            Callback::Starters => " -> Vec<Starter>",
            Callback::StarterCategories => " -> Vec<StarterCategory>",
        }
    }
}
