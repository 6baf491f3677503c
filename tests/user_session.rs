//! `UserSession<S>` and the `SessionStore` contract: snapshots, atomic updates under heavy
//! concurrency, independent keys, and the store's compare-and-swap and no-resurrection rules.

use std::time::Duration;

use chainrs::prelude::*;
use chainrs::session::{CasOutcome, Expired, Lookup, MemoryStore, SessionStore};
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

fn id() -> SessionId {
    SessionId::new()
}

#[tokio::test]
async fn memory_store_keeps_the_store_contract() -> Result<(), chainrs::BoxError> {
    let store = MemoryStore::new();
    let ttl = Duration::from_secs(60);
    let s = id();
    assert!(store.create(s, vec![("k".into(), "1".into())], ttl).await?);
    assert!(
        !store.create(s, vec![], ttl).await?,
        "create is create-if-absent"
    );
    let Lookup::Found(v) = store.get(s, "k").await? else {
        panic!("k missing")
    };
    assert_eq!((v.version, v.value.as_str()), (1, "1"));
    assert_eq!(store.get(s, "other").await?, Lookup::NoKey);
    assert_eq!(
        store.compare_and_swap(s, "k", 0, "x".into(), ttl).await?,
        CasOutcome::Conflict
    );
    assert_eq!(
        store.compare_and_swap(s, "k", 1, "2".into(), ttl).await?,
        CasOutcome::Written(2)
    );
    assert_eq!(
        store.compare_and_swap(s, "k", 1, "3".into(), ttl).await?,
        CasOutcome::Conflict
    );
    assert_eq!(
        store.compare_and_swap(s, "new", 0, "a".into(), ttl).await?,
        CasOutcome::Written(1)
    );
    assert!(store.delete(s).await?);
    assert_eq!(store.get(s, "k").await?, Lookup::NoSession);
    assert_eq!(
        store.compare_and_swap(s, "k", 2, "4".into(), ttl).await?,
        CasOutcome::NoSession
    );
    assert!(!store.touch(s, ttl).await?);
    assert_eq!(store.len_hint(), Some(0), "a failed write created nothing");
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn memory_store_expires_after_the_ttl_and_writes_refresh_it() -> Result<(), chainrs::BoxError>
{
    let store = MemoryStore::new();
    let ttl = Duration::from_secs(10);
    let (a, b) = (id(), id());
    store.create(a, vec![], ttl).await?;
    store.create(b, vec![], ttl).await?;
    tokio::time::advance(Duration::from_secs(6)).await;
    assert_eq!(
        store.compare_and_swap(a, "k", 0, "1".into(), ttl).await?,
        CasOutcome::Written(1)
    );
    tokio::time::advance(Duration::from_secs(6)).await;
    assert_eq!(store.get(b, "k").await?, Lookup::NoSession, "b expired");
    assert!(
        matches!(store.get(a, "k").await?, Lookup::Found(_)),
        "a's write refreshed its TTL"
    );
    tokio::time::advance(Duration::from_secs(11)).await;
    let purged = store.purge_expired("k").await?;
    assert_eq!(
        purged,
        vec![Expired {
            id: a,
            kept: Some("1".to_owned())
        }],
        "b was already dropped when read; a keeps the asked-for key"
    );
    assert_eq!(store.len_hint(), Some(0));
    Ok(())
}
