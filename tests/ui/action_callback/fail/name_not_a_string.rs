use chainrs::prelude::*;

#[action_callback(approve)]
async fn approve(action: Action) {
    let _ = action;
}

fn main() {}
