use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "/items/{id}")]
async fn item() -> StatusCode {
    StatusCode::OK
}

fn main() {}
