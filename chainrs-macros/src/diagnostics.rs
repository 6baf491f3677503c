//! Collecting every problem before failing, each with a span and a `help` line naming the fix,
//! and the fallback expansion that keeps the user's item when an attribute use is wrong.

use proc_macro2::{Span, TokenStream};

/// All problems found in one attribute use.
#[derive(Default)]
pub struct Errors {
    errors: Option<syn::Error>,
}

impl Errors {
    /// Records a problem at `span`, with a help line that says what to do.
    pub fn push(
        &mut self,
        span: Span,
        message: impl std::fmt::Display,
        help: impl std::fmt::Display,
    ) {
        self.add(syn::Error::new(
            span,
            format!("{message}\n\n= help: {help}"),
        ));
    }

    /// Records a problem spanning all of `tokens` (not only their first token).
    pub fn push_spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
        help: impl std::fmt::Display,
    ) {
        self.add(syn::Error::new_spanned(
            tokens,
            format!("{message}\n\n= help: {help}"),
        ));
    }

    /// Records a problem that needs no help line (syn's own parse errors).
    pub fn add(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(all) => all.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// All recorded problems plus `last`, which ended parsing early.
    pub fn fail(self, last: syn::Error) -> syn::Error {
        match self.errors {
            Some(mut all) => {
                all.combine(last);
                all
            }
            None => last,
        }
    }

    /// How many problems were recorded.
    pub fn count(&self) -> usize {
        self.errors
            .as_ref()
            .map_or(0, |e| e.clone().into_iter().count())
    }

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> Result<(), syn::Error> {
        match self.errors {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The errors as `compile_error!`s followed by the item as close to the intended expansion as
/// possible: the value `name` with its `call` fn and inert handler impls when the item is a
/// function (so `App::register(name)` raises no second, contradictory error), else the item
/// unchanged. rust-analyzer and the rest of the crate keep seeing the function.
///
/// Other chainrs attributes on the function are dropped, so a doubled attribute gives one
/// error and not a second expansion inside `impl name`. A method (it takes `self`) sits in an
/// `impl` block, which cannot hold the unit struct and its impls: it is emitted alone.
pub fn with_item(error: syn::Error, item: TokenStream, kind: &str) -> TokenStream {
    let mut out = error.to_compile_error();
    match syn::parse2::<crate::signature::HandlerFn>(item.clone()) {
        Ok(mut f) => {
            f.attrs
                .retain(|attr| crate::signature::ours(attr).is_none());
            if f.sig.receiver().is_some() {
                let crate::signature::HandlerFn {
                    attrs,
                    vis,
                    sig,
                    body,
                } = f;
                out.extend(quote::quote! { #(#attrs)* #vis #sig #body });
                return out;
            }
            let kind = proc_macro2::Ident::new(kind, Span::call_site());
            out.extend(crate::handler::items(
                &f,
                &kind,
                quote::quote!(let _ = registry;),
            ));
        }
        Err(_) => out.extend(item),
    }
    out
}
