#![deny(warnings)]

use chainrs::prelude::*;

/// `mut` and `_`-prefixed parameters, `pub(crate)`, and a lint attribute on the handler.
#[on_message]
#[allow(clippy::needless_pass_by_value)]
pub(crate) async fn reply(mut msg: Message, _user: Option<User>) {
    msg.content.push('!');
}

fn main() {
    let _ = App::new().register(reply);
}
