//! `#[endpoint(KIND, method = "…", path = "…")]`: the attribute's model and its validation.
//! Arguments go into a builder that rejects duplicates and keeps each value's span for errors.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Token};

use crate::errors::Errors;
use crate::signature::{self, HandlerFn, Param};

/// Where an endpoint's handler runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A session of its own (the one the request names, or a new one).
    Http,
    /// Inside the live chat tab the request names.
    Ws,
}

impl Kind {
    pub fn marker(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::Ws => "ws",
        }
    }
    pub fn variant(self) -> &'static str {
        match self {
            Kind::Http => "Http",
            Kind::Ws => "Ws",
        }
    }
}

/// A validated endpoint.
pub struct Endpoint {
    pub kind: Kind,
    pub method: String,
    pub path: String,
    pub f: HandlerFn,
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
const KEYS: &[&str] = &["method", "path"];
const USAGE: &str = "write #[endpoint(http, method = \"POST\", path = \"/agent/run\")], or `ws` instead of `http` to run inside the chat tab the request names";

/// The attribute's arguments as they are collected.
#[derive(Default)]
struct Builder {
    kind: Option<(Kind, Span)>,
    /// Keys that appeared at all, valid or not (so a bad value is not also "missing").
    seen: Vec<String>,
    method: Option<LitStr>,
    path: Option<LitStr>,
}

impl Builder {
    fn set(
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
}

/// Parses and validates the attribute and the function; every problem is reported at once.
pub fn parse(args: TokenStream, item: TokenStream) -> syn::Result<Endpoint> {
    let mut errors = Errors::default();
    let builder = parse_args(args, &mut errors);
    let f = signature::parse_handler("endpoint", item, &mut errors)?;
    let params = f.params();
    signature::check_duplicates("endpoint", &params, &mut errors);

    let kind = builder.kind.map(|(k, _)| k);
    let method = match &builder.method {
        Some(lit) => check_method(lit, &mut errors),
        None => {
            if kind.is_some() && !builder.seen.iter().any(|k| k == "method") {
                errors.push(
                    Span::call_site(),
                    "#[endpoint] needs a `method`",
                    format!("add `method = \"GET\"` (one of {})", METHODS.join(", ")),
                );
            }
            None
        }
    };
    let path = match &builder.path {
        Some(lit) => check_path(lit, &params, &mut errors),
        None => {
            if kind.is_some() && !builder.seen.iter().any(|k| k == "path") {
                errors.push(
                    Span::call_site(),
                    "#[endpoint] needs a `path`",
                    "add `path = \"/your/route\"`",
                );
            }
            None
        }
    };
    errors.finish()?;
    match (kind, method, path) {
        (Some(kind), Some(method), Some(path)) => Ok(Endpoint {
            kind,
            method,
            path,
            f,
        }),
        _ => Err(syn::Error::new(Span::call_site(), "invalid #[endpoint]")),
    }
}

fn parse_args(args: TokenStream, errors: &mut Errors) -> Builder {
    let mut builder = Builder::default();
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
        Ok(m) => m,
        Err(e) => {
            errors.push(
                e.span(),
                format!("cannot read the #[endpoint] arguments: {e}"),
                USAGE,
            );
            return builder;
        }
    };
    if metas.is_empty() {
        errors.push(
            Span::call_site(),
            "#[endpoint] needs its kind, method and path",
            USAGE,
        );
        return builder;
    }
    for (i, meta) in metas.iter().enumerate() {
        match meta {
            Meta::Path(path) => {
                let word = path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let kind = match word.as_str() {
                    "http" => Some(Kind::Http),
                    "ws" => Some(Kind::Ws),
                    _ => None,
                };
                match (kind, i) {
                    (Some(_), _) if builder.kind.is_some() => errors.push(
                        path.span(),
                        "the endpoint kind is given twice",
                        "keep one: `http` or `ws`",
                    ),
                    (Some(kind), 0) => builder.kind = Some((kind, path.span())),
                    (Some(_), _) => errors.push(
                        path.span(),
                        "the endpoint kind comes first",
                        USAGE,
                    ),
                    (None, _) if KEYS.contains(&word.as_str()) => errors.push(
                        path.span(),
                        format!("`{word}` needs a value"),
                        format!("write `{word} = \"...\"`"),
                    ),
                    (None, _) => errors.push(
                        path.span(),
                        format!("unknown endpoint kind `{}`", quote::ToTokens::to_token_stream(path)),
                        "use `http` (its own session per request, or the one it names) or `ws` (runs inside the live chat tab the request names)",
                    ),
                }
            }
            Meta::NameValue(nv) => {
                if i == 0 {
                    errors.push(nv.span(), "#[endpoint] starts with its kind", USAGE);
                }
                let key = nv
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let value = match &nv.value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) => Some(s.clone()),
                    other => {
                        if KEYS.contains(&key.as_str()) {
                            errors.push(
                                other.span(),
                                format!("`{key}` takes a string literal"),
                                format!("write `{key} = \"...\"` with the value in double quotes"),
                            );
                        }
                        None
                    }
                };
                match key.as_str() {
                    "method" => {
                        if let Some(v) = value {
                            Builder::set(&mut builder.method, "method", v, nv.path.span(), errors);
                        }
                    }
                    "path" => {
                        if let Some(v) = value {
                            Builder::set(&mut builder.path, "path", v, nv.path.span(), errors);
                        }
                    }
                    _ => errors.push(
                        nv.path.span(),
                        format!(
                            "unknown #[endpoint] key `{}`",
                            quote::ToTokens::to_token_stream(&nv.path)
                        ),
                        suggest(&key),
                    ),
                }
            }
            Meta::List(list) => errors.push(list.span(), "unexpected list in #[endpoint]", USAGE),
        }
    }
    builder
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

/// Checks the path's shape and that its `{params}` are extracted by a `Path` parameter.
fn check_path(lit: &LitStr, params: &[Param], errors: &mut Errors) -> Option<String> {
    let path = lit.value();
    let span = lit.span();
    let before = errors.count();
    let fail = |errors: &mut Errors, message: String, help: &str| errors.push(span, message, help);
    if !path.starts_with('/') {
        fail(
            errors,
            format!("the path {path:?} must start with `/`"),
            "write it as an absolute path, e.g. \"/agent/run\"",
        );
    }
    if path
        .chars()
        .any(|c| c.is_whitespace() || c == '?' || c == '#')
    {
        fail(
            errors,
            format!("the path {path:?} contains a space, `?` or `#`"),
            "a route is only the path: read query parameters with `Query<T>`",
        );
    }
    if path.contains("//") {
        fail(
            errors,
            format!("the path {path:?} has an empty segment (`//`)"),
            "remove the extra `/`",
        );
    }
    let mut names: Vec<String> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        if let Some(name) = segment.strip_prefix(':') {
            fail(
                errors,
                format!("path parameters are written `{{{name}}}`, not `:{name}`"),
                "axum 0.8 (which chainrs routes with) uses braces: \"/items/{id}\"",
            );
            continue;
        }
        if segment.starts_with('*') {
            fail(
                errors,
                format!("wildcards are written `{{{segment}}}`"),
                "write \"/files/{*rest}\"",
            );
            continue;
        }
        let opens = segment.matches('{').count();
        let closes = segment.matches('}').count();
        if opens == 0 && closes == 0 {
            continue;
        }
        let inner = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
        match inner {
            Some(inner) if opens == 1 && closes == 1 => {
                let (wild, name) = match inner.strip_prefix('*') {
                    Some(n) => (true, n),
                    None => (false, inner),
                };
                let valid = !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.starts_with(|c: char| c.is_ascii_digit());
                if !valid {
                    fail(
                        errors,
                        format!("`{{{inner}}}` is not a valid path parameter"),
                        "name it like a Rust identifier: \"/items/{id}\"",
                    );
                } else if wild && i + 1 != segments.len() {
                    fail(
                        errors,
                        format!("the wildcard `{{*{name}}}` must be the last segment"),
                        "move it to the end of the path",
                    );
                } else if names.iter().any(|n| n == name) {
                    fail(
                        errors,
                        format!("the path parameter `{name}` appears twice"),
                        "give each parameter its own name",
                    );
                } else {
                    names.push(name.to_owned());
                }
            }
            _ => fail(
                errors,
                format!("the segment {segment:?} has unbalanced or misplaced braces"),
                "a parameter is a whole segment: \"/items/{id}\"",
            ),
        }
    }
    let path_param = params
        .iter()
        .find(|p| signature::last_segment(&p.ty).as_deref() == Some("Path"));
    if errors.count() != before {
        // The path itself is wrong: what it extracts is reported once it is fixed.
        return None;
    }
    match (names.is_empty(), path_param) {
        (false, None) => fail(
            errors,
            format!(
                "the path parameter{} {} {} not extracted",
                if names.len() == 1 { "" } else { "s" },
                names
                    .iter()
                    .map(|n| format!("`{{{n}}}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if names.len() == 1 { "is" } else { "are" }
            ),
            &format!(
                "add a parameter `Path({}): Path<{}>`",
                if names.len() == 1 {
                    names[0].clone()
                } else {
                    format!("({})", names.join(", "))
                },
                if names.len() == 1 {
                    "String".to_owned()
                } else {
                    format!("({})", vec!["String"; names.len()].join(", "))
                }
            ),
        ),
        (true, Some(param)) => {
            errors.push_spanned(
                &param.ty,
                format!(
                    "this endpoint takes `Path`, but its path {path:?} has no `{{parameters}}`"
                ),
                "add the parameter to the path (\"/items/{id}\") or remove the `Path` extractor",
            );
        }
        _ => {}
    }
    (errors.count() == before).then_some(path)
}
