use chainrs::prelude::*;

#[on_chat_end]
fn end(session: Session) {
    let _ = session;
}

fn main() {}
