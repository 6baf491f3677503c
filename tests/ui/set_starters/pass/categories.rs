#![deny(warnings)]

use chainrs::prelude::*;

/// Starters in two groups.
#[set_starter_categories]
async fn groups(_user: Option<User>) -> Vec<StarterCategory> {
    vec![
        StarterCategory::new("Write")
            .icon("/public/pen.svg")
            .starter(Starter::new("A poem", "write a poem")),
        StarterCategory::new("Learn").starter(Starter::new("Rust", "teach me Rust")),
    ]
}

fn main() {
    let _ = App::new().set_starter_categories(groups);
}
