//! Every runtime path the generated code names, defined once.
//! They all live under `::chainrs::__private`, which the runtime keeps in one file.

use proc_macro2::TokenStream;
use quote::quote;

/// `::chainrs::__private`.
pub fn private() -> TokenStream {
    quote!(::chainrs::__private)
}

/// `::chainrs::SessionState`, the trait `#[derive(SessionState)]` implements.
pub fn session_state() -> TokenStream {
    quote!(::chainrs::SessionState)
}
