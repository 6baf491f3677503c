use chainrs::prelude::*;

#[on_message]
async fn reply<S: Default + Send + 'static>(msg: Message, chat: UserSession<S>) {
    let _ = (msg, chat);
}

fn main() {}
