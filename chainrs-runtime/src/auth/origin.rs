//! Which page origins may open a chat socket or send a cookie-authenticated write: the app's
//! own (the Host it is served on, or its public URL), those configured, and clients that send none.

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE, HOST, ORIGIN};

/// The origin policy of an app.
#[derive(Clone, Debug, Default)]
pub(crate) struct Origins {
    /// Allowed origins as `scheme://host[:port]`, lower case, without a trailing `/`.
    allowed: Vec<String>,
}

impl Origins {
    /// The policy allowing `allowed` (`https://chat.example.com`, …) and the app's public URL
    /// (`CHAINRS_URL`), besides the app's own Host.
    pub(crate) fn new<'a>(
        allowed: impl IntoIterator<Item = &'a str>,
        public_url: Option<&'a str>,
    ) -> Self {
        let allowed = allowed
            .into_iter()
            .chain(public_url)
            .filter_map(normalize)
            .collect();
        Origins { allowed }
    }

    /// `Ok` when the request may go on: no `Origin` header (a client that is not a browser
    /// page), the app's own origin, or an allowed one; else the reason, for the refusal.
    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<(), String> {
        let Some(origin) = headers.get(ORIGIN) else {
            return Ok(());
        };
        let Some(origin) = origin.to_str().ok().and_then(normalize) else {
            return Err(
                "the request's Origin is not an origin (a sandboxed or file page sends `null`): \
                 open the chat from the app's own page, or list the page's origin in \
                 App::allowed_origins / CHAINRS_ALLOWED_ORIGINS"
                    .to_owned(),
            );
        };
        let own = headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_ascii_lowercase);
        let same_host = own
            .as_deref()
            .is_some_and(|host| origin.split_once("://").is_some_and(|(_, h)| h == host));
        if same_host || self.allowed.contains(&origin) {
            return Ok(());
        }
        Err(format!(
            "origin {origin} may not use this app: it is not the app's own origin nor one listed \
             in App::allowed_origins / CHAINRS_ALLOWED_ORIGINS"
        ))
    }

    /// Whether a request is a write a browser may have sent on the user's behalf: not a
    /// GET, HEAD or OPTIONS, carrying cookies and no `Authorization` header (a bearer token is
    /// never sent by the browser on its own, so those calls are not checked).
    pub(crate) fn needs_check(method: &axum::http::Method, headers: &HeaderMap) -> bool {
        use axum::http::Method;
        let reads = [Method::GET, Method::HEAD, Method::OPTIONS];
        !reads.contains(method)
            && headers.contains_key(COOKIE)
            && !headers.contains_key(AUTHORIZATION)
    }
}

/// `scheme://host[:port]` in lower case, or `None` for what is not an origin (`null`, a path).
fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = raw.split_once("://")?;
    let valid = matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' ']);
    valid.then_some(raw)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, Method};

    use super::*;

    fn headers(pairs: &[(axum::http::HeaderName, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn own_listed_and_absent_origins_pass_others_are_refused() {
        let origins = Origins::new(
            ["https://Embed.Example.com/"],
            Some("https://chat.example.com"),
        );
        let own = headers(&[(HOST, "127.0.0.1:8000"), (ORIGIN, "http://127.0.0.1:8000")]);
        assert!(origins.check(&own).is_ok());
        assert!(origins.check(&headers(&[(HOST, "127.0.0.1:8000")])).is_ok());
        let listed = headers(&[
            (HOST, "internal:8000"),
            (ORIGIN, "https://embed.example.com"),
        ]);
        assert!(origins.check(&listed).is_ok());
        let public = headers(&[
            (HOST, "internal:8000"),
            (ORIGIN, "https://chat.example.com"),
        ]);
        assert!(origins.check(&public).is_ok());
        let evil = headers(&[(HOST, "127.0.0.1:8000"), (ORIGIN, "https://evil.example")]);
        let why = origins.check(&evil).expect_err("a foreign origin");
        assert!(why.contains("https://evil.example") && why.contains("CHAINRS_ALLOWED_ORIGINS"));
        let sibling = headers(&[
            (HOST, "chat.example.com"),
            (ORIGIN, "https://x.chat.example.com"),
        ]);
        assert!(origins.check(&sibling).is_err());
        let null = headers(&[(HOST, "127.0.0.1:8000"), (ORIGIN, "null")]);
        assert!(origins.check(&null).expect_err("null").contains("null"));
    }

    #[test]
    fn only_cookie_writes_without_a_bearer_are_checked() {
        let cookie = headers(&[(COOKIE, "access_token=t")]);
        assert!(Origins::needs_check(&Method::POST, &cookie));
        assert!(!Origins::needs_check(&Method::GET, &cookie));
        let bearer = headers(&[(COOKIE, "access_token=t"), (AUTHORIZATION, "Bearer t")]);
        assert!(!Origins::needs_check(&Method::POST, &bearer));
        assert!(!Origins::needs_check(&Method::POST, &HeaderMap::new()));
    }
}
