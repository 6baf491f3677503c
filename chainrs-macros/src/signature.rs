//! The handler function as the macros see it: attributes, visibility, signature, and the body
//! kept as tokens (never parsed). Checks shared by every attribute live here.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Ident, Pat, ReturnType, Signature, Token, Type, Visibility};

use crate::errors::Errors;

/// A function item whose body is kept verbatim.
pub struct HandlerFn {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub body: TokenStream,
}

/// One typed parameter.
pub struct Param {
    pub pat: Pat,
    pub ty: Type,
}

impl HandlerFn {
    /// Reads a function item under `#[attribute]`; anything else is refused naming the attribute.
    fn read(input: ParseStream, attribute: &str) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let looks_like_fn = input.peek(Token![fn])
            || input.peek(Token![async])
            || input.peek(Token![const])
            || input.peek(Token![unsafe])
            || input.peek(Token![extern]);
        if !looks_like_fn {
            // Point at the item's keyword (`struct`, `impl`, …): the smallest span that explains it.
            let span = input
                .cursor()
                .token_tree()
                .map_or(Span::call_site(), |(t, _)| t.span());
            return Err(syn::Error::new(
                span,
                format!(
                    "#[{attribute}] applies to an `async fn` only\n\n= help: write the handler as `async fn name(...) {{ ... }}` and put #[{attribute}] on it"
                ),
            ));
        }
        let sig: Signature = input.parse()?;
        let body: TokenStream = input.parse()?;
        if body.is_empty() {
            return Err(syn::Error::new(sig.span(), "a handler needs a body"));
        }
        Ok(HandlerFn {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

/// The parse step every attribute shares: the item as a handler function, then the checks
/// that hold for all of them (one chainrs attribute, the function's shape). A function that
/// does not parse ends parsing with everything recorded so far; the other problems are
/// recorded in `errors` and parsing goes on.
pub fn parse_handler(
    attribute: &str,
    item: TokenStream,
    errors: &mut Errors,
) -> syn::Result<HandlerFn> {
    let f = parse_item(attribute, item).map_err(|e| std::mem::take(errors).fail(e))?;
    check_single_attribute(attribute, &f, errors);
    check_shape(attribute, &f, errors);
    Ok(f)
}

/// Parses the item as the function `#[attribute]` sits on.
pub fn parse_item(attribute: &str, item: TokenStream) -> syn::Result<HandlerFn> {
    (|input: ParseStream| HandlerFn::read(input, attribute)).parse2(item)
}

impl HandlerFn {
    pub fn name(&self) -> &Ident {
        &self.sig.ident
    }

    /// The typed parameters; receivers and variadics are reported by [`check_shape`].
    pub fn params(&self) -> Vec<Param> {
        self.sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                FnArg::Typed(t) => Some(Param {
                    pat: (*t.pat).clone(),
                    ty: (*t.ty).clone(),
                }),
                FnArg::Receiver(_) => None,
            })
            .collect()
    }

    /// The span of the return type (or of the closing parenthesis when there is none).
    pub fn output_span(&self) -> Span {
        match &self.sig.output {
            ReturnType::Default => self.sig.paren_token.span.close(),
            ReturnType::Type(_, ty) => ty.span(),
        }
    }

    /// Attributes to keep on the generated `call` fn, and the ones (docs, cfg) for every item.
    pub fn split_attrs(&self) -> (Vec<&Attribute>, Vec<&Attribute>) {
        let shared = self
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc") || a.path().is_ident("cfg"))
            .collect();
        let on_fn = self.attrs.iter().collect();
        (on_fn, shared)
    }
}

/// The checks every handler shares: `async`, no `const`/`unsafe`/`extern`, no generics, no
/// `self`, no variadics, owned parameters, no `impl Trait` parameters.
pub fn check_shape(attribute: &str, f: &HandlerFn, errors: &mut Errors) {
    let sig = &f.sig;
    let name = &sig.ident;
    if let Some(c) = &sig.constness {
        errors.push(
            c.span(),
            format!("#[{attribute}] handlers cannot be `const`"),
            "remove `const`: handlers run at run time",
        );
    }
    if let Some(u) = &sig.unsafety {
        errors.push(
            u.span(),
            format!("#[{attribute}] handlers cannot be `unsafe`"),
            "remove `unsafe` and put any unsafe block inside the body",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.push_spanned(
            abi,
            format!("#[{attribute}] handlers cannot have an `extern` ABI"),
            "remove the `extern` qualifier",
        );
    }
    if sig.asyncness.is_none() {
        errors.push(
            sig.fn_token.span(),
            format!("#[{attribute}] handlers must be `async`"),
            format!("write `async fn {name}(...)`"),
        );
    }
    if !sig.generics.params.is_empty() {
        errors.push_spanned(
            &sig.generics,
            format!("#[{attribute}] handlers cannot be generic"),
            "parameters are injected by their concrete type: replace the generic parameter with the type you need",
        );
    }
    if let Some(w) = &sig.generics.where_clause {
        errors.push(
            w.span(),
            format!("#[{attribute}] handlers cannot have a `where` clause"),
            "use concrete parameter types",
        );
    }
    if let Some(v) = &sig.variadic {
        errors.push(
            v.span(),
            format!("#[{attribute}] handlers cannot be variadic"),
            "remove the `...` parameter",
        );
    }
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) => errors.push_spanned(
                r,
                format!("#[{attribute}] handlers cannot take `self`"),
                "handlers are free functions: move this one out of the `impl` block, and keep shared data in `State<T>` or `UserSession<S>`",
            ),
            FnArg::Typed(t) => check_param_type(attribute, &t.ty, errors),
        }
    }
}

fn check_param_type(attribute: &str, ty: &Type, errors: &mut Errors) {
    match ty {
        Type::Reference(r) => {
            let inner = tidy(&r.elem.to_token_stream().to_string());
            let owned = if inner == "str" {
                "String".to_owned()
            } else {
                inner
            };
            errors.push_spanned(
                r,
                format!("#[{attribute}] handler parameters cannot be borrowed"),
                format!("take `{owned}` by value: handlers receive owned values"),
            );
        }
        Type::ImplTrait(i) => errors.push_spanned(
            i,
            format!("#[{attribute}] handler parameters cannot be `impl Trait`"),
            "parameters are injected by their concrete type: name the type",
        ),
        Type::Paren(p) => check_param_type(attribute, &p.elem, errors),
        _ => {}
    }
}

/// chainrs's one-per-handler types: two of them are duplicates however their paths are written.
const SINGLETONS: &[&str] = &["Message", "User", "Session", "Emitter"];

/// Reports a type that appears in two parameters (two `Message`s, the same `UserSession<S>`).
pub fn check_duplicates(attribute: &str, params: &[Param], errors: &mut Errors) {
    let key_of = |ty: &Type| match last_segment(ty) {
        Some(name) if SINGLETONS.contains(&name.as_str()) => name,
        _ => type_key(ty),
    };
    for (i, p) in params.iter().enumerate() {
        let key = key_of(&p.ty);
        if let Some(first) = params[..i].iter().find(|q| key_of(&q.ty) == key) {
            let first_name = match &first.pat {
                Pat::Ident(ident) => ident.ident.to_string(),
                other => tidy(&other.to_token_stream().to_string()),
            };
            errors.push_spanned(
                &p.ty,
                format!("`{key}` is injected twice into this #[{attribute}] handler"),
                format!("the parameter `{first_name}` already receives it: remove this one and use `{first_name}`"),
            );
        }
    }
}

/// A type's tokens as one comparable string, written as a person would (`UserSession<Chat>`).
pub fn type_key(ty: &Type) -> String {
    tidy(&ty.to_token_stream().to_string())
}

/// Removes the spaces token printing puts around `<`, `>`, `::` and before `,`.
fn tidy(text: &str) -> String {
    let mut out = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ::", "::"),
        (":: ", "::"),
        (" ,", ","),
        ("& ", "&"),
    ] {
        out = out.replace(from, to);
    }
    out
}

/// The last path segment's name of a type (`Message` for `chainrs::Message`).
pub fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Paren(p) => last_segment(&p.elem),
        Type::Reference(r) => last_segment(&r.elem),
        _ => None,
    }
}

/// Reports arguments given to an attribute that takes none.
pub fn check_no_args(attribute: &str, args: &TokenStream, errors: &mut Errors) {
    if !args.is_empty() {
        errors.push(
            args.span(),
            format!("#[{attribute}] takes no arguments"),
            format!("write `#[{attribute}]` alone"),
        );
    }
}

/// The name of `attr` when it is one of the chainrs attributes (`#[on_message]`,
/// `#[chainrs::endpoint(...)]`, …).
pub fn ours(attr: &Attribute) -> Option<String> {
    let name = attr.path().segments.last()?.ident.to_string();
    let ours = crate::kinds::Hook::ALL
        .iter()
        .any(|h| h.attribute() == name)
        || crate::kinds::Callback::ALL
            .iter()
            .any(|c| c.attribute() == name)
        || name == "endpoint";
    ours.then_some(name)
}

/// Reports a second chainrs attribute on the same function.
pub fn check_single_attribute(attribute: &str, f: &HandlerFn, errors: &mut Errors) {
    for attr in &f.attrs {
        if let Some(name) = ours(attr) {
            errors.push_spanned(
                attr,
                format!("a function takes one chainrs attribute, but this one has #[{attribute}] and #[{name}]"),
                "write a separate function for each hook and register both; they can share code through a plain helper fn",
            );
        }
    }
}
