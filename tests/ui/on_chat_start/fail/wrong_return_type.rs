use chainrs::prelude::*;

#[on_chat_start]
async fn start() -> u32 {
    42
}

fn main() {
    let _ = App::new().register(start);
}
