//! Chat hooks (`#[on_chat_start]`, `#[on_message]`, `#[action_callback]` and the rest of
//! `Hook`): each becomes a unit value implementing `Handler`, parameters extracted by `FromChat`.

mod parse;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::diagnostics::with_item;
use crate::exports::private;
use crate::handler;
pub use parse::Hook;

/// Expands one chat-hook attribute.
pub fn expand(hook: Hook, args: TokenStream, item: TokenStream) -> TokenStream {
    match parse::parse(hook, &args, item.clone()) {
        Ok(parsed) => generate(hook, &parsed),
        Err(e) => with_item(e, item, hook.attribute()),
    }
}

fn generate(hook: Hook, parsed: &parse::ParsedHook) -> TokenStream {
    let f = &parsed.f;
    let p = private();
    let kind = format_ident!("{}", hook.attribute());
    let variant = format_ident!("{}", hook.variant());
    let name = f.name();
    let params = f.params();
    let args: Vec<_> = (0..params.len())
        .map(|i| format_ident!("__chainrs_arg{i}"))
        .collect();
    let extract = params.iter().zip(&args).map(|(param, arg)| {
        let ty = &param.ty;
        // Spanned at the parameter's type, trait path included, so "not available in this
        // hook" lands on the parameter and not on the attribute.
        quote_spanned! {ty.span()=>
            let #arg = <#ty as #p::FromChat<#p::kind::#kind>>::from_chat(&mut __chainrs_call)?;
        }
    });
    let outcome = quote_spanned! {f.output_span()=> #p::hook_outcome(__chainrs_out) };
    let info = quote! {
        #p::HandlerInfo { name: stringify!(#name), defined_at: #p::concat!(#p::file!(), ":", #p::line!()) }
    };
    let future = handler::send_future(
        f,
        quote! {
            #(#extract)*
            let __chainrs_out = #name::call(#(#args),*).await;
            #outcome
        },
    );
    let call = quote! { |mut __chainrs_call| #future };
    let register = match &parsed.action {
        Some(action) => quote! { registry.action_callback(#action, #info, #call); },
        None => quote! { registry.chat_hook(#p::HookKind::#variant, #info, #call); },
    };
    let state = handler::state_keys(f);
    handler::items(f, &kind, quote! { #state #register })
}
