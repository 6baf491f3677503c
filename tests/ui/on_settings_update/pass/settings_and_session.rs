#![deny(warnings)]

use chainrs::prelude::*;

/// The settings.
#[derive(ChatSettings, Default)]
struct Tuning {
    /// Which model answers.
    model: String,
}

/// Keeps the chosen model.
#[on_settings_update]
async fn settings(new: Settings<Tuning>, session: Session) -> chainrs::Result<()> {
    let model = new.model.clone();
    let _ = (model, session.chat_settings());
    Ok(())
}

fn main() {
    let _ = App::new()
        .chat_settings::<Tuning>()
        .on_settings_update(settings);
}
