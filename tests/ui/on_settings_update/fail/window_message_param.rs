use chainrs::prelude::*;

#[on_settings_update]
async fn settings(message: WindowMessage) {
    let _ = message;
}

fn main() {
    let _ = App::new().register(settings);
}
