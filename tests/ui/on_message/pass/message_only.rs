#![deny(warnings)]

use chainrs::prelude::*;

#[on_message]
async fn echo(msg: Message) -> chainrs::Result<()> {
    Message::new(msg.content).send().await?;
    Ok(())
}

fn main() {
    let _ = App::new().register(echo);
}
