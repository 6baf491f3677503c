use chainrs::prelude::*;

#[set_starters]
async fn offer() -> Vec<Starter> {
    Vec::new()
}

fn main() {}
