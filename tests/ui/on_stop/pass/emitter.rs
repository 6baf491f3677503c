#![deny(warnings)]

use chainrs::prelude::*;

#[on_stop]
async fn stop(emitter: Emitter, user: Option<User>) {
    let _ = (emitter.session_id(), user);
}

fn main() {
    let _ = App::new().register(stop);
    let _ = App::new().on_stop(stop);
}
