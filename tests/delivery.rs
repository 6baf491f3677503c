//! Delivery while a session has no tab, with Redis: what the app sends goes to the session's
//! outbox in Redis, bounded at `QUEUE_LIMIT` events (the tab is told how many older ones did not
//! fit) with stream tokens merged, and the next tab of the session takes it first, on any
//! instance, once. Two in-process instances share one Redis; the socket-level test with two
//! processes is `tests/instances.rs` (`durable-instances.mjs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chainrs::prelude::*;
use chainrs::protocol::ServerEvent;
use chainrs::testing::{TestChat, TestClient};
use chainrs_tests::{clean, redis_store};

static MANY_DONE: AtomicBool = AtomicBool::new(false);
static STREAM_DONE: AtomicBool = AtomicBool::new(false);

/// After a pause (the tab leaves meanwhile): "many" sends QUEUE_LIMIT + 100 messages, "stream"
/// streams 50 tokens.
#[on_message]
async fn away(msg: Message) -> chainrs::Result<()> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    if msg.content == "many" {
        for i in 0..chainrs::QUEUE_LIMIT + 100 {
            Message::new(format!("m{i}")).send().await?;
        }
        MANY_DONE.store(true, Ordering::SeqCst);
    } else {
        let mut out = Message::new("").stream().await?;
        for i in 0..50 {
            out.token(format!("t{i} ")).await?;
        }
        out.finish().await?;
        STREAM_DONE.store(true, Ordering::SeqCst);
    }
    Ok(())
}

async fn until(done: &AtomicBool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !done.load(Ordering::SeqCst) {
        assert!(std::time::Instant::now() < deadline, "the hook did not end");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Its last events reach Redis.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// A chat on instance `a` whose hook for `text` runs while its tab is gone; its session id.
async fn sent_then_gone(a: &TestClient, text: &str) -> chainrs::Result<chainrs::SessionId> {
    let mut chat: TestChat = a.open_chat().await?;
    chat.received();
    let id = chat.session_id();
    let _running = chat.send_later(text)?;
    chat.disconnect().await?;
    Ok(id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_keeps_the_newest_events_and_says_how_many_did_not_fit() -> chainrs::Result<()> {
    let store = redis_store("outbox-bound").await;
    let instance = || App::new().register(away).redis_store(store.clone());
    let (a, b) = (TestClient::new(instance())?, TestClient::new(instance())?);
    let id = sent_then_gone(&a, "many").await?;
    until(&MANY_DONE).await;

    let mut back = b.reconnect_chat(id, None).await?;
    let got = back.received();
    let events = got.events();
    let ServerEvent::Toast { message, .. } = &events[0] else {
        panic!("the first event tells what did not fit: {:?}", &events[..3]);
    };
    let dropped: usize = message
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count in {message:?}"));
    assert!(
        message.ends_with("older updates could not be kept while you were disconnected"),
        "{message}"
    );
    let said: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Custom { name, payload } if name == "new_message" => {
                payload["output"].as_str().map(str::to_owned)
            }
            _ => None,
        })
        .filter(|t| t.starts_with('m'))
        .collect();
    let kept = events[1..]
        .iter()
        .take_while(|e| matches!(e, ServerEvent::Custom { .. }))
        .count();
    assert_eq!(
        kept,
        chainrs::QUEUE_LIMIT,
        "the outbox holds QUEUE_LIMIT events"
    );
    assert!(dropped >= 100, "at least the 100 over the limit: {dropped}");
    let last = chainrs::QUEUE_LIMIT + 99;
    assert_eq!(
        said.last().map(String::as_str),
        Some(format!("m{last}").as_str()),
        "the newest are kept"
    );
    let first: usize = said[0][1..].parse().expect("a number");
    let expected: Vec<String> = (first..=last).map(|i| format!("m{i}")).collect();
    assert_eq!(
        said, expected,
        "in order, each once, none missing after the first kept"
    );

    // Taken once: another tab of the session gets none of it again.
    drop(back);
    let mut again = b.reconnect_chat(id, None).await?;
    assert!(
        !again
            .received()
            .events()
            .iter()
            .any(|e| matches!(e, ServerEvent::Custom { .. })),
        "nothing is delivered twice"
    );
    clean(store.prefix()).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_tokens_kept_while_away_merge_into_one() -> chainrs::Result<()> {
    let store = redis_store("outbox-merge").await;
    let instance = || App::new().register(away).redis_store(store.clone());
    let (a, b) = (TestClient::new(instance())?, TestClient::new(instance())?);
    let id = sent_then_gone(&a, "stream").await?;
    until(&STREAM_DONE).await;
    let mut back = b.reconnect_chat(id, None).await?;
    let got = back.received();
    let tokens: Vec<String> = got
        .events()
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Custom { name, payload } if name == "stream_token" => {
                payload["token"].as_str().map(str::to_owned)
            }
            _ => None,
        })
        .collect();
    let whole: String = (0..50).map(|i| format!("t{i} ")).collect();
    let start = got
        .events()
        .iter()
        .find_map(|e| match e {
            ServerEvent::Custom { name, payload } if name == "stream_start" => {
                payload["output"].as_str().map(str::to_owned)
            }
            _ => None,
        })
        .unwrap_or_default();
    assert_eq!(
        tokens.len(),
        1,
        "the tokens merged into one event: {tokens:?}"
    );
    assert_eq!(
        format!("{start}{}", tokens[0]),
        whole,
        "every token once, in order"
    );
    clean(store.prefix()).await;
    Ok(())
}
