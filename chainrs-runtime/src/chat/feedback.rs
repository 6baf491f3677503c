//! `Feedback`: a user's rating of a reply, as `#[on_feedback]` receives it.

use uuid::Uuid;

use crate::protocol::FeedbackDict;

/// A rating the user gave a reply (thumbs up or down, with an optional comment), stored in the
/// data layer before `#[on_feedback]` receives it.
///
/// ```no_run
/// # use chainrs::prelude::*;
/// #[on_feedback]
/// async fn rated(feedback: Feedback) -> chainrs::Result<()> {
///     if !feedback.is_positive() {
///         Message::new("Sorry about that: what went wrong?").send().await?;
///     }
///     Ok(())
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    /// The rating's id in the data layer.
    pub id: Uuid,
    /// The step (reply) rated: for Chainlit's UI, the run step of the reply.
    pub for_id: Uuid,
    /// 1 for good, 0 for bad.
    pub value: i32,
    /// What the user wrote, if anything.
    pub comment: Option<String>,
}

impl Feedback {
    pub(crate) fn stored(id: Uuid, dict: FeedbackDict) -> Self {
        Feedback {
            id,
            for_id: dict.for_id,
            value: dict.value,
            comment: dict.comment,
        }
    }

    /// A thumbs up.
    pub fn is_positive(&self) -> bool {
        self.value == 1
    }
}
