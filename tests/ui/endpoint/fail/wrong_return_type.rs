use chainrs::prelude::*;

#[derive(Serialize)]
struct Item {
    id: u32,
}

#[endpoint(http, method = "GET", path = "/item")]
async fn item() -> Item {
    Item { id: 1 }
}

fn main() {
    let _ = App::new().register(item);
}
