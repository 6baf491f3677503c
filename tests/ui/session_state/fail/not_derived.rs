use chainrs::prelude::*;

#[derive(Default, Serialize, Deserialize)]
struct Chat {
    turns: u32,
}

#[on_message]
async fn reply(msg: Message, chat: UserSession<Chat>) {
    let _ = (msg, chat);
}

fn main() {
    let _ = App::new().register(reply);
}
