use chainrs::prelude::*;

#[header_auth_callback]
async fn from_proxy(username: String, password: String) -> Option<User> {
    (password == "admin").then(|| User::new(username))
}

fn main() {
    let _ = App::new().register(from_proxy);
}
