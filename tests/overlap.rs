//! `App::on_overlap`: a message that arrives while a hook of its session runs waits its turn
//! (`Enqueue`, the default), is refused with an `error` event and a toast (`Reject`), or stops
//! what runs as the stop button does and then runs (`Interrupt`). On one instance here; across
//! two in `tests/instances.rs`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chainrs::prelude::*;
use chainrs::protocol::{ServerEvent, StepType};
use chainrs::testing::{Sending, TestChat, TestClient};

/// "slow" takes a minute (of the paused clock); anything else answers at once.
#[on_message]
async fn answer(msg: Message) -> chainrs::Result<()> {
    if msg.content == "slow" {
        Message::new("working on slow").send().await?;
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    Message::new(format!("done {}", msg.content)).send().await?;
    Ok(())
}

static STOPS: AtomicU32 = AtomicU32::new(0);

#[on_stop]
async fn stopped() {
    STOPS.fetch_add(1, Ordering::SeqCst);
}

/// A chat of an app with `overlap` (the default with `None`) whose "slow" hook runs now.
async fn running_slow(
    overlap: Option<Overlap>,
) -> chainrs::Result<(TestClient, TestChat, Sending)> {
    let app = App::new().register(answer).register(stopped);
    let client = TestClient::new(match overlap {
        Some(overlap) => app.on_overlap(overlap),
        None => app,
    })?;
    let mut chat = client.open_chat().await?;
    chat.received();
    let slow = chat.send_later("slow")?;
    until(&mut chat, "working on slow").await;
    Ok((client, chat, slow))
}

/// Reads the tab's events until a message with this text arrives; returns what came before.
async fn until(chat: &mut TestChat, text: &str) -> Vec<ServerEvent> {
    let mut seen = Vec::new();
    loop {
        match chat.next_event().await {
            Some(ServerEvent::NewMessage(step)) if step.output == text => return seen,
            Some(event) => seen.push(event),
            None => panic!("the tab closed before {text:?} arrived; it got {seen:?}"),
        }
    }
}

/// The texts of the messages among `events` (not the run steps).
fn said(events: &[ServerEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::NewMessage(step) if step.step_type != StepType::Run => {
                Some(step.output.clone())
            }
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn by_default_a_message_waits_for_the_running_hook() -> chainrs::Result<()> {
    let (_client, mut chat, slow) = running_slow(None).await?;
    let next = chat.send_later("next")?;
    let between = until(&mut chat, "done next").await;
    assert_eq!(
        said(&between),
        ["done slow"],
        "the second message ran after the first ended"
    );
    slow.finished().await;
    next.finished().await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn reject_refuses_the_message_with_an_error_and_a_toast() -> chainrs::Result<()> {
    let (_client, mut chat, slow) = running_slow(Some(Overlap::Reject)).await?;
    let refused = chat.send_later("next").err().map(|e| e.to_string());
    assert!(
        refused
            .as_deref()
            .is_some_and(|e| e.contains("A reply is still running")),
        "{refused:?}"
    );
    let rest = until(&mut chat, "done slow").await;
    let error = rest.iter().position(|e| {
        matches!(e, ServerEvent::Error { event, message } if event == "client_message" && message.contains("wait for it"))
    });
    let toast = rest.iter().position(
        |e| matches!(e, ServerEvent::Toast { message, .. } if message.contains("wait for it")),
    );
    assert!(
        error.is_some() && toast > error,
        "an error event for the message, then a toast: {rest:?}"
    );
    slow.finished().await;
    assert!(
        said(chat.received().events()).is_empty(),
        "nothing ran for the refused message"
    );
    // Once nothing runs, a message runs.
    assert_eq!(chat.send("later").await?.replies(), ["done later"]);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn interrupt_stops_the_running_hook_then_runs_the_message() -> chainrs::Result<()> {
    let before = STOPS.load(Ordering::SeqCst);
    let (_client, mut chat, slow) = running_slow(Some(Overlap::Interrupt)).await?;
    let next = chat.send_later("next")?;
    let between = until(&mut chat, "done next").await;
    assert_eq!(
        said(&between),
        ["Task manually stopped."],
        "the running hook was stopped as the stop button stops it, and never finished"
    );
    let stop_end = between
        .iter()
        .position(|e| matches!(e, ServerEvent::TaskEnd));
    assert!(stop_end.is_some(), "the stop ended its task: {between:?}");
    assert_eq!(STOPS.load(Ordering::SeqCst), before + 1, "#[on_stop] ran");
    slow.finished().await;
    next.finished().await;
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert!(
        !said(chat.received().events()).contains(&"done slow".to_owned()),
        "the stopped hook does not come back"
    );
    // With nothing running, a message runs without stopping anything.
    let plain = chat.send("plain").await?;
    assert_eq!(plain.replies(), ["done plain"]);
    assert_eq!(STOPS.load(Ordering::SeqCst), before + 1);
    Ok(())
}
