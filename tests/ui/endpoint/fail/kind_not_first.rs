use chainrs::prelude::*;

#[endpoint(method = "POST", path = "/run", http)]
async fn run() -> StatusCode {
    StatusCode::OK
}

fn main() {}
