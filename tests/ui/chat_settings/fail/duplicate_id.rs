use chainrs::prelude::*;

#[derive(ChatSettings, Default)]
struct Tuning {
    model: String,
    #[setting(id = "model")]
    other: String,
}

fn main() {}
