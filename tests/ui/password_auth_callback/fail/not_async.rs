use chainrs::prelude::*;

#[password_auth_callback]
fn login(username: String, password: String) -> Option<User> {
    (password == "admin").then(|| User::new(username))
}

fn main() {}
