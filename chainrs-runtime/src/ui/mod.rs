//! The chat page: chainrs's own embedded page (HTML, CSS and JS written for chainrs, no build
//! step), or an app's own built front-end folder served on the same routes.

mod translations;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

pub(crate) use translations::{DEFAULT_LANGUAGE, is_language_tag, lookup as translation};

const INDEX: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/app.js");
const STYLE: &str = include_str!("page/app.css");

/// Where the page's own files are served (kept out of the way of app routes).
pub(crate) const ASSETS_PREFIX: &str = "/_chainrs";

pub use crate::config::Frontend;

/// chainrs's own page, its links under the app's root path.
pub(crate) fn embedded_index(root: &str) -> String {
    under_root(INDEX.to_owned(), root)
}

/// A page as a response.
pub(crate) fn html(page: &str) -> Response {
    let mut response = page.to_owned().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Every root-relative `href` and `src` of `page` moved under `root`, as Chainlit's server does.
fn under_root(page: String, root: &str) -> String {
    if root.is_empty() {
        return page;
    }
    page.replace("href=\"/", &format!("href=\"{root}/"))
        .replace("src=\"/", &format!("src=\"{root}/"))
}

pub(crate) fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

pub(crate) fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Whether an unmatched request is a browser asking for a page (it gets the page, so
/// client-side routes work); API clients get a JSON 404 instead.
pub(crate) fn wants_page(method: &Method, uri: &Uri, headers: &HeaderMap) -> bool {
    method == Method::GET
        && !is_api_path(uri.path())
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

/// Paths under the API's prefixes, which never get the page: an unknown one is a JSON 404.
pub(crate) fn is_api_path(path: &str) -> bool {
    ["/project/", "/auth/", "/public/", "/avatars/", "/ws/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

/// The JSON 404 of an unmatched route.
pub(crate) fn not_found(method: &Method, uri: &Uri) -> Response {
    let text = format!("no route for {method} {}", uri.path());
    (StatusCode::NOT_FOUND, crate::error::error_body(&text)).into_response()
}

/// The JSON 405 of a route that takes other methods.
pub(crate) fn method_not_allowed(method: &Method, uri: &Uri) -> Response {
    let text = format!("{} does not take {method}", uri.path());
    (
        StatusCode::METHOD_NOT_ALLOWED,
        crate::error::error_body(&text),
    )
        .into_response()
}

/// Chainlit's build marks where the server writes the page's tags, scripts and styles.
const TAG_PLACEHOLDER: &str = "<!-- TAG INJECTION PLACEHOLDER -->";
const JS_PLACEHOLDER: &str = "<!-- JS INJECTION PLACEHOLDER -->";
const CSS_PLACEHOLDER: &str = "<!-- CSS INJECTION PLACEHOLDER -->";

/// `text` for an HTML attribute or element body.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A front end's `index.html` with what Chainlit's server writes into it: the title, favicon,
/// description and `og:` tags (`og:root_path` is where the app is mounted), `window.theme`
/// from the public folder's `theme.json` and `window.transports`, the custom CSS and JS, and
/// every root-relative link moved under the root path.
pub(crate) fn templated_index(
    raw: &str,
    config: &crate::config::Config,
    theme: Option<&serde_json::Value>,
) -> String {
    let ui = &config.ui;
    let root = config.root_path.as_deref().unwrap_or_default();
    let (name, description) = (escape(&ui.name), escape(&ui.description));
    let tags = format!(
        "<title>{name}</title>\n    <link rel=\"icon\" href=\"/favicon\" />\n    \
         <meta name=\"description\" content=\"{description}\">\n    \
         <meta property=\"og:type\" content=\"website\">\n    \
         <meta property=\"og:title\" content=\"{name}\">\n    \
         <meta property=\"og:description\" content=\"{description}\">\n    \
         <meta property=\"og:root_path\" content=\"{}\">",
        escape(root)
    );
    // JSON inside a script: `</` is written `<\/` so no value can close the tag.
    let mut script = theme
        .and_then(|t| t.get("variables"))
        .map(|v| {
            format!(
                "<script>window.theme = {};</script>",
                v.to_string().replace("</", "<\\/")
            )
        })
        .unwrap_or_default();
    if let Some(names) = config.transports.names() {
        let list = serde_json::to_string(names).unwrap_or_else(|_| "[]".to_owned());
        script.push_str(&format!("<script>window.transports = {list};</script>"));
    }
    if let Some(js) = &ui.custom_js {
        script.push_str(&format!("<script src=\"{}\"></script>", escape(js)));
    }
    let css = ui
        .custom_css
        .as_ref()
        .map(|css| {
            format!(
                "<link rel=\"stylesheet\" type=\"text/css\" href=\"{}\">",
                escape(css)
            )
        })
        .unwrap_or_default();
    let page = raw
        .replace(TAG_PLACEHOLDER, &tags)
        .replace(JS_PLACEHOLDER, &script)
        .replace(CSS_PLACEHOLDER, &css);
    under_root(page, root)
}

#[cfg(test)]
mod template {
    use super::*;
    use crate::config::{Config, Transports};

    #[test]
    fn the_placeholders_get_the_apps_tags_escaped() {
        let raw =
            "<head><!-- TAG INJECTION PLACEHOLDER --><!-- JS INJECTION PLACEHOLDER --></head>";
        let theme = serde_json::json!({ "variables": { "light": { "--x": "</script>" } } });
        let mut config = Config::default();
        config.ui.name = "Help <desk>".to_owned();
        config.ui.description = "a \"quote\"".to_owned();
        let page = templated_index(raw, &config, Some(&theme));
        assert!(page.contains("<title>Help &lt;desk&gt;</title>"), "{page}");
        assert!(page.contains("content=\"a &quot;quote&quot;\""), "{page}");
        assert!(
            page.contains("<meta property=\"og:root_path\" content=\"\">"),
            "{page}"
        );
        assert!(page.contains("window.theme = {\"light\""), "{page}");
        assert!(!page.contains("window.transports"), "{page}");
        assert!(
            !page.contains("</script>\"}"),
            "the theme closed the script: {page}"
        );
        assert_eq!(
            templated_index("<p>plain</p>", &config, None),
            "<p>plain</p>"
        );
        config.ui.custom_css = Some("/public/a.css".to_owned());
        config.ui.custom_js = Some("/public/a.js".to_owned());
        let styled = templated_index(
            "<!-- CSS INJECTION PLACEHOLDER --><!-- JS INJECTION PLACEHOLDER -->",
            &config,
            None,
        );
        assert!(styled.contains("href=\"/public/a.css\""), "{styled}");
        assert!(
            styled.contains("<script src=\"/public/a.js\"></script>"),
            "{styled}"
        );
    }

    #[test]
    fn a_root_path_moves_every_link_and_the_transports_are_told() {
        let raw = "<head><!-- TAG INJECTION PLACEHOLDER --><!-- JS INJECTION PLACEHOLDER -->\
                   <script src=\"/assets/index.js\"></script><link href=\"/assets/a.css\">\
                   <a href=\"https://example.com/\">x</a></head>";
        let config = Config {
            root_path: Some("/chat".to_owned()),
            transports: Transports::WebSocket,
            ..Config::default()
        };
        let page = templated_index(raw, &config, None);
        assert!(page.contains("content=\"/chat\">"), "{page}");
        assert!(page.contains("src=\"/chat/assets/index.js\""), "{page}");
        assert!(page.contains("href=\"/chat/assets/a.css\""), "{page}");
        assert!(page.contains("href=\"/chat/favicon\""), "{page}");
        assert!(page.contains("href=\"https://example.com/\""), "{page}");
        assert!(
            page.contains("<script>window.transports = [\"websocket\"];</script>"),
            "{page}"
        );
        let own = embedded_index("/chat");
        assert!(own.contains("src=\"/chat/_chainrs/app.js\""), "{own}");
        assert!(!own.contains("\"/_chainrs/"), "{own}");
    }
}
