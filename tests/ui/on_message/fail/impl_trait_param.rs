use chainrs::prelude::*;

#[on_message]
async fn reply(msg: Message, text: impl Into<String>) {
    let _ = (msg, text.into());
}

fn main() {}
