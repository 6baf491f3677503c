use chainrs::prelude::*;

#[on_settings_edit]
async fn editing(msg: Message) {
    let _ = msg;
}

fn main() {
    let _ = App::new().register(editing);
}
