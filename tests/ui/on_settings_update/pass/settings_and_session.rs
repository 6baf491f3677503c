#![deny(warnings)]

use chainrs::prelude::*;

/// Keeps the chosen model.
#[on_settings_update]
async fn settings(new: ChatSettings, session: Session) -> chainrs::Result<()> {
    let model = new.0.get("model").cloned();
    let _ = (model, session.chat_settings());
    Ok(())
}

fn main() {
    let _ = App::new().on_settings_update(settings);
}
