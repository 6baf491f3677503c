//! Session life: expiry after inactivity, removal from every per-session map, and no growth
//! when many short sessions come and go.

use std::time::Duration;

use chainrs::prelude::*;
use chainrs::testing::TestClient;

use chainrs_tests::touch_app as app;

#[tokio::test(start_paused = true)]
async fn a_session_expires_after_its_timeout_unless_it_is_active() -> chainrs::Result<()> {
    let client = TestClient::new(app(Duration::from_secs(60)))?;
    let mut active = client.open_chat().await?;
    let idle = client.open_chat().await?;
    for _ in 0..3 {
        tokio::time::advance(Duration::from_secs(40)).await;
        active.send("still here").await?;
    }
    let expired = client.sweep().await?;
    assert_eq!(
        expired,
        vec![idle.session_id()],
        "only the idle session expired"
    );
    let gone = client
        .post("/touch")
        .session(idle.session_id())
        .send()
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(active.send("and still").await?.replies(), ["and still"]);
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
