use chainrs::prelude::*;

#[password_auth_callback]
async fn login(username: String, password: String) -> bool {
    username == "admin" && password == "admin"
}

fn main() {
    let _ = App::new().register(login);
}
