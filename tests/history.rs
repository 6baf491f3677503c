//! The history routes over the data layer, with Chainlit's shapes and statuses: each user sees
//! and changes only their own threads; an app without a data layer says so.

use chainrs::data::SqliteDataLayer;
use chainrs::prelude::*;
use chainrs::testing::{TestClient, TestResponse};
use chainrs_tests::name_is_password;
use serde_json::{Value, json};

const SECRET: &str = "history-test-secret-0123456789abcdef01234567";

#[on_message]
async fn reply(msg: Message) -> chainrs::Result<()> {
    Message::new(format!("re: {}", msg.content))
        .with_element(Element::text("note").content("attached"))
        .send()
        .await?;
    Ok(())
}

fn detail(response: &TestResponse) -> String {
    response
        .json::<Value>()
        .ok()
        .and_then(|v| v["detail"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test]
async fn each_user_lists_reads_renames_and_deletes_only_their_threads() -> chainrs::Result<()> {
    let layer = SqliteDataLayer::connect("sqlite::memory:").await?;
    let client = TestClient::new(
        App::new()
            .register(name_is_password)
            .register(reply)
            .auth_secret(SECRET)
            .data_layer(layer),
    )?;
    let mut admins = client.open_chat_as(User::new("admin")).await?;
    admins.send("about rust").await?;
    // Activity is ordered by the database's clock (milliseconds): keep the two threads apart.
    assert!(client.flush_writes().await);
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    let mut second = client.open_chat_as(User::new("admin")).await?;
    second.send("about tokio").await?;
    let mut guests = client.open_chat_as(User::new("guest")).await?;
    guests.send("guest talk").await?;
    assert!(client.flush_writes().await);
    let (admin, guest) = (
        client.token_for(&User::new("admin"))?,
        client.token_for(&User::new("guest"))?,
    );
    let thread = admins.session().thread_id();

    let list = |token: &str, filter: Value| {
        let request = client
            .post("/project/threads")
            .bearer(token)
            .json(&json!({ "pagination": { "first": 20, "cursor": null }, "filter": filter }));
        async move { request.send().await }
    };
    let settings: Value = client.get("/project/settings").send().await.json()?;
    assert_eq!(
        settings["dataPersistence"],
        json!(true),
        "the page shows history and feedback"
    );
    let page: Value = list(&admin, json!({})).await.json()?;
    let names: Vec<&str> = page["data"]
        .as_array()
        .map(|d| d.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        ["about tokio", "about rust"],
        "newest first, the caller's only"
    );
    assert_eq!(page["pageInfo"]["hasNextPage"], json!(false));
    // The filter's userId is always the caller's.
    let forged: Value = list(&guest, json!({ "userId": "anyone" })).await.json()?;
    assert_eq!(forged["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(forged["data"][0]["name"], json!("guest talk"));
    let searched: Value = list(&admin, json!({ "search": "RUST" })).await.json()?;
    assert_eq!(searched["data"].as_array().map(Vec::len), Some(1));

    let path = format!("/project/thread/{thread}");
    let whole = client.get(&path).bearer(&admin).send().await;
    assert_eq!(whole.status(), StatusCode::OK, "{}", whole.text());
    let whole: Value = whole.json()?;
    let outputs: Vec<&str> = whole["steps"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|s| s["type"] != json!("run"))
                .filter_map(|s| s["output"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(outputs, ["about rust", "re: about rust"]);
    let element = whole["elements"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let one = client
        .get(&format!("/project/thread/{thread}/element/{element}"))
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(one.json::<Value>()?["name"], json!("note"));

    // Feedback on a reply of one's own thread; not on another's.
    let reply_id = whole["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["output"] == json!("re: about rust")))
        .and_then(|s| s["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let rate = |token: &str, feedback: Value| {
        let request = client
            .put("/feedback")
            .bearer(token)
            .json(&json!({ "feedback": feedback }));
        async move { request.send().await }
    };
    let rated = rate(
        &admin,
        json!({ "forId": reply_id, "value": 1, "comment": "spot on" }),
    )
    .await;
    assert_eq!(rated.status(), StatusCode::OK, "{}", rated.text());
    let rated: Value = rated.json()?;
    assert_eq!(rated["success"], json!(true));
    let feedback_id = rated["feedbackId"].as_str().unwrap_or_default().to_owned();
    let with_feedback: Value = client.get(&path).bearer(&admin).send().await.json()?;
    let on_reply = with_feedback["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == json!(reply_id)))
        .map(|s| s["feedback"].clone())
        .unwrap_or_default();
    assert_eq!(
        (&on_reply["value"], &on_reply["comment"], &on_reply["id"]),
        (&json!(1), &json!("spot on"), &json!(feedback_id))
    );
    assert_eq!(
        rate(&guest, json!({ "forId": reply_id, "value": 0 }))
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "another user's reply"
    );
    assert_eq!(
        rate(&admin, json!({ "forId": reply_id, "value": 5 }))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        rate(&admin, json!({ "forId": uuid::Uuid::new_v4(), "value": 1 }))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let unrate = |token: &str| {
        let request = client
            .delete("/feedback")
            .bearer(token)
            .json(&json!({ "feedbackId": feedback_id }));
        async move { request.send().await }
    };
    assert_eq!(unrate(&guest).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        unrate(&admin).await.json::<Value>()?,
        json!({ "success": true })
    );
    assert_eq!(unrate(&admin).await.status(), StatusCode::NOT_FOUND, "gone");

    // Another user's thread: 401 on every route; an unknown one 404; no login 401.
    let theirs = client.get(&path).bearer(&guest).send().await;
    assert_eq!(theirs.status(), StatusCode::UNAUTHORIZED);
    assert!(detail(&theirs).contains("not yours"), "{}", theirs.text());
    let their_element = client
        .get(&format!("/project/thread/{thread}/element/{element}"))
        .bearer(&guest)
        .send()
        .await;
    assert_eq!(their_element.status(), StatusCode::UNAUTHORIZED);
    let rename = |token: &str, name: &str| {
        let request = client
            .put("/project/thread")
            .bearer(token)
            .json(&json!({ "threadId": thread, "name": name }));
        async move { request.send().await }
    };
    assert_eq!(
        rename(&guest, "mine now").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let deleted_by_guest = client
        .delete("/project/thread")
        .bearer(&guest)
        .json(&json!({ "threadId": thread }))
        .send()
        .await;
    assert_eq!(deleted_by_guest.status(), StatusCode::UNAUTHORIZED);
    let unknown = client
        .get(&format!("/project/thread/{}", uuid::Uuid::new_v4()))
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(detail(&unknown), "Thread not found");
    assert_eq!(
        client
            .get("/project/thread/not-a-uuid")
            .bearer(&admin)
            .send()
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get(&path).send().await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The author renames, then deletes.
    let renamed = rename(&admin, "Rust, renamed").await;
    assert_eq!(renamed.json::<Value>()?, json!({ "success": true }));
    let after: Value = client.get(&path).bearer(&admin).send().await.json()?;
    assert_eq!(after["name"], json!("Rust, renamed"));
    let deleted = client
        .delete("/project/thread")
        .bearer(&admin)
        .json(&json!({ "threadId": thread }))
        .send()
        .await;
    assert_eq!(deleted.json::<Value>()?, json!({ "success": true }));
    assert_eq!(
        client.get(&path).bearer(&admin).send().await.status(),
        StatusCode::NOT_FOUND
    );
    let malformed = client
        .put("/project/thread")
        .bearer(&admin)
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn without_a_data_layer_the_history_routes_say_so() -> chainrs::Result<()> {
    let client = TestClient::new(
        App::new()
            .register(name_is_password)
            .register(reply)
            .auth_secret(SECRET),
    )?;
    let admin = client.token_for(&User::new("admin"))?;
    let listed = client
        .post("/project/threads")
        .bearer(&admin)
        .json(&json!({ "pagination": { "first": 20 }, "filter": {} }))
        .send()
        .await;
    assert_eq!(listed.status(), StatusCode::BAD_REQUEST);
    assert!(
        detail(&listed).starts_with("Data persistence is not enabled"),
        "{}",
        listed.text()
    );
    let settings: Value = client.get("/project/settings").send().await.json()?;
    assert_eq!(settings["dataPersistence"], json!(false));
    let feedback = client
        .put("/feedback")
        .bearer(&admin)
        .json(&json!({ "feedback": { "forId": uuid::Uuid::new_v4(), "value": 1 } }))
        .send()
        .await;
    assert_eq!(feedback.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn a_login_stores_the_user_so_their_empty_history_lists() -> chainrs::Result<()> {
    let layer = SqliteDataLayer::connect("sqlite::memory:").await?;
    let client = TestClient::new(
        App::new()
            .register(name_is_password)
            .register(reply)
            .auth_secret(SECRET)
            .data_layer(layer.clone()),
    )?;
    let before = client.token_for(&User::new("newcomer"))?;
    let unknown = client
        .post("/project/threads")
        .bearer(&before)
        .json(&json!({ "pagination": { "first": 20 }, "filter": {} }))
        .send()
        .await;
    assert_eq!(
        unknown.status(),
        StatusCode::NOT_FOUND,
        "never logged in: not stored"
    );
    assert_eq!(detail(&unknown), "User not found");
    let login = client.login("newcomer", "newcomer").await?;
    use chainrs::data::DataLayer as _;
    assert!(
        layer
            .get_user("newcomer")
            .await
            .map_err(chainrs::Error::Store)?
            .is_some()
    );
    let listed = client
        .post("/project/threads")
        .bearer(&login.token)
        .json(&json!({ "pagination": { "first": 20 }, "filter": {} }))
        .send()
        .await;
    assert_eq!(listed.status(), StatusCode::OK, "{}", listed.text());
    assert_eq!(listed.json::<Value>()?["data"], json!([]));
    Ok(())
}

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Ratings {
    up: u32,
    down: u32,
}

#[on_feedback]
async fn count_ratings(feedback: Feedback, ratings: UserSession<Ratings>) -> chainrs::Result<()> {
    let (up, down) = ratings
        .update(|r| {
            if feedback.is_positive() {
                r.up += 1;
            } else {
                r.down += 1;
            }
            (r.up, r.down)
        })
        .await?;
    Message::new(format!(
        "thanks: {up} up, {down} down ({})",
        feedback.comment.as_deref().unwrap_or("no comment")
    ))
    .send()
    .await?;
    Ok(())
}

/// The text of the next assistant message the tab receives (within 5 s).
async fn next_reply(chat: &mut chainrs::testing::TestChat) -> String {
    let wait = async {
        loop {
            match chat.next_event().await {
                Some(chainrs::protocol::ServerEvent::NewMessage(s))
                    if s.step_type == chainrs::protocol::StepType::AssistantMessage =>
                {
                    return s.output;
                }
                Some(_) => {}
                None => return String::new(),
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), wait)
        .await
        .unwrap_or_default()
}

#[tokio::test]
async fn on_feedback_runs_in_the_raters_session_once_the_rating_is_stored() -> chainrs::Result<()> {
    let layer = SqliteDataLayer::connect("sqlite::memory:").await?;
    let client = TestClient::new(
        App::new()
            .register(name_is_password)
            .register(reply)
            .register(count_ratings)
            .auth_secret(SECRET)
            .data_layer(layer),
    )?;
    let mut chat = client.open_chat_as(User::new("ada")).await?;
    let sent = chat.send("rate me").await?;
    let run = sent
        .events()
        .iter()
        .find_map(|e| match e {
            chainrs::protocol::ServerEvent::NewMessage(s)
                if s.step_type == chainrs::protocol::StepType::Run =>
            {
                Some(s.id)
            }
            _ => None,
        })
        .expect("the reply's run step");
    assert!(client.flush_writes().await);
    let token = client.token_for(&User::new("ada"))?;
    let session = chat.session_id().to_string();
    let rate = |value: i32, comment: Option<&str>, session: Option<&str>| {
        let mut body = json!({ "feedback": { "forId": run, "value": value, "comment": comment } });
        if let Some(session) = session {
            body["sessionId"] = json!(session);
        }
        client.put("/feedback").bearer(&token).json(&body).send()
    };

    let up = rate(1, Some("nice"), Some(&session)).await;
    assert_eq!(up.status(), 200, "{}", up.text());
    assert_eq!(
        next_reply(&mut chat).await,
        "thanks: 1 up, 0 down (nice)",
        "the hook ran in the tab, with the rating and the session's state"
    );
    let down = rate(0, None, Some(&session)).await;
    assert_eq!(down.status(), 200);
    assert_eq!(
        next_reply(&mut chat).await,
        "thanks: 1 up, 1 down (no comment)"
    );

    // Without a session, or with one that is not the caller's, the rating is stored and the
    // hook does not run.
    assert_eq!(rate(1, None, None).await.status(), 200);
    let bobs = client.open_chat_as(User::new("bob")).await?;
    let foreign = bobs.session_id().to_string();
    assert_eq!(rate(1, None, Some(&foreign)).await.status(), 200);
    assert_eq!(rate(1, None, Some("not-a-session")).await.status(), 200);
    assert!(chat.received().replies().is_empty(), "no hook ran");
    assert_eq!(chat.user_session::<Ratings>().get().await?.up, 1);
    Ok(())
}

#[tokio::test]
async fn a_thread_shared_by_its_owner_is_read_by_link_without_its_private_state()
-> chainrs::Result<()> {
    let layer = SqliteDataLayer::connect("sqlite::memory:").await?;
    let client = TestClient::new(
        App::new()
            .register(name_is_password)
            .register(reply)
            .auth_secret(SECRET)
            .data_layer(layer)
            .thread_sharing(),
    )?;
    let mut chat = client.open_chat_as(User::new("ada")).await?;
    chat.send("a trip to Lyon").await?;
    chat.user_session::<Ratings>()
        .set(Ratings { up: 7, down: 0 })
        .await?;
    assert!(client.flush_writes().await);
    let thread = chat.session().thread_id().to_string();
    let (ada, bob) = (
        client.token_for(&User::new("ada"))?,
        client.token_for(&User::new("bob"))?,
    );
    let link = format!("/project/share/{thread}");
    let settings: Value = client.get("/project/settings").send().await.json()?;
    assert_eq!(settings["threadSharing"], json!(true));

    assert_eq!(
        client.get(&link).send().await.status(),
        404,
        "not shared yet"
    );
    let share = |token: &str, on: bool| {
        client
            .put("/project/thread/share")
            .bearer(token)
            .json(&json!({ "threadId": thread, "isShared": on }))
            .send()
    };
    assert_eq!(
        share(&bob, true).await.status(),
        401,
        "only its owner shares it"
    );
    let shared = share(&ada, true).await;
    assert_eq!(shared.status(), 200, "{}", shared.text());

    let seen = client.get(&link).send().await;
    assert_eq!(
        seen.status(),
        200,
        "anyone with the link, no login: {}",
        seen.text()
    );
    let seen: Value = seen.json()?;
    let texts: Vec<&str> = seen["steps"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|s| s["output"].as_str())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(texts, ["a trip to Lyon", "re: a trip to Lyon"]);
    assert_eq!(seen["metadata"]["is_shared"], json!(true));
    assert!(seen["metadata"]["shared_at"].is_string());
    let own: Value = client
        .get(&format!("/project/thread/{thread}"))
        .bearer(&ada)
        .send()
        .await
        .json()?;
    assert_eq!(
        own["metadata"]["state:Ratings"],
        json!({ "up": 7, "down": 0 }),
        "the owner's view has it"
    );
    assert!(
        seen["metadata"].get("state:Ratings").is_none(),
        "the session's state stays private: {}",
        seen["metadata"]
    );

    assert_eq!(share(&ada, false).await.status(), 200);
    assert_eq!(client.get(&link).send().await.status(), 404, "unshared");
    assert_eq!(
        client
            .get("/project/share/not-a-thread")
            .send()
            .await
            .status(),
        404
    );

    // An app that does not offer sharing says so, and serves no link.
    let closed = TestClient::new(
        App::new()
            .register(name_is_password)
            .auth_secret(SECRET)
            .data_layer(SqliteDataLayer::connect("sqlite::memory:").await?),
    )?;
    let refused = closed
        .put("/project/thread/share")
        .bearer(&closed.token_for(&User::new("ada"))?)
        .json(&json!({ "threadId": thread, "isShared": true }))
        .send()
        .await;
    assert_eq!(refused.status(), 400);
    assert!(
        detail(&refused).contains("App::thread_sharing"),
        "{}",
        refused.text()
    );
    let settings: Value = closed.get("/project/settings").send().await.json()?;
    assert_eq!(settings["threadSharing"], json!(false));
    Ok(())
}

/// Lets the support team read any thread, shared or not.
#[on_shared_thread_view]
async fn support_reads(thread: Thread, viewer: Option<User>) -> bool {
    viewer.is_some_and(|v| v.identifier == "support") && thread.name().is_some()
}

#[tokio::test]
async fn on_shared_thread_view_lets_chosen_viewers_read_an_unshared_thread() -> chainrs::Result<()>
{
    let layer = SqliteDataLayer::connect("sqlite::memory:").await?;
    let client = TestClient::new(
        App::new()
            .register(name_is_password)
            .register(reply)
            .register(support_reads)
            .auth_secret(SECRET)
            .data_layer(layer)
            .thread_sharing(),
    )?;
    let mut chat = client.open_chat_as(User::new("ada")).await?;
    chat.send("help me").await?;
    assert!(client.flush_writes().await);
    let link = format!("/project/share/{}", chat.session().thread_id());
    let (support, bob) = (
        client.token_for(&User::new("support"))?,
        client.token_for(&User::new("bob"))?,
    );
    let read = client.get(&link).bearer(&support).send().await;
    assert_eq!(
        read.status(),
        200,
        "the callback allows support: {}",
        read.text()
    );
    let read: Value = read.json()?;
    assert_eq!(read["name"], json!("help me"));
    assert_eq!(client.get(&link).bearer(&bob).send().await.status(), 404);
    assert_eq!(client.get(&link).send().await.status(), 404, "no viewer");
    Ok(())
}
