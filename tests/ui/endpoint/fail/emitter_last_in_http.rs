use chainrs::prelude::*;

#[endpoint(http, method = "POST", path = "/say")]
async fn say(emitter: Emitter) -> StatusCode {
    let _ = emitter;
    StatusCode::OK
}

fn main() {
    let _ = App::new().register(say);
}
