#![deny(warnings)]

use chainrs::prelude::*;

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Chat {
    turns: u32,
}

struct Agent;

struct Config;

#[on_message]
async fn reply(
    chat: UserSession<Chat>,
    session: Session,
    user: User,
    agent: Local<Agent>,
    config: State<Config>,
    emitter: Emitter,
    msg: Message,
) -> chainrs::Result<()> {
    let turns = chat.update(|c| { c.turns += 1; c.turns }).await?;
    let _ = (session.id(), user.identifier, agent.get(), &*config, emitter.session_id());
    Message::new(format!("#{turns}: {}", msg.content)).send().await?;
    Ok(())
}

fn main() {
    let _ = App::new().with_state(Config).register(reply);
}
