use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "/items/:id")]
async fn item(Path(id): Path<String>) -> String {
    id
}

fn main() {}
