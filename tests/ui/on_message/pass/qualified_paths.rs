#![deny(warnings)]

// Types written with their full path, and the hook's own error type.

#[derive(Debug)]
/// The hook's own error.
pub struct MyError;

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("my error")
    }
}

impl std::error::Error for MyError {}

/// Documented, public, with a user-chosen error type.
#[chainrs::on_message]
pub async fn reply(msg: chainrs::Message, user: Option<chainrs::User>) -> Result<(), MyError> {
    let _ = (msg, user);
    Err(MyError)
}

fn main() {
    let _ = chainrs::App::new().on_message(reply);
}
