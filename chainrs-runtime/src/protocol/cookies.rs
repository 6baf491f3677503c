//! Reading one cookie from a request's `Cookie` headers, percent-decoded, with the `cookie`
//! crate's parser (quoted values and odd spacing included). Malformed pairs are skipped.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// The decoded value of the first cookie called `name`, in any `Cookie` header.
pub(crate) fn named(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|header| header.to_str().ok())
        .flat_map(cookie::Cookie::split_parse_encoded)
        .filter_map(std::result::Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(COOKIE, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn finds_a_cookie_among_others_and_across_headers() {
        let h = headers(&["a=1; theme=dark", "X-Chainlit-Session-id=abc"]);
        assert_eq!(named(&h, "theme").as_deref(), Some("dark"));
        assert_eq!(named(&h, "X-Chainlit-Session-id").as_deref(), Some("abc"));
        assert_eq!(named(&h, "missing"), None);
    }

    #[test]
    fn decodes_percent_escapes_and_skips_malformed_pairs() {
        let h = headers(&["junk; =novalue; name=caf%C3%A9%20au%20lait"]);
        assert_eq!(named(&h, "name").as_deref(), Some("café au lait"));
    }

    #[test]
    fn names_are_case_sensitive() {
        let h = headers(&["access_token=t"]);
        assert_eq!(named(&h, "Access_Token"), None);
    }
}
