//! The chat hooks' model: which hook, and the checks specific to hooks (no attribute
//! arguments, `#[on_message]` takes the incoming `Message`, no type injected twice).

use proc_macro2::TokenStream;

use crate::diagnostics::Errors;
use crate::signature::{self, HandlerFn};

/// The chat hooks.
#[derive(Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // named after the attributes
pub enum Hook {
    OnChatStart,
    OnMessage,
    OnChatEnd,
    OnStop,
}

impl Hook {
    /// The attribute's name, also the runtime's kind marker.
    pub fn attribute(self) -> &'static str {
        match self {
            Hook::OnChatStart => "on_chat_start",
            Hook::OnMessage => "on_message",
            Hook::OnChatEnd => "on_chat_end",
            Hook::OnStop => "on_stop",
        }
    }

    /// The runtime's `HookKind` variant.
    pub fn variant(self) -> &'static str {
        match self {
            Hook::OnChatStart => "OnChatStart",
            Hook::OnMessage => "OnMessage",
            Hook::OnChatEnd => "OnChatEnd",
            Hook::OnStop => "OnStop",
        }
    }
}

/// Parses and validates; every problem is reported at once.
pub fn parse(hook: Hook, args: &TokenStream, item: TokenStream) -> syn::Result<HandlerFn> {
    let attribute = hook.attribute();
    let mut errors = Errors::default();
    signature::check_no_args(attribute, args, &mut errors);
    let f = match signature::parse_item(attribute, item) {
        Ok(f) => f,
        Err(e) => return Err(errors.fail(e)),
    };
    signature::check_single_attribute(attribute, &f, &mut errors);
    signature::check_shape(attribute, &f, &mut errors);
    let params = f.params();
    signature::check_duplicates(attribute, &params, &mut errors);
    if hook == Hook::OnMessage
        && !params
            .iter()
            .any(|p| signature::last_segment(&p.ty).as_deref() == Some("Message"))
    {
        errors.push(
            f.sig.paren_token.span.join(),
            "#[on_message] handlers take the incoming message",
            format!("add a parameter `msg: Message` to `{}`", f.name()),
        );
    }
    errors.finish()?;
    Ok(f)
}
