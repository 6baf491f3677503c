use chainrs::prelude::*;

#[endpoint(http, method = "post", path = "/items")]
async fn items() -> StatusCode {
    StatusCode::OK
}

fn main() {}
