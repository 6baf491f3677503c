#![deny(warnings)]

use chainrs::prelude::*;

/// Echoes what the embedding page posted.
#[on_window_message]
async fn from_window(message: WindowMessage) -> chainrs::Result<()> {
    chainrs::send_window_message(message.0).await
}

fn main() {
    let _ = App::new().on_window_message(from_window);
}
