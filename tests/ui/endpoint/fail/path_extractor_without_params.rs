use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "/items")]
async fn item(Path(id): Path<String>) -> String {
    id
}

fn main() {}
