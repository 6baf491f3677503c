use chainrs::prelude::*;

#[endpoint(ws, method = "POST", path = "/say")]
async fn say(msg: Message) -> StatusCode {
    let _ = msg;
    StatusCode::OK
}

fn main() {
    let _ = App::new().register(say);
}
