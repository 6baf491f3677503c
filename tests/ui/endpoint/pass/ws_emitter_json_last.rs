#![deny(warnings)]

use chainrs::prelude::*;

#[derive(Deserialize)]
struct Say {
    text: String,
}

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Chat {
    said: u32,
}

/// Runs inside the chat tab the request names.
#[endpoint(ws, method = "POST", path = "/say")]
async fn say(
    emitter: Emitter,
    chat: UserSession<Chat>,
    user: User,
    Json(body): Json<Say>,
) -> chainrs::Result<StatusCode> {
    let _ = (emitter.session_id(), user);
    chat.update(|c| c.said += 1).await?;
    Message::new(body.text).send().await?;
    Ok(StatusCode::ACCEPTED)
}

#[endpoint(ws, method = "GET", path = "/tab")]
async fn tab(emitter: Emitter) -> String {
    emitter.session_id().to_string()
}

fn main() {
    let _ = App::new().register(say).register(tab);
    let _ = App::new().ws_endpoint(say);
}
