use chainrs::prelude::*;

#[on_disconnect]
async fn gone(msg: Message) {
    let _ = msg;
}

fn main() {
    let _ = App::new().register(gone);
}
