use chainrs::prelude::*;

#[on_chat_end]
async fn end() -> String {
    "bye".to_owned()
}

fn main() {
    let _ = App::new().register(end);
}
