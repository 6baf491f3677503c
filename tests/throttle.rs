//! Failed logins are limited per user name and per client address, with `Retry-After`; the
//! limit releases when its window ends, and instances sharing a store share the counts.

use std::time::Duration;

use chainrs::prelude::*;
use chainrs::session::SessionStore;
use chainrs::testing::TestClient;
use chainrs_tests::{Served, clean, name_is_password, redis_store};

const SECRET: &str = "throttle-test-secret-0123456789abcdef0123";

fn app(store: impl SessionStore, per_user: u32, per_address: u32, window: Duration) -> App {
    let mut config = chainrs::Config::default();
    config.auth_secret = Some(chainrs::Secret::new(SECRET));
    config.login_attempts_per_user = per_user;
    config.login_attempts_per_address = per_address;
    config.login_window = window;
    App::new()
        .register(name_is_password)
        .config(config)
        .session_store(store)
}

async fn attempt(client: &TestClient, user: &str, password: &str) -> (StatusCode, Option<u64>) {
    let response = client
        .post("/login")
        .form(&[("username", user), ("password", password)])
        .send()
        .await;
    let retry = response
        .header("retry-after")
        .and_then(|v| v.parse::<u64>().ok());
    (response.status(), retry)
}

#[tokio::test(start_paused = true)]
async fn a_user_name_is_limited_then_released() -> chainrs::Result<()> {
    let window = Duration::from_secs(60);
    let store = chainrs::session::MemoryStore::new();
    let client = TestClient::new(app(store, 3, 1_000, window))?;
    for _ in 0..3 {
        assert_eq!(
            attempt(&client, "ada", "wrong").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    // Now even the right password waits, and says for how long.
    let (status, retry) = attempt(&client, "ada", "ada").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry.is_some_and(|s| (1..=60).contains(&s)), "{retry:?}");
    // Another user name is not affected.
    assert_eq!(attempt(&client, "bob", "bob").await.0, StatusCode::OK);
    // The bucket refills evenly: a third of the window gives one more attempt, not three.
    tokio::time::advance(window / 3 + Duration::from_secs(1)).await;
    assert_eq!(
        attempt(&client, "ada", "wrong").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        attempt(&client, "ada", "ada").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    tokio::time::advance(window + Duration::from_secs(1)).await;
    assert_eq!(attempt(&client, "ada", "ada").await.0, StatusCode::OK);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_on_one_redis_share_the_counts() -> chainrs::Result<()> {
    let store = redis_store("throttle").await;
    // Real clocks (Redis's): the window leaves 2 s or more either way.
    let window = Duration::from_secs(4);
    let a = TestClient::new(app(store.clone(), 2, 1_000, window))?;
    let b = TestClient::new(app(store.clone(), 2, 1_000, window))?;
    assert_eq!(
        attempt(&a, "eve", "wrong").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        attempt(&a, "eve", "wrong").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        attempt(&b, "eve", "eve").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    tokio::time::sleep(window + Duration::from_secs(2)).await;
    assert_eq!(attempt(&b, "eve", "eve").await.0, StatusCode::OK);
    clean(store.prefix()).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_is_limited_across_user_names() -> chainrs::Result<()> {
    let served = Served::start(app(
        chainrs::session::MemoryStore::new(),
        100,
        5,
        Duration::from_secs(300),
    ))
    .await?;
    let base = served.base();
    let http = reqwest::Client::new();
    let login = async |user: &str, password: &str| {
        http.post(format!("{base}/login"))
            .form(&[("username", user), ("password", password)])
            .send()
            .await
            .expect("login request")
    };
    for i in 0..5 {
        let name = format!("user{i}");
        assert_eq!(
            login(&name, "wrong").await.status(),
            reqwest::StatusCode::UNAUTHORIZED
        );
    }
    let limited = login("someone-else", "someone-else").await;
    assert_eq!(limited.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    let body = limited.text().await.expect("body");
    assert!(body.contains("this address"), "{body}");
    served.stop().await
}
