use chainrs::prelude::*;

#[on_chat_end]
async fn end(msg: Message) {
    let _ = msg;
}

fn main() {
    let _ = App::new().register(end);
}
