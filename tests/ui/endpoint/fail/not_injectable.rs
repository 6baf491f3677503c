use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "/items")]
async fn items(limit: u32, headers: HeaderMap) -> String {
    format!("{limit} {}", headers.len())
}

fn main() {
    let _ = App::new().register(items);
}
