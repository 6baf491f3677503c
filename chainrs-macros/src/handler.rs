//! The items every attribute generates around the user's function: a unit value named like
//! the function, the function itself as `name::call`, and the `Handler` impls.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};

use crate::exports::{private, private_at};
use crate::signature::HandlerFn;

/// `body` as the boxed `Send` future the runtime stores, spanned at the handler's name: a
/// handler whose future is not `Send` (a value held across `.await`) gets one error there.
pub fn send_future(f: &HandlerFn, body: TokenStream) -> TokenStream {
    let span = f.name().span();
    let p = private_at(span);
    quote_spanned! {span=> #p::send_future(async move { #body }) }
}

/// Registers the session state keys of `f`'s `UserSession<S>` parameters, so that two types
/// with one key are reported when the app is built. Part of the `install` body.
pub fn state_keys(f: &HandlerFn) -> TokenStream {
    let p = private();
    let name = f.name();
    let probes = f.params().into_iter().map(|param| {
        let ty = param.ty;
        quote! { (&#p::StateProbe::<#ty>::new()).state_key() }
    });
    quote! {
        {
            #[allow(unused_imports)]
            use #p::{ProbeOther as _, ProbeState as _};
            registry.state_keys(
                #p::HandlerInfo { name: stringify!(#name), defined_at: #p::concat!(#p::file!(), ":", #p::line!()) },
                &[#(#probes),*],
            );
        }
    }
}

/// `struct name;`, `impl name { fn call }`, `impl Handler`, `impl HandlerOf<kind>`.
/// `register` is the body of `Handler::install` (it uses `registry`).
pub fn items(f: &HandlerFn, kind: &Ident, register: TokenStream) -> TokenStream {
    let p = private();
    let vis = &f.vis;
    let name = f.name();
    let (fn_attrs, shared_attrs) = f.split_attrs();
    let mut sig = f.sig.clone();
    sig.ident = Ident::new("call", name.span());
    let body = &f.body;
    quote! {
        #(#shared_attrs)*
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug)]
        #vis struct #name;

        #(#shared_attrs)*
        impl #name {
            #(#fn_attrs)*
            #vis #sig #body
        }

        #(#shared_attrs)*
        impl #p::Handler for #name {
            fn install(self, registry: &mut #p::Registry) {
                #register
            }
        }

        #(#shared_attrs)*
        impl #p::HandlerOf<#p::kind::#kind> for #name {}
    }
}
