use chainrs::prelude::*;

#[derive(SessionState, Default, Serialize, Deserialize)]
#[session(key = "my chat")]
struct Chat {
    turns: u32,
}

fn main() {}
