use chainrs::prelude::*;

#[derive(SessionState, Default)]
struct Chat {
    turns: u32,
}

fn main() {}
