use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "/items")]
async fn items() -> StatusCode {
    StatusCode::OK
}

fn main() {
    let _ = App::new().ws_endpoint(items);
}
