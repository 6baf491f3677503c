use chainrs::prelude::*;

#[endpoint(http, path = "/run")]
async fn run() -> StatusCode {
    StatusCode::OK
}

fn main() {}
