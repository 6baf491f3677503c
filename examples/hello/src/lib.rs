//! The hello chat: log in as admin/admin, get greeted, and every message is echoed with the
//! session's turn count, kept in a typed `UserSession`. An endpoint reads the same session.

use chainrs::prelude::*;

/// What the chat remembers per session.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Chat {
    /// Messages received so far.
    pub turns: u32,
    /// Their texts.
    pub history: Vec<String>,
}

/// Accepts admin/admin.
#[password_auth_callback]
pub async fn login(username: String, password: String) -> Option<User> {
    (username == "admin" && password == "admin").then(|| User::new("admin"))
}

/// Greets the user.
#[on_chat_start]
pub async fn start(user: User) -> chainrs::Result<()> {
    Message::new(format!("Hello {}", user.identifier))
        .send()
        .await?;
    Ok(())
}

/// Echoes the message with its turn number, streaming the words.
#[on_message]
pub async fn reply(msg: Message, chat: UserSession<Chat>) -> chainrs::Result<()> {
    let turns = chat
        .update(|c| {
            c.turns += 1;
            c.history.push(msg.content.clone());
            c.turns
        })
        .await?;
    let mut out = Message::new("").stream().await?;
    out.token(format!("echo #{turns}: ")).await?;
    for (i, word) in msg.content.split(' ').enumerate() {
        out.token(if i == 0 {
            word.to_owned()
        } else {
            format!(" {word}")
        })
        .await?;
    }
    out.finish().await?;
    Ok(())
}

/// The session's history, as the chat saw it.
#[endpoint(http, method = "GET", path = "/history")]
pub async fn history(chat: UserSession<Chat>) -> chainrs::Result<Json<Vec<String>>> {
    Ok(Json(chat.get().await?.history))
}

/// The app with every handler registered.
pub fn app() -> App {
    App::new()
        .register(login)
        .register(start)
        .register(reply)
        .register(history)
}
