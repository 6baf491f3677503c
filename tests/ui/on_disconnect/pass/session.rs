#![deny(warnings)]

use chainrs::prelude::*;

/// Notes the drop; the session stays for a reconnect.
#[on_disconnect]
async fn gone(session: Session) -> chainrs::Result<()> {
    let _ = session.id();
    Message::new("see you soon").send().await?;
    Ok(())
}

fn main() {
    let _ = App::new().on_disconnect(gone);
}
