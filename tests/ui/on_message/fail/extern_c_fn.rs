use chainrs::prelude::*;

#[on_message]
async extern "C" fn reply(msg: Message) {
    let _ = msg;
}

fn main() {}
