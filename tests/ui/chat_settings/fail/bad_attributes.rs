use chainrs::prelude::*;

#[derive(ChatSettings, Default)]
struct Tuning {
    #[setting(colour = "red")]
    a: String,
    #[setting(slider(min = 2, max = 1))]
    b: f64,
    #[setting(slider(max = 1))]
    c: f64,
    #[setting(switch, checkbox)]
    d: bool,
    #[setting(select(options = []))]
    e: String,
    #[setting(multiselect)]
    g: Vec<String>,
}

fn main() {}
