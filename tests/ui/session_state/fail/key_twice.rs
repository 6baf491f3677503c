use chainrs::prelude::*;

#[derive(SessionState, Default, Serialize, Deserialize)]
#[session(key = "chat", key = "talk")]
struct Chat {
    turns: u32,
}

fn main() {}
