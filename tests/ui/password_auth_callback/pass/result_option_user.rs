#![deny(warnings)]

use chainrs::prelude::*;

#[password_auth_callback]
async fn login(username: String, password: String) -> Result<Option<User>, std::io::Error> {
    if password.is_empty() {
        return Err(std::io::Error::other("empty password"));
    }
    Ok(Some(User::new(username)))
}

fn main() {
    let _ = App::new().register(login);
}
