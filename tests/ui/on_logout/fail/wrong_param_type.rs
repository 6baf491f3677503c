use chainrs::prelude::*;

#[on_logout]
async fn bye(user: String) {
    let _ = user;
}

fn main() {
    let _ = App::new().register(bye);
}
