#![deny(warnings)]

use chainrs::prelude::*;

/// The settings.
#[derive(ChatSettings, Default)]
struct Tuning {
    /// How free.
    #[setting(slider(min = 0, max = 1, step = 0.05))]
    temperature: f32,
}

/// Previews an edit before it is submitted.
#[on_settings_edit]
async fn editing(draft: SettingsDraft<Tuning>, current: Settings<Tuning>) -> chainrs::Result<()> {
    let _ = (draft.temperature, current.temperature);
    Ok(())
}

fn main() {
    let _ = App::new().chat_settings::<Tuning>().on_settings_edit(editing);
}
