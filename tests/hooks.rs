//! Chat hooks driven through the in-process test client: framing, injection, errors, panics,
//! the ambient context and `chainrs::spawn`, and registration errors.

use std::sync::atomic::{AtomicU32, Ordering};

use chainrs::prelude::*;
use chainrs::protocol::ServerEvent;
use chainrs::testing::TestClient;

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Turns {
    n: u32,
}

static STARTS: AtomicU32 = AtomicU32::new(0);

#[on_chat_start]
async fn count_starts(turns: UserSession<Turns>) -> chainrs::Result<()> {
    STARTS.fetch_add(1, Ordering::SeqCst);
    turns.set(Turns { n: 100 }).await?;
    Message::new("welcome").send().await?;
    Ok(())
}

#[on_message]
async fn echo(msg: Message, turns: UserSession<Turns>, session: Session) -> chainrs::Result<()> {
    let n = turns.update(|t| {
        t.n += 1;
        t.n
    });
    let n = n.await?;
    Message::new(format!("{n}: {} in {}", msg.content, session.client_type()))
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn on_chat_start_runs_once_per_session_and_state_carries_into_on_message()
-> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(count_starts).register(echo))?;
    let before = STARTS.load(Ordering::SeqCst);
    let mut chat = client.open_chat().await?;
    assert_eq!(chat.received().replies(), ["welcome"]);
    assert_eq!(chat.send("hi").await?.replies(), ["101: hi in webapp"]);
    let id = chat.session_id();
    drop(chat);
    // A reconnect to the same session restores it without a second on_chat_start.
    let mut again = client.reconnect_chat(id, None).await?;
    // Reconnecting clears the page's pending state, as for a socket, and runs no hook.
    assert_eq!(
        again.received().names(),
        ["task_end", "clear_ask", "clear_call_fn"]
    );
    assert_eq!(again.send("back").await?.replies(), ["102: back in webapp"]);
    assert_eq!(STARTS.load(Ordering::SeqCst) - before, 1);
    Ok(())
}

#[tokio::test]
async fn on_message_events_follow_chainlits_order_and_nesting() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(echo))?;
    let mut chat = client.open_chat().await?;
    // What the tab got on connecting is not this turn's.
    chat.received();
    let first = chat.send("one").await?;
    assert_eq!(
        first.names(),
        [
            "task_start",
            "first_interaction",
            "new_message",
            "new_message",
            "update_message",
            "task_end"
        ]
    );
    let events = first.events();
    let (ServerEvent::NewMessage(run), ServerEvent::NewMessage(reply)) = (&events[2], &events[3])
    else {
        panic!("expected the run step then the reply, got {events:?}");
    };
    assert_eq!(run.name, "on_message");
    assert_eq!(
        reply.parent_id,
        Some(run.id),
        "the reply nests under the run step"
    );
    assert_eq!(reply.thread_id, run.thread_id);
    let ServerEvent::UpdateMessage(done) = &events[4] else {
        panic!("no run update")
    };
    assert_eq!((done.id, done.input.as_str()), (run.id, "one"));
    assert!(done.end.as_deref().is_some_and(|t| t.ends_with('Z')));
    // first_interaction only once per session.
    let second = chat.send("two").await?;
    assert_eq!(
        second.names(),
        [
            "task_start",
            "new_message",
            "new_message",
            "update_message",
            "task_end"
        ]
    );
    Ok(())
}

#[on_message]
async fn fails(msg: Message) -> Result<(), String> {
    Err(format!("cannot handle {:?}", msg.content))
}

#[on_message]
async fn panics(msg: Message) {
    if msg.content == "boom" {
        panic!("handler exploded");
    }
}

#[tokio::test]
async fn hook_errors_and_panics_become_error_messages_and_the_chat_goes_on() -> chainrs::Result<()>
{
    let client = TestClient::new(App::new().register(fails))?;
    let mut chat = client.open_chat().await?;
    let turn = chat.send("x").await?;
    assert_eq!(turn.errors(), ["cannot handle \"x\""]);
    assert_eq!(turn.names().last(), Some(&"task_end"));

    let client = TestClient::new(App::new().register(panics))?;
    let mut chat = client.open_chat().await?;
    let turn = chat.send("boom").await?;
    assert_eq!(turn.errors(), ["the handler panicked: handler exploded"]);
    let calm = chat.send("calm").await?;
    assert!(calm.errors().is_empty());
    assert_eq!(calm.names().last(), Some(&"task_end"));
    Ok(())
}

#[on_chat_start]
async fn needs_user(user: User) -> chainrs::Result<()> {
    Message::new(format!("hi {}", user.identifier))
        .send()
        .await?;
    Ok(())
}

#[on_chat_start]
async fn maybe_user(user: Option<User>) -> chainrs::Result<()> {
    let name = user.map_or("stranger".to_owned(), |u| u.identifier);
    Message::new(format!("hi {name}")).send().await?;
    Ok(())
}

#[tokio::test]
async fn user_and_optional_user_are_injected() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(maybe_user))?;
    assert_eq!(
        client.open_chat().await?.received().replies(),
        ["hi stranger"]
    );
    let mut chat = client.open_chat_as(User::new("ada")).await?;
    assert_eq!(chat.received().replies(), ["hi ada"]);

    let client = TestClient::new(App::new().register(needs_user))?;
    let mut anonymous = client.open_chat().await?;
    let shown = anonymous.received().errors();
    assert_eq!(shown.len(), 1);
    assert!(
        shown[0].contains("takes `User`") && shown[0].contains("Option<User>"),
        "{shown:?}"
    );
    Ok(())
}

#[tokio::test]
async fn handlers_stay_callable_as_plain_functions() -> chainrs::Result<()> {
    assert_eq!(
        login_check::call("admin".into(), "admin".into()).await,
        Some(User::new("admin"))
    );
    assert_eq!(login_check::call("admin".into(), "nope".into()).await, None);

    // A chat hook called directly, inside a test chat's context.
    let client = TestClient::new(App::new().register(echo))?;
    let mut chat = client.open_chat().await?;
    let turns = chat.user_session::<Turns>();
    chat.within(echo::call(
        Message::from_user("direct"),
        turns.clone(),
        chat.session(),
    ))
    .await?;
    assert_eq!(chat.received().replies(), ["1: direct in webapp"]);
    assert_eq!(turns.get().await?.n, 1);

    // Outside any context, ambient calls fail with an error that names the fix.
    let err = Message::new("hello")
        .send()
        .await
        .err()
        .map(|e| e.to_string());
    assert!(
        err.as_deref().is_some_and(
            |e| e.contains("outside a chainrs handler") && e.contains("chainrs::spawn")
        ),
        "{err:?}"
    );
    Ok(())
}

#[password_auth_callback]
async fn login_check(username: String, password: String) -> Option<User> {
    (username == "admin" && password == "admin").then(|| User::new(username))
}

#[on_message]
async fn background(msg: Message) -> chainrs::Result<()> {
    let carried = chainrs::spawn(async move {
        Message::new(format!("from a spawned task: {}", msg.content))
            .send()
            .await
    });
    carried
        .await
        .map_err(|e| chainrs::Error::handler(e.to_string()))??;
    let lost = tokio::spawn(async { Message::new("lost").send().await });
    let err = lost
        .await
        .map_err(|e| chainrs::Error::handler(e.to_string()))?
        .err();
    Message::new(format!(
        "tokio::spawn: {}",
        err.map_or("no error".into(), |e| e.to_string())
    ))
    .send()
    .await?;
    Ok(())
}

#[tokio::test]
async fn chainrs_spawn_carries_the_context_and_tokio_spawn_reports_its_absence()
-> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(background))?;
    let mut chat = client.open_chat().await?;
    let replies = chat.send("x").await?.replies();
    assert_eq!(replies[0], "from a spawned task: x");
    assert!(
        replies[1].starts_with("tokio::spawn: Message::send was called outside a chainrs handler"),
        "{replies:?}"
    );
    Ok(())
}

struct Greeting(&'static str);

#[on_chat_start]
async fn greet(greeting: State<Greeting>, emitter: Emitter) -> chainrs::Result<()> {
    let mut m = Message::new(greeting.0.0);
    m.thread_id = None;
    emitter.emit(ServerEvent::NewMessage(m.to_step())).await?;
    Ok(())
}

#[tokio::test]
async fn state_and_emitter_are_injected_and_missing_state_is_explained() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(greet).with_state(Greeting("hey")))?;
    assert_eq!(client.open_chat().await?.received().replies(), ["hey"]);

    let client = TestClient::new(App::new().register(greet))?;
    let errors = client.open_chat().await?.received().errors();
    assert!(
        errors[0].contains("App::with_state") && errors[0].contains("Greeting"),
        "{errors:?}"
    );
    Ok(())
}

static STOPS: AtomicU32 = AtomicU32::new(0);
static ENDS: AtomicU32 = AtomicU32::new(0);

#[on_stop]
async fn stopped() {
    STOPS.fetch_add(1, Ordering::SeqCst);
}

#[on_chat_end]
async fn ended(turns: UserSession<Turns>) -> chainrs::Result<()> {
    // The session is still readable while on_chat_end runs.
    turns.get().await?;
    ENDS.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

#[tokio::test]
async fn stop_and_close_run_their_hooks_and_close_deletes_the_session() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(stopped).register(ended).register(echo))?;
    let mut chat = client.open_chat().await?;
    chat.stop().await?;
    assert_eq!(STOPS.load(Ordering::SeqCst), 1);
    let id = chat.session_id();
    chat.close().await?;
    assert_eq!(ENDS.load(Ordering::SeqCst), 1);
    let gone = client.reconnect_chat(id, None).await.err();
    assert!(
        matches!(gone, Some(chainrs::Error::SessionNotFound(_))),
        "{gone:?}"
    );
    Ok(())
}

static STOPPED_WHILE_WORKING: AtomicU32 = AtomicU32::new(0);

#[on_message]
async fn works_until_stopped(msg: Message) -> chainrs::Result<()> {
    Message::new(format!("working on {}", msg.content))
        .send()
        .await?;
    std::future::pending::<()>().await;
    Ok(())
}

#[on_stop]
async fn count_stop() {
    STOPPED_WHILE_WORKING.fetch_add(1, Ordering::SeqCst);
}

/// Reads the tab's events until a message with this text arrives.
async fn wait_for(chat: &mut chainrs::testing::TestChat, text: &str) {
    loop {
        match chat.next_event().await {
            Some(ServerEvent::NewMessage(step)) if step.output == text => return,
            Some(_) => {}
            None => panic!("the tab closed before {text:?} arrived"),
        }
    }
}

#[tokio::test]
async fn stop_cancels_the_running_hook_and_ends_the_task_as_the_stop_button_does()
-> chainrs::Result<()> {
    let client = TestClient::new(
        App::new()
            .register(works_until_stopped)
            .register(count_stop),
    )?;
    let mut chat = client.open_chat().await?;
    chat.received();
    let running = chat.send_later("the long task")?;
    let queued = chat.send_later("the next one")?;
    // Wait until the first message's hook is running.
    wait_for(&mut chat, "working on the long task").await;
    let answer = chat.stop().await?;
    running.finished().await;
    queued.finished().await;
    // The notice, then the end of the task; the cancelled run never ends its own step.
    assert_eq!(answer.names(), ["new_message", "task_end"]);
    let ServerEvent::NewMessage(notice) = &answer.events()[0] else {
        panic!("no notice: {:?}", answer.events());
    };
    assert_eq!(
        (notice.output.as_str(), notice.name.as_str()),
        ("Task manually stopped.", "System")
    );
    assert_eq!(STOPPED_WHILE_WORKING.load(Ordering::SeqCst), 1);
    // The message queued behind the stopped one was dropped, not run.
    assert!(
        chat.received().events().is_empty(),
        "the queued message ran after the stop"
    );
    // The tab goes on.
    let next = chat.send_later("after the stop")?;
    wait_for(&mut chat, "working on after the stop").await;
    chat.stop().await?;
    next.finished().await;
    assert_eq!(STOPPED_WHILE_WORKING.load(Ordering::SeqCst), 2);
    Ok(())
}

#[tokio::test]
async fn a_test_chat_refuses_what_the_socket_refuses() -> chainrs::Result<()> {
    let mut config = chainrs::Config::default();
    config.max_message_bytes = 8;
    let client = TestClient::new(App::new().register(other_echo).config(config))?;
    let mut chat = client.open_chat().await?;
    let err = chat.send("far too long").await.err().map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|e| e.contains("over this app's limit of 8 bytes")),
        "{err:?}"
    );
    // The tab was told, as a socket client is told, and the chat goes on.
    let told = chat.received();
    assert!(
        told.events()
            .iter()
            .any(|e| matches!(e, ServerEvent::Error { event, .. } if event == "client_message")),
        "{:?}",
        told.names()
    );
    assert_eq!(chat.send("short").await?.replies(), ["short"]);
    Ok(())
}

#[on_message]
async fn other_echo(msg: Message) -> chainrs::Result<()> {
    Message::new(msg.content).send().await?;
    Ok(())
}

#[tokio::test]
async fn a_second_handler_of_a_once_only_kind_is_an_error_naming_both() {
    let err = TestClient::new(App::new().register(echo).on_message(other_echo))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("two #[on_message] handlers"), "{err}");
    assert!(err.contains("`echo` (defined at tests/hooks.rs:"), "{err}");
    assert!(
        err.contains("`other_echo` (defined at tests/hooks.rs:"),
        "{err}"
    );
    assert!(
        err.matches("registered at tests/hooks.rs:").count() == 2,
        "{err}"
    );
}
