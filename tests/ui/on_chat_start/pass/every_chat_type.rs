#![deny(warnings)]

use chainrs::prelude::*;

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Chat {
    turns: u32,
}

struct Agent;

struct Config {
    greeting: String,
}

/// Greets with every chat-hook type at once.
#[on_chat_start]
async fn start(
    chat: UserSession<Chat>,
    session: Session,
    user: Option<User>,
    agent: Local<Agent>,
    config: State<Config>,
    emitter: Emitter,
) -> chainrs::Result<()> {
    chat.set(Chat { turns: 0 }).await?;
    agent.set(Agent);
    let _ = (session.id(), user, emitter.session_id());
    Message::new(config.greeting.clone()).send().await?;
    Ok(())
}

fn main() {
    let _ = App::new()
        .with_state(Config { greeting: "hi".to_owned() })
        .register(start);
}
