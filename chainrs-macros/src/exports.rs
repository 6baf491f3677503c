//! Every runtime path the generated code names, defined once.
//! They all live under `::chainrs::__private`, which the runtime keeps in one file.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

/// `::chainrs::__private`.
pub fn private() -> TokenStream {
    quote!(::chainrs::__private)
}

/// `::chainrs::__private`, its tokens spanned at `span` (so that an error about a call through
/// it is reported there and not at the attribute).
pub fn private_at(span: Span) -> TokenStream {
    quote_spanned!(span=> ::chainrs::__private)
}

/// `::chainrs::SessionState`, the trait `#[derive(SessionState)]` implements.
pub fn session_state() -> TokenStream {
    quote!(::chainrs::SessionState)
}

/// `::chainrs::ChatSettings`, the trait `#[derive(ChatSettings)]` implements.
pub fn chat_settings() -> TokenStream {
    quote!(::chainrs::ChatSettings)
}
