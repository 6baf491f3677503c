//! Ownership holds on every instance: with several instances on one Redis, another user's thread
//! and session are refused by instances that never saw them, on the socket and on REST.

use chainrs::prelude::*;
use chainrs::session::RedisStore;
use chainrs::testing::TestClient;
use chainrs_tests::{Served, clean, echo_back, name_is_password, redis_store, socket_connect};
use serde_json::{Value, json};

const SECRET: &str = "ownership-test-secret-0123456789abcdef0123";

#[action_callback("noop")]
async fn noop() {}

fn app(store: &RedisStore) -> App {
    App::new()
        .register(name_is_password)
        .register(echo_back)
        .register(noop)
        .auth_secret(SECRET)
        .redis_store(store.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_thread_and_session_are_refused_on_every_instance() -> chainrs::Result<()> {
    let store = redis_store("ownership").await;
    // Admin's chat lives on a third instance: the two under test never saw its thread.
    let owner = TestClient::new(app(&store))?;
    let chat = owner.open_chat_as(User::new("admin")).await?;
    let (thread, admin_session) = (chat.session().thread_id(), chat.session_id());
    let guest = owner.token_for(&User::new("guest"))?;
    let admin = owner.token_for(&User::new("admin"))?;
    let (a, b) = (
        Served::start(app(&store)).await?,
        Served::start(app(&store)).await?,
    );
    for base in [&a.base(), &b.base()] {
        let as_guest = format!("access_token={guest}");
        let as_admin = format!("access_token={admin}");
        let foreign_thread = json!({ "sessionId": uuid::Uuid::new_v4(), "threadId": thread });
        let answer = socket_connect(base, &[("cookie", &as_guest)], &foreign_thread).await;
        assert!(
            answer.starts_with("44") && answer.contains("not yours"),
            "{base}: guest with admin's thread: {answer}"
        );
        let own_thread = json!({ "sessionId": uuid::Uuid::new_v4(), "threadId": thread });
        let answer = socket_connect(base, &[("cookie", &as_admin)], &own_thread).await;
        assert!(
            answer.starts_with("40"),
            "{base}: admin with their thread: {answer}"
        );
        let foreign_session = json!({ "sessionId": admin_session });
        let answer = socket_connect(base, &[("cookie", &as_guest)], &foreign_session).await;
        assert!(
            answer.starts_with("44") && answer.contains("not yours"),
            "{base}: guest with admin's session: {answer}"
        );
        let action = reqwest::Client::new()
            .post(format!("{base}/project/action"))
            .bearer_auth(&guest)
            .json(&json!({
                "sessionId": admin_session,
                "action": { "name": "noop", "id": uuid::Uuid::new_v4(), "payload": {} }
            }))
            .send()
            .await
            .expect("action");
        assert_eq!(action.status(), reqwest::StatusCode::FORBIDDEN, "{base}");
        let body: Value = action.json().await.expect("body");
        assert!(body.to_string().contains("not yours"), "{body}");
    }
    drop(chat);
    clean(store.prefix()).await;
    Ok(())
}
