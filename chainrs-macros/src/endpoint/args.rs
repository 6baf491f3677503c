//! The arguments of `#[endpoint(KIND, method = "…", path = "…")]`: setters that keep spans and
//! refuse a second value, and a `build` that checks what must go together.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Token};

use crate::errors::Errors;

/// Where an endpoint's handler runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A session of its own (the one the request names, or a new one).
    Http,
    /// Inside the live chat tab the request names.
    Ws,
}

impl Kind {
    /// The runtime's kind marker (`kind::http`).
    pub fn marker(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::Ws => "ws",
        }
    }

    /// The runtime's `EndpointKind` variant.
    pub fn variant(self) -> &'static str {
        match self {
            Kind::Http => "Http",
            Kind::Ws => "Ws",
        }
    }
}

pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
const KEYS: &[&str] = &["method", "path"];
const USAGE: &str = "write #[endpoint(http, method = \"POST\", path = \"/agent/run\")], or `ws` instead of `http` to run inside the chat tab the request names";

/// The arguments as they are read.
#[derive(Default)]
pub struct Args {
    kind: Option<(Kind, Span)>,
    method: Option<LitStr>,
    path: Option<LitStr>,
    /// Keys that appeared at all, valid or not (so a bad value is not also "missing").
    seen: Vec<&'static str>,
}

/// The arguments once they fit together (the path is checked on its own: [`Args::path`]).
pub struct Built {
    pub kind: Kind,
    pub method: String,
}

impl Args {
    /// Reads the attribute's arguments; problems go to `errors`, and what could be read stays.
    pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args::default();
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
            Ok(m) => m,
            Err(e) => {
                errors.push(
                    e.span(),
                    format!("cannot read the #[endpoint] arguments: {e}"),
                    USAGE,
                );
                return args;
            }
        };
        if metas.is_empty() {
            errors.push(
                Span::call_site(),
                "#[endpoint] needs its kind, method and path",
                USAGE,
            );
        }
        for (i, meta) in metas.iter().enumerate() {
            match meta {
                Meta::Path(path) => args.word(path, i, errors),
                Meta::NameValue(nv) => {
                    if i == 0 {
                        errors.push(nv.span(), "#[endpoint] starts with its kind", USAGE);
                    }
                    args.key_value(nv, errors);
                }
                Meta::List(list) => {
                    errors.push(list.span(), "unexpected list in #[endpoint]", USAGE)
                }
            }
        }
        args
    }

    /// A bare word: the kind (`http`, `ws`), first; or a key written without its value.
    fn word(&mut self, path: &syn::Path, position: usize, errors: &mut Errors) {
        let word = path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let kind = match word.as_str() {
            "http" => Some(Kind::Http),
            "ws" => Some(Kind::Ws),
            _ => None,
        };
        match kind {
            Some(kind) => self.set_kind(kind, path.span(), position, errors),
            None if KEYS.contains(&word.as_str()) => errors.push(
                path.span(),
                format!("`{word}` needs a value"),
                format!("write `{word} = \"...\"`"),
            ),
            None => errors.push(
                path.span(),
                format!(
                    "unknown endpoint kind `{}`",
                    quote::ToTokens::to_token_stream(path)
                ),
                "use `http` (its own session per request, or the one it names) or `ws` (runs inside the live chat tab the request names)",
            ),
        }
    }

    /// `method = "…"` or `path = "…"`.
    fn key_value(&mut self, nv: &syn::MetaNameValue, errors: &mut Errors) {
        let key = nv
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let Some(known) = KEYS.iter().copied().find(|k| *k == key) else {
            errors.push(
                nv.path.span(),
                format!(
                    "unknown #[endpoint] key `{}`",
                    quote::ToTokens::to_token_stream(&nv.path)
                ),
                suggest(&key),
            );
            return;
        };
        self.seen.push(known);
        let value = match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => s.clone(),
            other => {
                errors.push(
                    other.span(),
                    format!("`{known}` takes a string literal"),
                    format!("write `{known} = \"...\"` with the value in double quotes"),
                );
                return;
            }
        };
        let slot = match known {
            "method" => &mut self.method,
            _ => &mut self.path,
        };
        set_once(slot, known, value, nv.path.span(), errors);
    }

    /// The kind, which comes first and once.
    fn set_kind(&mut self, kind: Kind, span: Span, position: usize, errors: &mut Errors) {
        if self.kind.is_some() {
            errors.push(
                span,
                "the endpoint kind is given twice",
                "keep one: `http` or `ws`",
            );
        } else if position != 0 {
            errors.push(span, "the endpoint kind comes first", USAGE);
        } else {
            self.kind = Some((kind, span));
        }
    }

    /// The path as written, if one was given.
    pub fn path(&self) -> Option<&LitStr> {
        self.path.as_ref()
    }

    /// Checks that the arguments go together; `None` when something is missing or wrong (and
    /// reported).
    pub fn build(&self, errors: &mut Errors) -> Option<Built> {
        let kind = self.kind.map(|(k, _)| k);
        let method = match &self.method {
            Some(lit) => check_method(lit, errors),
            None => {
                if kind.is_some() && !self.seen.contains(&"method") {
                    errors.push(
                        Span::call_site(),
                        "#[endpoint] needs a `method`",
                        format!("add `method = \"GET\"` (one of {})", METHODS.join(", ")),
                    );
                }
                None
            }
        };
        if self.path.is_none() && kind.is_some() && !self.seen.contains(&"path") {
            errors.push(
                Span::call_site(),
                "#[endpoint] needs a `path`",
                "add `path = \"/your/route\"`",
            );
        }
        self.path.as_ref()?;
        Some(Built {
            kind: kind?,
            method: method?,
        })
    }
}

fn set_once(
    slot: &mut Option<LitStr>,
    key: &str,
    value: LitStr,
    key_span: Span,
    errors: &mut Errors,
) {
    if slot.is_some() {
        errors.push(
            key_span,
            format!("`{key}` is given twice"),
            format!("keep one `{key} = \"...\"`"),
        );
    } else {
        *slot = Some(value);
    }
}

fn suggest(key: &str) -> String {
    let close = KEYS.iter().find(|k| {
        let k = k.as_bytes();
        let key = key.as_bytes();
        key.len().abs_diff(k.len()) <= 2
            && key.iter().filter(|c| k.contains(c)).count() + 1 >= k.len()
    });
    match close {
        Some(k) => format!("did you mean `{k}`? #[endpoint] takes `method` and `path`"),
        None => "#[endpoint] takes `method` and `path`".to_owned(),
    }
}

fn check_method(lit: &LitStr, errors: &mut Errors) -> Option<String> {
    let value = lit.value();
    if METHODS.contains(&value.as_str()) {
        return Some(value);
    }
    let upper = value.to_ascii_uppercase();
    if METHODS.contains(&upper.as_str()) {
        errors.push(
            lit.span(),
            format!("HTTP methods are written in upper case, not {value:?}"),
            format!("write method = \"{upper}\""),
        );
    } else {
        errors.push(
            lit.span(),
            format!("unknown HTTP method {value:?}"),
            format!("use one of {}", METHODS.join(", ")),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn read(tokens: TokenStream) -> (Option<Built>, Vec<String>) {
        // Problems only: a path's grammar is `route`'s to check.
        let mut errors = Errors::default();
        let built = Args::parse(tokens, &mut errors).build(&mut errors);
        let messages = match errors.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        (built, messages)
    }

    #[test]
    fn reads_kind_method_and_path() {
        let mut errors = Errors::default();
        let args = Args::parse(quote!(ws, method = "POST", path = "/notify"), &mut errors);
        assert_eq!(args.path().map(LitStr::value).as_deref(), Some("/notify"));
        let built = args.build(&mut errors).expect("valid");
        assert!(errors.finish().is_ok());
        assert!(built.kind == Kind::Ws);
        assert_eq!(built.method, "POST");
    }

    #[test]
    fn each_misuse_is_reported_with_the_others() {
        let cases = [
            (quote!(), vec!["needs its kind, method and path"]),
            (quote!(http, path = "/x"), vec!["needs a `method`"]),
            (quote!(http, method = "GET"), vec!["needs a `path`"]),
            (
                quote!(method = "GET", http, path = "/x"),
                vec!["starts with its kind", "comes first"],
            ),
            (
                quote!(http, ws, method = "GET", path = "/x"),
                vec!["kind is given twice"],
            ),
            (
                quote!(http, method = "GET", method = "POST", path = "/x"),
                vec!["`method` is given twice"],
            ),
            (
                quote!(http, method = "get", path = "/x"),
                vec!["upper case"],
            ),
            (
                quote!(http, method = "FETCH", path = "/x"),
                vec!["unknown HTTP method"],
            ),
            (
                quote!(http, method = GET, path = "/x"),
                vec!["takes a string literal"],
            ),
            (
                quote!(http, methd = "GET", path = "/x"),
                vec!["did you mean `method`?"],
            ),
            (
                quote!(rest, method = "GET", path = "/x"),
                vec!["unknown endpoint kind"],
            ),
            (
                quote!(http, method, path = "/x"),
                vec!["`method` needs a value"],
            ),
        ];
        for (tokens, expected) in cases {
            let shown = tokens.to_string();
            let (built, errors) = read(tokens);
            assert!(built.is_none() || !errors.is_empty(), "{shown}: accepted");
            for part in expected {
                assert!(
                    errors.iter().any(|e| e.contains(part)),
                    "{shown}: {errors:?} should mention {part:?}"
                );
            }
        }
    }
}
