#![deny(warnings)]

use chainrs::prelude::*;

/// Lets the support team read any thread.
#[on_shared_thread_view]
async fn support_reads(thread: Thread, viewer: Option<User>) -> bool {
    viewer.is_some_and(|v| v.identifier == "support") && thread.name().is_some()
}

fn main() {
    let _ = App::new().on_shared_thread_view(support_reads);
}
