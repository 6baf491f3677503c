use chainrs::prelude::*;

#[on_chat_start]
#[on_message]
async fn start(msg: Message) {
    let _ = msg;
}

fn main() {
    let _ = App::new().register(start);
}
