use chainrs::prelude::*;

#[derive(Deserialize)]
struct Settings {
    model: String,
}

#[on_chat_start]
async fn start(settings: Json<Settings>) {
    let _ = settings.0.model;
}

fn main() {
    let _ = App::new().register(start);
}
