use chainrs::prelude::*;

#[set_starter_categories]
async fn groups(_user: Option<User>) -> Vec<StarterCategory> {
    Vec::new()
}

fn main() {}
