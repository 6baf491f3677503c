use chainrs::prelude::*;

#[on_window_message]
async fn from_window(settings: ChatSettings) {
    let _ = settings;
}

fn main() {
    let _ = App::new().register(from_window);
}
