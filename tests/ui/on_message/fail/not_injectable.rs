use chainrs::prelude::*;

#[on_message]
async fn reply(msg: Message, count: u32) {
    let _ = (msg, count);
}

fn main() {
    let _ = App::new().register(reply);
}
