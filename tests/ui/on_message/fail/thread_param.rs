use chainrs::prelude::*;

#[on_message]
async fn reply(msg: Message, thread: Thread) {
    let _ = (msg, thread);
}

fn main() {
    let _ = App::new().register(reply);
}
