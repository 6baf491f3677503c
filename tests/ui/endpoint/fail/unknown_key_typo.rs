use chainrs::prelude::*;

#[endpoint(http, methd = "GET", path = "/items")]
async fn items() -> StatusCode {
    StatusCode::OK
}

fn main() {}
