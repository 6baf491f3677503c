use chainrs::prelude::*;

#[on_chat_resume]
async fn welcome_back(msg: Message) {
    let _ = msg;
}

fn main() {
    let _ = App::new().register(welcome_back);
}
