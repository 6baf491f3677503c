use chainrs::prelude::*;

#[on_message]
async fn reply(msg: Message) {
    let _ = msg;
}

fn main() {
    // Registering the handler's call instead of the handler itself.
    let _ = App::new().register(reply::call(Message::new("hi")));
}
