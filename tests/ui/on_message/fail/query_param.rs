use chainrs::prelude::*;

#[derive(Deserialize)]
struct Params {
    lang: String,
}

#[on_message]
async fn reply(msg: Message, Query(params): Query<Params>) {
    let _ = (msg, params.lang);
}

fn main() {
    let _ = App::new().register(reply);
}
