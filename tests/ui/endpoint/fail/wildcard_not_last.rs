use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "/files/{*rest}/raw")]
async fn file(Path(rest): Path<String>) -> String {
    rest
}

fn main() {}
