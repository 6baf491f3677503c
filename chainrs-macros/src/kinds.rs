//! The attribute kinds of the DSL, one table each: the chat hooks (kept in step with the
//! runtime's `hook_table`) and the auth callbacks. Everything that lists attributes reads these.

/// The chat hooks, one line each: the variant, the attribute, and the runtime's `HookKind`
/// variant that registers it (the runtime keeps the same list in its `hook_table`).
macro_rules! hooks {
    ($($variant:ident $attribute:literal => $runtime:literal,)*) => {
        /// The chat hooks.
        #[derive(Clone, Copy, PartialEq, Eq)]
        #[allow(clippy::enum_variant_names)] // named after the attributes
        pub enum Hook {
            $($variant,)*
        }

        impl Hook {
            /// Every chat hook.
            pub const ALL: &'static [Hook] = &[$(Hook::$variant,)*];

            /// The attribute's name, also the runtime's kind marker.
            pub fn attribute(self) -> &'static str {
                match self {
                    $(Hook::$variant => $attribute,)*
                }
            }

            /// The runtime's `HookKind` variant.
            pub fn variant(self) -> &'static str {
                match self {
                    $(Hook::$variant => $runtime,)*
                }
            }
        }
    };
}

hooks! {
    OnChatStart "on_chat_start" => "OnChatStart",
    OnMessage "on_message" => "OnMessage",
    OnChatEnd "on_chat_end" => "OnChatEnd",
    OnStop "on_stop" => "OnStop",
    OnSettingsUpdate "on_settings_update" => "OnSettingsUpdate",
    OnWindowMessage "on_window_message" => "OnWindowMessage",
    OnDisconnect "on_disconnect" => "OnDisconnect",
    // Action callbacks are registered by name, not in a hook slot.
    ActionCallback "action_callback" => "OnMessage",
}

/// The login callbacks and the logout hook.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    Password,
    Header,
    Logout,
}

impl Callback {
    /// Every auth callback.
    pub const ALL: &'static [Callback] = &[Callback::Password, Callback::Header, Callback::Logout];

    /// The attribute's name.
    pub fn attribute(self) -> &'static str {
        match self {
            Callback::Password => "password_auth_callback",
            Callback::Header => "header_auth_callback",
            Callback::Logout => "on_logout",
        }
    }

    /// The parameter types the runtime passes, in order.
    pub fn expected(self) -> &'static str {
        match self {
            Callback::Password => "(username: String, password: String)",
            Callback::Header => "(headers: HeaderMap)",
            Callback::Logout => "(user: User)",
        }
    }

    pub fn arity(self) -> usize {
        match self {
            Callback::Password => 2,
            Callback::Header | Callback::Logout => 1,
        }
    }

    /// What the function returns, for the help line.
    pub fn returns(self) -> &'static str {
        match self {
            Callback::Password | Callback::Header => " -> Option<User>",
            Callback::Logout => "",
        }
    }
}
