#![deny(warnings)]

use chainrs::prelude::*;

/// Every input a field can be.
#[derive(ChatSettings, Default)]
struct Tuning {
    /// A slider over negative numbers too.
    #[setting(slider(min = -1, max = 1.5, step = 0.5), label = "Bias", tooltip = "t")]
    bias: f64,
    #[setting(numberinput(placeholder = "n"))]
    n: i64,
    on: bool,
    #[setting(checkbox, disabled)]
    check: bool,
    #[setting(id = "Model", select(options = ["a", "b"]), description = "d")]
    model: String,
    #[setting(radio(options = ["x", "y"]))]
    pick: String,
    voice: Voice,
    #[setting(radio)]
    other_voice: Voice,
    #[setting(multiselect(options = ["web", "code"]))]
    tools: Vec<String>,
    #[setting(tags)]
    words: Vec<String>,
    #[setting(textinput(placeholder = "p", multiline))]
    prompt: String,
    #[setting(datepicker(min_date = "2026-01-01", max_date = "2027-01-01", format = "yyyy-MM-dd", placeholder = "when"))]
    day: String,
    #[setting(datepicker(range))]
    span: Vec<String>,
    small: u8,
}

/// The voices.
#[derive(SettingChoice, Default)]
enum Voice {
    /// Plain.
    #[default]
    Plain,
    /// With a label and a value of its own.
    #[choice(value = "pirate", label = "Pirate")]
    Pirate,
}

fn main() {
    let panel = Tuning::default().widgets();
    assert_eq!(panel.len(), 14);
    let _ = Voice::Pirate;
    let _ = App::new().chat_settings::<Tuning>();
}
