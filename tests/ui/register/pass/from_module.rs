#![deny(warnings)]

//! Handlers defined in a module and registered from outside it.

mod handlers {
    use chainrs::prelude::*;

    #[on_message]
    pub async fn reply(msg: Message) -> chainrs::Result<()> {
        Message::new(msg.content).send().await?;
        Ok(())
    }

    #[endpoint(http, method = "GET", path = "/health")]
    pub async fn health() -> &'static str {
        "ok"
    }
}

fn main() {
    let _ = chainrs::App::new()
        .register(handlers::reply)
        .http_endpoint(handlers::health);
    let _ = handlers::reply::call(chainrs::Message::new("direct call"));
}
