use chainrs::prelude::*;

#[endpoint(http, method = "POST", path = "/say")]
async fn say(emitter: Emitter, user: User) -> StatusCode {
    let _ = (emitter, user);
    StatusCode::OK
}

fn main() {
    let _ = App::new().register(say);
}
