use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "/items")]
async fn items(headers: &HeaderMap) -> String {
    headers.len().to_string()
}

fn main() {}
