//! Shared helpers of the chainrs integration tests: an app whose handlers touch every
//! per-session map (typed state, a local slot, a live tab), for the life-cycle and logging tests.

use std::time::Duration;

mod node;
mod own_postgres;
mod own_redis;
mod polling;
mod redis_server;
mod served;

pub use node::{run_node, run_node_with};
pub use own_postgres::OwnDatabase;
pub use own_redis::OwnRedis;
pub use polling::{polling_connect, socket_connect};
pub use served::Served;

pub use redis_server::{clean, redis_store, redis_url, test_prefix};

use chainrs::prelude::*;

/// The state the touching handlers count in.
#[derive(SessionState, Default, Serialize, Deserialize)]
pub struct Turns {
    /// How many touches.
    pub n: u32,
}

/// A per-instance object kept in `Local<Agent>`.
pub struct Agent;

/// Echoes the message after touching the state and the local slot.
#[on_message]
pub async fn touch(
    msg: Message,
    turns: UserSession<Turns>,
    agent: Local<Agent>,
) -> chainrs::Result<()> {
    agent.get_or_init(|| async { Agent }).await;
    turns.update(|t| t.n += 1).await?;
    Message::new(msg.content).send().await?;
    Ok(())
}

/// `POST /touch`: the same from HTTP.
#[endpoint(http, method = "POST", path = "/touch")]
pub async fn touch_http(
    turns: UserSession<Turns>,
    agent: Local<Agent>,
) -> chainrs::Result<StatusCode> {
    agent.set(Agent);
    turns.update(|t| t.n += 1).await?;
    Ok(StatusCode::OK)
}

/// Accepts any user whose password is their name (`ada`/`ada`).
#[password_auth_callback]
pub async fn name_is_password(username: String, password: String) -> Option<User> {
    (username == password).then(|| User::new(username))
}

/// Echoes each message.
#[on_message]
pub async fn echo_back(msg: Message) -> chainrs::Result<()> {
    Message::new(msg.content).send().await?;
    Ok(())
}

/// The touching app with this session timeout.
pub fn touch_app(timeout: Duration) -> App {
    App::new()
        .register(touch)
        .register(touch_http)
        .session_timeout(timeout)
}

/// `GET /project/settings` as `login` (anonymous with `None`), checked to answer 200.
pub async fn project_settings(
    client: &chainrs::testing::TestClient,
    login: Option<&chainrs::testing::Login>,
) -> serde_json::Value {
    let request = client.get("/project/settings");
    let request = match login {
        Some(login) => request.login(login),
        None => request,
    };
    let response = request.send().await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().expect("json")
}

/// Checks that building `app`, which registers two handlers of the once-only `attribute`, is
/// refused with an error naming the attribute and both handlers.
pub fn assert_refused_twice(app: App, attribute: &str, first: &str, second: &str) {
    let err = chainrs::testing::TestClient::new(app)
        .err()
        .unwrap_or_else(|| panic!("two {attribute} handlers should be refused"));
    let text = err.to_string();
    assert!(
        text.contains(attribute)
            && text.contains(&format!("`{first}`"))
            && text.contains(&format!("`{second}`")),
        "{text}"
    );
}
