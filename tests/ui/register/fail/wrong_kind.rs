use chainrs::prelude::*;

#[on_chat_start]
async fn start() {}

fn main() {
    let _ = App::new().on_message(start);
}
