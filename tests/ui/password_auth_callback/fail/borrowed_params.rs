use chainrs::prelude::*;

#[password_auth_callback]
async fn login(username: &str, password: &str) -> Option<User> {
    (password == "admin").then(|| User::new(username))
}

fn main() {}
