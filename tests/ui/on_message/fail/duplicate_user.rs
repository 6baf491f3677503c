use chainrs::prelude::*;

#[on_message]
async fn reply(msg: Message, user: User, author: User) {
    let _ = (msg, user, author);
}

fn main() {
    let _ = App::new().register(reply);
}
