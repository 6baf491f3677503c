use chainrs::prelude::*;

#[on_chat_start]
async fn start(cache: Local<std::rc::Rc<u32>>) {
    let _ = cache;
}

fn main() {
    let _ = App::new().register(start);
}
