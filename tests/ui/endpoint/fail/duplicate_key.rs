use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "/items", method = "POST")]
async fn items() -> StatusCode {
    StatusCode::OK
}

fn main() {}
