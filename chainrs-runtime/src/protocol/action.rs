//! An action: a button under a message, as Chainlit's web client sends and receives it.
//! Clicking it is handled by the chat layer; this is only its wire shape.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A button under a message (Chainlit's action dict on the wire).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// The action's id: any text the app chooses (Chainlit's `Action(id=…)`), a UUID by default.
    #[serde(default = "new_id", deserialize_with = "id_text")]
    pub id: String,
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

fn new_id() -> String {
    Uuid::new_v4().to_string()
}

/// An id as text; a client that sends a number gets it back as its decimal text.
fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "an action id is a string, got {other}"
        ))),
    }
}

impl Action {
    /// An action running the callback `name`, labelled `label`, with a JSON payload.
    pub fn new(name: impl Into<String>, label: impl Into<String>, payload: Value) -> Self {
        Action {
            id: new_id(),
            name: name.into(),
            payload,
            label: label.into(),
            tooltip: String::new(),
            icon: None,
            for_id: None,
        }
    }

    /// Sets the id (a UUID by default): an id the app knows lets it remove this very button
    /// later, or tell apart buttons of one callback.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the tooltip.
    pub fn with_tooltip(mut self, tooltip: impl Into<String>) -> Self {
        self.tooltip = tooltip.into();
        self
    }
}
