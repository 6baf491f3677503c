//! An action: a button under a message, as Chainlit's web client sends and receives it.
//! Clicking it is handled by the chat layer; this is only its wire shape.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A button under a message (Chainlit's action dict on the wire).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// The action's id.
    #[serde(default = "Uuid::new_v4")]
    pub id: Uuid,
    /// The callback it runs (`#[action_callback("name")]`).
    pub name: String,
    /// Data the callback receives.
    #[serde(default)]
    pub payload: Value,
    /// The button's text.
    #[serde(default)]
    pub label: String,
    /// The button's tooltip.
    #[serde(default)]
    pub tooltip: String,
    /// An icon name, if any.
    #[serde(default)]
    pub icon: Option<String>,
    /// The message it sits under.
    #[serde(default)]
    pub for_id: Option<Uuid>,
}

impl Action {
    /// An action running the callback `name`, labelled `label`, with a JSON payload.
    pub fn new(name: impl Into<String>, label: impl Into<String>, payload: Value) -> Self {
        Action {
            id: Uuid::new_v4(),
            name: name.into(),
            payload,
            label: label.into(),
            tooltip: String::new(),
            icon: None,
            for_id: None,
        }
    }

    /// Sets the tooltip.
    pub fn with_tooltip(mut self, tooltip: impl Into<String>) -> Self {
        self.tooltip = tooltip.into();
        self
    }
}
