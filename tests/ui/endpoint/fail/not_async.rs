use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "/items")]
fn items() -> StatusCode {
    StatusCode::OK
}

fn main() {}
