use chainrs::prelude::*;

struct Bot;

impl Bot {
    #[on_message]
    async fn reply(&self, msg: Message) {
        let _ = msg;
    }
}

fn main() {}
