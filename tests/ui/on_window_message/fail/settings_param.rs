use chainrs::prelude::*;

#[derive(ChatSettings, Default)]
struct Tuning {
    model: String,
}

// The values being edited belong to `#[on_settings_edit]`.
#[on_window_message]
async fn from_window(draft: SettingsDraft<Tuning>) {
    let _ = draft;
}

fn main() {
    let _ = App::new().register(from_window);
}
