//! Redis for the tests: the server named by `CHAINRS_REDIS_URL` (default the machine's
//! 127.0.0.1:6379), a key prefix per test, and clean-up of that prefix. A missing Redis fails
//! the test with what to do; it never skips.

use chainrs::session::RedisStore;

/// The Redis the tests use.
pub fn redis_url() -> String {
    std::env::var("CHAINRS_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned())
}

/// A fresh key prefix for one test.
pub fn test_prefix(test: &str) -> String {
    format!("chainrs-test:{test}:{}:", uuid::Uuid::new_v4().simple())
}

/// A store on the test Redis under a fresh prefix; panics with the fix when Redis is down.
pub async fn redis_store(test: &str) -> RedisStore {
    let url = redis_url();
    match RedisStore::connect(&url, test_prefix(test)).await {
        Ok(store) => store,
        Err(err) => panic!(
            "this test needs Redis ({err}). Start one (`redis-server --daemonize yes`) or set \
             CHAINRS_REDIS_URL; `bash .ci/run` starts it"
        ),
    }
}

/// Deletes every key under `prefix`.
pub async fn clean(prefix: &str) {
    let Ok(client) = redis::Client::open(redis_url()) else {
        return;
    };
    let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
        return;
    };
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut connection)
        .await
        .unwrap_or_default();
    if !keys.is_empty() {
        let _: Result<i64, _> = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut connection)
            .await;
    }
}
