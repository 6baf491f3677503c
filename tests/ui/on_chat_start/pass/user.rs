#![deny(warnings)]

use chainrs::prelude::*;

#[on_chat_start]
pub async fn start(user: User) -> chainrs::Result<()> {
    Message::new(format!("Hello {}", user.identifier)).send().await?;
    Ok(())
}

fn main() {
    let _ = App::new().on_chat_start(start);
}
