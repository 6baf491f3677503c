use chainrs::prelude::*;

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Chat {
    turns: u32,
}

#[on_message]
async fn reply(msg: Message, chat: UserSession<Chat>, other: UserSession<Chat>) {
    let _ = (msg, chat, other);
}

fn main() {
    let _ = App::new().register(reply);
}
