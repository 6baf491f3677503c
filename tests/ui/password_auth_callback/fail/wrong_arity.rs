use chainrs::prelude::*;

#[password_auth_callback]
async fn login(username: String) -> Option<User> {
    Some(User::new(username))
}

fn main() {
    let _ = App::new().register(login);
}
