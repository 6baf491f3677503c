#![deny(warnings)]

use chainrs::prelude::*;

/// Stored under `state:chat`, whatever module the type lives in.
#[derive(SessionState, Default, Serialize, Deserialize)]
#[session(key = "chat")]
struct Chat {
    turns: u32,
}

/// Stored under `state:Notes`, its name.
#[derive(SessionState, Default, Serialize, Deserialize)]
enum Notes {
    #[default]
    Empty,
    Some(Vec<String>),
}

#[on_message]
async fn reply(msg: Message, chat: UserSession<Chat>, notes: UserSession<Notes>) -> chainrs::Result<()> {
    let turns = chat.update(|c| { c.turns += 1; c.turns }).await?;
    notes.set(Notes::Some(vec![msg.content])).await?;
    if matches!(notes.get().await?, Notes::Empty) {
        return Ok(());
    }
    Message::new(format!("turn {turns}")).send().await?;
    Ok(())
}

fn main() {
    assert_eq!(<Chat as chainrs::SessionState>::KEY, "chat");
    assert_eq!(<Notes as chainrs::SessionState>::KEY, "Notes");
    let _ = App::new().register(reply);
}
