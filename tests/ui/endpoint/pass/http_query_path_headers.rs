#![deny(warnings)]

use chainrs::prelude::*;

#[derive(Deserialize)]
struct Page {
    limit: Option<u32>,
}

#[endpoint(http, method = "GET", path = "/items/{id}")]
async fn get_item(Path(id): Path<String>, Query(page): Query<Page>, headers: HeaderMap) -> String {
    format!("{id} {:?} {}", page.limit, headers.len())
}

#[endpoint(http, method = "DELETE", path = "/users/{user}/items/{item}")]
async fn remove(Path((user, item)): Path<(String, u32)>) -> StatusCode {
    let _ = (user, item);
    StatusCode::NO_CONTENT
}

#[endpoint(http, method = "GET", path = "/files/{*rest}")]
async fn file(Path(rest): Path<String>) -> impl IntoResponse {
    rest
}

#[endpoint(http, method = "PUT", path = "/ping")]
async fn ping() -> &'static str {
    "pong"
}

fn main() {
    let _ = App::new()
        .register(get_item)
        .register(remove)
        .register(file)
        .register(ping);
}
