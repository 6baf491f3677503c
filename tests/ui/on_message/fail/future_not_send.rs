use chainrs::prelude::*;

// The runtime runs hooks on a multi-threaded tokio runtime, so a value that is not `Send`
// may not be held across an `.await`: one error, at the handler's name, naming the value.
#[on_message]
async fn reply(msg: Message) -> chainrs::Result<()> {
    let counter = std::rc::Rc::new(1);
    Message::new(msg.content).send().await?;
    let _ = counter;
    Ok(())
}

fn main() {
    let _ = App::new().register(reply);
}
