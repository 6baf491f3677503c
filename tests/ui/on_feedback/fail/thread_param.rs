use chainrs::prelude::*;

#[on_feedback]
async fn rated(thread: Thread) {
    let _ = thread;
}

fn main() {
    let _ = App::new().register(rated);
}
