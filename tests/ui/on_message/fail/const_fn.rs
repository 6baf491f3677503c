use chainrs::prelude::*;

#[on_message]
const async fn reply(msg: Message) {
    let _ = msg;
}

fn main() {}
