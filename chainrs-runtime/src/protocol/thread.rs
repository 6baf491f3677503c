//! A conversation as Chainlit's web client reads it back (`ThreadDict`), a reply's feedback,
//! and the paging of thread lists: wire shapes only; storing them is the data layer's.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{ElementDict, StepDict};

/// A thread (one conversation) with its steps and elements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadDict {
    /// The thread's id.
    pub id: Uuid,
    /// When it was created (in thread lists: when it was last active, as Chainlit answers).
    pub created_at: String,
    /// Its name (the first message, by default).
    #[serde(default)]
    pub name: Option<String>,
    /// The id of its user's row.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Its user's identifier.
    #[serde(default)]
    pub user_identifier: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Free-form metadata (chainrs keeps the session's state here).
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// Its steps and messages, in the order they started.
    #[serde(default)]
    pub steps: Vec<StepDict>,
    /// Its elements.
    #[serde(default)]
    pub elements: Vec<ElementDict>,
}

/// A user's feedback on a reply: thumbs up (1) or down (0), and a comment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackDict {
    /// The step (reply) it is about.
    pub for_id: Uuid,
    /// Its id, once stored.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// 1 for good, 0 for bad.
    pub value: i32,
    /// What the user wrote.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Which page of a list: at most `first` items, after the item `cursor` names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pagination {
    /// How many items.
    pub first: u32,
    /// The id of the last item of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Which threads a list holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadFilter {
    /// Only threads with a reply of this feedback value (1 or 0).
    #[serde(default)]
    pub feedback: Option<i32>,
    /// Only this user's threads (the id of their row).
    #[serde(default)]
    pub user_id: Option<String>,
    /// Only threads whose name contains this text (without case).
    #[serde(default)]
    pub search: Option<String>,
}

/// Where a page sits in its list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    /// Whether more items follow.
    pub has_next_page: bool,
    /// The first item's id.
    pub start_cursor: Option<String>,
    /// The last item's id: the cursor of the next page.
    pub end_cursor: Option<String>,
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// Where it sits.
    pub page_info: PageInfo,
    /// Its items.
    pub data: Vec<T>,
}
