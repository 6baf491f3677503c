//! Starters on the wire: the suggested first messages a new chat shows (`starters` in
//! `/project/settings`, or grouped in `starterCategories`); a click sends the starter's message
//! (with its command, if any).

use serde::{Deserialize, Serialize};

/// A suggested first message, shown on an empty chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Starter {
    /// What the button says.
    pub label: String,
    /// The message a click sends.
    pub message: String,
    /// The composer command the message is sent with (`Message::command`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Its icon: a URL, or a path under the app's `public/` folder (`/public/idea.svg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

impl Starter {
    /// A starter with its label and the message it sends.
    pub fn new(label: impl Into<String>, message: impl Into<String>) -> Self {
        Starter {
            label: label.into(),
            message: message.into(),
            command: None,
            icon: None,
        }
    }

    /// Sent with the composer command `command`.
    pub fn command(mut self, command: impl Into<String>) -> Self {
        self.command = Some(command.into());
        self
    }

    /// With an icon (a URL, or `/public/...`).
    pub fn icon(mut self, icon: impl Into<String>) -> Self {
        self.icon = Some(icon.into());
        self
    }
}

/// A named group of starters (`starterCategories`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StarterCategory {
    /// Its name.
    pub label: String,
    /// Its icon: a URL, or a path under the app's `public/` folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Its starters.
    pub starters: Vec<Starter>,
}

impl StarterCategory {
    /// A category with its name and no starters yet.
    pub fn new(label: impl Into<String>) -> Self {
        StarterCategory {
            label: label.into(),
            icon: None,
            starters: Vec::new(),
        }
    }

    /// With an icon (a URL, or `/public/...`).
    pub fn icon(mut self, icon: impl Into<String>) -> Self {
        self.icon = Some(icon.into());
        self
    }

    /// With `starter` added.
    pub fn starter(mut self, starter: Starter) -> Self {
        self.starters.push(starter);
        self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn starters_have_chainlits_fields() {
        let plain = Starter::new("Say hi", "hello");
        assert_eq!(
            serde_json::to_value(&plain).expect("json"),
            json!({"label": "Say hi", "message": "hello"})
        );
        let full = plain.command("reverse").icon("/public/wave.svg");
        assert_eq!(
            serde_json::to_value(&full).expect("json"),
            json!({"label": "Say hi", "message": "hello", "command": "reverse", "icon": "/public/wave.svg"})
        );
        let group = StarterCategory::new("Fun").starter(Starter::new("Joke", "tell one"));
        assert_eq!(
            serde_json::to_value(&group).expect("json"),
            json!({"label": "Fun", "starters": [{"label": "Joke", "message": "tell one"}]})
        );
    }
}
