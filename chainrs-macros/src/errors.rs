//! Collecting every problem of one attribute use before failing, each with a span and a `help`
//! line naming the fix.

use proc_macro2::Span;

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

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> Result<(), syn::Error> {
        match self.errors {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
