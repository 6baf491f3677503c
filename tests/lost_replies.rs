//! No ambiguous writes: when Redis's reply to a compare-and-swap is lost (Redis frozen by the
//! test with SIGSTOP mid-write), the caller is told what actually happened: written exactly
//! when the store holds the write, not written (safe to retry) when it does not.

use std::time::Duration;

use chainrs::session::{CasOutcome, Lookup, RedisStore, SessionId, SessionStore};
use chainrs_tests::OwnRedis;

/// Longer than the store's 2 s response timeout, so the reply is lost.
const FROZEN: Duration = Duration::from_secs(4);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_landed_is_reported_written_and_one_that_did_not_is_not() {
    let mut redis = OwnRedis::start().await;
    let store = RedisStore::connect(&redis.url(), "lost:")
        .await
        .expect("connect");
    let ttl = Duration::from_secs(60);
    let id = SessionId::new();
    assert!(store.create(id, vec![], ttl).await.expect("create"));

    // Frozen before the write: it waits in Redis's socket and runs when Redis resumes.
    redis.signal("STOP").await;
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .compare_and_swap(id, "k", 0, "\"first\"".to_owned(), ttl)
                .await
                .map_err(|e| e.to_string())
        })
    };
    tokio::time::sleep(FROZEN).await;
    redis.signal("CONT").await;
    let outcome = writer.await.expect("writer task");
    let held = match store.get(id, "k").await.expect("read") {
        Lookup::Found(v) => {
            assert_eq!((v.version, v.value.as_str()), (1, "\"first\""));
            true
        }
        Lookup::NoKey => false,
        Lookup::NoSession => panic!("the session is gone"),
    };
    match outcome {
        Ok(CasOutcome::Written(_)) => assert!(held, "reported written, but Redis lacks it"),
        Err(err) => {
            assert!(!held, "reported not written, but Redis holds it: {err}");
            assert!(err.contains("not applied"), "{err}");
        }
        Ok(other) => panic!("{other:?}"),
    }

    // Frozen, then killed and restarted empty: the write never ran, and the caller is told so.
    redis.signal("STOP").await;
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .compare_and_swap(id, "k", 1, "\"second\"".to_owned(), ttl)
                .await
                .map_err(|e| e.to_string())
        })
    };
    tokio::time::sleep(FROZEN).await;
    let port = redis.port();
    redis.stop().await;
    let _restarted = OwnRedis::start_on(port).await;
    let outcome = writer.await.expect("writer task");
    let err = outcome.expect_err("a write that never ran is not reported written");
    assert!(err.contains("not applied"), "{err}");
}

/// Increments are made by writers that each increment 10 times, 300 ms apart.
const WRITERS: u64 = 20;
const EACH: u64 = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_across_freezes_are_each_applied_once() {
    let redis = OwnRedis::start().await;
    let store = RedisStore::connect(&redis.url(), "lost-retry:")
        .await
        .expect("connect");
    let ttl = Duration::from_secs(60);
    let id = SessionId::new();
    assert!(store.create(id, vec![], ttl).await.expect("create"));
    // Writers increment one key while Redis freezes twice: an increment reported done is in
    // the store once, and one reported failed is not, so retrying the failed ones counts each
    // increment exactly once.
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                for _ in 0..EACH {
                    loop {
                        let (expected, value) = match store.get(id, "n").await {
                            Ok(Lookup::Found(v)) => (v.version, v.value),
                            Ok(_) => (0, "0".to_owned()),
                            Err(_) => {
                                tokio::time::sleep(Duration::from_millis(50)).await;
                                continue;
                            }
                        };
                        let next = value.parse::<u64>().unwrap_or(0) + 1;
                        let written = store
                            .compare_and_swap(id, "n", expected, next.to_string(), ttl)
                            .await;
                        if matches!(written, Ok(CasOutcome::Written(_))) {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
            })
        })
        .collect();
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        redis.signal("STOP").await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        redis.signal("CONT").await;
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    let total = WRITERS * EACH;
    match store.get(id, "n").await.expect("read") {
        Lookup::Found(v) => {
            assert_eq!(v.value, total.to_string(), "increments lost or doubled");
            assert_eq!(v.version, total);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_lost_its_data_is_named_not_reported_as_expiry() {
    let mut redis = OwnRedis::start().await;
    let store = RedisStore::connect(&redis.url(), "lost-data:")
        .await
        .expect("connect");
    let ttl = Duration::from_secs(60);
    let (kept, unknown) = (SessionId::new(), SessionId::new());
    assert!(store.create(kept, vec![], ttl).await.expect("create"));
    // An id Redis never had is simply unknown.
    assert_eq!(
        store.get(unknown, "k").await.expect("read"),
        Lookup::NoSession
    );
    // Redis restarts empty (no persistence): the next lookup says what happened.
    let port = redis.port();
    redis.stop().await;
    let _restarted = OwnRedis::start_on(port).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let said = loop {
        match store.get(kept, "k").await {
            Err(err) if err.to_string().contains("lost every session") => break err.to_string(),
            Err(_) if std::time::Instant::now() < deadline => {
                // Still reconnecting.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            other => panic!("the loss was not named: {other:?}"),
        }
    };
    assert!(said.contains("appendonly"), "{said}");
}
