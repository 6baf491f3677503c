use chainrs::prelude::*;

#[header_auth_callback]
async fn from_proxy(headers: HeaderMap) -> User {
    let _ = headers;
    User::new("anonymous")
}

fn main() {
    let _ = App::new().register(from_proxy);
}
