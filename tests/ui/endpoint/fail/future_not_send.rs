use chainrs::prelude::*;

// An endpoint's future must be `Send` too: one error, at the endpoint's name.
#[endpoint(http, method = "GET", path = "/count")]
async fn count() -> StatusCode {
    let cell = std::rc::Rc::new(std::cell::Cell::new(0));
    tokio::task::yield_now().await;
    cell.set(1);
    StatusCode::OK
}

fn main() {
    let _ = App::new().register(count);
}
