use chainrs::prelude::*;

#[on_message]
async fn reply(msg: Message, again: Message) {
    let _ = (msg, again);
}

fn main() {
    let _ = App::new().register(reply);
}
