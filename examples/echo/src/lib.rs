//! The echo app the benchmarks compare with Chainlit's: no login; `on_chat_start` stores a
//! counter in the session, `on_message` replies `echo #n: text`; `GET /custom/ping` and
//! `POST /custom/count` are the custom endpoints (the second reads and updates the session).

use chainrs::prelude::*;

/// The per-session counter.
#[derive(SessionState, Debug, Default, Serialize, Deserialize)]
pub struct Counter {
    /// Messages so far.
    pub n: u64,
}

/// Starts the counter at zero.
#[on_chat_start]
pub async fn start(counter: UserSession<Counter>) -> chainrs::Result<()> {
    counter.set(Counter { n: 0 }).await
}

/// Replies `echo #n: text`.
#[on_message]
pub async fn reply(msg: Message, counter: UserSession<Counter>) -> chainrs::Result<()> {
    let n = counter
        .update(|c| {
            c.n += 1;
            c.n
        })
        .await?;
    Message::new(format!("echo #{n}: {}", msg.content))
        .send()
        .await?;
    Ok(())
}

/// A trivial custom route.
#[endpoint(http, method = "GET", path = "/custom/ping")]
pub async fn ping() -> &'static str {
    "pong"
}

/// A custom route that reads and updates the session's counter.
#[endpoint(http, method = "POST", path = "/custom/count")]
pub async fn count(counter: UserSession<Counter>) -> chainrs::Result<Json<u64>> {
    Ok(Json(
        counter
            .update(|c| {
                c.n += 1;
                c.n
            })
            .await?,
    ))
}

/// The app with every handler registered.
pub fn app() -> App {
    App::new()
        .name("echo")
        .register(start)
        .register(reply)
        .register(ping)
        .register(count)
}
