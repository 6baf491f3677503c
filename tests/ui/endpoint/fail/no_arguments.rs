use chainrs::prelude::*;

#[endpoint]
async fn run() -> StatusCode {
    StatusCode::OK
}

fn main() {}
