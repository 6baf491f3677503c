//! A tab that drops and comes back: the session is restored without a second
//! `on_chat_start`, what handlers sent meanwhile arrives in order, `#[on_disconnect]` runs on
//! the drop, and `#[on_chat_end]` only when the session really ends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chainrs::prelude::*;
use chainrs::testing::TestClient;

/// What the hooks saw, in order.
#[derive(Clone, Default)]
struct Journal(Arc<Mutex<Vec<String>>>);

impl Journal {
    fn note(&self, line: String) {
        self.0.lock().expect("journal").push(line);
    }
    fn lines(&self) -> Vec<String> {
        self.0.lock().expect("journal").clone()
    }
}

#[on_chat_start]
async fn start(journal: State<Journal>) -> chainrs::Result<()> {
    journal.note("start".to_owned());
    Message::new("welcome").send().await?;
    Ok(())
}

/// Answers later, from a spawned task, as a long job would.
#[on_message]
async fn later(msg: Message) -> chainrs::Result<()> {
    chainrs::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        for part in 1..=3 {
            Message::new(format!("{} part {part}", msg.content))
                .send()
                .await?;
        }
        Ok::<(), chainrs::Error>(())
    });
    Ok(())
}

#[on_disconnect]
async fn gone(journal: State<Journal>, session: Session) -> chainrs::Result<()> {
    journal.note(format!("disconnect {}", session.id()));
    Message::new("see you soon").send().await?;
    Ok(())
}

#[on_chat_end]
async fn end(journal: State<Journal>, session: Session) {
    journal.note(format!("end {} {}", session.id(), session.client_type()));
}

fn app(journal: &Journal) -> App {
    App::new()
        .register(start)
        .register(later)
        .register(gone)
        .register(end)
        .with_state(journal.clone())
        .session_timeout(Duration::from_secs(60))
}

#[tokio::test(start_paused = true)]
async fn messages_sent_while_the_tab_was_away_arrive_in_order_on_reconnect() -> chainrs::Result<()>
{
    let journal = Journal::default();
    let client = TestClient::new(app(&journal))?;
    let mut chat = client.open_chat().await?;
    assert_eq!(chat.received().replies(), ["welcome"]);
    chat.send("report").await?;
    let id = chat.session_id();
    chat.disconnect().await?;
    // The job finishes while no tab is connected.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let mut back = client.reconnect_chat(id, None).await?;
    assert_eq!(
        back.received().replies(),
        [
            "see you soon",
            "report part 1",
            "report part 2",
            "report part 3"
        ]
    );
    assert_eq!(
        journal.lines(),
        ["start".to_owned(), format!("disconnect {id}")],
        "no second on_chat_start, no on_chat_end for a drop"
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn on_chat_end_runs_when_the_session_expires_not_when_the_tab_drops() -> chainrs::Result<()> {
    let journal = Journal::default();
    let client = TestClient::new(app(&journal))?;
    let chat = client.open_chat().await?;
    let id = chat.session_id();
    chat.disconnect().await?;
    tokio::time::advance(Duration::from_secs(30)).await;
    assert!(
        client.sweep().await?.is_empty(),
        "30 s is within the timeout"
    );
    let again = client.reconnect_chat(id, None).await?;
    drop(again);
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(client.sweep().await?, [id]);
    assert_eq!(
        journal.lines(),
        [
            "start".to_owned(),
            format!("disconnect {id}"),
            format!("end {id} webapp")
        ]
    );
    let stats = client.stats();
    assert_eq!((stats.stored, stats.live_chats), (Some(0), 0));
    Ok(())
}

#[tokio::test]
async fn clearing_the_session_runs_on_chat_end_and_not_on_disconnect() -> chainrs::Result<()> {
    let journal = Journal::default();
    let client = TestClient::new(app(&journal))?;
    let chat = client.open_chat().await?;
    let id = chat.session_id();
    chat.close().await?;
    assert_eq!(
        journal.lines(),
        ["start".to_owned(), format!("end {id} webapp")]
    );
    let err = client
        .reconnect_chat(id, None)
        .await
        .err()
        .expect("a cleared session is gone");
    assert!(err.to_string().contains("does not exist"), "{err}");
    Ok(())
}
