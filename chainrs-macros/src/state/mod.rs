//! `#[derive(SessionState)]`: gives a session state type its stable store key, written by the
//! app (`#[session(key = "chat")]`) or, by default, the type's own name.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::errors::Errors;

/// The characters a key may hold: it is part of a store key, so no spaces or quotes.
fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/')
}

/// Expands the derive, or reports every problem with the input at once.
pub fn expand(item: TokenStream) -> TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(item) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    match parse(&input) {
        Ok(key) => {
            let name = &input.ident;
            let p = crate::exports::session_state();
            quote! {
                impl #p for #name {
                    const KEY: &'static str = #key;
                }
            }
        }
        Err(e) => e.to_compile_error(),
    }
}

/// The key: the `#[session(key = "...")]` value, else the type's name.
fn parse(input: &syn::DeriveInput) -> Result<String, syn::Error> {
    let mut errors = Errors::default();
    if !input.generics.params.is_empty() {
        // The key names one stored shape; `Pair<A>` and `Pair<B>` would share it.
        errors.push_spanned(
            &input.generics,
            "a session state type cannot be generic",
            "its key names one stored shape: declare a concrete type for each use (`struct Chat(Pair<String>);`)",
        );
    }
    let mut key: Option<(String, Span)> = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("session")) {
        let parsed = attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident("key") {
                return Err(meta.error(
                    "unknown `session` argument\n\n= help: the only argument is `key`: `#[session(key = \"chat\")]`",
                ));
            }
            let lit: syn::LitStr = meta.value()?.parse()?;
            if key.is_some() {
                return Err(syn::Error::new(
                    lit.span(),
                    "the key is given twice\n\n= help: keep one `key = \"...\"`",
                ));
            }
            key = Some((lit.value(), lit.span()));
            Ok(())
        });
        if let Err(e) = parsed {
            errors.add(e);
        }
    }
    let key = match key {
        Some((key, span)) => {
            if key.is_empty() || !key.chars().all(key_char) {
                errors.push(
                    span,
                    format!("`{key}` is not a valid session key"),
                    "a key is one or more ASCII letters, digits, `_`, `-`, `.`, `:` or `/`, such as \"chat\" or \"agent.v2\"",
                );
            }
            key
        }
        None => input.ident.to_string(),
    };
    errors.finish().map(|()| key)
}
