use chainrs::prelude::*;

#[on_message]
async fn reply(msg: Message) -> chainrs::Result<String> {
    Ok(msg.content)
}

fn main() {
    let _ = App::new().register(reply);
}
