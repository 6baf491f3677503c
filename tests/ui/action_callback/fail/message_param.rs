use chainrs::prelude::*;

#[action_callback("approve")]
async fn approve(msg: Message) {
    let _ = msg;
}

fn main() {
    let _ = App::new().register(approve);
}
