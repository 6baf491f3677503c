//! Login and ownership, in process: token issuing and checking, the secret rule, logout, one
//! session per owner (no takeover either way), optional login, and chat over plain HTTP.

use std::time::Duration;

use chainrs::prelude::*;
use chainrs::testing::TestClient;
use serde_json::{Value, json};

#[password_auth_callback]
async fn login(username: String, password: String) -> Option<User> {
    (password == format!("{username}-pw")).then(|| User::new(username))
}

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Notes {
    lines: Vec<String>,
}

#[endpoint(http, method = "POST", path = "/notes")]
async fn add_note(
    notes: UserSession<Notes>,
    Json(line): Json<String>,
) -> chainrs::Result<Json<usize>> {
    Ok(Json(
        notes
            .update(|n| {
                n.lines.push(line.clone());
                n.lines.len()
            })
            .await?,
    ))
}

#[endpoint(http, method = "GET", path = "/whoami")]
async fn whoami(user: Option<User>) -> String {
    user.map(|u| u.identifier)
        .unwrap_or_else(|| "anonymous".to_owned())
}

const SECRET: &str = "0123456789abcdef0123456789abcdef-test-only";

fn app() -> App {
    App::new()
        .register(login)
        .register(add_note)
        .register(whoami)
        .auth_secret(SECRET)
        .token_lifetime(Duration::from_secs(3600))
}

#[tokio::test]
async fn a_login_app_refuses_to_start_without_a_secret_unless_in_development_mode() {
    let err = TestClient::new(App::new().register(login).dev_mode(false))
        .err()
        .expect("no secret, no start");
    let text = err.to_string();
    assert!(
        text.contains("CHAINRS_AUTH_SECRET") && text.contains("head -c 48 /dev/urandom"),
        "{text}"
    );
    let short = TestClient::new(App::new().register(login).auth_secret("short"))
        .err()
        .expect("a short secret is refused");
    assert!(short.to_string().contains("at least 32"), "{short}");
    let from_env = App::new().register(login).dev_mode(false).config({
        let mut config = chainrs::Config::default();
        config
            .apply_env(|k| (k == "CHAINRS_AUTH_SECRET").then(|| SECRET.to_owned()))
            .expect("valid");
        config.dev_mode = false;
        config
    });
    assert!(
        TestClient::new(from_env).is_ok(),
        "the secret from the environment is used"
    );
    assert!(
        TestClient::new(App::new().register(login).dev_mode(true)).is_ok(),
        "development mode makes a throwaway secret"
    );
}

#[tokio::test]
async fn login_sets_an_http_only_token_cookie_and_returns_the_token() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let response = client
        .post("/login")
        .form(&[("username", "ann"), ("password", "ann-pw")])
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.header("set-cookie").unwrap_or_default().to_owned();
    for part in [
        "access_token=",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=3600",
    ] {
        assert!(cookie.contains(part), "{part} missing in {cookie}");
    }
    let body: Value = response.json()?;
    let token = body["access_token"].as_str().unwrap_or_default();
    assert!(cookie.starts_with(&format!("access_token={token};")));
    assert_eq!(body["token_type"], "bearer");
    // The cookie and the bearer header are both accepted.
    let by_cookie = client
        .get("/whoami")
        .header("cookie", &format!("access_token={token}"))
        .send()
        .await;
    assert_eq!(by_cookie.text(), "ann");
    let user: Value = client.get("/user").bearer(token).send().await.json()?;
    assert_eq!(user["identifier"], "ann");
    Ok(())
}

#[tokio::test]
async fn bad_tokens_are_refused_with_401() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let other = TestClient::new(app().auth_secret("another-secret-of-more-than-32-bytes!!"))?;
    let forged = other.token_for(&User::new("ann"))?;
    let expired = TestClient::new(app().token_lifetime(Duration::from_secs(1)))?
        .token_for(&User::new("ann"))?;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpZGVudGlmaWVyIjoiYW5uIiwiaWF0IjoxLCJleHAiOjk5OTk5OTk5OTl9.";
    for (token, why) in [
        (forged.as_str(), "signature is not valid"),
        (expired.as_str(), "expired"),
        (none, "not signed with HS256"),
        ("garbled", "malformed"),
    ] {
        for path in ["/whoami", "/user"] {
            let response = client.get(path).bearer(token).send().await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path} {why}");
            assert!(response.text().contains(why), "{path}: {}", response.text());
        }
    }
    assert_eq!(
        client.stats().stored,
        Some(0),
        "refused calls create nothing"
    );
    Ok(())
}

#[tokio::test]
async fn another_users_session_is_refused_and_never_taken_over() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let ann = client.login("ann", "ann-pw").await?;
    let bob = client.login("bob", "bob-pw").await?;
    let noted = client
        .post("/notes")
        .login(&ann)
        .json(&json!("ann's secret"))
        .send()
        .await;
    assert_eq!(noted.json::<usize>()?, 1);
    let stolen = client
        .post("/notes")
        .bearer(&bob.token)
        .session(ann.session_id)
        .json(&json!("bob was here"))
        .send()
        .await;
    assert_eq!(stolen.status(), StatusCode::FORBIDDEN);
    assert!(
        stolen.text().contains("belongs to another user"),
        "{}",
        stolen.text()
    );
    let chat = client
        .reconnect_chat(ann.session_id, Some(User::new("bob")))
        .await
        .err()
        .expect("bob cannot open ann's chat");
    assert!(matches!(chat, chainrs::Error::Forbidden(_)));
    // Ann's state is untouched.
    let again = client
        .post("/notes")
        .login(&ann)
        .json(&json!("more"))
        .send()
        .await;
    assert_eq!(again.json::<usize>()?, 2);
    // Without a session id, bob gets a session of his own.
    let own = client
        .post("/notes")
        .bearer(&bob.token)
        .json(&json!("mine"))
        .send()
        .await;
    assert_eq!(own.json::<usize>()?, 1);
    assert_ne!(own.session_id(), Some(ann.session_id));
    Ok(())
}

#[tokio::test]
async fn with_optional_login_anonymous_and_logged_in_sessions_stay_apart() -> chainrs::Result<()> {
    let client = TestClient::new(app().optional_login())?;
    let config: Value = client.get("/auth/config").send().await.json()?;
    assert_eq!(
        (
            config["requireLogin"].clone(),
            config["passwordAuth"].clone()
        ),
        (json!(false), json!(true))
    );
    let anonymous = client.get("/whoami").send().await;
    assert_eq!(anonymous.text(), "anonymous");
    let anon_session = anonymous.session_id().expect("a headless session");
    let ann = client.login("ann", "ann-pw").await?;
    let takeover = client
        .get("/whoami")
        .bearer(&ann.token)
        .session(anon_session)
        .send()
        .await;
    assert_eq!(
        takeover.status(),
        StatusCode::FORBIDDEN,
        "a login cannot take over an anonymous session"
    );
    assert!(
        takeover.text().contains("anonymous session"),
        "{}",
        takeover.text()
    );
    let the_other_way = client.get("/whoami").session(ann.session_id).send().await;
    assert_eq!(
        the_other_way.status(),
        StatusCode::FORBIDDEN,
        "nor the other way round"
    );
    assert_eq!(client.get("/whoami").login(&ann).send().await.text(), "ann");
    Ok(())
}

#[on_logout]
async fn bye(user: User) {
    LOGGED_OUT.lock().expect("lock").push(user.identifier);
}

static LOGGED_OUT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

#[tokio::test]
async fn logout_runs_on_logout_and_clears_the_cookie() -> chainrs::Result<()> {
    let client = TestClient::new(app().register(bye))?;
    let ann = client.login("ann", "ann-pw").await?;
    let response = client.post("/logout").bearer(&ann.token).send().await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.header("set-cookie").unwrap_or_default();
    assert!(
        cookie.starts_with("access_token=;") && cookie.contains("Max-Age=0"),
        "{cookie}"
    );
    assert!(LOGGED_OUT.lock().expect("lock").contains(&"ann".to_owned()));
    Ok(())
}

#[on_chat_start]
async fn greet(user: User) -> chainrs::Result<()> {
    Message::new(format!("hi {}", user.identifier))
        .send()
        .await?;
    Ok(())
}

#[on_message]
async fn answer(msg: Message, notes: UserSession<Notes>) -> chainrs::Result<()> {
    let n = notes
        .update(|n| {
            n.lines.push(msg.content.clone());
            n.lines.len()
        })
        .await?;
    Step::tool("count")
        .input(msg.content.clone())
        .run(async { Ok::<_, chainrs::Error>(n) })
        .await?;
    let mut out = Message::new("").stream().await?;
    out.token(format!("#{n}: ")).await?;
    out.token(msg.content.clone()).await?;
    out.finish().await?;
    Ok(())
}

#[tokio::test]
async fn bots_chat_over_plain_http_on_a_session_they_keep() -> chainrs::Result<()> {
    let client = TestClient::new(app().register(greet).register(answer))?;
    let ann = client.login("ann", "ann-pw").await?;
    let started = client.post("/chat/start").bearer(&ann.token).send().await;
    assert_eq!(started.status(), StatusCode::OK, "{}", started.text());
    let session = started.session_id().expect("the session comes back");
    let body: Value = started.json()?;
    assert_eq!(body["sessionId"], session.to_string());
    assert_eq!(body["messages"][0]["content"], "hi ann");
    assert_eq!(body["messages"][0]["type"], "assistant_message");

    let said = client
        .post("/chat/message")
        .bearer(&ann.token)
        .session(session)
        .json(&json!({ "content": "hello" }))
        .send()
        .await;
    let body: Value = said.json()?;
    let contents: Vec<&str> = body["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|x| x["content"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        contents,
        ["#1: hello"],
        "streamed tokens are joined: {body}"
    );
    let steps: Vec<&str> = body["steps"]
        .as_array()
        .map(|s| s.iter().filter_map(|x| x["author"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(steps, ["on_message", "count"]);

    // The same session the HTTP endpoints see.
    let noted = client
        .post("/notes")
        .bearer(&ann.token)
        .session(session)
        .json(&json!("from an endpoint"))
        .send()
        .await;
    assert_eq!(noted.json::<usize>()?, 2);
    let again: Value = client
        .post("/chat/message")
        .bearer(&ann.token)
        .session(session)
        .json(&json!({ "content": "again" }))
        .send()
        .await
        .json()?;
    assert_eq!(again["messages"][0]["content"], "#3: again");
    // A second start runs nothing; a bad body is a clear 400; another user is refused.
    let restart: Value = client
        .post("/chat/start")
        .bearer(&ann.token)
        .session(session)
        .send()
        .await
        .json()?;
    assert_eq!(restart["messages"], json!([]));
    let bad = client
        .post("/chat/message")
        .bearer(&ann.token)
        .session(session)
        .json(&json!({"text": 1}))
        .send()
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("{\\\"content\\\""), "{}", bad.text());
    let bob = client.login("bob", "bob-pw").await?;
    let stolen = client
        .post("/chat/message")
        .bearer(&bob.token)
        .session(session)
        .json(&json!({"content": "x"}))
        .send()
        .await;
    assert_eq!(stolen.status(), StatusCode::FORBIDDEN);
    Ok(())
}

mod exploding {
    use chainrs::prelude::*;

    #[password_auth_callback]
    pub async fn login(username: String, _password: String) -> Option<User> {
        if username == "boom" {
            panic!("auth backend exploded");
        }
        Some(User::new(username))
    }
}

#[tokio::test]
async fn a_panicking_login_callback_is_a_500_and_the_app_goes_on() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(exploding::login).dev_mode(true))?;
    let response = client
        .post("/login")
        .form(&[("username", "boom"), ("password", "x")])
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = response.json()?;
    assert_eq!(
        body["error"], "the handler panicked: auth backend exploded",
        "{body}"
    );
    assert!(
        response.header("set-cookie").is_none(),
        "no token on a panic"
    );
    let ok = client.login("ann", "x").await;
    assert!(ok.is_ok(), "the next login works: {ok:?}");
    Ok(())
}

/// A `multipart/form-data` body with these fields, as a browser's `FormData` posts it.
fn multipart(fields: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str("--XBOUNDARYX--\r\n");
    body
}

#[tokio::test]
async fn login_takes_the_multipart_form_chainlits_ui_posts() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let post = |body: String| {
        client
            .post("/login")
            .header("content-type", "multipart/form-data; boundary=XBOUNDARYX")
            .body(body)
    };
    let ok = post(multipart(&[
        ("username", "admin"),
        ("password", "admin-pw"),
    ]))
    .send()
    .await;
    assert_eq!(ok.status(), StatusCode::OK, "{}", ok.text());
    assert!(ok.json::<serde_json::Value>()?["access_token"].is_string());
    let wrong = post(multipart(&[("username", "admin"), ("password", "nope")]))
        .send()
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let missing = post(multipart(&[("username", "admin")])).send().await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert!(
        missing.text().contains("a field is missing"),
        "{}",
        missing.text()
    );
    let huge = "x".repeat(5000);
    let too_long = post(multipart(&[("username", &huge), ("password", "x")]))
        .send()
        .await;
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
    Ok(())
}
