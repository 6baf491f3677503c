//! The chat hooks an app registered: one slot per hook kind (generated from the hook table) and
//! the action callbacks by name.

use std::collections::BTreeMap;

use futures_util::future::BoxFuture;

use crate::chat::ChatCall;
use crate::error::Result;
use crate::registered::Registered;

macro_rules! define_hook_kind {
    ($($variant:ident $attribute:ident,)*) => {
        /// The chat hooks, each registered at most once.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(clippy::enum_variant_names)] // named after the attributes
        pub enum HookKind {
            $(
                #[doc = concat!("`#[", stringify!($attribute), "]`.")]
                $variant,
            )*
        }

        impl HookKind {
            /// Every hook kind, in the table's order.
            pub const ALL: &'static [HookKind] = &[$(HookKind::$variant),*];

            /// How many there are.
            const COUNT: usize = Self::ALL.len();

            /// The attribute's name.
            pub fn name(self) -> &'static str {
                match self {
                    $(HookKind::$variant => stringify!($attribute),)*
                }
            }
        }
    };
}

hook_table!(define_hook_kind);

pub(crate) type ChatHookFn = fn(ChatCall) -> BoxFuture<'static, Result<()>>;

/// The registered chat hooks and action callbacks.
#[derive(Default)]
pub(crate) struct Hooks {
    slots: [Option<Registered<ChatHookFn>>; HookKind::COUNT],
    actions: BTreeMap<&'static str, Registered<ChatHookFn>>,
}

impl Hooks {
    /// The hook of `kind`, if registered.
    pub(crate) fn get(&self, kind: HookKind) -> Option<&Registered<ChatHookFn>> {
        self.slots[kind as usize].as_ref()
    }

    /// The slot of `kind`, for the registry to fill once.
    pub(crate) fn slot(&mut self, kind: HookKind) -> &mut Option<Registered<ChatHookFn>> {
        &mut self.slots[kind as usize]
    }

    /// The callback of the action named `name`, if registered.
    pub(crate) fn action(&self, name: &str) -> Option<&Registered<ChatHookFn>> {
        self.actions.get(name)
    }

    /// The action callbacks by name, for the registry to fill.
    pub(crate) fn actions_mut(&mut self) -> &mut BTreeMap<&'static str, Registered<ChatHookFn>> {
        &mut self.actions
    }
}
