#![deny(warnings)]

use chainrs::prelude::*;

/// Starters in two groups; a third for one chat profile.
#[set_starter_categories]
async fn groups(_user: Option<User>, profile: Option<ChatProfile>) -> Vec<StarterCategory> {
    let mut offered = vec![
        StarterCategory::new("Write")
            .icon("/public/pen.svg")
            .starter(Starter::new("A poem", "write a poem")),
        StarterCategory::new("Learn").starter(Starter::new("Rust", "teach me Rust")),
    ];
    if profile.is_some_and(|p| p.name == "Tutor") {
        offered.push(StarterCategory::new("Practice").starter(Starter::new("A quiz", "quiz me")));
    }
    offered
}

fn main() {
    let _ = App::new().set_starter_categories(groups);
}
