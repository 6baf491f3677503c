//! An endpoint's route path in axum 0.8's grammar (`"/items/{id}"`, a last `{*rest}`), checked
//! without the compiler so that each rule has a unit test.

/// A path that axum can route, with the names of its parameters in order.
#[derive(Debug, PartialEq, Eq)]
pub struct RoutePath {
    pub path: String,
    pub params: Vec<String>,
}

/// One thing wrong with a path: what, and how to fix it.
#[derive(Debug, PartialEq, Eq)]
pub struct PathError {
    pub message: String,
    pub help: &'static str,
}

impl RoutePath {
    /// Reads `path`, reporting every problem found.
    pub fn parse(path: &str) -> Result<RoutePath, Vec<PathError>> {
        let mut problems = Vec::new();
        let mut fail = |message: String, help: &'static str| {
            problems.push(PathError { message, help });
        };
        if !path.starts_with('/') {
            fail(
                format!("the path {path:?} must start with `/`"),
                "write it as an absolute path, e.g. \"/agent/run\"",
            );
        }
        if path
            .chars()
            .any(|c| c.is_whitespace() || c == '?' || c == '#')
        {
            fail(
                format!("the path {path:?} contains a space, `?` or `#`"),
                "a route is only the path: read query parameters with `Query<T>`",
            );
        }
        if path.contains("//") {
            fail(
                format!("the path {path:?} has an empty segment (`//`)"),
                "remove the extra `/`",
            );
        }
        let mut params: Vec<String> = Vec::new();
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        for (i, segment) in segments.iter().enumerate() {
            match segment_param(segment) {
                Segment::Plain => {}
                Segment::Colon(name) => fail(
                    format!("path parameters are written `{{{name}}}`, not `:{name}`"),
                    "axum 0.8 (which chainrs routes with) uses braces: \"/items/{id}\"",
                ),
                Segment::BareWildcard => fail(
                    format!("wildcards are written `{{{segment}}}`"),
                    "write \"/files/{*rest}\"",
                ),
                Segment::Unbalanced => fail(
                    format!("the segment {segment:?} has unbalanced or misplaced braces"),
                    "a parameter is a whole segment: \"/items/{id}\"",
                ),
                Segment::Param { name, wild } => {
                    if !is_identifier(name) {
                        let written = if wild {
                            format!("*{name}")
                        } else {
                            name.to_owned()
                        };
                        fail(
                            format!("`{{{written}}}` is not a valid path parameter"),
                            "name it like a Rust identifier: \"/items/{id}\"",
                        );
                    } else if wild && i + 1 != segments.len() {
                        fail(
                            format!("the wildcard `{{*{name}}}` must be the last segment"),
                            "move it to the end of the path",
                        );
                    } else if params.iter().any(|n| n == name) {
                        fail(
                            format!("the path parameter `{name}` appears twice"),
                            "give each parameter its own name",
                        );
                    } else {
                        params.push(name.to_owned());
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(RoutePath {
                path: path.to_owned(),
                params,
            })
        } else {
            Err(problems)
        }
    }
}

/// What one segment is.
enum Segment<'a> {
    Plain,
    /// `:name`, the old axum syntax.
    Colon(&'a str),
    /// `*rest` without braces.
    BareWildcard,
    /// Braces that are not exactly one pair around the whole segment.
    Unbalanced,
    /// `{name}` or `{*name}`.
    Param {
        name: &'a str,
        wild: bool,
    },
}

fn segment_param(segment: &str) -> Segment<'_> {
    if let Some(name) = segment.strip_prefix(':') {
        return Segment::Colon(name);
    }
    if segment.starts_with('*') {
        return Segment::BareWildcard;
    }
    let opens = segment.matches('{').count();
    let closes = segment.matches('}').count();
    if opens == 0 && closes == 0 {
        return Segment::Plain;
    }
    match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(inner) if opens == 1 && closes == 1 => match inner.strip_prefix('*') {
            Some(name) => Segment::Param { name, wild: true },
            None => Segment::Param {
                name: inner,
                wild: false,
            },
        },
        _ => Segment::Unbalanced,
    }
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(path: &str) -> Vec<String> {
        RoutePath::parse(path).expect(path).params
    }

    fn problems(path: &str) -> Vec<String> {
        match RoutePath::parse(path) {
            Ok(route) => panic!("{path:?} was accepted: {route:?}"),
            Err(errors) => errors.into_iter().map(|e| e.message).collect(),
        }
    }

    #[test]
    fn reads_plain_paths_parameters_and_a_final_wildcard() {
        assert!(params("/").is_empty());
        assert!(params("/agent/run").is_empty());
        assert_eq!(params("/items/{id}"), ["id"]);
        assert_eq!(params("/users/{user_id}/posts/{post}"), ["user_id", "post"]);
        assert_eq!(params("/files/{*rest}"), ["rest"]);
    }

    #[test]
    fn refuses_each_broken_rule_with_its_reason() {
        let cases = [
            ("agent", "must start with `/`"),
            ("/a b", "contains a space"),
            ("/a?x=1", "contains a space, `?` or `#`"),
            ("/a//b", "empty segment"),
            ("/items/:id", "not `:id`"),
            ("/files/*rest", "wildcards are written `{*rest}`"),
            ("/items/{id", "unbalanced"),
            ("/items/x{id}", "unbalanced"),
            ("/items/{1id}", "not a valid path parameter"),
            ("/items/{}", "not a valid path parameter"),
            ("/items/{a-b}", "not a valid path parameter"),
            ("/files/{*rest}/more", "must be the last segment"),
            ("/a/{id}/b/{id}", "appears twice"),
        ];
        for (path, expected) in cases {
            let found = problems(path);
            assert!(
                found.iter().any(|m| m.contains(expected)),
                "{path:?}: {found:?} should mention {expected:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_path_is_read_or_refused_with_reasons(path in proptest::prelude::any::<String>()) {
            match RoutePath::parse(&path) {
                Ok(route) => {
                    proptest::prop_assert!(route.path.starts_with('/'));
                    for name in &route.params {
                        let braced = format!("{{{name}}}");
                        let wild = format!("{{*{name}}}");
                        proptest::prop_assert!(path.contains(&braced) || path.contains(&wild));
                    }
                }
                Err(problems) => proptest::prop_assert!(!problems.is_empty()),
            }
        }
    }

    #[test]
    fn reports_every_problem_at_once() {
        assert_eq!(problems("a//{1}").len(), 3);
    }
}
