//! Chat resume: a new tab naming a past thread of its user continues it: the tab is shown the
//! whole thread before `#[on_chat_resume]` runs, every `UserSession` value is back, new steps
//! append to the same thread; another user's or an unknown thread starts a fresh chat and says
//! why; the headless API resumes too; and it works from a fresh app (a restart) on the same
//! database.

use std::sync::Arc;

use chainrs::data::{DataLayer, SqliteDataLayer};
use chainrs::prelude::*;
use chainrs::protocol::{ServerEvent, StepType, ThreadDict};
use chainrs::testing::{TestClient, Transcript};
use chainrs_tests::name_is_password;
use serde_json::{Value, json};
use uuid::Uuid;

const SECRET: &str = "resume-test-secret-0123456789abcdef0123456789";

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Turns {
    n: u32,
}

#[on_chat_start]
async fn greet() -> chainrs::Result<()> {
    Message::new("welcome").send().await?;
    Ok(())
}

#[on_message]
async fn count(msg: Message, turns: UserSession<Turns>) -> chainrs::Result<()> {
    let n = turns
        .update(|t| {
            t.n += 1;
            t.n
        })
        .await?;
    let history = ChatContext::get().await.map(|m| m.len()).unwrap_or(0);
    Message::new(format!("turn {n}: {} ({history} in context)", msg.content))
        .send()
        .await?;
    Ok(())
}

#[on_chat_resume]
async fn welcome_back(thread: Thread, turns: UserSession<Turns>) -> chainrs::Result<()> {
    let said = thread
        .messages()
        .filter(|m| m.kind == StepType::UserMessage)
        .count();
    let n = turns.get().await?.n;
    Message::new(format!(
        "welcome back to {}: {said} said, {n} turns",
        thread.name().unwrap_or("?")
    ))
    .send()
    .await?;
    Ok(())
}

fn app(layer: impl DataLayer) -> App {
    App::new()
        .register(greet)
        .register(count)
        .register(welcome_back)
        .chat_context()
        .data_layer(layer)
}

async fn memory() -> chainrs::Result<Arc<SqliteDataLayer>> {
    Ok(Arc::new(SqliteDataLayer::connect("sqlite::memory:").await?))
}

/// The thread a `resume_thread` event carried, and the events' names.
fn resumed(transcript: &Transcript) -> Option<ThreadDict> {
    transcript.events().iter().find_map(|e| match e {
        ServerEvent::ResumeThread(thread) => Some((**thread).clone()),
        _ => None,
    })
}

/// The thread as the data layer kept it (after `flush_writes`).
async fn kept(layer: &impl DataLayer, thread: Uuid) -> chainrs::Result<ThreadDict> {
    layer
        .get_thread(thread)
        .await
        .map_err(chainrs::Error::Store)?
        .ok_or_else(|| chainrs::Error::NotFound(format!("thread {thread} is not kept")))
}

fn resume_error(transcript: &Transcript) -> Option<String> {
    transcript.events().iter().find_map(|e| match e {
        ServerEvent::ResumeThreadError(why) => Some(why.clone()),
        _ => None,
    })
}

fn texts(thread: &ThreadDict) -> Vec<String> {
    thread
        .steps
        .iter()
        .filter(|s| s.step_type != StepType::Run)
        .map(|s| s.output.clone())
        .collect()
}

#[tokio::test]
async fn a_thread_resumes_shown_first_with_its_state_and_goes_on() -> chainrs::Result<()> {
    let layer = memory().await?;
    let client = TestClient::new(app(layer.clone()))?;
    let ada = User::new("ada");
    let mut chat = client.open_chat_as(ada.clone()).await?;
    let thread = chat.session().thread_id();
    chat.send("one").await?;
    chat.send("two").await?;
    chat.close().await?;

    let mut back = client.resume_chat_as(ada.clone(), thread).await?;
    let opened = back.received();
    assert_eq!(
        back.session().thread_id(),
        thread,
        "the session adopts the thread"
    );
    let names = opened.names();
    let at = |name: &str| names.iter().position(|n| *n == name);
    let shown = resumed(&opened).expect("the tab is shown the thread");
    assert_eq!(shown.id, thread);
    assert_eq!(
        texts(&shown),
        [
            "welcome",
            "one",
            "turn 1: one (2 in context)",
            "two",
            "turn 2: two (4 in context)"
        ],
        "every message, in order"
    );
    assert!(
        at("resume_thread") < at("new_message"),
        "the thread is shown before the hook's message: {names:?}"
    );
    assert!(
        at("first_interaction").is_some() && at("first_interaction") < at("resume_thread"),
        "first_interaction (\"resume\") comes first: {names:?}"
    );
    assert_eq!(
        opened.replies(),
        ["welcome back to one: 2 said, 2 turns"],
        "on_chat_resume ran with the thread and the state back; on_chat_start did not"
    );
    assert_eq!(resume_error(&opened), None);

    let more = back.send("three").await?;
    assert_eq!(
        more.replies(),
        ["turn 3: three (7 in context)"],
        "the counter and the conversation go on (5 past messages, the welcome back, this one)"
    );
    assert!(client.flush_writes().await);
    let kept = kept(&layer, thread).await?;
    assert_eq!(
        texts(&kept)[5..],
        [
            "welcome back to one: 2 said, 2 turns",
            "three",
            "turn 3: three (7 in context)"
        ],
        "what comes after the resume is kept in the same thread"
    );
    assert_eq!(
        kept.name.as_deref(),
        Some("one"),
        "the resume does not rename it"
    );
    assert_eq!(kept.metadata["state:Turns"], json!({ "n": 3 }));
    Ok(())
}

#[tokio::test]
async fn another_users_or_an_unknown_thread_starts_a_fresh_chat() -> chainrs::Result<()> {
    let layer = memory().await?;
    let client = TestClient::new(app(layer.clone()))?;
    let mut adas = client.open_chat_as(User::new("ada")).await?;
    let thread = adas.session().thread_id();
    adas.send("secret plans").await?;
    assert!(client.flush_writes().await);

    for (who, asked) in [("bob", thread), ("ada", Uuid::new_v4())] {
        let mut chat = client.resume_chat_as(User::new(who), asked).await?;
        let opened = chat.received();
        assert_eq!(
            resume_error(&opened).as_deref(),
            Some("Thread not found."),
            "{who}: the same words for a foreign and an unknown thread"
        );
        assert_eq!(
            resumed(&opened),
            None,
            "{who}: nothing of the thread is shown"
        );
        assert_eq!(opened.replies(), ["welcome"], "{who}: a fresh chat starts");
        assert_ne!(
            chat.session().thread_id(),
            asked,
            "{who}: with a thread of its own"
        );
        assert_eq!(
            chat.send("hi").await?.replies(),
            ["turn 1: hi (2 in context)"],
            "{who}: with fresh state"
        );
    }
    assert!(client.flush_writes().await);
    let kept = kept(&layer, thread).await?;
    assert_eq!(
        texts(&kept),
        [
            "welcome",
            "secret plans",
            "turn 1: secret plans (2 in context)"
        ],
        "ada's thread is untouched"
    );

    // Without a login there is no one a thread could belong to.
    let open = TestClient::new(app(layer.clone()))?;
    let mut anonymous = open.resume_chat(thread).await?;
    let opened = anonymous.received();
    assert_eq!(
        resume_error(&opened).as_deref(),
        Some("resuming a chat needs a logged-in user")
    );
    assert_ne!(anonymous.session().thread_id(), thread);
    Ok(())
}

#[tokio::test]
async fn a_restarted_app_resumes_from_the_database() -> chainrs::Result<()> {
    let layer = memory().await?;
    let ada = User::new("ada");
    let thread = {
        let first = TestClient::new(app(layer.clone()))?;
        let mut chat = first.open_chat_as(ada.clone()).await?;
        chat.send("before the restart").await?;
        assert!(first.flush_writes().await);
        chat.session().thread_id()
    };
    // A new app: no session of the first one survives, only the database.
    let second = TestClient::new(app(layer.clone()))?;
    let mut back = second.resume_chat_as(ada, thread).await?;
    let opened = back.received();
    assert_eq!(
        resumed(&opened).map(|t| texts(&t)),
        Some(vec![
            "welcome".to_owned(),
            "before the restart".to_owned(),
            "turn 1: before the restart (2 in context)".to_owned()
        ])
    );
    assert_eq!(
        back.send("after").await?.replies(),
        ["turn 2: after (5 in context)"]
    );
    Ok(())
}

#[tokio::test]
async fn the_headless_api_resumes_a_thread() -> chainrs::Result<()> {
    let layer = memory().await?;
    let client = TestClient::new(
        app(layer.clone())
            .register(name_is_password)
            .auth_secret(SECRET),
    )?;
    let (ada, bob) = (
        client.token_for(&User::new("ada"))?,
        client.token_for(&User::new("bob"))?,
    );
    let started = client
        .post("/chat/message")
        .bearer(&ada)
        .json(&json!({ "content": "hello" }))
        .send()
        .await;
    assert_eq!(started.status(), 200, "{}", started.text());
    let body: Value = started.json()?;
    let thread = body["threadId"].as_str().expect("threadId").to_owned();
    assert!(client.flush_writes().await);

    let resumed = client
        .post("/chat/start")
        .bearer(&ada)
        .json(&json!({ "threadId": thread }))
        .send()
        .await;
    assert_eq!(resumed.status(), 200, "{}", resumed.text());
    let body: Value = resumed.json()?;
    assert_eq!(
        body["threadId"],
        json!(thread),
        "the new session continues the thread"
    );
    let replies: Vec<&str> = body["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["content"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(replies, ["welcome back to hello: 1 said, 1 turns"]);
    let session = body["sessionId"].as_str().expect("sessionId").to_owned();
    let next = client
        .post("/chat/message")
        .bearer(&ada)
        .header("X-Chainrs-Session-Id", &session)
        .json(&json!({ "content": "again" }))
        .send()
        .await;
    let body: Value = next.json()?;
    assert_eq!(body["threadId"], json!(thread));
    assert_eq!(
        body["messages"][0]["content"],
        json!("turn 2: again (5 in context)")
    );

    for (token, asked, status, detail) in [
        (&bob, thread.clone(), 404, "Thread not found."),
        (&ada, Uuid::new_v4().to_string(), 404, "Thread not found."),
        (&ada, "not-a-uuid".to_owned(), 400, "threadId"),
    ] {
        let refused = client
            .post("/chat/start")
            .bearer(token)
            .json(&json!({ "threadId": asked }))
            .send()
            .await;
        assert_eq!(refused.status(), status, "{asked}: {}", refused.text());
        let said: Value = refused.json()?;
        assert!(
            said["detail"].as_str().is_some_and(|d| d.contains(detail)),
            "{asked}: {said}"
        );
    }
    // A session named with a thread to resume: a resume starts a session of its own.
    let both = client
        .post("/chat/start")
        .bearer(&ada)
        .header("X-Chainrs-Session-Id", &session)
        .json(&json!({ "threadId": thread }))
        .send()
        .await;
    assert_eq!(both.status(), 400, "{}", both.text());
    Ok(())
}

#[tokio::test]
async fn the_ui_is_told_threads_resume_when_a_data_layer_is_set() -> chainrs::Result<()> {
    let with = TestClient::new(app(memory().await?))?;
    let settings: Value = with.get("/project/settings").send().await.json()?;
    assert_eq!(settings["dataPersistence"], json!(true));
    assert_eq!(settings["threadResumable"], json!(true));
    let without = TestClient::new(App::new().register(greet))?;
    let settings: Value = without.get("/project/settings").send().await.json()?;
    assert_eq!(settings["threadResumable"], json!(false));
    Ok(())
}

/// A PostgreSQL database as Chainlit's own data layer left it (its tables, its rows, its
/// metadata), behind a chainrs app: the thread is listed, resumes with its feedback and its chat
/// settings, and the chat goes on in the same tables.
#[tokio::test]
async fn a_thread_chainlit_wrote_is_listed_and_resumed() -> chainrs::Result<()> {
    let db = chainrs_tests::OwnDatabase::create().await;
    // chainrs lays out Chainlit's schema on an empty database (as it finds it on Chainlit's).
    let layer = Arc::new(chainrs::data::PostgresDataLayer::connect(&db.url).await?);
    let pool = db.pool().await;
    let (thread, question, answer) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let rows = format!(
        r#"INSERT INTO "User" (id, metadata, identifier) VALUES ('u-1', '{{"provider": "credentials"}}', 'alice');
           INSERT INTO "Thread" (id, "createdAt", "updatedAt", name, metadata, "userId", tags)
             VALUES ('{thread}', '2025-05-01 10:00:00', '2025-05-01 10:05:00', 'Weather in Paris',
                     '{{"chat_settings": {{"temperature": 0.5}}, "chat_profile": null, "memory": {{"turns": 2}}}}',
                     'u-1', ARRAY['weather']);
           INSERT INTO "Step" (id, "threadId", "parentId", input, metadata, name, output, type,
               "showInput", "isError", "startTime", "endTime")
             VALUES ('{question}', '{thread}', NULL, '', '{{}}', 'alice', 'Weather in Paris?',
                     'user_message', 'json', false, '2025-05-01 10:00:01', '2025-05-01 10:00:01'),
                    ('{answer}', '{thread}', NULL, '', '{{}}', 'Assistant', 'Sunny.',
                     'assistant_message', 'json', false, '2025-05-01 10:00:02', '2025-05-01 10:00:03');
           INSERT INTO "Feedback" (id, "stepId", name, value, comment)
             VALUES ('00000000-0000-0000-0000-0000000000fb', '{answer}', 'user_feedback', 1, 'thanks');"#
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(rows))
        .execute(&pool)
        .await
        .map_err(|e| chainrs::Error::Store(Box::new(e)))?;

    let client = TestClient::new(
        app(layer.clone())
            .register(name_is_password)
            .auth_secret(SECRET),
    )?;
    let token = client.token_for(&User::new("alice"))?;
    let listed: Value = client
        .post("/project/threads")
        .bearer(&token)
        .json(&json!({ "pagination": { "first": 20, "cursor": null }, "filter": {} }))
        .send()
        .await
        .json()?;
    assert_eq!(
        listed["data"][0]["id"],
        json!(thread.to_string()),
        "{listed}"
    );
    assert_eq!(listed["data"][0]["name"], json!("Weather in Paris"));

    let mut chat = client.resume_chat_as(User::new("alice"), thread).await?;
    let opened = chat.received();
    let shown = resumed(&opened).expect("the thread is shown");
    assert_eq!(texts(&shown), ["Weather in Paris?", "Sunny."]);
    assert_eq!(
        shown.steps[1].feedback.as_ref().map(|f| f.value),
        Some(1),
        "the feedback comes with the thread (Chainlit #2084)"
    );
    assert_eq!(
        opened.replies(),
        ["welcome back to Weather in Paris: 1 said, 0 turns"]
    );
    assert_eq!(
        chat.session().chat_settings().get("temperature"),
        Some(&json!(0.5)),
        "the chat settings Chainlit kept come back"
    );
    assert_eq!(
        chat.send("and tomorrow?").await?.replies(),
        ["turn 1: and tomorrow? (4 in context)"],
        "the conversation holds Chainlit's messages too"
    );
    assert!(client.flush_writes().await);
    let kept = kept(&layer, thread).await?;
    assert_eq!(
        texts(&kept),
        [
            "Weather in Paris?",
            "Sunny.",
            "welcome back to Weather in Paris: 1 said, 0 turns",
            "and tomorrow?",
            "turn 1: and tomorrow? (4 in context)"
        ],
        "the chat goes on in Chainlit's tables"
    );
    assert_eq!(
        kept.metadata["memory"],
        json!({ "turns": 2 }),
        "Chainlit's keys are kept"
    );
    drop((client, layer, pool));
    db.drop_it().await;
    Ok(())
}

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0, 0, 0,
];

#[on_message]
async fn picture(msg: Message) -> chainrs::Result<()> {
    Message::new(format!("a picture for {}", msg.content))
        .with_element(Element::image("dot").bytes(PNG.to_vec()))
        .with_element(Element::text("note").content("kept with the thread"))
        .send()
        .await?;
    Ok(())
}

/// Element contents are kept with the thread: a resumed thread's elements point at the thread's
/// own file route, which serves them after their session (and its files) are gone, to their
/// user only.
#[tokio::test]
async fn elements_come_back_with_their_content() -> chainrs::Result<()> {
    let layer = memory().await?;
    let client = TestClient::new(
        App::new()
            .register(picture)
            .register(name_is_password)
            .auth_secret(SECRET)
            .data_layer(layer.clone()),
    )?;
    let ada = User::new("ada");
    let mut chat = client.open_chat_as(ada.clone()).await?;
    let thread = chat.session().thread_id();
    chat.send("ada").await?;
    chat.close().await?;
    assert!(client.flush_writes().await);

    let mut back = client.resume_chat_as(ada.clone(), thread).await?;
    let shown = resumed(&back.received()).expect("the thread is shown");
    let mut urls = Vec::new();
    for name in ["dot", "note"] {
        let element = shown
            .elements
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("element {name} in {:?}", shown.elements));
        let url = element.url.clone().expect("a kept element has a url");
        assert_eq!(
            url,
            format!("/project/thread/{thread}/file/{}", element.id),
            "the thread's own route"
        );
        urls.push(url);
    }
    let (token, other) = (
        client.token_for(&ada)?,
        client.token_for(&User::new("bob"))?,
    );
    let image = client.get(&urls[0]).bearer(&token).send().await;
    assert_eq!(image.status(), 200, "{}", image.text());
    assert_eq!(image.bytes(), PNG, "the bytes the handler sent");
    assert_eq!(image.header("content-type"), Some("image/png"));
    assert_eq!(image.header("x-content-type-options"), Some("nosniff"));
    let note = client.get(&urls[1]).bearer(&token).send().await;
    assert_eq!(note.text(), "kept with the thread");
    assert_eq!(
        client.get(&urls[0]).bearer(&other).send().await.status(),
        401,
        "another user's thread"
    );
    assert_eq!(client.get(&urls[0]).send().await.status(), 401, "no login");
    let unknown = format!("/project/thread/{thread}/file/{}", Uuid::new_v4());
    assert_eq!(
        client.get(&unknown).bearer(&token).send().await.status(),
        404
    );
    Ok(())
}
