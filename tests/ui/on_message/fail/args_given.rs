use chainrs::prelude::*;

#[on_message(x)]
async fn reply(msg: Message) {
    let _ = msg;
}

fn main() {
    let _ = App::new().register(reply);
}
