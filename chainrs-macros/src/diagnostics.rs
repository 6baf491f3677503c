//! Collecting every problem before failing, each with a span and a `help` line naming the fix.

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

/// The errors as `compile_error!`s followed by the user's item, unchanged, so that
/// rust-analyzer and the rest of the crate still see the function.
pub fn with_item(error: syn::Error, item: TokenStream) -> TokenStream {
    let mut out = error.to_compile_error();
    out.extend(item);
    out
}
