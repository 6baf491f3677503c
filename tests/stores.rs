//! One behavioural suite, two backends: every test below runs against the in-memory store and
//! against a real Redis (`CHAINRS_REDIS_URL`, default 127.0.0.1:6379; each test under its own
//! key prefix, cleaned up after). Real time, short timeouts: Redis keeps its own clock.

use std::sync::Arc;
use std::time::Duration;

use chainrs::prelude::*;
use chainrs::session::{CasOutcome, Lookup, MemoryStore, SessionStore};
use chainrs::testing::TestClient;

/// A store under test and how to clean up after it.
struct Backend {
    store: Arc<dyn SessionStore>,
    prefix: Option<String>,
}

impl Backend {
    async fn memory(_test: &str) -> Backend {
        Backend {
            store: Arc::new(MemoryStore::new()),
            prefix: None,
        }
    }

    async fn redis(test: &str) -> Backend {
        let store = chainrs_tests::redis_store(test).await;
        Backend {
            prefix: Some(store.prefix().to_owned()),
            store: Arc::new(store),
        }
    }

    async fn finish(self) {
        if let Some(prefix) = self.prefix {
            chainrs_tests::clean(&prefix).await;
        }
    }
}

fn id() -> SessionId {
    SessionId::new()
}

type Res = Result<(), chainrs::BoxError>;

async fn create_get_and_compare_and_swap(b: &Backend) -> Res {
    let s = &b.store;
    let ttl = Duration::from_secs(30);
    let a = id();
    assert!(
        s.create(a, vec![("k".into(), "\"v0\"".into())], ttl)
            .await?
    );
    assert!(!s.create(a, vec![], ttl).await?, "create never overwrites");
    let Lookup::Found(found) = s.get(a, "k").await? else {
        panic!("the initial key is there");
    };
    assert_eq!((found.value.as_str(), found.version), ("\"v0\"", 1));
    assert_eq!(s.get(a, "other").await?, Lookup::NoKey);
    assert_eq!(s.get(id(), "k").await?, Lookup::NoSession);
    assert_eq!(
        s.compare_and_swap(a, "k", 1, "\"v1\"".into(), ttl).await?,
        CasOutcome::Written(2)
    );
    assert_eq!(
        s.compare_and_swap(a, "k", 1, "\"stale\"".into(), ttl)
            .await?,
        CasOutcome::Conflict
    );
    assert_eq!(
        s.compare_and_swap(a, "new", 0, "1".into(), ttl).await?,
        CasOutcome::Written(1)
    );
    assert_eq!(
        s.compare_and_swap(id(), "k", 0, "1".into(), ttl).await?,
        CasOutcome::NoSession,
        "a write never creates a session"
    );
    Ok(())
}

async fn delete_never_resurrects(b: &Backend) -> Res {
    let s = &b.store;
    let ttl = Duration::from_secs(30);
    let a = id();
    s.create(a, vec![], ttl).await?;
    assert!(s.delete(a).await?);
    assert!(!s.delete(a).await?);
    assert_eq!(
        s.compare_and_swap(a, "k", 0, "1".into(), ttl).await?,
        CasOutcome::NoSession
    );
    assert!(!s.touch(a, ttl).await?);
    assert_eq!(s.get(a, "k").await?, Lookup::NoSession);
    Ok(())
}

async fn expiry_follows_the_ttl_and_writes_refresh_it(b: &Backend) -> Res {
    let s = &b.store;
    let ttl = Duration::from_millis(1200);
    let (a, c) = (id(), id());
    s.create(a, vec![("meta".into(), "\"a's facts\"".into())], ttl)
        .await?;
    s.create(c, vec![], ttl).await?;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        s.compare_and_swap(c, "k", 0, "1".into(), ttl).await?,
        CasOutcome::Written(1)
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(s.get(a, "meta").await?, Lookup::NoSession, "a expired");
    assert!(
        matches!(s.get(c, "k").await?, Lookup::Found(_)),
        "c's write refreshed its TTL"
    );
    assert!(
        !s.create(c, vec![], ttl).await?,
        "a live session is never replaced"
    );
    Ok(())
}

async fn purging_reports_what_expired_with_the_kept_key(b: &Backend) -> Res {
    let s = &b.store;
    let ttl = Duration::from_millis(300);
    let a = id();
    s.create(a, vec![("meta".into(), "\"a's facts\"".into())], ttl)
        .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let purged = s.purge_expired("meta").await?;
    let mine: Vec<_> = purged.iter().filter(|e| e.id == a).collect();
    assert_eq!(mine.len(), 1, "{purged:?}");
    assert_eq!(mine[0].kept.as_deref(), Some("\"a's facts\""));
    assert!(
        !s.purge_expired("meta").await?.iter().any(|e| e.id == a),
        "purged once"
    );
    Ok(())
}

async fn concurrent_updates_through_the_app_lose_nothing(b: &Backend) -> Res {
    let client = Arc::new(TestClient::new(
        App::new()
            .register(echo::count)
            .session_store(b.store.clone()),
    )?);
    let first = client.post("/custom/count").send().await;
    let session = first.session_id().ok_or("no session")?;
    let mut tasks = Vec::new();
    for _ in 0..499 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post("/custom/count")
                .session(session)
                .send()
                .await
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await?, StatusCode::OK);
    }
    let last = client.post("/custom/count").session(session).send().await;
    assert_eq!(last.json::<u32>()?, 501);
    Ok(())
}

#[on_chat_end]
async fn ended(session: Session, journal: State<Journal>) {
    journal.note(session.id());
}

#[derive(Clone, Default)]
struct Journal(Arc<std::sync::Mutex<Vec<SessionId>>>);

impl Journal {
    fn note(&self, id: SessionId) {
        if let Ok(mut ids) = self.0.lock() {
            ids.push(id);
        }
    }
}

async fn a_chat_ends_when_its_session_expires(b: &Backend) -> Res {
    let journal = Journal::default();
    let client = TestClient::new(
        App::new()
            .register(ended)
            .with_state(journal.clone())
            .session_store(b.store.clone())
            .session_timeout(Duration::from_secs(1)),
    )?;
    let chat = client.open_chat().await?;
    let id = chat.session_id();
    chat.disconnect().await?;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    // The app's own sweeper may get there first; either way the end is reported once.
    let swept = client.sweep().await?;
    assert!(swept.is_empty() || swept == [id], "{swept:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while journal.0.lock().map_err(|_| "poisoned")?.is_empty()
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(*journal.0.lock().map_err(|_| "poisoned")?, [id]);
    let stats = client.stats();
    assert_eq!((stats.live_chats, stats.threads), (0, 0));
    Ok(())
}

macro_rules! suite {
    ($backend:ident: $($case:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let backend = super::Backend::$backend(stringify!($case)).await;
                    let outcome = super::$case(&backend).await;
                    backend.finish().await;
                    if let Err(err) = outcome {
                        panic!("{}: {err}", stringify!($case));
                    }
                }
            )*
        }
    };
}

async fn shared_records_keep_the_first_claim_until_they_expire(b: &Backend) -> Res {
    let s = &b.store;
    // Real clocks (Redis's): margins of 1.5 s or more either way.
    let ttl = Duration::from_secs(5);
    let key = format!("thread:{}", id());
    assert_eq!(s.record(&key).await?, None);
    assert_eq!(s.claim(&key, "\"admin\"".into(), ttl).await?, "\"admin\"");
    // A second claim does not take it over; it is told who holds it.
    assert_eq!(s.claim(&key, "\"guest\"".into(), ttl).await?, "\"admin\"");
    assert_eq!(s.record(&key).await?.as_deref(), Some("\"admin\""));
    // The holder's claim refreshes it: it outlives its first TTL.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    s.claim(&key, "\"admin\"".into(), ttl).await?;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(s.record(&key).await?.as_deref(), Some("\"admin\""));
    // Once it expires, it is free again.
    tokio::time::sleep(Duration::from_millis(6500)).await;
    assert_eq!(s.record(&key).await?, None);
    assert_eq!(s.claim(&key, "\"guest\"".into(), ttl).await?, "\"guest\"");
    Ok(())
}

async fn token_buckets_empty_and_refill_evenly(b: &Backend) -> Res {
    let s = &b.store;
    // Real clocks (Redis's): a token every 3 s, margins of 1.5 s either way.
    let bucket = chainrs::session::Bucket {
        capacity: 2,
        refill: Duration::from_secs(6),
    };
    let key = format!("bucket:{}", id());
    assert_eq!(
        s.take(&key, bucket, 0).await?,
        Duration::ZERO,
        "a new bucket is full"
    );
    assert_eq!(s.take(&key, bucket, 1).await?, Duration::ZERO);
    assert_eq!(s.take(&key, bucket, 1).await?, Duration::ZERO);
    let wait = s.take(&key, bucket, 1).await?;
    assert!(
        wait > Duration::from_millis(1500) && wait <= Duration::from_secs(3),
        "{wait:?}"
    );
    tokio::time::sleep(Duration::from_millis(4500)).await;
    assert_eq!(
        s.take(&key, bucket, 1).await?,
        Duration::ZERO,
        "one token came back"
    );
    assert!(
        s.take(&key, bucket, 1).await? > Duration::ZERO,
        "and only one"
    );
    Ok(())
}

suite!(memory:
    create_get_and_compare_and_swap,
    delete_never_resurrects,
    expiry_follows_the_ttl_and_writes_refresh_it,
    purging_reports_what_expired_with_the_kept_key,
    concurrent_updates_through_the_app_lose_nothing,
    a_chat_ends_when_its_session_expires,
    shared_records_keep_the_first_claim_until_they_expire,
    token_buckets_empty_and_refill_evenly,
);

suite!(redis:
    create_get_and_compare_and_swap,
    delete_never_resurrects,
    expiry_follows_the_ttl_and_writes_refresh_it,
    purging_reports_what_expired_with_the_kept_key,
    concurrent_updates_through_the_app_lose_nothing,
    a_chat_ends_when_its_session_expires,
    shared_records_keep_the_first_claim_until_they_expire,
    token_buckets_empty_and_refill_evenly,
);
