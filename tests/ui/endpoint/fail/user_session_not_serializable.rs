use chainrs::prelude::*;

struct Chat {
    turns: u32,
}

#[endpoint(http, method = "GET", path = "/turns")]
async fn turns(chat: UserSession<Chat>) -> StatusCode {
    let _ = chat;
    StatusCode::OK
}

fn main() {
    let _ = App::new().register(turns);
}
