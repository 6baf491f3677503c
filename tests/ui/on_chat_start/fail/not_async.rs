use chainrs::prelude::*;

#[on_chat_start]
fn start() {}

fn main() {
    let _ = App::new().register(start);
}
