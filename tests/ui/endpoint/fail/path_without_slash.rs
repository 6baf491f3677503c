use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "items")]
async fn items() -> StatusCode {
    StatusCode::OK
}

fn main() {}
