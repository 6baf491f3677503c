#![deny(warnings)]

use chainrs::prelude::*;

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Chat {
    history: Vec<String>,
}

struct Agent;

struct Config {
    name: String,
}

#[endpoint(http, method = "PATCH", path = "/history")]
async fn history(
    chat: UserSession<Chat>,
    session: Session,
    user: Option<User>,
    agent: Local<Agent>,
    config: State<Config>,
) -> chainrs::Result<Json<Vec<String>>> {
    let _ = (session.id(), user, agent.get(), &config.name);
    Ok(Json(chat.get().await?.history))
}

fn main() {
    let _ = App::new()
        .with_state(Config { name: "app".to_owned() })
        .register(history);
}
