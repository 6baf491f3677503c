use chainrs::prelude::*;

#[on_logout]
async fn bye(user: User, reason: String) {
    let _ = (user, reason);
}

fn main() {}
