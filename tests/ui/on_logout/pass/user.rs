#![deny(warnings)]

use chainrs::prelude::*;

/// Forgets the user's cached data.
#[on_logout]
async fn bye(user: User) -> chainrs::Result<()> {
    let _ = user.identifier;
    Ok(())
}

fn main() {
    let _ = App::new().on_logout(bye);
}
