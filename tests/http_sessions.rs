//! HTTP endpoints and sessions: how a request names its session, what happens with none, a bad
//! or unknown one; the chat and its endpoints sharing one session both ways; `#[endpoint(ws)]`
//! pushing into the live tab; login; routing that never shadows a custom route.

use chainrs::prelude::*;
use chainrs::testing::TestClient;

#[derive(SessionState, Debug, Default, Serialize, Deserialize)]
struct Notes {
    items: Vec<String>,
}

#[on_message]
async fn remember(msg: Message, notes: UserSession<Notes>) -> chainrs::Result<()> {
    let all = notes
        .update(|n| {
            n.items.push(msg.content.clone());
            n.items.join(",")
        })
        .await?;
    Message::new(all).send().await?;
    Ok(())
}

#[endpoint(http, method = "GET", path = "/notes")]
async fn list(
    notes: UserSession<Notes>,
    session: Session,
) -> chainrs::Result<Json<serde_json::Value>> {
    let items = notes.get().await?.items;
    Ok(Json(
        serde_json::json!({ "items": items, "client": session.client_type() }),
    ))
}

#[derive(Deserialize)]
struct Add {
    text: String,
}

#[endpoint(http, method = "POST", path = "/notes")]
async fn add(notes: UserSession<Notes>, Json(new): Json<Add>) -> chainrs::Result<StatusCode> {
    notes.update(|n| n.items.push(new.text.clone())).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[endpoint(http, method = "GET", path = "/items/{id}")]
async fn get_item(
    Path(id): Path<u32>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> String {
    format!("item {id} {}", q.get("color").map_or("-", String::as_str))
}

#[endpoint(http, method = "DELETE", path = "/explode")]
async fn explode() -> StatusCode {
    panic!("endpoint exploded")
}

#[derive(Deserialize)]
struct Notice {
    text: String,
}

#[endpoint(ws, method = "POST", path = "/notify")]
async fn notify(Json(n): Json<Notice>) -> chainrs::Result<StatusCode> {
    Message::new(n.text).send().await?;
    Ok(StatusCode::ACCEPTED)
}

#[endpoint(http, method = "POST", path = "/notify-http")]
async fn notify_http(Json(n): Json<Notice>) -> chainrs::Result<StatusCode> {
    Message::new(n.text).send().await?;
    Ok(StatusCode::ACCEPTED)
}

fn app() -> App {
    App::new()
        .register(remember)
        .register(list)
        .register(add)
        .register(get_item)
        .register(explode)
        .register(notify)
        .register(notify_http)
}

#[tokio::test]
async fn chat_and_endpoints_share_one_session_both_ways() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let mut chat = client.open_chat().await?;
    chat.send("from chat").await?;
    let id = chat.session_id();

    let seen = client.get("/notes").session(id).send().await;
    assert_eq!(seen.status(), StatusCode::OK);
    assert_eq!(
        seen.session_id(),
        Some(id),
        "the response names the session it used"
    );
    let body: serde_json::Value = seen.json()?;
    assert_eq!(body["items"], serde_json::json!(["from chat"]));
    assert_eq!(
        body["client"], "webapp",
        "the endpoint sees the chat's session, not a fresh one"
    );

    let added = client
        .post("/notes")
        .session(id)
        .json(&serde_json::json!({"text": "from http"}))
        .send()
        .await;
    assert_eq!(added.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        chat.send("again").await?.replies(),
        ["from chat,from http,again"]
    );
    Ok(())
}

#[tokio::test]
async fn a_request_names_its_session_by_header_cookie_or_query() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let mut chat = client.open_chat().await?;
    chat.send("x").await?;
    let id = chat.session_id().to_string();
    let by_cookie = client
        .get("/notes")
        .header("cookie", &format!("theme=dark; X-Chainlit-Session-id={id}"))
        .send()
        .await;
    let by_query = client.get(&format!("/notes?session_id={id}")).send().await;
    // Percent-encoded, as a client's URL or cookie library may write it (`-` as `%2D`).
    let encoded = id.replace('-', "%2D");
    let by_encoded_query = client
        .get(&format!("/notes?page=1&session%5Fid={encoded}"))
        .send()
        .await;
    let by_encoded_cookie = client
        .get("/notes")
        .header("cookie", &format!("X-Chainlit-Session-id={encoded}"))
        .send()
        .await;
    for response in [by_cookie, by_query, by_encoded_query, by_encoded_cookie] {
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.json::<serde_json::Value>()?["items"],
            serde_json::json!(["x"])
        );
    }
    Ok(())
}

#[tokio::test]
async fn without_an_id_a_headless_session_is_created_and_kept_across_calls() -> chainrs::Result<()>
{
    let client = TestClient::new(app())?;
    let first = client
        .post("/notes")
        .json(&serde_json::json!({"text": "one"}))
        .send()
        .await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    let id = first
        .session_id()
        .ok_or_else(|| chainrs::Error::handler("no id returned"))?;
    client
        .post("/notes")
        .session(id)
        .json(&serde_json::json!({"text": "two"}))
        .send()
        .await;
    let body: serde_json::Value = client.get("/notes").session(id).send().await.json()?;
    assert_eq!(body["items"], serde_json::json!(["one", "two"]));
    assert_eq!(body["client"], "http");
    let fresh = client.get("/notes").send().await;
    assert_ne!(
        fresh.session_id(),
        Some(id),
        "no id means a new session, never someone else's"
    );
    Ok(())
}

#[tokio::test]
async fn malformed_and_unknown_session_ids_are_clear_errors() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let bad = client
        .get("/notes")
        .header("x-chainrs-session-id", "not-a-uuid")
        .send()
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let text = bad.text();
    assert!(
        text.contains("malformed session id") && text.contains("X-Chainrs-Session-Id"),
        "{text}"
    );
    let bad_query = client.get("/notes?session_id=12").send().await;
    assert_eq!(bad_query.status(), StatusCode::BAD_REQUEST);
    assert!(bad_query.text().contains("session_id query parameter"));

    let unknown = SessionId::new();
    let missing = client.get("/notes").session(unknown).send().await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().contains(&unknown.to_string()));
    assert_eq!(client.stats().stored, Some(0), "bad ids create no session");
    Ok(())
}

#[tokio::test]
async fn ws_endpoints_push_into_the_live_tab_and_explain_when_there_is_none() -> chainrs::Result<()>
{
    let client = TestClient::new(app())?;
    let mut chat = client.open_chat().await?;
    let id = chat.session_id();
    let pushed = client
        .post("/notify")
        .session(id)
        .json(&serde_json::json!({"text": "ping"}))
        .send()
        .await;
    assert_eq!(pushed.status(), StatusCode::ACCEPTED);
    assert_eq!(chat.received().replies(), ["ping"]);

    let no_id = client
        .post("/notify")
        .json(&serde_json::json!({"text": "x"}))
        .send()
        .await;
    assert_eq!(no_id.status(), StatusCode::BAD_REQUEST);
    assert!(no_id.text().contains("X-Chainrs-Session-Id"));
    let unknown = client
        .post("/notify")
        .session(SessionId::new())
        .json(&serde_json::json!({"text": "x"}))
        .send()
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // A headless session exists but has no tab: 409.
    let headless = client
        .get("/notes")
        .send()
        .await
        .session_id()
        .ok_or_else(|| chainrs::Error::handler("no id"))?;
    let no_tab = client
        .post("/notify")
        .session(headless)
        .json(&serde_json::json!({"text": "x"}))
        .send()
        .await;
    assert_eq!(no_tab.status(), StatusCode::CONFLICT);
    assert!(no_tab.text().contains("no live chat tab"));

    // In an http endpoint, Message::send explains that it needs ws.
    let wrong = client
        .post("/notify-http")
        .session(id)
        .json(&serde_json::json!({"text": "x"}))
        .send()
        .await;
    assert_eq!(wrong.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(wrong.text().contains("#[endpoint(ws"), "{}", wrong.text());
    assert!(chat.received().events().is_empty());
    Ok(())
}

#[tokio::test]
async fn extractors_routing_and_failures_answer_as_a_web_framework_should() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let item = client.get("/items/42?color=red").send().await;
    assert_eq!(
        (item.status(), item.text().as_str()),
        (StatusCode::OK, "item 42 red")
    );
    let not_a_number = client.get("/items/abc").send().await;
    assert_eq!(not_a_number.status(), StatusCode::BAD_REQUEST);

    let unknown = client.get("/nothing/here").send().await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.json::<serde_json::Value>()?["error"],
        "no route for GET /nothing/here"
    );

    let bad_json = client
        .post("/notes")
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await;
    assert_eq!(bad_json.status(), StatusCode::BAD_REQUEST);

    let boom = client.delete("/explode").send().await;
    assert_eq!(boom.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(boom.text().contains("endpoint exploded"));
    assert_eq!(
        client.get("/items/1").send().await.status(),
        StatusCode::OK,
        "still serving after a panic"
    );
    Ok(())
}

#[password_auth_callback]
async fn login(username: String, password: String) -> Option<User> {
    (password == format!("{username}-pw")).then(|| User::new(username))
}

#[endpoint(http, method = "GET", path = "/whoami")]
async fn whoami(user: User) -> String {
    user.identifier
}

#[tokio::test]
async fn with_a_login_callback_every_endpoint_requires_a_logged_in_session() -> chainrs::Result<()>
{
    let client = TestClient::new(App::new().register(login).register(whoami))?;
    let anonymous = client.get("/whoami").send().await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(anonymous.text().contains("POST /login"));
    assert_eq!(
        client.stats().stored,
        Some(0),
        "refused requests create no session"
    );

    let refused = client
        .post("/login")
        .form(&[("username", "ann"), ("password", "wrong")])
        .send()
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let garbled = client
        .post("/login")
        .body("username=ann")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await;
    assert_eq!(garbled.status(), StatusCode::BAD_REQUEST);

    let ann_login = client.login("ann", "ann-pw").await?;
    let ann = ann_login.session_id;
    let me = client.get("/whoami").login(&ann_login).send().await;
    assert_eq!((me.status(), me.text().as_str()), (StatusCode::OK, "ann"));
    let user: serde_json::Value = client
        .get("/user")
        .bearer(&ann_login.token)
        .send()
        .await
        .json()?;
    assert_eq!(user["identifier"], "ann");
    assert_eq!(
        client.get("/user").send().await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The session id alone is not a login.
    let no_token = client.get("/whoami").session(ann).send().await;
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);

    // Logging in again from ann's session keeps it; bob never gets ann's session.
    assert_eq!(
        client
            .post("/login")
            .session(ann)
            .form(&[("username", "ann"), ("password", "ann-pw")])
            .send()
            .await
            .session_id(),
        Some(ann)
    );
    let bob = client
        .post("/login")
        .session(ann)
        .form(&[("username", "bob"), ("password", "bob-pw")])
        .send()
        .await;
    assert_ne!(bob.session_id(), Some(ann));
    Ok(())
}

#[endpoint(http, method = "POST", path = "/login")]
async fn shadow_login() -> StatusCode {
    StatusCode::OK
}

#[endpoint(http, method = "GET", path = "/notes")]
async fn list_again() -> StatusCode {
    StatusCode::OK
}

#[tokio::test]
async fn conflicting_routes_are_reported_at_build_time() {
    let err = TestClient::new(App::new().register(shadow_login))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("shadow_login") && err.contains("built-in POST /login"),
        "{err}"
    );
    let err = TestClient::new(App::new().register(list).register(list_again))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("two endpoints answer GET /notes")
            && err.contains("`list`")
            && err.contains("`list_again`"),
        "{err}"
    );
}

#[tokio::test]
async fn the_router_mounts_inside_an_existing_axum_app() -> chainrs::Result<()> {
    use chainrs::axum::{Router, routing::get};
    let router: Router = Router::new()
        .route("/health", get(|| async { "ok" }))
        .merge(app().into_router()?);
    let server = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = server.local_addr()?;
    let serving = tokio::spawn(async move { chainrs::axum::serve(server, router).await });
    let http = reqwest::Client::new();
    let health = http
        .get(format!("http://{addr}/health"))
        .send()
        .await
        .map_err(chainrs::Error::handler)?;
    assert_eq!(health.text().await.map_err(chainrs::Error::handler)?, "ok");
    let item = http
        .get(format!("http://{addr}/items/7"))
        .send()
        .await
        .map_err(chainrs::Error::handler)?;
    assert_eq!(
        item.text().await.map_err(chainrs::Error::handler)?,
        "item 7 -"
    );
    serving.abort();
    Ok(())
}
