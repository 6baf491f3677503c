use chainrs::prelude::*;

#[endpoint(http, method = "FETCH", path = "/items")]
async fn items() -> StatusCode {
    StatusCode::OK
}

fn main() {}
