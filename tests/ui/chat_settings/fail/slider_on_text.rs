use chainrs::prelude::*;

#[derive(ChatSettings, Default)]
struct Tuning {
    #[setting(slider(min = 0, max = 2))]
    model: String,
    #[setting(switch)]
    count: u32,
    #[setting(select)]
    name: String,
}

fn main() {}
