//! `#[endpoint(http|ws, method = "…", path = "…")]`: an HTTP route whose parameters are axum
//! extractors or chainrs session types; only the last one may read the body.

mod args;
mod parse;
mod route;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::diagnostics::with_item;
use crate::exports::private;
use crate::handler;

/// Expands one `#[endpoint]`.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    // On error the value still gets its own kind's marker (`ws` when the arguments start with
    // it), so registering a broken `ws` endpoint on an `ws`-only call adds no second error.
    let fallback = match args.clone().into_iter().next() {
        Some(proc_macro2::TokenTree::Ident(kind)) if kind == "ws" => "ws",
        _ => "http",
    };
    match parse::parse(args, item.clone()) {
        Ok(endpoint) => generate(&endpoint),
        Err(e) => with_item(e, item, fallback),
    }
}

fn generate(endpoint: &parse::Endpoint) -> TokenStream {
    let p = private();
    let f = &endpoint.f;
    let marker = format_ident!("{}", endpoint.kind.marker());
    let variant = format_ident!("{}", endpoint.kind.variant());
    let method = &endpoint.method;
    let path = &endpoint.path;
    let name = f.name();
    let params = f.params();
    let args: Vec<_> = (0..params.len())
        .map(|i| format_ident!("__chainrs_arg{i}"))
        .collect();
    let last = params.len().saturating_sub(1);
    let extract = params.iter().zip(&args).enumerate().map(|(i, (param, arg))| {
        let ty = &param.ty;
        // Spanned at the parameter's type so that a type that does not fit (a chat-only type in
        // `http`, a body extractor before the last position) is reported on the parameter.
        if i == last {
            quote_spanned! {ty.span()=>
                let #arg = match #p::last_param::<#p::kind::#marker, #ty, _>(
                    #p::from_parts(__chainrs_parts, __chainrs_body),
                ).await {
                    Ok(value) => value,
                    Err(rejection) => return rejection,
                };
            }
        } else {
            quote_spanned! {ty.span()=>
                let #arg = match #p::head_param::<#p::kind::#marker, #ty, _>(&mut __chainrs_parts).await {
                    Ok(value) => value,
                    Err(rejection) => return rejection,
                };
            }
        }
    });
    let split = if params.is_empty() {
        quote!(let _ = __chainrs_request;)
    } else if params.len() == 1 {
        quote!(let (__chainrs_parts, __chainrs_body) = #p::into_parts(__chainrs_request);)
    } else {
        quote!(let (mut __chainrs_parts, __chainrs_body) = #p::into_parts(__chainrs_request);)
    };
    let response = quote_spanned! {f.output_span()=> #p::endpoint_response(__chainrs_out) };
    let future = handler::send_future(
        f,
        quote! {
            #split
            #(#extract)*
            let __chainrs_out = #name::call(#(#args),*).await;
            #response
        },
    );
    let register = quote! {
        registry.endpoint(
            #p::HandlerInfo { name: stringify!(#name), defined_at: #p::concat!(#p::file!(), ":", #p::line!()) },
            #p::EndpointKind::#variant,
            #method,
            #path,
            |__chainrs_request| #future,
        );
    };
    let state = handler::state_keys(f);
    handler::items(f, &marker, quote! { #state #register })
}
