//! `#[endpoint]` on a function: arguments, route and function read together, every problem at
//! once, and the rule that each `{param}` of the path is extracted by a `Path` parameter.

use proc_macro2::TokenStream;
use syn::LitStr;

use super::args::{Args, Kind};
use super::route::RoutePath;
use crate::errors::Errors;
use crate::signature::{self, HandlerFn, Param};

/// A validated endpoint.
pub struct Endpoint {
    pub kind: Kind,
    pub method: String,
    pub path: String,
    pub f: HandlerFn,
}

/// Parses and validates the attribute and the function; every problem is reported at once.
pub fn parse(args: TokenStream, item: TokenStream) -> syn::Result<Endpoint> {
    let mut errors = Errors::default();
    let args = Args::parse(args, &mut errors);
    let f = signature::parse_handler("endpoint", item, &mut errors)?;
    let params = f.params();
    signature::check_duplicates("endpoint", &params, &mut errors);
    let built = args.build(&mut errors);
    let route = args
        .path()
        .and_then(|lit| check_route(lit, &params, &mut errors));
    errors.finish()?;
    match (built, route) {
        (Some(built), Some(route)) => Ok(Endpoint {
            kind: built.kind,
            method: built.method,
            path: route.path,
            f,
        }),
        _ => Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "invalid #[endpoint]",
        )),
    }
}

/// The route, once its grammar holds and its parameters are extracted.
fn check_route(lit: &LitStr, params: &[Param], errors: &mut Errors) -> Option<RoutePath> {
    let route = match RoutePath::parse(&lit.value()) {
        Ok(route) => route,
        Err(problems) => {
            // What the path extracts is reported once the path itself is fixed.
            for problem in problems {
                errors.push(lit.span(), problem.message, problem.help);
            }
            return None;
        }
    };
    let names = &route.params;
    let path_param = params
        .iter()
        .find(|p| signature::last_segment(&p.ty).as_deref() == Some("Path"));
    match (names.is_empty(), path_param) {
        (false, None) => {
            let one = names.len() == 1;
            let listed: Vec<String> = names.iter().map(|n| format!("`{{{n}}}`")).collect();
            let pattern = if one {
                names[0].clone()
            } else {
                format!("({})", names.join(", "))
            };
            let types = if one {
                "String".to_owned()
            } else {
                format!("({})", vec!["String"; names.len()].join(", "))
            };
            errors.push(
                lit.span(),
                format!(
                    "the path parameter{} {} {} not extracted",
                    if one { "" } else { "s" },
                    listed.join(", "),
                    if one { "is" } else { "are" }
                ),
                format!("add a parameter `Path({pattern}): Path<{types}>`"),
            );
            None
        }
        (true, Some(param)) => {
            errors.push_spanned(
                &param.ty,
                format!(
                    "this endpoint takes `Path`, but its path {:?} has no `{{parameters}}`",
                    route.path
                ),
                "add the parameter to the path (\"/items/{id}\") or remove the `Path` extractor",
            );
            None
        }
        _ => Some(route),
    }
}
