//! What a chat leaves in the data layer: nothing before the user's first interaction, then
//! every message and step in order, the thread named after the first message and owned by its
//! user; removals follow; a write the database refuses is retried until it lands.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chainrs::data::{DataFuture, DataLayer, PersistedUser, SqliteDataLayer, ThreadUpdate};
use chainrs::prelude::*;
use chainrs::protocol::{
    ElementDict, FeedbackDict, Page, Pagination, StepDict, StepType, ThreadDict, ThreadFilter,
};
use chainrs::testing::TestClient;

#[on_chat_start]
async fn greet() -> chainrs::Result<()> {
    Message::new("welcome").send().await?;
    Ok(())
}

#[on_message]
async fn answer(msg: Message) -> chainrs::Result<()> {
    if msg.content == "/forget" {
        let passing = Message::new("gone soon").send().await?;
        passing.remove().await?;
        return Ok(());
    }
    Message::new(format!("you said {}", msg.content))
        .with_element(Element::text("note").content("kept with the reply"))
        .send()
        .await?;
    Ok(())
}

async fn memory() -> SqliteDataLayer {
    SqliteDataLayer::connect("sqlite::memory:")
        .await
        .expect("an in-memory database")
}

/// The thread as stored, if it is.
async fn stored(layer: &impl DataLayer, thread: uuid::Uuid) -> chainrs::Result<Option<ThreadDict>> {
    layer
        .get_thread(thread)
        .await
        .map_err(chainrs::Error::Store)
}

fn messages(thread: &ThreadDict) -> Vec<(StepType, String)> {
    thread
        .steps
        .iter()
        .filter(|s| s.step_type != StepType::Run)
        .map(|s| (s.step_type, s.output.clone()))
        .collect()
}

#[tokio::test]
async fn a_chat_is_kept_from_its_first_interaction_on() -> chainrs::Result<()> {
    let layer = memory().await;
    let client = TestClient::new(
        App::new()
            .register(greet)
            .register(answer)
            .data_layer(layer.clone()),
    )?;
    let mut chat = client.open_chat_as(User::new("ada")).await?;
    let thread = chat.session().thread_id();
    assert!(client.flush_writes().await, "the writes are done");
    assert_eq!(
        stored(&layer, thread).await?,
        None,
        "a tab only opened writes nothing"
    );

    chat.send("hello there").await?;
    chat.send("/forget").await?;
    assert!(client.flush_writes().await);
    let kept = stored(&layer, thread)
        .await?
        .expect("the thread, after the first message");
    assert_eq!(
        kept.name.as_deref(),
        Some("hello there"),
        "named after the first message"
    );
    assert_eq!(kept.user_identifier.as_deref(), Some("ada"));
    assert_eq!(
        messages(&kept),
        [
            (StepType::AssistantMessage, "welcome".to_owned()),
            (StepType::UserMessage, "hello there".to_owned()),
            (
                StepType::AssistantMessage,
                "you said hello there".to_owned()
            ),
            (StepType::UserMessage, "/forget".to_owned()),
        ],
        "in order; the removed reply is gone"
    );
    let runs: Vec<&str> = kept
        .steps
        .iter()
        .filter(|s| s.step_type == StepType::Run)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(runs, ["on_chat_start", "on_message", "on_message"]);
    assert_eq!(
        kept.elements.len(),
        1,
        "the reply's element is kept with it"
    );
    assert_eq!(kept.elements[0].name, "note");
    let ada = layer
        .get_user("ada")
        .await
        .map_err(chainrs::Error::Store)?
        .expect("the user is stored");
    let listed = layer
        .list_threads(
            Pagination {
                first: 10,
                cursor: None,
            },
            ThreadFilter {
                user_id: Some(ada.id),
                ..ThreadFilter::default()
            },
        )
        .await
        .map_err(chainrs::Error::Store)?;
    assert_eq!(
        listed.data.iter().map(|t| t.id).collect::<Vec<_>>(),
        [thread]
    );
    Ok(())
}

#[tokio::test]
async fn a_session_that_ends_untouched_leaves_nothing() -> chainrs::Result<()> {
    let layer = memory().await;
    let client = TestClient::new(
        App::new()
            .register(greet)
            .register(answer)
            .data_layer(layer.clone()),
    )?;
    let chat = client.open_chat().await?;
    let thread = chat.session().thread_id();
    chat.close().await?;
    assert!(client.flush_writes().await);
    assert_eq!(stored(&layer, thread).await?, None);
    Ok(())
}

/// A data layer that refuses its first `failures` step writes, then works.
struct Flaky {
    inner: SqliteDataLayer,
    failures: AtomicU32,
}

impl DataLayer for Flaky {
    fn get_user(&self, identifier: &str) -> DataFuture<'_, Option<PersistedUser>> {
        self.inner.get_user(identifier)
    }
    fn create_user(&self, user: &User) -> DataFuture<'_, PersistedUser> {
        self.inner.create_user(user)
    }
    fn get_thread_author(&self, thread: uuid::Uuid) -> DataFuture<'_, Option<String>> {
        self.inner.get_thread_author(thread)
    }
    fn get_thread(&self, thread: uuid::Uuid) -> DataFuture<'_, Option<ThreadDict>> {
        self.inner.get_thread(thread)
    }
    fn update_thread(&self, thread: uuid::Uuid, update: ThreadUpdate) -> DataFuture<'_, ()> {
        self.inner.update_thread(thread, update)
    }
    fn delete_thread(&self, thread: uuid::Uuid) -> DataFuture<'_, ()> {
        self.inner.delete_thread(thread)
    }
    fn list_threads(
        &self,
        pagination: Pagination,
        filter: ThreadFilter,
    ) -> DataFuture<'_, Page<ThreadDict>> {
        self.inner.list_threads(pagination, filter)
    }
    fn upsert_step(&self, step: StepDict) -> DataFuture<'_, ()> {
        let refuse = self
            .failures
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok();
        if refuse {
            return Box::pin(async { Err("the database is briefly away".into()) });
        }
        self.inner.upsert_step(step)
    }
    fn delete_step(&self, step: uuid::Uuid) -> DataFuture<'_, ()> {
        self.inner.delete_step(step)
    }
    fn get_step_thread(&self, step: uuid::Uuid) -> DataFuture<'_, Option<uuid::Uuid>> {
        self.inner.get_step_thread(step)
    }
    fn create_element(&self, element: ElementDict) -> DataFuture<'_, ()> {
        self.inner.create_element(element)
    }
    fn get_element(
        &self,
        thread: uuid::Uuid,
        element: uuid::Uuid,
    ) -> DataFuture<'_, Option<ElementDict>> {
        self.inner.get_element(thread, element)
    }
    fn delete_element(&self, element: uuid::Uuid) -> DataFuture<'_, ()> {
        self.inner.delete_element(element)
    }
    fn put_element_content(
        &self,
        element: uuid::Uuid,
        content: chainrs::data::ElementContent,
    ) -> DataFuture<'_, ()> {
        self.inner.put_element_content(element, content)
    }
    fn get_element_content(
        &self,
        thread: uuid::Uuid,
        element: uuid::Uuid,
    ) -> DataFuture<'_, Option<chainrs::data::ElementContent>> {
        self.inner.get_element_content(thread, element)
    }
    fn upsert_feedback(&self, feedback: FeedbackDict) -> DataFuture<'_, uuid::Uuid> {
        self.inner.upsert_feedback(feedback)
    }
    fn delete_feedback(&self, feedback: uuid::Uuid) -> DataFuture<'_, bool> {
        self.inner.delete_feedback(feedback)
    }
    fn get_feedback_step(&self, feedback: uuid::Uuid) -> DataFuture<'_, Option<uuid::Uuid>> {
        self.inner.get_feedback_step(feedback)
    }
    fn delete_user_data(&self, identifier: &str) -> DataFuture<'_, ()> {
        self.inner.delete_user_data(identifier)
    }
}

#[tokio::test]
async fn a_refused_write_is_retried_until_it_lands() -> chainrs::Result<()> {
    let inner = memory().await;
    let flaky = Arc::new(Flaky {
        inner: inner.clone(),
        failures: AtomicU32::new(3),
    });
    let client = TestClient::new(App::new().register(answer).data_layer(flaky.clone()))?;
    let mut chat = client.open_chat().await?;
    let thread = chat.session().thread_id();
    let sent = chat.send("persist me").await?;
    assert_eq!(
        sent.replies(),
        ["you said persist me"],
        "the chat never waits for the database"
    );
    let toast = |e: &chainrs::protocol::ServerEvent| match e {
        chainrs::protocol::ServerEvent::Toast { message, kind } => Some((message.clone(), *kind)),
        _ => None,
    };
    // The warning may come while the reply is still on its way, or after.
    let mut warned: Vec<_> = sent.events().iter().filter_map(toast).collect();
    assert!(client.flush_writes().await);
    assert_eq!(
        flaky.failures.load(Ordering::Acquire),
        0,
        "the refusals happened"
    );
    if warned.is_empty() {
        let later = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while let Some(event) = chat.next_event().await {
                if let Some(found) = toast(&event) {
                    return Some(found);
                }
            }
            None
        })
        .await
        .ok()
        .flatten();
        warned.extend(later);
    }
    assert_eq!(
        warned,
        [(
            "This chat's history is not being saved right now; retrying.".to_owned(),
            ToastKind::Warning
        )],
        "the chat is told, once, while the writes are retried"
    );
    assert!(
        !chat
            .received()
            .events()
            .iter()
            .any(|e| matches!(e, chainrs::protocol::ServerEvent::Toast { .. })),
        "not once per failed write"
    );
    let kept = stored(&inner, thread).await?.expect("the thread");
    assert_eq!(
        messages(&kept),
        [
            (StepType::UserMessage, "persist me".to_owned()),
            (StepType::AssistantMessage, "you said persist me".to_owned()),
        ]
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_app_connects_its_database_url_and_keeps_what_it_answered() -> chainrs::Result<()>
{
    let path = std::env::temp_dir().join(format!("chainrs-served-{}.db", uuid::Uuid::new_v4()));
    let url = format!("sqlite://{}", path.display());
    let served = chainrs_tests::Served::start(
        App::new()
            .register(greet)
            .register(answer)
            .database_url(url.clone()),
    )
    .await?;
    let http = reqwest::Client::new();
    let started = http
        .post(format!("{}/chat/start", served.base()))
        .send()
        .await
        .expect("start");
    let session = started
        .headers()
        .get("x-chainrs-session-id")
        .and_then(|v| v.to_str().ok())
        .expect("a session")
        .to_owned();
    let said = http
        .post(format!("{}/chat/message", served.base()))
        .header("x-chainrs-session-id", &session)
        .json(&serde_json::json!({ "content": "over http" }))
        .send()
        .await
        .expect("message");
    assert!(
        said.status().is_success(),
        "{}",
        said.text().await.unwrap_or_default()
    );
    served.stop().await?;
    // Stopped: everything it answered is in the file.
    let layer = SqliteDataLayer::connect(&url).await?;
    let threads = layer
        .list_threads(
            Pagination {
                first: 10,
                cursor: None,
            },
            ThreadFilter::default(),
        )
        .await
        .map_err(chainrs::Error::Store)?;
    assert_eq!(threads.data.len(), 1);
    assert_eq!(threads.data[0].name.as_deref(), Some("over http"));
    let kept = layer
        .get_thread(threads.data[0].id)
        .await
        .map_err(chainrs::Error::Store)?
        .expect("the thread");
    assert_eq!(
        messages(&kept),
        [
            (StepType::AssistantMessage, "welcome".to_owned()),
            (StepType::UserMessage, "over http".to_owned()),
            (StepType::AssistantMessage, "you said over http".to_owned()),
        ]
    );
    drop(layer);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }

    let refused = App::new()
        .register(answer)
        .database_url("mysql://db/chat")
        .bind("127.0.0.1:0")
        .await
        .err()
        .expect("an unknown database is refused");
    assert!(
        refused
            .to_string()
            .contains("sqlite://chat.db or postgres://"),
        "{refused}"
    );
    Ok(())
}

#[derive(SessionState, Debug, Default, Serialize, Deserialize)]
#[session(key = "tally")]
struct Tally {
    turns: u32,
}

#[on_chat_start]
async fn open_tally(tally: UserSession<Tally>) -> chainrs::Result<()> {
    tally.set(Tally { turns: 0 }).await
}

#[on_message]
async fn count_turns(_msg: Message, tally: UserSession<Tally>) -> chainrs::Result<()> {
    let turns = tally
        .update(|t| {
            t.turns += 1;
            t.turns
        })
        .await?;
    Message::new(format!("turn {turns}")).send().await?;
    Ok(())
}

#[tokio::test]
async fn the_typed_state_is_kept_in_the_thread_on_every_update() -> chainrs::Result<()> {
    let layer = memory().await;
    let client = TestClient::new(
        App::new()
            .register(open_tally)
            .register(count_turns)
            .data_layer(layer.clone()),
    )?;
    let mut chat = client.open_chat().await?;
    let thread = chat.session().thread_id();
    assert!(client.flush_writes().await);
    assert_eq!(
        stored(&layer, thread).await?,
        None,
        "the state set before the first message waits for it"
    );
    chat.send("one").await?;
    assert!(client.flush_writes().await);
    let after_one = stored(&layer, thread).await?.expect("the thread");
    assert_eq!(
        after_one.metadata["state:tally"],
        serde_json::json!({ "turns": 1 })
    );
    chat.send("two").await?;
    assert!(client.flush_writes().await);
    let after_two = stored(&layer, thread).await?.expect("the thread");
    assert_eq!(
        after_two.metadata["state:tally"],
        serde_json::json!({ "turns": 2 }),
        "kept on each committed update, not only at the end"
    );
    assert_eq!(after_two.name.as_deref(), Some("one"));
    Ok(())
}

#[tokio::test]
async fn the_users_attachments_and_a_stop_are_kept_with_the_thread() -> chainrs::Result<()> {
    let layer = memory().await;
    let dir = std::env::temp_dir().join(format!("chainrs-kept-files-{}", uuid::Uuid::new_v4()));
    let client = TestClient::new(
        App::new()
            .register(answer)
            .data_layer(layer.clone())
            .files_dir(&dir)
            .file_upload(FileUpload::new()),
    )?;
    let mut chat = client.open_chat().await?;
    let (session, thread) = (chat.session_id(), chat.session().thread_id());
    let uploaded = client
        .post(&format!("/project/file?session_id={session}"))
        .file("plan.txt", "text/plain", b"step one".to_vec())
        .send()
        .await;
    let file: uuid::Uuid = uploaded
        .json::<serde_json::Value>()?
        .get("id")
        .and_then(|id| id.as_str())
        .and_then(|id| id.parse().ok())
        .expect("an upload id");
    chat.send_with_files("see the plan", &[file]).await?;
    chat.stop().await?;
    assert!(client.flush_writes().await);
    let kept = stored(&layer, thread).await?.expect("the thread");
    let question = kept
        .steps
        .iter()
        .find(|s| s.output == "see the plan")
        .map(|s| s.id)
        .expect("the user's message");
    let attachment = kept
        .elements
        .iter()
        .find(|e| e.name == "plan.txt")
        .expect("the attachment is kept");
    assert_eq!(
        attachment.for_id,
        Some(question),
        "with the message that attached it"
    );
    assert_eq!(attachment.chainlit_key, Some(file.to_string()));
    assert!(
        kept.steps
            .iter()
            .any(|s| s.output == "Task manually stopped."),
        "the stop is part of the thread: {:?}",
        messages(&kept)
    );
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// Sends an element for a message that was never shown, then a reply.
#[on_message]
async fn stray(_msg: Message) -> chainrs::Result<()> {
    Element::file("stray.txt")
        .content("for no message")
        .send(Some(uuid::Uuid::new_v4()))
        .await?;
    Message::new("after the stray element").send().await?;
    Ok(())
}

#[tokio::test]
async fn a_write_the_database_refuses_for_good_does_not_hold_up_the_others() -> chainrs::Result<()>
{
    let layer = memory().await;
    let client = TestClient::new(App::new().register(stray).data_layer(layer.clone()))?;
    let mut chat = client.open_chat().await?;
    let thread = chat.session().thread_id();
    chat.send("go").await?;
    // Retried, the refused element would hold the queue for longer than this flush waits.
    assert!(
        client.flush_writes().await,
        "the refused write was dropped at once"
    );
    let kept = stored(&layer, thread).await?.expect("the thread");
    assert!(kept.elements.is_empty());
    assert!(
        messages(&kept).contains(&(
            StepType::AssistantMessage,
            "after the stray element".to_owned()
        )),
        "the writes after it landed: {:?}",
        messages(&kept)
    );
    Ok(())
}
