//! Session life: expiry after inactivity, removal from every per-session map, and no growth
//! when many short sessions come and go.

use std::time::Duration;

use chainrs::prelude::*;
use chainrs::testing::TestClient;

use chainrs_tests::touch_app as app;

#[tokio::test(start_paused = true)]
async fn a_session_expires_after_its_timeout_unless_it_is_active() -> chainrs::Result<()> {
    let client = TestClient::new(app(Duration::from_secs(60)))?;
    // A headless session kept active by its requests, and a chat tab that left at once.
    let active = client
        .post("/touch")
        .send()
        .await
        .session_id()
        .expect("a headless call answers with its session id");
    let idle = client.open_chat().await?.session_id();
    for _ in 0..3 {
        tokio::time::advance(Duration::from_secs(40)).await;
        let touched = client.post("/touch").session(active).send().await;
        assert_eq!(touched.status(), StatusCode::OK);
    }
    let swept = client.sweep().await?;
    // The app's own sweeper may have ended it first; either way it ended once.
    assert!(swept.is_empty() || swept == [idle], "{swept:?}");
    assert_eq!(
        client.stats().stored,
        Some(1),
        "only the idle session expired"
    );
    let gone = client.post("/touch").session(idle).send().await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_connected_tab_keeps_its_session_alive_however_long_it_stays_idle() -> chainrs::Result<()>
{
    let client = TestClient::new(app(Duration::from_secs(60)))?;
    let mut connected = client.open_chat().await?;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_secs(30)).await;
        client.sweep().await?;
        assert_eq!(
            client.stats().stored,
            Some(1),
            "a connected tab's session expired"
        );
    }
    assert_eq!(
        connected.send("still here").await?.replies(),
        ["still here"]
    );
    // Once the tab leaves, the timeout counts from then.
    drop(connected);
    tokio::time::sleep(Duration::from_secs(61)).await;
    client.sweep().await?;
    assert_eq!(client.stats().stored, Some(0));
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn expiry_empties_every_map_so_short_sessions_do_not_accumulate() -> chainrs::Result<()> {
    let client = TestClient::new(app(Duration::from_secs(30)))?;
    for wave in 0..3 {
        let mut chats = Vec::new();
        for _ in 0..200 {
            let mut chat = client.open_chat().await?;
            chat.send("hi").await?;
            chats.push(chat);
        }
        for _ in 0..200 {
            client.post("/touch").send().await;
        }
        let stats = client.stats();
        assert_eq!(stats.stored, Some(400), "wave {wave}");
        assert_eq!(
            (stats.with_locals, stats.live_chats, stats.threads),
            (400, 200, 400),
            "wave {wave}"
        );
        drop(chats);
        tokio::time::advance(Duration::from_secs(31)).await;
        assert_eq!(client.sweep().await?.len(), 400, "wave {wave}");
        let after = client.stats();
        assert_eq!(
            (
                after.stored,
                after.with_locals,
                after.live_chats,
                after.threads
            ),
            (Some(0), 0, 0, 0),
            "wave {wave}"
        );
    }
    Ok(())
}
