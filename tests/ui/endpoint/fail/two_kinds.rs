use chainrs::prelude::*;

#[endpoint(http, ws, method = "GET", path = "/items")]
async fn items() -> StatusCode {
    StatusCode::OK
}

fn main() {}
