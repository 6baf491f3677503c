use chainrs::prelude::*;

#[on_message]
async unsafe fn reply(msg: Message) {
    let _ = msg;
}

fn main() {}
