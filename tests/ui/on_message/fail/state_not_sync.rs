use chainrs::prelude::*;

#[on_message]
async fn reply(msg: Message, counter: State<std::cell::Cell<u32>>) {
    let _ = (msg, counter);
}

fn main() {
    let _ = App::new().register(reply);
}
