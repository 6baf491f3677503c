//! Commands and modes on the wire: what `set_commands` and `set_modes` carry, as Chainlit's UI
//! shows them in the composer (a command the user picks arrives as `message.command`, the
//! options chosen as `message.modes`).

use serde::{Deserialize, Serialize};

/// A command of the composer's command menu (or a button beside it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatCommand {
    /// Its id: what `Message::command` holds when the user picked it.
    pub id: String,
    /// Its icon, a Lucide icon name (`"globe"`, `"image"`).
    pub icon: String,
    /// What it does.
    pub description: String,
    /// Shown as a button in the composer, not only in the menu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<bool>,
    /// Stays selected after a message is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent: Option<bool>,
    /// Selected from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected: Option<bool>,
}

impl ChatCommand {
    /// A command with its id, icon and description.
    pub fn new(
        id: impl Into<String>,
        icon: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        ChatCommand {
            id: id.into(),
            icon: icon.into(),
            description: description.into(),
            button: None,
            persistent: None,
            selected: None,
        }
    }

    /// Also shown as a button in the composer.
    pub fn button(mut self) -> Self {
        self.button = Some(true);
        self
    }

    /// Stays selected after a message is sent.
    pub fn persistent(mut self) -> Self {
        self.persistent = Some(true);
        self
    }

    /// Selected from the start.
    pub fn selected(mut self) -> Self {
        self.selected = Some(true);
        self
    }
}

/// A mode picker of the composer (a model, a reasoning effort): one option chosen at a time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMode {
    /// Its id: the key in `Message::modes`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The options.
    pub options: Vec<ModeOption>,
}

impl ChatMode {
    /// A mode with its id and name, and no options yet.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        ChatMode {
            id: id.into(),
            name: name.into(),
            options: Vec::new(),
        }
    }

    /// With `option` added.
    pub fn option(mut self, option: ModeOption) -> Self {
        self.options.push(option);
        self
    }
}

/// One option of a [`ChatMode`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModeOption {
    /// Its id: the value in `Message::modes`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// A line about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its icon, a Lucide icon name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Chosen until the user picks another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
}

impl ModeOption {
    /// An option with its id and name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        ModeOption {
            id: id.into(),
            name: name.into(),
            description: None,
            icon: None,
            default: None,
        }
    }

    /// With a description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// With an icon (a Lucide icon name).
    pub fn icon(mut self, icon: impl Into<String>) -> Self {
        self.icon = Some(icon.into());
        self
    }

    /// The option chosen until the user picks another.
    pub fn default_option(mut self) -> Self {
        self.default = Some(true);
        self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn commands_and_modes_have_chainlits_fields() {
        let search = ChatCommand::new("search", "globe", "Search the web").button();
        assert_eq!(
            serde_json::to_value(&search).expect("json"),
            json!({"id": "search", "icon": "globe", "description": "Search the web", "button": true})
        );
        let mode = ChatMode::new("model", "Model")
            .option(ModeOption::new("fast", "Fast").default_option())
            .option(
                ModeOption::new("deep", "Deep")
                    .description("Slower")
                    .icon("brain"),
            );
        assert_eq!(
            serde_json::to_value(&mode).expect("json"),
            json!({"id": "model", "name": "Model", "options": [
                {"id": "fast", "name": "Fast", "default": true},
                {"id": "deep", "name": "Deep", "description": "Slower", "icon": "brain"}
            ]})
        );
    }
}
