#![deny(warnings)]

use chainrs::prelude::*;

#[derive(Deserialize)]
struct Filter {
    q: String,
}

struct Config;

struct Agent;

#[endpoint(ws, method = "GET", path = "/search/{scope}")]
async fn search(
    Path(scope): Path<String>,
    Query(filter): Query<Filter>,
    headers: HeaderMap,
    session: Session,
    user: Option<User>,
    agent: Local<Agent>,
    config: State<Config>,
    emitter: Emitter,
) -> (StatusCode, String) {
    let _ = (headers, session.id(), user, agent.get(), &*config, emitter.session_id());
    (StatusCode::OK, format!("{scope}: {}", filter.q))
}

fn main() {
    let _ = App::new().with_state(Config).register(search);
}
