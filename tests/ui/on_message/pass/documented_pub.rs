#![deny(warnings, missing_docs)]

//! A documented app: generated items must not trip `missing_docs`.

use chainrs::prelude::*;

/// Echoes every message.
#[on_message]
pub async fn echo(msg: Message) -> chainrs::Result<()> {
    Message::new(msg.content).send().await?;
    Ok(())
}

/// Reports health.
#[endpoint(http, method = "GET", path = "/health")]
pub async fn health() -> &'static str {
    "ok"
}

/// Accepts everyone.
#[password_auth_callback]
pub async fn login(username: String, password: String) -> Option<User> {
    let _ = password;
    Some(User::new(username))
}

fn main() {
    let _ = App::new().register(echo).register(health).register(login);
}
