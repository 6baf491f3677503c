#![deny(warnings)]

use chainrs::prelude::*;

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Turns {
    n: u32,
}

/// Greets a user who came back to a past thread, with what the thread and the state hold.
#[on_chat_resume]
async fn welcome_back(thread: Thread, turns: UserSession<Turns>, user: User) -> chainrs::Result<()> {
    let said = thread.messages().count();
    let n = turns.get().await?.n;
    Message::new(format!("welcome back {}: {said} messages, {n} turns", user.identifier))
        .send()
        .await?;
    Ok(())
}

fn main() {
    let _ = App::new().on_chat_resume(welcome_back);
    let _ = App::new().register(welcome_back);
}
