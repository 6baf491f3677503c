use chainrs::prelude::*;

#[on_message]
async fn reply(user: User) {
    let _ = user;
}

fn main() {
    let _ = App::new().register(reply);
}
