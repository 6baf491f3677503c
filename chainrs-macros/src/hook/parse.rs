//! The chat hooks' model: which hook, and the checks specific to hooks (no attribute
//! arguments, `#[on_message]` takes the incoming `Message`, no type injected twice).

use proc_macro2::TokenStream;
use syn::LitStr;
use syn::spanned::Spanned;

use crate::errors::Errors;
use crate::signature::{self, HandlerFn};

pub use crate::kinds::Hook;

/// A parsed hook: the function, and the action's name for `#[action_callback("name")]`.
pub struct ParsedHook {
    pub f: HandlerFn,
    pub action: Option<LitStr>,
}

/// Parses and validates; every problem is reported at once.
pub fn parse(hook: Hook, args: &TokenStream, item: TokenStream) -> syn::Result<ParsedHook> {
    let attribute = hook.attribute();
    let mut errors = Errors::default();
    let action = if hook == Hook::ActionCallback {
        action_name(args, &mut errors)
    } else {
        signature::check_no_args(attribute, args, &mut errors);
        None
    };
    let f = signature::parse_handler(attribute, item, &mut errors)?;
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
    Ok(ParsedHook { f, action })
}

/// The one argument of `#[action_callback("name")]`: a non-empty string literal.
fn action_name(args: &TokenStream, errors: &mut Errors) -> Option<LitStr> {
    const HELP: &str = "name the action it handles: `#[action_callback(\"approve\")]`, the `name` of the `Action`s it answers";
    if args.is_empty() {
        errors.push(
            proc_macro2::Span::call_site(),
            "#[action_callback] needs the name of the action it handles",
            HELP,
        );
        return None;
    }
    match syn::parse2::<LitStr>(args.clone()) {
        Ok(name) if name.value().trim().is_empty() => {
            errors.push(name.span(), "the action name is empty", HELP);
            None
        }
        Ok(name) => Some(name),
        Err(_) => {
            errors.push(
                args.span(),
                "#[action_callback] takes one string literal, the action's name",
                HELP,
            );
            None
        }
    }
}
