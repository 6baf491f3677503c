#![deny(warnings)]

use chainrs::prelude::*;

#[on_chat_start]
async fn start() {}

#[on_message]
async fn reply(msg: Message) {
    let _ = msg;
}

#[on_chat_end]
async fn end() {}

#[on_stop]
async fn stop() {}

#[password_auth_callback]
async fn login(username: String, password: String) -> Option<User> {
    (password == "secret").then(|| User::new(username))
}

#[header_auth_callback]
async fn proxy(headers: HeaderMap) -> Option<User> {
    let _ = headers;
    None
}

#[endpoint(http, method = "GET", path = "/a")]
async fn a() -> &'static str {
    "a"
}

#[endpoint(ws, method = "GET", path = "/b")]
async fn b() -> &'static str {
    "b"
}

fn main() {
    let _ = App::new()
        .on_chat_start(start)
        .on_message(reply)
        .on_chat_end(end)
        .on_stop(stop)
        .password_auth(login)
        .header_auth(proxy)
        .http_endpoint(a)
        .ws_endpoint(b);
    // Every kind goes through `register` too, and the function stays callable.
    let _ = App::new().register(start).register(reply).register(a).register(b);
    let _ = start::call();
}
