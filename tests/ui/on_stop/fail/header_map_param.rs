use chainrs::prelude::*;

#[on_stop]
async fn stop(headers: HeaderMap) {
    let _ = headers;
}

fn main() {
    let _ = App::new().register(stop);
}
