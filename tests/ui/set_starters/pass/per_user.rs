#![deny(warnings)]

use chainrs::prelude::*;

/// One more starter for a logged-in user.
#[set_starters]
async fn offer(user: Option<User>) -> Vec<Starter> {
    let mut offered = vec![Starter::new("Say hi", "hello")];
    if user.is_some() {
        offered.push(Starter::new("Reverse", "abc").command("reverse").icon("/public/r.svg"));
    }
    offered
}

fn main() {
    let _ = App::new().set_starters(offer);
}
