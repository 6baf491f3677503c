use chainrs::prelude::*;

struct Bot;

impl Bot {
    /// A method that takes `self` by value, in an `impl` block with other items.
    #[on_message]
    async fn reply(self, msg: Message) -> chainrs::Result<()> {
        let _ = msg;
        Ok(())
    }

    fn name(&self) -> &'static str {
        "bot"
    }
}

fn main() {
    let _ = Bot.name();
}
