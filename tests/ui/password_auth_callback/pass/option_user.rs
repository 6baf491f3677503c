#![deny(warnings)]

use chainrs::prelude::*;

#[password_auth_callback]
async fn login(username: String, password: String) -> Option<User> {
    (username == "admin" && password == "admin").then(|| User::new(username))
}

fn main() {
    let _ = App::new().register(login);
    let _ = App::new().password_auth(login);
}
