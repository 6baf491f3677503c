#![deny(warnings)]

use chainrs::prelude::*;

/// Answers a thumbs down in the chat.
#[on_feedback]
async fn rated(feedback: Feedback, user: User) -> chainrs::Result<()> {
    if !feedback.is_positive() {
        Message::new(format!("sorry, {}: {:?}", user.identifier, feedback.comment))
            .send()
            .await?;
    }
    Ok(())
}

fn main() {
    let _ = App::new().on_feedback(rated);
}
