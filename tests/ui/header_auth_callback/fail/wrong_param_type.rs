use chainrs::prelude::*;

#[header_auth_callback]
async fn from_proxy(token: String) -> Option<User> {
    Some(User::new(token))
}

fn main() {
    let _ = App::new().register(from_proxy);
}
