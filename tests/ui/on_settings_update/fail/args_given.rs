use chainrs::prelude::*;

#[on_settings_update(model)]
async fn settings(new: ChatSettings) {
    let _ = new;
}

fn main() {}
