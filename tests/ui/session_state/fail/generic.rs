use chainrs::prelude::*;

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Pair<T> {
    items: Vec<T>,
}

fn main() {}
