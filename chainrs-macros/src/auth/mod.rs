//! Login callbacks: `#[password_auth_callback]` and `#[header_auth_callback]` return the user or
//! `None`; `#[on_logout]` (`User`) runs on `POST /logout`; `#[on_shared_thread_view]`
//! (`Thread`, `Option<User>`) says whether a viewer may read a thread that is not shared;
//! `#[set_chat_profiles]` (`Option<User>`) gives the profiles a user may pick;
//! `#[set_starters]` (`Option<User>`) and `#[set_starter_categories]` (`Option<User>`,
//! `Option<ChatProfile>`) give the suggested first messages.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::diagnostics::with_item;
use crate::errors::Errors;
use crate::exports::private;
use crate::handler;
use crate::signature::{self, HandlerFn};

pub use crate::kinds::Callback;

/// Expands one login-callback attribute.
pub fn expand(callback: Callback, args: TokenStream, item: TokenStream) -> TokenStream {
    match parse(callback, &args, item.clone()) {
        Ok(f) => generate(callback, &f),
        Err(e) => with_item(e, item, callback.attribute()),
    }
}

fn parse(callback: Callback, args: &TokenStream, item: TokenStream) -> syn::Result<HandlerFn> {
    let attribute = callback.attribute();
    let mut errors = Errors::default();
    signature::check_no_args(attribute, args, &mut errors);
    let f = signature::parse_handler(attribute, item, &mut errors)?;
    let params = f.params();
    if params.len() != callback.arity() {
        errors.push(
            f.sig.paren_token.span.join(),
            format!(
                "#[{attribute}] takes exactly {} parameter{}, found {}",
                callback.arity(),
                if callback.arity() == 1 { "" } else { "s" },
                params.len()
            ),
            format!(
                "write `async fn {}{}{}`",
                f.name(),
                callback.expected(),
                callback.returns()
            ),
        );
    }
    errors.finish()?;
    Ok(f)
}

fn generate(callback: Callback, f: &HandlerFn) -> TokenStream {
    let p = private();
    let kind = format_ident!("{}", callback.attribute());
    let name = f.name();
    let params = f.params();
    let info = quote! {
        #p::HandlerInfo { name: stringify!(#name), defined_at: #p::concat!(#p::file!(), ":", #p::line!()) }
    };
    // Each argument is spanned at its parameter's type, so a wrong type is reported there.
    let decision = quote_spanned! {f.output_span()=> #p::auth_decision(__chainrs_out) };
    let register = match callback {
        Callback::Password => {
            let user = params
                .first()
                .map(|p| p.ty.span())
                .unwrap_or_else(|| name.span());
            let pass = params
                .get(1)
                .map(|p| p.ty.span())
                .unwrap_or_else(|| name.span());
            let user_arg = quote_spanned!(user=> __chainrs_username);
            let pass_arg = quote_spanned!(pass=> __chainrs_password);
            let future = handler::send_future(
                f,
                quote! {
                    let __chainrs_out = #name::call(#user_arg, #pass_arg).await;
                    #decision
                },
            );
            quote! {
                registry.password_auth(#info, |__chainrs_username: #p::String, __chainrs_password: #p::String| #future);
            }
        }
        Callback::Logout => {
            let user = params
                .first()
                .map(|p| p.ty.span())
                .unwrap_or_else(|| name.span());
            let user_arg = quote_spanned!(user=> __chainrs_user);
            let outcome = quote_spanned! {f.output_span()=> #p::hook_outcome(__chainrs_out) };
            let future = handler::send_future(
                f,
                quote! {
                    let __chainrs_out = #name::call(#user_arg).await;
                    #outcome
                },
            );
            quote! {
                registry.logout(#info, |__chainrs_user: #p::User| #future);
            }
        }
        Callback::SharedThreadView => {
            let span_of = |i: usize| {
                params
                    .get(i)
                    .map(|p| p.ty.span())
                    .unwrap_or_else(|| name.span())
            };
            let thread_arg = quote_spanned!(span_of(0)=> __chainrs_thread);
            let viewer_arg = quote_spanned!(span_of(1)=> __chainrs_viewer);
            let allowed = quote_spanned! {f.output_span()=> #p::share_decision(__chainrs_out) };
            let future = handler::send_future(
                f,
                quote! {
                    let __chainrs_out = #name::call(#thread_arg, #viewer_arg).await;
                    #allowed
                },
            );
            quote! {
                registry.shared_thread_view(#info, |__chainrs_thread: #p::Thread, __chainrs_viewer: #p::Option<#p::User>| #future);
            }
        }
        Callback::StarterCategories => {
            let span_of = |i: usize| {
                params
                    .get(i)
                    .map(|p| p.ty.span())
                    .unwrap_or_else(|| name.span())
            };
            let user_arg = quote_spanned!(span_of(0)=> __chainrs_user);
            let profile_arg = quote_spanned!(span_of(1)=> __chainrs_profile);
            let list =
                quote_spanned! {f.output_span()=> #p::starter_categories_list(__chainrs_out) };
            let future = handler::send_future(
                f,
                quote! {
                    let __chainrs_out = #name::call(#user_arg, #profile_arg).await;
                    #list
                },
            );
            quote! {
                registry.starter_categories(#info, |__chainrs_user: #p::Option<#p::User>, __chainrs_profile: #p::Option<#p::ChatProfile>| #future);
            }
        }
        Callback::ChatProfiles | Callback::Starters => {
            let (method, checked) = if callback == Callback::ChatProfiles {
                (
                    format_ident!("chat_profiles"),
                    format_ident!("chat_profiles_list"),
                )
            } else {
                (format_ident!("starters"), format_ident!("starters_list"))
            };
            let user = params
                .first()
                .map(|p| p.ty.span())
                .unwrap_or_else(|| name.span());
            let user_arg = quote_spanned!(user=> __chainrs_user);
            let list = quote_spanned! {f.output_span()=> #p::#checked(__chainrs_out) };
            let future = handler::send_future(
                f,
                quote! {
                    let __chainrs_out = #name::call(#user_arg).await;
                    #list
                },
            );
            quote! {
                registry.#method(#info, |__chainrs_user: #p::Option<#p::User>| #future);
            }
        }
        Callback::Header => {
            let headers = params
                .first()
                .map(|p| p.ty.span())
                .unwrap_or_else(|| name.span());
            let headers_arg = quote_spanned!(headers=> __chainrs_headers);
            let future = handler::send_future(
                f,
                quote! {
                    let __chainrs_out = #name::call(#headers_arg).await;
                    #decision
                },
            );
            quote! {
                registry.header_auth(#info, |__chainrs_headers: #p::HeaderMap| #future);
            }
        }
    };
    let state = handler::state_keys(f);
    handler::items(f, &kind, quote! { #state #register })
}
