#![deny(warnings)]

use chainrs::prelude::*;

#[header_auth_callback]
async fn from_proxy(headers: HeaderMap) -> Option<User> {
    let name = headers.get("x-user")?.to_str().ok()?;
    Some(User::new(name))
}

fn main() {
    let _ = App::new().register(from_proxy);
    let _ = App::new().header_auth(from_proxy);
}
