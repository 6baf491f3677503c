use chainrs::prelude::*;

#[action_callback("  ")]
async fn approve(action: Action) {
    let _ = action;
}

fn main() {}
