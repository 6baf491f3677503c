#![deny(warnings)]

use chainrs::prelude::*;

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Chat {
    turns: u32,
}

#[on_chat_end]
async fn end(session: Session, chat: UserSession<Chat>) -> chainrs::Result<()> {
    let turns = chat.get().await?.turns;
    let _ = (session.id(), turns);
    Ok(())
}

fn main() {
    let _ = App::new().register(end);
    let _ = App::new().on_chat_end(end);
}
