//! The REST surface around the chat socket (`/auth/config`, `/project/settings`,
//! `/set-session-cookie`) and the page routes: the embedded page, an app's own front-end
//! folder, and endpoints keeping priority over the page's fallback.

use chainrs::prelude::*;
use chainrs::testing::TestClient;
use serde_json::Value;

#[endpoint(http, method = "GET", path = "/custom/ping")]
async fn ping() -> &'static str {
    "pong"
}

#[password_auth_callback]
async fn login(username: String, password: String) -> Option<User> {
    (username == password).then(|| User::new(username))
}

#[tokio::test]
async fn auth_config_reports_what_is_enabled() -> chainrs::Result<()> {
    let open = TestClient::new(App::new().name("Open").register(ping))?;
    let config: Value = open.get("/auth/config").send().await.json()?;
    assert_eq!(config["requireLogin"], false);
    assert_eq!(config["passwordAuth"], false);
    assert_eq!(config["headerAuth"], false);
    assert_eq!(config["oauthProviders"], serde_json::json!([]));
    assert_eq!(config["ui"]["name"], "Open");

    let closed = TestClient::new(App::new().register(login))?;
    let config: Value = closed.get("/auth/config").send().await.json()?;
    assert_eq!(config["requireLogin"], true);
    assert_eq!(config["passwordAuth"], true);
    Ok(())
}

#[tokio::test]
async fn project_settings_has_the_shape_the_web_client_reads() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().name("Helper").description("Answers questions"))?;
    let settings: Value = client
        .get("/project/settings?language=en-US")
        .send()
        .await
        .json()?;
    assert_eq!(settings["ui"]["name"], "Helper");
    assert_eq!(settings["ui"]["description"], "Answers questions");
    // Every field of Chainlit 2.12's answer is there.
    let top = [
        "ui",
        "features",
        "userEnv",
        "maskUserEnv",
        "dataPersistence",
        "threadResumable",
        "threadSharing",
        "markdown",
        "chatProfiles",
        "starters",
        "starterCategories",
        "debugUrl",
    ];
    let ui = [
        "name",
        "description",
        "cot",
        "default_theme",
        "language",
        "layout",
        "default_sidebar_state",
        "chat_settings_location",
        "default_chat_settings_open",
        "confirm_new_chat",
        "github",
        "custom_css",
        "custom_js",
        "alert_style",
        "login_page_image",
        "login_page_image_filter",
        "login_page_image_dark_filter",
        "custom_meta_image_url",
        "logo_file_url",
        "default_avatar_file_url",
        "avatar_size",
        "header_links",
    ];
    let features = [
        "spontaneous_file_upload",
        "audio",
        "mcp",
        "latex",
        "user_message_markdown",
        "user_message_autoscroll",
        "assistant_message_autoscroll",
        "unsafe_allow_html",
        "auto_tag_thread",
        "edit_message",
        "allow_thread_sharing",
        "favorites",
    ];
    for key in top {
        assert!(settings.get(key).is_some(), "missing {key}: {settings}");
    }
    for key in ui {
        assert!(settings["ui"].get(key).is_some(), "missing ui.{key}");
    }
    for key in features {
        assert!(
            settings["features"].get(key).is_some(),
            "missing features.{key}"
        );
    }
    // Chainlit's defaults where they change what the UI does.
    assert_eq!(settings["features"]["user_message_markdown"], true);
    assert_eq!(settings["ui"]["confirm_new_chat"], true);
    assert_eq!(settings["dataPersistence"], false);
    Ok(())
}

#[tokio::test]
async fn set_session_cookie_sets_the_affinity_cookie_and_checks_the_id() -> chainrs::Result<()> {
    let client = TestClient::new(App::new())?;
    let id = SessionId::new();
    let ok = client
        .post("/set-session-cookie")
        .json(&serde_json::json!({ "session_id": id }))
        .send()
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let cookie = ok.header("set-cookie").expect("a cookie");
    assert!(
        cookie.starts_with(&format!("X-Chainlit-Session-id={id};")),
        "{cookie}"
    );
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=lax"),
        "{cookie}"
    );

    let bad_id = client
        .post("/set-session-cookie")
        .json(&serde_json::json!({ "session_id": "nope" }))
        .send()
        .await;
    assert_eq!(bad_id.status(), StatusCode::BAD_REQUEST);
    assert!(
        bad_id.text().contains("malformed session id"),
        "{}",
        bad_id.text()
    );
    let no_body = client.post("/set-session-cookie").body("x").send().await;
    assert_eq!(no_body.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn the_embedded_page_is_served_and_endpoints_win_over_its_fallback() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(ping))?;
    let page = client.get("/").send().await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    assert!(page.text().contains("/_chainrs/app.js"));
    let script = client.get("/_chainrs/app.js").send().await;
    assert!(
        script
            .header("content-type")
            .is_some_and(|t| t.contains("javascript"))
    );
    assert!(script.text().contains("connection_successful"));

    // A browser route the page handles itself gets the page; an API call gets JSON 404.
    let route = client
        .get("/thread/42")
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await;
    assert_eq!(route.status(), StatusCode::OK);
    assert!(route.text().contains("/_chainrs/app.js"));
    let api = client.get("/thread/42").send().await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert!(api.text().contains("no route for GET /thread/42"));

    // Chainlit's fault: custom GET routes shadowed by the page. Here the endpoint answers.
    let custom = client
        .get("/custom/ping")
        .header("accept", "text/html")
        .send()
        .await;
    assert_eq!(custom.text(), "pong");
    Ok(())
}

#[tokio::test]
async fn an_app_can_serve_its_own_front_end_folder() -> chainrs::Result<()> {
    let dir = std::env::temp_dir().join(format!("chainrs-frontend-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("assets"))?;
    std::fs::write(dir.join("index.html"), "<main>my spa</main>")?;
    std::fs::write(dir.join("assets/app.js"), "console.log('spa')")?;
    let client = TestClient::new(App::new().register(ping).frontend_dir(&dir))?;
    assert_eq!(client.get("/").send().await.text(), "<main>my spa</main>");
    assert_eq!(
        client.get("/assets/app.js").send().await.text(),
        "console.log('spa')"
    );
    assert_eq!(
        client.get("/some/client/route").send().await.text(),
        "<main>my spa</main>"
    );
    assert_eq!(client.get("/custom/ping").send().await.text(), "pong");
    let post = client.post("/nowhere").send().await;
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    // An unknown path under an API prefix is a JSON 404, never the page.
    for path in [
        "/project/nope",
        "/auth/nope",
        "/avatars/a/b",
        "/public/missing.css",
    ] {
        let api = client.get(path).header("accept", "text/html").send().await;
        assert_eq!(api.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(api.text().contains("\"detail\""), "{path}: {}", api.text());
    }
    std::fs::remove_dir_all(&dir)?;

    let missing =
        TestClient::new(App::new().frontend_dir(std::env::temp_dir().join("no-such-spa")))
            .err()
            .expect("a folder without index.html is refused");
    assert!(
        missing.to_string().contains("has no index.html"),
        "{missing}"
    );
    Ok(())
}

#[tokio::test]
async fn an_api_only_app_serves_no_page() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(ping).without_page())?;
    let root = client.get("/").header("accept", "text/html").send().await;
    assert_eq!(root.status(), StatusCode::NOT_FOUND);
    assert_eq!(client.get("/custom/ping").send().await.text(), "pong");
    Ok(())
}

#[endpoint(http, method = "GET", path = "/project/settings")]
async fn shadow_settings() -> &'static str {
    "mine"
}

#[tokio::test]
async fn endpoints_cannot_take_the_protocols_routes() {
    let err = TestClient::new(App::new().register(shadow_settings))
        .err()
        .expect("a built-in route is refused");
    assert!(err.to_string().contains("/project/settings"), "{err}");
}

#[tokio::test]
async fn chainlits_web_client_gets_what_it_reads() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(ping))?;
    // The health probe.
    let health = client.get("/health").send().await;
    assert_eq!(
        health.json::<serde_json::Value>()?,
        serde_json::json!({ "status": "ok" })
    );
    // Without login, /user is null (not 401): the UI then shows the chat.
    let user = client.get("/user").send().await;
    assert_eq!(
        (user.status(), user.text()),
        (StatusCode::OK, "null".to_owned())
    );
    // Every error body carries `detail` (what the UI shows) beside `error`.
    let failed = client
        .post("/login")
        .form(&[("username", "a")])
        .send()
        .await;
    let body: serde_json::Value = failed.json()?;
    assert_eq!(failed.status(), StatusCode::NOT_FOUND);
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("password login")),
        "{body}"
    );
    assert_eq!(body["detail"], body["error"]);
    // The embedded page never answers an unknown API path.
    let api = client
        .get("/project/nope")
        .header("accept", "text/html")
        .send()
        .await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert!(api.text().contains("\"detail\""), "{}", api.text());
    Ok(())
}

#[tokio::test]
async fn the_favicon_logos_avatars_and_public_files_come_from_the_public_folder()
-> chainrs::Result<()> {
    let dir = std::env::temp_dir().join(format!("chainrs-public-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("avatars"))?;
    std::fs::create_dir_all(dir.join("elements"))?;
    std::fs::write(dir.join("favicon.png"), b"\x89PNG-favicon")?;
    std::fs::write(dir.join("logo_dark.svg"), "<svg>dark</svg>")?;
    std::fs::write(dir.join("avatars/tool_bot.png"), b"\x89PNG-tool-bot")?;
    std::fs::write(
        dir.join("elements/Card.jsx"),
        "export default function Card() {}",
    )?;
    let client = TestClient::new(App::new().register(ping).public_dir(&dir))?;
    let favicon = client.get("/favicon").send().await;
    assert_eq!(favicon.header("content-type"), Some("image/png"));
    assert_eq!(favicon.text(), "\u{fffd}PNG-favicon");
    assert_eq!(
        client.get("/logo?theme=dark").send().await.text(),
        "<svg>dark</svg>"
    );
    // No light logo in the folder: chainrs's own.
    let light = client.get("/logo?theme=light").send().await;
    assert_eq!(light.header("content-type"), Some("image/svg+xml"));
    assert!(light.text().contains("chainrs"));
    // Names are lower-cased, spaces and dots made `_`; an unknown author gets the favicon.
    let avatar = client.get("/avatars/Tool%20Bot").send().await;
    assert_eq!(avatar.text(), "\u{fffd}PNG-tool-bot");
    let unknown = client.get("/avatars/Someone").send().await;
    assert_eq!(unknown.text(), "\u{fffd}PNG-favicon");
    let bad = client.get("/avatars/a%24b").send().await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    // Public files, with traversal refused and a missing file a JSON 404.
    let card = client.get("/public/elements/Card.jsx").send().await;
    assert_eq!(card.text(), "export default function Card() {}");
    for escape in [
        "/public/../secret",
        "/public/%2e%2e/secret",
        "/public/elements/..%2f..%2fx",
    ] {
        let refused = client.get(escape).send().await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{escape}");
    }
    let missing = client.get("/public/nope.css").send().await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().contains("\"detail\""));
    std::fs::remove_dir_all(&dir)?;
    // Without a public folder: chainrs's own favicon.
    let bare = TestClient::new(App::new().register(ping).public_dir("/no/such/folder"))?;
    let favicon = bare.get("/favicon").send().await;
    assert_eq!(favicon.header("content-type"), Some("image/svg+xml"));
    Ok(())
}

#[tokio::test]
async fn head_on_the_root_answers_for_probes() -> chainrs::Result<()> {
    for app in [
        App::new().register(ping),
        App::new().register(ping).without_page(),
    ] {
        let client = TestClient::new(app)?;
        let head = client
            .request(chainrs::axum::http::Method::HEAD, "/")
            .send()
            .await;
        assert_eq!(head.status(), StatusCode::OK);
    }
    Ok(())
}

#[tokio::test]
async fn a_chainlit_style_index_gets_the_apps_tags_and_theme() -> chainrs::Result<()> {
    let root = std::env::temp_dir().join(format!("chainrs-index-{}", uuid::Uuid::new_v4()));
    let (dist, public) = (root.join("dist"), root.join("public"));
    std::fs::create_dir_all(&dist)?;
    std::fs::create_dir_all(&public)?;
    std::fs::write(
        dist.join("index.html"),
        "<html><head><!-- TAG INJECTION PLACEHOLDER --><!-- CSS INJECTION PLACEHOLDER --><!-- JS INJECTION PLACEHOLDER --></head><body></body></html>",
    )?;
    std::fs::write(
        public.join("theme.json"),
        r#"{"variables": {"light": {"--primary": "10 80% 50%"}}}"#,
    )?;
    let client = TestClient::new(
        App::new()
            .name("Help desk")
            .description("Answers <questions>")
            .frontend_dir(&dist)
            .public_dir(&public)
            .custom_css("/public/style.css"),
    )?;
    let settings: serde_json::Value = client.get("/project/settings").send().await.json()?;
    assert_eq!(settings["ui"]["custom_css"], "/public/style.css");
    for path in ["/", "/index.html", "/thread/some-id"] {
        let page = client.get(path).send().await;
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        let html = page.text();
        assert!(html.contains("<title>Help desk</title>"), "{path}: {html}");
        assert!(
            html.contains("content=\"Answers &lt;questions&gt;\""),
            "{html}"
        );
        assert!(
            html.contains("<link rel=\"icon\" href=\"/favicon\" />"),
            "{html}"
        );
        assert!(html.contains("og:root_path"), "{html}");
        assert!(html.contains("window.theme = {\"light\""), "{html}");
        assert!(html.contains("href=\"/public/style.css\""), "{html}");
        assert!(!html.contains("INJECTION PLACEHOLDER"), "{html}");
    }
    std::fs::remove_dir_all(&root)?;
    Ok(())
}
