use chainrs::prelude::*;

#[derive(ChatSettings, Default)]
struct Tuning {
    limits: std::collections::HashMap<String, u32>,
}

fn main() {}
