use chainrs::prelude::*;

#[derive(SessionState, Default, Serialize, Deserialize)]
#[session(name = "chat")]
struct Chat {
    turns: u32,
}

fn main() {}
