use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "/items?page=1")]
async fn items() -> StatusCode {
    StatusCode::OK
}

fn main() {}
