use chainrs::prelude::*;

#[derive(ChatSettings)]
enum Tuning {
    Fast,
}

#[derive(ChatSettings, Default)]
struct Pair(u32, u32);

#[derive(SettingChoice)]
enum Voice {
    Plain,
    Custom(String),
    #[choice(value = "Plain")]
    Again,
}

fn main() {}
