use chainrs::prelude::*;

#[endpoint(http, method = "POST")]
async fn run() -> StatusCode {
    StatusCode::OK
}

fn main() {}
