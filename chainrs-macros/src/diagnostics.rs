//! The fallback expansion that keeps the user's item when an attribute use is wrong, so the
//! only errors are the ones that name the mistake.

use proc_macro2::{Span, TokenStream};

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
    match crate::signature::parse_item(kind, item.clone()) {
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
