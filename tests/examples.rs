//! The example apps over real HTTP on a loopback port, as a client with no browser uses them:
//! the agent scenario (login, init, run on the same session) and the hello app's shared session.

use std::net::SocketAddr;

use chainrs::prelude::*;
use chainrs::testing::TestClient;
use reqwest::StatusCode as Status;
use serde_json::{Value, json};

/// A served app that stops when dropped.
struct Served {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<chainrs::Result<()>>,
}

impl Served {
    async fn start(app: App) -> chainrs::Result<Served> {
        let server = app.bind("127.0.0.1:0").await?;
        let addr = server.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        Ok(Served {
            addr,
            stop: Some(stop),
            task,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

fn session_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-chainrs-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_default()
}

#[tokio::test]
async fn agent_login_init_and_run_over_real_http() -> Result<(), Box<dyn std::error::Error>> {
    let served = Served::start(agent::app()).await?;
    let http = reqwest::Client::new();

    let refused = http
        .post(served.url("/agent/run"))
        .json(&json!({"task": "x"}))
        .send()
        .await?;
    assert_eq!(refused.status(), Status::UNAUTHORIZED);

    let wrong = http
        .post(served.url("/login"))
        .form(&[("username", "alice"), ("password", "nope")])
        .send()
        .await?;
    assert_eq!(wrong.status(), Status::UNAUTHORIZED);

    // (1) log in: the session bound to alice comes back.
    let login = http
        .post(served.url("/login"))
        .form(&[("username", "alice"), ("password", "wonderland")])
        .send()
        .await?;
    assert_eq!(login.status(), Status::OK);
    let alice = session_of(&login);
    let body: Value = login.json().await?;
    assert_eq!(body["success"], true);
    assert_eq!(body["sessionId"], alice.as_str());
    let alice_token = body["access_token"].as_str().unwrap_or_default().to_owned();

    // Running before init is a clear error, not a crash.
    let early = http
        .post(served.url("/agent/run"))
        .header("x-chainrs-session-id", &alice)
        .bearer_auth(&alice_token)
        .json(&json!({"task": "x"}))
        .send()
        .await?;
    assert_eq!(early.status(), Status::BAD_REQUEST);
    assert!(early.text().await?.contains("POST /agent/init first"));

    // (2) build the agent for this session.
    let bad = http
        .post(served.url("/agent/init"))
        .header("x-chainrs-session-id", &alice)
        .bearer_auth(&alice_token)
        .json(&json!({"tools": ["teleport"]}))
        .send()
        .await?;
    assert_eq!(bad.status(), Status::UNPROCESSABLE_ENTITY);
    let init = http
        .post(served.url("/agent/init"))
        .header("x-chainrs-session-id", &alice)
        .bearer_auth(&alice_token)
        .json(&json!({"tools": ["upper", "count"]}))
        .send()
        .await?;
    assert_eq!(init.status(), Status::CREATED);
    assert_eq!(session_of(&init), alice);

    // (3) run it on the same session, twice.
    for (task, runs) in [("hello there", 1), ("once more", 2)] {
        let run = http
            .post(served.url("/agent/run"))
            .header("x-chainrs-session-id", &alice)
            .bearer_auth(&alice_token)
            .json(&json!({"task": task}))
            .send()
            .await?;
        assert_eq!(run.status(), Status::OK);
        let out: agent::RunResponse = run.json().await?;
        let words = task.split_whitespace().count();
        assert_eq!(
            out.output,
            format!("alice's agent: {} ({words} words)", task.to_uppercase())
        );
        assert_eq!(out.runs, runs);
    }

    // Bob logs in to a session and an agent of his own.
    let bob_login = http
        .post(served.url("/login"))
        .form(&[("username", "bob"), ("password", "builder")])
        .send()
        .await?;
    let bob = session_of(&bob_login);
    assert_ne!(bob, alice);
    let bob_body: Value = bob_login.json().await?;
    let bob_token = bob_body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let bob_run = http
        .post(served.url("/agent/run"))
        .header("x-chainrs-session-id", &bob)
        .bearer_auth(&bob_token)
        .json(&json!({"task": "x"}))
        .send()
        .await?;
    assert_eq!(
        bob_run.status(),
        Status::BAD_REQUEST,
        "bob has no agent yet"
    );
    Ok(())
}

#[tokio::test]
async fn the_agent_is_rebuilt_from_session_state_when_this_instance_lacks_it() -> chainrs::Result<()>
{
    // A chat tab on the same session uses the agent the endpoint built; after the local object
    // is dropped (as on another instance), the next run rebuilds it from UserSession.
    let client = TestClient::new(agent::app())?;
    let mut chat = client.open_chat_as(User::new("alice")).await?;
    let id = chat.session_id();
    let alice = client.token_for(&User::new("alice"))?;
    let init = client
        .post("/agent/init")
        .session(id)
        .bearer(&alice)
        .json(&json!({"tools": ["reverse"]}))
        .send()
        .await;
    assert_eq!(init.status(), StatusCode::CREATED);
    assert_eq!(chat.send("abc").await?.replies(), ["alice's agent: cba"]);
    assert!(chat.local::<agent::Agent>().take().is_some());
    assert!(chat.local::<agent::Agent>().get().is_none());
    let run = client
        .post("/agent/run")
        .session(id)
        .bearer(&alice)
        .json(&json!({"task": "xyz"}))
        .send()
        .await;
    assert_eq!(
        run.json::<agent::RunResponse>()?,
        agent::RunResponse {
            output: "alice's agent: zyx".into(),
            runs: 2
        }
    );
    Ok(())
}

#[tokio::test]
async fn hello_serves_its_chat_and_history_on_one_session() -> Result<(), Box<dyn std::error::Error>>
{
    let client = TestClient::new(hello::app())?;
    let mut chat = client.open_chat_as(User::new("admin")).await?;
    assert_eq!(chat.received().replies(), ["Hello admin"]);
    assert_eq!(
        chat.send("hi there").await?.replies(),
        ["echo #1: hi there"]
    );
    let turn = chat.send("second one").await?;
    assert_eq!(turn.replies(), ["echo #2: second one"]);
    // Its state sits under the key it declares, `state:chat`.
    assert_eq!(UserSession::<hello::Chat>::key(), "state:chat");
    assert_eq!(chat.user_session::<hello::Chat>().get().await?.turns, 2);
    assert!(
        turn.names().contains(&"stream_token"),
        "hello streams its reply: {:?}",
        turn.names()
    );
    // The greeting, two messages and their echoes, then /recap itself.
    assert_eq!(
        chat.send("/recap").await?.replies(),
        ["So far: 3 from you, 3 from me."]
    );

    let served = Served::start(hello::app()).await?;
    let http = reqwest::Client::new();
    let login = http
        .post(served.url("/login"))
        .form(&[("username", "admin"), ("password", "admin")])
        .send()
        .await?;
    let session = session_of(&login);
    let token: Value = login.json().await?;
    let history = http
        .get(served.url("/history"))
        .header("x-chainrs-session-id", &session)
        .bearer_auth(token["access_token"].as_str().unwrap_or_default())
        .send()
        .await?;
    assert_eq!(history.status(), Status::OK);
    assert_eq!(history.json::<Vec<String>>().await?, Vec::<String>::new());
    let anonymous = http.get(served.url("/history")).send().await?;
    assert_eq!(anonymous.status(), Status::UNAUTHORIZED);
    Ok(())
}

#[tokio::test]
async fn the_benchmark_echo_app_counts_in_its_session() -> chainrs::Result<()> {
    let client = TestClient::new(echo::app())?;
    let mut chat = client.open_chat().await?;
    assert_eq!(chat.send("hi").await?.replies(), ["echo #1: hi"]);
    assert_eq!(chat.send("again").await?.replies(), ["echo #2: again"]);
    assert_eq!(client.get("/custom/ping").send().await.text(), "pong");
    let counted = client
        .post("/custom/count")
        .session(chat.session_id())
        .send()
        .await;
    assert_eq!(
        counted.json::<u64>()?,
        3,
        "the endpoint counts in the chat's session"
    );
    Ok(())
}

#[tokio::test]
async fn hellos_admin_ends_a_users_logins_and_no_one_else_can() -> chainrs::Result<()> {
    let client = TestClient::new(hello::app())?;
    let admin = client.login("admin", "admin").await?.token;
    let guest = client.login("guest", "guest").await?.token;
    let by_guest = client
        .post("/admin/logout/admin")
        .bearer(&guest)
        .send()
        .await;
    assert_eq!(by_guest.status(), StatusCode::FORBIDDEN);
    let by_admin = client
        .post("/admin/logout/guest")
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(
        by_admin.status(),
        StatusCode::NO_CONTENT,
        "{}",
        by_admin.text()
    );
    let after = client.get("/user").bearer(&guest).send().await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        client.get("/user").bearer(&admin).send().await.status(),
        StatusCode::OK
    );
    Ok(())
}

#[tokio::test]
async fn hello_offers_its_starters_and_typed_settings() -> chainrs::Result<()> {
    let client = TestClient::new(hello::app())?;
    let admin = client.login("admin", "admin").await?.token;
    let settings: serde_json::Value = client
        .get("/project/settings")
        .bearer(&admin)
        .send()
        .await
        .json()?;
    let labels: Vec<&str> = settings["starters"]
        .as_array()
        .map(|all| all.iter().filter_map(|s| s["label"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(labels, ["Show the settings", "Echo backwards"]);
    assert_eq!(settings["starters"][1]["command"], "reverse");
    assert_eq!(
        settings["starterCategories"][0]["starters"][0]["message"],
        "/tool"
    );
    let mut chat = client.open_chat_as(chainrs::User::new("admin")).await?;
    chat.change_settings(serde_json::json!({"temperature": 1.4, "shout": true}))
        .await?;
    let shown = chat.send("/settings").await?;
    assert_eq!(
        shown.replies(),
        ["temperature 1.4, shout true, voice Plain"]
    );
    Ok(())
}

#[tokio::test]
async fn hello_offers_two_profiles_and_quiet_shows_its_starters() -> chainrs::Result<()> {
    let client = TestClient::new(hello::app())?;
    let admin = client.login("admin", "admin").await?.token;
    let settings = |query: &'static str| {
        let (client, admin) = (&client, admin.clone());
        async move {
            client
                .get(&format!("/project/settings{query}"))
                .bearer(&admin)
                .send()
                .await
                .json::<serde_json::Value>()
        }
    };
    let all = settings("").await?;
    let names: Vec<&str> = all["chatProfiles"]
        .as_array()
        .map(|all| all.iter().filter_map(|p| p["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, [hello::ECHO, hello::QUIET]);
    assert_eq!(all["chatProfiles"][0]["default"], true);
    assert_eq!(
        all["chatProfiles"][1]["starters"][1]["command"], "reverse",
        "Quiet's own starters"
    );
    assert_eq!(
        settings("?chat_profile=Quiet").await?["starterCategories"],
        serde_json::json!([]),
        "no groups for Quiet, so its own starters show"
    );

    let admin_user = chainrs::User::new("admin");
    let mut echo = client.open_chat_as(admin_user.clone()).await?;
    assert_eq!(echo.received().replies(), ["Hello admin"], "Echo greets");
    let mut quiet = client
        .open_chat_with_profile(Some(admin_user), hello::QUIET)
        .await?;
    assert!(
        quiet.received().replies().is_empty(),
        "Quiet does not greet"
    );
    let starter = Message::from_user("Starters work").with_command("reverse");
    assert_eq!(
        quiet.send_message(starter).await?.replies(),
        ["echo #1: krow sretratS"],
        "a starter's message with its command"
    );
    Ok(())
}
