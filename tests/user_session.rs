//! `UserSession<S>`: snapshots, atomic updates under heavy concurrency, independent keys, and
//! no resurrection by a write. The store contract itself is in `stores.rs`, on both backends.

use chainrs::prelude::*;
use chainrs::testing::TestClient;

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct Counter {
    n: u64,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct Notes {
    items: Vec<String>,
}

#[endpoint(http, method = "POST", path = "/bump")]
async fn bump(counter: UserSession<Counter>) -> chainrs::Result<Json<u64>> {
    Ok(Json(
        counter
            .update(|c| {
                c.n += 1;
                c.n
            })
            .await?,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_updates_are_all_kept() -> chainrs::Result<()> {
    let client = TestClient::new(App::new())?;
    let chat = client.open_chat().await?;
    let counter = chat.user_session::<Counter>();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let counter = counter.clone();
            tokio::spawn(async move {
                counter
                    .update(|c| {
                        c.n += 1;
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await
            .map_err(|e| chainrs::Error::handler(e.to_string()))??;
    }
    assert_eq!(counter.get().await?, Counter { n: 1000 });
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_endpoint_calls_on_one_session_lose_nothing() -> chainrs::Result<()> {
    let client = std::sync::Arc::new(TestClient::new(App::new().register(bump))?);
    let first = client.post("/bump").send().await;
    let id = first
        .session_id()
        .ok_or_else(|| chainrs::Error::handler("no session id"))?;
    let tasks: Vec<_> = (0..499)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.post("/bump").session(id).send().await.status() })
        })
        .collect();
    for task in tasks {
        let status = task
            .await
            .map_err(|e| chainrs::Error::handler(e.to_string()))?;
        assert_eq!(status, StatusCode::OK);
    }
    let last = client
        .post("/bump")
        .session(id)
        .send()
        .await
        .json::<u64>()?;
    assert_eq!(last, 501);
    Ok(())
}

#[tokio::test]
async fn get_set_clear_and_independent_keys() -> chainrs::Result<()> {
    let client = TestClient::new(App::new())?;
    let chat = client.open_chat().await?;
    let counter = chat.user_session::<Counter>();
    let notes = chat.user_session::<Notes>();
    assert_eq!(
        counter.get().await?,
        Counter::default(),
        "never written reads the default"
    );
    counter.set(Counter { n: 7 }).await?;
    let len = notes
        .update(|n| {
            n.items.push("a".into());
            n.items.len()
        })
        .await?;
    assert_eq!(len, 1);
    assert_eq!(
        counter.get().await?.n,
        7,
        "another type's write leaves this key alone"
    );
    counter.clear().await?;
    assert_eq!(counter.get().await?, Counter::default());
    assert_eq!(notes.get().await?.items, ["a"]);
    // Another session sees none of it.
    let other = client.open_chat().await?;
    assert_eq!(other.user_session::<Notes>().get().await?, Notes::default());
    Ok(())
}

#[tokio::test]
async fn a_deleted_session_is_never_resurrected_by_a_write() -> chainrs::Result<()> {
    let client = TestClient::new(App::new())?;
    let chat = client.open_chat().await?;
    let counter = chat.user_session::<Counter>();
    counter.set(Counter { n: 1 }).await?;
    chat.close().await?;
    let err = counter.update(|c| c.n += 1).await.err();
    assert!(
        matches!(err, Some(chainrs::Error::SessionNotFound(_))),
        "{err:?}"
    );
    assert_eq!(client.stats().stored, Some(0));
    Ok(())
}
