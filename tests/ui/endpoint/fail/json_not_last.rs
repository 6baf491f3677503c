use chainrs::prelude::*;

#[derive(Deserialize)]
struct Body {
    text: String,
}

#[endpoint(http, method = "POST", path = "/items")]
async fn create(Json(body): Json<Body>, headers: HeaderMap) -> String {
    let _ = headers;
    body.text
}

fn main() {
    let _ = App::new().register(create);
}
