use chainrs::prelude::*;

#[on_message]
async fn reply(msg: Message) -> Result<(), u32> {
    let _ = msg;
    Err(1)
}

fn main() {
    let _ = App::new().register(reply);
}
