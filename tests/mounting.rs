//! How an app presents itself to a front end: the page's translations by language, the app
//! mounted under a root path (page, API and socket), and the socket transports it accepts.

use chainrs::prelude::*;
use chainrs::testing::TestClient;
use chainrs::{Transports, axum::http::StatusCode};
use chainrs_tests::{Served, echo_back, socket_connect};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;

#[endpoint(http, method = "GET", path = "/ping")]
async fn ping() -> &'static str {
    "pong"
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chainrs-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("create a temporary folder");
    dir
}

async fn translation(client: &TestClient, language: &str) -> (StatusCode, Value) {
    let response = client
        .get(&format!("/project/translations?language={language}"))
        .send()
        .await;
    (response.status(), response.json().unwrap_or(Value::Null))
}

#[tokio::test]
async fn translations_are_looked_up_exact_then_parent_then_english() -> chainrs::Result<()> {
    // Without a folder: chainrs's own English for every language, under the UI's sections.
    let bare = TestClient::new(App::new().register(ping))?;
    let (status, body) = translation(&bare, "ja-JP").await;
    assert_eq!(status, StatusCode::OK);
    let strings = &body["translation"];
    assert!(
        strings["chat"]["input"]["placeholder"].is_string(),
        "{body}"
    );
    assert!(
        strings["auth"]["provider"]["continue"]
            .as_str()
            .is_some_and(|s| s.contains("{{provider}}")),
        "{body}"
    );
    let (_, none) = {
        let response = bare.get("/project/translations").send().await;
        (response.status(), response.json().unwrap_or(Value::Null))
    };
    assert_eq!(none, body, "no language is en-US");

    let dir = temp_dir("translations");
    std::fs::write(dir.join("pt-BR.json"), r#"{"chat": {"where": "pt-BR"}}"#)?;
    std::fs::write(dir.join("pt.json"), r#"{"chat": {"where": "pt"}}"#)?;
    std::fs::write(
        dir.join("en-US.json"),
        r#"{"chat": {"where": "the app's en-US"}}"#,
    )?;
    std::fs::write(dir.join("de.json"), "{ not json")?;
    std::fs::write(dir.join("fr.json"), r#"["an array"]"#)?;
    let client = TestClient::new(App::new().register(ping).translations_dir(&dir))?;
    for (language, expected) in [
        ("pt-BR", "pt-BR"),
        ("pt-PT", "pt"),
        ("pt", "pt"),
        ("es-ES", "the app's en-US"),
        // Files that do not parse as an object are skipped, never a blank page.
        ("de-DE", "the app's en-US"),
        ("fr", "the app's en-US"),
    ] {
        let (status, body) = translation(&client, language).await;
        assert_eq!(status, StatusCode::OK, "{language}");
        assert_eq!(
            body["translation"]["chat"]["where"], expected,
            "{language}: {body}"
        );
    }
    // What a file lacks stays in chainrs's English.
    let (_, body) = translation(&client, "pt-BR").await;
    assert_eq!(
        body["translation"]["chat"]["input"], strings["chat"]["input"],
        "{body}"
    );
    // A folder without en-US.json ends at chainrs's own.
    std::fs::remove_file(dir.join("en-US.json"))?;
    let (_, body) = translation(&client, "es").await;
    assert_eq!(body, translation(&bare, "es").await.1);

    // Anything but a language tag is refused before a path is built.
    for bad in ["..%2Fsecret", "pt-BR.json", "english", "e"] {
        let response = client
            .get(&format!("/project/translations?language={bad}"))
            .send()
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            response.json::<Value>()?["detail"]
                .as_str()
                .is_some_and(|d| d.contains("language tag")),
            "{bad}: {}",
            response.text()
        );
    }

    // The app's language wins over the browser's, and shows in the settings.
    let fixed = TestClient::new(
        App::new()
            .register(ping)
            .translations_dir(&dir)
            .language("pt-BR"),
    )?;
    let (_, body) = translation(&fixed, "es-ES").await;
    assert_eq!(body["translation"]["chat"]["where"], "pt-BR");
    let settings: Value = fixed.get("/project/settings").send().await.json()?;
    assert_eq!(settings["ui"]["language"], "pt-BR");
    std::fs::remove_dir_all(&dir)?;

    let err = TestClient::new(App::new().register(ping).language("not a tag"))
        .err()
        .map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("language tag")));
    Ok(())
}

#[tokio::test]
async fn a_root_path_mounts_the_page_the_api_and_the_socket() -> chainrs::Result<()> {
    let served = Served::start(
        App::new()
            .register(ping)
            .register(echo_back)
            .root_path("/chat/"),
    )
    .await?;
    let (base, http) = (served.base(), reqwest::Client::new());
    let get = |path: &str| {
        http.get(format!("{base}{path}"))
            .header("accept", "text/html")
            .send()
    };

    let page = get("/chat").await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.expect("page body");
    assert!(page.contains("src=\"/chat/_chainrs/app.js\""), "{page}");
    let script = get("/chat/_chainrs/app.js").await.expect("script");
    assert_eq!(script.status(), StatusCode::OK);
    let pong = get("/chat/ping").await.expect("endpoint");
    assert_eq!(pong.text().await.expect("body"), "pong");
    let settings = get("/chat/project/settings").await.expect("settings");
    assert_eq!(settings.status(), StatusCode::OK);

    // The socket answers under the root path too.
    let under = format!("{base}/chat");
    let auth = json!({ "sessionId": uuid::Uuid::new_v4().to_string() });
    let answer = socket_connect(&under, &[], &auth).await;
    assert!(answer.starts_with("40"), "{answer}");

    // Outside the root: a JSON 404 saying where the app is, for the page, the API and the socket.
    for outside in [
        "/",
        "/ping",
        "/project/settings",
        "/ws/socket.io/?EIO=4&transport=polling",
    ] {
        let response = get(outside).await.expect("outside");
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{outside}");
        let body: Value = response.json().await.expect("json 404");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("/chat/")),
            "{outside}: {body}"
        );
    }
    served.stop().await?;

    let err = App::new()
        .register(ping)
        .root_path("chat")
        .bind("127.0.0.1:0")
        .await
        .err()
        .map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("/chat")));
    Ok(())
}

#[tokio::test]
async fn a_chainlit_style_page_is_told_the_root_path_and_transports() -> chainrs::Result<()> {
    let dist = temp_dir("dist");
    std::fs::write(
        dist.join("index.html"),
        "<html><head><!-- TAG INJECTION PLACEHOLDER --><!-- JS INJECTION PLACEHOLDER -->\
         <script type=\"module\" src=\"/assets/index.js\"></script></head><body></body></html>",
    )?;
    std::fs::create_dir_all(dist.join("assets"))?;
    std::fs::write(dist.join("assets/index.js"), "console.log('ui')")?;
    let client = TestClient::new(
        App::new()
            .register(ping)
            .frontend_dir(&dist)
            .root_path("/apps/chat")
            .transports(Transports::WebSocket),
    )?;
    let page = client.get("/apps/chat/").send().await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("<meta property=\"og:root_path\" content=\"/apps/chat\">"),
        "{html}"
    );
    assert!(
        html.contains("src=\"/apps/chat/assets/index.js\""),
        "{html}"
    );
    assert!(
        html.contains("window.transports = [\"websocket\"]"),
        "{html}"
    );
    // A client-side route of the UI under the root gets the page; the build's files are served.
    let route = client
        .get("/apps/chat/thread/123")
        .header("accept", "text/html")
        .send()
        .await;
    assert!(route.text().contains("og:root_path"));
    let asset = client.get("/apps/chat/assets/index.js").send().await;
    assert_eq!(asset.text(), "console.log('ui')");
    // The UI's own /login page shares its path with POST /login: a browser gets the page there,
    // an API client a JSON 405 that says so.
    let login_page = client
        .get("/apps/chat/login")
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await;
    assert_eq!(login_page.status(), StatusCode::OK);
    assert!(login_page.text().contains("og:root_path"));
    let api = client.get("/apps/chat/login").send().await;
    assert_eq!(api.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = api.json()?;
    assert_eq!(body["detail"], json!("/login does not take GET"), "{body}");
    std::fs::remove_dir_all(&dist)?;
    Ok(())
}

#[tokio::test]
async fn a_websocket_only_app_refuses_long_polling() -> chainrs::Result<()> {
    let served = Served::start(
        App::new()
            .register(echo_back)
            .transports(Transports::WebSocket),
    )
    .await?;
    let polling = reqwest::get(format!(
        "{}/ws/socket.io/?EIO=4&transport=polling",
        served.base()
    ))
    .await
    .expect("polling open");
    assert_eq!(polling.status(), StatusCode::BAD_REQUEST);

    // A WebSocket connects and chats.
    let url = format!(
        "ws://{}/ws/socket.io/?EIO=4&transport=websocket",
        served.addr
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connect");
    let open = ws.next().await.expect("open packet").expect("frame");
    assert!(
        open.to_text().unwrap_or_default().starts_with('0'),
        "{open}"
    );
    let auth = json!({ "sessionId": uuid::Uuid::new_v4().to_string() });
    ws.send(Frame::text(format!("40{auth}")))
        .await
        .expect("connect");
    // Pings may come first; the socket's answer to the connect is what counts.
    let joined = loop {
        let frame = ws.next().await.expect("connect answer").expect("frame");
        let text = frame.to_text().unwrap_or_default().to_owned();
        if text == "2" {
            ws.send(Frame::text("3")).await.expect("pong");
            continue;
        }
        break text;
    };
    assert!(joined.starts_with("40"), "{joined}");
    drop(ws);
    served.stop().await?;
    Ok(())
}
