use chainrs::prelude::*;

#[endpoint(ws, method = "POST")]
async fn notify() -> StatusCode {
    StatusCode::OK
}

fn main() {
    // The broken endpoint is still a `ws` one: the error above, and none here.
    let _ = App::new().ws_endpoint(notify);
}
