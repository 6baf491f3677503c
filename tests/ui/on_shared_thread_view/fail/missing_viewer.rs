use chainrs::prelude::*;

#[on_shared_thread_view]
async fn anyone(thread: Thread) -> bool {
    thread.name().is_some()
}

fn main() {
    let _ = App::new().register(anyone);
}
