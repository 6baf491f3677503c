use chainrs::prelude::*;

#[password_auth_callback]
async fn login(username: String, pin: u32) -> Option<User> {
    (pin == 1234).then(|| User::new(username))
}

fn main() {
    let _ = App::new().register(login);
}
