use chainrs::prelude::*;

#[derive(ChatSettings, Default)]
struct Tuning {
    model: String,
}

#[on_settings_update(model)]
async fn settings(new: Settings<Tuning>) {
    let _ = new;
}

fn main() {}
