use chainrs::prelude::*;

#[on_chat_start]
struct Start;

fn main() {}
