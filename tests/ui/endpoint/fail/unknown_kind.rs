use chainrs::prelude::*;

#[endpoint(grpc, method = "POST", path = "/run")]
async fn run() -> StatusCode {
    StatusCode::OK
}

fn main() {}
